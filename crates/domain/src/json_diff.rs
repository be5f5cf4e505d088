//! Which fields differ between two JSON documents, as dotted paths. A cartridge's history uses
//! it to say what each version changed ("who changed what"), without storing anything extra.

use serde_json::Value;

/// The dotted paths (e.g. `writing_style.tone`) whose values differ between `before` and
/// `after`. Objects are compared key by key (a key present on one side only counts as
/// changed); arrays and scalars are compared whole, so a changed list is reported by its own
/// name (e.g. `examples`). Sorted, without duplicates.
pub fn changed_paths(before: &Value, after: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk("", before, after, &mut out);
    out.sort();
    out.dedup();
    out
}

fn walk(prefix: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys()) {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                match (x.get(key), y.get(key)) {
                    (Some(l), Some(r)) => walk(&path, l, r, out),
                    (Some(Value::Null), None) | (None, Some(Value::Null)) => {}
                    _ => out.push(path),
                }
            }
        }
        (l, r) if l != r => out.push(if prefix.is_empty() {
            "body".to_owned()
        } else {
            prefix.to_owned()
        }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reports_nested_paths_and_whole_lists() {
        let a = json!({"name": "A", "writing_style": {"tone": "casual", "vocabulary_level": 5},
                       "examples": [{"post": "x"}], "system_prompt": null});
        let b = json!({"name": "A", "writing_style": {"tone": "professional", "vocabulary_level": 5},
                       "examples": [{"post": "y"}], "tools_enabled": ["apollo"]});
        assert_eq!(
            changed_paths(&a, &b),
            ["examples", "tools_enabled", "writing_style.tone"]
        );
    }

    #[test]
    fn identical_documents_have_no_changes() {
        let a = json!({"a": {"b": [1, 2]}, "c": null});
        assert!(changed_paths(&a, &a.clone()).is_empty());
        assert!(changed_paths(&a, &json!({"a": {"b": [1, 2]}})).is_empty());
    }
}
