-- The watch loop at scale (issue 17): 20,000 watched posts polled every 30 s, replies found
-- through each account's recent chats, and a jobs table that stays small.

-- A monitor pass reads one campaign's watched posts (with their marks) in one query.
CREATE INDEX posts_watching ON posts(tenant_id, campaign_id, id) WHERE status = 'watching';

-- The reply poller: which accounts sent a DM in the last 14 days (per campaign, newest
-- first), and which open DMs a page of the account's changed chats holds. The chat lookup
-- also serves the message_received webhook (`dm_in_chat`).
CREATE INDEX messages_dm_sent_at ON messages(campaign_id, sent_at) WHERE channel = 'dm' AND direction = 'out';
CREATE INDEX messages_out_chat ON messages(tenant_id, provider_chat_id) WHERE direction = 'out';

-- Until when each account's chats were read for replies: the next poll asks the provider
-- only for chats with activity after it (less a safety margin). NULL: never polled (the
-- first poll covers the whole reply window).
ALTER TABLE linkedin_accounts ADD COLUMN replies_polled_until TIMESTAMPTZ;

-- Housekeeping deletes finished jobs in batches, oldest first, through this index.
CREATE INDEX jobs_finished ON jobs(updated_at) WHERE state IN ('succeeded', 'cancelled');

-- The queue table churns (every job is inserted, updated a few times, then deleted): vacuum
-- and analyse it after 2% of its rows changed instead of PostgreSQL's default 20%.
ALTER TABLE jobs SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
