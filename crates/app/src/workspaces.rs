//! The person behind a session and the workspaces they belong to: what the web app's header
//! shows, and switching the session to another of their workspaces.

use crate::{App, AppError, Principal, Result};
use revos_domain::{TenantId, UserId};
use revos_store::{memberships, tenants, users};
use serde::Serialize;

/// A workspace the person belongs to, with their role in it.
#[derive(Clone, Debug, Serialize)]
pub struct WorkspaceSummary {
    /// Its id.
    pub id: TenantId,
    /// Its name.
    pub name: String,
    /// The person's role there.
    pub role: String,
}

/// Who is looking: their email, the current workspace and every workspace they may switch to.
#[derive(Clone, Debug, Serialize)]
pub struct Viewer {
    /// The person's email.
    pub email: String,
    /// The workspace this session acts in.
    pub workspace: WorkspaceSummary,
    /// All their workspaces, oldest membership first.
    pub workspaces: Vec<WorkspaceSummary>,
}

impl App {
    async fn workspaces_of(&self, user: UserId) -> Result<Vec<WorkspaceSummary>> {
        let mut tx = self.store.begin_read().await?;
        tx.scope_user(user).await?;
        let memberships = memberships::tenants_of(&mut tx, user).await?;
        tx.commit().await?;
        // Tenant names are read in system scope, only for the tenants the user belongs to.
        let mut tx = self.store.begin_read_system().await?;
        let mut out = Vec::with_capacity(memberships.len());
        for (tenant, role) in memberships {
            if let Some(row) = tenants::get(&mut tx, TenantId(tenant)).await? {
                out.push(WorkspaceSummary {
                    id: TenantId(row.id),
                    name: row.name,
                    role,
                });
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    /// The caller, their current workspace and the others they belong to.
    pub async fn viewer(&self, who: &Principal) -> Result<Viewer> {
        let workspaces = self.workspaces_of(who.user).await?;
        let workspace = workspaces
            .iter()
            .find(|w| w.id == who.tenant)
            .cloned()
            .ok_or(AppError::Forbidden(
                "you are not a member of this workspace",
            ))?;
        let mut tx = self.store.begin_read_system().await?;
        let email = users::get(&mut tx, who.user)
            .await?
            .map(|u| u.email)
            .ok_or(AppError::NotFound("user"))?;
        tx.commit().await?;
        Ok(Viewer {
            email,
            workspace,
            workspaces,
        })
    }
}
