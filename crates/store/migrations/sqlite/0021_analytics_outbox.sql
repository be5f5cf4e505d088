-- Analytics export (issue 19, item 2): each workspace's switch and shipper state, and the
-- outbox of events waiting for PostHog (written in the transaction of the event itself).

-- A workspace without a row exports nothing (off by default).
CREATE TABLE analytics_exports (
    tenant_id     BLOB PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    enabled       BOOLEAN NOT NULL,
    failures      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    last_sent_at  TEXT,
    updated_at    TEXT NOT NULL
);

-- Events waiting to be sent, deleted once PostHog accepted them; the id is the event's
-- `uuid` there (PostHog deduplicates on it), and the shipper reads in id order.
CREATE TABLE analytics_outbox (
    id           BLOB PRIMARY KEY,
    tenant_id    BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    event        TEXT NOT NULL,
    user_id      BLOB,
    properties   TEXT NOT NULL,
    occurred_at  TEXT NOT NULL
);
CREATE INDEX analytics_outbox_order ON analytics_outbox(tenant_id, id);
