-- A cartridge's memory: approved, edited and hand-added posts and DMs, the draft an edited
-- text came from, and each text's embedding (f32 little-endian) with the model that made it.
-- Similarity is computed in Rust over one cartridge's rows (no pgvector); fine at this scale.
CREATE TABLE cartridge_examples (
    id               UUID PRIMARY KEY,
    tenant_id        UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    cartridge_id     UUID NOT NULL REFERENCES cartridges(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('post', 'dm')),
    body             TEXT NOT NULL,
    draft            TEXT,
    source           TEXT NOT NULL CHECK (source IN ('approval', 'manual', 'import')),
    source_id        UUID,
    embedding        BYTEA NOT NULL,
    embedding_model  TEXT NOT NULL,
    created_by       UUID REFERENCES users(id) ON DELETE SET NULL,
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX cartridge_examples_cartridge ON cartridge_examples(tenant_id, cartridge_id, kind, id);
ALTER TABLE cartridge_examples ENABLE ROW LEVEL SECURITY;
ALTER TABLE cartridge_examples FORCE ROW LEVEL SECURITY;
CREATE POLICY cartridge_examples_tenant ON cartridge_examples
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());
GRANT SELECT, INSERT, UPDATE, DELETE ON cartridge_examples TO revos_app;
