//! The rules of a CSV lead import, apart from reading CSV: which column holds which field
//! (guessed from the header row, overridable by the user), and whether one row makes a lead
//! (each problem named by field). The person's key in the workspace is their LinkedIn public
//! identifier (the `in/<id>` of the profile URL), which is also the provider id the sandbox
//! and the comment monitor give a commenter whose profile URL is that one, so an imported
//! person and the same person found commenting are one lead.

use crate::email::Email;
use crate::validation::FieldError;
use serde::{Deserialize, Serialize};

/// The longest name, company or title accepted.
const MAX_TEXT_CHARS: usize = 200;
/// The longest profile URL accepted.
const MAX_URL_CHARS: usize = 500;

/// The fields a column can be mapped to, in the order they are reported.
pub const FIELDS: [&str; 5] = ["name", "linkedin_url", "email", "company", "title"];

/// Which column (0-based) holds each field; `None` when the file has no such column.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = LeadImportMapping))]
#[serde(deny_unknown_fields)]
pub struct ColumnMapping {
    /// The person's full name (required).
    pub name: Option<usize>,
    /// Their LinkedIn profile URL (required).
    pub linkedin_url: Option<usize>,
    /// Their email.
    pub email: Option<usize>,
    /// Their company.
    pub company: Option<usize>,
    /// Their job title.
    pub title: Option<usize>,
}

/// Header words that name each field, compared after lower-casing and dropping everything
/// but letters.
const SYNONYMS: [(&str, &[&str]); 5] = [
    (
        "name",
        &["name", "fullname", "contactname", "person", "lead"],
    ),
    (
        "linkedin_url",
        &[
            "linkedinurl",
            "linkedin",
            "linkedinprofile",
            "linkedinprofileurl",
            "profileurl",
            "profile",
            "url",
        ],
    ),
    ("email", &["email", "emailaddress", "mail", "workemail"]),
    (
        "company",
        &[
            "company",
            "companyname",
            "organization",
            "organisation",
            "account",
        ],
    ),
    (
        "title",
        &["title", "jobtitle", "position", "role", "headline"],
    ),
];

impl ColumnMapping {
    /// Guesses the mapping from a header row: each field takes the first column whose
    /// header is one of its names.
    pub fn guess(headers: &[&str]) -> Self {
        let norm: Vec<String> = headers
            .iter()
            .map(|h| {
                h.chars()
                    .filter(char::is_ascii_alphabetic)
                    .map(|c| c.to_ascii_lowercase())
                    .collect()
            })
            .collect();
        let find = |field: &str| {
            let names = SYNONYMS.iter().find(|(f, _)| *f == field)?.1;
            norm.iter().position(|h| names.contains(&h.as_str()))
        };
        Self {
            name: find("name"),
            linkedin_url: find("linkedin_url"),
            email: find("email"),
            company: find("company"),
            title: find("title"),
        }
    }

    /// The problems of a mapping for a file of `columns` columns: the required fields are
    /// mapped, and every mapped column exists.
    pub fn check(&self, columns: usize) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for (field, column) in self.columns() {
            match column {
                None if matches!(field, "name" | "linkedin_url") => errors.push(FieldError {
                    field: format!("mapping.{field}"),
                    message: "no column is mapped to it (it is required)".into(),
                }),
                Some(c) if c >= columns => errors.push(FieldError {
                    field: format!("mapping.{field}"),
                    message: format!("column {c} does not exist (the file has {columns})"),
                }),
                _ => {}
            }
        }
        errors
    }

    fn columns(&self) -> [(&'static str, Option<usize>); 5] {
        [
            ("name", self.name),
            ("linkedin_url", self.linkedin_url),
            ("email", self.email),
            ("company", self.company),
            ("title", self.title),
        ]
    }
}

/// One row that makes a lead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedLead {
    /// The LinkedIn public identifier: the lead's provider id.
    pub provider_id: String,
    /// The profile URL, in its canonical form `https://www.linkedin.com/in/<id>`.
    pub linkedin_url: String,
    /// The name.
    pub name: String,
    /// The email, lower-cased.
    pub email: Option<String>,
    /// The company.
    pub company: Option<String>,
    /// The title.
    pub title: Option<String>,
}

/// The public identifier of a LinkedIn profile URL (`linkedin.com/in/<id>`, with or without
/// scheme, `www.` or a country subdomain, trailing slash, query or fragment): a public
/// identifier lower-cased (LinkedIn ignores its case), a member id (`ACoAA…`) as written.
pub fn profile_id(raw: &str) -> Option<String> {
    let s = raw.trim();
    let s = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .unwrap_or(s);
    let (host, path) = s.split_once('/')?;
    let host = host.to_ascii_lowercase();
    if host != "linkedin.com" && !host.ends_with(".linkedin.com") {
        return None;
    }
    let rest = path.strip_prefix("in/")?;
    let id = rest.split(['/', '?', '#']).next().unwrap_or("");
    let ok = !id.is_empty()
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == '%');
    let canonical = if crate::linkedin_id::is_member_id(id) {
        id.to_owned()
    } else {
        id.to_lowercase()
    };
    ok.then_some(canonical)
}

impl ImportedLead {
    /// Reads one record by `mapping` (already checked against the file), or says what is
    /// wrong with each field.
    pub fn parse(record: &[&str], mapping: &ColumnMapping) -> Result<Self, Vec<FieldError>> {
        let cell = |c: Option<usize>| {
            c.and_then(|c| record.get(c))
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
        };
        let mut errors = Vec::new();
        let mut fail = |field: &str, message: &str| {
            errors.push(FieldError {
                field: field.into(),
                message: message.into(),
            });
        };
        let name = cell(mapping.name);
        match name {
            None => fail("name", "is empty"),
            Some(n) if n.chars().count() > MAX_TEXT_CHARS => fail("name", "is over 200 characters"),
            _ => {}
        }
        let url = cell(mapping.linkedin_url);
        let id = match url {
            None => {
                fail("linkedin_url", "is empty");
                None
            }
            Some(u) if u.chars().count() > MAX_URL_CHARS => {
                fail("linkedin_url", "is over 500 characters");
                None
            }
            Some(u) => {
                let id = profile_id(u);
                if id.is_none() {
                    fail(
                        "linkedin_url",
                        "is not a LinkedIn profile URL (linkedin.com/in/...)",
                    );
                }
                id
            }
        };
        let email = match cell(mapping.email) {
            None => None,
            Some(e) => match Email::parse("email", e) {
                Ok(e) => Some(e.as_str().to_lowercase()),
                Err(_) => {
                    fail("email", "is not an email address");
                    None
                }
            },
        };
        let mut short = |field: &str, v: Option<&str>| match v {
            Some(v) if v.chars().count() > MAX_TEXT_CHARS => {
                fail(field, "is over 200 characters");
                None
            }
            v => v.map(str::to_owned),
        };
        let company = short("company", cell(mapping.company));
        let title = short("title", cell(mapping.title));
        match (name, id) {
            (Some(name), Some(id)) if errors.is_empty() => Ok(Self {
                linkedin_url: format!("https://www.linkedin.com/in/{id}"),
                provider_id: id,
                name: name.to_owned(),
                email,
                company,
                title,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_guessed_loosely() {
        let m = ColumnMapping::guess(&["Full Name", "E-mail", "LinkedIn Profile URL", "Job Title"]);
        assert_eq!(
            m,
            ColumnMapping {
                name: Some(0),
                linkedin_url: Some(2),
                email: Some(1),
                company: None,
                title: Some(3),
            }
        );
        assert_eq!(ColumnMapping::guess(&["a", "b"]), ColumnMapping::default());
    }

    #[test]
    fn a_mapping_needs_name_and_profile_in_range() {
        let m = ColumnMapping {
            name: Some(0),
            email: Some(5),
            ..ColumnMapping::default()
        };
        let fields: Vec<String> = m.check(2).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["mapping.linkedin_url", "mapping.email"]);
    }

    #[test]
    fn profile_ids_are_canonical() {
        for url in [
            "https://www.linkedin.com/in/Jane-Doe/",
            "linkedin.com/in/jane-doe?trk=x",
            "http://uk.linkedin.com/in/jane-doe#about",
        ] {
            assert_eq!(profile_id(url).as_deref(), Some("jane-doe"), "{url}");
        }
        // A member id (as in the URLs RevOS exports for commenters) keeps its case.
        assert_eq!(
            profile_id("https://www.linkedin.com/in/ACoAAB1xYz/").as_deref(),
            Some("ACoAAB1xYz")
        );
        for bad in [
            "https://example.com/in/jane",
            "https://www.linkedin.com/company/acme",
            "jane",
            "https://www.linkedin.com/in/",
            "https://www.linkedin.com/in/a b",
        ] {
            assert_eq!(profile_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn rows_report_every_bad_field() {
        let m = ColumnMapping::guess(&["name", "linkedin", "email"]);
        let ok = ImportedLead::parse(&["Jane", "linkedin.com/in/jane", "Jane@X.io"], &m).unwrap();
        assert_eq!(ok.provider_id, "jane");
        assert_eq!(ok.email.as_deref(), Some("jane@x.io"));
        let errs = ImportedLead::parse(&["", "nope", "not-mail"], &m).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "linkedin_url", "email"]);
        // A short row: its missing cells are empty.
        let errs = ImportedLead::parse(&["Jane"], &m).unwrap_err();
        assert_eq!(errs[0].field, "linkedin_url");
    }
}
