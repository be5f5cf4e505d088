-- Replies arrive by webhook and by polling: an inbound message is recorded once per provider
-- message id.
CREATE UNIQUE INDEX messages_inbound_once ON messages(tenant_id, channel, provider_message_id) WHERE direction = 'in';
-- The public reply inviting a commenter who is not connected goes out at most once per campaign.
ALTER TABLE campaign_leads ADD COLUMN connect_reply_at TEXT;
-- A lead's timeline reads its events.
CREATE INDEX events_subject ON events(tenant_id, subject_id, occurred_at);
-- The campaign an event belongs to, so a campaign's funnel and costs are read by index.
ALTER TABLE events ADD COLUMN campaign_id BLOB;
CREATE INDEX events_campaign ON events(tenant_id, campaign_id);
-- Hosted-auth links handed out to connect a LinkedIn account through Unipile: Unipile echoes
-- the link's token (as its `name`) when the account is connected; single use, short-lived.
CREATE TABLE unipile_links (
    id            BLOB PRIMARY KEY,
    tenant_id     BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    token_hash    TEXT NOT NULL UNIQUE,
    display_name  TEXT,
    expires_at    TEXT NOT NULL,
    used_at       TEXT,
    created_at    TEXT NOT NULL
);
