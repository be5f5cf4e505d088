//! The person behind a session and the workspaces they belong to: what the web app's header
//! shows, and switching the session to another of their workspaces.

use crate::{App, AppError, Principal, Result};
use revos_domain::{Role, TenantId, UserId, WorkspaceName};
use revos_store::{memberships, overview, tenants, users};
use serde::Serialize;

/// A workspace the person belongs to, with their role in it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// One workspace on the agency overview: its funnel, what waits for someone, and whether its
/// LinkedIn accounts work.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkspaceOverview {
    /// The workspace.
    pub id: TenantId,
    /// Its name.
    pub name: String,
    /// The person's role there.
    pub role: Role,
    /// Every campaign's funnel summed.
    pub funnel: OverviewFunnel,
    /// Conversations with a reply nobody has read yet.
    pub replies_waiting: i64,
    /// Posts waiting for approval.
    pub posts_waiting: i64,
    /// Its LinkedIn accounts' health.
    pub accounts: AccountHealth,
}

/// The funnel figures of the overview.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OverviewFunnel {
    /// Leads found.
    pub scraped: i64,
    /// Leads enriched.
    pub enriched: i64,
    /// Leads sent a DM.
    pub dm_sent: i64,
    /// Leads who replied.
    pub replied: i64,
}

/// How a workspace's LinkedIn accounts are doing.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountHealth {
    /// Connected and usable.
    pub connected: i64,
    /// Needing someone: to reconnect, restricted or paused.
    pub needs_attention: i64,
}

impl App {
    /// Every workspace the caller belongs to, with its figures, from one query grouped by
    /// workspace over the caller's memberships.
    pub async fn overview(&self, who: &Principal) -> Result<Vec<WorkspaceOverview>> {
        // System scope, restricted in SQL to the workspaces the caller is a member of.
        let mut tx = self.store.begin_read_system().await?;
        let rows = overview::of_user(&mut tx, who.user).await?;
        tx.commit().await?;
        rows.into_iter()
            .map(|r| {
                Ok(WorkspaceOverview {
                    id: TenantId(r.tenant_id),
                    role: Role::parse(&r.role)
                        .ok_or_else(|| AppError::Internal(format!("unknown role {}", r.role)))?,
                    name: r.name,
                    funnel: OverviewFunnel {
                        scraped: r.scraped,
                        enriched: r.enriched,
                        dm_sent: r.dm_sent,
                        replied: r.replied,
                    },
                    replies_waiting: r.replies_waiting,
                    posts_waiting: r.posts_waiting,
                    accounts: AccountHealth {
                        connected: r.accounts_ok,
                        needs_attention: r.accounts - r.accounts_ok,
                    },
                })
            })
            .collect()
    }

    /// Creates a client workspace named `name` from inside the app: the caller becomes its
    /// owner and may switch into it. A client may not.
    pub async fn create_client_workspace(
        &self,
        who: &Principal,
        name: &str,
    ) -> Result<WorkspaceSummary> {
        if who.role == Role::Client {
            return Err(AppError::Forbidden("a client cannot create workspaces"));
        }
        let name = WorkspaceName::parse("name", name)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let tenant = crate::auth::insert_workspace_of(&mut tx, who.user, &name, now).await?;
        tx.commit().await?;
        tracing::info!(%tenant, user = %who.user, "workspace created from inside the app");
        Ok(WorkspaceSummary {
            id: tenant,
            name: name.as_str().to_owned(),
            role: Role::Owner.as_str().to_owned(),
        })
    }
}
