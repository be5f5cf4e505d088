-- Email deliverability (issue 15). An address a sequencer reported bounced is kept per
-- workspace, so no later fallback sequences it, whichever lead it belongs to (the addresses
-- are lower-cased).
CREATE TABLE email_bounces (
    id                    UUID PRIMARY KEY,
    tenant_id             UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    email                 TEXT NOT NULL,
    provider              TEXT NOT NULL,
    provider_campaign_id  TEXT,
    bounced_at            TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, email)
);
ALTER TABLE email_bounces ENABLE ROW LEVEL SECURITY;
ALTER TABLE email_bounces FORCE ROW LEVEL SECURITY;
CREATE POLICY email_bounces_tenant ON email_bounces
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());
-- A bounce or an email reply finds the workspace's leads by address.
CREATE INDEX leads_email ON leads(tenant_id, LOWER(email));
