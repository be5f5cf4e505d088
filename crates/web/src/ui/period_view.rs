//! What the dashboard and the report page show of a period: the range picker (a plain GET
//! form: two dates and one button per preset), the totals beside the previous period's with
//! ▲/▼ and percentages ("no previous data" when the previous period had none), and the chart
//! of the period's days with the same numbers as a table.

use super::charts::{Series, grouped_bars};
use super::render::UiError;
use crate::routes::reports::ReportParams;
use minijinja::{Value, context};
use revos_app::AppError;
use revos_app::report_pdf::{percent, usd};
use revos_app::reports::{ReportFigures, ReportSummary};
use revos_domain::date_range::{DateRange, Preset};
use revos_domain::lead::LeadStage;
use revos_domain::period_change::{Change, describe};
use uuid::Uuid;

/// The range and client the query names; a mistake is a 422 page naming the parameter.
pub(super) fn parse(
    params: &ReportParams,
    today: chrono::NaiveDate,
) -> Result<(DateRange, Option<Uuid>), UiError> {
    params
        .parse(today)
        .map_err(|e| UiError::from(AppError::from(e)))
}

/// The picker's values: where it submits, the dates shown, the client kept in a hidden
/// field, and the presets (the one the range equals marked current).
pub(super) fn picker(
    action: &str,
    range: &DateRange,
    today: chrono::NaiveDate,
    client: Option<Uuid>,
) -> Value {
    let current = range.preset(today);
    let presets: Vec<Value> = Preset::ALL
        .iter()
        .map(|p| context! { value => p.as_str(), label => p.label(), current => current == Some(*p) })
        .collect();
    context! {
        action => action, from => range.from().to_string(), to => range.to().to_string(),
        client_id => client.map(|c| c.to_string()), presets => presets,
    }
}

fn direction(c: &Change) -> &'static str {
    match c.relative {
        None => "none",
        Some(r) if r > 0.0 => "up",
        Some(r) if r < 0.0 => "down",
        Some(_) => "flat",
    }
}

fn row(key: &str, label: &str, now: String, before: String, c: &Change) -> Value {
    context! {
        key => key, label => label, current => now, previous => before,
        change => describe(c), direction => direction(c),
    }
}

/// The totals' rows: each figure now, before, and how it moved.
pub(super) fn comparison(summary: &ReportSummary) -> Vec<Value> {
    let t = &summary.totals;
    let (n, p, c): (&ReportFigures, &ReportFigures, _) = (&t.current, &t.previous, &t.change);
    vec![
        row(
            "leads",
            "Leads",
            n.leads.to_string(),
            p.leads.to_string(),
            &c.leads,
        ),
        row(
            LeadStage::Enriched.as_str(),
            "Enriched",
            n.enriched.to_string(),
            p.enriched.to_string(),
            &c.enriched,
        ),
        row(
            LeadStage::DmSent.as_str(),
            "DMs sent",
            n.dm_sent.to_string(),
            p.dm_sent.to_string(),
            &c.dm_sent,
        ),
        row(
            LeadStage::Replied.as_str(),
            "Replied",
            n.replied.to_string(),
            p.replied.to_string(),
            &c.replied,
        ),
        row(
            "reply_rate",
            "Reply rate",
            percent(n.reply_rate),
            percent(p.reply_rate),
            &c.reply_rate,
        ),
        row(
            "cost",
            "Cost",
            usd(Some(n.cost_usd)),
            usd(Some(p.cost_usd)),
            &c.cost_usd,
        ),
        row(
            "cost_per_lead",
            "Cost per lead",
            usd(n.cost_per_lead_usd),
            usd(p.cost_per_lead_usd),
            &c.cost_per_lead_usd,
        ),
    ]
}

/// The period's chart (SVG) and its days as table rows.
pub(super) fn chart(summary: &ReportSummary) -> (Value, Vec<Value>) {
    let days = &summary.daily;
    let short: Vec<String> = days
        .iter()
        .map(|d| d.date.format("%m-%d").to_string())
        .collect();
    let full: Vec<String> = days.iter().map(|d| d.date.to_string()).collect();
    let sent: Vec<u64> = days.iter().map(|d| d.dm_sent).collect();
    let replied: Vec<u64> = days.iter().map(|d| d.replied).collect();
    let p = &summary.period;
    let svg = grouped_bars(
        &format!("DMs sent and replies per day, {} to {}", p.from, p.to),
        &short,
        &full,
        &[
            Series {
                name: "DMs sent",
                colour: "#2e6fb7",
                values: &sent,
            },
            Series {
                name: "Replies",
                colour: "#12b76a",
                values: &replied,
            },
        ],
    );
    let rows = days
        .iter()
        .map(|d| context! { date => d.date.to_string(), leads => d.leads, dm_sent => d.dm_sent, replied => d.replied })
        .collect();
    (Value::from_safe_string(svg), rows)
}

/// The period and the previous one, for the headings.
pub(super) fn periods(summary: &ReportSummary) -> Value {
    let (p, q) = (&summary.period, &summary.previous_period);
    context! {
        from => p.from.to_string(), to => p.to.to_string(), days => p.days,
        previous_from => q.from.to_string(), previous_to => q.to.to_string(),
    }
}
