-- Reports over a date range (issue 21, item 5): the per-step breakdown reads a workspace's
-- DMs sent in the period, one range scan instead of every campaign's DMs.
CREATE INDEX messages_dm_period ON messages(tenant_id, sent_at) WHERE channel = 'dm' AND direction = 'out';
