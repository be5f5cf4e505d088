//! The language model a tenant's agents use: the tenant's own OpenAI-compatible endpoint and
//! key from the vault, else the instance's (`REVOS_OPENAI_*`), else none, in which case RevOS
//! runs offline (command grammar, template writing, local embeddings) and says so. Every call
//! is recorded with its tokens and its cost from the configured price table.
//!
//! The instance's key goes only to the instance's URL, and a workspace's URL only gets the
//! workspace's own key (or none): a workspace cannot borrow the operator's key for a server
//! of its choosing. A workspace's URL passes the outbound guard when saved and on every
//! connection. Calls paid by the instance are held to a monthly budget per workspace
//! (`REVOS_LLM_WORKSPACE_BUDGET_USD`), checked before each call.

use crate::{App, AppError, Principal, Result};
use chrono::{DateTime, Datelike, NaiveTime, Utc};
use revos_domain::llm_pricing::PriceTable;
use revos_domain::{SecretName, TenantId};
use revos_providers::llm::{LlmConfig, OpenAiClient, Usage};
use revos_store::llm_calls::{self as store, LlmCallRow};
use secrecy::SecretString;
use serde::Serialize;
use std::time::Duration;
use uuid::Uuid;

/// The vault name of a tenant's own OpenAI-compatible API key.
pub const OPENAI_KEY: &str = "openai_api_key";
/// The vault name of a tenant's own OpenAI-compatible base URL.
pub const OPENAI_URL: &str = "openai_url";
/// The vault name of a tenant's own chat model.
pub const OPENAI_MODEL: &str = "openai_model";
/// The vault name of a tenant's own embedding model.
pub const EMBEDDING_MODEL: &str = "openai_embedding_model";
/// The vault name of a tenant's own image model (post graphics).
pub const IMAGE_MODEL: &str = "openai_image_model";

/// Instance-wide language-model configuration (`REVOS_OPENAI_URL`, `REVOS_OPENAI_API_KEY`,
/// `REVOS_OPENAI_MODEL`, `REVOS_EMBEDDING_MODEL`).
#[derive(Clone, Debug)]
pub struct LlmSettings {
    /// Base URL of an OpenAI-compatible API; setting it alone (a local server needs no key)
    /// turns the model on.
    pub url: Option<String>,
    /// API key used for tenants without their own.
    pub api_key: Option<SecretString>,
    /// Chat model.
    pub model: String,
    /// Embedding model.
    pub embedding_model: String,
    /// Image model for post graphics (`REVOS_IMAGE_MODEL`).
    pub image_model: String,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Retries of 429 and 5xx answers (honouring `Retry-After`).
    pub max_retries: u32,
    /// Whether chat completions are streamed from the model (answers reach the chat sooner).
    pub stream: bool,
    /// USD per million tokens, per model.
    pub prices: PriceTable,
    /// What each workspace may spend per calendar month (UTC) on the instance's model
    /// (`REVOS_LLM_WORKSPACE_BUDGET_USD`); 0 gives workspaces no instance model at all.
    /// Workspaces with their own key or URL are not held to it.
    pub workspace_budget_usd: f64,
}

/// The default monthly budget per workspace on the instance's model, in USD.
pub const DEFAULT_WORKSPACE_BUDGET_USD: f64 = 10.0;

/// OpenAI's public API, used when only a key is configured.
pub const DEFAULT_OPENAI_URL: &str = "https://api.openai.com/v1";

impl Default for LlmSettings {
    fn default() -> Self {
        Self {
            url: None,
            api_key: None,
            model: "gpt-4o-mini".into(),
            embedding_model: "text-embedding-3-small".into(),
            image_model: "gpt-image-1".into(),
            timeout: Duration::from_secs(60),
            max_retries: 3,
            stream: true,
            prices: PriceTable::default(),
            workspace_budget_usd: DEFAULT_WORKSPACE_BUDGET_USD,
        }
    }
}

/// Whether a tenant's agents talk to a model or run offline; every chat response says which.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LlmMode {
    /// An OpenAI-compatible model answers.
    Online,
    /// No model is configured: commands, templates and local embeddings.
    Offline,
}

/// One recorded model call, as the API shows it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LlmCall {
    /// Its id.
    pub id: Uuid,
    /// The chat session it served, if any.
    pub session_id: Option<Uuid>,
    /// What it was for.
    pub purpose: String,
    /// The model that answered.
    pub model: String,
    /// Input tokens.
    pub prompt_tokens: i64,
    /// Output tokens.
    pub completion_tokens: i64,
    /// Cost in USD; `null` when the model is not in the price table.
    pub cost_usd: Option<f64>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A tenant's model usage over a period.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LlmUsage {
    /// Online or offline, now.
    pub mode: LlmMode,
    /// Start of the period.
    pub since: DateTime<Utc>,
    /// Calls in the period.
    pub calls: i64,
    /// Input tokens in the period.
    pub prompt_tokens: i64,
    /// Output tokens in the period.
    pub completion_tokens: i64,
    /// Known cost in USD.
    pub cost_usd: f64,
    /// Calls whose model has no price (their cost is not in `cost_usd`).
    pub unpriced_calls: i64,
    /// The newest calls (at most 100).
    pub recent: Vec<LlmCall>,
    /// This calendar month's budget on the instance's model, in USD; `null` when the
    /// workspace uses its own model (its own key or URL), which is not budgeted.
    pub budget_usd: Option<f64>,
    /// The known cost of this calendar month's calls (UTC), in USD: what the budget is
    /// checked against.
    pub spent_usd: f64,
    /// What is left of the budget this month (never below 0); `null` without a budget.
    pub remaining_usd: Option<f64>,
}

/// Where a tenant's model calls go, and who pays.
struct ModelEndpoint {
    url: String,
    key: Option<SecretString>,
    /// The workspace's own URL: guarded, never given the instance's key.
    own_url: bool,
    /// Made with the instance's key/URL, so held to the workspace budget.
    instance_paid: bool,
}

/// A tenant's model client and who pays for its calls.
#[derive(Clone, Debug)]
pub struct LanguageModel {
    /// The client.
    pub client: OpenAiClient,
    /// The image model to generate post graphics with.
    pub image_model: String,
    /// Whether its calls use the instance's key/URL (and so count against the workspace's
    /// monthly budget, checked with [`App::check_llm_budget`] before each call).
    pub instance_paid: bool,
}

/// The first instant of `now`'s calendar month (UTC): the budget's period.
pub fn month_start(now: DateTime<Utc>) -> DateTime<Utc> {
    now.date_naive()
        .with_day(1)
        .unwrap_or(now.date_naive())
        .and_time(NaiveTime::MIN)
        .and_utc()
}

impl From<LlmCallRow> for LlmCall {
    fn from(r: LlmCallRow) -> Self {
        Self {
            id: r.id,
            session_id: r.session_id,
            purpose: r.purpose,
            model: r.model,
            prompt_tokens: r.prompt_tokens,
            completion_tokens: r.completion_tokens,
            cost_usd: r.cost_usd,
            created_at: r.created_at,
        }
    }
}

impl App {
    /// The instance's language-model settings.
    pub fn llm_settings(&self) -> &LlmSettings {
        &self.provider_settings().llm
    }

    async fn vault_text(&self, tenant: TenantId, name: &str) -> Result<Option<String>> {
        let name = SecretName::parse("name", name)?;
        Ok(self
            .reveal_secret(tenant, &name)
            .await?
            .map(|s| s.as_str().to_owned()))
    }

    /// The model client of `tenant`, or `None` when no model is configured (offline mode).
    /// The tenant's vault (`openai_api_key`, `openai_url`, `openai_model`,
    /// `openai_embedding_model`) wins over the instance's settings.
    pub async fn language_model(&self, tenant: TenantId) -> Result<Option<LanguageModel>> {
        let settings = self.llm_settings();
        let Some(endpoint) = self.llm_endpoint(tenant).await? else {
            return Ok(None);
        };
        let model = self
            .vault_text(tenant, OPENAI_MODEL)
            .await?
            .unwrap_or_else(|| settings.model.clone());
        let embedding_model = self
            .vault_text(tenant, EMBEDDING_MODEL)
            .await?
            .unwrap_or_else(|| settings.embedding_model.clone());
        let image_model = self
            .vault_text(tenant, IMAGE_MODEL)
            .await?
            .unwrap_or_else(|| settings.image_model.clone());
        let client = OpenAiClient::new(LlmConfig {
            base_url: endpoint.url,
            api_key: endpoint.key,
            model,
            embedding_model,
            timeout: settings.timeout,
            max_retries: settings.max_retries,
            outbound: endpoint.own_url.then(|| self.outbound_policy().clone()),
        })?;
        Ok(Some(LanguageModel {
            client,
            image_model,
            instance_paid: endpoint.instance_paid,
        }))
    }

    /// Where `tenant`'s model calls go: its own URL and/or key (its own URL with its own key
    /// or none; its own key with OpenAI's URL), else the instance's URL and key while the
    /// workspace budget is above 0, else nowhere (offline). The instance's key never goes
    /// to a workspace's URL.
    async fn llm_endpoint(&self, tenant: TenantId) -> Result<Option<ModelEndpoint>> {
        let settings = self.llm_settings();
        let own_key = self.vault_text(tenant, OPENAI_KEY).await?;
        let own_url = self.vault_text(tenant, OPENAI_URL).await?;
        if own_key.is_some() || own_url.is_some() {
            return Ok(Some(ModelEndpoint {
                own_url: own_url.is_some(),
                url: own_url.unwrap_or_else(|| DEFAULT_OPENAI_URL.into()),
                key: own_key.map(SecretString::from),
                instance_paid: false,
            }));
        }
        if settings.api_key.is_none() && settings.url.is_none()
            || settings.workspace_budget_usd <= 0.0
        {
            return Ok(None);
        }
        Ok(Some(ModelEndpoint {
            url: settings
                .url
                .clone()
                .unwrap_or_else(|| DEFAULT_OPENAI_URL.into()),
            key: settings.api_key.clone(),
            own_url: false,
            instance_paid: true,
        }))
    }

    /// Online when `tenant` has a model (its own, or the instance's within a budget above
    /// 0), offline otherwise; builds no client.
    pub async fn llm_mode(&self, tenant: TenantId) -> Result<LlmMode> {
        Ok(match self.llm_endpoint(tenant).await? {
            None => LlmMode::Offline,
            Some(_) => LlmMode::Online,
        })
    }

    /// The known cost of `tenant`'s model calls since `since` (one SQL sum).
    async fn llm_spent_since(&self, tenant: TenantId, since: DateTime<Utc>) -> Result<f64> {
        let mut tx = self.store.begin_read_for(tenant).await?;
        let spent = store::cost_since(&mut tx, tenant, since).await?;
        tx.commit().await?;
        Ok(spent)
    }

    /// Refuses a call of `model` when the instance pays for it and `tenant` has spent its
    /// monthly budget (the recorded costs of this calendar month); a workspace's own model
    /// is not budgeted. Called before every model call, so nothing is sent over budget.
    pub async fn check_llm_budget(&self, tenant: TenantId, model: &LanguageModel) -> Result<()> {
        if !model.instance_paid {
            return Ok(());
        }
        let budget = self.llm_settings().workspace_budget_usd;
        let spent = self
            .llm_spent_since(tenant, month_start(self.now()))
            .await?;
        if spent >= budget {
            self.note_budget_reached(tenant, budget, spent).await?;
            return Err(AppError::LlmBudgetExceeded {
                budget_usd: budget,
                spent_usd: spent,
            });
        }
        Ok(())
    }

    /// Appends `llm_budget_reached` (the notifier tells the members) the first time this
    /// month that a call of `tenant` is refused for the budget.
    async fn note_budget_reached(&self, tenant: TenantId, budget: f64, spent: f64) -> Result<()> {
        let now = self.now();
        let kind = "llm_budget_reached";
        let mut tx = self.store.begin_for(tenant).await?;
        if !revos_store::notifications::event_since(&mut tx, tenant, kind, month_start(now)).await?
        {
            let data = serde_json::json!({ "budget_usd": budget, "spent_usd": spent });
            revos_store::events::append(&mut tx, tenant, kind, None, None, &data.to_string(), now)
                .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Records one model call of `tenant` with its cost from the price table.
    pub async fn record_llm_call(
        &self,
        tenant: TenantId,
        session: Option<Uuid>,
        purpose: &str,
        model: &str,
        usage: Usage,
    ) -> Result<LlmCall> {
        let row = LlmCallRow {
            id: Uuid::now_v7(),
            session_id: session,
            purpose: purpose.to_owned(),
            model: model.to_owned(),
            prompt_tokens: i64::from(usage.prompt_tokens),
            completion_tokens: i64::from(usage.completion_tokens),
            cost_usd: self.llm_settings().prices.cost_usd(
                model,
                usage.prompt_tokens,
                usage.completion_tokens,
            ),
            created_at: self.now(),
        };
        let mut tx = self.store.begin_for(tenant).await?;
        store::insert(&mut tx, tenant, &row).await?;
        tx.commit().await?;
        Ok(row.into())
    }

    /// Records one image-generation call of `tenant` (`images` images made) with its cost
    /// from the price table (per image, plus any tokens the server reported).
    pub async fn record_image_call(
        &self,
        tenant: TenantId,
        purpose: &str,
        model: &str,
        images: u32,
        usage: Usage,
    ) -> Result<LlmCall> {
        let row = LlmCallRow {
            id: Uuid::now_v7(),
            session_id: None,
            purpose: purpose.to_owned(),
            model: model.to_owned(),
            prompt_tokens: i64::from(usage.prompt_tokens),
            completion_tokens: i64::from(usage.completion_tokens),
            cost_usd: self.llm_settings().prices.image_cost_usd(
                model,
                images,
                usage.prompt_tokens,
                usage.completion_tokens,
            ),
            created_at: self.now(),
        };
        let mut tx = self.store.begin_for(tenant).await?;
        store::insert(&mut tx, tenant, &row).await?;
        tx.commit().await?;
        Ok(row.into())
    }

    /// The caller's workspace's model usage since `since`.
    pub async fn llm_usage(&self, who: &Principal, since: DateTime<Utc>) -> Result<LlmUsage> {
        let endpoint = self.llm_endpoint(who.tenant).await?;
        let mode = match endpoint {
            None => LlmMode::Offline,
            Some(_) => LlmMode::Online,
        };
        let budget_usd = match &endpoint {
            Some(e) if !e.instance_paid => None,
            _ => Some(self.llm_settings().workspace_budget_usd),
        };
        let spent_usd = self
            .llm_spent_since(who.tenant, month_start(self.now()))
            .await?;
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let rows = store::list(&mut tx, who.tenant, None, since, i64::MAX).await?;
        tx.commit().await?;
        let mut usage = LlmUsage {
            mode,
            since,
            calls: 0,
            prompt_tokens: 0,
            completion_tokens: 0,
            cost_usd: 0.0,
            unpriced_calls: 0,
            recent: Vec::new(),
            budget_usd,
            spent_usd,
            remaining_usd: budget_usd.map(|b| (b - spent_usd).max(0.0)),
        };
        for row in rows {
            usage.calls += 1;
            usage.prompt_tokens += row.prompt_tokens;
            usage.completion_tokens += row.completion_tokens;
            match row.cost_usd {
                Some(c) => usage.cost_usd += c,
                None => usage.unpriced_calls += 1,
            }
            if usage.recent.len() < 100 {
                usage.recent.push(row.into());
            }
        }
        Ok(usage)
    }

    /// The recorded calls of one chat session of the caller's workspace.
    pub async fn llm_calls_of_session(
        &self,
        who: &Principal,
        session: Uuid,
    ) -> Result<Vec<LlmCall>> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let rows = store::list(
            &mut tx,
            who.tenant,
            Some(session),
            DateTime::<Utc>::UNIX_EPOCH,
            1_000,
        )
        .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
