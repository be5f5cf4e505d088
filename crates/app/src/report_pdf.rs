//! A report as a PDF an agency sends its client: the agency's (workspace's) and the client's
//! (cartridge's) names, the period and the previous one, the totals with their changes, and
//! every breakdown as a table, rendered by `revos-render` on the CPU pool under the guides'
//! budget, outside any transaction.

use crate::guides::RENDER_BUDGET;
use crate::reports::{Report, ReportFigures, ReportRow};
use crate::{App, AppError, Principal, Result};
use revos_domain::date_range::DateRange;
use revos_domain::period_change::{Change, describe};
use revos_render::{Brand, ReportDocument, ReportTable};
use uuid::Uuid;

/// A ratio as a percentage with one decimal, or a dash.
pub fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

/// An amount in US dollars (four decimals under a cent), or a dash.
pub fn usd(amount: Option<f64>) -> String {
    match amount {
        None => "—".to_owned(),
        Some(a) if a != 0.0 && a.abs() < 0.01 => format!("${a:.4}"),
        Some(a) => format!("${a:.2}"),
    }
}

fn total_row(label: &str, now: String, before: String, c: &Change) -> Vec<String> {
    vec![label.to_owned(), now, before, describe(c)]
}

fn totals(report: &Report) -> ReportTable {
    let t = &report.summary.totals;
    let (n, p, c) = (&t.current, &t.previous, &t.change);
    let count = |v: u64| v.to_string();
    ReportTable {
        heading: "Totals".into(),
        columns: ["Figure", "This period", "Previous period", "Change"]
            .map(String::from)
            .to_vec(),
        rows: vec![
            total_row("Leads", count(n.leads), count(p.leads), &c.leads),
            total_row(
                "Enriched",
                count(n.enriched),
                count(p.enriched),
                &c.enriched,
            ),
            total_row("DMs sent", count(n.dm_sent), count(p.dm_sent), &c.dm_sent),
            total_row("Replied", count(n.replied), count(p.replied), &c.replied),
            total_row(
                "Reply rate",
                percent(n.reply_rate),
                percent(p.reply_rate),
                &c.reply_rate,
            ),
            total_row(
                "Cost",
                usd(Some(n.cost_usd)),
                usd(Some(p.cost_usd)),
                &c.cost_usd,
            ),
            total_row(
                "Cost per lead",
                usd(n.cost_per_lead_usd),
                usd(p.cost_per_lead_usd),
                &c.cost_per_lead_usd,
            ),
        ],
    }
}

fn figure_cells(f: &ReportFigures) -> [String; 6] {
    [
        f.leads.to_string(),
        f.enriched.to_string(),
        f.dm_sent.to_string(),
        f.replied.to_string(),
        percent(f.reply_rate),
        usd(f.cost_per_lead_usd),
    ]
}

fn rows_table(heading: &str, first: &str, rows: &[ReportRow], unnamed: &str) -> ReportTable {
    let mut columns = vec![first.to_owned()];
    columns.extend(
        [
            "Leads",
            "Enriched",
            "DMs sent",
            "Replied",
            "Reply rate",
            "Cost/lead",
        ]
        .map(String::from),
    );
    ReportTable {
        heading: heading.to_owned(),
        columns,
        rows: rows
            .iter()
            .map(|r| {
                let mut cells = vec![r.name.clone().unwrap_or_else(|| unnamed.to_owned())];
                cells.extend(figure_cells(&r.figures));
                cells
            })
            .collect(),
    }
}

/// The document for `report`.
fn document(report: &Report) -> ReportDocument {
    let s = &report.summary;
    let subject = report
        .client
        .as_ref()
        .map_or(report.workspace_name.as_str(), |c| c.name.as_str());
    let mut lines = vec![format!("Prepared by {}", report.workspace_name)];
    if let Some(c) = &report.client {
        lines.push(format!("Client: {}", c.name));
    }
    lines.push(format!(
        "{} to {} ({} days, UTC), compared with {} to {}",
        s.period.from, s.period.to, s.period.days, s.previous_period.from, s.previous_period.to
    ));
    let steps = ReportTable {
        heading: "Per sequence step".into(),
        columns: ["Campaign · step", "DMs sent", "Replied", "Reply rate"]
            .map(String::from)
            .to_vec(),
        rows: report
            .by_step
            .iter()
            .map(|r| {
                vec![
                    format!(
                        "{} · step {}",
                        r.campaign_name,
                        r.step_id.as_deref().unwrap_or("—")
                    ),
                    r.dm_sent.to_string(),
                    r.replied.to_string(),
                    percent(r.reply_rate),
                ]
            })
            .collect(),
    };
    let days = ReportTable {
        heading: "Per day".into(),
        columns: ["Day", "Leads", "DMs sent", "Replied"]
            .map(String::from)
            .to_vec(),
        rows: s
            .daily
            .iter()
            .map(|d| {
                vec![
                    d.date.to_string(),
                    d.leads.to_string(),
                    d.dm_sent.to_string(),
                    d.replied.to_string(),
                ]
            })
            .collect(),
    };
    ReportDocument {
        title: format!("Report for {subject}"),
        lines,
        tables: vec![
            totals(report),
            rows_table("Per campaign", "Campaign", &report.by_campaign, "—"),
            rows_table("Per account", "Account", &report.by_account, "no account"),
            rows_table("Per post", "Post", &report.by_post, "no post"),
            steps,
            days,
        ],
        footer: format!(
            "{} · {} · {} to {}",
            report.workspace_name, subject, s.period.from, s.period.to
        ),
    }
}

impl App {
    /// The report for `range` (see [`App::report`]) and its PDF.
    pub async fn report_pdf(
        &self,
        who: &Principal,
        range: DateRange,
        client: Option<Uuid>,
    ) -> Result<(Report, Vec<u8>)> {
        let report = self.report(who, range, client).await?;
        let doc = document(&report);
        let render = crate::cpu::run(move || revos_render::report_pdf(&doc, &Brand::default()));
        let pdf = tokio::time::timeout(RENDER_BUDGET, render)
            .await
            .map_err(|_| AppError::Internal("rendering the report took too long".into()))??
            .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok((report, pdf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_money_read_well() {
        assert_eq!(percent(None), "—");
        assert_eq!(percent(Some(0.25)), "25.0%");
        assert_eq!(usd(None), "—");
        assert_eq!(usd(Some(0.0)), "$0.00");
        assert_eq!(usd(Some(0.0125)), "$0.01");
        assert_eq!(usd(Some(0.004)), "$0.0040");
        assert_eq!(usd(Some(12.5)), "$12.50");
    }
}
