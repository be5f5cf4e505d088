//! Operator commands (the CLI) act in a workspace without a login: they work on the configured
//! database directly, as the workspace's first owner, so history records a real person.

use crate::{App, AppError, Credential, Principal, Result, passwords, tokens};
use revos_domain::{
    Email, NewPassword, PageRequest, Role, TenantId, UserId, ValidationErrors, WorkspaceName,
};
use revos_store::{memberships, tenants, users};
use serde::Serialize;

/// A workspace the operator created (`revos admin workspace create`).
#[derive(Clone, Debug, Serialize)]
pub struct CreatedWorkspace {
    /// The new workspace.
    pub tenant_id: TenantId,
    /// Its name.
    pub name: String,
    /// Its owner.
    pub owner_user_id: UserId,
    /// The owner's email, which is their login.
    pub owner_email: String,
    /// Whether the owner's account was created now (else an existing account, with its own
    /// password, became the owner).
    pub owner_created: bool,
    /// The password generated for a new owner when none was given: shown this once, stored
    /// only hashed.
    pub generated_password: Option<String>,
}

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

/// A workspace the operator asks for, checked before anything is opened or stored.
#[derive(Debug)]
pub struct NewWorkspace {
    name: WorkspaceName,
    owner_email: Email,
    owner_password: Option<NewPassword>,
}

impl NewWorkspace {
    /// Checks the name, the owner's email and the optional password for a new owner account;
    /// the errors name the fields `name`, `owner_email` and `owner_password`.
    pub fn parse(
        name: &str,
        owner_email: &str,
        owner_password: Option<&str>,
    ) -> std::result::Result<Self, ValidationErrors> {
        let name = WorkspaceName::parse("name", name);
        let email = Email::parse("owner_email", owner_email);
        let password = owner_password
            .map(|p| NewPassword::parse("owner_password", p))
            .transpose();
        match (name, email, password) {
            (Ok(name), Ok(owner_email), Ok(owner_password)) => Ok(Self {
                name,
                owner_email,
                owner_password,
            }),
            (name, email, password) => Err(ValidationErrors(
                [name.err(), email.err(), password.err()]
                    .into_iter()
                    .flatten()
                    .flat_map(|e| e.0)
                    .collect(),
            )),
        }
    }
}

impl App {
    /// Creates the workspace `new` describes, whatever the sign-up rule (the operator
    /// decides). A new account gets the given password, or a generated password returned
    /// once; an existing account becomes the owner with its own password, so a password given
    /// for it is refused (field `owner_password`) rather than silently ignored.
    pub async fn create_workspace(&self, new: NewWorkspace) -> Result<CreatedWorkspace> {
        let NewWorkspace {
            name,
            owner_email: email,
            owner_password: password,
        } = new;
        let existing = {
            let mut tx = self.store.begin_read().await?;
            users::find_by_email(&mut tx, &email).await?
        };
        let (user, generated, new_hash) = match (existing, password) {
            (Some(_), Some(_)) => {
                return Err(ValidationErrors::single(
                    "owner_password",
                    "this email already has an account, which keeps its own password",
                )
                .into());
            }
            (Some(row), None) => (Some(UserId(row.id)), None, None),
            (None, Some(p)) => (
                None,
                None,
                Some(passwords::hash(p.expose().to_owned()).await?),
            ),
            (None, None) => {
                let generated = tokens::generate_password();
                let hash = passwords::hash(generated.clone()).await?;
                (None, Some(generated), Some(hash))
            }
        };
        let owner_created = user.is_none();
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let (tenant, owner) =
            crate::auth::insert_owned_workspace(&mut tx, user, new_hash, &email, &name, now)
                .await?;
        tx.commit().await?;
        tracing::info!(%tenant, user = %owner, "workspace created by the operator");
        Ok(CreatedWorkspace {
            tenant_id: tenant,
            name: name.as_str().to_owned(),
            owner_user_id: owner,
            owner_email: email.as_str().to_owned(),
            owner_created,
            generated_password: generated,
        })
    }

    /// The principal an operator command acts as: the workspace chosen by id, name or slug
    /// (`workspace`; optional when there is exactly one), as its earliest owner.
    pub async fn operator_principal(&self, workspace: Option<&str>) -> Result<Principal> {
        let mut tx = self.store.begin_read_system().await?;
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
        let mut tx = self.store.begin_read_for(tenant).await?;
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
