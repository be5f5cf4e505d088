//! Sign-up, login and sessions: the operator's sign-up rule, passwords, and a session that
//! stops working when it expires.

use super::app;
use crate::AppError;
use revos_domain::SignupPolicy;
use revos_test_support::{Db, TestDb, both_backends};

both_backends!(
    only_the_first_signup_opens_by_default,
    login_checks_the_password,
    a_session_expires
);

async fn only_the_first_signup_opens_by_default(db: Db) {
    let (_db, store) = TestDb::migrated(db).await;
    let (app, _clock) = app(store, SignupPolicy::First);
    assert!(app.signup_allowed().await.unwrap());
    let session = app
        .signup("ana@example.com", "correct horse battery", "Acme")
        .await
        .unwrap();
    let who = app.authenticate(&session.token).await.unwrap();
    assert_eq!((who.tenant, who.user), (session.tenant, session.user));

    assert!(!app.signup_allowed().await.unwrap());
    let err = app
        .signup("bo@example.com", "correct horse battery", "Rival")
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::SignupClosed), "{err:?}");
}

async fn login_checks_the_password(db: Db) {
    let (_db, store) = TestDb::migrated(db).await;
    let (app, _clock) = app(store, SignupPolicy::Open);
    let first = app
        .signup("ana@example.com", "correct horse battery", "Acme")
        .await
        .unwrap();
    let err = app
        .login("ana@example.com", "wrong horse battery", None)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Unauthorized(_)), "{err:?}");
    let err = app
        .login("nobody@example.com", "correct horse battery", None)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Unauthorized(_)), "{err:?}");

    let again = app
        .login("ana@example.com", "correct horse battery", None)
        .await
        .unwrap();
    assert_eq!((again.tenant, again.user), (first.tenant, first.user));
    assert_ne!(again.token, first.token);
}

async fn a_session_expires(db: Db) {
    let (_db, store) = TestDb::migrated(db).await;
    let (app, clock) = app(store, SignupPolicy::Open);
    let session = app
        .signup("ana@example.com", "correct horse battery", "Acme")
        .await
        .unwrap();
    clock.advance(app.session_ttl() - chrono::Duration::seconds(1));
    assert!(app.authenticate(&session.token).await.is_ok());
    clock.advance(chrono::Duration::seconds(2));
    let err = app.authenticate(&session.token).await.unwrap_err();
    assert!(matches!(err, AppError::Unauthorized(_)), "{err:?}");
}
