//! The dashboard: the funnel over every campaign and a row per campaign.

use super::render::{UiError, page};
use super::session::Signed;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Html;
use minijinja::context;
use revos_domain::PageRequest;
use revos_domain::funnel::FunnelCounts;

/// `GET /`.
pub(super) async fn show(
    State(state): State<AppState>,
    signed: Signed,
) -> Result<Html<String>, UiError> {
    let app = &state.app;
    let campaigns = app
        .list_campaigns(
            &signed.who,
            None,
            PageRequest {
                limit: PageRequest::MAX_LIMIT,
                after: None,
            },
        )
        .await?
        .items;
    let mut total = FunnelCounts::default();
    let mut rows = Vec::with_capacity(campaigns.len());
    for c in &campaigns {
        let f = app.campaign_funnel(&signed.who, c.id).await?;
        total.absorb(&f.counts);
        rows.push(context! {
            id => c.id.to_string(), name => c.spec.name.clone(), status => c.status.as_str(), sandbox => c.sandbox,
            scraped => f.counts.scraped, dm_sent => f.counts.dm_sent, replied => f.counts.replied,
        });
    }
    let funnel = [
        ("scraped", "Scraped", total.scraped),
        ("enriched", "Enriched", total.enriched),
        ("dm_sent", "DM sent", total.dm_sent),
        ("replied", "Replied", total.replied),
        ("email_sequenced", "Email sequenced", total.email_sequenced),
        ("email_replied", "Email replied", total.email_replied),
    ]
    .map(|(key, label, value)| context! { key => key, label => label, value => value });
    page(
        &state,
        &signed,
        "dashboard.html",
        "dashboard",
        context! { funnel => funnel.to_vec(), campaigns => rows },
    )
    .await
}
