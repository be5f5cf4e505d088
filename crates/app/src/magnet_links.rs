//! Tracked lead-magnet delivery (issue 20, item 3). With a public URL (`REVOS_PUBLIC_URL`),
//! the DM (and the email fallback) carries `{public_url}/m/{token}` instead of the magnet's
//! own URL; the link's row is written in the transaction that stores the DM's text. Opening
//! the link delivers the magnet ([`App::open_magnet_link`]: the stored file inline, else a
//! redirect to its URL) and, when a person opened it (not a crawler, a preview or a
//! prefetch: [`magnet_link::is_open`]), counts the open: the first appends `magnet_opened` to
//! the lead's timeline through the pipeline's event path (funnel, outbox, webhooks), later
//! ones only count, at most one a minute.

use crate::files::StoredFile;
use crate::pipeline_events::{self, Step};
use crate::{App, AppError, Result};
use bytes::Bytes;
use revos_domain::campaign::LeadMagnet;
use revos_domain::magnet_link::{self, COUNT_EVERY, Fetch, MAGNET_OPENED};
use revos_domain::{FileId, TenantId};
use revos_store::Tx;
use revos_store::magnet_links::{self as store, LinkRow, NewLink};
use uuid::Uuid;

/// What opening a tracked link delivers.
#[derive(Debug)]
pub enum MagnetDelivery {
    /// A redirect to the magnet's URL.
    Redirect(String),
    /// The magnet's stored file, to serve inline.
    File(StoredFile, Bytes),
}

/// The magnet's URL as the messages of one campaign to one lead carry it.
pub(crate) struct MagnetLink<'a> {
    /// The URL to put in the message: the tracked link, or the magnet's own URL.
    pub url: String,
    /// The tracked link's token hash (none without a public URL).
    token_hash: Option<String>,
    campaign: Uuid,
    lead: Uuid,
    magnet: &'a LeadMagnet,
    /// The library magnet's stored file, when the magnet is one.
    file: Option<FileId>,
}

impl MagnetLink<'_> {
    /// True for a tracked link (there is a row to record).
    pub(crate) fn is_tracked(&self) -> bool {
        self.token_hash.is_some()
    }

    /// Records the tracked link (once; a retry finds it) in the transaction that keeps the
    /// message carrying it. Nothing to record for a plain URL.
    pub(crate) async fn remember(&self, tx: &mut Tx, tenant: TenantId, app: &App) -> Result<()> {
        let Some(token_hash) = &self.token_hash else {
            return Ok(());
        };
        let (target_url, file_id) = delivered(self.magnet, self.file);
        let link = NewLink {
            token_hash,
            campaign: self.campaign,
            lead: self.lead,
            target_url,
            file_id: file_id.map(|f| f.0),
        };
        store::remember(tx, tenant, &link, app.now()).await?;
        Ok(())
    }
}

impl App {
    /// The URL the messages of `campaign` to `lead` carry for `magnet`: the lead's tracked
    /// link when the instance has a public URL, else the magnet's own URL. The same campaign
    /// and lead always get the same link (no database read: the token is derived). `file` is
    /// the library magnet's stored file (the campaign row's `magnet_file_id`), if it is one.
    pub(crate) fn magnet_link<'a>(
        &self,
        tenant: TenantId,
        campaign: Uuid,
        lead: Uuid,
        magnet: &'a LeadMagnet,
        file: Option<Uuid>,
    ) -> MagnetLink<'a> {
        let public = self.provider_settings().public_url.as_deref();
        let (url, token_hash) = match public {
            Some(public) => {
                let key = self.master_key.magnet_link_key();
                let token = magnet_link::token(&key, tenant, campaign, lead);
                (
                    magnet_link::link(public, &token),
                    Some(magnet_link::token_hash(&token)),
                )
            }
            None => (magnet.url.clone(), None),
        };
        MagnetLink {
            url,
            token_hash,
            campaign,
            lead,
            magnet,
            file: file.map(FileId),
        }
    }

    /// Opens the tracked link `token`: what it delivers, after counting the open when
    /// `fetch` is a person's. An unknown token (or one whose lead or campaign was deleted)
    /// is not found; nothing tells one workspace's token from another's.
    pub async fn open_magnet_link(&self, token: &str, fetch: &Fetch<'_>) -> Result<MagnetDelivery> {
        const NOT_FOUND: AppError = AppError::NotFound("link");
        if !magnet_link::is_token(token) {
            return Err(NOT_FOUND);
        }
        let hash = magnet_link::token_hash(token);
        let mut tx = self.store.begin_read().await?;
        tx.scope_credential(&hash).await?;
        let link = store::find(&mut tx, &hash).await?;
        tx.commit().await?;
        let link = link.ok_or(NOT_FOUND)?;
        let tenant = TenantId(link.tenant_id);
        if magnet_link::is_open(fetch) {
            self.count_open(tenant, &link).await?;
        }
        self.deliver(tenant, &link).await
    }

    /// The branch point of delivery: the link's stored file, served inline, when the magnet
    /// is a file; else a redirect to its URL; a link with neither (its file deleted) is gone.
    async fn deliver(&self, tenant: TenantId, link: &LinkRow) -> Result<MagnetDelivery> {
        if let Some(file) = link.file_id {
            let (file, bytes) = self.file_bytes(tenant, FileId(file)).await?;
            return Ok(MagnetDelivery::File(file, bytes));
        }
        match &link.target_url {
            Some(url) if !url.is_empty() => Ok(MagnetDelivery::Redirect(url.clone())),
            _ => Err(AppError::NotFound("link")),
        }
    }

    /// Counts a person's open of `link`; the first one goes on the lead's timeline.
    async fn count_open(&self, tenant: TenantId, link: &LinkRow) -> Result<()> {
        let now = self.now();
        let mut tx = self.store.begin_for(tenant).await?;
        let count = store::count_open(&mut tx, tenant, link.id, now, now - COUNT_EVERY).await?;
        if count == Some(1) {
            let step = Step::new(MAGNET_OPENED, Some(link.campaign_id), link.lead_id);
            pipeline_events::append(&mut tx, tenant, step, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// What a link to `magnet` delivers: its stored file when the library magnet is one (served
/// inline), else its URL. The one place that decides it, when the link is recorded.
fn delivered(magnet: &LeadMagnet, file: Option<FileId>) -> (Option<&str>, Option<FileId>) {
    match file {
        Some(file) => (None, Some(file)),
        None => (Some(magnet.url.as_str()), None),
    }
}
