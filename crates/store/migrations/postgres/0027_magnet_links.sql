-- Tracked lead-magnet delivery (issue 20, item 3): with a public URL, each DM carries
-- `{public_url}/m/{token}` instead of the magnet's own URL. One row per (campaign, lead),
-- written in the transaction that stores the DM's text. The token is an HMAC of the
-- workspace, campaign and lead under a key derived from the master key (so a retried DM
-- renders the same link); only its SHA-256 is stored, and `GET /m/{token}` finds the row by
-- it. The row keeps what the link delivers as it was when the DM was written: the magnet's
-- URL, or a stored file (`file_id`, served inline; the library sets it). The first open
-- appends `magnet_opened` to the lead's timeline; later ones count, at most one a minute
-- (`last_counted_at`). A deleted lead or campaign takes its links along (the link then 404s).
CREATE TABLE magnet_links (
    id               UUID PRIMARY KEY,
    tenant_id        UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    token_hash       TEXT NOT NULL UNIQUE,
    campaign_id      UUID NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    lead_id          UUID NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    target_url       TEXT,
    file_id          UUID REFERENCES files(id) ON DELETE SET NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    first_opened_at  TIMESTAMPTZ,
    last_counted_at  TIMESTAMPTZ,
    open_count       BIGINT NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, campaign_id, lead_id)
);
-- The lead's page and the lead export read a lead's opens.
CREATE INDEX magnet_links_lead ON magnet_links(tenant_id, lead_id);

ALTER TABLE magnet_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE magnet_links FORCE ROW LEVEL SECURITY;
-- The public link finds its row by the token's hash before it knows the workspace.
CREATE POLICY magnet_links_tenant ON magnet_links
    USING (tenant_id = revos_current_tenant() OR revos_system_scope()
           OR token_hash = revos_current_credential());
GRANT SELECT, INSERT, UPDATE, DELETE ON magnet_links TO revos_app;

-- "Opened" in the funnel: bit 64 of campaign_leads.progress (Progress::to_bits) and a counter.
ALTER TABLE campaign_funnels ADD COLUMN opened BIGINT NOT NULL DEFAULT 0;

-- BACKFILL (tests re-run everything below this line after the funnel_rollup backfill).
UPDATE campaign_leads SET progress = progress | 64 WHERE id IN (
    SELECT cl.id FROM events e JOIN campaign_leads cl ON cl.tenant_id = e.tenant_id
        AND cl.campaign_id = e.campaign_id AND cl.lead_id = e.subject_id
    WHERE e.kind = 'magnet_opened');
UPDATE campaign_funnels SET opened = (SELECT COUNT(*) FROM campaign_leads cl
    WHERE cl.tenant_id = campaign_funnels.tenant_id AND cl.campaign_id = campaign_funnels.campaign_id
    AND (cl.progress & 64) <> 0)
WHERE campaign_id IN (SELECT campaign_id FROM campaign_leads WHERE (progress & 64) <> 0);
