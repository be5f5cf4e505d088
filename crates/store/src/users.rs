//! People who can log in. A user is global; what they may see is decided by memberships.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::{Email, UserId};
use uuid::Uuid;

/// A stored user.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRow {
    /// Its id.
    pub id: Uuid,
    /// Normalised email address.
    pub email: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// When the user signed up.
    pub created_at: DateTime<Utc>,
}

/// Records a new user; [`crate::StoreError::Conflict`] when the email is taken.
pub async fn insert(
    tx: &mut Tx,
    id: UserId,
    email: &Email,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str =
        "INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)";
    on_conn!(tx, c => sqlx::query(SQL)
        .bind(id.0).bind(email.as_str()).bind(password_hash).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Finds a user by email, for login.
pub async fn find_by_email(tx: &mut Tx, email: &Email) -> Result<Option<UserRow>> {
    const SQL: &str = "SELECT id, email, password_hash, created_at FROM users WHERE email = $1";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(email.as_str()).fetch_optional(c).await?))
}

/// Reads a user by id.
pub async fn get(tx: &mut Tx, id: UserId) -> Result<Option<UserRow>> {
    const SQL: &str = "SELECT id, email, password_hash, created_at FROM users WHERE id = $1";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(id.0).fetch_optional(c).await?))
}
