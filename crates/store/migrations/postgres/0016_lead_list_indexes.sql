-- Indexes for the lead list's filters, each an index walk in lead-id order (the list's keyset):
-- a stage in any campaign, a campaign's leads at a stage, and a workspace's leads by id
-- (the primary key alone walks every workspace's leads).
CREATE INDEX campaign_leads_stage ON campaign_leads(tenant_id, status, lead_id);
CREATE INDEX campaign_leads_campaign_stage ON campaign_leads(tenant_id, campaign_id, status, lead_id);
CREATE INDEX leads_tenant_id ON leads(tenant_id, id);
