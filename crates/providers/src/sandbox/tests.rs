//! The sandbox's tests: the simulated world is deterministic for a seed and keeps the shares
//! the module documentation promises.

use super::*;
use crate::email::{Added, EmailLead, Stopped};
use crate::traits::{EmailSequencer, Enricher};
use revos_domain::SimulatedClock;

fn world(seed: u64) -> (Arc<SimulatedClock>, Sandbox) {
    let clock = Arc::new(SimulatedClock::new(
        DateTime::from_timestamp(1_780_000_000, 0).unwrap(),
    ));
    let sandbox = Sandbox::new(seed, clock.clone(), vec!["GUIDE".into()]);
    (clock, sandbox)
}

async fn all_comments(s: &Sandbox) -> Vec<PostComment> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = s
            .comments("acc", "post-1", cursor.as_deref())
            .await
            .unwrap();
        out.extend(page.items);
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

#[tokio::test]
async fn comments_unfold_over_two_days_deterministically() {
    let (clock, s) = world(7);
    let at_start = all_comments(&s).await.len();
    clock.advance(Duration::hours(6));
    let early = all_comments(&s).await;
    clock.advance(Duration::hours(48));
    let late = all_comments(&s).await;
    assert!(
        at_start <= early.len() && early.len() < late.len(),
        "{at_start} {} {}",
        early.len(),
        late.len()
    );
    assert!(late.len() >= 30);
    let (clock2, s2) = world(7);
    all_comments(&s2).await;
    clock2.advance(Duration::hours(54));
    assert_eq!(
        all_comments(&s2).await,
        late,
        "the same seed replays the same world"
    );
    let (clock3, s3) = world(8);
    all_comments(&s3).await;
    clock3.advance(Duration::hours(54));
    assert_ne!(all_comments(&s3).await, late, "another seed, another world");

    let triggers = vec!["GUIDE".to_owned()];
    let with_trigger = late
        .iter()
        .filter(|c| revos_domain::triggers::qualifies(&c.text, &triggers))
        .count();
    assert!(
        with_trigger > late.len() / 3 && with_trigger < late.len(),
        "{with_trigger} of {}",
        late.len()
    );
    let people: HashSet<_> = late.iter().map(|c| &c.author.provider_id).collect();
    assert!(people.len() < late.len(), "some people comment twice");
    assert!(
        late.iter().any(|c| c.author.connected == Some(false)),
        "some are not connected"
    );
}

#[tokio::test]
async fn commenters_use_the_campaigns_own_trigger_words() {
    let (clock, s) = world(5);
    let playbook = vec!["PLAYBOOK".to_owned()];
    let s = s.with_triggers(&playbook);
    let first_look = all_comments(&s).await;
    assert!(first_look.is_empty(), "nothing before RevOS looks");
    clock.advance(Duration::seconds(25));
    let soon = all_comments(&s).await;
    assert!(
        soon.iter().any(|c| qualifies(&c.text, &playbook)),
        "a lead within 25 s: {soon:?}"
    );
    clock.advance(Duration::hours(48));
    let late = all_comments(&s).await;
    let texts: Vec<String> = late.iter().map(|c| c.text.to_lowercase()).collect();
    let leads = late
        .iter()
        .filter(|c| qualifies(&c.text, &playbook))
        .count();
    assert!(
        leads > late.len() / 3 && leads < late.len(),
        "{leads} of {}",
        late.len()
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("playbok") || t.contains("plaook")),
        "typos that match: {texts:?}"
    );
    let near: Vec<&String> = texts
        .iter()
        .filter(|t| !qualifies(t, &playbook) && (t.contains("playbook") || t.contains("plaook")))
        .collect();
    assert!(
        !near.is_empty(),
        "near-misses that must not match: {texts:?}"
    );
    assert!(
        !late
            .iter()
            .any(|c| qualifies(&c.text, &["GUIDE".to_owned()])),
        "nobody asks for another campaign's word"
    );

    let (clock2, s2) = world(5);
    let s2 = s2.with_triggers(&playbook);
    all_comments(&s2).await;
    clock2.advance(Duration::hours(48) + Duration::seconds(25));
    assert_eq!(
        all_comments(&s2).await,
        late,
        "deterministic per seed and triggers"
    );
}

#[test]
fn typos_match_and_near_misses_do_not() {
    for trigger in ["PLAYBOOK", "lead", "send it", "Guía", "AI"] {
        let t = vec![trigger.to_owned()];
        if let Some(typo) = typo(trigger) {
            assert!(qualifies(&typo, &t), "{typo} for {trigger}");
            assert_ne!(words(&typo), words(trigger));
        }
        for h in 0..3 {
            let miss = near_miss(trigger, h);
            assert!(!qualifies(&miss, &t), "{miss} for {trigger}");
        }
    }
    assert_eq!(typo("lead"), None, "short words must match exactly");
}

#[tokio::test]
async fn some_people_reply_after_a_while_and_some_have_emails() {
    let (clock, s) = world(11);
    all_comments(&s).await;
    clock.advance(Duration::hours(48));
    let comments = all_comments(&s).await;
    let mut chats = Vec::new();
    for c in comments.iter().filter(|c| c.author.connected == Some(true)) {
        let sent = s
            .send_dm("acc", &c.author.provider_id, "Here you go")
            .await
            .unwrap();
        chats.push(sent.chat_id);
    }
    let replies_now: usize = futures_count(&s, &chats).await;
    assert_eq!(replies_now, 0, "nobody replies instantly");
    clock.advance(Duration::hours(31));
    let replies_later = futures_count(&s, &chats).await;
    assert!(
        replies_later > 0 && replies_later < chats.len(),
        "{replies_later} of {}",
        chats.len()
    );

    let mut found = 0;
    for c in &comments {
        if s.enrich(c.author.profile_url.as_deref().unwrap())
            .await
            .unwrap()
            .is_some()
        {
            found += 1;
        }
    }
    assert!(found > 0 && found < comments.len());
    assert!(
        s.enrich("https://www.linkedin.com/in/real-person")
            .await
            .unwrap()
            .is_none()
    );
    let stranger = comments
        .iter()
        .find(|c| c.author.connected == Some(false))
        .unwrap();
    if !s
        .is_connected("acc", &stranger.author.provider_id)
        .await
        .unwrap()
    {
        let err = s
            .send_dm("acc", &stranger.author.provider_id, "hi")
            .await
            .unwrap_err();
        assert_eq!(
            err.provider_type.as_deref(),
            Some("errors/no_connection_with_recipient")
        );
    }
}

async fn futures_count(s: &Sandbox, chats: &[String]) -> usize {
    let mut n = 0;
    for chat in chats {
        if s.chat_messages("acc", chat)
            .await
            .unwrap()
            .iter()
            .any(|m| !m.from_us)
        {
            n += 1;
        }
    }
    n
}

#[tokio::test]
async fn published_posts_are_listed_and_gain_engagement() {
    let (clock, s) = world(3);
    let created = s.create_post("acc", "Hello sandbox", &[]).await.unwrap();
    let id = created.id.unwrap();
    assert!(created.url.unwrap().contains("sandbox"));
    let recent = s.recent_posts("acc").await.unwrap();
    assert_eq!(recent.len(), 1);
    assert_eq!(
        (recent[0].id.as_str(), recent[0].text.as_str()),
        (id.as_str(), "Hello sandbox")
    );
    assert!(s.recent_posts("other").await.unwrap().is_empty());
    let early = s.post_metrics("acc", &id).await.unwrap();
    clock.advance(Duration::hours(30));
    let later = s.post_metrics("acc", &id).await.unwrap();
    assert_eq!(early.reactions, Some(0));
    assert!(later.reactions >= early.reactions && later.impressions > early.impressions);
    assert!(s.post_metrics("acc", "nope").await.is_err());
}

#[tokio::test]
async fn enrolment_is_idempotent() {
    let (_, s) = world(1);
    let lead = EmailLead {
        email: "A@x.io".into(),
        ..Default::default()
    };
    assert_eq!(s.add_lead("c", &lead).await.unwrap(), Added::Added);
    assert_eq!(s.add_lead("c", &lead).await.unwrap(), Added::AlreadyThere);
    assert_eq!(s.stop_lead("c", "a@X.io").await.unwrap(), Stopped::Stopped);
    assert_eq!(s.stop_lead("c", "a@x.io").await.unwrap(), Stopped::NotThere);
    assert_eq!(s.add_lead("c", &lead).await.unwrap(), Added::Added);
}

#[tokio::test]
async fn found_emails_carry_apollo_statuses_of_every_kind() {
    let (_, s) = world(5);
    let mut statuses = HashSet::new();
    for i in 0..200 {
        if let Some(p) = s
            .enrich(&format!("https://www.linkedin.com/in/sbx-{i}"))
            .await
            .unwrap()
        {
            statuses.insert(p.email_status.unwrap());
        }
    }
    let want: HashSet<String> = ["verified", "likely to engage", "unverified"]
        .map(String::from)
        .into();
    assert_eq!(statuses, want);
}

/// Every chat `recent_chats` lists for `account` with activity after `after`, all pages.
async fn recent(s: &Sandbox, account: &str, after: DateTime<Utc>) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = s
            .recent_chats(account, after, cursor.as_deref())
            .await
            .unwrap();
        out.extend(page.items.into_iter().map(|c| c.id));
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

#[tokio::test]
async fn recent_chats_are_those_of_the_account_with_new_messages() {
    let (clock, s) = world(11);
    all_comments(&s).await;
    clock.advance(Duration::hours(48));
    let comments = all_comments(&s).await;
    let start = clock.now();
    let mut chats = Vec::new();
    for c in comments.iter().filter(|c| c.author.connected == Some(true)) {
        chats.push(
            s.send_dm("acc", &c.author.provider_id, "Hi")
                .await
                .unwrap()
                .chat_id,
        );
    }
    assert!(!chats.is_empty());
    let mut listed = recent(&s, "acc", start - Duration::minutes(1)).await;
    listed.sort();
    chats.sort();
    chats.dedup(); // one chat per person, who may have commented twice
    assert_eq!(listed, chats, "every chat with our DM");
    assert!(
        recent(&s, "other", start - Duration::minutes(1))
            .await
            .is_empty()
    );
    // A day and a half later, only the chats with a reply since are listed.
    clock.advance(Duration::hours(31));
    let replied = recent(&s, "acc", start + Duration::minutes(1)).await;
    assert_eq!(replied.len(), futures_count(&s, &chats).await);
    assert!(!replied.is_empty() && replied.len() < chats.len());
}

#[tokio::test]
async fn an_accounts_first_dm_is_answered_within_minutes_and_answers_join_the_chat() {
    let (clock, s) = world(5);
    all_comments(&s).await;
    clock.advance(Duration::hours(48));
    let comments = all_comments(&s).await;
    let connected: Vec<&PostComment> = comments
        .iter()
        .filter(|c| c.author.connected == Some(true))
        .take(2)
        .collect();
    let first = s
        .send_dm("acc", &connected[0].author.provider_id, "Here you go")
        .await
        .unwrap();
    let chats = [first.chat_id.clone()];
    assert_eq!(futures_count(&s, &chats).await, 0, "not at once");
    clock.advance(Duration::minutes(4));
    assert_eq!(futures_count(&s, &chats).await, 1, "within four minutes");

    // An answer in the chat is kept there, newest first, by the account.
    let id = s
        .send_in_chat("acc", &first.chat_id, "Glad it helps!")
        .await
        .unwrap();
    let messages = s.chat_messages("acc", &first.chat_id).await.unwrap();
    assert_eq!(messages[0].id, id.unwrap());
    assert!(messages[0].from_us && messages[0].at.is_some());
    // Another account's chat is not this account's to write in.
    assert!(s.send_in_chat("other", &first.chat_id, "hi").await.is_err());
}
