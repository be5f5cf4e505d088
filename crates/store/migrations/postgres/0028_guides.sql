-- Generated lead magnets (issue 20, item 4): a guide or checklist written for a cartridge as
-- Markdown, approved by a person, then rendered to a PDF kept in `files` (`file_id`).
CREATE TABLE guides (
    id            UUID PRIMARY KEY,
    tenant_id     UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    cartridge_id  UUID NOT NULL REFERENCES cartridges(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('guide', 'checklist')),
    status        TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'rendered')),
    topic         TEXT NOT NULL,
    title         TEXT NOT NULL,
    markdown      TEXT NOT NULL,
    file_id       UUID REFERENCES files(id) ON DELETE SET NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX guides_list ON guides(tenant_id, id);

ALTER TABLE guides ENABLE ROW LEVEL SECURITY;
ALTER TABLE guides FORCE ROW LEVEL SECURITY;
CREATE POLICY guides_tenant ON guides
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());
GRANT SELECT, INSERT, UPDATE, DELETE ON guides TO revos_app;
