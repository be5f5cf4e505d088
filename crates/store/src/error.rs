//! Storage errors, classified so that callers can turn a unique violation into a 409 without
//! parsing database messages themselves.

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint was violated; the string names what was duplicated.
    #[error("already exists: {0}")]
    Conflict(String),
    /// The database URL or file could not be used.
    #[error("invalid database configuration: {0}")]
    Config(String),
    /// A stored value could not be decoded (corrupt row or a newer schema).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// Migrations could not be applied.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Any other database failure.
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

/// Reads a stored status or stage word as its domain enum; a word this build does not know
/// is corrupt data (or a newer schema).
pub(crate) fn decode_name<T>(raw: String) -> Result<T, StoreError>
where
    T: TryFrom<String, Error = revos_domain::stored_name::UnknownName>,
{
    T::try_from(raw).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        if let Some(db) = err.as_database_error()
            && db.is_unique_violation()
        {
            let what = db.constraint().map(str::to_owned).unwrap_or_else(|| {
                // SQLite names the columns in its message: "UNIQUE constraint failed: users.email".
                db.message()
                    .rsplit(": ")
                    .next()
                    .unwrap_or("unique key")
                    .to_owned()
            });
            return StoreError::Conflict(what);
        }
        if let sqlx::Error::ColumnDecode { index, source } = &err {
            // A column typed by the domain (`#[sqlx(try_from)]`) held what the domain refuses.
            return StoreError::Corrupt(format!("column {index}: {source}"));
        }
        StoreError::Database(err)
    }
}
