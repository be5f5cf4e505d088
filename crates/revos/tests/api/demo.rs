//! `revos demo`: the whole loop in the sandbox through the real workers, its funnel as JSON,
//! and a send log that shows pacing held.

use chrono::{DateTime, Utc};
use serde_json::Value;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_revos");

fn demo(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(BIN);
    for (k, _) in std::env::vars() {
        if k.starts_with("REVOS_") {
            cmd.env_remove(k);
        }
    }
    cmd.current_dir(dir)
        .arg("demo")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_demo_runs_three_days_within_pacing() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("sends.jsonl");
    let out = demo(
        dir.path(),
        &["--days", "3", "--json", "--send-log", log.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let n = |k: &str| {
        report[k]
            .as_u64()
            .unwrap_or_else(|| panic!("{k} in {report}"))
    };
    assert!(n("leads_scraped") > 10, "{report}");
    assert!(n("leads_enriched") <= n("leads_scraped"));
    assert!(n("dms_sent") > 0 && n("dms_sent") <= n("leads_scraped"));
    assert!(
        n("dms_replied") > 0 && n("dms_replied") < n("dms_sent"),
        "{report}"
    );
    assert!(n("emails_sequenced") > 0, "{report}");
    assert_eq!(report["sandbox"], true);

    let lines: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.len() as u64,
        n("dms_sent"),
        "one line per DM received"
    );
    let mut leads = std::collections::HashSet::new();
    let mut times: Vec<DateTime<Utc>> = Vec::new();
    for l in &lines {
        for k in ["account_id", "lead_id", "campaign_id"] {
            assert!(l[k].as_str().is_some_and(|v| v.len() == 36), "{k} in {l}");
        }
        assert!(leads.insert(l["lead_id"].clone()), "a second DM to {l}");
        times.push(l["sent_at"].as_str().unwrap().parse().unwrap());
    }
    crate::helpers::assert_paced(&times);
}

#[test]
fn bad_demo_flags_exit_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = demo(dir.path(), &["--days", "0"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--days"), "{err}");
}

/// Off a terminal (where the bar is hidden), the demo says how far it got after each
/// simulated day, on stderr, before its funnel.
#[test]
fn the_demo_shows_progress_while_it_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = demo(dir.path(), &["--days", "2"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let days: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("simulated day "))
        .collect();
    assert_eq!(days.len(), 2, "{err}");
    assert!(days[0].starts_with("simulated day 1 of 2: "), "{err}");
    assert!(
        days[1].contains(" leads, ") && days[1].contains(" DMs sent"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("RevOS demo"));
}
