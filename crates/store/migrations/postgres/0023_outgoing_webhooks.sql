-- Outgoing webhooks (issue 19, item 3): a workspace's endpoints, the delivery outbox that the
-- event log fills in the event's own transaction, and every attempt of every delivery.

-- An endpoint: where to POST, which event kinds (`event_types`, a JSON array), and its signing
-- secret sealed under the workspace's data key (never stored in the clear). `failing_since` is
-- the first failed attempt since the last success; `disabled_reason` says why the worker
-- turned it off (`failing`), NULL when a person did or it is on.
CREATE TABLE webhook_endpoints (
    id                UUID PRIMARY KEY,
    tenant_id         UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    url               TEXT NOT NULL,
    description       TEXT NOT NULL,
    event_types       TEXT NOT NULL,
    enabled           BOOLEAN NOT NULL,
    disabled_reason   TEXT,
    sealed_secret     BYTEA NOT NULL,
    secret_rotated_at TIMESTAMPTZ NOT NULL,
    failing_since     TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhook_endpoints_list ON webhook_endpoints(tenant_id, id);

-- One event for one endpoint: its exact body (signed as stored, so a redelivery sends the same
-- bytes), `pending` until an attempt succeeds (`delivered`) or its retry window ends
-- (`failed`). `order_key` is the event's subject (a lead, a post): a delivery waits while one
-- of an older event (by id) of the same subject to the same endpoint is pending. `queued_at` starts the retry
-- window (again at a manual redelivery).
CREATE TABLE webhook_deliveries (
    id              UUID PRIMARY KEY,
    tenant_id       UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    endpoint_id     UUID NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    event_id        UUID NOT NULL,
    event_type      TEXT NOT NULL,
    order_key       UUID,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    queued_at       TIMESTAMPTZ NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_attempt_at TIMESTAMPTZ,
    last_status     BIGINT,
    last_error      TEXT,
    delivered_at    TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL
);
-- The log pages newest first (keyset by id); the worker reads an endpoint's due pending
-- deliveries, checks for an older pending one of the same subject, and the sweep finds any
-- endpoint with a due delivery.
CREATE INDEX webhook_deliveries_list ON webhook_deliveries(tenant_id, endpoint_id, id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(tenant_id, endpoint_id, next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_order ON webhook_deliveries(tenant_id, endpoint_id, order_key, event_id) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_sweep ON webhook_deliveries(next_attempt_at) WHERE state = 'pending';

-- One attempt: when, the receiver's status (or why there was none) and how long it took.
CREATE TABLE webhook_attempts (
    id            UUID PRIMARY KEY,
    tenant_id     UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    delivery_id   UUID NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempted_at  TIMESTAMPTZ NOT NULL,
    status        BIGINT,
    error         TEXT,
    duration_ms   BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts(tenant_id, delivery_id, id);

-- The notifier also reads `webhook_endpoint_disabled` (an endpoint the worker turned off).
DROP INDEX events_notify;
CREATE INDEX events_notify ON events(tenant_id, id) WHERE kind IN ('dm_replied', 'email_replied', 'post_submitted', 'post_published', 'account_status', 'account_paused', 'job_dead', 'llm_budget_reached', 'webhook_endpoint_disabled');

ALTER TABLE webhook_endpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_endpoints FORCE ROW LEVEL SECURITY;
CREATE POLICY webhook_endpoints_tenant ON webhook_endpoints
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());
GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_endpoints TO revos_app;

ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_deliveries FORCE ROW LEVEL SECURITY;
CREATE POLICY webhook_deliveries_tenant ON webhook_deliveries
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());
GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_deliveries TO revos_app;

ALTER TABLE webhook_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_attempts FORCE ROW LEVEL SECURITY;
CREATE POLICY webhook_attempts_tenant ON webhook_attempts
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());
GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_attempts TO revos_app;
