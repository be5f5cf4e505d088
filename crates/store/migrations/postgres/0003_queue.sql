-- The durable job queue and per-account pacing (see the SQLite migration for the why).

ALTER TABLE jobs ADD COLUMN pacing_account_id UUID;
DROP INDEX jobs_due;
CREATE INDEX jobs_claim ON jobs(queue, priority DESC, run_at) WHERE state IN ('scheduled', 'retrying');
CREATE INDEX jobs_leases ON jobs(locked_until) WHERE state = 'running';
CREATE INDEX jobs_tenant ON jobs(tenant_id, id);

CREATE TABLE cron_runs (
    name        TEXT NOT NULL,
    slot        TIMESTAMPTZ NOT NULL,
    fired_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (name, slot)
);

ALTER TABLE linkedin_accounts ADD COLUMN next_send_at TIMESTAMPTZ;
ALTER TABLE linkedin_accounts ADD COLUMN warmup_weeks BIGINT NOT NULL DEFAULT 4;
ALTER TABLE linkedin_accounts ADD COLUMN limit_pause_seconds BIGINT NOT NULL DEFAULT 21600;

CREATE TABLE pacing_sends (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    account_id  UUID NOT NULL REFERENCES linkedin_accounts(id) ON DELETE CASCADE,
    job_id      UUID,
    sent_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX pacing_sends_account ON pacing_sends(account_id, sent_at);
ALTER TABLE pacing_sends ENABLE ROW LEVEL SECURITY;
ALTER TABLE pacing_sends FORCE ROW LEVEL SECURITY;
CREATE POLICY pacing_sends_tenant ON pacing_sends
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());

CREATE TABLE queue_probes (
    id           UUID PRIMARY KEY,
    job_id       UUID NOT NULL,
    worker       TEXT NOT NULL,
    completed_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX queue_probes_job ON queue_probes(job_id);

-- cron_runs and queue_probes are system tables (no tenant): only the system scope uses them.
ALTER TABLE cron_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE cron_runs FORCE ROW LEVEL SECURITY;
CREATE POLICY cron_runs_system ON cron_runs USING (revos_system_scope());
ALTER TABLE queue_probes ENABLE ROW LEVEL SECURITY;
ALTER TABLE queue_probes FORCE ROW LEVEL SECURITY;
CREATE POLICY queue_probes_system ON queue_probes USING (revos_system_scope());

-- New tables created by this migration get the application grants through the default
-- privileges set in 0002; grant explicitly too, in case the migrating role differs.
GRANT SELECT, INSERT, UPDATE, DELETE ON cron_runs, pacing_sends, queue_probes TO revos_app;
