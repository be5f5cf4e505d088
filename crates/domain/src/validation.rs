//! Field-level validation errors. Every parse in the domain reports the field it was given,
//! so that the API can answer 422 with `details` naming each offending field.

use serde::Serialize;

/// One problem with one input field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// Dotted path of the field, e.g. `writing_style.vocabulary_level`.
    pub field: String,
    /// What is wrong, in words a person can act on.
    pub message: String,
}

/// All the problems found in one input; never empty when returned as an error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {}", self.summary())]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    /// An error about a single field.
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// `field: message; field: message` for one-line display.
    pub fn summary(&self) -> String {
        self.0
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Collects field errors while a whole input is checked, so one response lists them all.
#[derive(Debug, Default)]
pub struct Collector {
    errors: Vec<FieldError>,
}

impl Collector {
    /// Records a problem with `field`.
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Checks that a text's length in characters lies in `min..=max`.
    pub fn text(&mut self, field: &str, value: &str, min: usize, max: usize) {
        let len = value.chars().count();
        if value.trim().is_empty() && min > 0 {
            self.push(field, "must not be empty");
        } else if len < min {
            self.push(field, format!("must be at least {min} characters"));
        } else if len > max {
            self.push(
                field,
                format!("must be at most {max} characters (got {len})"),
            );
        }
        if value.chars().any(|c| c == '\0') {
            self.push(field, "must not contain NUL characters");
        }
    }

    /// Checks a list's size and each item's length.
    pub fn list(&mut self, field: &str, values: &[String], max_items: usize, max_len: usize) {
        if values.len() > max_items {
            self.push(
                field,
                format!("must have at most {max_items} items (got {})", values.len()),
            );
        }
        for (i, v) in values.iter().enumerate() {
            self.text(&format!("{field}[{i}]"), v, 1, max_len);
        }
    }

    /// Adds the errors of a nested parse under its own field names.
    pub fn merge(&mut self, other: ValidationErrors) {
        self.errors.extend(other.0);
    }

    /// Adds the errors of a later check about fields not named yet: a field already reported
    /// (say, as not a number) is not reported again for what follows from it.
    pub fn merge_unnamed(&mut self, other: ValidationErrors) {
        let named: Vec<String> = self.errors.iter().map(|e| e.field.clone()).collect();
        self.errors
            .extend(other.0.into_iter().filter(|e| !named.contains(&e.field)));
    }

    /// `Ok(())` when nothing was recorded.
    pub fn finish(self) -> Result<(), ValidationErrors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors(self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collector_reports_every_field() {
        let mut c = Collector::default();
        c.text("name", "", 1, 10);
        c.text("title", &"x".repeat(11), 1, 10);
        c.text("ok", "fine", 1, 10);
        let err = c.finish().unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "title"]);
    }

    #[test]
    fn later_checks_add_only_fields_not_yet_named() {
        let mut c = Collector::default();
        c.push("hourly_cap", "must be a whole number of at least 0");
        let later = ValidationErrors(vec![
            FieldError {
                field: "hourly_cap".into(),
                message: "must be between 1 and 1000".into(),
            },
            FieldError {
                field: "window_end".into(),
                message: "must be later than window_start".into(),
            },
        ]);
        c.merge_unnamed(later);
        let err = c.finish().unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["hourly_cap", "window_end"]);
        assert_eq!(err.0[0].message, "must be a whole number of at least 0");
    }

    #[test]
    fn nul_is_rejected() {
        let mut c = Collector::default();
        c.text("name", "a\0b", 1, 10);
        assert!(c.finish().is_err());
    }
}
