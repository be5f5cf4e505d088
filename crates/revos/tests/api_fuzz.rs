//! API fuzzing: schemathesis (a Python tool from PyPI, a test dependency only) generates
//! requests for every operation of the live server's `/api/v1/openapi.json`, valid and
//! invalid, and fails on any 5xx answer and on any answer whose status, content type or body
//! the document does not declare. Each test starts the real `revos serve` (SQLite in a
//! temporary data directory, then a fresh PostgreSQL database), signs up, seeds one object of
//! each kind through the API so that path parameters can name real ids, and runs schemathesis
//! with a fixed seed and a bounded number of examples per operation.
//!
//! Without schemathesis these tests fail (they never skip), saying what to install;
//! `scripts/test` installs it when missing.

mod live;

use live::{PgDb, Server, version_of, wait_at_most};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::fs::File;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The schemathesis release these tests are written for.
const SCHEMATHESIS: &str = "4.32.5";

/// Test cases per operation in the fuzzing phase (the coverage phase's cases do not depend on
/// it): with 15 the PostgreSQL run took 60 s where 25 took 110 to 130 s.
const MAX_EXAMPLES: u32 = 15;

/// The seed of the generated data, so that a failure can be replayed.
const SEED: u32 = 14;

/// How long one schemathesis run may take before it is stopped: a bound for a hung server,
/// not a speed test. Schemathesis is CPU-bound Python: on two busy cores its coverage phase
/// alone went from 40 s to 190 s and the run was stopped at the former bound of 300 s with
/// nothing found, so the bound leaves room for a busy machine.
const RUN_LIMIT: Duration = Duration::from_secs(600);

/// Every provider the server could call, pointed at a closed loopback port: whatever the fuzzer
/// stores, no request leaves the machine.
const NOWHERE: &str = "http://127.0.0.1:9/v1";

/// The instance webhook secret, sent by the fuzzer so webhook bodies get past authentication.
const WEBHOOK_SECRET: &str = "fuzz-webhook-secret";

/// The one secret name the fuzzer may write: a name no provider reads, so no fuzzed value is
/// ever used as a credential or URL.
const SECRET_NAME: &str = "fuzz_note";

/// One run at a time: the machine is small.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Fails with one line unless the pinned schemathesis is on `PATH`.
fn require_schemathesis() {
    let version = version_of("schemathesis");
    assert!(
        version.ends_with(SCHEMATHESIS),
        "API fuzzing needs schemathesis {SCHEMATHESIS} (found {:?}): install it with `pip install schemathesis=={SCHEMATHESIS}`",
        if version.is_empty() { "none" } else { &version }
    );
}

/// Calls the API as `token` and returns the JSON answer; fails unless it is a success.
async fn call(base: &str, method: &str, path: &str, token: Option<&str>, body: Value) -> Value {
    let client = reqwest::Client::new();
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
    let mut req = client.request(method.clone(), format!("{base}{path}"));
    if method != reqwest::Method::GET {
        req = req.json(&body);
    }
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.expect("call the API");
    let status = res.status();
    let answer: Value = res.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{method} {path}: {status} {answer}");
    answer
}

/// The `id` field of an answer.
fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_owned()
}

/// What the seeding made: the owner's session token, a second session of the same owner for
/// the log-out operation, and real ids by kind (the names of the dictionaries below).
struct Seed {
    token: String,
    logout_token: String,
    ids: Vec<(&'static str, String)>,
}

/// Signs up a workspace and creates one object of each kind through the API.
async fn seed(base: &str) -> Seed {
    let email = "fuzz-owner@example.com";
    let password = "a long fuzzing password";
    let session = call(
        base,
        "POST",
        "/api/v1/auth/signup",
        None,
        json!({"email": email, "password": password, "workspace_name": "Fuzzing"}),
    )
    .await;
    let token = session["token"]
        .as_str()
        .expect("a session token")
        .to_owned();
    let t = Some(token.as_str());
    let second = call(
        base,
        "POST",
        "/api/v1/auth/login",
        None,
        json!({"email": email, "password": password}),
    )
    .await;
    let logout_token = second["token"]
        .as_str()
        .expect("a session token")
        .to_owned();

    let cartridge = call(base, "POST", "/api/v1/cartridges", t, json!({
        "name": "Fuzz Coach",
        "persona": {"role": "Executive Coach", "expertise": ["leadership"], "target_audience": "new managers"},
        "writing_style": {"tone": "casual", "vocabulary_level": 5, "sentence_structure": "short",
                          "storytelling_approach": "client stories"},
        "industry_knowledge": {"niche": "tech leadership", "key_topics": ["1:1s"],
                               "common_pain_points": ["burnout"], "solution_frameworks": ["GROW"]},
        "examples": [{"post": "Managers: stop fixing, start asking.", "dm": "Hi {first_name}!", "email": ""}]
    }))
    .await;
    let cartridge = id(&cartridge);
    let account = call(
        base,
        "POST",
        "/api/v1/linkedin-accounts",
        t,
        json!({"provider": "sandbox", "display_name": "Sam Fuzz"}),
    )
    .await;
    let account = id(&account);
    let campaign = call(base, "POST", "/api/v1/campaigns", t, json!({
        "name": "Fuzz Guide",
        "linkedin_account_id": account,
        "lead_magnet": {"title": "The hiring guide", "url": "https://acme.io/guide"},
        "trigger_words": ["GUIDE"], "watched_posts": ["7400000000000000444"],
        "dm_template": "Hi {{ first_name }}! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}",
    }))
    .await;
    let campaign = id(&campaign);
    let post = call(
        base,
        "POST",
        "/api/v1/posts",
        t,
        json!({"body": "Stop fixing, start asking.", "cartridge_id": cartridge,
               "linkedin_account_id": account, "campaign_id": campaign}),
    )
    .await;
    let post = id(&post);
    let chat = call(
        base,
        "POST",
        "/api/v1/chat/sessions",
        t,
        json!({"cartridge_id": cartridge}),
    )
    .await;
    let chat = id(&chat);
    let lead = call(
        base,
        "POST",
        "/api/v1/do-not-contact",
        t,
        json!({"provider_id": "fuzz-person", "name": "Fuzz Person"}),
    )
    .await;
    let lead = id(&lead);
    let key = call(
        base,
        "POST",
        "/api/v1/api-keys",
        t,
        json!({"name": "to be fuzzed"}),
    )
    .await;
    let key = id(&key);
    let invited = call(
        base,
        "POST",
        "/api/v1/invitations",
        t,
        json!({"email": "fuzz-member@example.com", "role": "member"}),
    )
    .await;
    let member = call(
        base,
        "POST",
        "/api/v1/invitations/accept",
        None,
        json!({"token": invited["token"], "password": "a member's long password"}),
    )
    .await;
    let member = member["user_id"].as_str().expect("a user id").to_owned();
    let invitation = call(
        base,
        "POST",
        "/api/v1/invitations",
        t,
        json!({"email": "fuzz-invitee@example.com"}),
    )
    .await;
    let invitation = id(&invitation);
    call(
        base,
        "PUT",
        &format!("/api/v1/secrets/{SECRET_NAME}"),
        t,
        json!({"value": "nothing secret"}),
    )
    .await;
    call(
        base,
        "POST",
        &format!("/api/v1/campaigns/{campaign}/activate"),
        t,
        json!({}),
    )
    .await;
    let mut ids = vec![
        ("cartridge", cartridge),
        ("account", account),
        ("campaign", campaign),
        ("post", post),
        ("chat", chat),
        ("lead", lead),
        ("api_key", key),
        ("member", member),
        ("invitation", invitation),
    ];
    let jobs = call(base, "GET", "/api/v1/jobs", t, Value::Null).await;
    if let Some(job) = jobs["items"].as_array().and_then(|items| items.first()) {
        ids.push(("job", id(job)));
    }
    Seed {
        token,
        logout_token,
        ids,
    }
}

/// The schemathesis configuration: the owner's token on every request, real ids offered for
/// path parameters half of the time, and the operations that need their own headers or values.
fn config_text(seed: &Seed) -> String {
    let mut toml = format!(
        "headers = {{ Authorization = \"Bearer {}\" }}\n\n[dictionaries]\n",
        seed.token
    );
    for (kind, id) in &seed.ids {
        writeln!(toml, "{kind} = {{ values = [\"{id}\"] }}").unwrap();
    }
    // Ids named in bodies (a post's cartridge, a campaign's account...) are real half of the
    // time too, so bodies get past the lookups to the code that stores them.
    toml.push_str("\n[parameters]\n");
    for (field, dictionary) in [
        ("cartridge_id", "cartridge"),
        ("linkedin_account_id", "account"),
        ("campaign_id", "campaign"),
        ("lead_id", "lead"),
    ] {
        writeln!(
            toml,
            "\"body.{field}\" = {{ dictionary = \"{dictionary}\", probability = 0.5 }}"
        )
        .unwrap();
    }
    // (path prefix, path parameter, dictionary)
    let paths = [
        ("/api/v1/api-keys/", "id", "api_key"),
        ("/api/v1/campaigns/", "id", "campaign"),
        ("/api/v1/cartridges/", "id", "cartridge"),
        ("/api/v1/chat/sessions/", "id", "chat"),
        ("/api/v1/do-not-contact/", "lead_id", "lead"),
        ("/api/v1/invitations/", "id", "invitation"),
        ("/api/v1/jobs/", "id", "job"),
        ("/api/v1/leads/", "id", "lead"),
        ("/api/v1/linkedin-accounts/", "id", "account"),
        ("/api/v1/members/", "user_id", "member"),
        ("/api/v1/posts/", "id", "post"),
    ];
    for (prefix, param, dictionary) in paths {
        if seed.ids.iter().any(|(kind, _)| *kind == dictionary) {
            writeln!(
                toml,
                "\n[[operations]]\ninclude-path-regex = '^{prefix}\\{{{param}\\}}'\n\
                 parameters = {{ \"path.{param}\" = {{ dictionary = \"{dictionary}\", probability = 0.5 }} }}"
            )
            .unwrap();
        }
    }
    // Exceptions, each with its reason:
    // - log-out ends the session it is called with: it gets a second session of its own, so the
    //   owner's token stays valid for every other operation (later calls answer 401, documented).
    // - the vault: only one secret name, which no provider reads, so that a fuzzed value never
    //   becomes a credential or a URL the server would call; the value itself is fuzzed.
    // - webhooks: the instance secret is sent in the Unipile and Instantly headers, so their
    //   bodies are fuzzed past authentication (Smartlead carries it inside its free-form body,
    //   and the hosted-auth notice authenticates by a link token: both are fuzzed up to 401).
    write!(
        toml,
        "\n[[operations]]\ninclude-path = '/api/v1/auth/logout'\n\
         headers = {{ Authorization = \"Bearer {logout}\" }}\n\
         \n[[operations]]\ninclude-path = '/api/v1/secrets/{{name}}'\n\
         parameters = {{ \"path.name\" = \"{SECRET_NAME}\" }}\n\
         \n[[operations]]\ninclude-path = '/api/v1/webhooks/unipile'\n\
         headers = {{ Unipile-Auth = \"{WEBHOOK_SECRET}\" }}\n\
         \n[[operations]]\ninclude-path = '/api/v1/webhooks/instantly'\n\
         headers = {{ X-Revos-Webhook-Secret = \"{WEBHOOK_SECRET}\" }}\n",
        logout = seed.logout_token,
    )
    .unwrap();
    toml
}

/// Runs schemathesis against `server`; fails with its report when it found anything.
fn run_schemathesis(server: &Server, backend: &str, work: &Path, seed: &Seed) {
    let config = work.join("schemathesis.toml");
    std::fs::write(&config, config_text(seed)).expect("write the schemathesis config");
    let output = work.join("schemathesis.log");
    let log = File::create(&output).expect("schemathesis log");
    let started = Instant::now();
    let mut child = Command::new("schemathesis")
        .arg("--config-file")
        .arg(&config)
        .args(["run", &format!("{}/api/v1/openapi.json", server.base)])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        ])
        .args(["--max-examples", &MAX_EXAMPLES.to_string()])
        .args(["--seed", &SEED.to_string()])
        .args(["--workers", "2", "--no-color"])
        .args(["--generation-database", "none"])
        .current_dir(work)
        .env("NO_COLOR", "1")
        .stderr(log.try_clone().expect("schemathesis log"))
        .stdout(log)
        .spawn()
        .expect("run schemathesis");
    let status = wait_at_most(&mut child, RUN_LIMIT);
    let text = std::fs::read_to_string(&output).unwrap_or_default();
    match status {
        Some(s) if s.success() => println!(
            "schemathesis on {backend} passed in {:.1} s\n{text}",
            started.elapsed().as_secs_f64()
        ),
        Some(s) => panic!(
            "schemathesis on {backend} found problems ({s}):\n{text}\n--- revos serve log ---\n{}",
            server.log()
        ),
        None => panic!(
            "schemathesis on {backend} ran past {RUN_LIMIT:?}:\n{text}\n--- revos serve log ---\n{}",
            server.log()
        ),
    }
}

/// Fails unless the owner's session still works after the run: had the fuzzer ended it (by
/// logging out with it, say), every later operation would have been tested only as a 401.
async fn owner_still_signed_in(base: &str, seed: &Seed) {
    let me = call(base, "GET", "/api/v1/me", Some(&seed.token), Value::Null).await;
    assert_eq!(me["role"], "owner", "{me}");
}

/// The server's environment: sign-up open (the fuzzer signs up many times), webhooks
/// authenticated by a known secret, and every provider on a closed loopback port.
fn server_env<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut envs = vec![
        ("REVOS_SIGNUP", "open"),
        ("REVOS_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ("REVOS_APOLLO_URL", NOWHERE),
        ("REVOS_INSTANTLY_URL", NOWHERE),
        ("REVOS_SMARTLEAD_URL", NOWHERE),
        ("REVOS_UNIPILE_URL", NOWHERE),
        ("REVOS_PUBLIC_URL", "http://127.0.0.1:9"),
    ];
    envs.extend_from_slice(extra);
    envs
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Checks the tool and returns the lock that keeps runs apart.
fn prepare() -> std::sync::MutexGuard<'static, ()> {
    let guard = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    require_schemathesis();
    guard
}

#[test]
fn schemathesis_finds_nothing_on_sqlite() {
    let _one = prepare();
    let work = tempfile::tempdir().expect("temp dir");
    let mut server = Server::start(work.path(), &server_env(&[]));
    let rt = runtime();
    rt.block_on(server.wait_healthy());
    let seed = rt.block_on(seed(&server.base));
    run_schemathesis(&server, "sqlite", work.path(), &seed);
    rt.block_on(owner_still_signed_in(&server.base, &seed));
}

#[test]
fn schemathesis_finds_nothing_on_postgres() {
    let _one = prepare();
    let rt = runtime();
    let db = rt.block_on(PgDb::create());
    let work = tempfile::tempdir().expect("temp dir");
    let result = {
        let mut server = Server::start(
            work.path(),
            &server_env(&[("REVOS_DATABASE_URL", db.url.as_str())]),
        );
        rt.block_on(server.wait_healthy());
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let seed = rt.block_on(seed(&server.base));
            run_schemathesis(&server, "postgres", work.path(), &seed);
            rt.block_on(owner_still_signed_in(&server.base, &seed));
        }))
    };
    rt.block_on(db.drop_database());
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
