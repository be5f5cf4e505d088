//! A workspace's files: uploads (lead magnets, knowledge documents, post images, logos) and
//! what RevOS renders (guides). The bytes go to one object store: the data dir's `files/`
//! folder by default, any S3-compatible bucket by configuration (`REVOS_STORAGE_URL`); each
//! workspace under its own prefix (`<tenant>/<file id>`, never a name a person chose, so no
//! upload can reach outside it). The `files` table is the authority on what exists: a file is
//! checked (type, bytes, size, name) before it is stored, its SHA-256 is kept and checked again
//! when it is read, and an owner that holds a file deletes it with itself.

use crate::{App, AppError, Result};
use bytes::Bytes;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use revos_domain::files::{FilePurpose, FileRefusal, check_upload};
use revos_domain::{FileId, TenantId, ValidationErrors};
use revos_store::files as store;
use sha2::{Digest, Sha256};
use std::sync::Arc;

pub use revos_store::files::FileRow as StoredFile;

/// The default upload limit, in MiB (`REVOS_MAX_UPLOAD_MB`).
pub const DEFAULT_MAX_UPLOAD_MB: u64 = 25;

/// Where the object store is and how to reach it, as the operator configured it.
#[derive(Clone, Debug, Default)]
pub struct StorageSettings {
    /// `s3://bucket[/prefix]` or `file:///absolute/dir` (`REVOS_STORAGE_URL`); `None` means the
    /// data dir's `files/` folder.
    pub url: Option<String>,
    /// The S3 API's endpoint for S3-compatible stores (MinIO, R2, …) (`REVOS_STORAGE_ENDPOINT`).
    pub endpoint: Option<String>,
    /// The bucket's region (`REVOS_STORAGE_REGION`).
    pub region: Option<String>,
    /// The access key id (`REVOS_STORAGE_ACCESS_KEY_ID`).
    pub access_key_id: Option<String>,
    /// The secret access key (`REVOS_STORAGE_SECRET_ACCESS_KEY`).
    pub secret_access_key: Option<secrecy::SecretString>,
    /// The largest upload, in MiB (`REVOS_MAX_UPLOAD_MB`).
    pub max_upload_mb: u64,
}

/// Why the object store could not be opened from its settings.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StorageConfigError(pub String);

/// The object store with its prefix and the upload limit.
#[derive(Clone, Debug)]
pub struct FileStorage {
    objects: Arc<dyn ObjectStore>,
    prefix: ObjectPath,
    max_upload_bytes: u64,
}

impl FileStorage {
    /// Files kept in memory: for processes whose files need not outlive them (tests of other
    /// features, the demo).
    pub fn in_memory() -> Self {
        Self {
            objects: Arc::new(object_store::memory::InMemory::new()),
            prefix: ObjectPath::default(),
            max_upload_bytes: DEFAULT_MAX_UPLOAD_MB * 1024 * 1024,
        }
    }

    /// Files in the local folder `dir` (created when missing).
    pub fn local(dir: &std::path::Path) -> Result<Self, StorageConfigError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StorageConfigError(format!("cannot create {}: {e}", dir.display())))?;
        let fs = object_store::local::LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| StorageConfigError(e.to_string()))?
            .with_automatic_cleanup(true);
        Ok(Self {
            objects: Arc::new(fs),
            prefix: ObjectPath::default(),
            max_upload_bytes: DEFAULT_MAX_UPLOAD_MB * 1024 * 1024,
        })
    }

    /// The store the settings name, `data_dir/files` when they name none.
    pub fn open(
        settings: &StorageSettings,
        data_dir: &std::path::Path,
    ) -> Result<Self, StorageConfigError> {
        let storage = match settings.url.as_deref().map(str::trim) {
            None | Some("") => Self::local(&data_dir.join("files"))?,
            Some(url) if url.starts_with("file://") => {
                Self::local(std::path::Path::new(&url["file://".len()..]))?
            }
            Some(url) if url.starts_with("s3://") => Self::s3(url, settings)?,
            Some(url) => {
                return Err(StorageConfigError(format!(
                    "{url:?} is not s3://BUCKET[/PREFIX] or file:///DIR"
                )));
            }
        };
        Ok(storage.with_max_upload_mb(settings.max_upload_mb))
    }

    /// An S3 bucket (or an S3-compatible store at `settings.endpoint`).
    fn s3(url: &str, settings: &StorageSettings) -> Result<Self, StorageConfigError> {
        use secrecy::ExposeSecret;
        let rest = &url["s3://".len()..];
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(StorageConfigError(format!("{url:?} names no bucket")));
        }
        let mut builder = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region(settings.region.as_deref().unwrap_or("us-east-1"))
            .with_client_options(
                object_store::ClientOptions::new()
                    .with_timeout(std::time::Duration::from_secs(60))
                    .with_connect_timeout(std::time::Duration::from_secs(10)),
            );
        if let Some(endpoint) = &settings.endpoint {
            builder = builder
                .with_endpoint(endpoint.trim_end_matches('/'))
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        if let Some(id) = &settings.access_key_id {
            builder = builder.with_access_key_id(id);
        }
        if let Some(secret) = &settings.secret_access_key {
            builder = builder.with_secret_access_key(secret.expose_secret());
        }
        let objects = builder
            .build()
            .map_err(|e| StorageConfigError(e.to_string()))?;
        let prefix = ObjectPath::parse(prefix.trim_matches('/'))
            .map_err(|e| StorageConfigError(format!("{url:?}: {e}")))?;
        Ok(Self {
            objects: Arc::new(objects),
            prefix,
            max_upload_bytes: DEFAULT_MAX_UPLOAD_MB * 1024 * 1024,
        })
    }

    /// The same store with another upload limit (`0` keeps the default).
    pub fn with_max_upload_mb(mut self, mb: u64) -> Self {
        if mb > 0 {
            self.max_upload_bytes = mb.saturating_mul(1024 * 1024);
        }
        self
    }

    /// The largest upload, in bytes.
    pub fn max_upload_bytes(&self) -> u64 {
        self.max_upload_bytes
    }

    /// Where a file's bytes are: under the workspace's own prefix, named by ids only.
    fn location(&self, tenant: TenantId, id: FileId) -> ObjectPath {
        self.prefix
            .clone()
            .join(tenant.0.to_string())
            .join(id.0.to_string())
    }
}

fn storage_failure(e: object_store::Error) -> AppError {
    AppError::Internal(format!("file storage: {e}"))
}

fn refused(r: FileRefusal) -> AppError {
    let errors = ValidationErrors::single(r.field(), r.to_string());
    match r {
        FileRefusal::TooLarge { .. } => AppError::TooLarge(errors),
        _ => errors.into(),
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl App {
    /// The same services keeping files in `storage`.
    pub fn with_file_storage(mut self, storage: FileStorage) -> Self {
        self.files = Arc::new(storage);
        self
    }

    /// The largest upload this instance takes, in bytes (`REVOS_MAX_UPLOAD_MB`).
    pub fn max_upload_bytes(&self) -> u64 {
        self.files.max_upload_bytes()
    }

    /// Checks an upload (its name, its size against `REVOS_MAX_UPLOAD_MB`, its content type
    /// against the purpose and against its own bytes) and keeps it for `tenant`. The object is
    /// written before its row, so a row always has its bytes; a failed row write removes the
    /// object again.
    pub async fn store_file(
        &self,
        tenant: TenantId,
        purpose: FilePurpose,
        name: &str,
        content_type: &str,
        bytes: Bytes,
    ) -> Result<StoredFile> {
        let (name, kind) = check_upload(
            purpose,
            name,
            content_type,
            &bytes,
            self.files.max_upload_bytes,
        )
        .map_err(refused)?;
        let id = FileId::new();
        let row = StoredFile {
            id: id.0,
            purpose,
            name,
            content_type: kind.media_type().to_owned(),
            size: bytes.len() as i64,
            sha256: sha256_hex(&bytes),
            // As the database keeps it (microseconds), so the answer equals a later read.
            created_at: chrono::SubsecRound::trunc_subsecs(self.now(), 6),
        };
        let location = self.files.location(tenant, id);
        self.files
            .objects
            .put(&location, PutPayload::from_bytes(bytes))
            .await
            .map_err(storage_failure)?;
        let recorded = async {
            let mut tx = self.store.begin_for(tenant).await?;
            store::insert(&mut tx, tenant, &row).await?;
            tx.commit().await?;
            Ok::<_, AppError>(())
        }
        .await;
        if let Err(e) = recorded {
            let _ = self.files.objects.delete(&location).await;
            return Err(e);
        }
        tracing::info!(%tenant, file = %id, purpose = %purpose, size = row.size, "file stored");
        Ok(row)
    }

    /// File `id` of `tenant`; 404 for any other workspace's.
    pub async fn file(&self, tenant: TenantId, id: FileId) -> Result<StoredFile> {
        let mut tx = self.store.begin_read_for(tenant).await?;
        let row = store::get(&mut tx, tenant, id).await?;
        tx.commit().await?;
        row.ok_or(AppError::NotFound("file"))
    }

    /// File `id` of `tenant` with its bytes, checked against the SHA-256 recorded when it was
    /// stored (a file changed or damaged in the store is an error, never served).
    pub async fn file_bytes(&self, tenant: TenantId, id: FileId) -> Result<(StoredFile, Bytes)> {
        let row = self.file(tenant, id).await?;
        let bytes = self
            .files
            .objects
            .get(&self.files.location(tenant, id))
            .await
            .map_err(storage_failure)?
            .bytes()
            .await
            .map_err(storage_failure)?;
        if sha256_hex(&bytes) != row.sha256 {
            tracing::error!(%tenant, file = %id, "a stored file does not match its checksum");
            return Err(AppError::Internal(format!(
                "file {id} does not match its checksum"
            )));
        }
        Ok((row, bytes))
    }

    /// Deletes file `id` of `tenant`: its row, then its bytes (an object left by a failure
    /// after the row is gone is unreachable and harmless).
    pub async fn delete_file(&self, tenant: TenantId, id: FileId) -> Result<()> {
        let mut tx = self.store.begin_for(tenant).await?;
        let existed = store::delete(&mut tx, tenant, id).await?;
        tx.commit().await?;
        if !existed {
            return Err(AppError::NotFound("file"));
        }
        match self
            .files
            .objects
            .delete(&self.files.location(tenant, id))
            .await
        {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => tracing::warn!(%tenant, file = %id, error = %e, "file bytes not deleted"),
        }
        tracing::info!(%tenant, file = %id, "file deleted");
        Ok(())
    }
}
