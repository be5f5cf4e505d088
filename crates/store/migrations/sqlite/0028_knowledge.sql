-- Knowledge files per cartridge (issue 20, item 7; the design's FileSearch): a document a
-- workspace uploaded for a client (its original kept in `files`), cut into passages, each
-- embedded (f32 little-endian, with the model that made it) like the cartridge's memory.
-- Ranking is exact cosine in Rust over one cartridge's passages.
CREATE TABLE knowledge_documents (
    id            BLOB PRIMARY KEY,
    tenant_id     BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    cartridge_id  BLOB NOT NULL REFERENCES cartridges(id) ON DELETE CASCADE,
    file_id       BLOB REFERENCES files(id) ON DELETE SET NULL,
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    chunks        INTEGER NOT NULL,
    created_by    BLOB REFERENCES users(id) ON DELETE SET NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX knowledge_documents_cartridge ON knowledge_documents(tenant_id, cartridge_id, id);

CREATE TABLE knowledge_chunks (
    id               BLOB PRIMARY KEY,
    tenant_id        BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    document_id      BLOB NOT NULL REFERENCES knowledge_documents(id) ON DELETE CASCADE,
    cartridge_id     BLOB NOT NULL REFERENCES cartridges(id) ON DELETE CASCADE,
    ordinal          INTEGER NOT NULL,
    body             TEXT NOT NULL,
    embedding        BLOB NOT NULL,
    embedding_model  TEXT NOT NULL
);
CREATE INDEX knowledge_chunks_cartridge ON knowledge_chunks(tenant_id, cartridge_id, id);
CREATE INDEX knowledge_chunks_document ON knowledge_chunks(document_id);

-- `analytics_query` (issue 20, item 7) counts a workspace's events over a period.
CREATE INDEX events_period ON events(tenant_id, occurred_at);
