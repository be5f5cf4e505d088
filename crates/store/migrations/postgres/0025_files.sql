-- File storage (issue 20, item 1): one row per file a workspace keeps (an upload or something
-- RevOS rendered). The bytes live in the object store (the data dir or S3) under
-- `<tenant_id>/<id>`; this row is the authority on what exists, so a file is listed, served
-- and deleted through it. `sha256` (hex) is the checksum of the stored bytes.
CREATE TABLE files (
    id            UUID PRIMARY KEY,
    tenant_id     UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    purpose       TEXT NOT NULL CHECK (purpose IN ('lead_magnet', 'knowledge', 'post_image', 'logo', 'generated_guide')),
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX files_list ON files(tenant_id, id);

ALTER TABLE files ENABLE ROW LEVEL SECURITY;
ALTER TABLE files FORCE ROW LEVEL SECURITY;
CREATE POLICY files_tenant ON files
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());
GRANT SELECT, INSERT, UPDATE, DELETE ON files TO revos_app;
