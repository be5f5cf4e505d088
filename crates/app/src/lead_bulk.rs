//! Bulk actions on the leads a list filter selects (issue 21, item 4): tag, untag, put on
//! the do-not-contact list, or add to a campaign. Each change is one statement over the
//! filter's selection ([`revos_store::lead_bulk`]); adding to a campaign reads the leads it
//! lets in with one query and queues their entry as a CSV import does ([`EnterImported`]
//! jobs, each entering its leads through [`crate::outreach::entry::enter_campaign`], which
//! passes over a lead already in the campaign, so no one is sent a step twice). A dry run
//! counts the selection and the leads the action would change, for the confirmation step.
//! Exporting a selection is the lead export with the same filters. Any member may act, like
//! the do-not-contact list; the client role never reaches it.

use crate::lead_import::{EnterImported, LEADS_PER_ENTRY_JOB};
use crate::leads::LeadFilter;
use crate::outreach::context;
use crate::{App, AppError, Principal, Result};
use revos_domain::ValidationErrors;
use revos_domain::campaign::CampaignStatus;
use revos_domain::lead_tag::Tag;
use revos_domain::validation::Collector;
use revos_store::lead_bulk::{self as store, BulkChange};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What to do to every selected lead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = LeadBulkAction))]
#[serde(rename_all = "snake_case")]
pub enum BulkAction {
    /// Add the tag `tag` (a lead with 20 tags already is passed over).
    Tag,
    /// Remove the tag `tag`.
    Untag,
    /// Enter the campaign `campaign_id` (active or paused) as imported leads do; leads on
    /// the do-not-contact list or in the campaign already are passed over.
    AddToCampaign,
    /// Put them on the do-not-contact list.
    DoNotContact,
}

impl BulkAction {
    /// The action's name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tag => "tag",
            Self::Untag => "untag",
            Self::AddToCampaign => "add_to_campaign",
            Self::DoNotContact => "do_not_contact",
        }
    }
}

/// A bulk action on the leads matching a filter (the filter is given apart, as the list's).
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = LeadBulkRequest))]
#[serde(deny_unknown_fields)]
pub struct BulkRequest {
    /// What to do.
    pub action: BulkAction,
    /// The tag, for `tag` and `untag` (trimmed and lower-cased, 1 to 40 characters).
    pub tag: Option<String>,
    /// The campaign the leads enter, for `add_to_campaign`.
    pub campaign_id: Option<Uuid>,
    /// `true` to count without changing anything.
    #[serde(default)]
    pub dry_run: bool,
}

/// What a bulk action did (or, in a dry run, would do).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = LeadBulkResult))]
pub struct BulkOutcome {
    /// The action.
    pub action: BulkAction,
    /// True when nothing was changed.
    pub dry_run: bool,
    /// The leads matching the filter.
    pub matched: u64,
    /// The leads the action changed (would change, in a dry run): the others had the tag
    /// already (or not, to untag), were on the list already, or were in the campaign or not
    /// to be contacted.
    pub touched: u64,
}

/// The checked change of a request.
enum Change {
    Tag(Tag),
    Untag(Tag),
    DoNotContact,
    AddToCampaign(Uuid),
}

impl BulkRequest {
    /// The change asked for, each missing or extra field named.
    fn change(&self) -> Result<Change> {
        let mut c = Collector::default();
        let tag_action = matches!(self.action, BulkAction::Tag | BulkAction::Untag);
        let tag = match (&self.tag, tag_action) {
            (Some(raw), true) => Tag::parse(raw).map_err(|m| c.push("tag", m)).ok(),
            (None, true) => {
                c.push("tag", "is required for tag and untag");
                None
            }
            (Some(_), false) => {
                c.push("tag", "only applies to tag and untag");
                None
            }
            (None, false) => None,
        };
        let adds = self.action == BulkAction::AddToCampaign;
        match (self.campaign_id, adds) {
            (None, true) => c.push("campaign_id", "is required for add_to_campaign"),
            (Some(_), false) => c.push("campaign_id", "only applies to add_to_campaign"),
            _ => {}
        }
        c.finish()?;
        Ok(match (self.action, tag, self.campaign_id) {
            (BulkAction::Tag, Some(t), _) => Change::Tag(t),
            (BulkAction::Untag, Some(t), _) => Change::Untag(t),
            (BulkAction::AddToCampaign, _, Some(c)) => Change::AddToCampaign(c),
            _ => Change::DoNotContact,
        })
    }
}

impl App {
    /// Applies `req` to every lead of the caller's workspace matching `filter` (or counts, in
    /// a dry run). Bad input is named by field; `campaign_id` (of the filter or of the
    /// action) of another workspace is an input error; a target campaign that is neither
    /// active nor paused is a conflict, as for an import.
    pub async fn bulk_leads(
        &self,
        who: &Principal,
        filter: &LeadFilter,
        req: &BulkRequest,
    ) -> Result<BulkOutcome> {
        let filter = filter.checked()?;
        let change = req.change()?;
        let now = self.now();
        // A dry run only reads: it keeps no writer waiting.
        let mut tx = if req.dry_run {
            self.store.begin_read_for(who.tenant).await?
        } else {
            self.store.begin_for(who.tenant).await?
        };
        self.check_campaign_filter(&mut tx, who, &filter).await?;
        let mut account = None;
        if let Change::AddToCampaign(campaign) = change {
            let ctx = match context::read(&mut tx, who.tenant, campaign, None).await {
                Err(AppError::NotFound("campaign")) => {
                    return Err(ValidationErrors::single(
                        "campaign_id",
                        "no such campaign in this workspace",
                    )
                    .into());
                }
                other => other?,
            };
            if !matches!(
                ctx.row.status,
                CampaignStatus::Active | CampaignStatus::Paused
            ) {
                return Err(AppError::Conflict(format!(
                    "the campaign is {}: leads are added to an active or paused campaign",
                    ctx.row.status.as_str()
                )));
            }
            account = Some(ctx.account.id);
        }
        let bulk = match &change {
            Change::Tag(t) => BulkChange::Tag(t.as_str()),
            Change::Untag(t) => BulkChange::Untag(t.as_str()),
            Change::DoNotContact => BulkChange::DoNotContact,
            Change::AddToCampaign(c) => BulkChange::AddToCampaign(*c),
        };
        let selection = filter.for_store();
        let (matched, would) = store::count(&mut tx, who.tenant, &selection, bulk).await?;
        let mut outcome = BulkOutcome {
            action: req.action,
            dry_run: req.dry_run,
            matched: matched as u64,
            touched: would as u64,
        };
        if req.dry_run {
            return Ok(outcome);
        }
        outcome.touched = match (&change, account) {
            (Change::AddToCampaign(campaign), Some(account)) => {
                let leads = store::entering(&mut tx, who.tenant, &selection, bulk).await?;
                let jobs: Vec<EnterImported> = leads
                    .chunks(LEADS_PER_ENTRY_JOB)
                    .map(|leads| EnterImported {
                        tenant: who.tenant,
                        campaign: *campaign,
                        account,
                        leads: leads.to_vec(),
                    })
                    .collect();
                revos_jobs::enqueue_many(&mut tx, &jobs, now, now).await?;
                leads.len() as u64
            }
            _ => store::apply(&mut tx, who.tenant, &selection, bulk, now).await?,
        };
        tx.commit().await?;
        Ok(outcome)
    }
}
