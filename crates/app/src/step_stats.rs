//! A campaign's sequence figures, per step and A/B variant: DMs sent, replies and the reply
//! rate, from one grouped query ([`revos_store::step_stats`]), laid out in the order of the
//! campaign's steps (steps that sent nothing yet show zeros; steps edited away keep their
//! figures, listed last).

use crate::{App, AppError, Principal, Result};
use revos_store::{campaigns, step_stats};
use serde::Serialize;
use uuid::Uuid;

/// One variant's figures.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SequenceVariantStats {
    /// The variant's id in its step.
    pub variant_id: String,
    /// DMs sent from it.
    pub sent: i64,
    /// Of them, answered before the lead's next step went out.
    pub replied: i64,
    /// `replied / sent`, `null` before anything was sent.
    pub reply_rate: Option<f64>,
}

/// One step's figures.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SequenceStepStats {
    /// The step's id.
    pub step_id: String,
    /// Its place in the sequence (1 for the first DM); `null` for a step edited away.
    pub position: Option<u32>,
    /// DMs sent at this step.
    pub sent: i64,
    /// Of them, answered before the lead's next step went out.
    pub replied: i64,
    /// `replied / sent`, `null` before anything was sent.
    pub reply_rate: Option<f64>,
    /// Its variants (each of the step's, then any edited away).
    pub variants: Vec<SequenceVariantStats>,
}

/// A campaign's sequence figures.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SequenceStats {
    /// The campaign.
    pub campaign_id: Uuid,
    /// Its steps in order.
    pub steps: Vec<SequenceStepStats>,
}

fn rate(replied: i64, sent: i64) -> Option<f64> {
    (sent > 0).then(|| replied as f64 / sent as f64)
}

fn variant(id: &str, rows: &[step_stats::StepVariantRow]) -> SequenceVariantStats {
    let (sent, replied) = rows
        .iter()
        .filter(|r| r.variant_id == id)
        .fold((0, 0), |(s, r), row| (s + row.sent, r + row.replied));
    SequenceVariantStats {
        variant_id: id.to_owned(),
        sent,
        replied,
        reply_rate: rate(replied, sent),
    }
}

fn step(
    id: &str,
    position: Option<u32>,
    variant_ids: Vec<String>,
    rows: &[step_stats::StepVariantRow],
) -> SequenceStepStats {
    let rows: Vec<step_stats::StepVariantRow> =
        rows.iter().filter(|r| r.step_id == id).cloned().collect();
    let mut ids = variant_ids;
    for r in &rows {
        if !ids.contains(&r.variant_id) {
            ids.push(r.variant_id.clone());
        }
    }
    let variants: Vec<SequenceVariantStats> = ids.iter().map(|v| variant(v, &rows)).collect();
    let sent = variants.iter().map(|v| v.sent).sum();
    let replied = variants.iter().map(|v| v.replied).sum();
    SequenceStepStats {
        step_id: id.to_owned(),
        position,
        sent,
        replied,
        reply_rate: rate(replied, sent),
        variants,
    }
}

impl App {
    /// The sequence figures of a campaign of the workspace; 404 for any other campaign.
    pub async fn sequence_stats(&self, who: &Principal, campaign: Uuid) -> Result<SequenceStats> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let row = campaigns::get(&mut tx, who.tenant, campaign)
            .await?
            .ok_or(AppError::NotFound("campaign"))?;
        let rows = step_stats::of_campaign(&mut tx, who.tenant, campaign).await?;
        tx.commit().await?;
        let spec = row.settings;
        let mut steps: Vec<SequenceStepStats> = spec
            .steps
            .iter()
            .zip(1u32..)
            .map(|(s, n)| {
                let ids = s.variants.iter().map(|v| v.id.clone()).collect();
                step(&s.id, Some(n), ids, &rows)
            })
            .collect();
        let mut gone: Vec<&str> = Vec::new();
        for r in &rows {
            if !spec.steps.iter().any(|s| s.id == r.step_id) && !gone.contains(&r.step_id.as_str())
            {
                gone.push(&r.step_id);
            }
        }
        steps.extend(gone.into_iter().map(|id| step(id, None, Vec::new(), &rows)));
        Ok(SequenceStats {
            campaign_id: campaign,
            steps,
        })
    }
}
