//! The CSV import on a campaign's page, with plain forms: upload the file; see each of its
//! columns with the field it was guessed to hold (a select per column, changeable), the
//! first rows and what an import would do (a dry run); import; see the counts and each bad
//! row's line, field and message. The file is posted again with each step (as a hidden
//! field of the mapping form) rather than stored between steps: nothing is kept on the
//! server for an import that is never finished, and every step runs the same use case as
//! the API on the same bytes.

use super::page_params::parse_id;
use super::render::{UiError, page};
use super::session::Signed;
use super::upload_form;
use crate::state::AppState;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use revos_app::lead_import::{ImportReport, preview_csv};
use revos_domain::lead_import::{ColumnMapping, FIELDS};
use uuid::Uuid;

/// The import's pages.
pub(super) fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new().route(
        "/campaigns/{id}/import",
        get(upload_form_page)
            .post(step)
            .layer(DefaultBodyLimit::disable()),
    )
}

/// How many of the file's rows the mapping step shows.
const PREVIEW_ROWS: usize = 5;

/// The fields a column can hold, with their labels, in the selects' order.
const FIELD_LABELS: [(&str, &str); 5] = [
    ("name", "Name (required)"),
    ("linkedin_url", "LinkedIn profile URL (required)"),
    ("email", "Email"),
    ("company", "Company"),
    ("title", "Job title"),
];

/// The column a mapping gives `field`.
fn column_of(m: &ColumnMapping, field: &str) -> Option<usize> {
    match field {
        "name" => m.name,
        "linkedin_url" => m.linkedin_url,
        "email" => m.email,
        "company" => m.company,
        "title" => m.title,
        _ => None,
    }
}

/// The mapping the per-column selects (`column_0`, `column_1`, …) chose, or the fields
/// chosen for more than one column; `None` when the form has no selects (the first step).
fn chosen_mapping(
    form: &upload_form::UploadForm,
) -> Option<Result<ColumnMapping, Vec<(String, String)>>> {
    let mut chosen: Vec<(usize, String)> = form
        .fields
        .iter()
        .filter_map(|(k, v)| {
            let i = k.strip_prefix("column_")?.parse::<usize>().ok()?;
            Some((i, v.trim().to_owned()))
        })
        .collect();
    if chosen.is_empty() {
        return None;
    }
    chosen.sort();
    let mut m = ColumnMapping::default();
    let mut errors = Vec::new();
    for field in FIELDS {
        let columns: Vec<usize> = chosen
            .iter()
            .filter(|(_, f)| f == field)
            .map(|(i, _)| *i)
            .collect();
        if columns.len() > 1 {
            errors.push((
                format!("mapping.{field}"),
                "is chosen for more than one column".to_owned(),
            ));
        }
        let first = columns.first().copied();
        match field {
            "name" => m.name = first,
            "linkedin_url" => m.linkedin_url = first,
            "email" => m.email = first,
            "company" => m.company = first,
            _ => m.title = first,
        }
    }
    Some(if errors.is_empty() {
        Ok(m)
    } else {
        Err(errors)
    })
}

/// What the import page shows.
enum View<'a> {
    /// The upload form, with what was wrong with the last upload.
    Upload,
    /// The mapping step: the file's columns and first rows, the dry run's report (when the
    /// mapping could run), the file itself to post again.
    Mapping {
        csv: &'a str,
        mapping: Option<ColumnMapping>,
        report: Option<ImportReport>,
    },
    /// What the import did.
    Result(ImportReport),
}

/// Renders the import page of `campaign` in `view`, with `errors`.
async fn render(
    state: &AppState,
    signed: &Signed,
    campaign: Uuid,
    view: View<'_>,
    errors: Vec<(String, String)>,
) -> Result<Response, UiError> {
    let c = state.app.get_campaign(&signed.who, campaign).await?;
    let report_ctx = |r: &ImportReport| {
        context! {
            rows => r.rows, imported => r.imported, duplicates => r.duplicates,
            do_not_contact => r.do_not_contact, invalid => r.invalid,
            errors => Value::from(Serde(&r.errors)), listed_all => r.errors.len() as u64 >= r.invalid,
        }
    };
    let mut ctx = context! {
        campaign => context! { id => campaign.to_string(), name => c.spec.name.clone() },
        errors => Value::from(Serde(&errors)),
        action => format!("/campaigns/{campaign}/import"),
    };
    match view {
        View::Upload => {
            ctx = context! { step => "upload", ..ctx };
        }
        View::Mapping {
            csv,
            mapping,
            report,
        } => {
            let preview = preview_csv(csv.as_bytes(), PREVIEW_ROWS).unwrap_or_default();
            // The mapping chosen, else the one the dry run used, else the guess from the
            // headers (when the guess itself could not run).
            let names: Vec<&str> = preview.columns.iter().map(String::as_str).collect();
            let mapping = mapping
                .or_else(|| report.as_ref().map(|r| r.mapping.clone()))
                .unwrap_or_else(|| ColumnMapping::guess(&names));
            let columns: Vec<Value> = preview
                .columns
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let field = FIELDS
                        .into_iter()
                        .find(|f| column_of(&mapping, f) == Some(i))
                        .unwrap_or("");
                    context! { index => i, name => name, field => field }
                })
                .collect();
            let fields: Vec<Value> = FIELD_LABELS
                .iter()
                .map(|&(key, label)| context! { key => key, label => label })
                .collect();
            ctx = context! {
                step => "mapping", csv => csv, columns => columns, fields => fields,
                rows => preview.rows, report => report.as_ref().map(report_ctx), ..ctx
            };
        }
        View::Result(r) => {
            ctx = context! { step => "result", report => report_ctx(&r), ..ctx };
        }
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = page(state, signed, "lead_import.html", "campaigns", ctx).await?;
    Ok((status, html).into_response())
}

/// `GET /campaigns/{id}/import`: the upload form.
pub(super) async fn upload_form_page(
    State(state): State<AppState>,
    signed: Signed,
    Path(raw): Path<String>,
) -> Result<Response, UiError> {
    let campaign = parse_id(&raw, "campaign")?;
    render(&state, &signed, campaign, View::Upload, Vec::new()).await
}

/// The errors of a failed use case that the page shows by field (input errors, and the
/// campaign's state as the `file`'s problem); any other failure is the error page.
fn shown_errors(err: revos_app::AppError) -> Result<Vec<(String, String)>, UiError> {
    let e = UiError::from(err);
    match e.status() {
        StatusCode::UNPROCESSABLE_ENTITY => Ok(e.field_errors().to_vec()),
        StatusCode::CONFLICT => Ok(vec![("file".into(), e.message().to_owned())]),
        _ => Err(e),
    }
}

/// `POST /campaigns/{id}/import`: the next step. A chosen `file` (or the posted-again
/// `csv`) with `step=import` imports; otherwise the mapping step is shown with a dry run.
pub(super) async fn step(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(raw): Path<String>,
    form: Multipart,
) -> Result<Response, UiError> {
    let limit = state.app.max_upload_bytes();
    let form = upload_form::read(form, limit).await?;
    signed.check_form(&headers, &form.field("_csrf"))?;
    let campaign = parse_id(&raw, "campaign")?;
    let csv = match &form.file {
        Some(f) => match String::from_utf8(f.bytes.to_vec()) {
            Ok(text) => text,
            Err(_) => {
                let errors = vec![("file".into(), "must be a UTF-8 text file".into())];
                return render(&state, &signed, campaign, View::Upload, errors).await;
            }
        },
        None => form.field("csv"),
    };
    if csv.trim().is_empty() {
        let errors = vec![("file".into(), "choose a CSV file".into())];
        return render(&state, &signed, campaign, View::Upload, errors).await;
    }
    if csv.len() as u64 > limit {
        return Err(UiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the file is larger than the limit of {limit} bytes"),
        ));
    }
    if let Err(e) = preview_csv(csv.as_bytes(), 0) {
        let errors = shown_errors(e)?;
        return render(&state, &signed, campaign, View::Upload, errors).await;
    }
    let mapping = match chosen_mapping(&form) {
        None => None,
        Some(Ok(m)) => Some(m),
        Some(Err(errors)) => {
            let view = View::Mapping {
                csv: &csv,
                mapping: None,
                report: None,
            };
            return render(&state, &signed, campaign, view, errors).await;
        }
    };
    let import = form.field("step") == "import";
    let result = state
        .app
        .import_leads(
            &signed.who,
            campaign,
            csv.as_bytes(),
            mapping.clone(),
            !import,
        )
        .await;
    match result {
        Ok(report) if import => {
            render(&state, &signed, campaign, View::Result(report), Vec::new()).await
        }
        Ok(report) => {
            let view = View::Mapping {
                csv: &csv,
                mapping,
                report: Some(report),
            };
            render(&state, &signed, campaign, view, Vec::new()).await
        }
        Err(e) => {
            let errors = shown_errors(e)?;
            let view = if errors.iter().any(|(f, _)| f == "file") {
                View::Upload
            } else {
                View::Mapping {
                    csv: &csv,
                    mapping,
                    report: None,
                }
            };
            render(&state, &signed, campaign, view, errors).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn form(pairs: &[(&str, &str)]) -> upload_form::UploadForm {
        upload_form::UploadForm {
            fields: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<HashMap<_, _>>(),
            file: None,
        }
    }

    #[test]
    fn the_selects_make_the_mapping_and_a_field_twice_is_named() {
        assert!(chosen_mapping(&form(&[("csv", "a")])).is_none());
        let m = chosen_mapping(&form(&[
            ("column_0", "linkedin_url"),
            ("column_1", ""),
            ("column_2", "name"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!((m.name, m.linkedin_url, m.email), (Some(2), Some(0), None));
        let twice = chosen_mapping(&form(&[("column_0", "name"), ("column_1", "name")]))
            .unwrap()
            .unwrap_err();
        assert_eq!(twice[0].0, "mapping.name");
    }
}
