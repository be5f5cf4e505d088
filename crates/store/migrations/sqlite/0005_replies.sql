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
