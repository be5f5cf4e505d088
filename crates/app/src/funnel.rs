//! A campaign's funnel and cost: how many of its leads reached each step (counted by the rule
//! of [`revos_domain::funnel`]) and what its events cost. Any member of the workspace may
//! read it.

use crate::{App, Principal, Result};
use revos_domain::funnel::{FunnelCounts, Progress, cost_per_lead, round_usd};
use revos_store::funnel_queries as store;
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// A campaign's funnel as the API shows it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Funnel {
    /// The campaign.
    pub campaign_id: Uuid,
    /// How many leads reached each step.
    #[serde(flatten)]
    pub counts: FunnelCounts,
    /// The sum of the `cost` of the campaign's events, in US dollars.
    pub cost_usd: f64,
    /// `cost_usd` divided by the scraped leads; `null` when there are none.
    pub cost_per_lead_usd: Option<f64>,
    /// True when the campaign runs in the sandbox (its costs are simulated).
    pub sandbox: bool,
}

/// The campaign an event's JSON data names, and its cost (0 when absent).
fn campaign_and_cost(data: &str) -> Option<(Uuid, f64)> {
    let v: serde_json::Value = serde_json::from_str(data).ok()?;
    let campaign = Uuid::parse_str(v.get("campaign_id")?.as_str()?).ok()?;
    Some((
        campaign,
        v.get("cost").and_then(|c| c.as_f64()).unwrap_or(0.0),
    ))
}

impl App {
    /// The funnel of a campaign of the workspace; 404 for any other campaign.
    pub async fn campaign_funnel(&self, who: &Principal, campaign: Uuid) -> Result<Funnel> {
        let sandbox = self.get_campaign(who, campaign).await?.sandbox;
        let mut tx = self.store.begin_for(who.tenant).await?;
        let mut progress: HashMap<Uuid, Progress> = HashMap::new();
        for l in store::leads(&mut tx, who.tenant, campaign).await? {
            let mut p = Progress::from_stage(l.status);
            p.enriched |= l.enriched_at.is_some();
            progress.insert(l.lead_id, p);
        }
        for m in store::messages(&mut tx, who.tenant, campaign).await? {
            if let Some(p) = progress.get_mut(&m.lead_id) {
                p.note_message(&m.channel, &m.direction, &m.status);
            }
        }
        let mut cost = 0.0;
        for e in store::events_of_campaign(&mut tx, who.tenant, campaign).await? {
            let Some((named, event_cost)) = campaign_and_cost(&e.data) else {
                continue;
            };
            if named != campaign {
                continue;
            }
            cost += event_cost;
            if let Some(p) = e.subject_id.and_then(|s| progress.get_mut(&s)) {
                p.note_event(&e.kind);
            }
        }
        let mut counts = FunnelCounts::default();
        for p in progress.into_values() {
            counts.add(p);
        }
        let cost_usd = round_usd(cost);
        Ok(Funnel {
            campaign_id: campaign,
            cost_per_lead_usd: cost_per_lead(cost_usd, counts.scraped),
            counts,
            cost_usd,
            sandbox,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::campaign_and_cost;
    use uuid::Uuid;

    #[test]
    fn events_name_their_campaign_and_cost() {
        let c = Uuid::now_v7();
        let data = format!(r#"{{"campaign_id":"{c}","lead_id":null,"cost":0.25}}"#);
        assert_eq!(campaign_and_cost(&data), Some((c, 0.25)));
        let free = format!(r#"{{"campaign_id":"{c}"}}"#);
        assert_eq!(campaign_and_cost(&free), Some((c, 0.0)));
        assert_eq!(campaign_and_cost(r#"{"campaign_id":null,"cost":1}"#), None);
        assert_eq!(campaign_and_cost("not json"), None);
    }
}
