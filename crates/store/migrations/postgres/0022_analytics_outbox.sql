-- Analytics export (issue 19, item 2): each workspace's switch and shipper state, and the
-- outbox of events waiting for PostHog (written in the transaction of the event itself).

-- A workspace without a row exports nothing (off by default).
CREATE TABLE analytics_exports (
    tenant_id     UUID PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    enabled       BOOLEAN NOT NULL,
    failures      BIGINT NOT NULL DEFAULT 0,
    last_error    TEXT,
    last_sent_at  TIMESTAMPTZ,
    updated_at    TIMESTAMPTZ NOT NULL
);

-- Events waiting to be sent, deleted once PostHog accepted them; the id is the event's
-- `uuid` there (PostHog deduplicates on it), and the shipper reads in id order.
CREATE TABLE analytics_outbox (
    id           UUID PRIMARY KEY,
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    event        TEXT NOT NULL,
    user_id      UUID,
    properties   TEXT NOT NULL,
    occurred_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX analytics_outbox_order ON analytics_outbox(tenant_id, id);

ALTER TABLE analytics_exports ENABLE ROW LEVEL SECURITY;
ALTER TABLE analytics_exports FORCE ROW LEVEL SECURITY;
CREATE POLICY analytics_exports_tenant ON analytics_exports
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());
GRANT SELECT, INSERT, UPDATE, DELETE ON analytics_exports TO revos_app;

ALTER TABLE analytics_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE analytics_outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY analytics_outbox_tenant ON analytics_outbox
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());
GRANT SELECT, INSERT, UPDATE, DELETE ON analytics_outbox TO revos_app;
