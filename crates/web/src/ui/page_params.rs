//! Small helpers the lead and campaign pages share: ids from the path (a malformed one is
//! simply not found), query strings for links that keep a page's filters, times shown to
//! people, and form errors keyed by the form's field ids.

use super::render::UiError;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The id in a page's path; anything but a UUID is a page that does not exist.
pub(super) fn parse_id(raw: &str, what: &str) -> Result<Uuid, UiError> {
    Uuid::parse_str(raw)
        .map_err(|_| UiError::new(StatusCode::NOT_FOUND, format!("No such {what}.")))
}

/// `a=1&b=x%20y` from the pairs whose value is not empty (percent-encoded as a form would).
pub(super) fn query_string(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (name, value) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        for b in value.bytes() {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// `path` followed by the query string `query` (a page's filters, from [`query_string`]), if
/// any: the links of a filtered list page to itself, its next page and its export.
pub(super) fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

/// A time as people read it on a page, in UTC.
pub(super) fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The form field id of a validation error's field: `lead_magnet.url` → `lead_magnet_url`,
/// `trigger_words[2]` → `trigger_words`.
pub(super) fn field_id(field: &str) -> String {
    let base = field.split('[').next().unwrap_or(field);
    base.replace('.', "_")
}

/// Errors keyed by form field ids, several messages for one field joined.
pub(super) fn form_errors(errors: &[(String, String)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (field, message) in errors {
        // A sequence's fields each have their own id (`steps-1-delay_hours`).
        let (id, index) = match super::campaign_steps_form::error_id(field) {
            Some(id) => (id, None),
            None => (
                field_id(field),
                field
                    .split_once('[')
                    .and_then(|(_, rest)| rest.trim_end_matches(']').parse::<usize>().ok()),
            ),
        };
        let message = match index {
            Some(i) => format!("item {}: {message}", i + 1),
            None => message.clone(),
        };
        match out.iter_mut().find(|(f, _)| *f == id) {
            Some((_, m)) => {
                m.push_str("; ");
                m.push_str(&message);
            }
            None => out.push((id, message)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_encode_and_skip_empty_values() {
        assert_eq!(
            query_string(&[("q", "Ana & co"), ("stage", ""), ("to", "2025-01-02")]),
            "q=Ana%20%26%20co&to=2025-01-02"
        );
        assert_eq!(query_string(&[("q", "é")]), "q=%C3%A9");
    }

    #[test]
    fn errors_map_to_field_ids() {
        let errs = form_errors(&[
            ("lead_magnet.url".into(), "must be an http(s) URL".into()),
            (
                "trigger_words[1]".into(),
                "must contain a letter or digit".into(),
            ),
            ("trigger_words".into(), "too many".into()),
        ]);
        assert_eq!(
            errs[0],
            ("lead_magnet_url".into(), "must be an http(s) URL".into())
        );
        assert_eq!(
            errs[1],
            (
                "trigger_words".into(),
                "item 2: must contain a letter or digit; too many".into()
            )
        );
        assert!(parse_id("nope", "lead").is_err());
    }
}
