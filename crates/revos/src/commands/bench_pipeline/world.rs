//! The fake Unipile the bench runs against: its accounts and watched posts (the same ids on
//! every run, so a kept database finds them again), and the stream of new comments that
//! keeps leads flowing and DMs going out while the workers run.

use super::Sizes;
use revos_providers::fakes::unipile::{FakeUnipile, Running};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// The campaigns' trigger word; new comments carry it.
pub const TRIGGER: &str = "GUIDE";

/// Words of campaign names and headlines.
pub const TOPICS: [&str; 6] = [
    "Growth",
    "Outbound",
    "Founders",
    "Recruiting",
    "Fintech",
    "Café owners",
];

/// The pacing policy every bench account gets: sends round the clock, at most
/// `hourly_cap` in any rolling hour, `min_gap_seconds` to `max_gap_seconds` apart.
#[derive(Clone, Copy, Debug)]
pub struct Pacing {
    /// Sends in any rolling hour.
    pub hourly_cap: i64,
    /// Sends per day.
    pub daily_cap: i64,
    /// Shortest gap between two sends of an account, seconds.
    pub min_gap_seconds: i64,
    /// Longest drawn gap, seconds.
    pub max_gap_seconds: i64,
}

impl Pacing {
    /// The bench's policy: busy enough that DMs flow within a short run.
    pub const BENCH: Pacing = Pacing {
        hourly_cap: 40,
        daily_cap: 500,
        min_gap_seconds: 20,
        max_gap_seconds: 40,
    };
}

/// The Unipile id of account `i`.
pub fn account_id(i: u64) -> String {
    format!("bench-acct-{i:05}")
}

/// The LinkedIn id of watched post `p`.
pub fn post_id(p: u64) -> String {
    format!("74{p:017}")
}

/// The posts campaign `c` watches: every `campaigns`-th one from `c`.
pub fn posts_of(sizes: &Sizes, c: u64) -> Vec<u64> {
    (c..sizes.posts)
        .step_by(usize::try_from(sizes.campaigns).unwrap_or(1).max(1))
        .collect()
}

/// Starts the fake with every account and post.
pub async fn start(sizes: &Sizes) -> Running {
    let fake = FakeUnipile::start().await;
    for i in 0..sizes.accounts {
        fake.state
            .add_account(&account_id(i), &format!("Sender {i}"));
    }
    for p in 0..sizes.posts {
        fake.state
            .add_post(&post_id(p), "What is your best cold outreach opener?");
    }
    fake
}

/// New comments arriving while the workers run.
pub struct CommentStream {
    stop: Arc<AtomicBool>,
    /// Comments added so far.
    pub added: Arc<AtomicU64>,
    handle: tokio::task::JoinHandle<()>,
}

/// Adds `per_second` comments a second, each by a person new to this run (so a kept database
/// gains leads too) already connected to the account of the post's campaign (so the DM goes out without a connection request), on
/// posts drawn in turn across all the posts.
pub fn comments(fake: Arc<FakeUnipile>, sizes: Sizes, per_second: u64) -> CommentStream {
    let stop = Arc::new(AtomicBool::new(false));
    let added = Arc::new(AtomicU64::new(0));
    let handle = tokio::spawn({
        let (stop, added) = (Arc::clone(&stop), Arc::clone(&added));
        async move {
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            // People new to this run, also on a kept database that earlier runs filled.
            let run = chrono::Utc::now().timestamp();
            let mut n: u64 = 0;
            let per_tick = per_second.div_ceil(10).max(1);
            while !stop.load(Ordering::Relaxed) {
                tick.tick().await;
                for _ in 0..per_tick {
                    // A stride prime to the post count visits posts of every campaign.
                    let p = (n * 7919) % sizes.posts;
                    let account = account_id((p % sizes.campaigns) % sizes.accounts);
                    let person = format!("bench-new-{run}-{n}");
                    let name = format!("Zoé Müller-{n}");
                    fake.add_comment(
                        &post_id(p),
                        &person,
                        &name,
                        &format!("{TRIGGER} please!"),
                        true,
                    );
                    fake.connect(&account, &person);
                    n += 1;
                }
                added.store(n, Ordering::Relaxed);
            }
        }
    });
    CommentStream {
        stop,
        added,
        handle,
    }
}

impl CommentStream {
    /// Stops adding comments.
    pub async fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.handle.await;
        self.added.load(Ordering::Relaxed)
    }
}
