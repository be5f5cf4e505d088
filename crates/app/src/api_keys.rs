//! API keys for scripts and integrations: created by owners and admins, shown once, revocable.

use crate::{App, AppError, Principal, Result, tokens};
use chrono::{DateTime, Utc};
use revos_domain::validation::Collector;
use revos_domain::{ApiKeyId, Page, PageRequest, Role};
use revos_store::api_keys::{self as store, ApiKeyRow, NewApiKey};
use serde::Serialize;

/// An API key as listed: everything but the key.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyInfo {
    /// Its id, used to revoke it.
    pub id: ApiKeyId,
    /// Its label.
    pub name: String,
    /// The key's first characters, to tell keys apart.
    pub prefix: String,
    /// The role it acts with (never above its creator's current role).
    pub role: Role,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last authenticated a request (updated at most once a minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new key and its secret value, which is never shown again.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedApiKey {
    /// The key's details.
    #[serde(flatten)]
    pub info: ApiKeyInfo,
    /// The bearer token itself.
    pub key: String,
}

fn info(row: ApiKeyRow) -> Result<ApiKeyInfo> {
    Ok(ApiKeyInfo {
        id: ApiKeyId(row.id),
        role: Role::parse(&row.role)
            .ok_or_else(|| AppError::Internal(format!("unknown role {}", row.role)))?,
        name: row.name,
        prefix: row.prefix,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        revoked_at: row.revoked_at,
    })
}

impl App {
    /// Creates a key named `name` acting as `role` (default: the creator's own role).
    pub async fn create_api_key(
        &self,
        who: &Principal,
        name: &str,
        role: Option<Role>,
    ) -> Result<CreatedApiKey> {
        who.require_admin()?;
        let mut c = Collector::default();
        c.text("name", name, 1, 100);
        let role = role.unwrap_or(who.role);
        if role == Role::Client {
            c.push(
                "role",
                "a key cannot act as a client (clients use the app or a share link)",
            );
        } else if !who.role.can_grant(role) {
            c.push(
                "role",
                format!(
                    "a {} cannot create a key with the {} role",
                    who.role.as_str(),
                    role.as_str()
                ),
            );
        }
        c.finish()?;
        let key = tokens::generate(tokens::API_KEY_PREFIX);
        let prefix: String = key.chars().take(12).collect();
        let id = ApiKeyId::new();
        let now = self.now();
        let hash = tokens::hash(&key);
        let mut tx = self.store.begin_for(who.tenant).await?;
        let new = NewApiKey {
            id,
            name: name.trim(),
            prefix: &prefix,
            token_hash: &hash,
            role,
            created_by: who.user,
        };
        store::insert(&mut tx, who.tenant, &new, now).await?;
        let row = store::get(&mut tx, who.tenant, id)
            .await?
            .ok_or(AppError::NotFound("API key"))?;
        tx.commit().await?;
        Ok(CreatedApiKey {
            info: info(row)?,
            key,
        })
    }

    /// Lists the workspace's keys, revoked ones included.
    pub async fn list_api_keys(
        &self,
        who: &Principal,
        page: PageRequest,
    ) -> Result<Page<ApiKeyInfo>> {
        who.require_admin()?;
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let rows = store::list(&mut tx, who.tenant, page).await?;
        let page = Page::from_rows(rows, page, |r| r.id);
        let items = page
            .items
            .into_iter()
            .map(info)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page {
            items,
            next_after: page.next_after,
        })
    }

    /// Revokes a key at once: the next request with it is refused.
    pub async fn revoke_api_key(&self, who: &Principal, id: ApiKeyId) -> Result<()> {
        who.require_admin()?;
        let mut tx = self.store.begin_for(who.tenant).await?;
        if !store::revoke(&mut tx, who.tenant, id, self.now()).await? {
            return Err(AppError::NotFound("API key"));
        }
        tx.commit().await?;
        Ok(())
    }
}
