//! Personalised DMs: when a campaign asks for it (`personalize_dm`) and its workspace has a
//! model, the model rewrites the rendered template for the person in the cartridge's voice,
//! shown the cartridge's approved DMs and learned style. The template's text is sent instead
//! whenever the model is absent, fails, is over the workspace's monthly budget, or drops the
//! lead magnet's link: a DM never goes out without what the person asked for. It is sent
//! instead, too, when the model's text is not grounded: every link, number and name in it
//! must come from the rendered template, the lead's data, the campaign's trigger words or the
//! cartridge ([`revos_domain::grounding`]). A campaign that asked for personalisation and did
//! not get it gets a `dm_not_personalized` event on the lead saying why
//! (`llm_budget_exceeded`, the model's error class, or `ungrounded` with what was not). The
//! person's profile and the rendered message (which carries their name) reach the model as
//! untrusted data, and the call offers no tools. The DM job asks for this once per DM and
//! stores the answer (see [`crate::outreach::dm`]).

use crate::pipeline_events::{self, Step};
use crate::{App, AppError, Credential, Principal, Result};
use revos_domain::campaign::CampaignSpec;
use revos_domain::grounding::ungrounded;
use revos_domain::memory::ExampleKind;
use revos_domain::untrusted::{UNTRUSTED_RULE, wrap_untrusted};
use revos_domain::{CartridgeId, Role, TenantId, UserId};
use revos_providers::llm::{ChatRequest, LlmMessage};
use revos_store::leads::LeadRow;
use uuid::Uuid;

/// The longest personalised DM sent; a longer answer falls back to the template.
const MAX_DM_CHARS: usize = 1_500;

/// What the model is asked to do with the template.
const TASK: &str = "Rewrite the LinkedIn direct message below for this person, in the client's \
    voice described above. Keep every link exactly as written, stay under 600 characters, \
    write no subject line and no placeholders, and reply with the message only.";

impl App {
    /// The DM text to send to `lead`: the model's personalised version of `rendered` when the
    /// campaign asks for one and it keeps the lead magnet's link (`link`, as `rendered`
    /// carries it), else `rendered` itself.
    pub(crate) async fn personalized_dm(
        &self,
        tenant: TenantId,
        campaign: Uuid,
        spec: &CampaignSpec,
        lead: &LeadRow,
        link: &str,
        rendered: String,
    ) -> String {
        let Some(cartridge) = spec.cartridge_id.filter(|_| spec.personalize_dm) else {
            return rendered;
        };
        match self
            .personalize(tenant, CartridgeId(cartridge), spec, lead, link, &rendered)
            .await
        {
            Ok(Personalized::Text(text)) => text,
            Ok(Personalized::Template) => rendered,
            Ok(Personalized::Ungrounded(what)) => {
                tracing::warn!(lead = %lead.id, ?what, "the personalised DM says what nothing grounds; sending the template");
                let extra = serde_json::json!({ "reason": "ungrounded", "ungrounded": what });
                if let Err(e) = self
                    .record_not_personalized(tenant, campaign, lead.id, extra)
                    .await
                {
                    tracing::warn!(lead = %lead.id, error = %e, "could not record why the DM was not personalised");
                }
                rendered
            }
            Err(err) => {
                tracing::warn!(lead = %lead.id, error = %err, "personalising a DM failed; sending the template");
                let reason = match &err {
                    AppError::LlmBudgetExceeded { .. } => "llm_budget_exceeded",
                    AppError::Provider(e) => e.class().as_str(),
                    _ => "failed",
                };
                let extra = serde_json::json!({ "reason": reason });
                if let Err(e) = self
                    .record_not_personalized(tenant, campaign, lead.id, extra)
                    .await
                {
                    tracing::warn!(lead = %lead.id, error = %e, "could not record why the DM was not personalised");
                }
                rendered
            }
        }
    }

    /// Appends `dm_not_personalized` with `extra` (its `reason`, and what else says why) to
    /// the lead's timeline.
    async fn record_not_personalized(
        &self,
        tenant: TenantId,
        campaign: Uuid,
        lead: Uuid,
        extra: serde_json::Value,
    ) -> Result<()> {
        let mut step = Step::new("dm_not_personalized", Some(campaign), lead);
        step.extra = extra;
        let mut tx = self.store.begin_for(tenant).await?;
        pipeline_events::append(&mut tx, tenant, step, self.now()).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn personalize(
        &self,
        tenant: TenantId,
        cartridge: CartridgeId,
        spec: &CampaignSpec,
        lead: &LeadRow,
        link: &str,
        rendered: &str,
    ) -> Result<Personalized> {
        let Some(model) = self.language_model(tenant).await? else {
            return Ok(Personalized::Template);
        };
        self.check_llm_budget(tenant, &model).await?;
        // A background job acts for its workspace; it reads the cartridge and its memory only.
        let worker = Principal {
            tenant,
            user: UserId(Uuid::nil()),
            role: Role::Member,
            credential: Credential::Worker,
        };
        let voice = self.get_cartridge(&worker, cartridge).await?;
        let about = [
            Some(lead.name.as_str()),
            lead.headline.as_deref(),
            lead.company.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" — ");
        let (guide, _) = self
            .voice_guide(&worker, cartridge, ExampleKind::Dm, &about)
            .await?;
        let request = ChatRequest {
            messages: vec![
                LlmMessage::System {
                    content: format!(
                        "{}\n\n{guide}\n{TASK}\n{UNTRUSTED_RULE}",
                        voice.effective_system_prompt
                    ),
                },
                LlmMessage::User {
                    content: format!(
                        "Person:\n{}\n\nMessage:\n{}",
                        wrap_untrusted("lead_profile", &about),
                        wrap_untrusted("dm_to_rewrite", rendered)
                    ),
                },
            ],
            // Only text comes back: nothing a lead wrote can make this call act.
            tools: Vec::new(),
            ..Default::default()
        };
        let outcome = model.client.chat(&request).await?;
        if let Some(usage) = outcome.usage {
            self.record_llm_call(tenant, None, "personalize_dm", &outcome.model, usage)
                .await?;
        }
        let text = outcome.content.unwrap_or_default().trim().to_owned();
        let keeps_link = link.is_empty() || text.contains(link);
        if text.is_empty() || !keeps_link || text.chars().count() > MAX_DM_CHARS {
            tracing::warn!(lead = %lead.id, "the personalised DM lost the link or its shape; sending the template");
            return Ok(Personalized::Template);
        }
        let lead_data = [
            Some(lead.name.as_str()),
            lead.headline.as_deref(),
            lead.company.as_deref(),
            lead.linkedin_url.as_deref(),
            lead.email.as_deref(),
        ];
        let mut sources: Vec<&str> = lead_data.into_iter().flatten().collect();
        sources.push(rendered);
        sources.push(&voice.effective_system_prompt);
        sources.extend(spec.trigger_words.iter().map(String::as_str));
        let missing = ungrounded(&text, &sources);
        if !missing.is_empty() {
            return Ok(Personalized::Ungrounded(missing.all()));
        }
        Ok(Personalized::Text(text))
    }
}

/// What the model's rewrite came to.
enum Personalized {
    /// Its text, to send.
    Text(String),
    /// No model, or a text without the link or over length: the template goes out.
    Template,
    /// A text saying these things that nothing given to the model says: the template goes out.
    Ungrounded(Vec<String>),
}
