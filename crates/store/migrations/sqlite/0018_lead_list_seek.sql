-- The lead list filtered by when a lead's stage changed, in any campaign (issue 17): the
-- memberships whose stage changed in the range are sought by time, their leads then read in
-- id order (lead_list_sql's seek), instead of walking every lead from the oldest. Covering,
-- so a stage filter is checked in the index.
CREATE INDEX campaign_leads_changed ON campaign_leads(tenant_id, updated_at, status, lead_id);

-- A campaign's leads in lead order (the campaign lead list's keyset): without it SQLite,
-- which keeps no statistics, walked the workspace's memberships in lead order for each page
-- (or every lead, then sorted). It serves every query of the index it replaces.
CREATE INDEX campaign_leads_campaign_lead ON campaign_leads(tenant_id, campaign_id, lead_id);
DROP INDEX campaign_leads_tenant;
