//! How a post is shown on the approval queue and on its own page: rendered like a LinkedIn
//! post under its cartridge's (client's) name, with the moves its status allows, and with the
//! names of the cartridges, accounts and people it refers to looked up once per page.

use super::page_params::when;
use super::render::UiError;
use super::session::Signed;
use crate::state::AppState;
use chrono::{DateTime, NaiveDateTime, Utc};
use minijinja::{Value, context};
use revos_app::posts::{Post, PostTransition};
use revos_domain::post::{PostMove, PostStatus};
use revos_domain::{PageRequest, ValidationErrors};
use std::collections::HashMap;
use uuid::Uuid;

/// Every item of a list in one page.
pub(super) const ALL: PageRequest = PageRequest {
    limit: PageRequest::MAX_LIMIT,
    after: None,
};

/// A person-readable name of a status.
pub(super) fn status_label(s: PostStatus) -> &'static str {
    match s {
        PostStatus::Draft => "Draft",
        PostStatus::PendingApproval => "Pending approval",
        PostStatus::Approved => "Approved",
        PostStatus::Rejected => "Rejected",
        PostStatus::Scheduled => "Scheduled",
        PostStatus::Published => "Published",
    }
}

/// Reads a `datetime-local` value as a UTC time; the error names `field`.
pub(super) fn parse_local_time(field: &str, raw: &str) -> Result<DateTime<Utc>, UiError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(invalid(field, "choose a date and time (UTC)"));
    }
    [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
    .map(|t| t.and_utc())
    .ok_or_else(|| invalid(field, "must be a date and time like 2025-06-30T09:00 (UTC)"))
}

/// Reads an optional id chosen in a select; the error names `field`.
pub(super) fn parse_optional_id(field: &str, raw: &str) -> Result<Option<Uuid>, UiError> {
    match raw.trim() {
        "" => Ok(None),
        s => Uuid::parse_str(s)
            .map(Some)
            .map_err(|_| invalid(field, "is not one of the choices")),
    }
}

/// A 422 naming `field`, as the app's validation errors are.
pub(super) fn invalid(field: &str, message: &str) -> UiError {
    UiError::from(revos_app::AppError::from(ValidationErrors::single(
        field, message,
    )))
}

/// The names a page of posts refers to, read once.
pub(super) struct Lookups {
    cartridges: Vec<(Uuid, String)>,
    accounts: Vec<(Uuid, String, bool)>,
    campaigns: Vec<(Uuid, String, bool)>,
    people: HashMap<Uuid, String>,
}

impl Lookups {
    /// Reads the caller's cartridges, LinkedIn accounts, campaigns and members.
    pub async fn load(state: &AppState, signed: &Signed) -> Result<Self, UiError> {
        let app = &state.app;
        let who = &signed.who;
        let cartridges = app
            .list_cartridges(who, ALL)
            .await?
            .items
            .into_iter()
            .map(|c| (c.id.0, c.spec.name))
            .collect();
        let accounts = app
            .list_accounts(who, ALL)
            .await?
            .items
            .into_iter()
            .map(|a| (a.id, a.display_name, a.sandbox))
            .collect();
        let campaigns = app
            .list_campaigns(who, None, ALL)
            .await?
            .items
            .into_iter()
            .map(|c| (c.id, c.spec.name, c.sandbox))
            .collect();
        let people = app
            .list_members(who, ALL)
            .await?
            .items
            .into_iter()
            .map(|m| (m.user_id.0, m.email))
            .collect();
        Ok(Self {
            cartridges,
            accounts,
            campaigns,
            people,
        })
    }

    /// The cartridges, for a select.
    pub fn cartridge_options(&self) -> Vec<Value> {
        self.cartridges
            .iter()
            .map(|(id, name)| context! { id => id.to_string(), name => name })
            .collect()
    }

    /// The LinkedIn accounts, for a select.
    pub fn account_options(&self) -> Vec<Value> {
        self.accounts
            .iter()
            .map(|(id, name, sandbox)| context! { id => id.to_string(), name => name, sandbox => sandbox })
            .collect()
    }

    /// The campaigns, for a select.
    pub fn campaign_options(&self) -> Vec<Value> {
        self.campaigns
            .iter()
            .map(|(id, name, sandbox)| context! { id => id.to_string(), name => name, sandbox => sandbox })
            .collect()
    }

    /// Who a user id is, for a history line.
    pub fn person(&self, id: Option<Uuid>) -> String {
        match id {
            None => "RevOS".to_owned(),
            Some(id) => self
                .people
                .get(&id)
                .cloned()
                .unwrap_or_else(|| "a former member".to_owned()),
        }
    }

    fn cartridge(&self, id: Option<Uuid>) -> Option<&str> {
        let id = id?;
        self.cartridges
            .iter()
            .find(|(c, _)| *c == id)
            .map(|(_, n)| n.as_str())
    }

    fn account(&self, id: Option<Uuid>) -> Option<&(Uuid, String, bool)> {
        let id = id?;
        self.accounts.iter().find(|(a, _, _)| *a == id)
    }

    fn campaign(&self, id: Option<Uuid>) -> Option<&(Uuid, String, bool)> {
        let id = id?;
        self.campaigns.iter().find(|(c, _, _)| *c == id)
    }
}

/// A post for a template: its text and status, the names it refers to, and which moves it
/// allows to a viewer with `role` (a client: approving and rejecting only).
pub(super) fn post_ctx(p: &Post, names: &Lookups, role: revos_domain::Role) -> Value {
    let agency = !role.is_client();
    let client = names.cartridge(p.cartridge_id).unwrap_or("No cartridge");
    let initial = client
        .chars()
        .find(|c| c.is_alphanumeric())
        .map(|c| c.to_uppercase().to_string())
        .unwrap_or_else(|| "?".to_owned());
    let account = names.account(p.linkedin_account_id);
    let campaign = names.campaign(p.campaign_id);
    let allows = |m: PostMove| p.status.apply(m).is_ok();
    let agency_allows = |m: PostMove| agency && allows(m);
    context! {
        id => p.id.to_string(),
        status => p.status.as_str(),
        status_label => status_label(p.status),
        body => p.body.clone(),
        preview => Value::from(minijinja::value::Serde(revos_domain::post_preview::preview(&p.body))),
        draft_body => p.draft_body.clone().filter(|d| *d != p.body),
        client => client,
        initial => initial,
        cartridge_id => p.cartridge_id.map(|c| c.to_string()),
        // The cartridge and campaign pages are the agency's: a client sees their names only.
        link_refs => agency,
        sandbox => p.sandbox || account.is_some_and(|a| a.2),
        account_id => account.map(|a| a.0.to_string()),
        account => account.map(|a| a.1.clone()),
        campaign_id => campaign.map(|c| c.0.to_string()),
        campaign => campaign.map(|c| c.1.clone()),
        approved_edited => p.approved_edited,
        rejection_reason => p.rejection_reason.clone(),
        created_at => when(p.created_at),
        updated_at => when(p.updated_at),
        scheduled_at => p.scheduled_at.map(when),
        scheduled_input => p.scheduled_at.map(|t| t.format("%Y-%m-%dT%H:%M").to_string()),
        published_at => p.published_at.map(when),
        url => p.url.clone(),
        metrics => context! {
            reactions => p.metrics.reactions, comments => p.metrics.comments,
            reposts => p.metrics.reposts, impressions => p.metrics.impressions,
            refreshed_at => p.metrics.refreshed_at.map(when),
        },
        can => context! {
            edit => agency && p.status.is_editable(),
            submit => agency_allows(PostMove::Submit),
            approve => allows(PostMove::Approve),
            reject => allows(PostMove::Reject),
            approve_allowed => role.can_approve(),
            revise => agency_allows(PostMove::Revise),
            schedule => agency_allows(PostMove::Schedule),
            unschedule => agency_allows(PostMove::Unschedule),
            publish => agency_allows(PostMove::Publish),
        },
    }
}

/// A post's history for a template, oldest first.
pub(super) fn history_ctx(history: &[PostTransition], names: &Lookups) -> Vec<Value> {
    history
        .iter()
        .map(|h| {
            context! {
                who => h.actor_label.clone().unwrap_or_else(|| names.person(h.actor_id)),
                from => h.from.map(status_label),
                to => status_label(h.to),
                reason => h.reason.clone(),
                at => when(h.at),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn local_times_are_read_as_utc() {
        let t = parse_local_time("at", "2030-01-02T03:04").unwrap();
        assert_eq!(t.to_rfc3339(), "2030-01-02T03:04:00+00:00");
        let t = parse_local_time("at", " 2030-01-02T03:04:05 ").unwrap();
        assert_eq!(t.to_rfc3339(), "2030-01-02T03:04:05+00:00");
        for bad in ["", "tomorrow", "2030-13-01T00:00"] {
            let e = parse_local_time("at", bad).unwrap_err();
            assert_eq!(e.status(), StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(e.field_errors()[0].0, "at");
        }
    }

    #[test]
    fn optional_ids_name_their_field() {
        assert_eq!(parse_optional_id("x", " ").unwrap(), None);
        let id = Uuid::now_v7();
        assert_eq!(parse_optional_id("x", &id.to_string()).unwrap(), Some(id));
        assert_eq!(
            parse_optional_id("x", "nope").unwrap_err().field_errors()[0].0,
            "x"
        );
    }
}
