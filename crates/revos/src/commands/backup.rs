//! `revos admin backup FILE`: a consistent snapshot of a running SQLite instance.
//!
//! The snapshot is written beside FILE under a hidden temporary name, synced, verified like a
//! restore would verify it, and only then renamed to FILE: FILE is never a partial backup.

use super::cartridge::UsageError;
use crate::cli::BackupArgs;
use crate::config::Settings;
use crate::master_key;
use anyhow::Context;
use revos_app::MasterKey;
use revos_store::backup::{self, BackupError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where the README explains PostgreSQL backups, for the one line that refuses them.
const POSTGRES_POINTER: &str = "PostgreSQL is backed up and restored with pg_dump and \
    pg_restore as the database owner, not by revos: see README.md, \"Backups\" (roles and commands)";

/// Runs `admin backup`.
pub async fn run(settings: Settings, args: BackupArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let source = sqlite_database_file(&settings, "backup")?;
    if !source.is_file() {
        return Err(UsageError(format!(
            "no database at {}: nothing to back up (check --data-dir / REVOS_DATA_DIR)",
            source.display()
        ))
        .into());
    }
    let dest = std::path::absolute(&args.file)
        .with_context(|| format!("cannot resolve {}", args.file.display()))?;
    let (dir, name) = split(&dest)?;
    if dest.exists() {
        return Err(UsageError(format!(
            "{} already exists: give the backup a new file name",
            args.file.display()
        ))
        .into());
    }
    if !dir.is_dir() {
        return Err(UsageError(format!(
            "{}: no such directory for the backup",
            dir.display()
        ))
        .into());
    }
    let key = if args.include_key {
        let key = current_key(&settings)?;
        let key_file = dir.join(format!("{name}.key"));
        if key_file.exists() {
            return Err(UsageError(format!(
                "--include-key: {} already exists",
                key_file.display()
            ))
            .into());
        }
        Some((key, key_file))
    } else {
        None
    };

    // VACUUM INTO accepts an existing empty file: creating it first claims the name, so two
    // backups to the same FILE cannot write into each other, and gives it mode 0600 (it holds
    // password hashes and every workspace's data).
    let partial = dir.join(format!(".{name}.partial"));
    private_file().open(&partial).map_err(|e| {
        UsageError(format!(
            "cannot create {}: {e} (another backup to this file under way, or one \
                 interrupted: remove it)",
            partial.display()
        ))
    })?;
    let info = match write_snapshot(&source, &partial, !args.json).await {
        Ok(info) => info,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, &dest)
        .with_context(|| format!("cannot rename {} to {}", partial.display(), dest.display()))?;
    sync_dir(dir)?;
    if let Some((key, key_file)) = &key {
        master_key::write_key_file(key_file, key)?;
    }

    let seconds = started.elapsed().as_secs_f64();
    let key_file = key.as_ref().map(|(_, f)| f.display().to_string());
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "file": dest.display().to_string(),
                "bytes": info.bytes,
                "schema_version": info.schema_version,
                "workspaces": info.workspaces,
                "master_key_ids": info.master_key_ids,
                "key_file": key_file,
                "seconds": seconds,
            })
        );
        return Ok(());
    }
    println!(
        "backed up {} to {} ({} bytes, schema version {}, {} workspace(s)) in {seconds:.1}s",
        source.display(),
        dest.display(),
        info.bytes,
        info.schema_version,
        info.workspaces
    );
    match (&key_file, info.master_key_ids.is_empty()) {
        (Some(file), _) => {
            println!("master key written to {file} (mode 0600): store it apart from the backup")
        }
        (None, false) => println!(
            "the master key ({}) is not in the backup: keep it safe apart from the backups; \
             restoring needs it (--include-key writes a copy)",
            info.master_key_ids.join(", ")
        ),
        (None, true) => {}
    }
    Ok(())
}

/// Writes the snapshot to `partial` with a progress bar on a terminal (by bytes written
/// against the database's size), syncs it and verifies it.
async fn write_snapshot(
    source: &Path,
    partial: &Path,
    show_progress: bool,
) -> anyhow::Result<backup::BackupInfo> {
    let total = backup::database_size(source)
        .await
        .map_err(|e| failure(e, "admin backup"))?;
    let bar = show_progress.then(|| byte_bar(total, "backing up"));
    let copy = backup::snapshot(source, partial);
    tokio::pin!(copy);
    let copied = loop {
        tokio::select! {
            result = &mut copy => break result,
            () = tokio::time::sleep(Duration::from_millis(200)) => {
                if let (Some(bar), Ok(meta)) = (&bar, std::fs::metadata(partial)) {
                    bar.set_position(meta.len().min(total));
                }
            }
        }
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    copied.map_err(|e| failure(e, "admin backup"))?;
    std::fs::File::open(partial)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot sync {}", partial.display()))?;
    // A snapshot that fails the checks a restore makes is a failure of this run, not bad input.
    backup::inspect(partial)
        .await
        .map_err(|e| anyhow::anyhow!("the snapshot failed verification: {e}"))
}

/// The SQLite database file the configuration names, or a usage error for PostgreSQL that
/// points at the documented procedure.
pub(crate) fn sqlite_database_file(settings: &Settings, command: &str) -> anyhow::Result<PathBuf> {
    match &settings.database_url {
        None => Ok(settings.data_dir.join("revos.db")),
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Err(UsageError(format!("admin {command}: {POSTGRES_POINTER}")).into())
        }
        Some(url) => {
            use std::str::FromStr;
            let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url)
                .map_err(|e| UsageError(format!("REVOS_DATABASE_URL: {e}")))?;
            Ok(opts.get_filename().to_path_buf())
        }
    }
}

/// A progress bar over `total` bytes; hidden off a terminal.
pub(crate) fn byte_bar(total: u64, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{what} {{bar:30}} {{bytes}}/{{total_bytes}} ({{elapsed}})"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// Options that create a new file readable only by its owner.
pub(crate) fn private_file() -> std::fs::OpenOptions {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts
}

/// Makes a rename in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot sync the directory {}", dir.display()))
}

/// Bad input stays a usage error (exit 2) about `what`; anything else is a failure (exit 1).
pub(crate) fn failure(err: BackupError, what: &str) -> anyhow::Error {
    match err {
        BackupError::Unusable(why) => UsageError(format!("{what}: {why}")).into(),
        BackupError::Store(e) => e.into(),
    }
}

/// The directory and file name of an absolute path.
fn split(path: &Path) -> anyhow::Result<(&Path, String)> {
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => Ok((dir, name.to_string_lossy().into_owned())),
        _ => Err(UsageError(format!("{}: not a file name", path.display())).into()),
    }
}

/// The master key in use, read without generating one.
fn current_key(settings: &Settings) -> anyhow::Result<MasterKey> {
    let file = master_key::key_file(&settings.data_dir);
    if settings.master_key.is_none() && !file.exists() {
        return Err(UsageError(format!(
            "--include-key: no master key configured (REVOS_MASTER_KEY) and no {}",
            file.display()
        ))
        .into());
    }
    Ok(master_key::load_or_generate(settings)?.0)
}
