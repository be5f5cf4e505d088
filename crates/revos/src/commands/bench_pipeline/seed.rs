//! The bench workspace above the leads: its owner, LinkedIn accounts on the fake Unipile with
//! a round-the-clock pacing policy, a cartridge, and active campaigns watching the posts.
//! Everything goes through the app's use cases (and the store's `watch_post` for posts past
//! the fifty a campaign's settings hold), as a person setting up an agency would.

use super::Sizes;
use super::world::{self, Pacing};
use anyhow::Context;
use revos_app::accounts::PacingPatch;
use revos_app::campaigns::Transition;
use revos_app::{App, Principal, Store};
use serde_json::json;
use std::sync::Arc;
use uuid::Uuid;

/// The bench owner's login.
pub const EMAIL: &str = "bench@revos.invalid";
/// The bench owner's password.
pub const PASSWORD: &str = "bench-pipeline-password";

/// How many watched posts a campaign's own settings carry (the rest are watched through
/// the store), the most its validation allows.
const POSTS_IN_SETTINGS: usize = 50;

/// Signs the bench owner up (a fresh database) or in (a kept one).
pub async fn owner(app: &App, fresh: bool) -> anyhow::Result<Principal> {
    let session = if fresh {
        app.signup(EMAIL, PASSWORD, "RevOS bench agency")
            .await
            .context("signing the bench owner up")?
    } else {
        app.login(EMAIL, PASSWORD, None)
            .await
            .context("logging in to the kept bench database (run without --keep once)")?
    };
    Ok(app.authenticate(&session.token).await?)
}

/// Connects the accounts (known to the fake already), sets their pacing, and creates and
/// activates the campaigns with their posts, `tasks` at a time. Returns the campaign ids.
pub async fn workspace(
    app: &App,
    store: &Store,
    who: &Principal,
    sizes: &Sizes,
    tasks: usize,
) -> anyhow::Result<Vec<Uuid>> {
    let accounts = run_all(tasks, sizes.accounts, {
        let (app, who) = (app.clone(), who.clone());
        move |i| {
            let (app, who) = (app.clone(), who.clone());
            async move { connect_account(&app, &who, i).await }
        }
    })
    .await?;
    let accounts = Arc::new(accounts);
    let cartridge = app
        .create_cartridge(
            who,
            serde_json::from_value(json!({
                "name": "Agency client",
                "persona": {"role": "B2B growth consultant", "expertise": ["outbound", "LinkedIn"],
                            "target_audience": "founders of B2B SaaS companies"},
                "writing_style": {"tone": "casual", "vocabulary_level": 6, "sentence_structure": "short"},
                "industry_knowledge": {"niche": "B2B SaaS growth", "key_topics": ["cold outreach"]}
            }))?,
        )
        .await?
        .id;
    let cartridge = serde_json::to_value(cartridge)?;
    run_all(tasks, sizes.campaigns, {
        let (app, store, who, sizes) = (app.clone(), store.clone(), who.clone(), *sizes);
        move |c| {
            let (app, store, who) = (app.clone(), store.clone(), who.clone());
            let (accounts, cartridge) = (Arc::clone(&accounts), cartridge.clone());
            async move {
                let account = accounts[usize::try_from(c % sizes.accounts)?];
                create_campaign(&app, &store, &who, &sizes, c, account, cartridge).await
            }
        }
    })
    .await
}

/// Runs `one(i)` for `i` in `0..n`, `tasks` at a time; the results in order.
async fn run_all<T, F, Fut>(tasks: usize, n: u64, one: F) -> anyhow::Result<Vec<T>>
where
    T: Send + 'static,
    F: Fn(u64) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<T>> + Send,
{
    let next = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut handles = Vec::new();
    for _ in 0..tasks.max(1) {
        let (next, one) = (Arc::clone(&next), one.clone());
        handles.push(tokio::spawn(async move {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    return anyhow::Ok(done);
                }
                done.push((i, one(i).await?));
            }
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await??);
    }
    all.sort_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, t)| t).collect())
}

/// Connects account `i` and gives it the bench's pacing policy.
async fn connect_account(app: &App, who: &Principal, i: u64) -> anyhow::Result<Uuid> {
    let id = world::account_id(i);
    let account = app
        .connect_unipile_account(who, &id, Some(&format!("Sender {i}")))
        .await
        .with_context(|| format!("connecting account {id}"))?;
    let p = Pacing::BENCH;
    let patch = PacingPatch {
        time_zone: Some("UTC".into()),
        hourly_cap: Some(p.hourly_cap),
        daily_cap: Some(p.daily_cap),
        min_gap_seconds: Some(p.min_gap_seconds),
        max_gap_seconds: Some(p.max_gap_seconds),
        window_start: Some("00:00".into()),
        window_end: Some("23:59".into()),
        warmup_weeks: Some(0),
        ..Default::default()
    };
    app.update_pacing(who, account.id, &patch).await?;
    Ok(account.id)
}

/// Creates campaign `c` on `account`, watching its share of the posts, and activates it.
async fn create_campaign(
    app: &App,
    store: &Store,
    who: &Principal,
    sizes: &Sizes,
    c: u64,
    account: Uuid,
    cartridge: serde_json::Value,
) -> anyhow::Result<Uuid> {
    let posts: Vec<String> = world::posts_of(sizes, c)
        .into_iter()
        .map(world::post_id)
        .collect();
    let spec = serde_json::from_value(json!({
        "name": format!("Campaign {c:03} {}", world::TOPICS[usize::try_from(c)? % world::TOPICS.len()]),
        "cartridge_id": cartridge,
        "linkedin_account_id": account,
        "lead_magnet": {"title": "The Outreach Playbook", "url": format!("https://acme.io/playbook-{c}"),
                        "description": "Twelve templates that book meetings"},
        "trigger_words": [world::TRIGGER],
        "watched_posts": posts.iter().take(POSTS_IN_SETTINGS).collect::<Vec<_>>(),
        "dm_template": "Hi {{ first_name }}, thanks for your comment! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}",
    }))?;
    let campaign = app.create_campaign(who, spec).await?.id;
    if posts.len() > POSTS_IN_SETTINGS {
        let mut tx = store.begin_for(who.tenant).await?;
        let now = chrono::Utc::now();
        for post in &posts[POSTS_IN_SETTINGS..] {
            revos_store::campaigns::watch_post(&mut tx, who.tenant, campaign, post, false, now)
                .await?;
        }
        tx.commit().await?;
    }
    app.transition_campaign(who, campaign, Transition::Activate)
        .await
        .with_context(|| format!("activating campaign {c}"))?;
    Ok(campaign)
}
