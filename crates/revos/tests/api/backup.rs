//! `revos admin backup` and `revos admin restore`: a running SQLite instance backed up while
//! the API keeps writing, restored into an empty data directory and served again with every
//! write acknowledged before the backup began; the refusals (exit 2, one line); PostgreSQL
//! pointed at pg_dump.

use crate::helpers::cartridge;
use crate::server::{Server, command as revos};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const SECRET: &str = "apollo-key-restored-9876";

async fn send(
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let (status, body) =
        crate::helpers::request(&reqwest::Client::new(), method, url, Some(token), body).await;
    (status.as_u16(), body)
}

/// Creates cartridges through the API until `stop`, counting them in `count`; returns each
/// acknowledged one's id with the instant its 201 arrived.
async fn keep_writing(
    base: String,
    token: String,
    writer: usize,
    stop: Arc<AtomicBool>,
    count: Arc<AtomicUsize>,
) -> Vec<(Instant, String)> {
    let mut acked = Vec::new();
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        let (status, body) = send(
            reqwest::Method::POST,
            format!("{base}/api/v1/cartridges"),
            &token,
            Some(cartridge(&format!("Client {writer}-{i}"))),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        acked.push((Instant::now(), body["id"].as_str().unwrap().to_owned()));
        count.fetch_add(1, Ordering::Relaxed);
    }
    acked
}

/// Every cartridge id of the workspace, through the paged list.
async fn cartridge_ids(base: &str, token: &str) -> HashSet<String> {
    let mut ids = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{base}/api/v1/cartridges?limit=200&cursor={c}"),
            None => format!("{base}/api/v1/cartridges?limit=200"),
        };
        let (status, page) = send(reqwest::Method::GET, url, token, None).await;
        assert_eq!(status, 200, "{page}");
        for item in page["items"].as_array().unwrap() {
            ids.insert(item["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return ids,
        }
    }
}

/// Runs `revos ARGS` in `dir` and returns (exit code, stdout, stderr).
fn run(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let out = revos(dir)
        .args(args)
        .envs(envs.iter().copied())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Exit code 2 and exactly one non-empty line on stderr, containing `needle`.
fn assert_refused(result: (Option<i32>, String, String), needle: &str) {
    let (code, _, stderr) = result;
    let lines: Vec<_> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains(needle), "{stderr}");
}

/// `PRAGMA integrity_check` of a database file, read-only.
async fn integrity(file: &Path) -> Vec<String> {
    use sqlx::{ConnectOptions, Connection};
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .connect()
        .await
        .unwrap();
    let rows = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    rows
}

#[tokio::test]
async fn a_backup_under_writes_restores_every_acknowledged_write_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[]);
    server.wait_healthy().await;
    let base = server.base.clone();
    let (status, s) = crate::helpers::request(&reqwest::Client::new(), reqwest::Method::POST,
        format!("{base}/api/v1/auth/signup"), None,
        Some(json!({"email": "ana@example.com", "password": "correct horse battery", "workspace_name": "Acme"}))).await;
    assert_eq!(status, 201, "{s}");
    let token = s["token"].as_str().unwrap().to_owned();
    // A stored credential: sealed under the master key, which the backup does not hold.
    let (status, body) = send(
        reqwest::Method::PUT,
        format!("{base}/api/v1/secrets/apollo_api_key"),
        &token,
        Some(json!({"value": SECRET})),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // Four clients write continuously from before the backup until after it.
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (stop, count) = (Arc::clone(&stop), Arc::clone(&count));
            tokio::spawn(keep_writing(base.clone(), token.clone(), w, stop, count))
        })
        .collect();
    while count.load(Ordering::Relaxed) < 40 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // An existing file is never overwritten.
    std::fs::write(dir.path().join("taken.db"), b"mine").unwrap();
    assert_refused(
        run(
            dir.path(),
            &["admin", "backup", "taken.db", "--data-dir", "data"],
            &[],
        ),
        "already exists",
    );

    let backup_began = Instant::now();
    let out = tokio::task::spawn_blocking({
        let dir = dir.path().to_path_buf();
        move || {
            run(
                &dir,
                &[
                    "admin",
                    "backup",
                    "snap.db",
                    "--include-key",
                    "--data-dir",
                    "data",
                    "--json",
                ],
                &[],
            )
        }
    })
    .await
    .unwrap();
    let backup_ended = Instant::now();
    assert_eq!(out.0, Some(0), "{}", out.2);
    let report: Value = serde_json::from_str(&out.1).unwrap();
    let at_end = count.load(Ordering::Relaxed);
    while count.load(Ordering::Relaxed) < at_end + 8 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let mut acked = Vec::new();
    for w in writers {
        acked.extend(w.await.unwrap());
    }
    let before: Vec<_> = acked
        .iter()
        .filter(|(t, _)| *t < backup_began)
        .map(|(_, id)| id.clone())
        .collect();
    let during = acked
        .iter()
        .filter(|(t, _)| (backup_began..backup_ended).contains(t))
        .count();
    let after: Vec<_> = acked
        .iter()
        .filter(|(t, _)| *t > backup_ended)
        .map(|(_, id)| id.clone())
        .collect();
    assert!(
        before.len() >= 40,
        "too few writes before the backup: {}",
        before.len()
    );
    assert!(
        during > 0,
        "no write was acknowledged while the backup ran ({:?})",
        backup_ended - backup_began
    );
    assert!(!after.is_empty(), "no write after the backup");

    let snap = dir.path().join("snap.db");
    assert_eq!(
        std::fs::canonicalize(report["file"].as_str().unwrap()).unwrap(),
        std::fs::canonicalize(&snap).unwrap()
    );
    assert_eq!(report["workspaces"], 1);
    assert!(report["schema_version"].as_i64().unwrap() > 0, "{report}");
    assert_eq!(integrity(&snap).await, ["ok"]);
    assert!(!dir.path().join(".snap.db.partial").exists());
    let key_file = dir.path().join("snap.db.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for file in [&key_file, &snap] {
            assert_eq!(
                std::fs::metadata(file).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }
    assert_eq!(
        std::fs::read_to_string(&key_file).unwrap(),
        std::fs::read_to_string(dir.path().join("data/master.key")).unwrap()
    );
    let bytes = std::fs::read(&snap).unwrap();
    assert!(
        !bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
        "plaintext in the backup"
    );
    drop(server);

    // Refusals: a non-empty data dir, no key for the sealed credentials, a wrong key, a file
    // that is not a RevOS database. None of them leaves a database behind.
    let fresh = tempfile::tempdir().unwrap();
    let f = fresh.path();
    let snap_arg = snap.to_str().unwrap();
    let key_arg = key_file.to_str().unwrap();
    std::fs::create_dir(f.join("busy")).unwrap();
    std::fs::write(f.join("busy/notes.txt"), b"x").unwrap();
    assert_refused(
        run(
            f,
            &[
                "admin",
                "restore",
                snap_arg,
                "--data-dir",
                "busy",
                "--key",
                key_arg,
            ],
            &[],
        ),
        "not empty",
    );
    assert_refused(
        run(
            f,
            &["admin", "restore", snap_arg, "--data-dir", "data"],
            &[],
        ),
        "--key",
    );
    let other_key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    assert_refused(
        run(
            f,
            &["admin", "restore", snap_arg, "--data-dir", "data"],
            &[("REVOS_MASTER_KEY", other_key)],
        ),
        "sealed under master key",
    );
    std::fs::write(
        f.join("notes.db"),
        b"SQLite format 3\0 but not really a database at all",
    )
    .unwrap();
    assert_refused(
        run(
            f,
            &["admin", "restore", "notes.db", "--data-dir", "data"],
            &[],
        ),
        "notes.db",
    );
    std::fs::write(f.join("text.db"), b"hello").unwrap();
    assert_refused(
        run(
            f,
            &["admin", "restore", "text.db", "--data-dir", "data"],
            &[],
        ),
        "not a SQLite database",
    );
    // Another program's SQLite database.
    {
        use sqlx::{ConnectOptions, Connection};
        let mut other = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(f.join("other.db"))
            .create_if_missing(true)
            .connect()
            .await
            .unwrap();
        sqlx::query("CREATE TABLE notes (body TEXT)")
            .execute(&mut other)
            .await
            .unwrap();
        other.close().await.unwrap();
    }
    assert_refused(
        run(
            f,
            &["admin", "restore", "other.db", "--data-dir", "data"],
            &[],
        ),
        "not a RevOS database",
    );
    assert!(!f.join("data/revos.db").exists());
    assert_eq!(std::fs::read_dir(f.join("data")).unwrap().count(), 0);

    let (code, stdout, stderr) = run(
        f,
        &[
            "admin",
            "restore",
            snap_arg,
            "--data-dir",
            "data",
            "--key",
            key_arg,
            "--json",
        ],
        &[],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let restored: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(restored["workspaces"], 1);
    assert_eq!(restored["master_key"], "key_file");
    assert_eq!(restored["schema_version"], report["schema_version"]);
    assert_eq!(integrity(&f.join("data/revos.db")).await, ["ok"]);

    // The restored instance starts and serves: the session, every write acknowledged before
    // the backup began, none acknowledged after it ended, and the sealed credential.
    let mut server = Server::start(f, &[]);
    server.wait_healthy().await;
    let ids = cartridge_ids(&server.base, &token).await;
    let lost: Vec<_> = before.iter().filter(|id| !ids.contains(*id)).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged writes lost: {lost:?}",
        lost.len()
    );
    let later: Vec<_> = after.iter().filter(|id| ids.contains(*id)).collect();
    assert!(later.is_empty(), "writes from after the backup: {later:?}");
    let (status, secrets) = send(
        reqwest::Method::GET,
        format!("{}/api/v1/secrets", server.base),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{secrets}");
    assert_eq!(secrets["items"][0]["masked_value"], "••••9876");
    // It takes writes again.
    let (status, body) = send(
        reqwest::Method::POST,
        format!("{}/api/v1/cartridges", server.base),
        &token,
        Some(cartridge("After restore")),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let log = server.stop();
    assert!(!log.contains("generated a new master key"), "{log}");
}

#[test]
fn backup_and_restore_point_postgres_at_pg_dump() {
    let dir = tempfile::tempdir().unwrap();
    let pg = [(
        "REVOS_DATABASE_URL",
        "postgres://postgres@127.0.0.1:5432/postgres",
    )];
    assert_refused(
        run(dir.path(), &["admin", "backup", "x.db"], &pg),
        "pg_dump",
    );
    assert_refused(
        run(dir.path(), &["admin", "restore", "x.db"], &pg),
        "pg_dump",
    );
    assert!(!dir.path().join("x.db").exists());
}

#[test]
fn backup_refuses_a_data_dir_without_a_database() {
    let dir = tempfile::tempdir().unwrap();
    assert_refused(
        run(
            dir.path(),
            &["admin", "backup", "x.db", "--data-dir", "none"],
            &[],
        ),
        "no database",
    );
    assert!(!dir.path().join("x.db").exists());
    assert!(!dir.path().join("none").exists());
}

#[test]
fn backup_and_restore_have_help() {
    let dir = tempfile::tempdir().unwrap();
    for (command, words) in [
        ("backup", ["--include-key", "master key"]),
        ("restore", ["--key", "empty"]),
    ] {
        let (code, stdout, stderr) = run(dir.path(), &["admin", command, "--help"], &[]);
        assert_eq!(code, Some(0), "{stderr}");
        for word in words {
            assert!(
                stdout.contains(word),
                "{command} --help lacks {word}: {stdout}"
            );
        }
    }
}
