-- When a lead was last enriched: a second paid lookup waits 30 days.
ALTER TABLE leads ADD COLUMN enriched_at TEXT;
