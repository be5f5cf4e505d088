//! Campaign use cases: create, read, list, edit, and move through the lifecycle. Editing an
//! active campaign changes only what happens next: leads already contacted stay contacted
//! (one DM per campaign and lead is enforced by the store).

use crate::{App, AppError, Principal, Result};
use chrono::{DateTime, Utc};
use revos_domain::campaign::{CampaignSpec, CampaignStatus};
use revos_domain::validation::Collector;
use revos_domain::{CartridgeId, LeadMagnetId, Page, PageRequest, ValidationErrors};
use revos_store::campaigns::{self as store, CampaignFields, CampaignRow};
use revos_store::{Tx, cartridges, lead_magnets, linkedin_accounts};
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// A campaign as the API shows it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Campaign {
    /// Its id.
    pub id: Uuid,
    /// Where it is in its life.
    pub status: CampaignStatus,
    /// The editable fields.
    #[serde(flatten)]
    pub spec: CampaignSpec,
    /// True when its LinkedIn account is a sandbox account: nothing reaches LinkedIn.
    pub sandbox: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// The newest DM of this campaign that failed for good since the campaign last changed
    /// (e.g. its template went over the rendering budget); `None` when there is none.
    pub last_error: Option<DmFailure>,
}

/// A DM that failed for good, as its campaign shows it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DmFailure {
    /// The dead job (retry it through `/api/v1/jobs/{id}/retry` once the cause is fixed).
    pub job_id: Uuid,
    /// The lead it was for.
    pub lead_id: Uuid,
    /// Why it failed, e.g. `dm_template: does too much work when rendered …`.
    pub error: String,
    /// When it failed.
    pub failed_at: DateTime<Utc>,
}

/// The newest DM of each of `campaigns` that died at or after that campaign's time, by
/// campaign: one query for a whole page.
async fn last_dm_failures(
    tx: &mut Tx,
    tenant: revos_domain::TenantId,
    campaigns: &[(Uuid, DateTime<Utc>)],
) -> Result<HashMap<Uuid, DmFailure>> {
    use revos_jobs::Job;
    let rows = revos_store::campaign_queue::dead_jobs_of_campaigns(
        tx,
        tenant,
        crate::outreach::dm::SendDm::KIND,
        campaigns,
    )
    .await?;
    let mut newest = HashMap::new();
    for row in rows {
        let Ok(job) = serde_json::from_str::<crate::outreach::dm::SendDm>(&row.payload) else {
            continue;
        };
        let since = campaigns.iter().find(|(c, _)| *c == job.campaign);
        if job.tenant != tenant || since.is_none_or(|(_, since)| row.updated_at < *since) {
            continue;
        }
        // Rows come newest first: the first one of a campaign is its newest.
        newest.entry(job.campaign).or_insert_with(|| DmFailure {
            job_id: row.id,
            lead_id: job.lead,
            error: row.last_error.unwrap_or_default(),
            failed_at: row.updated_at,
        });
    }
    Ok(newest)
}

/// A new id for a sequence step or variant saved without one: unique for good, so a step
/// removed and another added never share what was sent.
fn fresh_id() -> String {
    Uuid::now_v7().simple().to_string()
}

/// A lifecycle step asked for through the API.
#[derive(Clone, Copy, Debug)]
pub enum Transition {
    /// Draft → active.
    Activate,
    /// Active → paused: sends stop at once.
    Pause,
    /// Paused → active.
    Resume,
    /// Any but completed → completed.
    Complete,
}

impl Transition {
    fn target(self) -> CampaignStatus {
        match self {
            Transition::Activate | Transition::Resume => CampaignStatus::Active,
            Transition::Pause => CampaignStatus::Paused,
            Transition::Complete => CampaignStatus::Completed,
        }
    }
}

impl App {
    async fn view_campaign(
        &self,
        tx: &mut Tx,
        who: &Principal,
        row: CampaignRow,
    ) -> Result<Campaign> {
        let mut views = self.view_campaigns(tx, who, vec![row]).await?;
        views
            .pop()
            .ok_or_else(|| AppError::Internal("a viewed campaign vanished".into()))
    }

    /// The API views of campaign rows, with a constant number of queries however many rows
    /// there are (their accounts' sandbox flags in one, their DM failures in another).
    async fn view_campaigns(
        &self,
        tx: &mut Tx,
        who: &Principal,
        rows: Vec<CampaignRow>,
    ) -> Result<Vec<Campaign>> {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let sandbox = store::on_sandbox_accounts(tx, who.tenant, &ids).await?;
        let since: Vec<(Uuid, DateTime<Utc>)> = rows.iter().map(|r| (r.id, r.updated_at)).collect();
        let mut failures = last_dm_failures(tx, who.tenant, &since).await?;
        Ok(rows
            .into_iter()
            .map(|row| Campaign {
                id: row.id,
                status: row.status,
                sandbox: sandbox.contains(&row.id),
                last_error: failures.remove(&row.id),
                spec: row.settings,
                created_at: row.created_at,
                updated_at: row.updated_at,
            })
            .collect())
    }

    /// Checks that the account and cartridge a spec names belong to the caller's workspace;
    /// returns the account. The spec itself is validated before any transaction begins
    /// (validation renders its templates, which never run while rows are held): its errors,
    /// `invalid`, are reported with these, so one answer names every failing field.
    async fn check_campaign_refs(
        &self,
        tx: &mut Tx,
        who: &Principal,
        spec: &CampaignSpec,
        invalid: Option<ValidationErrors>,
    ) -> Result<linkedin_accounts::AccountRow> {
        let mut c = Collector::default();
        if let Some(invalid) = invalid {
            c.merge(invalid);
        }
        let account = linkedin_accounts::get(tx, who.tenant, spec.linkedin_account_id).await?;
        if account.is_none() {
            c.push(
                "linkedin_account_id",
                "no such LinkedIn account in this workspace",
            );
        }
        if let Some(id) = spec.cartridge_id
            && cartridges::get(tx, who.tenant, CartridgeId(id))
                .await?
                .is_none()
        {
            c.push("cartridge_id", "no such cartridge in this workspace");
        }
        c.finish()?;
        account.ok_or(AppError::NotFound("LinkedIn account"))
    }

    /// The library magnet a saved campaign sends, set on `spec`: `lead_magnet_id` when given
    /// (404 naming the field when it is not this workspace's), unless it is the campaign's
    /// `current` magnet and the inline magnet was edited (a script that reads a campaign,
    /// changes `lead_magnet.title` and writes it back); otherwise the inline magnet, filed
    /// into the library.
    async fn pick_magnet(
        &self,
        tx: &mut Tx,
        who: &Principal,
        spec: &mut CampaignSpec,
        current: Option<&CampaignRow>,
    ) -> Result<LeadMagnetId> {
        let inline_edited = |row: &CampaignRow| {
            !spec.lead_magnet.url.trim().is_empty() && spec.lead_magnet != row.settings.lead_magnet
        };
        let id = match spec.lead_magnet_id {
            Some(id)
                if current
                    .is_some_and(|row| row.lead_magnet_id == Some(id.0) && inline_edited(row)) =>
            {
                self.file_inline_magnet(tx, who.tenant, &spec.lead_magnet)
                    .await?
            }
            Some(id) => {
                lead_magnets::get(tx, who.tenant, id)
                    .await?
                    .ok_or(AppError::NotFound("lead magnet (lead_magnet_id)"))?;
                id
            }
            None => {
                self.file_inline_magnet(tx, who.tenant, &spec.lead_magnet)
                    .await?
            }
        };
        spec.lead_magnet_id = Some(id);
        Ok(id)
    }

    /// Checks a spec's references as `check_campaign_refs` does, and starts watching its posts.
    async fn check_and_watch(
        &self,
        tx: &mut Tx,
        who: &Principal,
        id: Uuid,
        spec: &CampaignSpec,
        invalid: Option<ValidationErrors>,
    ) -> Result<()> {
        let account = self.check_campaign_refs(tx, who, spec, invalid).await?;
        let now = self.now();
        for post in &spec.watched_posts {
            store::watch_post(tx, who.tenant, id, post.trim(), account.is_sandbox, now).await?;
        }
        Ok(())
    }

    /// Creates a draft campaign.
    pub async fn create_campaign(
        &self,
        who: &Principal,
        mut spec: CampaignSpec,
    ) -> Result<Campaign> {
        spec.settle_steps(None, fresh_id);
        let invalid = spec.validate().err();
        let id = Uuid::now_v7();
        let mut tx = self.store.begin_for(who.tenant).await?;
        // Before the insert: an unknown account is the caller's mistake, not a broken key.
        self.check_campaign_refs(&mut tx, who, &spec, invalid)
            .await?;
        let magnet = self.pick_magnet(&mut tx, who, &mut spec, None).await?;
        let settings =
            serde_json::to_string(&spec).map_err(|e| AppError::Internal(e.to_string()))?;
        let fields = CampaignFields {
            name: spec.name.trim(),
            account: spec.linkedin_account_id,
            cartridge: spec.cartridge_id,
            lead_magnet: Some(magnet.0),
            settings: &settings,
        };
        store::insert(&mut tx, who.tenant, id, &fields, self.now()).await?;
        self.check_and_watch(&mut tx, who, id, &spec, None).await?;
        let row = store::get(&mut tx, who.tenant, id)
            .await?
            .ok_or(AppError::NotFound("campaign"))?;
        let view = self.view_campaign(&mut tx, who, row).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Reads a campaign.
    pub async fn get_campaign(&self, who: &Principal, id: Uuid) -> Result<Campaign> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let row = store::get(&mut tx, who.tenant, id)
            .await?
            .ok_or(AppError::NotFound("campaign"))?;
        self.view_campaign(&mut tx, who, row).await
    }

    /// Lists campaigns, optionally of one status.
    pub async fn list_campaigns(
        &self,
        who: &Principal,
        status: Option<CampaignStatus>,
        page: PageRequest,
    ) -> Result<Page<Campaign>> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let rows = store::list(&mut tx, who.tenant, status, page).await?;
        let page = Page::from_rows(rows, page, |r| r.id);
        let items = self.view_campaigns(&mut tx, who, page.items).await?;
        Ok(Page {
            items,
            next_after: page.next_after,
        })
    }

    /// Replaces a campaign's fields. Completed campaigns are read-only.
    pub async fn update_campaign(
        &self,
        who: &Principal,
        id: Uuid,
        mut spec: CampaignSpec,
    ) -> Result<Campaign> {
        // The current steps are kept unless the request gives steps (ids keep what was sent
        // recorded against them: an edit never sends a step again). Settled and validated
        // before the writing transaction: validation renders templates.
        let current = {
            let mut tx = self.store.begin_read_for(who.tenant).await?;
            store::get(&mut tx, who.tenant, id)
                .await?
                .ok_or(AppError::NotFound("campaign"))?
                .settings
        };
        spec.settle_steps(Some(&current), fresh_id);
        let invalid = spec.validate().err();
        let mut tx = self.store.begin_for(who.tenant).await?;
        let row = store::get(&mut tx, who.tenant, id)
            .await?
            .ok_or(AppError::NotFound("campaign"))?;
        if row.status == CampaignStatus::Completed {
            return Err(AppError::Conflict(
                "a completed campaign cannot be edited".into(),
            ));
        }
        self.check_and_watch(&mut tx, who, id, &spec, invalid)
            .await?;
        let magnet = self
            .pick_magnet(&mut tx, who, &mut spec, Some(&row))
            .await?;
        let settings =
            serde_json::to_string(&spec).map_err(|e| AppError::Internal(e.to_string()))?;
        let fields = CampaignFields {
            name: spec.name.trim(),
            account: spec.linkedin_account_id,
            cartridge: spec.cartridge_id,
            lead_magnet: Some(magnet.0),
            settings: &settings,
        };
        store::update(&mut tx, who.tenant, id, &fields, self.now()).await?;
        let row = store::get(&mut tx, who.tenant, id)
            .await?
            .ok_or(AppError::NotFound("campaign"))?;
        let view = self.view_campaign(&mut tx, who, row).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Moves a campaign through its lifecycle.
    pub async fn transition_campaign(
        &self,
        who: &Principal,
        id: Uuid,
        step: Transition,
    ) -> Result<Campaign> {
        let mut tx = self.store.begin_for(who.tenant).await?;
        let row = store::get(&mut tx, who.tenant, id)
            .await?
            .ok_or(AppError::NotFound("campaign"))?;
        let from = row.status;
        let to = step.target();
        let allowed = from.can_become(to)
            && !matches!(
                (step, from),
                (Transition::Activate, CampaignStatus::Paused)
                    | (Transition::Resume, CampaignStatus::Draft)
            );
        if !allowed {
            return Err(AppError::Conflict(format!(
                "a {} campaign cannot become {}",
                from.as_str(),
                to.as_str()
            )));
        }
        if matches!(step, Transition::Activate) {
            // What cannot work is refused, every reason at once; the campaign stays a draft.
            self.check_activatable(&mut tx, who.tenant, &row).await?;
        }
        let now = self.now();
        if !store::set_status(&mut tx, who.tenant, id, to, now).await? {
            return Err(AppError::Conflict(
                "the campaign changed meanwhile; try again".into(),
            ));
        }
        if to == CampaignStatus::Active {
            // DMs and fallbacks that waited while the campaign was paused go back to the queue.
            crate::outreach::requeue::resumed_campaign(&mut tx, who.tenant, id, &row.settings, now)
                .await?;
        }
        let row = store::get(&mut tx, who.tenant, id)
            .await?
            .ok_or(AppError::NotFound("campaign"))?;
        let view = self.view_campaign(&mut tx, who, row).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Deletes a draft campaign; others are completed instead, to keep their history.
    pub async fn delete_campaign(&self, who: &Principal, id: Uuid) -> Result<()> {
        let mut tx = self.store.begin_for(who.tenant).await?;
        let row = store::get(&mut tx, who.tenant, id)
            .await?
            .ok_or(AppError::NotFound("campaign"))?;
        if row.status != CampaignStatus::Draft {
            return Err(AppError::Conflict(
                "only draft campaigns can be deleted; complete this one instead".into(),
            ));
        }
        store::delete(&mut tx, who.tenant, id).await?;
        tx.commit().await?;
        Ok(())
    }
}
