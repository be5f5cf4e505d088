//! Post tools: write a post in the session's client voice and save it as a draft, give a
//! draft a generated image, and submit a draft for approval. Nothing reaches LinkedIn from
//! here: a person approves every post.

use super::registry::ToolRegistry;
use super::resolve;
use super::{Done, Outcome, ToolContext, ToolError};
use super::{SwitchCartridgeArgs, Tool, ToolEffect, tool_name};
use futures::future::BoxFuture;
use revos_app::App;
use revos_app::llm::LlmMode;
use revos_app::posts::{CardStyle, GenerateImage, NewPost, RenderCard};
use revos_domain::memory::ExampleKind;
use revos_domain::post::PostStatus;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

tool_name!(DraftPostArgs, "draft_post");
tool_name!(SubmitPostArgs, "submit_post");
tool_name!(GenerateImageArgs, "generate_image");
tool_name!(RenderCardArgs, "render_card");

pub(super) fn register(r: &mut ToolRegistry) {
    r.add(
        ToolEffect::WRITE,
        "Save a LinkedIn post as a draft in the selected client's voice. Pass the full text as \
         `body` when you wrote it; without `body` RevOS writes one about `topic` from the \
         client's examples and learned style. The draft waits for a person's approval.",
        draft_post,
    );
    r.add(
        ToolEffect::WRITE,
        "Submit a draft post for approval (by id; without one, the newest draft).",
        submit_post,
    );
    r.add(
        ToolEffect::WRITE,
        "Generate an image from `prompt` with the workspace's image model and attach it to a \
         post (by id; without one, the newest draft) that is a draft or awaiting approval. Up \
         to 9 images per post. Needs a model: offline workspaces upload an image instead.",
        generate_image,
    );
    r.add(
        ToolEffect::WRITE,
        "Render a card offline from a post's text in the client's brand and attach it to the \
         post (by id; without one, the newest draft): `quote` for a square image with the text \
         as a quote, `carousel` for a PDF document post with one slide per paragraph. Works \
         without any model.",
        render_card,
    );
}

/// What to write about, or what was written.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftPostArgs {
    /// The post's subject, e.g. "onboarding new hires".
    pub topic: String,
    /// The post's full text, when already written; otherwise RevOS writes it.
    #[serde(default)]
    pub body: Option<String>,
    /// The client (cartridge) by name or id; default: the session's selected client.
    #[serde(default)]
    pub client: Option<String>,
    /// A campaign (name or id) that will watch the post once it is published.
    #[serde(default)]
    pub campaign: Option<String>,
}

/// Which draft to submit.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitPostArgs {
    /// The post's id; default: the newest draft.
    #[serde(default)]
    pub post: Option<String>,
}

/// What image to make, and for which post.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateImageArgs {
    /// What the image should show, e.g. "a lighthouse at dawn, flat illustration".
    pub prompt: String,
    /// The post's id; default: the newest draft.
    #[serde(default)]
    pub post: Option<String>,
}

/// Which card to draw, for which post.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RenderCardArgs {
    /// `quote` (a 1080x1080 image) or `carousel` (a PDF document post).
    pub style: CardStyleArg,
    /// The text to draw; default: the post's text.
    #[serde(default)]
    pub text: Option<String>,
    /// The post's id; default: the newest draft.
    #[serde(default)]
    pub post: Option<String>,
}

/// The card styles, as the model names them.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CardStyleArg {
    /// A square quote card.
    Quote,
    /// A document post, a slide per paragraph.
    Carousel,
}

fn render_card<'a>(
    app: &'a App,
    ctx: &'a mut ToolContext,
    args: RenderCardArgs,
) -> BoxFuture<'a, Outcome> {
    Box::pin(async move {
        let who = &ctx.principal;
        let id = post_or_newest_draft(app, who, args.post.as_deref()).await?;
        let style = match args.style {
            CardStyleArg::Quote => CardStyle::Quote,
            CardStyleArg::Carousel => CardStyle::Carousel,
        };
        let card = RenderCard {
            style,
            text: args.text,
            alt_text: None,
        };
        let media = app.render_post_card(who, id, card).await?;
        Ok(Done::new(
            json!({"post_id": id, "media_id": media.id, "file_id": media.file_id, "kind": media.kind}),
            "Card rendered and attached to the post",
        )?
        .link(format!("/posts/{id}")))
    })
}

/// The post a tool names by id, or else the workspace's newest draft.
async fn post_or_newest_draft(
    app: &App,
    who: &revos_app::Principal,
    named: Option<&str>,
) -> Result<Uuid, ToolError> {
    match named.map(str::trim) {
        Some(raw) => Uuid::parse_str(raw).map_err(|_| {
            ToolError::field("invalid_arguments", "post", "must be a post id (a UUID)")
        }),
        None => {
            let drafts = resolve::all(|p| app.list_posts(who, Some(PostStatus::Draft), p)).await?;
            drafts
                .iter()
                .max_by_key(|p| p.id)
                .map(|p| p.id)
                .ok_or_else(|| ToolError::field("not_found", "post", "there is no draft"))
        }
    }
}

fn generate_image<'a>(
    app: &'a App,
    ctx: &'a mut ToolContext,
    args: GenerateImageArgs,
) -> BoxFuture<'a, Outcome> {
    Box::pin(async move {
        let who = &ctx.principal;
        let id = post_or_newest_draft(app, who, args.post.as_deref()).await?;
        let media = app
            .generate_post_image(
                who,
                id,
                GenerateImage {
                    prompt: args.prompt,
                    size: None,
                    alt_text: None,
                },
            )
            .await?;
        Ok(Done::new(
            json!({"post_id": id, "media_id": media.id, "file_id": media.file_id, "position": media.position}),
            "Image generated and attached to the post",
        )?
        .link(format!("/posts/{id}")))
    })
}

fn draft_post<'a>(
    app: &'a App,
    ctx: &'a mut ToolContext,
    args: DraftPostArgs,
) -> BoxFuture<'a, Outcome> {
    Box::pin(async move {
        let who = &ctx.principal;
        let cartridge = match (&args.client, ctx.cartridge) {
            (Some(name), _) => resolve::cartridge_id(app, who, "client", name).await?,
            (None, Some(id)) => id,
            (None, None) => {
                return Err(ToolError::field(
                    "invalid_arguments",
                    "client",
                    format!(
                        "no client is selected: name one, or {} first",
                        SwitchCartridgeArgs::NAME
                    ),
                ));
            }
        };
        let campaign = match &args.campaign {
            Some(c) => Some(resolve::campaign(app, who, "campaign", c).await?.id),
            None => None,
        };
        let (body, written_by) = match args.body.as_deref().map(str::trim) {
            Some(b) if !b.is_empty() => (b.to_owned(), "agent"),
            _ => {
                let draft = app
                    .write_draft(who, cartridge, ExampleKind::Post, &args.topic)
                    .await?;
                let by = match draft.mode {
                    LlmMode::Online => "model",
                    LlmMode::Offline => "offline writer",
                };
                (draft.text, by)
            }
        };
        let post = app
            .create_post(
                who,
                NewPost {
                    body,
                    cartridge_id: cartridge.0,
                    linkedin_account_id: None,
                    campaign_id: campaign,
                },
            )
            .await?
            .post;
        let first_line: String = post
            .body
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(60)
            .collect();
        let summary = format!("Draft saved ({written_by}): {first_line}");
        let link = format!("/posts/{}", post.id);
        Ok(Done::new(
            json!({"post_id": post.id, "status": post.status, "body": post.body, "written_by": written_by}),
            summary,
        )?
        .link(link))
    })
}

fn submit_post<'a>(
    app: &'a App,
    ctx: &'a mut ToolContext,
    args: SubmitPostArgs,
) -> BoxFuture<'a, Outcome> {
    Box::pin(async move {
        let who = &ctx.principal;
        let id = post_or_newest_draft(app, who, args.post.as_deref()).await?;
        let post = app.submit_post(who, id).await?.post;
        let link = format!("/posts/{}", post.id);
        Ok(Done::new(
            json!({"post_id": post.id, "status": post.status}),
            "Submitted for approval",
        )?
        .link(link))
    })
}
