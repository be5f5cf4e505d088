-- The event append today: the INSERT, the analytics outbox INSERT ... SELECT (a no-op while the
-- workspace exports nothing) and the webhook endpoint lookup (store/src/events.rs).
BEGIN;
INSERT INTO events (id, tenant_id, kind, campaign_id, subject_id, data, cost_usd, occurred_at) VALUES (gen_random_uuid(), :tenant, 'dm_sent', NULL, gen_random_uuid(), '{"text":"hello"}', NULL, clock_timestamp());
INSERT INTO analytics_outbox (id, tenant_id, event, user_id, properties, occurred_at) SELECT gen_random_uuid(), tenant_id, 'dm_sent', NULL, '{}', clock_timestamp() FROM analytics_exports WHERE tenant_id = :tenant AND enabled;
SELECT id, event_types FROM webhook_endpoints WHERE tenant_id = :tenant AND enabled;
COMMIT;
