//! Schema parity: after migrating, SQLite and PostgreSQL have the same tables and, table by
//! table, the same column names (their types differ by backend). The lead search index is
//! built differently on each by design (a trigram-indexed table on PostgreSQL, an FTS5 table
//! with its shadow tables and row ids on SQLite), so its tables are left out.

use revos_test_support::catalogue::columns_by_table;
use revos_test_support::{Db, TestDb};
use std::collections::BTreeSet;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgres_have_the_same_columns() {
    let (sqlite, _s) = TestDb::migrated(Db::Sqlite).await;
    let (postgres, _p) = TestDb::migrated(Db::Postgres).await;
    let mut lite = columns_by_table(&sqlite.url, Db::Sqlite).await;
    let mut pg = columns_by_table(&postgres.url, Db::Postgres).await;
    let search_index = |table: &String| table == "lead_search" || table.starts_with("lead_search_");
    lite.retain(|table, _| !search_index(table));
    pg.retain(|table, _| !search_index(table));

    let lite_tables: BTreeSet<&String> = lite.keys().collect();
    let pg_tables: BTreeSet<&String> = pg.keys().collect();
    assert_eq!(
        lite_tables,
        pg_tables,
        "tables only on SQLite: {:?}; only on PostgreSQL: {:?}",
        lite_tables.difference(&pg_tables).collect::<Vec<_>>(),
        pg_tables.difference(&lite_tables).collect::<Vec<_>>()
    );
    let drift: Vec<String> = lite
        .iter()
        .filter(|(table, columns)| pg.get(*table) != Some(columns))
        .map(|(table, columns)| {
            let pg_columns = &pg[table];
            let only = |a: &Vec<String>, b: &Vec<String>| {
                a.iter()
                    .filter(|c| !b.contains(c))
                    .cloned()
                    .collect::<Vec<_>>()
            };
            format!(
                "{table}: only on SQLite {:?}, only on PostgreSQL {:?}",
                only(columns, pg_columns),
                only(pg_columns, columns)
            )
        })
        .collect();
    assert!(drift.is_empty(), "column drift:\n{}", drift.join("\n"));
    assert!(lite.len() > 20, "the catalogue shows only {lite_tables:?}");
}
