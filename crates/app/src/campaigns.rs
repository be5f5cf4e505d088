//! Campaign use cases: create, read, list, edit, and move through the lifecycle. Editing an
//! active campaign changes only what happens next: leads already contacted stay contacted
//! (one DM per campaign and lead is enforced by the store).

use crate::{App, AppError, Principal, Result};
use chrono::{DateTime, Utc};
use revos_domain::campaign::{CampaignSpec, CampaignStatus};
use revos_domain::{CartridgeId, Page, PageRequest, ValidationErrors};
use revos_store::campaigns::{self as store, CampaignFields, CampaignRow};
use revos_store::{Tx, cartridges, linkedin_accounts};
use serde::Serialize;
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

pub(crate) fn parse_spec(raw: &str) -> Result<CampaignSpec> {
    serde_json::from_str(raw)
        .map_err(|e| AppError::Internal(format!("stored campaign is invalid: {e}")))
}

/// A campaign of `tenant` with its settings and its LinkedIn account, read in `tx`: what
/// every background step about a campaign starts from.
pub(crate) async fn with_account(
    tx: &mut Tx,
    tenant: revos_domain::TenantId,
    id: Uuid,
) -> Result<(CampaignRow, CampaignSpec, linkedin_accounts::AccountRow)> {
    let row = store::get(tx, tenant, id)
        .await?
        .ok_or(AppError::NotFound("campaign"))?;
    let spec = parse_spec(&row.settings)?;
    let account = linkedin_accounts::get(tx, tenant, spec.linkedin_account_id)
        .await?
        .ok_or(AppError::NotFound("LinkedIn account"))?;
    Ok((row, spec, account))
}

impl App {
    async fn view_campaign(
        &self,
        tx: &mut Tx,
        who: &Principal,
        row: CampaignRow,
    ) -> Result<Campaign> {
        let spec = parse_spec(&row.settings)?;
        let sandbox = linkedin_accounts::get(tx, who.tenant, spec.linkedin_account_id)
            .await?
            .is_some_and(|a| a.is_sandbox);
        let status = CampaignStatus::parse(&row.status)
            .ok_or_else(|| AppError::Internal(format!("unknown campaign status {}", row.status)))?;
        Ok(Campaign {
            id: row.id,
            status,
            spec,
            sandbox,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }

    /// Checks a spec and that the account and cartridge it names belong to the caller's
    /// workspace; returns the account.
    async fn check_campaign_refs(
        &self,
        tx: &mut Tx,
        who: &Principal,
        spec: &CampaignSpec,
    ) -> Result<linkedin_accounts::AccountRow> {
        spec.validate()?;
        let Some(account) =
            linkedin_accounts::get(tx, who.tenant, spec.linkedin_account_id).await?
        else {
            return Err(ValidationErrors::single(
                "linkedin_account_id",
                "no such LinkedIn account in this workspace",
            )
            .into());
        };
        if let Some(c) = spec.cartridge_id
            && cartridges::get(tx, who.tenant, CartridgeId(c))
                .await?
                .is_none()
        {
            return Err(ValidationErrors::single(
                "cartridge_id",
                "no such cartridge in this workspace",
            )
            .into());
        }
        Ok(account)
    }

    /// Checks a spec as `check_campaign_refs` does, and starts watching its posts.
    async fn check_and_watch(
        &self,
        tx: &mut Tx,
        who: &Principal,
        id: Uuid,
        spec: &CampaignSpec,
    ) -> Result<()> {
        let account = self.check_campaign_refs(tx, who, spec).await?;
        let now = self.now();
        for post in &spec.watched_posts {
            store::watch_post(tx, who.tenant, id, post.trim(), account.is_sandbox, now).await?;
        }
        Ok(())
    }

    /// Creates a draft campaign.
    pub async fn create_campaign(&self, who: &Principal, spec: CampaignSpec) -> Result<Campaign> {
        let id = Uuid::now_v7();
        let settings =
            serde_json::to_string(&spec).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut tx = self.store.begin_for(who.tenant).await?;
        // Before the insert: an unknown account is the caller's mistake, not a broken key.
        self.check_campaign_refs(&mut tx, who, &spec).await?;
        let fields = CampaignFields {
            name: spec.name.trim(),
            account: spec.linkedin_account_id,
            cartridge: spec.cartridge_id,
            settings: &settings,
        };
        store::insert(&mut tx, who.tenant, id, &fields, self.now()).await?;
        self.check_and_watch(&mut tx, who, id, &spec).await?;
        let row = store::get(&mut tx, who.tenant, id)
            .await?
            .ok_or(AppError::NotFound("campaign"))?;
        let view = self.view_campaign(&mut tx, who, row).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Reads a campaign.
    pub async fn get_campaign(&self, who: &Principal, id: Uuid) -> Result<Campaign> {
        let mut tx = self.store.begin_for(who.tenant).await?;
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
        let mut tx = self.store.begin_for(who.tenant).await?;
        let rows = store::list(
            &mut tx,
            who.tenant,
            status.map(CampaignStatus::as_str),
            page,
        )
        .await?;
        let page = Page::from_rows(rows, page, |r| r.id);
        let mut items = Vec::with_capacity(page.items.len());
        for row in page.items {
            items.push(self.view_campaign(&mut tx, who, row).await?);
        }
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
        spec: CampaignSpec,
    ) -> Result<Campaign> {
        let settings =
            serde_json::to_string(&spec).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut tx = self.store.begin_for(who.tenant).await?;
        let row = store::get(&mut tx, who.tenant, id)
            .await?
            .ok_or(AppError::NotFound("campaign"))?;
        if row.status == CampaignStatus::Completed.as_str() {
            return Err(AppError::Conflict(
                "a completed campaign cannot be edited".into(),
            ));
        }
        self.check_and_watch(&mut tx, who, id, &spec).await?;
        let fields = CampaignFields {
            name: spec.name.trim(),
            account: spec.linkedin_account_id,
            cartridge: spec.cartridge_id,
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
        let from = CampaignStatus::parse(&row.status)
            .ok_or_else(|| AppError::Internal(format!("unknown campaign status {}", row.status)))?;
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
        let now = self.now();
        if !store::set_status(&mut tx, who.tenant, id, from.as_str(), to.as_str(), now).await? {
            return Err(AppError::Conflict(
                "the campaign changed meanwhile; try again".into(),
            ));
        }
        if to == CampaignStatus::Active {
            // DMs that waited while the campaign was paused go back to the queue (a job still
            // queued for a lead is not doubled: its unique key holds).
            let spec = parse_spec(&row.settings)?;
            for lead in revos_store::messages::waiting_dms(&mut tx, who.tenant, id).await? {
                let job = crate::dm::SendDm {
                    tenant: who.tenant,
                    campaign: id,
                    lead,
                    account: spec.linkedin_account_id,
                };
                revos_jobs::enqueue(&mut tx, &job, now, now).await?;
            }
            // So does the email fallback of leads whose DM is still unanswered.
            for (lead, sent_at) in
                revos_store::messages::sent_unanswered(&mut tx, who.tenant, id).await?
            {
                let job = crate::email_fallback::SequenceEmail {
                    tenant: who.tenant,
                    campaign: id,
                    lead,
                };
                crate::email_fallback::queue_fallback(&mut tx, &job, &spec, sent_at, now).await?;
            }
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
        if row.status != CampaignStatus::Draft.as_str() {
            return Err(AppError::Conflict(
                "only draft campaigns can be deleted; complete this one instead".into(),
            ));
        }
        store::delete(&mut tx, who.tenant, id).await?;
        tx.commit().await?;
        Ok(())
    }
}
