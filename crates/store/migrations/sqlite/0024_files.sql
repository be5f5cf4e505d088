-- File storage (issue 20, item 1): one row per file a workspace keeps (an upload or something
-- RevOS rendered). The bytes live in the object store (the data dir or S3) under
-- `<tenant_id>/<id>`; this row is the authority on what exists, so a file is listed, served
-- and deleted through it. `sha256` (hex) is the checksum of the stored bytes.
CREATE TABLE files (
    id            BLOB PRIMARY KEY,
    tenant_id     BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    purpose       TEXT NOT NULL CHECK (purpose IN ('lead_magnet', 'knowledge', 'post_image', 'logo', 'generated_guide')),
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX files_list ON files(tenant_id, id);
