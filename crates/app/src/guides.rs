//! Generated lead magnets: a guide or checklist written for a cartridge (by the workspace's
//! model in the client's voice, or by the offline writer), edited while a draft, approved by a
//! person, then rendered to a PDF (the cartridge's name, brand colours and logo on the cover)
//! kept as a file of purpose `generated_guide`. Rendering runs on the CPU pool, outside any
//! transaction, under [`RENDER_BUDGET`].

use std::time::Duration;

use crate::llm::LlmMode;
use crate::{App, AppError, Principal, Result};
use revos_domain::files::FilePurpose;
use revos_domain::guides::{
    GuideKind, GuideStatus, MAX_GUIDE_MARKDOWN, markdown_title, offline_guide,
};
use revos_domain::memory::ExampleKind;
use revos_domain::validation::Collector;
use revos_domain::{CartridgeId, GuideId, Page, PageRequest, TenantId};
use revos_providers::llm::{ChatRequest, LlmMessage};
use revos_store::guides::{self as store, GuideRow};
use serde::Serialize;

/// A guide as the API shows it (the stored row).
pub type Guide = GuideRow;

/// How long rendering one guide may take before it is given up.
pub const RENDER_BUDGET: Duration = Duration::from_secs(60);

/// A newly written guide, and what wrote it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WrittenGuide {
    /// The guide, a draft.
    #[serde(flatten)]
    pub guide: Guide,
    /// `online` (the model wrote it) or `offline` (the offline writer did).
    pub mode: LlmMode,
}

/// What an edit of a draft changes.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GuideEdit {
    /// A new title.
    pub title: Option<String>,
    /// New Markdown.
    pub markdown: Option<String>,
}

fn check_markdown(c: &mut Collector, field: &str, markdown: &str) {
    c.text(field, markdown, 1, MAX_GUIDE_MARKDOWN);
}

/// Cuts `text` to `max` characters.
fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

impl App {
    /// Writes a guide or checklist about `topic` for a cartridge, as a draft.
    pub async fn create_guide(
        &self,
        who: &Principal,
        cartridge: CartridgeId,
        topic: &str,
        kind: GuideKind,
    ) -> Result<WrittenGuide> {
        let mut c = Collector::default();
        c.text("topic", topic, 1, 500);
        c.finish()?;
        let topic = topic.trim();
        let voice = self.get_cartridge(who, cartridge).await?;
        let (markdown, mode) = match self.usable_model(who.tenant).await? {
            Some(model) => {
                let (guide, _) = self
                    .voice_guide(who, cartridge, ExampleKind::Post, topic)
                    .await?;
                let task = match kind {
                    GuideKind::Guide => "Write a practical guide",
                    GuideKind::Checklist => "Write a checklist",
                };
                let request = ChatRequest {
                    messages: vec![
                        LlmMessage::System {
                            content: format!(
                                "{}\n\n{guide}\n{task} about the topic the user gives, as a lead magnet for your audience. \
                                 Reply with Markdown only: a `# ` title line, `## ` section headings, short paragraphs and lists.",
                                voice.effective_system_prompt
                            ),
                        },
                        LlmMessage::User {
                            content: topic.to_owned(),
                        },
                    ],
                    ..Default::default()
                };
                let outcome = model.client.chat(&request).await?;
                if let Some(usage) = outcome.usage {
                    self.record_llm_call(who.tenant, None, "guide", &outcome.model, usage)
                        .await?;
                }
                let text = outcome.content.unwrap_or_default().trim().to_owned();
                if text.is_empty() {
                    return Err(AppError::Provider(revos_providers::ProviderError::new(
                        "openai",
                        revos_providers::ProviderErrorKind::Transient,
                        "the model wrote an empty guide",
                    )));
                }
                (cut(&text, MAX_GUIDE_MARKDOWN), LlmMode::Online)
            }
            None => (offline_guide(&voice.spec, kind, topic), LlmMode::Offline),
        };
        let title =
            markdown_title(&markdown).unwrap_or_else(|| cut(&kind.default_title(topic), 200));
        let now = self.now();
        let row = GuideRow {
            id: GuideId::new().0,
            cartridge_id: cartridge.0,
            kind,
            status: GuideStatus::Draft,
            topic: topic.to_owned(),
            title,
            markdown,
            file_id: None,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.store.begin_for(who.tenant).await?;
        store::insert(&mut tx, who.tenant, &row).await?;
        tx.commit().await?;
        Ok(WrittenGuide { guide: row, mode })
    }

    /// The workspace's model when one is configured and within budget.
    async fn usable_model(&self, tenant: TenantId) -> Result<Option<crate::llm::LanguageModel>> {
        let Some(model) = self.language_model(tenant).await? else {
            return Ok(None);
        };
        match self.check_llm_budget(tenant, &model).await {
            Ok(()) => Ok(Some(model)),
            Err(AppError::LlmBudgetExceeded { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// One guide of the caller's workspace.
    pub async fn guide(&self, who: &Principal, id: GuideId) -> Result<Guide> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        store::get(&mut tx, who.tenant, id)
            .await?
            .ok_or(AppError::NotFound("guide"))
    }

    /// The caller's guides, newest first.
    pub async fn guides(&self, who: &Principal, page: PageRequest) -> Result<Page<Guide>> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let rows = store::list(&mut tx, who.tenant, page).await?;
        Ok(Page::from_rows(rows, page, |r| r.id))
    }

    /// Edits a draft's title or Markdown; an approved guide is not edited (409).
    pub async fn edit_guide(
        &self,
        who: &Principal,
        id: GuideId,
        edit: &GuideEdit,
    ) -> Result<Guide> {
        let current = self.guide(who, id).await?;
        let mut c = Collector::default();
        if let Some(title) = &edit.title {
            c.text("title", title, 1, 200);
        }
        if let Some(markdown) = &edit.markdown {
            check_markdown(&mut c, "markdown", markdown);
        }
        c.finish()?;
        if current.status != GuideStatus::Draft {
            return Err(AppError::Conflict(
                "only a draft guide can be edited".into(),
            ));
        }
        let title = edit
            .title
            .as_deref()
            .map_or(current.title.clone(), |t| t.trim().to_owned());
        let markdown = edit.markdown.clone().unwrap_or(current.markdown);
        let mut tx = self.store.begin_for(who.tenant).await?;
        if !store::edit_draft(&mut tx, who.tenant, id, &title, &markdown, self.now()).await? {
            return Err(AppError::Conflict(
                "only a draft guide can be edited".into(),
            ));
        }
        tx.commit().await?;
        self.guide(who, id).await
    }

    /// Approves a draft and renders its PDF. When rendering fails the guide stays approved and
    /// can be rendered again.
    pub async fn approve_guide(&self, who: &Principal, id: GuideId) -> Result<Guide> {
        self.guide(who, id).await?;
        let mut tx = self.store.begin_for(who.tenant).await?;
        let moved = store::set_status(
            &mut tx,
            who.tenant,
            id,
            GuideStatus::Draft,
            GuideStatus::Approved,
            self.now(),
        )
        .await?;
        tx.commit().await?;
        if !moved {
            return Err(AppError::Conflict("the guide is not a draft".into()));
        }
        self.render_guide(who, id).await
    }

    /// Renders an approved guide's PDF again (after its cartridge's brand changed), replacing
    /// the previous file.
    pub async fn render_guide(&self, who: &Principal, id: GuideId) -> Result<Guide> {
        let guide = self.guide(who, id).await?;
        if guide.status == GuideStatus::Draft {
            return Err(AppError::Conflict(
                "approve the guide before rendering it".into(),
            ));
        }
        let cartridge = self.get_cartridge(who, guide.cartridge()).await?;
        let brand = self
            .render_brand(who.tenant, cartridge.spec.brand.as_ref())
            .await?;
        let (name, title, markdown) = (
            cartridge.spec.name.clone(),
            guide.title.clone(),
            guide.markdown.clone(),
        );
        let render = crate::cpu::run(move || {
            let doc = revos_render::GuideDocument {
                cartridge_name: &name,
                title: &title,
                markdown: &markdown,
            };
            revos_render::guide_pdf(&doc, &brand, revos_render::PageSize::A4)
        });
        let pdf = tokio::time::timeout(RENDER_BUDGET, render)
            .await
            .map_err(|_| AppError::Internal("rendering the guide took too long".into()))??
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let file_name = format!("{}.pdf", file_stem(&guide.title));
        let file = self
            .store_file(
                who.tenant,
                FilePurpose::GeneratedGuide,
                &file_name,
                "application/pdf",
                pdf.into(),
            )
            .await?;
        let mut tx = self.store.begin_for(who.tenant).await?;
        let replaced =
            store::set_rendered(&mut tx, who.tenant, id, file.file_id(), self.now()).await?;
        let repointed = match replaced {
            // The library magnet made from the guide delivers the new PDF from now on.
            Some(Some(old)) => {
                revos_store::lead_magnets::repoint_file(&mut tx, who.tenant, old, file.id).await?
            }
            _ => Vec::new(),
        };
        tx.commit().await?;
        for magnet in repointed {
            // Its search pieces are the new PDF's text, not the previous rendering's.
            self.reindex_lead_magnet(who, revos_domain::LeadMagnetId(magnet))
                .await?;
        }
        if replaced == Some(None) {
            // First rendering: the guide joins the lead magnet library.
            let magnet = crate::lead_magnets::NewLeadMagnet {
                title: guide.title.clone(),
                description: guide.topic.clone(),
                tags: vec![guide.kind.as_str().to_owned()],
                url: None,
                file_id: Some(file.file_id()),
                cartridge_id: Some(guide.cartridge()),
            };
            self.create_lead_magnet(who, magnet).await?;
        }
        match replaced {
            None => {
                self.delete_file(who.tenant, file.file_id()).await?;
                return Err(AppError::NotFound("guide"));
            }
            Some(Some(old)) if old != file.id => match self
                .delete_file(who.tenant, revos_domain::FileId(old))
                .await
            {
                Ok(()) | Err(AppError::NotFound(_)) => {}
                Err(e) => return Err(e),
            },
            Some(_) => {}
        }
        self.guide(who, id).await
    }

    /// A cartridge's brand as the renderers take it: its colours (defaults when absent) and
    /// its logo's bytes when it has a PNG or JPEG logo that still exists.
    pub async fn render_brand(
        &self,
        tenant: TenantId,
        brand: Option<&revos_domain::cartridge::Brand>,
    ) -> Result<revos_render::Brand> {
        let mut out = revos_render::Brand::default();
        let Some(brand) = brand else { return Ok(out) };
        if let Some(color) = brand
            .primary_color
            .as_deref()
            .and_then(|c| revos_render::Rgb::parse(c).ok())
        {
            out.primary = color;
        }
        if let Some(color) = brand
            .accent_color
            .as_deref()
            .and_then(|c| revos_render::Rgb::parse(c).ok())
        {
            out.accent = color;
        }
        if let Some(logo) = brand.logo_file_id {
            match self.file_bytes(tenant, logo).await {
                Ok((file, bytes)) => {
                    out.logo = match file.content_type.as_str() {
                        "image/png" => Some(revos_render::Logo::Png(bytes.to_vec())),
                        "image/jpeg" => Some(revos_render::Logo::Jpeg(bytes.to_vec())),
                        _ => None,
                    }
                }
                Err(AppError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }
}

/// A plain file name from a title: letters, digits and dashes, at most 60 characters.
fn file_stem(title: &str) -> String {
    let stem: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let stem: String = stem.chars().take(60).collect();
    if stem.is_empty() {
        "guide".into()
    } else {
        stem
    }
}
