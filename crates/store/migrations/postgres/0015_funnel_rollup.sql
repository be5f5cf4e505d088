-- Issue 17: a campaign's funnel is read from a rollup kept in the transaction of each write
-- that moves a lead, instead of being recounted from every lead, message and event.
--
-- * campaign_leads.progress: the lead's lasting steps in the campaign, as bits
--   (revos_domain::funnel::Progress::to_bits), set by the store's writers of stages, events,
--   messages and enrichment;
-- * campaign_funnels: per campaign, how many leads reached each step (each counted once,
--   when its bit is first set), how many wait for a connection now, and the summed cost;
-- * events.cost_usd: an event's cost in its own column (the JSON `cost` stays for the
--   timeline);
-- * activity_days: DMs sent and replies per workspace and UTC day.
ALTER TABLE campaign_leads ADD COLUMN progress INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN cost_usd DOUBLE PRECISION;

CREATE TABLE campaign_funnels (
    campaign_id          UUID PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
    tenant_id            UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    scraped              BIGINT NOT NULL DEFAULT 0,
    enriched             BIGINT NOT NULL DEFAULT 0,
    awaiting_connection  BIGINT NOT NULL DEFAULT 0,
    dm_sent              BIGINT NOT NULL DEFAULT 0,
    replied              BIGINT NOT NULL DEFAULT 0,
    email_sequenced      BIGINT NOT NULL DEFAULT 0,
    email_replied        BIGINT NOT NULL DEFAULT 0,
    opted_out            BIGINT NOT NULL DEFAULT 0,
    cost_usd             DOUBLE PRECISION NOT NULL DEFAULT 0
);
-- The dashboard reads every campaign's counters of a workspace.
CREATE INDEX campaign_funnels_tenant ON campaign_funnels(tenant_id, campaign_id);
ALTER TABLE campaign_funnels ENABLE ROW LEVEL SECURITY;
ALTER TABLE campaign_funnels FORCE ROW LEVEL SECURITY;
CREATE POLICY campaign_funnels_tenant ON campaign_funnels
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());

-- A workspace's DMs sent and replies per UTC day (the dashboard's chart), kept as the
-- `dm_sent` and `dm_replied` events are appended.
CREATE TABLE activity_days (
    tenant_id  UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    day        DATE NOT NULL,
    dm_sent    BIGINT NOT NULL DEFAULT 0,
    replied    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, day)
);
ALTER TABLE activity_days ENABLE ROW LEVEL SECURITY;
ALTER TABLE activity_days FORCE ROW LEVEL SECURITY;
CREATE POLICY activity_days_tenant ON activity_days
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());

-- A campaign's messages are read by campaign.
CREATE INDEX messages_campaign ON messages(tenant_id, campaign_id);

-- BACKFILL (tests re-run everything below this line on data made by the application).
-- The cost of existing events, from their JSON (data that is not a JSON object, or a cost
-- that is not a number, costs nothing, as before). Events are append-only for the
-- application; the migration fills the new column once.
CREATE FUNCTION pg_temp.revos_event_cost(data TEXT) RETURNS DOUBLE PRECISION LANGUAGE plpgsql AS $$
DECLARE j jsonb;
BEGIN
    j := data::jsonb;
    IF jsonb_typeof(j) = 'object' AND jsonb_typeof(j -> 'cost') = 'number' THEN
        RETURN (j ->> 'cost')::DOUBLE PRECISION;
    END IF;
    RETURN NULL;
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;
ALTER TABLE events DISABLE TRIGGER events_no_update;
UPDATE events SET cost_usd = pg_temp.revos_event_cost(data) WHERE data LIKE '%"cost"%';
ALTER TABLE events ENABLE TRIGGER events_no_update;

-- Each lead's lasting steps in each campaign, by the rule of revos_domain::funnel (bits of
-- Progress::to_bits: 1 enriched, 2 dm_sent, 4 replied, 8 email_sequenced, 16 email_replied,
-- 32 opted_out): what its stage proves, enrichment of the person, the campaign's events
-- about it and its messages of the campaign; then closed (an email reply implies the
-- sequence, a reply or the sequence implies the DM).
UPDATE campaign_leads SET progress =
    (CASE status
        WHEN 'enriched' THEN 1
        WHEN 'dm_sent' THEN 2
        WHEN 'replied' THEN 6
        WHEN 'email_sequenced' THEN 10
        WHEN 'email_replied' THEN 26
        WHEN 'opted_out' THEN 32
        ELSE 0 END)
    | COALESCE((SELECT CASE WHEN l.enriched_at IS NOT NULL THEN 1 ELSE 0 END FROM leads l
        WHERE l.id = campaign_leads.lead_id), 0)
    | COALESCE((SELECT MAX(CASE WHEN e.kind = 'lead_enriched' THEN 1 ELSE 0 END)
        + MAX(CASE WHEN e.kind = 'dm_sent' THEN 2 ELSE 0 END)
        + MAX(CASE WHEN e.kind = 'dm_replied' THEN 4 ELSE 0 END)
        + MAX(CASE WHEN e.kind = 'email_sequenced' THEN 8 ELSE 0 END)
        + MAX(CASE WHEN e.kind = 'email_replied' THEN 16 ELSE 0 END)
        + MAX(CASE WHEN e.kind = 'opted_out' THEN 32 ELSE 0 END)
        FROM events e WHERE e.tenant_id = campaign_leads.tenant_id
        AND e.subject_id = campaign_leads.lead_id AND e.campaign_id = campaign_leads.campaign_id), 0)
    | COALESCE((SELECT MAX(CASE WHEN m.channel = 'dm' AND m.direction = 'out' AND m.status = 'sent' THEN 2 ELSE 0 END)
        + MAX(CASE WHEN m.channel = 'dm' AND m.direction = 'in' THEN 4 ELSE 0 END)
        + MAX(CASE WHEN m.channel = 'email' AND m.direction = 'out' THEN 8 ELSE 0 END)
        + MAX(CASE WHEN m.channel = 'email' AND m.direction = 'in' THEN 16 ELSE 0 END)
        FROM messages m WHERE m.tenant_id = campaign_leads.tenant_id
        AND m.lead_id = campaign_leads.lead_id AND m.campaign_id = campaign_leads.campaign_id), 0);
UPDATE campaign_leads SET progress = progress | 8 WHERE (progress & 16) <> 0;
UPDATE campaign_leads SET progress = progress | 2 WHERE (progress & 12) <> 0;

-- Each campaign's counters from its leads' steps, its leads waiting for a connection now and
-- the cost of its events.
INSERT INTO campaign_funnels (campaign_id, tenant_id, scraped, enriched, awaiting_connection, dm_sent,
    replied, email_sequenced, email_replied, opted_out, cost_usd)
SELECT c.id, c.tenant_id, COUNT(cl.id),
    COALESCE(SUM(CASE WHEN (cl.progress & 1) <> 0 THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN cl.status = 'awaiting_connection' THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN (cl.progress & 2) <> 0 THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN (cl.progress & 4) <> 0 THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN (cl.progress & 8) <> 0 THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN (cl.progress & 16) <> 0 THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN (cl.progress & 32) <> 0 THEN 1 ELSE 0 END), 0),
    0
FROM campaigns c LEFT JOIN campaign_leads cl ON cl.campaign_id = c.id
GROUP BY c.id, c.tenant_id;
UPDATE campaign_funnels SET cost_usd = COALESCE((SELECT SUM(e.cost_usd) FROM events e
    WHERE e.tenant_id = campaign_funnels.tenant_id AND e.campaign_id = campaign_funnels.campaign_id), 0);

-- DMs sent and replies per workspace and UTC day.
INSERT INTO activity_days (tenant_id, day, dm_sent, replied)
SELECT tenant_id, (occurred_at AT TIME ZONE 'UTC')::date,
    SUM(CASE WHEN kind = 'dm_sent' THEN 1 ELSE 0 END), SUM(CASE WHEN kind = 'dm_replied' THEN 1 ELSE 0 END)
FROM events WHERE kind IN ('dm_sent', 'dm_replied')
GROUP BY tenant_id, (occurred_at AT TIME ZONE 'UTC')::date;
