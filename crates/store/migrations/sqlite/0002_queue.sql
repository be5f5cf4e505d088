-- The durable job queue and per-account pacing.

-- Paced jobs (LinkedIn sends) name the account whose pacing they must respect.
ALTER TABLE jobs ADD COLUMN pacing_account_id BLOB;
DROP INDEX jobs_due;
CREATE INDEX jobs_claim ON jobs(queue, priority DESC, run_at) WHERE state IN ('scheduled', 'retrying');
CREATE INDEX jobs_leases ON jobs(locked_until) WHERE state = 'running';
CREATE INDEX jobs_tenant ON jobs(tenant_id, id);

-- One row per cron schedule slot that has been fired, so that however many processes run,
-- each slot fires once.
CREATE TABLE cron_runs (
    name        TEXT NOT NULL,
    slot        TEXT NOT NULL,
    fired_at    TEXT NOT NULL,
    PRIMARY KEY (name, slot)
);

-- Pacing state of a LinkedIn account beyond its policy columns.
ALTER TABLE linkedin_accounts ADD COLUMN next_send_at TEXT;
ALTER TABLE linkedin_accounts ADD COLUMN warmup_weeks INTEGER NOT NULL DEFAULT 4;
ALTER TABLE linkedin_accounts ADD COLUMN limit_pause_seconds INTEGER NOT NULL DEFAULT 21600;

-- Every send slot an account has used: the rolling-hour and daily caps count these.
CREATE TABLE pacing_sends (
    id          BLOB PRIMARY KEY,
    tenant_id   BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    account_id  BLOB NOT NULL REFERENCES linkedin_accounts(id) ON DELETE CASCADE,
    job_id      BLOB,
    sent_at     TEXT NOT NULL
);
CREATE INDEX pacing_sends_account ON pacing_sends(account_id, sent_at);

-- Completions recorded by the queue's probe job, in the same transaction that completes it:
-- used by `revos bench queue` and the crash tests to prove no job completes twice.
CREATE TABLE queue_probes (
    id         BLOB PRIMARY KEY,
    job_id     BLOB NOT NULL,
    worker     TEXT NOT NULL,
    completed_at TEXT NOT NULL
);
CREATE INDEX queue_probes_job ON queue_probes(job_id);
