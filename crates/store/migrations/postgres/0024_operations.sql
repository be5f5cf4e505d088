-- Operations (issue 19, items 4 and 5): the workers' heartbeats (for /readyz and the
-- operator's view of who is alive) and the operator alerts currently raised (one row per
-- condition while it lasts, so every process sends one alert, and one recovery message).

-- One row per running worker process, written with every lease renewal and deleted when the
-- worker stops cleanly; a worker that died leaves a row whose beat_at stops moving. `status`
-- is the process's own view of what only it can see (JSON: the instance keys' health).
CREATE TABLE worker_heartbeats (
    worker_id   TEXT PRIMARY KEY,
    started_at  TIMESTAMPTZ NOT NULL,
    beat_at     TIMESTAMPTZ NOT NULL,
    status      TEXT NOT NULL DEFAULT '{}'
);

-- A raised operator alert: present while its condition lasts (inserted once when it is raised,
-- deleted when it recovers).
CREATE TABLE operator_alerts (
    condition   TEXT PRIMARY KEY,
    detail      TEXT NOT NULL,
    raised_at   TIMESTAMPTZ NOT NULL
);

-- Dead jobs per queue and when the last one died, for the alert check and /metrics.
CREATE INDEX jobs_dead ON jobs(queue, updated_at) WHERE state = 'dead';

-- System tables (no tenant): only the system scope uses them.
ALTER TABLE worker_heartbeats ENABLE ROW LEVEL SECURITY;
ALTER TABLE worker_heartbeats FORCE ROW LEVEL SECURITY;
CREATE POLICY worker_heartbeats_system ON worker_heartbeats USING (revos_system_scope());
ALTER TABLE operator_alerts ENABLE ROW LEVEL SECURITY;
ALTER TABLE operator_alerts FORCE ROW LEVEL SECURITY;
CREATE POLICY operator_alerts_system ON operator_alerts USING (revos_system_scope());

GRANT SELECT, INSERT, UPDATE, DELETE ON worker_heartbeats, operator_alerts TO revos_app;
