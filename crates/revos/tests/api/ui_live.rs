//! The web app's live feed: a signed-in page's event stream carries the workspace's new events
//! (and not another workspace's), and shutting the server down ends open streams instead of
//! waiting on them.

use crate::both_backends;
use crate::helpers::{Db, TestApp};
use crate::ui_html::{form_encode, no_redirects};
use reqwest::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use revos_domain::TenantId;
use revos_store::events;
use std::time::Duration;

both_backends!(
    the_live_feed_streams_new_events_and_ends_on_shutdown,
    unknown_pages_are_pages_and_unknown_api_paths_json
);

/// Signs up through the form on `base`; returns the session cookie and the tenant.
async fn sign_up(t: &TestApp, base: &str, email: &str) -> (String, TenantId) {
    let resp = no_redirects()
        .post(format!("{base}/signup"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form_encode(&[
            ("email", email),
            ("password", "correct horse battery"),
            ("workspace_name", "Acme"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), reqwest::StatusCode::SEE_OTHER);
    let cookie = resp.headers()[SET_COOKIE].to_str().unwrap();
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("revos_session=")
        .to_owned();
    let who = t.app.authenticate(&token).await.unwrap();
    (token, who.tenant)
}

async fn the_live_feed_streams_new_events_and_ends_on_shutdown(db: Db) {
    let t = TestApp::spawn(db).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(revos_web::serve(
        listener,
        revos_web::AppState::new(t.app.clone()),
        async move {
            let _ = stopped.await;
        },
    ));
    let (ana, tenant) = sign_up(&t, &base, "ana@example.com").await;
    let (_, other) = sign_up(&t, &base, "bob@example.com").await;

    let mut feed = reqwest::Client::new()
        .get(format!("{base}/live"))
        .header(COOKIE, format!("revos_session={ana}"))
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), reqwest::StatusCode::OK);
    assert!(
        feed.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );

    // Another workspace's event first, then this workspace's: only the latter arrives.
    for (tenant, kind) in [(other, "dm_sent"), (tenant, "lead_scraped")] {
        let mut tx = t.store.begin_for(tenant).await.unwrap();
        events::append(&mut tx, tenant, kind, None, None, "{}", t.app.now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen.contains("event: lead_scraped") {
        let chunk = tokio::time::timeout_at(deadline, feed.chunk())
            .await
            .expect("the new event within 10 s")
            .unwrap()
            .expect("the stream stays open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.contains("\"summary\":\"New lead\""), "{seen}");
    assert!(
        !seen.contains("dm_sent"),
        "another workspace's event leaked: {seen}"
    );

    // Shutdown ends the open stream and the server returns.
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("graceful shutdown does not wait on the live feed")
        .unwrap()
        .unwrap();
    let rest = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(Some(_)) = feed.chunk().await {}
    })
    .await;
    assert!(rest.is_ok(), "the stream ended");
}

async fn unknown_pages_are_pages_and_unknown_api_paths_json(db: Db) {
    let t = TestApp::spawn(db).await;
    let page = t
        .http
        .get(format!("{}/no-such-page", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), reqwest::StatusCode::NOT_FOUND);
    assert!(
        page.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("There is nothing here.")
    );
    let api = t
        .http
        .get(format!("{}/api/v1/no-such-thing", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), reqwest::StatusCode::NOT_FOUND);
    assert!(
        api.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
}
