-- The LinkedIn member behind an account, so the comment monitor skips the owner's own comments.
ALTER TABLE linkedin_accounts ADD COLUMN owner_provider_id TEXT;
CREATE INDEX campaign_leads_lead ON campaign_leads(tenant_id, lead_id);
