-- Pacing of every automated action of an account (see the PostgreSQL migration for the why).

CREATE TABLE paced_actions (
    id          BLOB PRIMARY KEY,
    tenant_id   BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    account_id  BLOB NOT NULL REFERENCES linkedin_accounts(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    gap_ms      INTEGER NOT NULL,
    counted     BOOLEAN NOT NULL
);
CREATE INDEX paced_actions_account ON paced_actions(tenant_id, account_id, started_at);

INSERT INTO paced_actions (id, tenant_id, account_id, kind, started_at, finished_at, gap_ms, counted)
    SELECT id, tenant_id, account_id, 'dm', sent_at, sent_at, 0, 1 FROM pacing_sends;
DROP TABLE pacing_sends;

ALTER TABLE linkedin_accounts ADD COLUMN reply_hourly_cap INTEGER NOT NULL DEFAULT 20;
ALTER TABLE linkedin_accounts ADD COLUMN reply_daily_cap INTEGER NOT NULL DEFAULT 60;

ALTER TABLE campaign_leads ADD COLUMN connect_reply_state TEXT;
UPDATE campaign_leads SET connect_reply_state = 'posted' WHERE connect_reply_at IS NOT NULL;
