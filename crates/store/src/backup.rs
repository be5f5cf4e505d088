//! Backups of a SQLite instance: a consistent snapshot of the live database file, and the
//! checks that tell a whole RevOS database from anything else before it is restored.
//!
//! The snapshot is SQLite's `VACUUM INTO`: it reads the database in one read transaction (under
//! WAL the running server keeps writing meanwhile, undisturbed) and writes a compact copy. The
//! copy therefore holds every transaction committed before that read began and nothing of any
//! transaction committed later: never half of one. PostgreSQL is backed up with its own tools
//! (`pg_dump`, see the README), which give the same guarantee.

use crate::StoreError;
use crate::store::SQLITE_MIGRATIONS;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};
use std::path::Path;
use std::time::Duration;

/// The first 16 bytes of every SQLite 3 database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Why a backup could not be taken or a file cannot be restored.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The file is not a restorable RevOS database (not SQLite, another program's database,
    /// damaged, or from a newer RevOS): bad input, which the message explains without naming
    /// the file (the caller knows which name the person gave it).
    #[error("{0}")]
    Unusable(String),
    /// The database could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for BackupError {
    fn from(err: sqlx::Error) -> Self {
        Self::Store(err.into())
    }
}

/// What a verified RevOS database file holds, as far as restoring it is concerned.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct BackupInfo {
    /// The newest migration applied to it.
    pub schema_version: i64,
    /// Migrations of this build it does not have yet; the restored instance applies them
    /// when it starts.
    pub pending_migrations: usize,
    /// How many workspaces it holds.
    pub workspaces: i64,
    /// The fingerprints of the master keys its workspaces' data keys are sealed under
    /// (usually one; none when no workspace has stored a credential yet). Restoring needs
    /// that key: the database never holds it.
    pub master_key_ids: Vec<String>,
    /// The file's size in bytes.
    pub bytes: u64,
}

/// Writes a consistent snapshot of the SQLite database file `source` (which may be in use by
/// a running `revos serve`) to `dest`, which must not exist or be an empty file. `dest` is
/// not verified here: see [`inspect`].
pub async fn snapshot(source: &Path, dest: &Path) -> Result<(), BackupError> {
    let dest = dest
        .to_str()
        .ok_or_else(|| BackupError::Unusable(format!("{} is not a UTF-8 path", dest.display())))?;
    let mut conn = open(source).await.map_err(|e| cannot_open(source, e))?;
    // One statement, one read transaction: the consistent snapshot.
    sqlx::query("VACUUM INTO $1")
        .bind(dest)
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

/// The size in bytes of the database in `source` as SQLite counts it (pages in use times the
/// page size): what a snapshot of it will roughly weigh, for progress.
pub async fn database_size(source: &Path) -> Result<u64, BackupError> {
    let mut conn = open(source).await.map_err(|e| cannot_open(source, e))?;
    let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
        .fetch_one(&mut conn)
        .await?;
    let size: i64 = sqlx::query_scalar("PRAGMA page_size")
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    Ok(u64::try_from(pages.saturating_mul(size)).unwrap_or(0))
}

/// Checks that `file` is a whole RevOS SQLite database this build can run on: a SQLite file
/// that passes SQLite's full integrity check, whose applied migrations are RevOS's own (same
/// versions, same checksums) and none newer than this build knows. The file is opened for
/// reading and writing (SQLite may need to roll back a hot journal), so check a copy, not the
/// only one.
pub async fn inspect(file: &Path) -> Result<BackupInfo, BackupError> {
    let unusable = BackupError::Unusable;
    let mut header = [0u8; 16];
    let bytes = {
        use std::io::Read;
        let mut f = std::fs::File::open(file).map_err(|e| unusable(e.to_string()))?;
        let len = f.metadata().map_err(|e| unusable(e.to_string()))?.len();
        f.read_exact(&mut header)
            .map_err(|_| unusable("not a SQLite database".into()))?;
        len
    };
    if &header != SQLITE_HEADER {
        return Err(unusable("not a SQLite database".into()));
    }

    let mut conn = open(file)
        .await
        .map_err(|e| unusable(format!("cannot open it as a database: {e}")))?;
    let problems: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check(10)")
        .fetch_all(&mut conn)
        .await
        .map_err(|e| unusable(format!("damaged: {e}")))?;
    if problems != ["ok"] {
        return Err(unusable(format!("damaged: {}", problems.join("; "))));
    }

    let has_migrations: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
    )
    .fetch_one(&mut conn)
    .await?;
    if !has_migrations {
        return Err(unusable(
            "not a RevOS database (no migration history)".into(),
        ));
    }
    let applied: Vec<(i64, Vec<u8>, bool)> =
        sqlx::query_as("SELECT version, checksum, success FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&mut conn)
            .await?;
    let ours_latest = SQLITE_MIGRATIONS
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0);
    if !applied.iter().any(|(v, ..)| *v == 1) {
        return Err(unusable(
            "not a RevOS database (its first migration is missing)".into(),
        ));
    }
    for (version, checksum, success) in &applied {
        match SQLITE_MIGRATIONS.iter().find(|m| m.version == *version) {
            None if *version > ours_latest => {
                return Err(unusable(format!(
                    "written by a newer RevOS (schema version {version}, this revos knows up \
                     to {ours_latest}): restore it with that version or later"
                )));
            }
            None => {
                return Err(unusable(format!(
                    "not a RevOS database (unknown migration {version})"
                )));
            }
            Some(m) if m.checksum.as_ref() != checksum.as_slice() => {
                return Err(unusable(format!(
                    "not a RevOS database (migration {version} differs from RevOS's)"
                )));
            }
            Some(_) if !success => {
                return Err(unusable(format!(
                    "damaged: migration {version} did not complete"
                )));
            }
            Some(_) => {}
        }
    }
    let schema_version = applied.last().map_or(0, |(v, ..)| *v);
    let pending_migrations = SQLITE_MIGRATIONS
        .iter()
        .filter(|m| !applied.iter().any(|(v, ..)| *v == m.version))
        .count();

    let workspaces: i64 = sqlx::query_scalar("SELECT count(*) FROM tenants")
        .fetch_one(&mut conn)
        .await?;
    let master_key_ids: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT master_key_id FROM tenant_keys ORDER BY 1")
            .fetch_all(&mut conn)
            .await?;
    conn.close().await?;
    Ok(BackupInfo {
        schema_version,
        pending_migrations,
        workspaces,
        master_key_ids,
        bytes,
    })
}

/// One plain connection to an existing database file: no pool, no journal-mode change (the
/// file keeps its own), and a busy timeout for the moment a running server holds a lock.
async fn open(file: &Path) -> Result<SqliteConnection, sqlx::Error> {
    SqliteConnectOptions::new()
        .filename(file)
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(30))
        .connect()
        .await
}

fn cannot_open(file: &Path, err: sqlx::Error) -> BackupError {
    BackupError::Store(StoreError::Config(format!(
        "cannot open the SQLite database {}: {err}",
        file.display()
    )))
}
