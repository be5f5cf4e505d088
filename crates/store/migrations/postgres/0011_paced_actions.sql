-- Pacing of every automated action of an account (issue 15 item 2). A slot is taken right
-- before the acting provider call and records when the call started and ended, so that the
-- minimum gap runs from the END of one action to the start of the next, whatever their kinds;
-- `counted` says whether it uses up its kind's caps (a call the provider refused does not).
SELECT set_config('app.system', 'on', true);

CREATE TABLE paced_actions (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    account_id  UUID NOT NULL REFERENCES linkedin_accounts(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    gap_ms      BIGINT NOT NULL,
    counted     BOOLEAN NOT NULL
);
CREATE INDEX paced_actions_account ON paced_actions(tenant_id, account_id, started_at);
ALTER TABLE paced_actions ENABLE ROW LEVEL SECURITY;
ALTER TABLE paced_actions FORCE ROW LEVEL SECURITY;
CREATE POLICY paced_actions_tenant ON paced_actions
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());
GRANT SELECT, INSERT, UPDATE, DELETE ON paced_actions TO revos_app;

-- The DM slots used so far become finished DM actions (their gap was already applied).
INSERT INTO paced_actions (id, tenant_id, account_id, kind, started_at, finished_at, gap_ms, counted)
    SELECT id, tenant_id, account_id, 'dm', sent_at, sent_at, 0, TRUE FROM pacing_sends;
DROP TABLE pacing_sends;

-- Caps of public comment replies (DMs keep hourly_cap / daily_cap).
ALTER TABLE linkedin_accounts ADD COLUMN reply_hourly_cap BIGINT NOT NULL DEFAULT 20;
ALTER TABLE linkedin_accounts ADD COLUMN reply_daily_cap BIGINT NOT NULL DEFAULT 60;

-- The public "let's connect" reply is its own retried job: `queued` once claimed, `posting`
-- while a call may have reached LinkedIn, `posted` after. Replies claimed before this
-- migration were attempted once already: they count as posted.
ALTER TABLE campaign_leads ADD COLUMN connect_reply_state TEXT;
UPDATE campaign_leads SET connect_reply_state = 'posted' WHERE connect_reply_at IS NOT NULL;
