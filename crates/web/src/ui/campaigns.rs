//! The campaign pages: the list, the create and edit forms (field errors beside each field),
//! and one campaign with its lifecycle buttons, funnel, its account's pacing and what is
//! queued next. Every change goes through the same use cases as the API.

use super::campaign_form::{CampaignForm, EMAIL_PROVIDERS};
use super::campaign_steps_form::CONDITIONS;
use super::pacing_view::pacing_now;
use super::page_params::{parse_id, when};
use super::render::{UiError, page};
use super::session::Signed;
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use revos_app::campaigns::{Campaign, Transition};
use revos_app::step_stats::SequenceStats;
use revos_domain::PageRequest;
use revos_domain::campaign::CampaignStatus;
use revos_domain::lead::LeadStage;
use revos_domain::sequence::StepCondition;
use serde::Deserialize;

/// Everything a list may hold on one page.
const ALL: PageRequest = PageRequest {
    limit: PageRequest::MAX_LIMIT,
    after: None,
};

/// The lifecycle steps a campaign in `status` can take, as (step, button label).
fn steps(status: CampaignStatus) -> &'static [(&'static str, &'static str)] {
    match status {
        CampaignStatus::Draft => &[("activate", "Activate"), ("complete", "Complete")],
        CampaignStatus::Active => &[("pause", "Pause"), ("complete", "Complete")],
        CampaignStatus::Paused => &[("resume", "Resume"), ("complete", "Complete")],
        CampaignStatus::Completed => &[],
    }
}

/// `GET /campaigns`.
pub(super) async fn list(
    State(state): State<AppState>,
    signed: Signed,
) -> Result<Response, UiError> {
    let app = &state.app;
    let campaigns = app.list_campaigns(&signed.who, None, ALL).await?.items;
    let accounts = app.list_accounts(&signed.who, ALL).await?.items;
    let rows: Vec<Value> = campaigns
        .iter()
        .map(|c| {
            let account = accounts
                .iter()
                .find(|a| a.id == c.spec.linkedin_account_id)
                .map(|a| a.display_name.clone());
            context! {
                id => c.id.to_string(), name => c.spec.name.clone(), status => c.status.as_str(),
                sandbox => c.sandbox, account => account, triggers => c.spec.trigger_words.join(", "),
                created => when(c.created_at),
            }
        })
        .collect();
    Ok(page(
        &state,
        &signed,
        "campaigns.html",
        "campaigns",
        context! { campaigns => rows },
    )
    .await?
    .into_response())
}

/// Renders the create or edit form with `form`'s values and `errors` beside the fields.
async fn form_page(
    state: &AppState,
    signed: &Signed,
    editing: Option<&Campaign>,
    form: &CampaignForm,
    errors: &[(String, String)],
    status: StatusCode,
) -> Result<Response, UiError> {
    let accounts: Vec<Value> = state
        .app
        .list_accounts(&signed.who, ALL)
        .await?
        .items
        .iter()
        .map(|a| context! { id => a.id.to_string(), name => a.display_name.clone(), sandbox => a.sandbox, status => a.status.as_str() })
        .collect();
    let magnets: Vec<Value> = state
        .app
        .list_lead_magnets(&signed.who, ALL)
        .await?
        .items
        .iter()
        .map(|m| context! { id => m.id.to_string(), title => m.title.clone() })
        .collect();
    let providers: Vec<Value> = EMAIL_PROVIDERS
        .iter()
        .map(|&(key, label)| context! { key => key, label => label })
        .collect();
    let (action, title) = match editing {
        Some(c) => (
            format!("/campaigns/{}/edit", c.id),
            format!("Edit {}", c.spec.name),
        ),
        None => ("/campaigns/new".to_owned(), "New campaign".to_owned()),
    };
    let html = page(
        state,
        signed,
        "campaign_form.html",
        "campaigns",
        context! {
            form => Value::from(Serde(form)), errors => Value::from(Serde(errors)),
            accounts => accounts, magnets => magnets, providers => providers, action => action, title => title,
            campaign_id => editing.map(|c| c.id.to_string()),
            variables => revos_domain::campaign::DM_VARIABLES.join(", "),
            conditions => CONDITIONS.iter().map(|&(key, label)| context! { key => key, label => label }).collect::<Vec<_>>(),
            max_steps => revos_domain::sequence::MAX_STEPS, max_variants => revos_domain::sequence::MAX_VARIANTS,
        },
    )
    .await?;
    Ok((status, html).into_response())
}

/// `GET /campaigns/new`.
pub(super) async fn new_form(
    State(state): State<AppState>,
    signed: Signed,
) -> Result<Response, UiError> {
    form_page(
        &state,
        &signed,
        None,
        &CampaignForm::blank(),
        &[],
        StatusCode::OK,
    )
    .await
}

/// Runs `save` with the form's spec; on invalid input, the form again with each field's
/// message (422); on success, to the campaign's page. A sequence editor button (add or
/// remove a step or a text) saves nothing: the form is shown again, changed.
async fn save_form<F, Fut>(
    state: &AppState,
    signed: &Signed,
    editing: Option<&Campaign>,
    mut form: CampaignForm,
    save: F,
) -> Result<Response, UiError>
where
    F: FnOnce(revos_domain::campaign::CampaignSpec) -> Fut,
    Fut: std::future::Future<Output = revos_app::Result<Campaign>>,
{
    form.read_steps();
    form.show_steps_of(editing.map(|c| &c.spec));
    if form.apply_steps_action() {
        return form_page(state, signed, editing, &form, &[], StatusCode::OK).await;
    }
    let spec = match form.to_spec() {
        Ok(spec) => spec,
        Err(errors) => {
            return form_page(
                state,
                signed,
                editing,
                &form,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match save(spec).await {
        Ok(c) => Ok(Redirect::to(&format!("/campaigns/{}", c.id)).into_response()),
        Err(err) => {
            let e = UiError::from(err);
            if e.status() == StatusCode::UNPROCESSABLE_ENTITY {
                let errors = super::page_params::form_errors(e.field_errors());
                form_page(state, signed, editing, &form, &errors, e.status()).await
            } else {
                Err(e)
            }
        }
    }
}

/// `POST /campaigns/new`: creates a draft campaign.
pub(super) async fn create(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<CampaignForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let app = state.app.clone();
    let who = signed.who.clone();
    save_form(&state, &signed, None, form, |spec| async move {
        app.create_campaign(&who, spec).await
    })
    .await
}

/// `GET /campaigns/{id}/edit`.
pub(super) async fn edit_form(
    State(state): State<AppState>,
    signed: Signed,
    Path(raw): Path<String>,
) -> Result<Response, UiError> {
    let id = parse_id(&raw, "campaign")?;
    let campaign = state.app.get_campaign(&signed.who, id).await?;
    if campaign.status == CampaignStatus::Completed {
        return Err(UiError::new(
            StatusCode::CONFLICT,
            "A completed campaign cannot be edited.",
        ));
    }
    let form = CampaignForm::from_spec(&campaign.spec);
    form_page(&state, &signed, Some(&campaign), &form, &[], StatusCode::OK).await
}

/// `POST /campaigns/{id}/edit`: replaces the campaign's fields.
pub(super) async fn update(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Form(form): Form<CampaignForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let id = parse_id(&raw, "campaign")?;
    let campaign = state.app.get_campaign(&signed.who, id).await?;
    let app = state.app.clone();
    let who = signed.who.clone();
    save_form(&state, &signed, Some(&campaign), form, |spec| async move {
        app.update_campaign(&who, id, spec).await
    })
    .await
}

/// A lifecycle button's fields.
#[derive(Deserialize)]
pub(super) struct StepForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    step: String,
}

/// `POST /campaigns/{id}/transition`: activate, pause, resume or complete.
pub(super) async fn transition(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Form(form): Form<StepForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let id = parse_id(&raw, "campaign")?;
    let step = match form.step.as_str() {
        "activate" => Transition::Activate,
        "pause" => Transition::Pause,
        "resume" => Transition::Resume,
        "complete" => Transition::Complete,
        _ => {
            return Err(UiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Choose activate, pause, resume or complete.",
            ));
        }
    };
    state.app.transition_campaign(&signed.who, id, step).await?;
    Ok(Redirect::to(&format!("/campaigns/{id}")).into_response())
}

/// A reply rate as a percentage, `—` before anything was sent.
fn percent(rate: Option<f64>) -> String {
    rate.map_or("—".into(), |r| format!("{:.1}%", r * 100.0))
}

/// The rows of the campaign page's sequence table: each step (its delay, condition and
/// figures) with a row per variant (its text and figures).
fn sequence_rows(c: &Campaign, stats: &SequenceStats) -> Vec<Value> {
    stats
        .steps
        .iter()
        .map(|s| {
            let spec = c.spec.steps.iter().find(|x| x.id == s.step_id);
            let variants: Vec<Value> = s
                .variants
                .iter()
                .map(|v| {
                    let text = spec
                        .and_then(|x| x.variants.iter().find(|w| w.id == v.variant_id))
                        .map(|w| (w.template.clone(), w.weight));
                    context! {
                        id => v.variant_id.clone(), sent => v.sent, replied => v.replied,
                        rate => percent(v.reply_rate),
                        template => text.as_ref().map(|t| t.0.clone()), weight => text.map(|t| t.1),
                    }
                })
                .collect();
            context! {
                id => s.step_id.clone(), position => s.position,
                delay_hours => spec.map(|x| x.delay_hours),
                condition => spec.map(|x| condition_label(x.condition)),
                sent => s.sent, replied => s.replied, rate => percent(s.reply_rate),
                variants => variants,
            }
        })
        .collect()
}

/// How the page names a step's condition.
fn condition_label(c: StepCondition) -> &'static str {
    match c {
        StepCondition::NoReply => "if no reply",
        StepCondition::Connected => "if no reply and connected",
        StepCondition::OpenedMagnet => "if no reply and the magnet was opened",
    }
}

/// `GET /campaigns/{id}`: the campaign, its buttons, funnel, sequence, pacing and queue.
pub(super) async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Path(raw): Path<String>,
) -> Result<Response, UiError> {
    let id = parse_id(&raw, "campaign")?;
    let app = &state.app;
    let c = app.get_campaign(&signed.who, id).await?;
    let funnel = app.campaign_funnel(&signed.who, id).await?;
    let sequence = sequence_rows(&c, &app.sequence_stats(&signed.who, id).await?);
    let queue = app.campaign_queue(&signed.who, &c).await?;
    let cartridge = match c.spec.cartridge_id {
        Some(cid) => app
            .get_cartridge(&signed.who, revos_domain::CartridgeId(cid))
            .await
            .ok()
            .map(|k| context! { id => cid.to_string(), name => k.spec.name }),
        None => None,
    };
    let counts = &funnel.counts;
    let funnel_rows = [
        (LeadStage::Scraped.as_str(), "Scraped", counts.scraped),
        (LeadStage::Enriched.as_str(), "Enriched", counts.enriched),
        (LeadStage::DmSent.as_str(), "DM sent", counts.dm_sent),
        // Not a stage: leads who opened the tracked lead-magnet link.
        ("opened", "Opened", counts.opened),
        (LeadStage::Replied.as_str(), "Replied", counts.replied),
        (
            LeadStage::EmailSequenced.as_str(),
            "Email sequenced",
            counts.email_sequenced,
        ),
        (
            LeadStage::EmailReplied.as_str(),
            "Email replied",
            counts.email_replied,
        ),
    ]
    .map(|(key, label, value)| context! { key => key, label => label, value => value })
    .to_vec();
    let account = queue.account.as_ref().map(|a| {
        let p = &a.pacing;
        context! {
            id => a.id.to_string(), name => a.display_name.clone(), status => a.status.as_str(), sandbox => a.sandbox,
            now => pacing_now(a),
            min_gap => p.min_gap_seconds, max_gap => p.max_gap_seconds,
            window => format!("{}–{} {}", p.window_start, p.window_end, p.time_zone),
            paused_until => a.paused_until.map(when),
        }
    });
    let queued: Vec<Value> = queue
        .queued_dms
        .iter()
        .map(|q| context! {
            lead_id => q.lead_id.to_string(), lead_name => q.lead_name.clone(), state => q.state.clone(),
            run_at => when(q.run_at), run_at_iso => q.run_at.to_rfc3339(), attempts => q.attempts,
        })
        .collect();
    let brief = |leads: &[revos_app::leads::Lead]| -> Vec<Value> {
        leads
            .iter()
            .map(|l| context! { id => l.id.to_string(), name => l.name.clone(), sandbox => l.sandbox })
            .collect()
    };
    let steps: Vec<Value> = steps(c.status)
        .iter()
        .map(|&(key, label)| context! { key => key, label => label })
        .collect();
    let html = page(
        &state,
        &signed,
        "campaign.html",
        "campaigns",
        context! {
            c => Value::from(Serde(&c)), status => c.status.as_str(), steps => steps,
            editable => c.status != CampaignStatus::Completed, cartridge => cartridge,
            funnel => funnel_rows, cost_usd => format!("{:.2}", funnel.cost_usd),
            cost_per_lead => funnel.cost_per_lead_usd.map(|v| format!("{v:.4}")),
            account => account, queued => queued, sequence => sequence,
            dm_queued => brief(&queue.dm_queued), awaiting => brief(&queue.awaiting_connection),
            created => when(c.created_at), last_error_at => c.last_error.as_ref().map(|e| when(e.failed_at)),
        },
    )
    .await?;
    Ok(html.into_response())
}
