//! Cartridge use cases: create, read, list, replace, patch (JSON merge patch), delete and the
//! version history. Every change is validated as a whole and recorded as a new version.

use crate::mcp_access::McpAccess;
use crate::{App, AppError, Principal, Result};
use chrono::{DateTime, Utc};
use revos_domain::cartridge::CartridgeSpec;
use revos_domain::json_diff::changed_paths;
use revos_domain::{CartridgeId, Page, PageRequest, UserId, ValidationErrors};
use revos_store::cartridges::{self as store, CartridgeRow, CartridgeVersionRow};
use serde::Serialize;

/// A cartridge as the API shows it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cartridge {
    /// Its id.
    pub id: CartridgeId,
    /// 1 on creation, +1 on every change.
    pub version: i64,
    /// The editable fields.
    #[serde(flatten)]
    pub spec: CartridgeSpec,
    /// The prompt the agents use: `system_prompt` when set, otherwise generated from the fields.
    pub effective_system_prompt: String,
    /// Whether `effective_system_prompt` was generated from the fields or is the override.
    pub system_prompt_source: PromptSource,
    /// Entries of `tools_enabled` that name an MCP server the operator has not declared for
    /// this workspace (or use the retired `mcp+…` syntax): ignored when the agents run, and
    /// refused when the cartridge is saved again until they are removed.
    pub undeclared_tools: Vec<String>,
    /// Who created it.
    pub created_by: Option<UserId>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// Where a cartridge's effective system prompt comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum PromptSource {
    /// Generated deterministically from the persona, style and knowledge fields.
    Generated,
    /// The hand-written `system_prompt`.
    Override,
}

/// One entry of a cartridge's history.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CartridgeVersion {
    /// The version number.
    pub version: i64,
    /// The fields as they were.
    pub spec: CartridgeSpec,
    /// Who made it.
    pub changed_by: Option<UserId>,
    /// The fields this version changed against the previous one, as dotted paths (e.g.
    /// `writing_style.tone`, `examples`); for version 1, every field it set.
    pub changed_fields: Vec<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

fn parse_spec(raw: &str) -> Result<CartridgeSpec> {
    serde_json::from_str(raw)
        .map_err(|e| AppError::Internal(format!("stored cartridge is invalid: {e}")))
}

fn to_json(spec: &CartridgeSpec) -> Result<String> {
    serde_json::to_string(spec)
        .map_err(|e| AppError::Internal(format!("cannot encode cartridge: {e}")))
}

fn view(row: CartridgeRow, access: &McpAccess<'_>) -> Result<Cartridge> {
    let spec = parse_spec(&row.spec)?;
    Ok(Cartridge {
        undeclared_tools: access.undeclared(&spec.tools_enabled),
        id: CartridgeId(row.id),
        version: row.version,
        effective_system_prompt: spec.effective_system_prompt(),
        system_prompt_source: match spec.system_prompt {
            Some(_) => PromptSource::Override,
            None => PromptSource::Generated,
        },
        spec,
        created_by: row.created_by.map(UserId),
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Applies an RFC 7386 JSON merge patch: objects merge key by key, `null` deletes, anything
/// else replaces.
fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    use serde_json::Value;
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

impl App {
    /// Creates a cartridge in the caller's workspace.
    pub async fn create_cartridge(
        &self,
        who: &Principal,
        spec: CartridgeSpec,
    ) -> Result<Cartridge> {
        spec.validate()?;
        self.check_logo(who.tenant, &spec).await?;
        let access = self.mcp_access(who.tenant).await?;
        access.check(&spec.tools_enabled)?;
        let id = CartridgeId::new();
        let now = self.now();
        let mut tx = self.store.begin_for(who.tenant).await?;
        store::insert(
            &mut tx,
            who.tenant,
            id,
            spec.name.trim(),
            &to_json(&spec)?,
            Some(who.user),
            now,
        )
        .await?;
        let row = store::get(&mut tx, who.tenant, id)
            .await?
            .ok_or(AppError::NotFound("cartridge"))?;
        tx.commit().await?;
        view(row, &access)
    }

    /// Reads one cartridge of the caller's workspace.
    pub async fn get_cartridge(&self, who: &Principal, id: CartridgeId) -> Result<Cartridge> {
        let access = self.mcp_access(who.tenant).await?;
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let row = store::get(&mut tx, who.tenant, id)
            .await?
            .ok_or(AppError::NotFound("cartridge"))?;
        view(row, &access)
    }

    /// Lists the caller's cartridges in creation order.
    pub async fn list_cartridges(
        &self,
        who: &Principal,
        page: PageRequest,
    ) -> Result<Page<Cartridge>> {
        let access = self.mcp_access(who.tenant).await?;
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let rows = store::list(&mut tx, who.tenant, page).await?;
        let page = Page::from_rows(rows, page, |r| r.id);
        let items = page
            .items
            .into_iter()
            .map(|r| view(r, &access))
            .collect::<Result<Vec<_>>>()?;
        Ok(Page {
            items,
            next_after: page.next_after,
        })
    }

    /// Replaces every field of a cartridge.
    pub async fn replace_cartridge(
        &self,
        who: &Principal,
        id: CartridgeId,
        spec: CartridgeSpec,
    ) -> Result<Cartridge> {
        spec.validate()?;
        self.save_cartridge(who, id, &spec).await
    }

    /// Changes some fields of a cartridge with a JSON merge patch; the result is validated as
    /// a whole, so a patch can never leave a cartridge invalid.
    pub async fn patch_cartridge(
        &self,
        who: &Principal,
        id: CartridgeId,
        patch: &serde_json::Value,
    ) -> Result<Cartridge> {
        if !patch.is_object() {
            return Err(
                ValidationErrors::single("body", "must be a JSON object (a merge patch)").into(),
            );
        }
        let current = self.get_cartridge(who, id).await?;
        let mut doc = serde_json::to_value(&current.spec)
            .map_err(|e| AppError::Internal(format!("cannot encode cartridge: {e}")))?;
        merge_patch(&mut doc, patch);
        let spec: CartridgeSpec = serde_json::from_value(doc)
            .map_err(|e| ValidationErrors::single(field_of(&e.to_string()), e.to_string()))?;
        spec.validate()?;
        self.save_cartridge(who, id, &spec).await
    }

    async fn save_cartridge(
        &self,
        who: &Principal,
        id: CartridgeId,
        spec: &CartridgeSpec,
    ) -> Result<Cartridge> {
        self.check_logo(who.tenant, spec).await?;
        let access = self.mcp_access(who.tenant).await?;
        access.check(&spec.tools_enabled)?;
        let now = self.now();
        let mut tx = self.store.begin_for(who.tenant).await?;
        store::update(
            &mut tx,
            who.tenant,
            id,
            spec.name.trim(),
            &to_json(spec)?,
            Some(who.user),
            now,
        )
        .await?
        .ok_or(AppError::NotFound("cartridge"))?;
        let row = store::get(&mut tx, who.tenant, id)
            .await?
            .ok_or(AppError::NotFound("cartridge"))?;
        tx.commit().await?;
        view(row, &access)
    }

    /// A brand's logo must be one of this workspace's files stored as a logo.
    async fn check_logo(&self, tenant: revos_domain::TenantId, spec: &CartridgeSpec) -> Result<()> {
        let Some(logo) = spec.brand.as_ref().and_then(|b| b.logo_file_id) else {
            return Ok(());
        };
        match self.file(tenant, logo).await {
            Ok(file) if file.purpose == revos_domain::files::FilePurpose::Logo => Ok(()),
            Ok(_) => Err(ValidationErrors::single(
                "brand.logo_file_id",
                "must be a file uploaded with purpose logo",
            )
            .into()),
            Err(AppError::NotFound(_)) => Err(ValidationErrors::single(
                "brand.logo_file_id",
                "no such file in this workspace",
            )
            .into()),
            Err(other) => Err(other),
        }
    }

    /// Deletes a cartridge, its history and its guides, with their PDFs and its logo file.
    pub async fn delete_cartridge(&self, who: &Principal, id: CartridgeId) -> Result<()> {
        let logo = self
            .get_cartridge(who, id)
            .await?
            .spec
            .brand
            .and_then(|b| b.logo_file_id);
        let mut tx = self.store.begin_for(who.tenant).await?;
        let guide_files = revos_store::guides::files_of_cartridge(&mut tx, who.tenant, id).await?;
        if !store::delete(&mut tx, who.tenant, id).await? {
            return Err(AppError::NotFound("cartridge"));
        }
        // A copy (an import of the export) may share the logo: keep it while one does.
        let logo = match logo {
            Some(logo)
                if store::count_mentioning(&mut tx, who.tenant, &logo.to_string()).await? == 0 =>
            {
                Some(logo)
            }
            _ => None,
        };
        tx.commit().await?;
        let files = guide_files
            .into_iter()
            .map(revos_domain::FileId)
            .chain(logo);
        for file in files {
            match self.delete_file(who.tenant, file).await {
                Ok(()) | Err(AppError::NotFound(_)) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(())
    }

    /// A cartridge's versions, newest first; `before` continues from an earlier page.
    pub async fn cartridge_versions(
        &self,
        who: &Principal,
        id: CartridgeId,
        before: Option<i64>,
        limit: u32,
    ) -> Result<(Vec<CartridgeVersion>, Option<i64>)> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        store::get(&mut tx, who.tenant, id)
            .await?
            .ok_or(AppError::NotFound("cartridge"))?;
        let limit = limit.max(1);
        // One row beyond the page to learn whether there is more, and one more still so the
        // page's oldest version can be compared with its predecessor.
        let rows = store::versions(&mut tx, who.tenant, id, before, i64::from(limit) + 2).await?;
        let next = (rows.len() > limit as usize)
            .then(|| rows.get(limit as usize - 1).map(|r| r.version))
            .flatten();
        let docs = rows
            .iter()
            .map(|r: &CartridgeVersionRow| {
                serde_json::from_str::<serde_json::Value>(&r.spec)
                    .map_err(|e| AppError::Internal(format!("stored cartridge is invalid: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        let empty = serde_json::Value::Object(Default::default());
        let items = rows
            .iter()
            .take(limit as usize)
            .enumerate()
            .map(|(i, r)| {
                let previous = match docs.get(i + 1) {
                    Some(p) => p,
                    None if r.version == 1 => &empty,
                    // The predecessor is missing (never expected): report nothing rather than guess.
                    None => &docs[i],
                };
                Ok(CartridgeVersion {
                    version: r.version,
                    spec: parse_spec(&r.spec)?,
                    changed_by: r.changed_by.map(UserId),
                    changed_fields: changed_paths(previous, &docs[i]),
                    created_at: r.created_at,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((items, next))
    }
}

/// The field a serde message is about ("unknown field `x`" / "missing field `x`"), or `body`.
fn field_of(message: &str) -> String {
    message
        .split('`')
        .nth(1)
        .filter(|_| message.contains("field `"))
        .unwrap_or("body")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc_7386() {
        let mut doc = json!({"a": {"b": 1, "c": 2}, "d": [1, 2], "e": "x"});
        merge_patch(
            &mut doc,
            &json!({"a": {"b": null, "z": 3}, "d": [3], "e": null}),
        );
        assert_eq!(doc, json!({"a": {"c": 2, "z": 3}, "d": [3]}));
    }
}
