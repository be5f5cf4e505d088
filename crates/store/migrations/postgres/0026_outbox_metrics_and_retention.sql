-- The analytics outbox in /metrics' backlog gauges (issue 19): every row waits until PostHog
-- took it, and the oldest is the one written first; this index answers MIN(occurred_at)
-- without reading the table, and lets COUNT(*) scan the index only.
CREATE INDEX analytics_outbox_occurred ON analytics_outbox(occurred_at);

-- Housekeeping deletes deliveries that ended (delivered or failed) past their retention,
-- oldest first; their attempts go with them (ON DELETE CASCADE), found by delivery.
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries(last_attempt_at) WHERE state <> 'pending';
CREATE INDEX webhook_attempts_of_delivery ON webhook_attempts(delivery_id);
