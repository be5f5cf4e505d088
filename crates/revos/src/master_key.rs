//! Finding the master key: configured (REVOS_MASTER_KEY or revos.toml), or the key file in the
//! data directory, generated with mode 0600 on the first run.

use crate::config::{ConfigError, Settings};
use anyhow::Context;
use revos_app::MasterKey;
use secrecy::ExposeSecret;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where the master key came from, which decides how rotation stores the next one.
pub enum KeySource {
    /// From configuration; the name of the setting.
    Configured(String),
    /// From this key file.
    File(PathBuf),
}

/// The key file inside a data directory.
pub fn key_file(data_dir: &Path) -> PathBuf {
    data_dir.join("master.key")
}

/// Loads the configured key or the key file, generating the file when neither exists.
pub fn load_or_generate(settings: &Settings) -> anyhow::Result<(MasterKey, KeySource)> {
    if let Some((text, source)) = &settings.master_key {
        let key = MasterKey::parse(text.expose_secret()).map_err(|e| ConfigError {
            key: source.clone(),
            message: e.to_string(),
        })?;
        return Ok((key, KeySource::Configured(source.clone())));
    }
    let path = key_file(&settings.data_dir);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let key = MasterKey::parse(&text).map_err(|e| ConfigError {
                key: path.display().to_string(),
                message: e.to_string(),
            })?;
            Ok((key, KeySource::File(path)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = MasterKey::generate();
            write_key_file(&path, &key)?;
            tracing::warn!(
                path = %path.display(),
                key_id = %key.id(),
                "generated a new master key; back this file up: without it, stored provider \
                 credentials cannot be decrypted. Set REVOS_MASTER_KEY to manage it yourself"
            );
            Ok((key, KeySource::File(path)))
        }
        Err(e) => {
            Err(e).with_context(|| format!("cannot read the master key file {}", path.display()))
        }
    }
}

/// Writes `key` to a new file readable only by its owner. Fails if the file exists.
pub fn write_key_file(path: &Path, key: &MasterKey) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut file = opts
        .open(path)
        .with_context(|| format!("cannot create the key file {}", path.display()))?;
    file.write_all(key.to_base64().as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()?;
    Ok(())
}
