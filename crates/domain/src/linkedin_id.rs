//! LinkedIn's two kinds of person identifier. A commenter, a webhook's sender and a relation
//! carry the member id (`ACoAA…`, case-sensitive; Sales Navigator's start `ACw`), which is what
//! starting a chat needs; a profile URL a person typed or exported usually carries the public
//! identifier (`jane-doe`, case-insensitive), which must be looked up first.

/// Whether `id` is a LinkedIn member id rather than a public identifier.
pub fn is_member_id(id: &str) -> bool {
    (id.starts_with("ACo") || id.starts_with("ACw"))
        && id.len() > 3
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::is_member_id;

    #[test]
    fn member_ids_are_told_from_public_identifiers() {
        for id in [
            "ACoAAAcDMMQBODyLwZrRcgYhrkCafURGqva0U4E",
            "ACwAAB1x",
            "ACo1",
        ] {
            assert!(is_member_id(id), "{id}");
        }
        for id in [
            "jane-doe",
            "acoaaacdmmq",
            "ACo",
            "ACo 1",
            "AC",
            "",
            "bob-aco1",
        ] {
            assert!(!is_member_id(id), "{id}");
        }
    }
}
