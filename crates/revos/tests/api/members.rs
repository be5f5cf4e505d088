//! Members, roles and invitations.

use crate::both_backends;
use crate::helpers::{Db, TestApp};
use reqwest::StatusCode;
use serde_json::json;

both_backends!(
    owner_invites_a_member_who_joins,
    roles_limit_what_members_do,
    last_owner_stays,
    two_owners_demoting_each_other_keep_an_owner
);

async fn owner_invites_a_member_who_joins(db: Db) {
    let t = TestApp::spawn(db).await;
    let (owner, tenant, _) = t.signup("owner@example.com", "Acme").await;
    let (status, inv) = t
        .post(
            "/api/v1/invitations",
            Some(&owner),
            json!({"email": "Bob@Example.com"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{inv}");
    assert_eq!(inv["role"], "member");
    let token = inv["token"].as_str().unwrap().to_owned();

    let (_, list) = t.get("/api/v1/invitations", &owner).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(
        !list.to_string().contains(&token),
        "listing must not reveal the token"
    );

    // Too-short password for the new account: 422 naming the field; the invitation survives.
    let (status, body) = t
        .post(
            "/api/v1/invitations/accept",
            None,
            json!({"token": token, "password": "short"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(crate::helpers::error_fields(&body), ["password"]);

    let (status, session) = t
        .post(
            "/api/v1/invitations/accept",
            None,
            json!({"token": token, "password": "bobs long password"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{session}");
    assert_eq!(session["tenant_id"], tenant.as_str());
    let bob = session["token"].as_str().unwrap();
    let (_, me) = t.get("/api/v1/me", bob).await;
    assert_eq!(me["role"], "member");

    // Used once only.
    let (status, _) = t
        .post(
            "/api/v1/invitations/accept",
            None,
            json!({"token": token, "password": "bobs long password"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (_, members) = t.get("/api/v1/members", &owner).await;
    let emails: Vec<_> = members["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap())
        .collect();
    assert!(emails.contains(&"bob@example.com") && emails.contains(&"owner@example.com"));

    // Bob can log in on his own now.
    let (status, _) = t
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "bob@example.com", "password": "bobs long password"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

async fn roles_limit_what_members_do(db: Db) {
    let t = TestApp::spawn(db).await;
    let (owner, _, _) = t.signup("owner@example.com", "Acme").await;
    let (_, inv) = t
        .post(
            "/api/v1/invitations",
            Some(&owner),
            json!({"email": "bob@example.com", "role": "member"}),
        )
        .await;
    let (_, s) = t
        .post(
            "/api/v1/invitations/accept",
            None,
            json!({"token": inv["token"], "password": "bobs long password"}),
        )
        .await;
    let bob = s["token"].as_str().unwrap().to_owned();
    let bob_id = s["user_id"].as_str().unwrap().to_owned();

    // A member may not invite, store secrets or create keys.
    assert_eq!(
        t.post(
            "/api/v1/invitations",
            Some(&bob),
            json!({"email": "eve@example.com"})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.put(
            "/api/v1/secrets/apollo_api_key",
            &bob,
            json!({"value": "abcdefghijkl"})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.post("/api/v1/api-keys", Some(&bob), json!({"name": "k"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // ...but may work with cartridges.
    assert_eq!(
        t.post(
            "/api/v1/cartridges",
            Some(&bob),
            crate::helpers::cartridge("Bob's")
        )
        .await
        .0,
        StatusCode::CREATED
    );

    // Promoted to admin, Bob can invite members but not owners.
    let (status, m) = t
        .patch(
            &format!("/api/v1/members/{bob_id}"),
            &owner,
            json!({"role": "admin"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{m}");
    assert_eq!(m["role"], "admin");
    assert_eq!(
        t.post(
            "/api/v1/invitations",
            Some(&bob),
            json!({"email": "eve@example.com"})
        )
        .await
        .0,
        StatusCode::CREATED
    );
    assert_eq!(
        t.post(
            "/api/v1/invitations",
            Some(&bob),
            json!({"email": "eve@example.com", "role": "owner"})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );

    // Removed, Bob's session stops working at once.
    assert_eq!(
        t.delete(&format!("/api/v1/members/{bob_id}"), &owner)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(t.get("/api/v1/me", &bob).await.0, StatusCode::UNAUTHORIZED);
}

async fn last_owner_stays(db: Db) {
    let t = TestApp::spawn(db).await;
    let (owner, _, owner_id) = t.signup("owner@example.com", "Acme").await;
    let (status, body) = t
        .patch(
            &format!("/api/v1/members/{owner_id}"),
            &owner,
            json!({"role": "member"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        t.delete(&format!("/api/v1/members/{owner_id}"), &owner)
            .await
            .0,
        StatusCode::CONFLICT
    );
    let (_, me) = t.get("/api/v1/me", &owner).await;
    assert_eq!(me["role"], "owner");
}

async fn two_owners_demoting_each_other_keep_an_owner(db: Db) {
    let t = TestApp::spawn(db).await;
    let (ana, _, ana_id) = t.signup("ana@example.com", "Acme").await;
    let (_, inv) = t
        .post(
            "/api/v1/invitations",
            Some(&ana),
            json!({"email": "bo@example.com", "role": "owner"}),
        )
        .await;
    let (status, s) = t
        .post(
            "/api/v1/invitations/accept",
            None,
            json!({"token": inv["token"], "password": "bos long password"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    let bo = s["token"].as_str().unwrap().to_owned();
    let bo_id = s["user_id"].as_str().unwrap().to_owned();
    let people = [
        (ana.as_str(), ana_id.as_str()),
        (bo.as_str(), bo_id.as_str()),
    ];

    for round in 0..20 {
        // Each owner demotes the other at the same moment.
        let to_ana = format!("/api/v1/members/{ana_id}");
        let to_bo = format!("/api/v1/members/{bo_id}");
        let (a, b) = tokio::join!(
            t.patch(&to_bo, &ana, json!({"role": "member"})),
            t.patch(&to_ana, &bo, json!({"role": "member"}))
        );
        let statuses = [a.0, b.0];
        let won = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(won, 1, "round {round}: {a:?} {b:?}");
        assert!(
            statuses
                .iter()
                .all(|s| [StatusCode::OK, StatusCode::CONFLICT, StatusCode::FORBIDDEN].contains(s)),
            "round {round}: {a:?} {b:?}"
        );

        // Exactly one owner remains, and it promotes the other back for the next round.
        let (_, members) = t.get("/api/v1/members", &ana).await;
        let owners: Vec<&str> = members["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["role"] == "owner")
            .map(|m| m["user_id"].as_str().unwrap())
            .collect();
        assert_eq!(owners.len(), 1, "round {round}: {members}");
        let (owner, other) = if owners[0] == ana_id {
            (people[0], people[1])
        } else {
            (people[1], people[0])
        };
        let (status, body) = t
            .patch(
                &format!("/api/v1/members/{}", other.1),
                owner.0,
                json!({"role": "owner"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}
