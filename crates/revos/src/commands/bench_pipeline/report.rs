//! The bench's figures: one JSON object (`--json`) or a readable table.

use super::load::{Export, Latency};
use super::watch::{Polls, Sends};

/// The `p`th percentile (nearest rank) of sorted `values`; 0 when there are none.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// What was seeded, and how fast.
#[derive(Debug, serde::Serialize)]
pub struct Seeded {
    /// Whether a kept database was reused (nothing was seeded this run).
    pub reused: bool,
    /// Leads.
    pub leads: u64,
    /// Campaign memberships.
    pub campaign_leads: u64,
    /// Events.
    pub events: u64,
    /// Messages.
    pub messages: u64,
    /// Seconds the owner, accounts, cartridge and campaigns took.
    pub workspace_seconds: f64,
    /// Seconds the leads (with their events and messages) took.
    pub seconds: f64,
    /// Leads written per second.
    pub leads_per_second: f64,
}

/// CPU and memory of the run's processes over the measured window.
#[derive(Debug, serde::Serialize)]
pub struct Resources {
    /// CPU seconds of this process in the window.
    pub cpu_seconds: f64,
    /// Share of the machine's cores this process used in the window, percent of all cores.
    pub cpu_percent_of_machine: f64,
    /// Peak resident memory of this process, MiB (`VmHWM`).
    pub peak_rss_mib: f64,
    /// CPU seconds of the worker processes in the window (0 without `--workers`).
    pub workers_cpu_seconds: f64,
    /// The largest peak resident memory of a worker process, MiB.
    pub workers_peak_rss_mib: f64,
    /// Cores of the machine.
    pub cores: usize,
}

/// The whole result.
#[derive(Debug, serde::Serialize)]
pub struct Report {
    /// sqlite or postgres.
    pub backend: String,
    /// Worker processes (0: in this process).
    pub workers: u32,
    /// Seconds of the measured window.
    pub duration_s: u64,
    /// Leads asked for.
    pub leads: u64,
    /// Campaigns.
    pub campaigns: u64,
    /// Watched posts.
    pub posts: u64,
    /// LinkedIn accounts.
    pub accounts: u64,
    /// The seeding.
    pub seed: Seeded,
    /// New comments added by the fake during the run.
    pub comments_added: u64,
    /// The monitor's polls.
    pub polls: Polls,
    /// Jobs finished in the window.
    pub jobs_finished: i64,
    /// Jobs finished per second in the window.
    pub jobs_per_second: f64,
    /// The DMs and the send log check.
    pub sends: Sends,
    /// CPU and memory.
    pub resources: Resources,
    /// Page and API latencies.
    pub latency: Vec<Latency>,
    /// The full CSV export.
    pub export: Export,
}

impl Report {
    /// Prints the figures for a person.
    pub fn print(&self) {
        let s = &self.seed;
        println!(
            "RevOS pipeline bench on {} ({} worker process(es); 0 = in process), {} s window",
            self.backend, self.workers, self.duration_s
        );
        println!(
            "seed: workspace in {:.0} s; {} leads, {} campaign leads, {} events, {} messages{} in {:.0} s ({:.0} leads/s)",
            s.workspace_seconds,
            s.leads,
            s.campaign_leads,
            s.events,
            s.messages,
            if s.reused { " (reused)" } else { "" },
            s.seconds,
            s.leads_per_second
        );
        let p = &self.polls;
        println!(
            "polls: {} posts ({} never), {:.1} pages/s, lateness p50 {:.1} s, p99 {:.1} s, max {:.1} s ({} samples)",
            p.posts_polled,
            p.posts_never_polled,
            p.per_second,
            p.lateness_p50_s,
            p.lateness_p99_s,
            p.lateness_max_s,
            p.samples
        );
        let d = &self.sends;
        println!(
            "jobs: {:.1}/s; DMs {:.2}/s ({} in the window); duplicates {}, gap violations {}, hourly cap violations {}",
            self.jobs_per_second,
            d.dms_per_second,
            d.dms_in_window,
            d.duplicate_dms,
            d.min_gap_violations,
            d.hourly_cap_violations
        );
        let r = &self.resources;
        println!(
            "process: {:.1} CPU s ({:.0}% of {} cores), peak RSS {:.0} MiB; workers: {:.1} CPU s, peak RSS {:.0} MiB",
            r.cpu_seconds,
            r.cpu_percent_of_machine,
            r.cores,
            r.peak_rss_mib,
            r.workers_cpu_seconds,
            r.workers_peak_rss_mib
        );
        println!(
            "{:<18} {:>7} {:>8} {:>6} {:>9} {:>9} {:>9}",
            "endpoint", "clients", "requests", "errors", "p50 ms", "p95 ms", "p99 ms"
        );
        let ms = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.1}"));
        for l in &self.latency {
            println!(
                "{:<18} {:>7} {:>8} {:>6} {:>9} {:>9} {:>9}",
                l.endpoint,
                l.clients,
                l.requests,
                l.errors,
                ms(l.p50_ms),
                ms(l.p95_ms),
                ms(l.p99_ms)
            );
        }
        let e = &self.export;
        println!(
            "full export: {} rows, {} bytes in {:.1} s, first byte {:.1} ms, RSS growth {:.1} MiB",
            e.rows, e.bytes, e.duration_s, e.first_byte_ms, e.peak_rss_growth_mib
        );
    }
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), 50.0);
        assert_eq!(percentile(&v, 99.0), 99.0);
        assert_eq!(percentile(&v, 100.0), 100.0);
        assert_eq!(percentile(&[], 99.0), 0.0);
    }
}
