//! `revos bench pipeline` at a small size on each backend: it seeds, runs the workers against
//! the fake Unipile, measures every page, and prints one JSON object with every figure; the
//! send log as the fake saw it has no second DM to a person and no pacing rule broken. The
//! seed is bulk-loaded and its funnel rollup rebuilt from the rows: the kept scratch
//! database's rollups (after the workers added to them) equal the per-lead count over the
//! raw rows, and the migration's backfill agrees.

use crate::helpers::{Db, TestDb};
use revos_test_support::funnel_check;
use serde_json::Value;
use sqlx::Connection;
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_revos");

/// The kept scratch database's name: `revos_bench_<leads>_<campaigns>_<posts>_<accounts>`.
const SCRATCH: &str = "revos_bench_500_4_40_8";

/// Runs a small bench in `dir`, keeping its scratch database; `database_url` is where a
/// PostgreSQL scratch database is created.
fn bench(dir: &Path, backend: &str, database_url: Option<&str>) -> Value {
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
        .current_dir(dir)
        .args([
            "bench",
            "pipeline",
            "--backend",
            backend,
            "--json",
            "--keep",
        ])
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
        "report_30d",
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

#[tokio::test]
async fn a_small_pipeline_bench_reports_every_figure_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    let report = tokio::task::spawn_blocking(move || bench(&path, "sqlite", None))
        .await
        .unwrap();
    check(&report, "sqlite");
    let file = dir.path().join("revos-data").join(format!("{SCRATCH}.db"));
    let url = format!("sqlite://{}", file.display());
    let compared = funnel_check::assert_funnels_match_at(&url, Db::Sqlite).await;
    assert_eq!(compared, 4, "every campaign's funnel compared");
}

#[tokio::test]
async fn a_small_pipeline_bench_reports_every_figure_on_postgres() {
    let db = TestDb::new(Db::Postgres).await;
    let (url, dir) = (db.url.clone(), tempfile::tempdir().unwrap());
    let admin_url = revos_test_support::postgres_admin_url();
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
    let drop_scratch = format!("DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)");
    // A scratch database left by an interrupted run would be reused instead of seeded.
    sqlx::raw_sql(sqlx::AssertSqlSafe(drop_scratch.as_str()))
        .execute(&mut admin)
        .await
        .unwrap();
    let path = dir.path().to_owned();
    let report = tokio::task::spawn_blocking(move || bench(&path, "postgres", Some(&url)))
        .await
        .unwrap();
    check(&report, "postgres");
    let scratch = format!("{}/{SCRATCH}", admin_url.rsplit_once('/').unwrap().0);
    let compared = funnel_check::assert_funnels_match_at(&scratch, Db::Postgres).await;
    assert_eq!(compared, 4, "every campaign's funnel compared");
    sqlx::raw_sql(sqlx::AssertSqlSafe(drop_scratch.as_str()))
        .execute(&mut admin)
        .await
        .unwrap();
}
