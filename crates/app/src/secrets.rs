//! Storing, listing and rotating provider credentials in the vault.

use crate::vault::{self, DataKey};
use crate::{App, AppError, MasterKey, Principal, Result};
use chrono::{DateTime, Utc};
use revos_domain::{Page, PageRequest, SecretName, TenantId, ValidationErrors};
use revos_store::{Tx, tenants, vault as store};
use serde::Serialize;
use zeroize::Zeroizing;

/// A secret as the API shows it: its name and a masked value, never the plaintext.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecretSummary {
    /// The secret's name.
    pub name: String,
    /// `••••` followed by the last four characters; fully masked for values of 8 characters
    /// or fewer, where four characters would give away half the secret.
    pub masked_value: String,
    /// When it was first stored.
    pub created_at: DateTime<Utc>,
    /// When its value last changed.
    pub updated_at: DateTime<Utc>,
}

const MAX_VALUE_CHARS: usize = 8_192;

/// `value` masked as the API shows secrets.
pub(crate) fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 8 {
        "••••••••".to_owned()
    } else {
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("••••{tail}")
    }
}

impl App {
    /// Stores (or replaces) the secret `name` of the caller's workspace.
    pub async fn put_secret(
        &self,
        who: &Principal,
        name: &str,
        value: &str,
    ) -> Result<SecretSummary> {
        who.require_admin()?;
        let name = SecretName::parse("name", name)?;
        let len = value.chars().count();
        if value.is_empty() || len > MAX_VALUE_CHARS || value.contains('\0') {
            return Err(ValidationErrors::single(
                "value",
                format!("must be 1 to {MAX_VALUE_CHARS} characters without NUL"),
            )
            .into());
        }
        if name.as_str() == crate::llm::OPENAI_URL {
            // A workspace's model URL must not lead into the operator's network.
            self.outbound_policy()
                .check_resolved(value)
                .await
                .map_err(|e| ValidationErrors::single("value", e.to_string()))?;
        }
        if name.as_str() == crate::analytics::POSTHOG_URL {
            // A workspace's PostHog host is a workspace URL too (set here or in its settings).
            self.outbound_policy()
                .check_resolved(value)
                .await
                .map_err(|e| ValidationErrors::single("value", e.to_string()))?;
        }
        if name.as_str() == crate::notifications::SLACK_WEBHOOK_URL {
            // The Slack webhook is a workspace URL too (set here or through its endpoint).
            self.outbound_policy()
                .check_resolved(value)
                .await
                .map_err(|e| ValidationErrors::single("value", e.to_string()))?;
        }
        let now = self.now();
        let mut tx = self.store.begin_for(who.tenant).await?;
        let dek = self.data_key(&mut tx, who.tenant).await?;
        let sealed = vault::seal_secret(&dek, who.tenant, &name, value)?;
        store::upsert_secret(&mut tx, who.tenant, &name, &sealed, now).await?;
        let row = store::get_secret(&mut tx, who.tenant, &name)
            .await?
            .ok_or(AppError::Internal("secret vanished after upsert".into()))?;
        tx.commit().await?;
        tracing::info!(tenant = %who.tenant, secret = name.as_str(), "secret stored");
        Ok(SecretSummary {
            name: row.name,
            masked_value: mask(value),
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }

    /// Lists the caller's secrets with masked values: owners and admins only, since even
    /// names and last characters tell which services a workspace pays for and help guess keys.
    pub async fn list_secrets(
        &self,
        who: &Principal,
        page: PageRequest,
    ) -> Result<Page<SecretSummary>> {
        who.require_admin()?;
        let mut tx = self.store.begin_for(who.tenant).await?;
        let rows = store::list_secrets(&mut tx, who.tenant, page).await?;
        let page = Page::from_rows(rows, page, |r| r.id);
        let dek = match page.items.is_empty() {
            true => None,
            false => Some(self.data_key(&mut tx, who.tenant).await?),
        };
        let mut items = Vec::with_capacity(page.items.len());
        for row in &page.items {
            let name = SecretName::parse("name", &row.name)?;
            let dek = dek
                .as_ref()
                .ok_or(AppError::Internal("no data key".into()))?;
            let value = vault::open_secret(dek, who.tenant, &name, &row.ciphertext)?;
            items.push(SecretSummary {
                name: row.name.clone(),
                masked_value: mask(&value),
                created_at: row.created_at,
                updated_at: row.updated_at,
            });
        }
        Ok(Page {
            items,
            next_after: page.next_after,
        })
    }

    /// Deletes the secret `name` of the caller's workspace.
    pub async fn delete_secret(&self, who: &Principal, name: &str) -> Result<()> {
        who.require_admin()?;
        let name = SecretName::parse("name", name)?;
        let mut tx = self.store.begin_for(who.tenant).await?;
        if !store::delete_secret(&mut tx, who.tenant, &name).await? {
            return Err(AppError::NotFound("secret"));
        }
        tx.commit().await?;
        Ok(())
    }

    /// The plaintext of a secret, for provider clients inside the process. Never exposed by
    /// the API.
    pub async fn reveal_secret(
        &self,
        tenant: TenantId,
        name: &SecretName,
    ) -> Result<Option<Zeroizing<String>>> {
        let mut tx = self.store.begin_for(tenant).await?;
        let Some(row) = store::get_secret(&mut tx, tenant, name).await? else {
            return Ok(None);
        };
        let dek = self.data_key(&mut tx, tenant).await?;
        Ok(Some(vault::open_secret(
            &dek,
            tenant,
            name,
            &row.ciphertext,
        )?))
    }

    /// The tenant's data key, made and stored on first use.
    pub(crate) async fn data_key(&self, tx: &mut Tx, tenant: TenantId) -> Result<DataKey> {
        if store::tenant_key(tx, tenant).await?.is_none() {
            let dek = DataKey::generate();
            let wrapped = vault::wrap_dek(&self.master_key, tenant, &dek)?;
            if store::insert_tenant_key(tx, tenant, &self.master_key.id(), &wrapped, self.now())
                .await?
            {
                return Ok(dek);
            }
            // A concurrent request stored the tenant's first key; use that one.
        }
        let row = store::tenant_key(tx, tenant)
            .await?
            .ok_or(AppError::Internal("the tenant's data key vanished".into()))?;
        if row.master_key_id != self.master_key.id() {
            return Err(AppError::Internal(format!(
                "the vault was sealed with master key {} but {} is configured",
                row.master_key_id,
                self.master_key.id()
            )));
        }
        vault::unwrap_dek(&self.master_key, tenant, &row.wrapped_key)
    }
}

/// Re-seals every tenant's data key from `old` to `new` in one transaction, so the vault is
/// never half-rotated. Keys already sealed with `new` are left alone, making a rerun after an
/// interruption safe. Returns how many keys were re-sealed.
pub async fn rotate_master_key(
    store: &revos_store::Store,
    old: &MasterKey,
    new: &MasterKey,
    now: DateTime<Utc>,
) -> Result<usize> {
    let mut tx = store.begin_system().await?;
    let mut rotated = 0;
    for tenant in tenants::list_all(&mut tx).await? {
        let tenant = TenantId(tenant.id);
        let Some(row) = store::tenant_key(&mut tx, tenant).await? else {
            continue;
        };
        if row.master_key_id == new.id() {
            continue;
        }
        if row.master_key_id != old.id() {
            return Err(AppError::Internal(format!(
                "tenant {tenant} is sealed with master key {}, which is neither the current nor the new key",
                row.master_key_id
            )));
        }
        let dek = vault::unwrap_dek(old, tenant, &row.wrapped_key)?;
        let wrapped = vault::wrap_dek(new, tenant, &dek)?;
        store::rewrap_tenant_key(&mut tx, tenant, &new.id(), &wrapped, now).await?;
        rotated += 1;
    }
    tx.commit().await?;
    Ok(rotated)
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn masks_show_at_most_the_last_four() {
        assert_eq!(mask("sk-live-abcdefgh1234"), "••••1234");
        assert_eq!(mask("short"), "••••••••");
        assert_eq!(mask("12345678"), "••••••••");
    }
}
