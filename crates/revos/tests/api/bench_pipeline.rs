//! `revos bench pipeline` at a small size on each backend: it seeds, runs the workers against
//! the fake Unipile, measures every page, and prints one JSON object with every figure; the
//! send log as the fake saw it has no second DM to a person and no pacing rule broken.

use crate::helpers::{Db, TestDb};
use serde_json::Value;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_revos");

/// Runs a small bench; `database_url` is where a PostgreSQL scratch database is created.
fn bench(backend: &str, database_url: Option<&str>) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(BIN);
    for (k, _) in std::env::vars() {
        if k.starts_with("REVOS_") {
            cmd.env_remove(k);
        }
    }
    if let Some(url) = database_url {
        cmd.env("REVOS_DATABASE_URL", url);
    }
    let out = cmd
        .current_dir(dir.path())
        .args(["bench", "pipeline", "--backend", backend, "--json"])
        .args([
            "--leads",
            "500",
            "--campaigns",
            "4",
            "--posts",
            "40",
            "--accounts",
            "8",
        ])
        .args(["--duration", "5", "--clients", "1,2", "--requests", "2"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

fn check(report: &Value, backend: &str) {
    let number = |path: &str| {
        report
            .pointer(path)
            .and_then(Value::as_f64)
            .unwrap_or_else(|| panic!("{path} in {report}"))
    };
    assert_eq!(report["backend"], backend);
    for path in [
        "/polls/lateness_p50_s",
        "/polls/lateness_p99_s",
        "/polls/per_second",
        "/jobs_per_second",
        "/sends/dms_per_second",
        "/resources/cpu_seconds",
        "/resources/peak_rss_mib",
        "/export/first_byte_ms",
        "/export/peak_rss_growth_mib",
        "/export/duration_s",
        "/seed/leads_per_second",
    ] {
        number(path);
    }
    assert_eq!(number("/seed/leads"), 500.0, "{report}");
    assert!(number("/seed/campaign_leads") > 500.0, "{report}");
    assert!(number("/seed/events") > 1000.0, "{report}");
    assert!(number("/seed/messages") > 150.0, "{report}");
    assert!(number("/export/rows") >= 500.0, "{report}");
    assert!(number("/comments_added") > 0.0, "{report}");
    for path in [
        "/sends/duplicate_dms",
        "/sends/min_gap_violations",
        "/sends/hourly_cap_violations",
    ] {
        assert_eq!(number(path), 0.0, "{path} in {report}");
    }
    let latency = report["latency"].as_array().unwrap();
    let endpoints = [
        "dashboard",
        "campaign_page",
        "funnel",
        "leads",
        "leads_replied",
        "search_common",
        "search_rare",
        "lead_detail",
        "export_first_byte",
    ];
    assert_eq!(latency.len(), endpoints.len() * 2, "{report}");
    for e in endpoints {
        for clients in [1, 2] {
            let row = latency
                .iter()
                .find(|l| l["endpoint"] == e && l["clients"] == clients)
                .unwrap_or_else(|| panic!("{e} at {clients} in {report}"));
            assert_eq!(row["errors"], 0, "{row}");
            assert_eq!(row["requests"], 2, "{row}");
            for p in ["p50_ms", "p95_ms", "p99_ms"] {
                assert!(row[p].as_f64().is_some_and(|ms| ms > 0.0), "{row}");
            }
        }
    }
}

#[test]
fn a_small_pipeline_bench_reports_every_figure_on_sqlite() {
    check(&bench("sqlite", None), "sqlite");
}

#[tokio::test]
async fn a_small_pipeline_bench_reports_every_figure_on_postgres() {
    let db = TestDb::new(Db::Postgres).await;
    let url = db.url.clone();
    let report = tokio::task::spawn_blocking(move || bench("postgres", Some(&url)))
        .await
        .unwrap();
    check(&report, "postgres");
}
