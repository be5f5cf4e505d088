-- Email deliverability (issue 15). An address a sequencer reported bounced is kept per
-- workspace, so no later fallback sequences it, whichever lead it belongs to (the addresses
-- are lower-cased).
CREATE TABLE email_bounces (
    id                    BLOB PRIMARY KEY,
    tenant_id             BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    email                 TEXT NOT NULL,
    provider              TEXT NOT NULL,
    provider_campaign_id  TEXT,
    bounced_at            TEXT NOT NULL,
    UNIQUE (tenant_id, email)
);
-- A bounce or an email reply finds the workspace's leads by address.
CREATE INDEX leads_email ON leads(tenant_id, LOWER(email));
