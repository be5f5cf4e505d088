//! What the fake Unipile saw during the measured window: how late each watched post's
//! comments were polled (the gap between consecutive `GET /posts/{id}/comments` of a post,
//! less the 30 s period), how many DMs went out, and the send log check: no person messaged
//! twice, and per account no two sends closer than the minimum gap nor more in a rolling
//! hour than the hourly cap.

use super::report::percentile;
use super::world::Pacing;
use chrono::{DateTime, Utc};
use revos_providers::fakes::unipile::{Arrival, FakeUnipile};
use std::collections::HashMap;

/// The fake's clock and the sender's clock may disagree by the time a request spends in
/// flight: two sends closer than the minimum gap by less than this are not a violation.
const GAP_TOLERANCE_MS: i64 = 1_000;

/// Poll figures of the window.
#[derive(Debug, serde::Serialize)]
pub struct Polls {
    /// Comment pages fetched in the window.
    pub requests: usize,
    /// Distinct posts polled in the window.
    pub posts_polled: usize,
    /// Watched posts not polled at all by the end of the window.
    pub posts_never_polled: u64,
    /// Lateness samples: each gap between consecutive polls of a post, and for each post
    /// overdue at the end of the window (or never polled) how overdue it is then.
    pub samples: usize,
    /// Median lateness past the period, seconds (0 when on time or early).
    pub lateness_p50_s: f64,
    /// 99th percentile lateness, seconds.
    pub lateness_p99_s: f64,
    /// Worst lateness, seconds.
    pub lateness_max_s: f64,
    /// Comment pages fetched per second.
    pub per_second: f64,
}

/// Poll lateness of `watched` posts from the arrivals between `from` (the workers' start)
/// and `to`. A post not polled again by `to` is as late as it is overdue then, so a monitor
/// that cannot keep up shows it even within a short window.
pub fn polls(
    arrivals: &[Arrival],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    period_s: f64,
    watched: u64,
) -> Polls {
    let mut by_post: HashMap<&str, Vec<DateTime<Utc>>> = HashMap::new();
    let mut requests = 0;
    for a in arrivals.iter().filter(|a| a.at >= from && a.at <= to) {
        if a.method == "GET" && a.path.starts_with("/posts/") && a.path.ends_with("/comments") {
            requests += 1;
            by_post.entry(a.path.as_str()).or_default().push(a.at);
        }
    }
    let secs = |a: DateTime<Utc>, b: DateTime<Utc>| (b - a).num_milliseconds() as f64 / 1000.0;
    let mut late: Vec<f64> = Vec::new();
    for times in by_post.values_mut() {
        times.sort();
        // Pages of one walk come within a second: only the first of each walk counts.
        times.dedup_by(|b, a| (*b - *a).num_milliseconds() < 5_000);
        for w in times.windows(2) {
            late.push((secs(w[0], w[1]) - period_s).max(0.0));
        }
        if let Some(last) = times.last() {
            let overdue = secs(*last, to) - period_s;
            if overdue > 0.0 {
                late.push(overdue);
            }
        }
    }
    let never = watched.saturating_sub(by_post.len() as u64);
    let overdue = (secs(from, to) - period_s).max(0.0);
    late.extend((0..never).map(|_| overdue));
    late.sort_by(f64::total_cmp);
    let window = secs(from, to).max(0.001);
    Polls {
        requests,
        posts_polled: by_post.len(),
        posts_never_polled: never,
        samples: late.len(),
        lateness_p50_s: percentile(&late, 50.0),
        lateness_p99_s: percentile(&late, 99.0),
        lateness_max_s: percentile(&late, 100.0),
        per_second: requests as f64 / window,
    }
}

/// The send log check.
#[derive(Debug, serde::Serialize)]
pub struct Sends {
    /// DMs the fake received in the window (new chats and messages in chats).
    pub dms_in_window: usize,
    /// DMs received per second in the window.
    pub dms_per_second: f64,
    /// DMs received over the whole run.
    pub dms_total: usize,
    /// People who received more than one DM from the bench's sends.
    pub duplicate_dms: usize,
    /// Pairs of consecutive sends of one account closer than the minimum gap.
    pub min_gap_violations: usize,
    /// Sends that made an account exceed its hourly cap in a rolling hour.
    pub hourly_cap_violations: usize,
}

/// Checks the DMs the fake received: people in `fake`'s chats messaged more than once by the
/// accounts, and each account's sends against `pacing`.
pub fn sends(
    fake: &FakeUnipile,
    arrivals: &[Arrival],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    pacing: Pacing,
) -> Sends {
    let is_send = |a: &&Arrival| {
        a.method == "POST"
            && a.fault.is_none()
            && (a.path == "/chats"
                || (a.path.starts_with("/chats/") && a.path.ends_with("/messages")))
    };
    let all: Vec<&Arrival> = arrivals.iter().filter(is_send).collect();
    let in_window = all.iter().filter(|a| a.at >= from && a.at <= to).count();
    let duplicate_dms = fake
        .chats()
        .values()
        .filter(|c| c.messages.iter().filter(|m| m.2).count() > 1)
        .count();
    let mut by_account: HashMap<&str, Vec<DateTime<Utc>>> = HashMap::new();
    for a in &all {
        if let Some(account) = a.account.as_deref() {
            by_account.entry(account).or_default().push(a.at);
        }
    }
    let (mut gap_bad, mut cap_bad) = (0, 0);
    for times in by_account.values_mut() {
        times.sort();
        for w in times.windows(2) {
            if (w[1] - w[0]).num_milliseconds() < pacing.min_gap_seconds * 1000 - GAP_TOLERANCE_MS {
                gap_bad += 1;
            }
        }
        let mut start = 0;
        for end in 0..times.len() {
            while times[end] - times[start] >= chrono::Duration::hours(1) {
                start += 1;
            }
            if i64::try_from(end - start + 1).unwrap_or(i64::MAX) > pacing.hourly_cap {
                cap_bad += 1;
            }
        }
    }
    let secs = ((to - from).num_milliseconds() as f64 / 1000.0).max(0.001);
    Sends {
        dms_in_window: in_window,
        dms_per_second: in_window as f64 / secs,
        dms_total: all.len(),
        duplicate_dms,
        min_gap_violations: gap_bad,
        hourly_cap_violations: cap_bad,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    fn get(path: &str, s: i64) -> Arrival {
        Arrival {
            method: "GET".into(),
            path: path.into(),
            account: None,
            at: at(s),
            fault: None,
        }
    }

    #[test]
    fn lateness_is_the_gap_past_the_period_per_post() {
        let log = [
            get("/posts/a/comments", 0),
            get("/posts/a/comments", 1), // the second page of the same walk
            get("/posts/a/comments", 32),
            get("/posts/b/comments", 5),
            get("/posts/b/comments", 35),
            get("/posts/a", 40),
        ];
        // Post c is never polled: 60 s of window less the period, 30 s overdue.
        let p = polls(&log, at(0), at(60), 30.0, 3);
        assert_eq!(
            (p.requests, p.posts_polled, p.posts_never_polled),
            (5, 2, 1)
        );
        assert_eq!(p.samples, 3, "two gaps and the post never polled");
        assert_eq!((p.lateness_p50_s, p.lateness_max_s), (2.0, 30.0));
    }
}
