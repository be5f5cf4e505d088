//! A month of post topics for a cartridge, from its knowledge documents and the workspace's
//! best-performing posts: proposed by the tenant's model when one is configured, else by the
//! offline planner ([`revos_domain::content_plan::offline_topics`]); each topic gets a
//! suggested weekday of the month. Queuing a plan writes each topic as a post in the client's
//! voice and submits it for approval through the same use cases as the UI.

use crate::llm::LlmMode;
use crate::memory::load_spec;
use crate::posts::NewPost;
use crate::{App, AppError, Principal, Result};
use chrono::NaiveDate;
use revos_domain::CartridgeId;
use revos_domain::content_plan::{MAX_TOPICS, offline_topics, suggested_days};
use revos_domain::knowledge::headings;
use revos_domain::memory::ExampleKind;
use revos_domain::untrusted::{UNTRUSTED_RULE, wrap_untrusted};
use revos_providers::llm::{ChatRequest, LlmMessage};
use revos_store::{knowledge, posts};
use serde::Serialize;
use uuid::Uuid;

/// How many best-performing posts a plan looks at.
const BEST_POSTS: i64 = 5;

/// One topic of a plan.
#[derive(Clone, Debug, Serialize)]
pub struct PlannedTopic {
    /// What the post is about.
    pub topic: String,
    /// The day it is suggested for (a weekday of the plan's month).
    pub suggested_date: NaiveDate,
    /// The draft submitted for approval, once the plan is queued.
    pub post_id: Option<Uuid>,
}

/// A month's plan.
#[derive(Clone, Debug, Serialize)]
pub struct ContentPlan {
    /// The cartridge it is for.
    pub cartridge_id: CartridgeId,
    /// The month, `YYYY-MM`.
    pub month: String,
    /// Who proposed the topics: `online` (the model) or `offline` (the planner).
    pub mode: LlmMode,
    /// The topics, in date order.
    pub topics: Vec<PlannedTopic>,
}

/// A topic line of the model's answer without its numbering or bullet.
fn clean_line(line: &str) -> String {
    line.trim()
        .trim_start_matches(|c: char| {
            c.is_ascii_digit() || matches!(c, '.' | ')' | '-' | '*' | '•')
        })
        .trim()
        .trim_matches('"')
        .chars()
        .take(300)
        .collect()
}

impl App {
    /// What a plan draws on: the headings (or first lines) of the cartridge's knowledge
    /// passages, the first lines of the workspace's best-performing posts, and the
    /// cartridge's topics.
    async fn plan_sources(
        &self,
        who: &Principal,
        cartridge: CartridgeId,
    ) -> Result<(Vec<String>, Vec<String>, Vec<String>)> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let spec = load_spec(&mut tx, who, cartridge).await?;
        let chunks = knowledge::chunks_of(&mut tx, who.tenant, cartridge).await?;
        let best = posts::best_published(&mut tx, who.tenant, BEST_POSTS).await?;
        tx.commit().await?;
        let mut knowledge_subjects: Vec<String> = Vec::new();
        for c in &chunks {
            let h = headings(&c.chunk.body);
            if h.is_empty() {
                if let Some(first) = c.chunk.body.lines().find(|l| !l.trim().is_empty()) {
                    knowledge_subjects.push(first.chars().take(80).collect());
                }
            } else {
                knowledge_subjects.extend(h);
            }
        }
        let hooks = best
            .iter()
            .filter_map(|b| b.lines().find(|l| !l.trim().is_empty()))
            .map(|l| l.chars().take(120).collect())
            .collect();
        Ok((
            knowledge_subjects,
            hooks,
            spec.industry_knowledge.key_topics,
        ))
    }

    /// Proposes `count` post topics (at most [`MAX_TOPICS`]) for the month starting at
    /// `month` (its first day), each with a suggested date. Nothing is stored.
    pub async fn plan_content(
        &self,
        who: &Principal,
        cartridge: CartridgeId,
        month: NaiveDate,
        count: usize,
    ) -> Result<ContentPlan> {
        let count = count.clamp(1, MAX_TOPICS);
        let (subjects, hooks, topics) = self.plan_sources(who, cartridge).await?;
        let mut offline: Vec<String> = subjects.clone();
        offline.extend(hooks.iter().cloned());
        offline.extend(topics.iter().cloned());
        let model = self.language_model(who.tenant).await?;
        let model = match model {
            Some(m) => match self.check_llm_budget(who.tenant, &m).await {
                Ok(()) => Some(m),
                Err(AppError::LlmBudgetExceeded { .. }) => None,
                Err(e) => return Err(e),
            },
            None => None,
        };
        let (mut proposed, mode) = match model {
            None => (offline_topics(&offline, count), LlmMode::Offline),
            Some(model) => {
                let voice = self.get_cartridge(who, cartridge).await?;
                let material = format!(
                    "Subjects of the client's knowledge documents:\n{}\n\nOpening lines of the \
                     workspace's best-performing posts:\n{}\n\nThe client's topics: {}",
                    wrap_untrusted("knowledge", &subjects.join("\n")),
                    hooks.join("\n"),
                    topics.join(", ")
                );
                let request = ChatRequest {
                    messages: vec![
                        LlmMessage::System {
                            content: format!(
                                "{}\n\nPlan {count} LinkedIn posts for {}. Draw on the material \
                                 the user gives: what the knowledge documents cover and what \
                                 performed best. Reply with exactly {count} lines, one post topic \
                                 per line, nothing else.\n\n{UNTRUSTED_RULE}",
                                voice.effective_system_prompt,
                                month.format("%B %Y")
                            ),
                        },
                        LlmMessage::User { content: material },
                    ],
                    ..Default::default()
                };
                let outcome = model.client.chat(&request).await?;
                if let Some(usage) = outcome.usage {
                    self.record_llm_call(who.tenant, None, "content_plan", &outcome.model, usage)
                        .await?;
                }
                let lines: Vec<String> = outcome
                    .content
                    .unwrap_or_default()
                    .lines()
                    .map(clean_line)
                    .filter(|l| !l.is_empty())
                    .take(count)
                    .collect();
                (lines, LlmMode::Online)
            }
        };
        if proposed.len() < count {
            let more: Vec<String> = offline_topics(&offline, count)
                .into_iter()
                .filter(|t| !proposed.contains(t))
                .collect();
            proposed.extend(more);
            proposed.truncate(count);
        }
        let days = suggested_days(month, proposed.len());
        Ok(ContentPlan {
            cartridge_id: cartridge,
            month: month.format("%Y-%m").to_string(),
            mode,
            topics: proposed
                .into_iter()
                .zip(days)
                .map(|(topic, suggested_date)| PlannedTopic {
                    topic,
                    suggested_date,
                    post_id: None,
                })
                .collect(),
        })
    }

    /// Writes each topic of `plan` as a post in the cartridge's voice (model or offline
    /// writer), and submits it for approval: the plan comes back with the drafts' ids.
    pub async fn queue_content_plan(
        &self,
        who: &Principal,
        mut plan: ContentPlan,
    ) -> Result<ContentPlan> {
        for t in &mut plan.topics {
            let draft = self
                .write_draft(who, plan.cartridge_id, ExampleKind::Post, &t.topic)
                .await?;
            let post = self
                .create_post(
                    who,
                    NewPost {
                        body: draft.text,
                        cartridge_id: plan.cartridge_id.0,
                        linkedin_account_id: None,
                        campaign_id: None,
                    },
                )
                .await?
                .post;
            self.submit_post(who, post.id).await?;
            t.post_id = Some(post.id);
        }
        Ok(plan)
    }
}
