//! The page and API measurements: each endpoint asked by N concurrent clients (a fixed
//! number of requests, or at most [`LEVEL_LIMIT`]), timing each answer to its last byte (to
//! its first byte for the CSV export); and the full export read to its end while this
//! process's resident memory is sampled.

use super::report::percentile;
use super::scale_out::status_mib;
use super::seed_leads::{COMMON_TERM, RARE_TERM};
use anyhow::Context;
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The longest one endpoint is measured at one concurrency level.
const LEVEL_LIMIT: Duration = Duration::from_secs(20);

/// How the bench reaches the web server.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

/// One endpoint to measure.
struct Endpoint {
    name: &'static str,
    path: String,
    /// Signed in by the session cookie (a page) rather than the bearer token (the API).
    page: bool,
    /// Timed to the first byte of the body.
    first_byte: bool,
}

/// The latency of one endpoint at one concurrency level.
#[derive(Debug, serde::Serialize)]
pub struct Latency {
    /// The endpoint's name.
    pub endpoint: &'static str,
    /// Concurrent clients.
    pub clients: usize,
    /// Answers timed.
    pub requests: usize,
    /// Answers that were not 2xx (or failed).
    pub errors: usize,
    /// Median, ms (none when no answer succeeded).
    pub p50_ms: Option<f64>,
    /// 95th percentile, ms.
    pub p95_ms: Option<f64>,
    /// 99th percentile, ms.
    pub p99_ms: Option<f64>,
}

/// The full CSV export.
#[derive(Debug, serde::Serialize)]
pub struct Export {
    /// Bytes received.
    pub bytes: u64,
    /// Data rows (lines past the header).
    pub rows: u64,
    /// From the request to the last byte, seconds.
    pub duration_s: f64,
    /// To the first byte, ms.
    pub first_byte_ms: f64,
    /// Growth of this process's resident memory over the export, MiB.
    pub peak_rss_growth_mib: f64,
}

impl Client {
    /// Logs in through the API as the bench owner.
    pub async fn login(base: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(64)
            .build()?;
        let answer: Value = http
            .post(format!("{base}/api/v1/auth/login"))
            .json(&serde_json::json!({"email": super::seed::EMAIL, "password": super::seed::PASSWORD}))
            .send()
            .await?
            .error_for_status()
            .context("logging in through the API")?
            .json()
            .await?;
        let token = answer["token"]
            .as_str()
            .context("the login answer has a token")?
            .to_owned();
        Ok(Self {
            http,
            base: base.to_owned(),
            token,
        })
    }

    fn get(&self, path: &str, page: bool) -> reqwest::RequestBuilder {
        let req = self.http.get(format!("{}{path}", self.base));
        if page {
            req.header("cookie", format!("revos_session={}", self.token))
        } else {
            req.bearer_auth(&self.token)
        }
    }

    /// A JSON answer of the API.
    async fn json(&self, path: &str) -> anyhow::Result<Value> {
        Ok(self
            .get(path, false)
            .send()
            .await?
            .error_for_status()
            .with_context(|| format!("GET {path}"))?
            .json()
            .await?)
    }
}

/// The endpoints of the issue: the dashboard, a campaign page, its funnel, the lead list
/// (all, and replied leads), search with a common and a rare term, one lead, the export's
/// first byte, and the last 30 days' report (issue 21: totals of two periods and every
/// breakdown).
async fn endpoints(client: &Client) -> anyhow::Result<Vec<Endpoint>> {
    let campaigns = client.json("/api/v1/campaigns?limit=1").await?;
    let campaign = campaigns["items"][0]["id"]
        .as_str()
        .context("the workspace has a campaign")?
        .to_owned();
    let leads = client.json("/api/v1/leads?limit=1").await?;
    let lead = leads["items"][0]["id"]
        .as_str()
        .context("the workspace has a lead")?
        .to_owned();
    let api = |name, path: String| Endpoint {
        name,
        path,
        page: false,
        first_byte: false,
    };
    let page = |name, path: String| Endpoint {
        name,
        path,
        page: true,
        first_byte: false,
    };
    Ok(vec![
        page("dashboard", "/".into()),
        page("campaign_page", format!("/campaigns/{campaign}")),
        api("funnel", format!("/api/v1/campaigns/{campaign}/funnel")),
        api("leads", "/api/v1/leads".into()),
        api("leads_replied", "/api/v1/leads?stage=replied".into()),
        api("search_common", format!("/api/v1/leads?q={COMMON_TERM}")),
        api("search_rare", format!("/api/v1/leads?q={RARE_TERM}")),
        api("lead_detail", format!("/api/v1/leads/{lead}")),
        api("report_30d", "/api/v1/reports?preset=30d".into()),
        Endpoint {
            name: "export_first_byte",
            path: "/api/v1/leads/export.csv".into(),
            page: false,
            first_byte: true,
        },
    ])
}

/// Measures every endpoint at every level of `clients`, `requests` answers each.
pub async fn measure(
    client: &Client,
    clients: &[usize],
    requests: usize,
) -> anyhow::Result<Vec<Latency>> {
    let mut out = Vec::new();
    for e in endpoints(client).await? {
        for &n in clients {
            out.push(level(client, &e, n, requests).await);
        }
    }
    Ok(out)
}

/// One endpoint at `n` concurrent clients.
async fn level(client: &Client, e: &Endpoint, n: usize, requests: usize) -> Latency {
    let left = Arc::new(AtomicUsize::new(requests));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..n {
        let (client, left) = (client.clone(), Arc::clone(&left));
        let (path, page, first_byte) = (e.path.clone(), e.page, e.first_byte);
        tasks.push(tokio::spawn(async move {
            let (mut times, mut errors) = (Vec::new(), 0);
            while started.elapsed() < LEVEL_LIMIT
                && left
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |l| l.checked_sub(1))
                    .is_ok()
            {
                let t = Instant::now();
                match once(&client, &path, page, first_byte).await {
                    Ok(()) => times.push(t.elapsed().as_secs_f64() * 1000.0),
                    Err(_) => errors += 1,
                }
            }
            (times, errors)
        }));
    }
    let (mut times, mut errors) = (Vec::new(), 0);
    for t in tasks {
        if let Ok((t, e)) = t.await {
            times.extend(t);
            errors += e;
        }
    }
    times.sort_by(f64::total_cmp);
    let pct = |p| (!times.is_empty()).then(|| round1(percentile(&times, p)));
    Latency {
        endpoint: e.name,
        clients: n,
        requests: times.len(),
        errors,
        p50_ms: pct(50.0),
        p95_ms: pct(95.0),
        p99_ms: pct(99.0),
    }
}

/// One request, read to its end (or to its first byte).
async fn once(client: &Client, path: &str, page: bool, first_byte: bool) -> anyhow::Result<()> {
    let mut resp = client.get(path, page).send().await?.error_for_status()?;
    if first_byte {
        resp.chunk().await?;
    } else {
        resp.bytes().await?;
    }
    Ok(())
}

/// Reads the whole CSV export, sampling this process's resident memory meanwhile.
pub async fn full_export(client: &Client) -> anyhow::Result<Export> {
    let before = status_mib("self", "VmRSS:").unwrap_or(0.0);
    let peak = Arc::new(std::sync::Mutex::new(before));
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = tokio::spawn({
        let (peak, done) = (Arc::clone(&peak), Arc::clone(&done));
        async move {
            while !done.load(Ordering::Relaxed) {
                if let Some(now) = status_mib("self", "VmRSS:") {
                    let mut p = peak.lock().unwrap_or_else(|e| e.into_inner());
                    *p = p.max(now);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    });
    let started = Instant::now();
    let mut resp = client
        .get("/api/v1/leads/export.csv", false)
        .timeout(Duration::from_secs(3600))
        .send()
        .await?
        .error_for_status()?;
    let (mut bytes, mut lines, mut first) = (0u64, 0u64, None);
    while let Some(chunk) = resp.chunk().await? {
        first.get_or_insert_with(|| started.elapsed());
        bytes += chunk.len() as u64;
        lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
    }
    let duration = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let _ = sampler.await;
    let peak = *peak.lock().unwrap_or_else(|e| e.into_inner());
    Ok(Export {
        bytes,
        rows: lines.saturating_sub(1),
        duration_s: round1(duration.as_secs_f64()),
        first_byte_ms: round1(first.unwrap_or(duration).as_secs_f64() * 1000.0),
        peak_rss_growth_mib: round1(peak - before),
    })
}

/// `x` to one decimal.
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
