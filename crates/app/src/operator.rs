//! Operator commands (the CLI) act in a workspace without a login: they work on the configured
//! database directly, as the workspace's first owner, so history records a real person.

use crate::{App, AppError, Credential, Principal, Result};
use revos_domain::{PageRequest, Role, TenantId, UserId, ValidationErrors};
use revos_store::{memberships, tenants};

/// A workspace name as a slug: lower-case letters and digits, other runs as one `-`.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

impl App {
    /// The principal an operator command acts as: the workspace chosen by id, name or slug
    /// (`workspace`; optional when there is exactly one), as its earliest owner.
    pub async fn operator_principal(&self, workspace: Option<&str>) -> Result<Principal> {
        let mut tx = self.store.begin_system().await?;
        let all = tenants::list_all(&mut tx).await?;
        drop(tx);
        let chosen: Vec<_> = match workspace.map(str::trim) {
            Some(w) => all
                .iter()
                .filter(|t| {
                    t.id.to_string() == w.to_ascii_lowercase()
                        || t.name.eq_ignore_ascii_case(w)
                        || slug(&t.name) == slug(w)
                })
                .collect(),
            None => all.iter().collect(),
        };
        let tenant = match (chosen.as_slice(), workspace) {
            ([one], _) => TenantId(one.id),
            ([], Some(w)) => {
                return Err(ValidationErrors::single(
                    "--workspace",
                    format!("no workspace is called {w:?}"),
                )
                .into());
            }
            ([], None) => {
                return Err(ValidationErrors::single(
                    "--workspace",
                    "no workspace exists yet; sign up first",
                )
                .into());
            }
            (many, _) => {
                let names: Vec<String> = many.iter().map(|t| slug(&t.name)).collect();
                return Err(ValidationErrors::single(
                    "--workspace",
                    format!(
                        "several workspaces match; pass one of: {}",
                        names.join(", ")
                    ),
                )
                .into());
            }
        };
        let mut tx = self.store.begin_for(tenant).await?;
        let members = memberships::list(
            &mut tx,
            tenant,
            PageRequest {
                limit: PageRequest::MAX_LIMIT,
                after: None,
            },
        )
        .await?;
        let owner = members
            .into_iter()
            .filter(|m| m.role == Role::Owner.as_str())
            .min_by_key(|m| m.created_at)
            .ok_or(AppError::Conflict("the workspace has no owner".into()))?;
        Ok(Principal {
            tenant,
            user: UserId(owner.user_id),
            role: Role::Owner,
            credential: Credential::Operator,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slug("Acme Corp."), "acme-corp");
        assert_eq!(slug("  Dana's   Coaching "), "dana-s-coaching");
    }
}
