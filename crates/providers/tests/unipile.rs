//! The Unipile client against the fake Unipile server: paging, DMs, faults, and the
//! "sent but timed out" case that DM reconciliation must handle.

use revos_providers::fakes::Fault;
use revos_providers::fakes::unipile::FakeUnipile;
use revos_providers::unipile::Unipile;
use revos_providers::{HttpConfig, ProviderErrorKind};
use std::time::Duration;

fn client(base: &str) -> Unipile {
    let mut config = HttpConfig::new(base, "unipile-test-key".to_owned().into());
    config.timeout = Duration::from_millis(400);
    config.retry_base = Duration::from_millis(20);
    Unipile::new(config)
}

#[tokio::test]
async fn pages_through_every_comment_of_a_post() {
    let fake = FakeUnipile::start().await;
    fake.state.add_account("acc1", "Dana");
    fake.state
        .add_post("7332661864792854528", "Comment GUIDE for the playbook");
    for i in 0..230 {
        fake.state.add_comment(
            "7332661864792854528",
            &format!("ACo{i}"),
            &format!("Person {i}"),
            "GUIDE please",
            i % 2 == 0,
        );
    }
    let c = client(&fake.base_url);
    let post = c.post("acc1", "7332661864792854528").await.unwrap();
    assert_eq!(post.comments_id(), "urn:li:activity:7332661864792854528");
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = c
            .comments("acc1", &post.comments_id(), cursor.as_deref(), 100)
            .await
            .unwrap();
        seen.extend(page.items.into_iter().map(|c| c.author_details.id.unwrap()));
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 230);
    let distinct: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!(distinct.len(), 230);
    // The URN travelled percent-encoded in the path.
    assert!(
        fake.state
            .requests()
            .iter()
            .any(|(_, p)| p == "/posts/urn:li:activity:7332661864792854528/comments")
    );
}

#[tokio::test]
async fn dms_reach_connections_and_not_strangers() {
    let fake = FakeUnipile::start().await;
    fake.state.add_account("acc1", "Dana");
    fake.state.connect("acc1", "ACoFriend");
    let c = client(&fake.base_url);
    let started = c
        .start_chat("acc1", "ACoFriend", "Hi! Here is the guide")
        .await
        .unwrap();
    let again = c
        .send_message("acc1", &started.chat_id, "and one more thing")
        .await
        .unwrap();
    assert!(again.is_some());
    assert_eq!(
        fake.state.sent_to("ACoFriend"),
        ["Hi! Here is the guide", "and one more thing"]
    );
    let err = c
        .start_chat("acc1", "ACoStranger", "hello")
        .await
        .unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Permanent);
    assert_eq!(
        err.provider_type.as_deref(),
        Some("errors/no_connection_with_recipient")
    );

    fake.state.reply_from("ACoFriend", "Thanks!");
    let page = c.messages(&started.chat_id, None).await.unwrap();
    assert_eq!(page.items[0].text.as_deref(), Some("Thanks!"));
    assert!(!page.items[0].is_sender);
    assert!(page.items[1].is_sender);
    let relations = c.relations("acc1", None).await.unwrap();
    assert_eq!(relations.items[0].member_id.as_deref(), Some("ACoFriend"));
}

#[tokio::test]
async fn a_timed_out_send_may_have_happened() {
    let fake = FakeUnipile::start().await;
    fake.state.add_account("acc1", "Dana");
    fake.state.connect("acc1", "ACoFriend");
    fake.state.inject([Fault::StallAfterEffect(2_000)]);
    let mut config = HttpConfig::new(&fake.base_url, "k".to_owned().into());
    config.timeout = Duration::from_millis(200);
    config.max_retries = 0;
    let err = Unipile::new(config)
        .start_chat("acc1", "ACoFriend", "Hi!")
        .await
        .unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Transient);
    // The message was delivered all the same: a sender must look before sending again.
    assert_eq!(fake.state.sent_to("ACoFriend"), ["Hi!"]);
}

#[tokio::test]
async fn faults_are_classified_with_the_provider_type_kept() {
    let fake = FakeUnipile::start().await;
    fake.state.add_account("acc1", "Dana");
    let c = client(&fake.base_url);
    fake.state.inject([
        Fault::RateLimited {
            retry_after_secs: 0,
        },
        Fault::ServerError,
    ]);
    assert_eq!(
        c.account("acc1").await.unwrap().sources[0]
            .status
            .as_deref(),
        Some("OK")
    );

    fake.state.inject([Fault::Status(403)]);
    let err = c.account("acc1").await.unwrap_err();
    assert_eq!(
        (err.kind, err.provider_type.as_deref()),
        (
            ProviderErrorKind::Permanent,
            Some("errors/account_restricted")
        )
    );

    fake.state.inject([Fault::RateLimited {
        retry_after_secs: 900,
    }]);
    let err = c.account("acc1").await.unwrap_err();
    assert_eq!(
        (err.kind, err.retry_after),
        (
            ProviderErrorKind::RateLimited,
            Some(Duration::from_secs(900))
        )
    );

    fake.state.inject([Fault::Malformed]);
    assert_eq!(
        c.account("acc1").await.unwrap_err().kind,
        ProviderErrorKind::Transient
    );
    let link = c
        .hosted_auth_link(&revos_providers::unipile::HostedLinkSpec {
            name: "tenant-1",
            notify_url: "https://revos.test/hooks/unipile",
            api_url: "https://api8.unipile.com:13443",
            expires_on: "2026-12-01T00:00:00.000Z",
            reconnect_account: None,
            success_redirect_url: None,
        })
        .await
        .unwrap();
    assert!(link.contains("tenant-1"));
}

#[tokio::test]
async fn sends_are_never_repeated_by_the_client() {
    let fake = FakeUnipile::start().await;
    fake.state.add_account("acc1", "Dana");
    fake.state.connect("acc1", "ACoFriend");
    fake.state.inject([Fault::StallAfterEffect(1_000)]);
    let err = client(&fake.base_url)
        .start_chat("acc1", "ACoFriend", "Hi!")
        .await
        .unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Transient);
    assert_eq!(
        fake.state.sent_to("ACoFriend"),
        ["Hi!"],
        "delivered once, and not sent again by a retry"
    );
    assert_eq!(
        fake.state
            .requests()
            .iter()
            .filter(|(m, p)| m == "POST" && p == "/chats")
            .count(),
        1
    );
}

#[tokio::test]
async fn posts_are_published_once_found_by_text_and_counted() {
    use revos_providers::LinkedIn;
    let fake = FakeUnipile::start().await;
    fake.state.add_account("acc1", "Dana");
    let unipile = client(&fake.base_url);
    let created = LinkedIn::create_post(&unipile, "acc1", "First post", &[])
        .await
        .unwrap();
    let id = created.id.expect("the fake gives the id");
    // Without an id in the answer (as SDK 1.8 documents), the post is still found by text.
    fake.state.omit_post_id(true);
    let bare = LinkedIn::create_post(&unipile, "acc1", "Second post", &[])
        .await
        .unwrap();
    assert_eq!(bare.id, None);
    let recent = unipile.recent_posts("acc1").await.unwrap();
    let texts: Vec<&str> = recent.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(texts, ["Second post", "First post"], "newest first");
    assert_eq!(recent[1].id, id);
    assert!(recent[1].url.as_deref().unwrap().contains(&id));
    assert!(
        fake.state
            .requests()
            .iter()
            .any(|(m, p)| m == "GET" && p == "/users/ACoOwnerOfacc1/posts"),
        "listed under the owner's id from /users/me"
    );

    fake.state.add_comment(&id, "ACoX", "Xi Li", "Nice", false);
    fake.state.set_counts(&id, 12, 3, 900);
    let m = unipile.post_metrics("acc1", &id).await.unwrap();
    assert_eq!(
        (m.reactions, m.comments, m.reposts, m.impressions),
        (Some(12), Some(1), Some(3), Some(900))
    );

    // A publish that took effect and then timed out is not retried by the client.
    fake.state.omit_post_id(false);
    fake.state.inject([Fault::StallAfterEffect(2_000)]);
    let err = LinkedIn::create_post(&unipile, "acc1", "Third post", &[])
        .await
        .unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Transient);
    assert_eq!(
        fake.state.created_posts().len(),
        3,
        "published exactly once"
    );
}
