-- Notifications (issue 18, item 4): what the notifier made of the event log, per workspace,
-- with each member's read state and preferences, and the Slack digest's state.

-- One notification per kind, subject and hour: a burst about one subject counts up instead of
-- adding rows. `slack_state` is NULL when Slack is not to hear of it, else `pending` until a
-- digest carried it (`sent`).
CREATE TABLE notifications (
    id            BLOB PRIMARY KEY,
    tenant_id     BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    subject_key   TEXT NOT NULL,
    window_start  TEXT NOT NULL,
    title         TEXT NOT NULL,
    link          TEXT NOT NULL,
    count         INTEGER NOT NULL DEFAULT 1,
    slack_state   TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (tenant_id, kind, subject_key, window_start)
);
-- The centre lists newest first (keyset by id); the bell counts what changed since a mark.
CREATE INDEX notifications_list ON notifications(tenant_id, id);
CREATE INDEX notifications_updated ON notifications(tenant_id, updated_at);
CREATE INDEX notifications_slack_pending ON notifications(tenant_id, id) WHERE slack_state = 'pending';

-- A member's reads: one notification read at an instant (a later bump makes it unread again),
-- and "everything up to this instant" (mark all read).
CREATE TABLE notification_reads (
    tenant_id        BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id          BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    notification_id  BLOB NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
    read_at          TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, notification_id)
);
CREATE TABLE notification_read_marks (
    tenant_id     BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id       BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    read_through  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
);

-- A member's choice per kind; a kind without a row is on in-app and on Slack.
CREATE TABLE notification_preferences (
    tenant_id   BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id     BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    in_app      INTEGER NOT NULL,
    slack       INTEGER NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, kind)
);

-- How far the notifier read each workspace's event log.
CREATE TABLE notification_watermarks (
    tenant_id      BLOB PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    last_event_id  BLOB NOT NULL,
    updated_at     TEXT NOT NULL
);

-- The notifier reads only the events that notify, in id order, through this partial index
-- (its predicate is repeated word for word by `revos_store::notifications`).
CREATE INDEX events_notify ON events(tenant_id, id) WHERE kind IN ('dm_replied', 'email_replied', 'post_submitted', 'post_published', 'account_status', 'account_paused', 'job_dead', 'llm_budget_reached');
