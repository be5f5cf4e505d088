-- Lead tags (issue 21, item 4): workspace-scoped labels on leads, normalised by the domain
-- (trimmed, lower-case, 1 to 40 characters, at most 20 per lead). The key serves a lead's
-- tags and the erasure; `lead_tags_by_tag` serves the `tag=` filter of the lead list, the
-- export and bulk actions (the tag's leads in lead order) and the workspace's tag names.
CREATE TABLE lead_tags (
    tenant_id   BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    lead_id     BLOB NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    tag         TEXT NOT NULL CHECK (length(tag) BETWEEN 1 AND 40),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, lead_id, tag)
);
CREATE INDEX lead_tags_by_tag ON lead_tags(tenant_id, tag, lead_id);
