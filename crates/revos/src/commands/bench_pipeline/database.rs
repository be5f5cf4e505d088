//! The bench's scratch database: a PostgreSQL database of its own beside the configured one
//! (so the user's data is never touched), or a SQLite file; kept and reused between runs of
//! the same sizes with `--keep`, since seeding a million leads takes minutes.

use super::Sizes;
use crate::config::{ConfigError, Settings};
use anyhow::Context;
use sqlx::Connection;

/// Where the bench's data lives, and whether to remove it at the end.
pub struct Scratch {
    /// The URL the store, the web server and the worker processes open.
    pub url: String,
    /// Whether the database held a seeded workspace of these sizes already.
    pub existed: bool,
    /// The PostgreSQL server's maintenance URL and the database's name, to drop it.
    postgres: Option<(String, String)>,
    /// The temporary directory of an unkept SQLite file.
    dir: Option<tempfile::TempDir>,
    keep: bool,
}

/// The PostgreSQL URL whose database is `name`, from `url` (any query string kept).
fn with_database(url: &str, name: &str) -> anyhow::Result<String> {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let rest = base
        .strip_prefix("postgres://")
        .or_else(|| base.strip_prefix("postgresql://"))
        .context("a PostgreSQL URL starts with postgres://")?;
    let host = rest.split_once('/').map_or(rest, |(h, _)| h);
    let scheme = &base[..base.len() - rest.len()];
    Ok(match query {
        Some(q) => format!("{scheme}{host}/{name}?{q}"),
        None => format!("{scheme}{host}/{name}"),
    })
}

/// Opens (creating it when needed) the scratch database for `sizes` on `backend`.
pub async fn open(
    settings: &Settings,
    backend: &str,
    sizes: &Sizes,
    keep: bool,
) -> anyhow::Result<Scratch> {
    // A kept database is found again by its sizes; an unkept one is this run's own.
    let mut name = format!(
        "revos_bench_{}_{}_{}_{}",
        sizes.leads, sizes.campaigns, sizes.posts, sizes.accounts
    );
    if !keep {
        name.push_str(&format!("_{}", std::process::id()));
    }
    match backend {
        "postgres" => {
            let configured = match &settings.database_url {
                Some(u) if u.starts_with("postgres") => u.clone(),
                _ => "postgres://postgres@127.0.0.1:5432/postgres".to_owned(),
            };
            let admin_url = with_database(&configured, "postgres")?;
            let mut admin = sqlx::PgConnection::connect(&admin_url)
                .await
                .with_context(|| format!("connecting to {admin_url}"))?;
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                    .bind(&name)
                    .fetch_one(&mut admin)
                    .await?;
            let reuse = exists && keep;
            if exists && !keep {
                drop_database(&mut admin, &name).await?;
            }
            if !reuse {
                // The name is built from numbers above: nothing of the user's is spliced in.
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut admin)
                    .await
                    .with_context(|| format!("creating the database {name}"))?;
            }
            admin.close().await?;
            Ok(Scratch {
                url: with_database(&configured, &name)?,
                existed: reuse,
                postgres: Some((admin_url, name)),
                dir: None,
                keep,
            })
        }
        "sqlite" => {
            if keep {
                std::fs::create_dir_all(&settings.data_dir)?;
                let file = settings.data_dir.join(format!("{name}.db"));
                Ok(Scratch {
                    existed: file.exists(),
                    url: format!("sqlite://{}", file.display()),
                    postgres: None,
                    dir: None,
                    keep,
                })
            } else {
                let dir = tempfile::tempdir().context("creating the bench's directory")?;
                Ok(Scratch {
                    url: revos_store::sqlite_url_in(dir.path()),
                    existed: false,
                    postgres: None,
                    dir: Some(dir),
                    keep,
                })
            }
        }
        _ => Err(ConfigError {
            key: "--backend".into(),
            message: "must be sqlite or postgres".into(),
        }
        .into()),
    }
}

async fn drop_database(admin: &mut sqlx::PgConnection, name: &str) -> anyhow::Result<()> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(admin)
    .await
    .with_context(|| format!("dropping the database {name}"))?;
    Ok(())
}

impl Scratch {
    /// On PostgreSQL, vacuums and analyzes the freshly seeded database, as autovacuum would
    /// soon after a bulk load on a stock server (it is off on some machines; without
    /// statistics the planner would judge a million-row table as empty).
    pub async fn analyze(&self) -> anyhow::Result<()> {
        if self.postgres.is_some() {
            let mut conn = sqlx::PgConnection::connect(&self.url).await?;
            sqlx::raw_sql("VACUUM (ANALYZE)").execute(&mut conn).await?;
            conn.close().await?;
        }
        Ok(())
    }

    /// Removes the database unless it is to be kept.
    pub async fn finish(self) -> anyhow::Result<()> {
        if self.keep {
            return Ok(());
        }
        if let Some((admin_url, name)) = &self.postgres {
            let mut admin = sqlx::PgConnection::connect(admin_url).await?;
            drop_database(&mut admin, name).await?;
            admin.close().await?;
        }
        drop(self.dir);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_scratch_url_names_the_scratch_database() {
        assert_eq!(
            with_database("postgres://u@h:5432/app?sslmode=disable", "x").unwrap(),
            "postgres://u@h:5432/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://u@h", "x").unwrap(),
            "postgres://u@h/x"
        );
    }
}
