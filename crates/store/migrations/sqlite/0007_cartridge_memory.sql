-- A cartridge's memory: approved, edited and hand-added posts and DMs, the draft an edited
-- text came from, and each text's embedding (f32 little-endian) with the model that made it.
-- Similarity is computed in Rust over one cartridge's rows; no vector index is needed at
-- this scale.
CREATE TABLE cartridge_examples (
    id               BLOB PRIMARY KEY,
    tenant_id        BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    cartridge_id     BLOB NOT NULL REFERENCES cartridges(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('post', 'dm')),
    body             TEXT NOT NULL,
    draft            TEXT,
    source           TEXT NOT NULL CHECK (source IN ('approval', 'manual', 'import')),
    source_id        BLOB,
    embedding        BLOB NOT NULL,
    embedding_model  TEXT NOT NULL,
    created_by       BLOB REFERENCES users(id) ON DELETE SET NULL,
    created_at       TEXT NOT NULL
);
CREATE INDEX cartridge_examples_cartridge ON cartridge_examples(tenant_id, cartridge_id, kind, id);
