//! The queue and the LinkedIn accounts over HTTP and through `revos admin jobs`: listing by
//! state and kind, stats, retry and cancel, pacing settings, and tenant isolation.

use crate::both_backends;
use crate::helpers::{Db, TestApp, error_fields};
use reqwest::StatusCode;
use revos_domain::TenantId;
use revos_jobs::{Job, JobContext, JobError, Outcome, Registry, Runner, RunnerConfig, enqueue};
use serde::{Deserialize, Serialize};
use serde_json::json;

both_backends!(
    admins_see_retry_and_cancel_their_jobs,
    pacing_is_configured_per_account
);

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Doomed {
    tenant: TenantId,
}

impl Job for Doomed {
    type Context = ();
    const KIND: &'static str = "test.doomed";
    const QUEUE: &'static str = "test";
    const MAX_ATTEMPTS: u32 = 1;
    fn tenant(&self) -> Option<TenantId> {
        Some(self.tenant)
    }
    async fn run(self, _: JobContext, _: &()) -> Result<Outcome, JobError> {
        Err(JobError::Permanent("nope".into()))
    }
}

async fn admins_see_retry_and_cancel_their_jobs(db: Db) {
    let t = TestApp::spawn(db).await;
    let (a, tenant_a, _) = t.signup("ana@example.com", "Acme").await;
    let (b, _, _) = t.signup("bob@example.com", "Beta").await;
    let tenant = TenantId(tenant_a.parse().unwrap());
    let now = t.app.now();
    let mut tx = t.store.begin_for(tenant).await.unwrap();
    let dead = enqueue(&mut tx, &Doomed { tenant }, now, now)
        .await
        .unwrap()
        .id;
    tx.commit().await.unwrap();
    let mut registry = Registry::new(t.store.clone());
    registry.register::<Doomed>();
    Runner::new(
        registry,
        (),
        t.app.clock(),
        RunnerConfig::default(),
        Vec::new(),
    )
    .run_due()
    .await
    .unwrap();
    let mut tx = t.store.begin_for(tenant).await.unwrap();
    let waiting = enqueue(
        &mut tx,
        &Doomed { tenant },
        now + chrono::Duration::hours(1),
        now,
    )
    .await
    .unwrap()
    .id;
    tx.commit().await.unwrap();

    let (status, list) = t.get("/api/v1/jobs?state=dead", &a).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], dead.to_string());
    assert_eq!(items[0]["last_error"], "nope");
    let (_, by_kind) = t.get("/api/v1/jobs?kind=test.doomed", &a).await;
    assert_eq!(by_kind["items"].as_array().unwrap().len(), 2);
    let (status, err) = t.get("/api/v1/jobs?state=exploded", &a).await;
    assert_eq!(
        (status, error_fields(&err)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["state".to_owned()])
    );

    let (_, stats) = t.get("/api/v1/jobs/stats", &a).await;
    assert_eq!(stats["counts"]["dead"], 1);
    // The waiting job, and the notifier woken by the dead one (its workspace is told).
    assert_eq!(stats["counts"]["scheduled"], 2, "{stats}");
    assert_eq!(stats["counts"]["succeeded"], 0);
    assert!(
        stats["oldest_due_age_seconds"].is_null(),
        "nothing is due yet: {stats}"
    );

    // Another tenant sees none of it and can touch none of it.
    let (_, other) = t.get("/api/v1/jobs", &b).await;
    assert_eq!(other["items"].as_array().unwrap().len(), 0);
    assert_eq!(
        t.post(&format!("/api/v1/jobs/{dead}/retry"), Some(&b), json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    let (status, retried) = t
        .post(&format!("/api/v1/jobs/{dead}/retry"), Some(&a), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{retried}");
    assert_eq!(
        (retried["state"].as_str(), retried["attempts"].as_i64()),
        (Some("scheduled"), Some(0))
    );
    assert_eq!(
        t.post(&format!("/api/v1/jobs/{dead}/retry"), Some(&a), json!({}))
            .await
            .0,
        StatusCode::CONFLICT
    );
    let (status, cancelled) = t
        .post(
            &format!("/api/v1/jobs/{waiting}/cancel"),
            Some(&a),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, cancelled["state"].as_str()),
        (StatusCode::OK, Some("cancelled"))
    );

    // Operators see every tenant's jobs through the CLI.
    let dir = tempfile::tempdir().unwrap();
    let out = revos_cli(&t, dir.path(), &["admin", "jobs", "stats", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["counts"]["cancelled"], 1);
    let out = revos_cli(&t, dir.path(), &["admin", "jobs", "list", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The two jobs and the notifier woken by the dead one.
    assert_eq!(
        listed.as_array().unwrap().len(),
        3,
        "operators see every job: {listed}"
    );
    let out = revos_cli(
        &t,
        dir.path(),
        &["admin", "jobs", "retry", &waiting.to_string(), "--json"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let job: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(job["state"], "scheduled");
    let out = revos_cli(&t, dir.path(), &["admin", "jobs", "cancel", "not-an-id"]);
    assert_eq!(out.status.code(), Some(2));
}

async fn pacing_is_configured_per_account(db: Db) {
    let t = TestApp::spawn(db).await;
    let (a, _, _) = t.signup("ana@example.com", "Acme").await;
    let (b, _, _) = t.signup("bob@example.com", "Beta").await;
    let (status, acct) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(&a),
            json!({"provider": "sandbox", "display_name": "Ana's LinkedIn"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{acct}");
    assert_eq!(acct["sandbox"], true);
    let p = &acct["pacing"];
    assert_eq!(
        (p["hourly_cap"].as_i64(), p["daily_cap"].as_i64()),
        (Some(50), Some(100)),
        "safe defaults"
    );
    assert_eq!(
        (p["min_gap_seconds"].as_i64(), p["max_gap_seconds"].as_i64()),
        (Some(120), Some(900))
    );
    assert_eq!(
        (p["window_start"].as_str(), p["window_end"].as_str()),
        (Some("08:00"), Some("20:00"))
    );
    assert!(p["warmup_started_at"].is_string(), "new accounts warm up");
    let id = acct["id"].as_str().unwrap();
    let path = format!("/api/v1/linkedin-accounts/{id}/pacing");

    let (status, updated) = t
        .patch(&path, &a, json!({"hourly_cap": 20, "time_zone": "Europe/Berlin", "window_start": "09:30", "max_gap_seconds": 600}))
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["pacing"]["hourly_cap"], 20);
    assert_eq!(updated["pacing"]["time_zone"], "Europe/Berlin");
    assert_eq!(updated["pacing"]["daily_cap"], 100, "untouched fields stay");

    for (body, field) in [
        (json!({"hourly_cap": 0}), "hourly_cap"),
        (json!({"time_zone": "Mars/Olympus"}), "time_zone"),
        (json!({"window_start": "25:00"}), "window_start"),
        (json!({"min_gap_seconds": 700}), "max_gap_seconds"),
        (json!({"window_start": "21:00"}), "window_end"),
        (json!({"daily_cap": -5}), "daily_cap"),
        (json!({"per_minute": 1}), "per_minute"),
    ] {
        let (status, err) = t.patch(&path, &a, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {err}");
        assert!(
            error_fields(&err).contains(&field.to_owned()),
            "{body}: {err}"
        );
    }
    let (_, unchanged) = t.get(&format!("/api/v1/linkedin-accounts/{id}"), &a).await;
    assert_eq!(
        unchanged["pacing"]["hourly_cap"], 20,
        "a refused change changes nothing"
    );

    assert_eq!(
        t.get(&format!("/api/v1/linkedin-accounts/{id}"), &b)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.patch(&path, &b, json!({"hourly_cap": 1000})).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, list) = t.get("/api/v1/linkedin-accounts", &b).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let (status, err) = t
        .post(
            "/api/v1/linkedin-accounts",
            Some(&a),
            json!({"provider": "myspace", "display_name": "x"}),
        )
        .await;
    assert_eq!(
        (status, error_fields(&err)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["provider".to_owned()]
        )
    );
}

/// Runs `revos ARGS` against the test app's database.
fn revos_cli(t: &TestApp, dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_revos"))
        .current_dir(dir)
        .env("REVOS_DATABASE_URL", &t.db.url)
        .env("REVOS_MASTER_KEY", &t.master_key)
        .args(args)
        .output()
        .unwrap()
}
