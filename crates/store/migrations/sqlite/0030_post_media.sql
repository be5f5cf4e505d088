-- Post graphics (issue 20, item 5): a post's attachments in the order LinkedIn shows them,
-- each a stored file (purpose post_image) that belongs to this one attachment, so removing the
-- attachment (or deleting the file) removes both. `kind` is the domain's PostMediaKind.
CREATE TABLE post_media (
    id          BLOB PRIMARY KEY,
    tenant_id   BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    post_id     BLOB NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    file_id     BLOB NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('image', 'document')),
    alt_text    TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX post_media_of_post ON post_media(tenant_id, post_id, position);
CREATE UNIQUE INDEX post_media_file ON post_media(file_id);
