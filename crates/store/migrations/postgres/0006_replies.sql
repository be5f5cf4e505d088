-- Replies arrive by webhook and by polling: an inbound message is recorded once per provider
-- message id.
CREATE UNIQUE INDEX messages_inbound_once ON messages(tenant_id, channel, provider_message_id) WHERE direction = 'in';
-- The public reply inviting a commenter who is not connected goes out at most once per campaign.
ALTER TABLE campaign_leads ADD COLUMN connect_reply_at TIMESTAMPTZ;
-- A lead's timeline reads its events.
CREATE INDEX events_subject ON events(tenant_id, subject_id, occurred_at);
-- The campaign an event belongs to, so a campaign's funnel and costs are read by index.
ALTER TABLE events ADD COLUMN campaign_id UUID;
CREATE INDEX events_campaign ON events(tenant_id, campaign_id);
-- Hosted-auth links handed out to connect a LinkedIn account through Unipile: Unipile echoes
-- the link's token (as its `name`) when the account is connected; single use, short-lived.
CREATE TABLE unipile_links (
    id            UUID PRIMARY KEY,
    tenant_id     UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    token_hash    TEXT NOT NULL UNIQUE,
    display_name  TEXT,
    expires_at    TIMESTAMPTZ NOT NULL,
    used_at       TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL
);
ALTER TABLE unipile_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE unipile_links FORCE ROW LEVEL SECURITY;
CREATE POLICY unipile_links_tenant ON unipile_links
    USING (tenant_id = revos_current_tenant() OR revos_system_scope()
           OR token_hash = revos_current_credential());
