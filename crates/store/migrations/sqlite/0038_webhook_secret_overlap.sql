-- A rotated webhook signing secret keeps signing beside the new one for a day (issue 19
-- leftover): receivers switch without losing a delivery. The previous secret is sealed like
-- the current one; both columns are NULL when no rotation is in its overlap.
ALTER TABLE webhook_endpoints ADD COLUMN previous_sealed_secret BLOB;
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret_until TEXT;
