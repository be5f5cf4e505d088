-- The lead magnet library (issue 20, item 2): a magnet is an external URL or a stored file
-- (`file_id`, then `url` is ''), with tags (a JSON list) and the cartridge it belongs to.
-- `search_text` is the lower-cased text the plain match searches (title, description, tags and
-- the text extracted from its PDF); `lead_magnet_chunks` holds the same text in pieces, each
-- with its embedding (an empty `embedding_model` means "not embedded yet": the search embeds
-- such chunks with the model in effect, as cartridge memory does for stale vectors).
ALTER TABLE lead_magnets ADD COLUMN file_id UUID REFERENCES files(id) ON DELETE SET NULL;
ALTER TABLE lead_magnets ADD COLUMN cartridge_id UUID REFERENCES cartridges(id) ON DELETE SET NULL;
ALTER TABLE lead_magnets ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE lead_magnets ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

CREATE TABLE lead_magnet_chunks (
    id               UUID PRIMARY KEY,
    tenant_id        UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    lead_magnet_id   UUID NOT NULL REFERENCES lead_magnets(id) ON DELETE CASCADE,
    position         INTEGER NOT NULL,
    body             TEXT NOT NULL,
    embedding        BYTEA NOT NULL DEFAULT ''::bytea,
    embedding_model  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX lead_magnet_chunks_magnet ON lead_magnet_chunks(tenant_id, lead_magnet_id, position);
CREATE INDEX campaigns_lead_magnet ON campaigns(tenant_id, lead_magnet_id);

ALTER TABLE lead_magnet_chunks ENABLE ROW LEVEL SECURITY;
ALTER TABLE lead_magnet_chunks FORCE ROW LEVEL SECURITY;
CREATE POLICY lead_magnet_chunks_tenant ON lead_magnet_chunks
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());
GRANT SELECT, INSERT, UPDATE, DELETE ON lead_magnet_chunks TO revos_app;

-- Existing campaigns' inline magnets move into the library: one row per distinct
-- (workspace, title, url), each campaign pointing at its row. The inline copy stays in the
-- campaign's settings (the campaign JSON keeps its shape).
INSERT INTO lead_magnets (id, tenant_id, title, url, description, created_at, updated_at, search_text)
SELECT gen_random_uuid(), tenant_id, title, url, MIN(description), MIN(created_at), MIN(created_at),
       lower(title || E'\n' || MIN(description))
FROM (SELECT tenant_id, created_at,
             settings::jsonb #>> '{lead_magnet,title}' AS title,
             settings::jsonb #>> '{lead_magnet,url}' AS url,
             COALESCE(settings::jsonb #>> '{lead_magnet,description}', '') AS description
      FROM campaigns WHERE lead_magnet_id IS NULL) inline
WHERE title IS NOT NULL AND title <> '' AND url IS NOT NULL
GROUP BY tenant_id, title, url;

UPDATE campaigns c SET lead_magnet_id = m.id
FROM lead_magnets m
WHERE c.lead_magnet_id IS NULL AND m.tenant_id = c.tenant_id AND m.file_id IS NULL
  AND m.title = c.settings::jsonb #>> '{lead_magnet,title}'
  AND m.url = c.settings::jsonb #>> '{lead_magnet,url}';

INSERT INTO lead_magnet_chunks (id, tenant_id, lead_magnet_id, position, body)
SELECT gen_random_uuid(), m.tenant_id, m.id, 0, m.title || E'\n' || m.description
FROM lead_magnets m
WHERE NOT EXISTS (SELECT 1 FROM lead_magnet_chunks k WHERE k.lead_magnet_id = m.id);
