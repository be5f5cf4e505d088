-- Knowledge files per cartridge (issue 20, item 7; the design's FileSearch): a document a
-- workspace uploaded for a client (its original kept in `files`), cut into passages, each
-- embedded (f32 little-endian, with the model that made it) like the cartridge's memory.
-- Ranking is exact cosine in Rust over one cartridge's passages (no pgvector).
CREATE TABLE knowledge_documents (
    id            UUID PRIMARY KEY,
    tenant_id     UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    cartridge_id  UUID NOT NULL REFERENCES cartridges(id) ON DELETE CASCADE,
    file_id       UUID REFERENCES files(id) ON DELETE SET NULL,
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    chunks        BIGINT NOT NULL,
    created_by    UUID REFERENCES users(id) ON DELETE SET NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX knowledge_documents_cartridge ON knowledge_documents(tenant_id, cartridge_id, id);
ALTER TABLE knowledge_documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE knowledge_documents FORCE ROW LEVEL SECURITY;
CREATE POLICY knowledge_documents_tenant ON knowledge_documents
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());
GRANT SELECT, INSERT, UPDATE, DELETE ON knowledge_documents TO revos_app;

CREATE TABLE knowledge_chunks (
    id               UUID PRIMARY KEY,
    tenant_id        UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    document_id      UUID NOT NULL REFERENCES knowledge_documents(id) ON DELETE CASCADE,
    cartridge_id     UUID NOT NULL REFERENCES cartridges(id) ON DELETE CASCADE,
    ordinal          BIGINT NOT NULL,
    body             TEXT NOT NULL,
    embedding        BYTEA NOT NULL,
    embedding_model  TEXT NOT NULL
);
CREATE INDEX knowledge_chunks_cartridge ON knowledge_chunks(tenant_id, cartridge_id, id);
CREATE INDEX knowledge_chunks_document ON knowledge_chunks(document_id);
ALTER TABLE knowledge_chunks ENABLE ROW LEVEL SECURITY;
ALTER TABLE knowledge_chunks FORCE ROW LEVEL SECURITY;
CREATE POLICY knowledge_chunks_tenant ON knowledge_chunks
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());
GRANT SELECT, INSERT, UPDATE, DELETE ON knowledge_chunks TO revos_app;

-- `analytics_query` (issue 20, item 7) counts a workspace's events over a period.
CREATE INDEX events_period ON events(tenant_id, occurred_at);
