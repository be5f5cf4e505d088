-- The lead list filtered by when a lead's stage changed, in any campaign (issue 17): the
-- memberships whose stage changed in the range are sought by time, their leads then read in
-- id order (lead_list_sql's seek), instead of walking every lead from the oldest (0.5 s at
-- 1M leads for "changed last week"). Covering, so a stage filter is checked in the index.
CREATE INDEX campaign_leads_changed ON campaign_leads(tenant_id, updated_at, status, lead_id);
