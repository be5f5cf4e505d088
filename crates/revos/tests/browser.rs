//! Browser tests: the web app as a person uses it, in Debian's headless Chromium driven by the
//! playwright-core scenarios in `e2e/` (Node.js is a test dependency only). Each test starts the
//! real `revos serve` on a free loopback port (SQLite in a temporary data directory, then a
//! fresh PostgreSQL database), installs the scenarios' one npm package when it is missing, and
//! runs every scenario against the server; screenshots land in `target/screenshots/<backend>/`.
//! The server's Unipile is a fake served from this process (its hosted-auth page notifies the
//! server), so accounts can be connected from Settings as on a real instance.
//!
//! Without Chromium, Node.js or npm these tests fail (they never skip), saying what to install.

mod live;

use live::{PgDb, Server, version_of, wait_at_most};
use revos_providers::fakes::unipile::FakeUnipile;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_revos");

/// How long the scenarios may run before they are stopped.
const SCENARIO_LIMIT: Duration = Duration::from_secs(600);

/// One browser run at a time: the machine is small, and the npm install is shared.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The scenarios' folder at the repository root.
fn e2e_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e")
}

/// The `target/` folder the binary was built in.
fn target_dir() -> PathBuf {
    Path::new(BIN)
        .ancestors()
        .nth(2)
        .expect("the binary lives in target/<profile>/")
        .to_path_buf()
}

/// The Chromium to drive: `REVOS_E2E_CHROMIUM`, or Debian's.
fn chromium() -> PathBuf {
    let path = std::env::var_os("REVOS_E2E_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    let runs = Command::new(&path)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        runs,
        "browser tests need Chromium at {}: install it with `apt-get install -y chromium` (or set REVOS_E2E_CHROMIUM)",
        path.display()
    );
    path
}

/// Fails with one line unless `program --version` runs.
fn require(program: &str, install: &str) {
    let runs = Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        runs,
        "browser tests need `{program}`: install it with `{install}`"
    );
}

/// Fails with one line unless Node.js 20 or later runs (playwright-core needs it).
fn require_node() {
    let version = version_of("node");
    let major: u32 = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    assert!(
        major >= 20,
        "browser tests need Node.js 20 or later (found {:?}): install it with `apt-get install -y nodejs npm`",
        if version.is_empty() { "none" } else { &version }
    );
}

/// Runs `npm ci` in `e2e/` unless playwright-core is already installed there.
fn install_scenarios() {
    let dir = e2e_dir();
    if dir
        .join("node_modules/playwright-core/package.json")
        .exists()
    {
        return;
    }
    let out = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir)
        .output()
        .expect("run npm ci");
    assert!(
        out.status.success(),
        "npm ci in {} failed:\n{}\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The scenario files, in name order: all of them, or those whose names contain one of the
/// comma-separated words of `REVOS_E2E_ONLY` (to rerun one while working on it).
fn scenarios() -> Vec<String> {
    let only = std::env::var("REVOS_E2E_ONLY").unwrap_or_default();
    let only: Vec<&str> = only.split(',').filter(|w| !w.is_empty()).collect();
    let mut files: Vec<String> = std::fs::read_dir(e2e_dir().join("scenarios"))
        .expect("read e2e/scenarios")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".test.mjs"))
        .filter(|name| only.is_empty() || only.iter().any(|w| name.contains(w)))
        .map(|name| format!("scenarios/{name}"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scenarios in e2e/scenarios");
    files
}

/// The password of the seeded workspace's owner (the scenarios log in with it).
const SEED_PASSWORD: &str = "correct horse battery staple";

/// Posts `body` as JSON to the API (with `token` when given); returns the JSON answer.
async fn api_post(
    base: &str,
    path: &str,
    token: Option<&str>,
    body: serde_json::Value,
) -> serde_json::Value {
    let mut req = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .json(&body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.expect("call the API");
    let status = res.status();
    let answer: serde_json::Value = res.json().await.expect("a JSON answer");
    assert!(status.is_success(), "POST {path}: {status} {answer}");
    answer
}

/// Leads arrive from the sandbox's comment monitor only over minutes, too slow for a browser
/// run: this seeds a workspace (signed up, with a sandbox account and a draft campaign,
/// through the API) with two leads written straight into its database the way the monitor and
/// the DM sender record them (the lead, its campaign stage, its events and its sent DM).
/// Returns what the scenarios need to find them, as JSON for `REVOS_E2E_SEED`.
async fn seed_leads(base: &str, database_url: &str) -> String {
    use revos_domain::TenantId;
    use revos_store::{Store, events, leads, messages};
    let email = format!("seeded-{}@example.com", uuid::Uuid::new_v4().simple());
    let session = api_post(
        base,
        "/api/v1/auth/signup",
        None,
        serde_json::json!({"email": email, "password": SEED_PASSWORD, "workspace_name": "Seeded Leads"}),
    )
    .await;
    let token = session["token"].as_str().expect("a session token");
    let tenant: TenantId =
        serde_json::from_value(session["tenant_id"].clone()).expect("a tenant id");
    let account = api_post(
        base,
        "/api/v1/linkedin-accounts",
        Some(token),
        serde_json::json!({"provider": "sandbox", "display_name": "Sam Seeded"}),
    )
    .await;
    let campaign = api_post(
        base,
        "/api/v1/campaigns",
        Some(token),
        serde_json::json!({
            "name": "Seeded Guide",
            "linkedin_account_id": account["id"],
            "lead_magnet": {"title": "The hiring guide", "url": "https://acme.io/guide"},
            "trigger_words": ["GUIDE"],
            "dm_template": "Hi {{ first_name }}! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}",
        }),
    )
    .await;
    let campaign: uuid::Uuid = campaign["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("a campaign id");

    let store = Store::connect(database_url)
        .await
        .expect("open the server's database");
    let mut tx = store.begin_for(tenant).await.expect("a transaction");
    let start = chrono::Utc::now() - chrono::Duration::hours(3);
    let mut ids = Vec::new();
    for (i, (name, headline)) in [
        ("Quinn Harlow", "Head of People at Lumen Labs"),
        ("Rita Moss", "Founder, Moss & Fern Bakery"),
    ]
    .into_iter()
    .enumerate()
    {
        let at = start + chrono::Duration::minutes(i as i64);
        let lead = leads::NewLead {
            provider_id: &format!("seed-{i}"),
            name,
            linkedin_url: Some("https://www.linkedin.com/in/seeded"),
            headline: Some(headline),
            email: None,
            sandbox: true,
        };
        let id = leads::upsert(&mut tx, tenant, &lead, at)
            .await
            .expect("store a lead")
            .id;
        assert!(
            leads::join_campaign(
                &mut tx,
                tenant,
                campaign,
                id,
                None,
                "dm_sent".parse().unwrap(),
                at
            )
            .await
            .expect("join the campaign")
        );
        let data = |cost: f64| {
            serde_json::json!({"campaign_id": campaign, "lead_id": id, "cost": cost}).to_string()
        };
        for (kind, minutes, cost) in [("lead_scraped", 0, 0.0), ("lead_enriched", 5, 0.02)] {
            let when = at + chrono::Duration::minutes(minutes);
            events::append(
                &mut tx,
                tenant,
                kind,
                Some(campaign),
                Some(id),
                &data(cost),
                when,
            )
            .await
            .expect("append an event");
        }
        let sent = at + chrono::Duration::minutes(30);
        assert!(
            messages::insert_dm(&mut tx, tenant, campaign, id, sent)
                .await
                .expect("queue a DM")
        );
        let dm = messages::dm(&mut tx, tenant, campaign, id)
            .await
            .expect("read the DM")
            .expect("the DM exists");
        let first = name.split(' ').next().unwrap_or(name);
        let body = format!("Hi {first}! Here is The hiring guide: https://acme.io/guide");
        messages::set_dm(
            &mut tx,
            tenant,
            dm.id,
            revos_domain::lead::DmState::Sent,
            Some(&body),
            Some(&format!("chat-seed-{i}")),
            Some(&format!("msg-seed-{i}")),
            None,
            sent,
        )
        .await
        .expect("send the DM");
        events::append(
            &mut tx,
            tenant,
            "dm_sent",
            Some(campaign),
            Some(id),
            &data(0.0),
            sent,
        )
        .await
        .expect("append an event");
        ids.push(id);
    }
    tx.commit().await.expect("commit the leads");
    store.close().await;
    serde_json::json!({
        "email": email,
        "password": SEED_PASSWORD,
        "campaign_id": campaign,
        "campaign_name": "Seeded Guide",
        "lead": {"id": ids[0], "name": "Quinn Harlow", "search": "Lumen"},
        "other_lead": {"id": ids[1], "name": "Rita Moss"},
    })
    .to_string()
}

/// The Unipile webhook secret the browser runs' servers accept (`REVOS_WEBHOOK_SECRET`).
const WEBHOOK_SECRET: &str = "whsec-browser-0123456789";

/// The environment of a server whose Unipile is the fake at `fake_url` (its hosted-auth page
/// posts its notice to the server's own address, `{base}`).
fn unipile_env(fake_url: &str) -> [(&'static str, String); 4] {
    [
        ("REVOS_UNIPILE_URL", fake_url.to_owned()),
        ("REVOS_UNIPILE_API_KEY", "unipile-key".to_owned()),
        ("REVOS_WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()),
        ("REVOS_PUBLIC_URL", "{base}".to_owned()),
    ]
}

/// The inbox scenario's workspace: signed up through the API, the fake Unipile account
/// `acc-inbox` connected and pacing around the clock, a campaign on it, and one lead (Nora)
/// whose DM went out through the fake (her chat exists there) and was recorded the way the DM
/// sender records it, and whose reply reached the server through the Unipile webhook. Returns
/// what the scenario needs (the owner's login, the chat, the fake's URL, the webhook secret).
async fn seed_inbox(
    base: &str,
    database_url: &str,
    fake: &revos_providers::fakes::unipile::Running,
) -> serde_json::Value {
    use revos_domain::TenantId;
    use revos_store::{Store, leads, messages};
    let (account_id, person) = ("acc-inbox", "ACoInboxNora");
    fake.state.add_account(account_id, "Ivy Inbox");
    fake.state.connect(account_id, person);
    let email = format!("inbox-{}@example.com", uuid::Uuid::new_v4().simple());
    let session = api_post(
        base,
        "/api/v1/auth/signup",
        None,
        serde_json::json!({"email": email, "password": SEED_PASSWORD, "workspace_name": "Inbox Co"}),
    )
    .await;
    let token = session["token"].as_str().expect("a session token");
    let tenant: TenantId =
        serde_json::from_value(session["tenant_id"].clone()).expect("a tenant id");
    let account = api_post(
        base,
        "/api/v1/linkedin-accounts",
        Some(token),
        serde_json::json!({"provider": "unipile", "account_id": account_id, "display_name": "Ivy Inbox"}),
    )
    .await;
    let pacing = serde_json::json!({
        "time_zone": "UTC", "window_start": "00:00", "window_end": "23:59", "warmup_weeks": 0,
        "min_gap_seconds": 30, "max_gap_seconds": 40,
    });
    let res = reqwest::Client::new()
        .patch(format!(
            "{base}/api/v1/linkedin-accounts/{}/pacing",
            account["id"].as_str().unwrap_or_default()
        ))
        .bearer_auth(token)
        .json(&pacing)
        .send()
        .await
        .expect("set the pacing");
    assert!(res.status().is_success(), "pacing: {}", res.status());
    let campaign = api_post(
        base,
        "/api/v1/campaigns",
        Some(token),
        serde_json::json!({
            "name": "Inbox Guide",
            "linkedin_account_id": account["id"],
            "lead_magnet": {"title": "The inbox guide", "url": "https://acme.io/inbox"},
            "trigger_words": ["GUIDE"],
            "dm_template": "Hi {{ first_name }}! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}",
        }),
    )
    .await;
    let campaign: uuid::Uuid = campaign["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("a campaign id");
    let body = "Hi Nora! Here is The inbox guide: https://acme.io/inbox";
    let client = revos_providers::unipile::Unipile::new(revos_providers::HttpConfig::new(
        &fake.base_url,
        "unipile-key".to_owned().into(),
    ));
    let started = client
        .start_chat(account_id, person, body)
        .await
        .expect("the DM reaches the fake");

    let store = Store::connect(database_url)
        .await
        .expect("open the server's database");
    let mut tx = store.begin_for(tenant).await.expect("a transaction");
    let sent = chrono::Utc::now() - chrono::Duration::hours(1);
    let lead = leads::NewLead {
        provider_id: person,
        name: "Nora Quill",
        linkedin_url: Some("https://www.linkedin.com/in/nora-quill"),
        headline: Some("Head of Growth at Quill & Co"),
        email: None,
        sandbox: false,
    };
    let lead = leads::upsert(&mut tx, tenant, &lead, sent)
        .await
        .expect("store a lead")
        .id;
    leads::join_campaign(
        &mut tx,
        tenant,
        campaign,
        lead,
        None,
        "dm_sent".parse().unwrap(),
        sent,
    )
    .await
    .expect("join the campaign");
    messages::insert_dm(&mut tx, tenant, campaign, lead, sent)
        .await
        .expect("queue a DM");
    let dm = messages::dm(&mut tx, tenant, campaign, lead)
        .await
        .expect("read the DM")
        .expect("the DM exists");
    messages::set_dm(
        &mut tx,
        tenant,
        dm.id,
        revos_domain::lead::DmState::Sent,
        Some(body),
        Some(&started.chat_id),
        started.message_id.as_deref(),
        None,
        sent,
    )
    .await
    .expect("send the DM");
    tx.commit().await.expect("commit the lead");
    store.close().await;

    let reply = "Thanks Ivy! Could we talk on Tuesday?";
    let (chat, message) = fake.state.reply_from(person, reply).expect("Nora's chat");
    let delivery = serde_json::json!({
        "account_id": account_id, "account_type": "LINKEDIN",
        "account_info": {"type": "LINKEDIN", "feature": "classic", "user_id": "ACoOwnerOfacc-inbox"},
        "event": "message_received", "chat_id": chat, "timestamp": chrono::Utc::now().to_rfc3339(),
        "webhook_name": "revos", "message_id": message, "message": reply,
        "sender": {"attendee_id": "att-nora", "attendee_name": "Nora Quill", "attendee_provider_id": person,
                   "attendee_profile_url": "https://www.linkedin.com/in/nora-quill/"},
        "attendees": [], "attachments": []
    });
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/webhooks/unipile"))
        .header("Unipile-Auth", WEBHOOK_SECRET)
        .json(&delivery)
        .send()
        .await
        .expect("deliver the reply");
    assert!(res.status().is_success(), "webhook: {}", res.status());
    serde_json::json!({
        "email": email, "password": SEED_PASSWORD, "lead_name": "Nora Quill", "lead_id": lead,
        "reply": reply, "chat_id": chat, "account_id": account_id, "person": person,
        "unipile_url": fake.base_url, "unipile_key": "unipile-key", "webhook_secret": WEBHOOK_SECRET,
    })
}

/// The seed of every scenario: the seeded leads' workspace, and the inbox's under `inbox`.
async fn seed_all(
    base: &str,
    database_url: &str,
    fake: &revos_providers::fakes::unipile::Running,
) -> String {
    let leads = seed_leads(base, database_url).await;
    let mut seed: serde_json::Value = serde_json::from_str(&leads).expect("the leads' seed");
    seed["inbox"] = seed_inbox(base, database_url, fake).await;
    seed.to_string()
}

/// Runs every scenario against `server` (`seed` is the seeded workspace's JSON); fails with
/// their output (and the server's log), and when any scenario was skipped.
fn run_scenarios(server: &Server, backend: &str, work: &Path, seed: &str) {
    let shots = target_dir().join("screenshots").join(backend);
    let output = work.join("scenarios.log");
    let started = Instant::now();
    let mut node = Command::new("node")
        .args(["--test", "--test-concurrency=1", "--test-reporter=spec"])
        .args(scenarios())
        .current_dir(e2e_dir())
        .env("REVOS_E2E_BASE_URL", &server.base)
        .env("REVOS_E2E_SCREENSHOTS", &shots)
        .env("REVOS_E2E_SEED", seed)
        .env("REVOS_E2E_BACKEND", backend)
        .env("REVOS_E2E_CHROMIUM", chromium())
        .env("NO_COLOR", "1")
        .stdout(File::create(&output).expect("scenario log"))
        .stderr(File::create(work.join("scenarios.err")).expect("scenario log"))
        .spawn()
        .expect("run node");
    let status = wait_at_most(&mut node, SCENARIO_LIMIT);
    let text = format!(
        "{}{}",
        std::fs::read_to_string(&output).unwrap_or_default(),
        std::fs::read_to_string(work.join("scenarios.err")).unwrap_or_default()
    );
    match status {
        Some(s)
            if s.success() && !text.contains("# skipped 0") && !text.contains("ℹ skipped 0") =>
        {
            panic!("browser scenarios on {backend}: some were skipped (none may be):\n{text}")
        }
        Some(s) if s.success() => {
            println!(
                "browser scenarios on {backend} passed in {:.1} s; screenshots in {}\n{text}",
                started.elapsed().as_secs_f64(),
                shots.display()
            );
        }
        Some(s) => panic!(
            "browser scenarios on {backend} failed ({s}):\n{text}\n--- revos serve log ---\n{}",
            server.log()
        ),
        None => panic!(
            "browser scenarios on {backend} ran past {SCENARIO_LIMIT:?}:\n{text}\n--- revos serve log ---\n{}",
            server.log()
        ),
    }
}

/// Checks the tools, installs the scenarios' package, and returns the lock that keeps runs apart.
fn prepare() -> std::sync::MutexGuard<'static, ()> {
    let guard = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    chromium();
    require_node();
    require("npm", "apt-get install -y npm");
    install_scenarios();
    guard
}

/// A runtime whose one worker thread keeps serving the fake Unipile while the scenarios run.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

#[test]
fn scenarios_pass_in_chromium_on_sqlite() {
    let _one = prepare();
    let work = tempfile::tempdir().expect("temp dir");
    let rt = runtime();
    let fake = rt.block_on(FakeUnipile::start());
    let env = unipile_env(&fake.base_url);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut server = Server::start(work.path(), &env);
    rt.block_on(server.wait_healthy());
    let database = revos_store::sqlite_url_in(&work.path().join("data"));
    let seed = rt.block_on(seed_all(&server.base, &database, &fake));
    run_scenarios(&server, "sqlite", work.path(), &seed);
}

#[test]
fn scenarios_pass_in_chromium_on_postgres() {
    let _one = prepare();
    let rt = runtime();
    let db = rt.block_on(PgDb::create());
    let work = tempfile::tempdir().expect("temp dir");
    let fake = rt.block_on(FakeUnipile::start());
    let result = {
        let env = unipile_env(&fake.base_url);
        let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        env.push(("REVOS_DATABASE_URL", &db.url));
        let mut server = Server::start(work.path(), &env);
        rt.block_on(server.wait_healthy());
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let seed = rt.block_on(seed_all(&server.base, &db.url, &fake));
            run_scenarios(&server, "postgres", work.path(), &seed)
        }))
    };
    rt.block_on(db.drop_database());
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
