//! Sign-up, login, logout and resolving a bearer token to a [`Principal`].
//!
//! Login failures never say whether an email is registered: an unknown email and a wrong
//! password give the same error after the same amount of hashing work.

use crate::principal::{Credential, Principal};
use crate::{App, AppError, Result, passwords, tokens};
use chrono::{DateTime, Utc};
use revos_domain::validation::Collector;
use revos_domain::{Email, NewPassword, Role, SignupPolicy, TenantId, UserId, WorkspaceName};
use revos_store::{api_keys, memberships, sessions, tenants, users};

/// A new login session.
#[derive(Clone, Debug)]
pub struct SessionToken {
    /// The bearer token; shown once, stored only hashed.
    pub token: String,
    /// The workspace the session acts in.
    pub tenant: TenantId,
    /// Who logged in.
    pub user: UserId,
    /// When the token stops working.
    pub expires_at: DateTime<Utc>,
}

const BAD_LOGIN: &str = "invalid email or password";
const BAD_TOKEN: &str = "the bearer token is invalid, expired or revoked";

impl App {
    /// Whether sign-up may create a workspace now, under the operator's rule
    /// ([`revos_domain::SignupPolicy`]): what the sign-up page says before anyone types.
    pub async fn signup_allowed(&self) -> Result<bool> {
        let mut tx = self.store.begin_read().await?;
        self.signup_allowed_in(&mut tx).await
    }

    /// [`App::signup_allowed`] inside the transaction that creates the workspace, holding the
    /// registry lock so that two racing sign-ups on an empty instance cannot both be first.
    async fn signup_allowed_in(&self, tx: &mut revos_store::Tx) -> Result<bool> {
        let policy = self.settings.signup;
        Ok(match policy {
            SignupPolicy::First => policy.allows(tenants::lock_and_any(tx).await?),
            other => other.allows(true),
        })
    }

    /// Creates a workspace and its owner and logs the owner in, when the operator's sign-up
    /// rule allows ([`AppError::SignupClosed`] otherwise, before anything else is looked at).
    /// An already registered email with its correct password gets a further workspace; with a
    /// wrong password the answer is the login failure, which names neither field.
    pub async fn signup(
        &self,
        email: &str,
        password: &str,
        workspace_name: &str,
    ) -> Result<SessionToken> {
        if !self.signup_allowed().await? {
            return Err(AppError::SignupClosed);
        }
        let mut c = Collector::default();
        let email = Email::parse("email", email).map_err(|e| c.merge(e)).ok();
        let password = NewPassword::parse("password", password)
            .map_err(|e| c.merge(e))
            .ok();
        let name = WorkspaceName::parse("workspace_name", workspace_name)
            .map_err(|e| c.merge(e))
            .ok();
        c.finish()?;
        let (Some(email), Some(password), Some(name)) = (email, password, name) else {
            return Err(AppError::Internal(
                "validation passed without values".into(),
            ));
        };

        let existing = {
            let mut tx = self.store.begin_read().await?;
            users::find_by_email(&mut tx, &email).await?
        };
        let user = match existing {
            Some(row) => {
                if !passwords::verify(password.expose().to_owned(), Some(row.password_hash)).await?
                {
                    return Err(AppError::Unauthorized(BAD_LOGIN));
                }
                Some(UserId(row.id))
            }
            None => None,
        };
        let new_hash = match user {
            Some(_) => None,
            None => Some(passwords::hash(password.expose().to_owned()).await?),
        };

        let now = self.now();
        let mut tx = self.store.begin().await?;
        if !self.signup_allowed_in(&mut tx).await? {
            return Err(AppError::SignupClosed);
        }
        let (tenant, user) = insert_owned_workspace(&mut tx, user, new_hash, &email, &name, now)
            .await
            .map_err(|e| match e {
                // Someone signed up with this email between our check and now.
                AppError::Conflict(_) => AppError::Unauthorized(BAD_LOGIN),
                other => other,
            })?;
        let session = self.open_session(&mut tx, tenant, user, now).await?;
        tx.commit().await?;
        tracing::info!(%tenant, %user, "workspace created");
        Ok(session)
    }

    /// Checks email and password and opens a session in `tenant`, or in the user's first
    /// workspace when none is named.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        tenant: Option<TenantId>,
    ) -> Result<SessionToken> {
        let email = Email::parse("email", email).map_err(|_| AppError::Unauthorized(BAD_LOGIN))?;
        let found = {
            let mut tx = self.store.begin_read().await?;
            users::find_by_email(&mut tx, &email).await?
        };
        let stored = found.as_ref().map(|u| u.password_hash.clone());
        if !passwords::verify(password.to_owned(), stored).await? {
            return Err(AppError::Unauthorized(BAD_LOGIN));
        }
        let user = UserId(found.ok_or(AppError::Unauthorized(BAD_LOGIN))?.id);

        let now = self.now();
        let mut tx = self.store.begin().await?;
        tx.scope_user(user).await?;
        let workspaces = memberships::tenants_of(&mut tx, user).await?;
        let chosen = match tenant {
            Some(t) => workspaces.iter().find(|(id, _)| *id == t.0),
            None => workspaces.first(),
        };
        let Some((tenant, _)) = chosen else {
            return Err(AppError::Forbidden(
                "you are not a member of that workspace",
            ));
        };
        let tenant = TenantId(*tenant);
        tx.scope_tenant(tenant).await?;
        let session = self.open_session(&mut tx, tenant, user, now).await?;
        tx.commit().await?;
        Ok(session)
    }

    async fn open_session(
        &self,
        tx: &mut revos_store::Tx,
        tenant: TenantId,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<SessionToken> {
        let token = tokens::generate(tokens::SESSION_PREFIX);
        let expires_at = now + self.settings.session_ttl;
        sessions::insert(tx, tenant, user, &tokens::hash(&token), expires_at, now).await?;
        Ok(SessionToken {
            token,
            tenant,
            user,
            expires_at,
        })
    }

    /// Resolves a bearer token (session or API key) to the caller, checking expiry, revocation
    /// and that the person behind it is still a member, with their current role.
    pub async fn authenticate(&self, token: &str) -> Result<Principal> {
        let is_session = token.starts_with(tokens::SESSION_PREFIX);
        if !is_session && !token.starts_with(tokens::API_KEY_PREFIX) {
            return Err(AppError::Unauthorized(BAD_TOKEN));
        }
        let hash = tokens::hash(token);
        let now = self.now();
        let mut tx = self.store.begin().await?;
        tx.scope_credential(&hash).await?;
        let (tenant, user, key_role, credential, touch) = if is_session {
            let s = sessions::find_by_hash(&mut tx, &hash)
                .await?
                .ok_or(AppError::Unauthorized(BAD_TOKEN))?;
            if s.expires_at <= now {
                return Err(AppError::Unauthorized(BAD_TOKEN));
            }
            (
                TenantId(s.tenant_id),
                UserId(s.user_id),
                None,
                Credential::Session(s.id),
                false,
            )
        } else {
            let k = api_keys::find_by_hash(&mut tx, &hash)
                .await?
                .ok_or(AppError::Unauthorized(BAD_TOKEN))?;
            if k.revoked_at.is_some() {
                return Err(AppError::Unauthorized(BAD_TOKEN));
            }
            let stale = k
                .last_used_at
                .is_none_or(|t| now - t > chrono::Duration::minutes(1));
            (
                TenantId(k.tenant_id),
                UserId(k.created_by),
                Role::parse(&k.role),
                Credential::ApiKey(k.id),
                stale,
            )
        };
        tx.scope_tenant(tenant).await?;
        let member_role = memberships::role_of(&mut tx, tenant, user)
            .await?
            .ok_or(AppError::Unauthorized(BAD_TOKEN))?;
        // An API key never acts above its creator's current role.
        let role = key_role.map_or(member_role, |k| k.max(member_role));
        if let (true, Credential::ApiKey(id)) = (touch, credential) {
            api_keys::touch(&mut tx, tenant, id, now).await?;
        }
        tx.commit().await?;
        Ok(Principal {
            tenant,
            user,
            role,
            credential,
        })
    }

    /// Opens a session in another workspace of the caller (the web app's workspace switcher)
    /// and ends the current one.
    pub async fn switch_workspace(
        &self,
        who: &Principal,
        tenant: TenantId,
    ) -> Result<SessionToken> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        tx.scope_user(who.user).await?;
        let member = memberships::tenants_of(&mut tx, who.user)
            .await?
            .iter()
            .any(|(t, _)| *t == tenant.0);
        if !member {
            return Err(AppError::Forbidden(
                "you are not a member of that workspace",
            ));
        }
        tx.scope_tenant(tenant).await?;
        let session = self.open_session(&mut tx, tenant, who.user, now).await?;
        tx.commit().await?;
        if matches!(who.credential, Credential::Session(_)) {
            self.logout(who).await?;
        }
        Ok(session)
    }

    /// Ends the caller's session; API keys are revoked instead, through their own endpoint.
    pub async fn logout(&self, who: &Principal) -> Result<()> {
        let Credential::Session(id) = who.credential else {
            return Err(AppError::Conflict(
                "an API key cannot log out; revoke it instead".into(),
            ));
        };
        let mut tx = self.store.begin_for(who.tenant).await?;
        sessions::delete(&mut tx, who.tenant, id).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Inserts a workspace named `name` owned by `user` (an existing account), or by a new account
/// for `email` with the password hash `new_hash`: what sign-up and the operator's
/// `admin workspace create` share. A new account whose email was taken meanwhile is
/// [`AppError::Conflict`].
pub(crate) async fn insert_owned_workspace(
    tx: &mut revos_store::Tx,
    user: Option<UserId>,
    new_hash: Option<String>,
    email: &Email,
    name: &WorkspaceName,
    now: DateTime<Utc>,
) -> Result<(TenantId, UserId)> {
    let user = match (user, new_hash) {
        (Some(user), _) => user,
        (None, Some(hash)) => {
            let user = UserId::new();
            users::insert(tx, user, email, &hash, now).await?;
            user
        }
        (None, None) => return Err(AppError::Internal("no user and no hash".into())),
    };
    let tenant = insert_workspace_of(tx, user, name, now).await?;
    Ok((tenant, user))
}

/// Inserts a workspace named `name` owned by the existing account `user`, and scopes `tx` to
/// it: what [`insert_owned_workspace`] and creating a client workspace from inside the app
/// share.
pub(crate) async fn insert_workspace_of(
    tx: &mut revos_store::Tx,
    user: UserId,
    name: &WorkspaceName,
    now: DateTime<Utc>,
) -> Result<TenantId> {
    let tenant = TenantId::new();
    tenants::insert(tx, tenant, name.as_str(), now).await?;
    tx.scope_tenant(tenant).await?;
    memberships::insert(tx, tenant, user, Role::Owner, now).await?;
    Ok(tenant)
}
