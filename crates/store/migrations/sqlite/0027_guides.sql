-- Generated lead magnets (issue 20, item 4): a guide or checklist written for a cartridge as
-- Markdown, approved by a person, then rendered to a PDF kept in `files` (`file_id`).
CREATE TABLE guides (
    id            BLOB PRIMARY KEY,
    tenant_id     BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    cartridge_id  BLOB NOT NULL REFERENCES cartridges(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('guide', 'checklist')),
    status        TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'rendered')),
    topic         TEXT NOT NULL,
    title         TEXT NOT NULL,
    markdown      TEXT NOT NULL,
    file_id       BLOB REFERENCES files(id) ON DELETE SET NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX guides_list ON guides(tenant_id, id);
