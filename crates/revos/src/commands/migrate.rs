//! `revos migrate`: apply pending migrations.

use crate::config::Settings;

/// Migrates and reports which database it migrated.
pub async fn run(settings: Settings, json: bool) -> anyhow::Result<()> {
    let store = super::open_store(&settings).await?;
    let backend = match store.backend() {
        revos_app::Backend::Sqlite => "sqlite",
        revos_app::Backend::Postgres => "postgres",
    };
    store.close().await;
    if json {
        println!(
            "{}",
            serde_json::json!({ "migrated": true, "backend": backend })
        );
    } else {
        println!("database migrated ({backend})");
    }
    Ok(())
}
