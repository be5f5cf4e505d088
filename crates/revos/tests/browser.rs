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
use revos_providers::fakes::apollo::FakeApollo;
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

/// A person who comments "GUIDE" under a watched post on the fake Unipile and whom the fake
/// Apollo knows (title and company): the server's own workers find, enrich and message them.
struct Commenter {
    id: &'static str,
    name: &'static str,
    title: &'static str,
    company: &'static str,
}

/// A workspace reached the way a customer reaches it: signed up through the API, the fake
/// Unipile account `account` (whose `post` drew the `people`'s comments) attached, sending
/// around the clock with no gap, and a campaign `name` on that post activated. The server's
/// workers then poll the post, enrich each commenter through the fake Apollo and send their DMs
/// through the fake Unipile; this returns once every one of them is at `dm_sent`.
struct Outreach {
    workspace: &'static str,
    account: (&'static str, &'static str),
    post: &'static str,
    campaign: &'static str,
    magnet: (&'static str, &'static str),
    people: &'static [Commenter],
}

/// What [`Outreach::run`] made: the owner's login, the campaign, and the leads'
/// ids in the order of the commenters.
struct Reached {
    email: String,
    campaign: String,
    leads: Vec<String>,
}

/// How long the server's workers may take from activation to the last DM.
const OUTREACH_LIMIT: Duration = Duration::from_secs(240);

impl Outreach {
    async fn run(&self, base: &str, fakes: &Fakes) -> Reached {
        let (account_id, display) = self.account;
        fakes.unipile.state.add_account(account_id, display);
        fakes
            .unipile
            .state
            .add_post(self.post, "Comment GUIDE for the guide");
        for p in self.people {
            fakes
                .unipile
                .state
                .add_comment(self.post, p.id, p.name, "GUIDE please", true);
            fakes.unipile.state.connect(account_id, p.id);
            let email = format!("{}@example.com", p.id.to_lowercase());
            fakes.apollo.state.add_person(
                &format!("https://www.linkedin.com/in/{}", p.id),
                &email,
                p.title,
                p.company,
            );
        }
        let email = format!("seeded-{}@example.com", uuid::Uuid::new_v4().simple());
        let session = api_post(
            base,
            "/api/v1/auth/signup",
            None,
            serde_json::json!({"email": email, "password": SEED_PASSWORD, "workspace_name": self.workspace}),
        )
        .await;
        let token = session["token"]
            .as_str()
            .expect("a session token")
            .to_owned();
        let account = api_post(
            base,
            "/api/v1/linkedin-accounts",
            Some(&token),
            serde_json::json!({"provider": "unipile", "account_id": account_id, "display_name": display}),
        )
        .await;
        let pacing = serde_json::json!({
            "time_zone": "UTC", "window_start": "00:00", "window_end": "23:59", "warmup_weeks": 0,
            "min_gap_seconds": 0, "max_gap_seconds": 0,
        });
        let res = reqwest::Client::new()
            .patch(format!(
                "{base}/api/v1/linkedin-accounts/{}/pacing",
                account["id"].as_str().unwrap_or_default()
            ))
            .bearer_auth(&token)
            .json(&pacing)
            .send()
            .await
            .expect("set the pacing");
        assert!(res.status().is_success(), "pacing: {}", res.status());
        let (title, url) = self.magnet;
        let campaign = api_post(
            base,
            "/api/v1/campaigns",
            Some(&token),
            serde_json::json!({
                "name": self.campaign,
                "linkedin_account_id": account["id"],
                "lead_magnet": {"title": title, "url": url},
                "trigger_words": ["GUIDE"],
                "watched_posts": [self.post],
                "dm_template": "Hi {{ first_name }}! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}",
            }),
        )
        .await;
        let campaign = campaign["id"].as_str().expect("a campaign id").to_owned();
        api_post(
            base,
            &format!("/api/v1/campaigns/{campaign}/activate"),
            Some(&token),
            serde_json::json!({}),
        )
        .await;
        let leads = self.all_messaged(base, &token, &campaign).await;
        Reached {
            email,
            campaign,
            leads,
        }
    }

    /// Waits until every commenter is a lead of `campaign` at `dm_sent`; their ids.
    async fn all_messaged(&self, base: &str, token: &str, campaign: &str) -> Vec<String> {
        let deadline = Instant::now() + OUTREACH_LIMIT;
        loop {
            let page = api_get(
                base,
                &format!("/api/v1/leads?campaign_id={campaign}&stage=dm_sent&limit=100"),
                token,
            )
            .await;
            let items = page["items"].as_array().cloned().unwrap_or_default();
            let ids: Vec<Option<String>> = self
                .people
                .iter()
                .map(|p| {
                    items
                        .iter()
                        .find(|l| l["name"] == p.name)
                        .and_then(|l| l["id"].as_str().map(str::to_owned))
                })
                .collect();
            if ids.iter().all(Option::is_some) {
                return ids.into_iter().flatten().collect();
            }
            assert!(
                Instant::now() < deadline,
                "{}: the server's workers did not message every commenter within {OUTREACH_LIMIT:?}: {page}",
                self.workspace
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

/// A GET of the API as `token`, which must succeed with JSON.
async fn api_get(base: &str, path: &str, token: &str) -> serde_json::Value {
    let res = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("call the API");
    let status = res.status();
    let answer: serde_json::Value = res.json().await.expect("a JSON answer");
    assert!(status.is_success(), "GET {path}: {status} {answer}");
    answer
}

/// The seeded workspace of the page scenarios: two people commented on its campaign's post
/// and were found, enriched and sent their DM by the server's workers.
async fn seed_leads(base: &str, fakes: &Fakes) -> serde_json::Value {
    const PEOPLE: &[Commenter] = &[
        Commenter {
            id: "ACoQuinn",
            name: "Quinn Harlow",
            title: "Head of People",
            company: "Lumen Labs",
        },
        Commenter {
            id: "ACoRita",
            name: "Rita Moss",
            title: "Founder",
            company: "Moss & Fern Bakery",
        },
    ];
    let reached = Outreach {
        workspace: "Seeded Leads",
        account: ("acc-seeded", "Sam Seeded"),
        post: "7400000000000000901",
        campaign: "Seeded Guide",
        magnet: ("The hiring guide", "https://acme.io/guide"),
        people: PEOPLE,
    }
    .run(base, fakes)
    .await;
    serde_json::json!({
        "email": reached.email,
        "password": SEED_PASSWORD,
        "campaign_id": reached.campaign,
        "campaign_name": "Seeded Guide",
        "lead": {"id": reached.leads[0], "name": "Quinn Harlow", "search": "Lumen"},
        "other_lead": {"id": reached.leads[1], "name": "Rita Moss"},
    })
}

/// The Unipile webhook secret the browser runs' servers accept (`REVOS_WEBHOOK_SECRET`).
const WEBHOOK_SECRET: &str = "whsec-browser-0123456789";

/// The fake providers a browser run's server calls, served from this process.
struct Fakes {
    unipile: revos_providers::fakes::unipile::Running,
    apollo: revos_providers::fakes::apollo::Running,
}

impl Fakes {
    async fn start() -> Fakes {
        Fakes {
            unipile: FakeUnipile::start().await,
            apollo: FakeApollo::start().await,
        }
    }

    /// The environment of a server whose Unipile and Apollo are these fakes (the hosted-auth
    /// page posts its notice to the server's own address, `{base}`).
    fn env(&self) -> [(&'static str, String); 6] {
        [
            ("REVOS_UNIPILE_URL", self.unipile.base_url.clone()),
            ("REVOS_UNIPILE_API_KEY", "unipile-key".to_owned()),
            ("REVOS_APOLLO_URL", self.apollo.base_url.clone()),
            ("REVOS_APOLLO_API_KEY", "apollo-key".to_owned()),
            ("REVOS_WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()),
            ("REVOS_PUBLIC_URL", "{base}".to_owned()),
        ]
    }
}

/// The inbox scenario's workspace: Nora commented on its campaign's post on the fake Unipile
/// account `acc-inbox`, the server's workers sent her DM through the fake, and her reply
/// reached the server through the Unipile webhook. Returns what the scenario needs (the
/// owner's login, the chat, the fake's URL, the webhook secret).
async fn seed_inbox(base: &str, fakes: &Fakes) -> serde_json::Value {
    const NORA: &[Commenter] = &[Commenter {
        id: "ACoInboxNora",
        name: "Nora Quill",
        title: "Head of Growth",
        company: "Quill & Co",
    }];
    let (account_id, person) = ("acc-inbox", NORA[0].id);
    let reached = Outreach {
        workspace: "Inbox Co",
        account: (account_id, "Ivy Inbox"),
        post: "7400000000000000902",
        campaign: "Inbox Guide",
        magnet: ("The inbox guide", "https://acme.io/inbox"),
        people: NORA,
    }
    .run(base, fakes)
    .await;
    let (email, lead) = (reached.email, &reached.leads[0]);
    let fake = &fakes.unipile;
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

/// The seed of every scenario: the seeded leads' workspace, and the inbox's under `inbox`,
/// reached side by side by the server's workers.
async fn seed_all(base: &str, fakes: &Fakes) -> String {
    let (mut seed, inbox) = tokio::join!(seed_leads(base, fakes), seed_inbox(base, fakes));
    seed["inbox"] = inbox;
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
    let fakes = rt.block_on(Fakes::start());
    let env = fakes.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut server = Server::start(work.path(), &env);
    rt.block_on(server.wait_healthy());
    let seed = rt.block_on(seed_all(&server.base, &fakes));
    run_scenarios(&server, "sqlite", work.path(), &seed);
}

#[test]
fn scenarios_pass_in_chromium_on_postgres() {
    let _one = prepare();
    let rt = runtime();
    let db = rt.block_on(PgDb::create());
    let work = tempfile::tempdir().expect("temp dir");
    let fakes = rt.block_on(Fakes::start());
    let result = {
        let env = fakes.env();
        let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        env.push(("REVOS_DATABASE_URL", &db.url));
        let mut server = Server::start(work.path(), &env);
        rt.block_on(server.wait_healthy());
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let seed = rt.block_on(seed_all(&server.base, &fakes));
            run_scenarios(&server, "postgres", work.path(), &seed)
        }))
    };
    rt.block_on(db.drop_database());
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
