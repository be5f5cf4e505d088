-- Post graphics (issue 20, item 5): a post's attachments in the order LinkedIn shows them,
-- each a stored file (purpose post_image) that belongs to this one attachment, so removing the
-- attachment (or deleting the file) removes both. `kind` is the domain's PostMediaKind.
CREATE TABLE post_media (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    post_id     UUID NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    file_id     UUID NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('image', 'document')),
    alt_text    TEXT,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX post_media_of_post ON post_media(tenant_id, post_id, position);
CREATE UNIQUE INDEX post_media_file ON post_media(file_id);

ALTER TABLE post_media ENABLE ROW LEVEL SECURITY;
ALTER TABLE post_media FORCE ROW LEVEL SECURITY;
CREATE POLICY post_media_tenant ON post_media
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());
GRANT SELECT, INSERT, UPDATE, DELETE ON post_media TO revos_app;
