//! The lead magnet library: a workspace's magnets (an external link or an uploaded file,
//! with a title, description, tags and the cartridge it belongs to), searched by meaning over
//! their text and their PDF's text, and picked by campaigns (whose inline magnets are filed
//! here too, so every magnet a workspace sends is in its library).

mod search;

use crate::pdf_text;
use crate::{App, AppError, Principal, Result};
use chrono::{DateTime, Utc};
use revos_domain::campaign::LeadMagnet as InlineMagnet;
use revos_domain::files::FilePurpose;
use revos_domain::lead_magnet::{self as rules, MagnetContent, MagnetFields};
use revos_domain::validation::Collector;
use revos_domain::{CartridgeId, FileId, LeadMagnetId, Page, PageRequest, TenantId};
use revos_store::Tx;
use revos_store::lead_magnets::{self as store, MagnetRow};
use serde::{Deserialize, Serialize};

/// A magnet as the API shows it. Its schema is `LibraryLeadMagnet`: `LeadMagnet` is the
/// campaign's inline magnet (title, URL, description).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = LibraryLeadMagnet))]
pub struct LeadMagnet {
    /// Its id.
    pub id: LeadMagnetId,
    /// Shown to people and in DMs (`{{ lead_magnet_title }}`).
    pub title: String,
    /// What it is.
    pub description: String,
    /// Its labels.
    pub tags: Vec<String>,
    /// Its external link; `null` for a file.
    pub url: Option<String>,
    /// The uploaded file (`POST /api/v1/files`, purpose `lead_magnet`); `null` for a link.
    pub file_id: Option<FileId>,
    /// The cartridge (client) it belongs to.
    pub cartridge_id: Option<CartridgeId>,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// How well it matches a search (`q`), best first; absent outside a search.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
}

/// A new magnet: a title and either `url` or `file_id`.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewLeadMagnet {
    /// Its title.
    pub title: String,
    /// What it is.
    #[serde(default)]
    pub description: String,
    /// Its labels (at most 20, each at most 50 characters).
    #[serde(default)]
    pub tags: Vec<String>,
    /// An external http(s) link.
    #[serde(default)]
    pub url: Option<String>,
    /// An uploaded file of this workspace with purpose `lead_magnet`.
    #[serde(default)]
    pub file_id: Option<FileId>,
    /// The cartridge it belongs to.
    #[serde(default)]
    pub cartridge_id: Option<CartridgeId>,
}

/// Changes to a magnet: only the fields given change. Giving `url` makes it a link (its file
/// is deleted), giving `file_id` makes it that file.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LeadMagnetChange {
    /// A new title.
    #[serde(default)]
    pub title: Option<String>,
    /// A new description.
    #[serde(default)]
    pub description: Option<String>,
    /// New labels.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// A new external link (the magnet becomes a link).
    #[serde(default)]
    pub url: Option<String>,
    /// A new file (the magnet becomes that file).
    #[serde(default)]
    pub file_id: Option<FileId>,
    /// Another cartridge; `null` detaches it.
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub cartridge_id: Option<Option<CartridgeId>>,
}

/// A field given (even as `null`) is `Some`; a field left out stays `None`.
fn present<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Option<CartridgeId>>, D::Error> {
    Option::<CartridgeId>::deserialize(d).map(Some)
}

fn view(row: MagnetRow) -> LeadMagnet {
    LeadMagnet {
        id: LeadMagnetId(row.id),
        title: row.title,
        description: row.description,
        tags: row.tags.0,
        url: Some(row.url).filter(|u| !u.is_empty()),
        file_id: row.file_id.map(FileId),
        cartridge_id: row.cartridge_id.map(CartridgeId),
        created_at: row.created_at,
        updated_at: row.updated_at,
        score: None,
    }
}

/// What a magnet's save writes besides its fields: its folded search text and its pieces.
struct Prepared {
    fields: MagnetFields,
    content: MagnetContent,
    cartridge: Option<CartridgeId>,
    search_text: String,
    chunks: Vec<String>,
}

impl Prepared {
    async fn write(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        id: LeadMagnetId,
        new: bool,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let tags = serde_json::to_string(&self.fields.tags)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let f = store::MagnetFields {
            title: &self.fields.title,
            url: rules::stored_url(&self.content),
            description: &self.fields.description,
            tags: &tags,
            file_id: match self.content {
                MagnetContent::File(f) => Some(f.0),
                MagnetContent::Url(_) => None,
            },
            cartridge_id: self.cartridge.map(|c| c.0),
            search_text: &self.search_text,
        };
        let written = if new {
            store::insert(tx, tenant, id, &f, now).await?;
            true
        } else {
            store::update(tx, tenant, id, &f, now).await?
        };
        if written {
            store::replace_chunks(tx, tenant, id, &self.chunks).await?;
        }
        Ok(written)
    }
}

impl App {
    /// Checks a magnet's fields and reads its document's text (a PDF's, under a budget,
    /// before any transaction begins): everything a save writes.
    async fn prepare_magnet(
        &self,
        who: &Principal,
        fields: MagnetFields,
        cartridge: Option<CartridgeId>,
    ) -> Result<Prepared> {
        let (fields, content) = fields.validate()?;
        let document = match &content {
            MagnetContent::File(id) => self.magnet_document(who.tenant, *id).await?,
            MagnetContent::Url(_) => String::new(),
        };
        let summary = fields.summary();
        Ok(Prepared {
            search_text: rules::search_text(&summary, &document),
            chunks: rules::chunks(&summary, &document),
            fields,
            content,
            cartridge,
        })
    }

    /// The text of a magnet's file: a PDF's extracted text, a text file's own; nothing for
    /// other kinds. The file must be this workspace's and uploaded as a lead magnet.
    async fn magnet_document(&self, tenant: TenantId, id: FileId) -> Result<String> {
        let file = match self.file(tenant, id).await {
            Ok(f) => f,
            Err(AppError::NotFound(_)) => {
                return Err(revos_domain::ValidationErrors::single(
                    "file_id",
                    "no such file in this workspace",
                )
                .into());
            }
            Err(e) => return Err(e),
        };
        if !matches!(
            file.purpose,
            FilePurpose::LeadMagnet | FilePurpose::GeneratedGuide
        ) {
            return Err(revos_domain::ValidationErrors::single(
                "file_id",
                "was not uploaded as a lead magnet (purpose lead_magnet)",
            )
            .into());
        }
        let kind = file.content_type.as_str();
        if !matches!(
            kind,
            "application/pdf" | "text/plain" | "text/markdown" | "text/csv"
        ) {
            return Ok(String::new());
        }
        let (_, bytes) = self.file_bytes(tenant, id).await?;
        Ok(match kind {
            "application/pdf" => pdf_text::extract(bytes).await,
            _ => String::from_utf8_lossy(&bytes)
                .chars()
                .take(pdf_text::MAX_TEXT_CHARS)
                .collect(),
        })
    }

    /// Checks that `cartridge` is one of the workspace's.
    async fn check_magnet_cartridge(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        cartridge: Option<CartridgeId>,
    ) -> Result<()> {
        if let Some(id) = cartridge
            && revos_store::cartridges::get(tx, tenant, id)
                .await?
                .is_none()
        {
            let mut c = Collector::default();
            c.push("cartridge_id", "no such cartridge in this workspace");
            c.finish()?;
        }
        Ok(())
    }

    /// Adds a magnet to the workspace's library.
    pub async fn create_lead_magnet(
        &self,
        who: &Principal,
        new: NewLeadMagnet,
    ) -> Result<LeadMagnet> {
        let fields = MagnetFields {
            title: new.title,
            description: new.description,
            tags: new.tags,
            url: new.url,
            file_id: new.file_id,
        };
        let prepared = self.prepare_magnet(who, fields, new.cartridge_id).await?;
        let id = LeadMagnetId::new();
        let mut tx = self.store.begin_for(who.tenant).await?;
        self.check_magnet_cartridge(&mut tx, who.tenant, prepared.cartridge)
            .await?;
        prepared
            .write(&mut tx, who.tenant, id, true, self.now())
            .await?;
        let row = store::get(&mut tx, who.tenant, id)
            .await?
            .ok_or(AppError::NotFound("lead magnet"))?;
        tx.commit().await?;
        tracing::info!(tenant = %who.tenant, magnet = %id, "lead magnet added");
        Ok(view(row))
    }

    /// Magnet `id` of the caller's workspace; 404 for any other workspace's.
    pub async fn get_lead_magnet(&self, who: &Principal, id: LeadMagnetId) -> Result<LeadMagnet> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let row = store::get(&mut tx, who.tenant, id).await?;
        tx.commit().await?;
        row.map(view).ok_or(AppError::NotFound("lead magnet"))
    }

    /// A page of the workspace's magnets, oldest first.
    pub async fn list_lead_magnets(
        &self,
        who: &Principal,
        page: PageRequest,
    ) -> Result<Page<LeadMagnet>> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let rows = store::list(&mut tx, who.tenant, None, page).await?;
        tx.commit().await?;
        let page = Page::from_rows(rows, page, |r| r.id);
        Ok(Page {
            items: page.items.into_iter().map(view).collect(),
            next_after: page.next_after,
        })
    }

    /// Changes a magnet. A file it no longer holds is deleted.
    pub async fn update_lead_magnet(
        &self,
        who: &Principal,
        id: LeadMagnetId,
        change: LeadMagnetChange,
    ) -> Result<LeadMagnet> {
        let current = self.get_lead_magnet(who, id).await?;
        let (url, file_id) = match (change.url, change.file_id) {
            (None, None) => (current.url.clone(), current.file_id),
            given => given,
        };
        let fields = MagnetFields {
            title: change.title.unwrap_or(current.title.clone()),
            description: change.description.unwrap_or(current.description.clone()),
            tags: change.tags.unwrap_or(current.tags.clone()),
            url,
            file_id,
        };
        let cartridge = change.cartridge_id.unwrap_or(current.cartridge_id);
        let prepared = self.prepare_magnet(who, fields, cartridge).await?;
        let mut tx = self.store.begin_for(who.tenant).await?;
        self.check_magnet_cartridge(&mut tx, who.tenant, prepared.cartridge)
            .await?;
        if !prepared
            .write(&mut tx, who.tenant, id, false, self.now())
            .await?
        {
            return Err(AppError::NotFound("lead magnet"));
        }
        let row = store::get(&mut tx, who.tenant, id)
            .await?
            .ok_or(AppError::NotFound("lead magnet"))?;
        tx.commit().await?;
        if let Some(old) = current.file_id
            && row.file_id != Some(old.0)
        {
            self.delete_file(who.tenant, old).await?;
        }
        Ok(view(row))
    }

    /// Rebuilds a magnet's search text and pieces from its current fields and file (after the
    /// file it points at was replaced, e.g. a guide rendered again).
    pub(crate) async fn reindex_lead_magnet(
        &self,
        who: &Principal,
        id: LeadMagnetId,
    ) -> Result<()> {
        self.update_lead_magnet(who, id, LeadMagnetChange::default())
            .await
            .map(drop)
    }

    /// Deletes a magnet and its file. Refused (409) while a campaign that is not completed
    /// sends it: pick another magnet for those campaigns first.
    pub async fn delete_lead_magnet(&self, who: &Principal, id: LeadMagnetId) -> Result<()> {
        let mut tx = self.store.begin_for(who.tenant).await?;
        let row = store::get(&mut tx, who.tenant, id)
            .await?
            .ok_or(AppError::NotFound("lead magnet"))?;
        let live = store::live_campaigns_using(&mut tx, who.tenant, id).await?;
        if live > 0 {
            return Err(AppError::Conflict(format!(
                "{live} campaign(s) that are not completed send this lead magnet; give them another one first"
            )));
        }
        store::delete(&mut tx, who.tenant, id).await?;
        tx.commit().await?;
        if let Some(file) = row.file_id {
            self.delete_file(who.tenant, FileId(file)).await?;
        }
        tracing::info!(tenant = %who.tenant, magnet = %id, "lead magnet deleted");
        Ok(())
    }

    /// The library magnet a campaign's inline magnet is filed as: the link magnet with the
    /// same title and URL, else a new one. Called in the campaign's own transaction.
    pub(crate) async fn file_inline_magnet(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        inline: &InlineMagnet,
    ) -> Result<LeadMagnetId> {
        let title = inline.title.trim();
        let url = inline.url.trim();
        if let Some(id) = store::find_url_magnet(tx, tenant, title, url).await? {
            return Ok(LeadMagnetId(id));
        }
        let fields = MagnetFields {
            title: title.to_owned(),
            description: inline.description.trim().to_owned(),
            tags: Vec::new(),
            url: Some(url.to_owned()),
            file_id: None,
        };
        let summary = fields.summary();
        let prepared = Prepared {
            search_text: rules::search_text(&summary, ""),
            chunks: rules::chunks(&summary, ""),
            content: MagnetContent::Url(url.to_owned()),
            fields,
            cartridge: None,
        };
        let id = LeadMagnetId::new();
        prepared.write(tx, tenant, id, true, self.now()).await?;
        Ok(id)
    }
}
