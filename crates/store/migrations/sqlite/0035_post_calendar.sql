-- The content calendar (issue 21, item 3) lists a workspace's posts by the time they belong
-- to: published posts by when they went out, scheduled ones by their time, the others by
-- their last change. One index on that expression keeps the listing one range scan.
CREATE INDEX posts_calendar ON posts (tenant_id, COALESCE(published_at, scheduled_at, updated_at));
