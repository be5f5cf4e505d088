//! The first run: the dashboard's checklist (read in one query, so it stays cheap on a
//! workspace of any size) and the one-click sandbox trial, which sets up a labelled sandbox
//! account, a cartridge and an activated campaign watching a simulated post, so a new user
//! sees a first lead within about a minute without connecting anything.

use crate::accounts::Account;
use crate::campaigns::{Campaign, Transition};
use crate::outreach::monitor::MonitorCampaign;
use crate::{App, AppError, Principal, Result};
use revos_domain::campaign::CampaignSpec;
use revos_domain::first_run::{FirstRunStep, checklist};
use revos_domain::linkedin_account::AccountStatus;
use revos_domain::{CartridgeId, TenantId};
use revos_store::{first_run as store, linkedin_accounts};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

/// The trial account's display name: it says it is simulated wherever it is listed.
pub const TRIAL_ACCOUNT_NAME: &str = "Sandbox trial account (simulated)";
/// The trial campaign's name.
pub const TRIAL_CAMPAIGN_NAME: &str = "Sandbox trial";
/// The trial cartridge's name.
pub const TRIAL_CARTRIDGE_NAME: &str = "Sandbox trial client";

/// The checklist from an empty workspace to a first reply.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FirstRun {
    /// The steps, in order.
    pub steps: Vec<FirstRunStep>,
    /// How many are done.
    pub done: usize,
    /// Whether every step is done (the dashboard then stops showing the list).
    pub complete: bool,
}

/// What the sandbox trial set up (or had set up before: a second call creates nothing).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SandboxTrial {
    /// True when this call created the trial, false when it existed already.
    pub created: bool,
    /// The trial's sandbox account.
    pub account: Account,
    /// The trial's cartridge.
    pub cartridge_id: Option<Uuid>,
    /// The trial's campaign: `None` only while another call is still setting it up.
    pub campaign: Option<Campaign>,
}

/// The trial account's provider id: one per workspace (the provider id is unique across
/// workspaces, so it carries the workspace's id), which is what makes the trial idempotent.
fn trial_account_key(tenant: TenantId) -> String {
    format!("sandbox-trial-{}", tenant.0.simple())
}

/// The simulated post the trial campaign watches (its comments start when first read).
fn trial_post(tenant: TenantId) -> String {
    format!("sandbox-trial-post-{}", tenant.0.simple())
}

impl App {
    /// The first-run checklist of the caller's workspace, from one query.
    pub async fn first_run(&self, who: &Principal) -> Result<FirstRun> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let facts = store::facts(&mut tx, who.tenant).await?;
        tx.commit().await?;
        let steps = checklist(facts);
        let done = steps.iter().filter(|s| s.done).count();
        Ok(FirstRun {
            complete: done == steps.len(),
            done,
            steps,
        })
    }

    /// Sets up the sandbox trial: a sandbox account named as simulated, a cartridge, and a
    /// campaign watching a simulated post, activated, with its first monitor pass queued at
    /// once (the sandbox's first commenter asks within 25 s, so a lead follows within about a
    /// minute). Idempotent: the account's provider id is unique per workspace, so whichever
    /// call inserts it sets up the rest, and every other call returns what exists.
    pub async fn start_sandbox_trial(&self, who: &Principal) -> Result<SandboxTrial> {
        who.require_admin()?;
        let key = trial_account_key(who.tenant);
        if let Some(trial) = self.existing_trial(who, &key).await? {
            return Ok(trial);
        }
        let row = self.new_account(
            who.tenant,
            Uuid::now_v7(),
            "sandbox",
            &key,
            TRIAL_ACCOUNT_NAME,
            AccountStatus::Ok,
        );
        let mut tx = self.store.begin_for(who.tenant).await?;
        match linkedin_accounts::insert(&mut tx, who.tenant, &row).await {
            Ok(()) => tx.commit().await?,
            Err(revos_store::StoreError::Conflict(_)) => {
                drop(tx);
                return self
                    .existing_trial(who, &key)
                    .await?
                    .ok_or_else(|| AppError::Internal("the sandbox trial vanished".into()));
            }
            Err(e) => return Err(e.into()),
        }
        let account = self.with_owner(who.tenant, row).await?;
        let cartridge = self.create_cartridge(who, trial_cartridge()?).await?;
        let campaign = self
            .create_campaign(who, trial_campaign(who.tenant, account.id, cartridge.id)?)
            .await?;
        let campaign = self
            .transition_campaign(who, campaign.id, Transition::Activate)
            .await?;
        let now = self.now();
        let mut tx = self.store.begin_for(who.tenant).await?;
        let first_pass = MonitorCampaign {
            tenant: who.tenant,
            campaign: campaign.id,
        };
        revos_jobs::enqueue(&mut tx, &first_pass, now, now).await?;
        tx.commit().await?;
        Ok(SandboxTrial {
            created: true,
            account,
            cartridge_id: Some(cartridge.id.0),
            campaign: Some(campaign),
        })
    }

    /// The trial already set up in the caller's workspace, if any.
    async fn existing_trial(&self, who: &Principal, key: &str) -> Result<Option<SandboxTrial>> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let Some(row) =
            linkedin_accounts::by_provider_id(&mut tx, who.tenant, "sandbox", key).await?
        else {
            return Ok(None);
        };
        let found = store::campaign_of_account(&mut tx, who.tenant, row.id).await?;
        tx.commit().await?;
        let account = self.with_owner(who.tenant, row).await?;
        let campaign = match found {
            Some((id, _)) => Some(self.get_campaign(who, id).await?),
            None => None,
        };
        Ok(Some(SandboxTrial {
            created: false,
            account,
            cartridge_id: found.and_then(|(_, cartridge)| cartridge),
            campaign,
        }))
    }
}

/// The trial's cartridge: a made-up consultant's voice, named as the trial's.
fn trial_cartridge() -> Result<revos_domain::cartridge::CartridgeSpec> {
    serde_json::from_value(json!({
        "name": TRIAL_CARTRIDGE_NAME,
        "persona": {"role": "B2B growth consultant", "expertise": ["outbound", "LinkedIn"],
                    "target_audience": "founders of B2B SaaS companies"},
        "writing_style": {"tone": "casual", "vocabulary_level": 6, "sentence_structure": "short"},
        "industry_knowledge": {"niche": "B2B SaaS growth", "key_topics": ["lead magnets"]}
    }))
    .map_err(|e| AppError::Internal(format!("the trial cartridge does not parse: {e}")))
}

/// The trial's campaign: it watches the workspace's simulated post for `GUIDE`.
fn trial_campaign(tenant: TenantId, account: Uuid, cartridge: CartridgeId) -> Result<CampaignSpec> {
    serde_json::from_value(json!({
        "name": TRIAL_CAMPAIGN_NAME,
        "cartridge_id": cartridge.0,
        "linkedin_account_id": account,
        "lead_magnet": {"title": "The LinkedIn Lead Magnet Playbook",
                        "url": "https://acme.io/lead-magnet-playbook",
                        "description": "A sample lead magnet for the sandbox trial"},
        "trigger_words": ["GUIDE"],
        "watched_posts": [trial_post(tenant)],
        "dm_template": "Hi {{ first_name }}, thanks for your comment! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}",
        "connect_reply_template": "Thanks {{ first_name }}! Connect with me and I'll send you the guide.",
    }))
    .map_err(|e| AppError::Internal(format!("the trial campaign does not parse: {e}")))
}
