//! SQL text assembled from the parts a request actually uses, with its values collected as
//! typed binds numbered `$1…` in the order they are pushed. A filter that is not set adds
//! nothing to the text, so the planner sees only real conditions (a `$n IS NULL OR …` per
//! optional filter makes PostgreSQL choose one generic plan for every combination). Only
//! fixed fragments and placeholders are spliced into the text; every value is bound.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A batched delete of the rows whose ids `select_ids` (a `SELECT id … LIMIT …`) picks, in
/// the dialect of `tx`. On PostgreSQL the ids are `= ANY(ARRAY(…))`, an init plan run once:
/// under `IN (…)` a table with stale statistics (new, or just grown) can get a nested-loop
/// semi join that runs the limited subquery once per row of the table (seen: half a second
/// per housekeeping batch on 2,000 finished jobs). SQLite runs `IN (…)` once already.
pub(crate) fn batch_delete(tx: &crate::Tx, table: &str, select_ids: &str) -> String {
    match tx.inner {
        crate::tx::TxInner::Postgres(_) => {
            format!("DELETE FROM {table} WHERE id = ANY(ARRAY({select_ids}))")
        }
        crate::tx::TxInner::Sqlite(_) => format!("DELETE FROM {table} WHERE id IN ({select_ids})"),
    }
}

/// One value bound to a placeholder.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Bind {
    Uuid(Uuid),
    Text(String),
    Bool(bool),
    Time(DateTime<Utc>),
    Int(i64),
}

/// SQL text under construction and the values of its placeholders.
#[derive(Debug, Default)]
pub(crate) struct SqlBuilder {
    sql: String,
    binds: Vec<Bind>,
}

impl SqlBuilder {
    /// Appends a fixed fragment of SQL.
    pub(crate) fn push(&mut self, fragment: &str) -> &mut Self {
        self.sql.push_str(fragment);
        self
    }

    /// Appends the placeholder of a new bound value.
    pub(crate) fn bind(&mut self, value: Bind) -> &mut Self {
        self.binds.push(value);
        self.sql.push('$');
        self.sql.push_str(&self.binds.len().to_string());
        self
    }

    /// The SQL text.
    pub(crate) fn sql(&self) -> &str {
        &self.sql
    }

    /// The bound values, in placeholder order.
    pub(crate) fn binds(&self) -> &[Bind] {
        &self.binds
    }
}

/// Binds every value of a [`SqlBuilder`] to a query, once per backend inside `on_conn!`.
macro_rules! bind_each {
    ($query:expr, $binds:expr) => {{
        let mut q = $query;
        for b in $binds {
            q = match b {
                $crate::sql_builder::Bind::Uuid(v) => q.bind(*v),
                $crate::sql_builder::Bind::Text(v) => q.bind(v.as_str()),
                $crate::sql_builder::Bind::Bool(v) => q.bind(*v),
                $crate::sql_builder::Bind::Time(v) => q.bind(*v),
                $crate::sql_builder::Bind::Int(v) => q.bind(*v),
            };
        }
        q
    }};
}
pub(crate) use bind_each;

#[cfg(test)]
mod tests {
    use super::{Bind, SqlBuilder};

    #[test]
    fn numbers_placeholders_in_push_order() {
        let mut b = SqlBuilder::default();
        b.push("a = ")
            .bind(Bind::Int(1))
            .push(" AND b = ")
            .bind(Bind::Bool(true));
        assert_eq!(b.sql(), "a = $1 AND b = $2");
        assert_eq!(b.binds(), &[Bind::Int(1), Bind::Bool(true)]);
    }
}
