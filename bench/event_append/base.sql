-- The event append as it was before the analytics outbox and outgoing webhooks: the INSERT alone.
BEGIN;
INSERT INTO events (id, tenant_id, kind, campaign_id, subject_id, data, cost_usd, occurred_at) VALUES (gen_random_uuid(), :tenant, 'dm_sent', NULL, gen_random_uuid(), '{"text":"hello"}', NULL, clock_timestamp());
COMMIT;
