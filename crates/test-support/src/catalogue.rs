//! The schema as the database itself reports it (`sqlite_master`/`pragma_table_info` on
//! SQLite, `information_schema` and `pg_class`/`pg_policies` on PostgreSQL), so schema tests
//! derive their lists from the catalogue instead of keeping hand lists.
//!
//! These connect to the test database's URL directly, as its owner, not through a `Store`
//! (which works as the application role on PostgreSQL).

use crate::Db;
use std::collections::BTreeMap;

/// The migrations' own bookkeeping table, not part of the schema.
const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

/// Every table of the database at `url` on `kind`, with its column names, sorted.
pub async fn columns_by_table(url: &str, kind: Db) -> BTreeMap<String, Vec<String>> {
    let rows: Vec<(String, String)> = match kind {
        Db::Sqlite => {
            let pool = sqlx::SqlitePool::connect(url)
                .await
                .expect("connect SQLite");
            let rows = sqlx::query_as(
                "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
            )
            .fetch_all(&pool)
            .await
            .expect("SQLite catalogue");
            pool.close().await;
            rows
        }
        Db::Postgres => {
            let pool = sqlx::PgPool::connect(url)
                .await
                .expect("connect PostgreSQL");
            let rows = sqlx::query_as(
                "SELECT c.table_name::text, c.column_name::text \
                 FROM information_schema.columns c \
                 JOIN information_schema.tables t \
                   ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
                 WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'",
            )
            .fetch_all(&pool)
            .await
            .expect("PostgreSQL catalogue");
            pool.close().await;
            rows
        }
    };
    let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (table, column) in rows {
        if table != MIGRATIONS_TABLE {
            tables.entry(table).or_default().push(column);
        }
    }
    for columns in tables.values_mut() {
        columns.sort();
    }
    tables
}

/// The tables of the database at `url` on `kind` that have a `tenant_id` column: the
/// tenant-owned tables.
pub async fn tenant_tables(url: &str, kind: Db) -> Vec<String> {
    columns_by_table(url, kind)
        .await
        .into_iter()
        .filter(|(_, columns)| columns.iter().any(|c| c == "tenant_id"))
        .map(|(table, _)| table)
        .collect()
}

/// How row-level security stands on one PostgreSQL table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowSecurity {
    /// `pg_class.relrowsecurity`: policies apply.
    pub enabled: bool,
    /// `pg_class.relforcerowsecurity`: policies apply to the table's owner too.
    pub forced: bool,
    /// The names of the table's policies (`pg_policies`), sorted.
    pub policies: Vec<String>,
}

/// Row-level security of every table of the `public` schema of the PostgreSQL database at
/// `url`, by table name.
pub async fn row_security(url: &str) -> BTreeMap<String, RowSecurity> {
    let pool = sqlx::PgPool::connect(url)
        .await
        .expect("connect PostgreSQL");
    let rows: Vec<(String, bool, bool, Vec<String>)> = sqlx::query_as(
        "SELECT c.relname::text, c.relrowsecurity, c.relforcerowsecurity, \
                COALESCE(array_agg(p.policyname::text ORDER BY p.policyname) \
                         FILTER (WHERE p.policyname IS NOT NULL), '{}') \
         FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public' \
         LEFT JOIN pg_policies p ON p.schemaname = 'public' AND p.tablename = c.relname \
         WHERE c.relkind = 'r' \
         GROUP BY c.relname, c.relrowsecurity, c.relforcerowsecurity",
    )
    .fetch_all(&pool)
    .await
    .expect("PostgreSQL row security");
    pool.close().await;
    rows.into_iter()
        .map(|(table, enabled, forced, policies)| {
            (
                table,
                RowSecurity {
                    enabled,
                    forced,
                    policies,
                },
            )
        })
        .collect()
}
