//! Workspace members and invitations. Owners and admins invite; nobody grants a role above
//! their own; the last owner can be neither removed nor demoted.

use crate::auth::SessionToken;
use crate::{App, AppError, Principal, Result, passwords, tokens};
use chrono::{DateTime, Utc};
use revos_domain::{Email, InvitationId, NewPassword, Page, PageRequest, Role, TenantId, UserId};
use revos_store::invitations::{self, InvitationRow, NewInvitation};
use revos_store::{memberships, users};
use serde::Serialize;

/// A member as listed.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    /// Their user id.
    pub user_id: UserId,
    /// Their email.
    pub email: String,
    /// Their role here.
    pub role: Role,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
}

/// An invitation as listed.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invitation {
    /// Its id.
    pub id: InvitationId,
    /// Whom it is for.
    pub email: String,
    /// The role it grants.
    pub role: Role,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was redeemed, if it was.
    pub accepted_at: Option<DateTime<Utc>>,
}

/// A new invitation with its token, to hand to the invitee; shown once.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedInvitation {
    /// The invitation.
    #[serde(flatten)]
    pub invitation: Invitation,
    /// The token the invitee redeems at `POST /api/v1/invitations/accept`.
    pub token: String,
}

fn invitation(row: InvitationRow) -> Result<Invitation> {
    Ok(Invitation {
        id: InvitationId(row.id),
        role: Role::parse(&row.role)
            .ok_or_else(|| AppError::Internal(format!("unknown role {}", row.role)))?,
        email: row.email,
        expires_at: row.expires_at,
        accepted_at: row.accepted_at,
    })
}

const BAD_INVITE: &str = "the invitation is invalid, expired or already used";

impl App {
    /// Lists the workspace's members.
    pub async fn list_members(&self, who: &Principal, page: PageRequest) -> Result<Page<Member>> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let rows = memberships::list(&mut tx, who.tenant, page).await?;
        let page = Page::from_rows(rows, page, |r| r.user_id);
        let items = page
            .items
            .into_iter()
            .map(|r| {
                Ok(Member {
                    user_id: UserId(r.user_id),
                    role: r.role()?,
                    email: r.email,
                    joined_at: r.created_at,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Page {
            items,
            next_after: page.next_after,
        })
    }

    /// Invites `email` to join as `role`.
    pub async fn invite(
        &self,
        who: &Principal,
        email: &str,
        role: Role,
    ) -> Result<CreatedInvitation> {
        let email = Email::parse("email", email)?;
        if !who.role.can_grant(role) {
            return Err(AppError::Forbidden(
                "you cannot invite someone with a role above your own",
            ));
        }
        let token = tokens::generate(tokens::INVITE_PREFIX);
        let hash = tokens::hash(&token);
        let now = self.now();
        let id = InvitationId::new();
        let new = NewInvitation {
            id,
            email: &email,
            role,
            token_hash: &hash,
            invited_by: who.user,
            expires_at: now + self.settings.invitation_ttl,
        };
        let mut tx = self.store.begin_for(who.tenant).await?;
        invitations::insert(&mut tx, who.tenant, &new, now).await?;
        tx.commit().await?;
        let invitation = Invitation {
            id,
            email: email.as_str().to_owned(),
            role,
            expires_at: new.expires_at,
            accepted_at: None,
        };
        Ok(CreatedInvitation { invitation, token })
    }

    /// Lists the workspace's invitations.
    pub async fn list_invitations(
        &self,
        who: &Principal,
        page: PageRequest,
    ) -> Result<Page<Invitation>> {
        who.require_admin()?;
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let rows = invitations::list(&mut tx, who.tenant, page).await?;
        let page = Page::from_rows(rows, page, |r| r.id);
        let items = page
            .items
            .into_iter()
            .map(invitation)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page {
            items,
            next_after: page.next_after,
        })
    }

    /// Withdraws an invitation.
    pub async fn revoke_invitation(&self, who: &Principal, id: InvitationId) -> Result<()> {
        who.require_admin()?;
        let mut tx = self.store.begin_for(who.tenant).await?;
        if !invitations::delete(&mut tx, who.tenant, id).await? {
            return Err(AppError::NotFound("invitation"));
        }
        tx.commit().await?;
        Ok(())
    }

    /// The email a still-redeemable invitation token is for, so that attempts to redeem it
    /// count against that email's attempt limit like log-ins do; `None` for a token that is
    /// unknown, used, expired or dead.
    pub async fn invitation_email(&self, token: &str) -> Result<Option<String>> {
        Ok(self
            .live_invitation(token)
            .await?
            .map(|(inv, _, _)| inv.email))
    }

    /// The invitation `token` opens with its role and its inviter's current role, when it can
    /// still be redeemed: not used, not expired, and its inviter still a member who may grant
    /// its role (an invitation dies with its inviter's power to invite).
    async fn live_invitation(&self, token: &str) -> Result<Option<(InvitationRow, Role, Role)>> {
        let hash = tokens::hash(token);
        let now = self.now();
        let mut tx = self.store.begin_read().await?;
        tx.scope_credential(&hash).await?;
        let Some(inv) = invitations::find_by_hash(&mut tx, &hash)
            .await?
            .filter(|i| i.accepted_at.is_none() && i.expires_at > now)
        else {
            return Ok(None);
        };
        let Some(role) = Role::parse(&inv.role) else {
            return Ok(None);
        };
        let tenant = TenantId(inv.tenant_id);
        tx.scope_tenant(tenant).await?;
        let inviter = memberships::role_of(&mut tx, tenant, UserId(inv.invited_by)).await?;
        Ok(inviter
            .filter(|r| r.can_grant(role))
            .map(|inviter| (inv, role, inviter)))
    }

    /// Redeems an invitation: the invitee's account is created with `password` (or, if the
    /// email already has an account, `password` must be its password), joins the workspace and
    /// is logged in there. An invitation whose inviter can no longer grant its role (demoted,
    /// removed) fails like an unknown one; the inviter's role is checked again in the statement
    /// that redeems it.
    pub async fn accept_invitation(&self, token: &str, password: &str) -> Result<SessionToken> {
        let now = self.now();
        let (inv, role, inviter_role) = self
            .live_invitation(token)
            .await?
            .ok_or(AppError::Unauthorized(BAD_INVITE))?;
        let tenant = TenantId(inv.tenant_id);
        let email = Email::parse("email", &inv.email)?;

        let existing = {
            let mut tx = self.store.begin_read().await?;
            users::find_by_email(&mut tx, &email).await?
        };
        let (user, new_hash) = match existing {
            Some(row) => {
                if !passwords::verify(password.to_owned(), Some(row.password_hash)).await? {
                    return Err(AppError::Unauthorized("invalid email or password"));
                }
                (UserId(row.id), None)
            }
            None => {
                let password = NewPassword::parse("password", password)?;
                (
                    UserId::new(),
                    Some(passwords::hash(password.expose().to_owned()).await?),
                )
            }
        };

        let mut tx = self.store.begin_for(tenant).await?;
        if let Some(h) = &new_hash {
            users::insert(&mut tx, user, &email, h, now).await?;
        }
        if !invitations::accept(&mut tx, tenant, InvitationId(inv.id), inviter_role, now).await? {
            return Err(AppError::Unauthorized(BAD_INVITE));
        }
        match memberships::insert(&mut tx, tenant, user, role, now).await {
            Ok(()) => {}
            Err(revos_store::StoreError::Conflict(_)) => {
                return Err(AppError::Conflict(
                    "you are already a member of this workspace".into(),
                ));
            }
            Err(e) => return Err(e.into()),
        }
        tx.commit().await?;
        self.login(email.as_str(), password, Some(tenant)).await
    }

    /// Changes a member's role. The owners are locked first, so that "at least one owner
    /// remains" holds however many owners change roles at once.
    pub async fn set_member_role(
        &self,
        who: &Principal,
        user: UserId,
        role: Role,
    ) -> Result<Member> {
        let mut tx = self.store.begin_for(who.tenant).await?;
        let owners = memberships::lock_owners(&mut tx, who.tenant).await?;
        let current = memberships::role_of(&mut tx, who.tenant, user)
            .await?
            .ok_or(AppError::NotFound("member"))?;
        if !who.role.can_grant(role) || !who.role.can_grant(current) {
            return Err(AppError::Forbidden(
                "you cannot change the role of someone above you, or grant a role above your own",
            ));
        }
        if current == Role::Owner && role != Role::Owner {
            keeps_an_owner(&owners, user)?;
        }
        memberships::set_role(&mut tx, who.tenant, user, role).await?;
        let row = memberships::get(&mut tx, who.tenant, user)
            .await?
            .ok_or(AppError::NotFound("member"))?;
        tx.commit().await?;
        Ok(Member {
            user_id: user,
            role: row.role()?,
            email: row.email,
            joined_at: row.created_at,
        })
    }

    /// Removes a member from the workspace (their account stays, with its other workspaces).
    /// Like [`App::set_member_role`], decided with the owners locked.
    pub async fn remove_member(&self, who: &Principal, user: UserId) -> Result<()> {
        let mut tx = self.store.begin_for(who.tenant).await?;
        let owners = memberships::lock_owners(&mut tx, who.tenant).await?;
        let current = memberships::role_of(&mut tx, who.tenant, user)
            .await?
            .ok_or(AppError::NotFound("member"))?;
        if user != who.user && !who.role.can_grant(current) {
            return Err(AppError::Forbidden("you cannot remove someone above you"));
        }
        if current == Role::Owner {
            keeps_an_owner(&owners, user)?;
        }
        memberships::delete(&mut tx, who.tenant, user).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Refuses a change that takes `user` out of the owners (`owners`, locked) when they are the
/// last one.
fn keeps_an_owner(owners: &[uuid::Uuid], user: UserId) -> Result<()> {
    if owners.iter().any(|o| *o != user.0) {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "a workspace needs at least one owner".into(),
        ))
    }
}
