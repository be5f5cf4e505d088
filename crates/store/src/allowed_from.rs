//! The SQL side of a guarded state change: a status or stage column is only ever written by
//! one conditional `UPDATE … AND status IN (…)` whose list of allowed starting states comes
//! from the domain's rule (`LeadStage::sources_of`, `PostStatus::sources_of`,
//! `CampaignStatus::sources_of`). Placeholders only are spliced into the SQL; every value is
//! bound, and `IN` reads the same on SQLite and PostgreSQL.

/// `$first, $first+1, …` for `n` bound values.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_the_placeholders_from_first() {
        assert_eq!(super::placeholders(4, 3), "$4, $5, $6");
        assert_eq!(super::placeholders(1, 1), "$1");
    }
}
