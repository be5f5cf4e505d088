//! `revos admin ...`: operator tasks.

use crate::cli::RotateArgs;
use crate::config::{ConfigError, Settings};
use crate::master_key::{self, KeySource};
use anyhow::Context;
use revos_app::MasterKey;

/// `admin rotate-master-key`: re-seals every tenant's data key under a new master key.
pub async fn rotate_master_key(settings: Settings, args: RotateArgs) -> anyhow::Result<()> {
    let store = super::open_store(&settings).await?;
    let (old, source) = master_key::load_or_generate(&settings)?;

    let (new, pending_file) = match &source {
        KeySource::File(path) => {
            // A leftover from an interrupted rotation may already seal some keys: reuse it.
            let pending = path.with_extension("key.new");
            let new = match std::fs::read_to_string(&pending) {
                Ok(text) => MasterKey::parse(&text).map_err(|e| ConfigError {
                    key: pending.display().to_string(),
                    message: e.to_string(),
                })?,
                Err(_) => {
                    let new = new_key_from_env()?;
                    master_key::write_key_file(&pending, &new)?;
                    new
                }
            };
            (new, Some((pending, path.clone())))
        }
        KeySource::Configured(name) => {
            let new = new_key_from_env()?;
            match &args.new_key_file {
                Some(file) => master_key::write_key_file(file, &new)?,
                None if !args.json => {
                    println!(
                        "New master key (shown once; set it as {name} before the next start):"
                    );
                    println!("{}", new.to_base64().as_str());
                }
                None => {}
            }
            (new, None)
        }
    };

    let rotated =
        revos_app::secrets::rotate_master_key(&store, &old, &new, chrono::Utc::now()).await?;
    store.close().await;
    if let Some((pending, path)) = pending_file {
        std::fs::rename(&pending, &path).with_context(|| {
            format!(
                "re-sealed, but could not move {} to {}",
                pending.display(),
                path.display()
            )
        })?;
    }

    if args.json {
        let mut out = serde_json::json!({ "rotated": rotated, "old_key_id": old.id(), "new_key_id": new.id() });
        if matches!(source, KeySource::Configured(_)) && args.new_key_file.is_none() {
            out["new_master_key"] = serde_json::Value::String(new.to_base64().to_string());
        }
        println!("{out}");
    } else {
        println!(
            "re-sealed {rotated} tenant data key(s); master key {} -> {}",
            old.id(),
            new.id()
        );
    }
    Ok(())
}

fn new_key_from_env() -> anyhow::Result<MasterKey> {
    match std::env::var("REVOS_NEW_MASTER_KEY") {
        Ok(text) if !text.trim().is_empty() => {
            Ok(MasterKey::parse(&text).map_err(|e| ConfigError {
                key: "REVOS_NEW_MASTER_KEY".into(),
                message: e.to_string(),
            })?)
        }
        _ => Ok(MasterKey::generate()),
    }
}

/// `admin tenants`: lists every workspace.
pub async fn tenants(settings: Settings, json: bool) -> anyhow::Result<()> {
    let store = super::open_store(&settings).await?;
    let mut tx = store.begin_read().await?;
    let rows = revos_store::tenants::list_all(&mut tx).await?;
    drop(tx);
    store.close().await;
    if json {
        let items: Vec<_> = rows
            .iter()
            .map(|t| serde_json::json!({ "id": t.id, "name": t.name, "created_at": t.created_at }))
            .collect();
        println!("{}", serde_json::Value::Array(items));
    } else if rows.is_empty() {
        println!("no workspaces yet");
    } else {
        for t in rows {
            println!(
                "{}  {}  {}",
                t.id,
                t.created_at.format("%Y-%m-%d %H:%M"),
                t.name
            );
        }
    }
    Ok(())
}
