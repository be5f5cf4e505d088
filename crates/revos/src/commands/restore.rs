//! `revos admin restore FILE`: a backup back into an empty data directory.
//!
//! The backup is copied under a temporary name inside the data directory and the copy is
//! verified (integrity check, RevOS schema, master key); only a copy that passes takes the
//! database's name, so a refused restore leaves nothing a server would start on.

use super::backup::{byte_bar, failure, private_file, sqlite_database_file, sync_dir};
use super::cartridge::UsageError;
use crate::cli::RestoreArgs;
use crate::config::Settings;
use crate::master_key;
use anyhow::Context;
use revos_app::MasterKey;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Where the restored instance's master key comes from.
enum KeyPlan {
    /// `--key FILE`: written to `<data dir>/master.key`.
    File(MasterKey),
    /// REVOS_MASTER_KEY or revos.toml: nothing to write.
    Configured(MasterKey),
    /// None: the restored instance generates one at its first start.
    None,
}

impl KeyPlan {
    fn key(&self) -> Option<&MasterKey> {
        match self {
            Self::File(k) | Self::Configured(k) => Some(k),
            Self::None => None,
        }
    }
}

/// Runs `admin restore`.
pub async fn run(settings: Settings, args: RestoreArgs) -> anyhow::Result<()> {
    let target = sqlite_database_file(&settings, "restore")?;
    let data_dir = settings.data_dir.clone();
    let occupied = match std::fs::read_dir(&data_dir) {
        Ok(mut entries) => entries.next().is_some(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => {
            return Err(e).with_context(|| format!("cannot read {}", data_dir.display()));
        }
    };
    if occupied {
        return Err(UsageError(format!(
            "the data directory {} is not empty: restore only into an empty or new one",
            data_dir.display()
        ))
        .into());
    }
    if target.exists() {
        return Err(UsageError(format!(
            "{} already exists: restore only where no database is",
            target.display()
        ))
        .into());
    }
    if !args.file.is_file() {
        return Err(UsageError(format!("{}: no such backup file", args.file.display())).into());
    }
    let plan = key_plan(&settings, args.key.as_deref())?;

    let target_dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    std::fs::create_dir_all(&target_dir)
        .with_context(|| format!("cannot create {}", target_dir.display()))?;
    let mut partial = target.clone().into_os_string();
    partial.push(".restoring");
    let partial = PathBuf::from(partial);

    let result = restore_into(&args, &plan, &partial).await;
    let info = match result {
        Ok(info) => info,
        Err(e) => {
            remove_database(&partial);
            return Err(e);
        }
    };
    if let KeyPlan::File(key) = &plan {
        master_key::write_key_file(&master_key::key_file(&data_dir), key)?;
    }
    std::fs::rename(&partial, &target).with_context(|| {
        format!(
            "cannot rename {} to {}",
            partial.display(),
            target.display()
        )
    })?;
    sync_dir(&target_dir)?;

    let key = match plan {
        KeyPlan::File(_) => "key_file",
        KeyPlan::Configured(_) => "configured",
        KeyPlan::None => "none",
    };
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "restored": target.display().to_string(),
                "bytes": info.bytes,
                "schema_version": info.schema_version,
                "pending_migrations": info.pending_migrations,
                "workspaces": info.workspaces,
                "master_key": key,
            })
        );
        return Ok(());
    }
    println!(
        "restored {} into {} (schema version {}, {} workspace(s)); start it with revos serve",
        args.file.display(),
        target.display(),
        info.schema_version,
        info.workspaces
    );
    if info.pending_migrations > 0 {
        println!(
            "{} newer migration(s) will be applied when it starts",
            info.pending_migrations
        );
    }
    if matches!(key, "none") {
        println!(
            "no master key given: the first start generates one (the backup holds no sealed \
             credentials)"
        );
    }
    Ok(())
}

/// Copies the backup to `partial`, verifies the copy and checks that the key opens its
/// sealed data keys.
async fn restore_into(
    args: &RestoreArgs,
    plan: &KeyPlan,
    partial: &Path,
) -> anyhow::Result<revos_store::backup::BackupInfo> {
    copy_with_progress(&args.file, partial, !args.json)?;
    let shown = args.file.display();
    let info = revos_store::backup::inspect(partial)
        .await
        .map_err(|e| failure(e, &shown.to_string()))?;
    let Some(sealed) = info.master_key_ids.first() else {
        return Ok(info);
    };
    match plan.key() {
        None => Err(UsageError(format!(
            "{shown}: its stored credentials are sealed under master key {sealed}: give that \
             key with --key FILE or REVOS_MASTER_KEY"
        ))
        .into()),
        Some(key) if info.master_key_ids != [key.id()] => Err(UsageError(format!(
            "{shown}: its stored credentials are sealed under master key {}, not {} (the \
             key given): give the key in use when the backup was taken",
            info.master_key_ids.join(", "),
            key.id()
        ))
        .into()),
        Some(_) => Ok(info),
    }
}

/// Decides where the restored instance's master key comes from.
fn key_plan(settings: &Settings, key_file: Option<&Path>) -> anyhow::Result<KeyPlan> {
    match (key_file, &settings.master_key) {
        (Some(_), Some((_, source))) => Err(UsageError(format!(
            "--key: the master key is already configured by {source}; give only one"
        ))
        .into()),
        (Some(file), None) => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| UsageError(format!("--key: cannot read {}: {e}", file.display())))?;
            let key = MasterKey::parse(&text)
                .map_err(|e| UsageError(format!("--key: {}: {e}", file.display())))?;
            Ok(KeyPlan::File(key))
        }
        (None, Some(_)) => Ok(KeyPlan::Configured(
            master_key::load_or_generate(settings)?.0,
        )),
        (None, None) => Ok(KeyPlan::None),
    }
}

/// Copies `from` to the new file `to` in 1 MiB steps with a byte progress bar, and syncs it.
fn copy_with_progress(from: &Path, to: &Path, show_progress: bool) -> anyhow::Result<()> {
    let mut input =
        std::fs::File::open(from).with_context(|| format!("cannot read {}", from.display()))?;
    let total = input.metadata()?.len();
    let mut output = private_file()
        .open(to)
        .with_context(|| format!("cannot create {}", to.display()))?;
    let bar = show_progress.then(|| byte_bar(total, "restoring"));
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = input
            .read(&mut buf)
            .with_context(|| format!("cannot read {}", from.display()))?;
        if n == 0 {
            break;
        }
        output
            .write_all(&buf[..n])
            .with_context(|| format!("cannot write {}", to.display()))?;
        if let Some(bar) = &bar {
            bar.inc(n as u64);
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    output
        .sync_all()
        .with_context(|| format!("cannot sync {}", to.display()))
}

/// Removes a refused copy and whatever SQLite made beside it.
fn remove_database(file: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut path = file.to_path_buf().into_os_string();
        path.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(path));
    }
}
