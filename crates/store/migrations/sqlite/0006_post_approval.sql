-- The content approval workflow extends the posts table: a post written in RevOS moves
-- draft → pending_approval → approved | rejected → scheduled → published. Posts a campaign
-- only watches keep the status 'watching' and none of these columns.
-- The AI's draft, kept beside the current body so the approver's edits can be learnt.
ALTER TABLE posts ADD COLUMN draft_body TEXT;
-- The account it is published from.
ALTER TABLE posts ADD COLUMN linkedin_account_id BLOB REFERENCES linkedin_accounts(id) ON DELETE SET NULL;
-- The campaign it is written for, and that watches it once published (the watching itself is
-- a 'watching' row of that campaign, so the comment monitor finds it as any other).
ALTER TABLE posts ADD COLUMN target_campaign_id BLOB REFERENCES campaigns(id) ON DELETE SET NULL;
ALTER TABLE posts ADD COLUMN created_by BLOB;
ALTER TABLE posts ADD COLUMN submitted_by BLOB;
ALTER TABLE posts ADD COLUMN submitted_at TEXT;
ALTER TABLE posts ADD COLUMN approved_by BLOB;
ALTER TABLE posts ADD COLUMN approved_at TEXT;
ALTER TABLE posts ADD COLUMN approved_edited INTEGER NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN rejected_by BLOB;
ALTER TABLE posts ADD COLUMN rejected_at TEXT;
ALTER TABLE posts ADD COLUMN rejection_reason TEXT;
-- Set (durably) before the provider is asked to publish: a post claimed but not published
-- may be on LinkedIn already, and is looked for there before it is ever sent again.
ALTER TABLE posts ADD COLUMN publish_claimed_at TEXT;
ALTER TABLE posts ADD COLUMN url TEXT;
ALTER TABLE posts ADD COLUMN reactions BIGINT;
ALTER TABLE posts ADD COLUMN comment_count BIGINT;
ALTER TABLE posts ADD COLUMN reposts BIGINT;
ALTER TABLE posts ADD COLUMN impressions BIGINT;
ALTER TABLE posts ADD COLUMN metrics_refreshed_at TEXT;
CREATE INDEX posts_status ON posts(tenant_id, status, id);
CREATE INDEX posts_published ON posts(published_at) WHERE status = 'published';

-- Who moved which post from what to what, and when: "who approved what" is kept for good.
CREATE TABLE post_transitions (
    id           BLOB PRIMARY KEY,
    tenant_id    BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    post_id      BLOB NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    actor_id     BLOB,
    from_status  TEXT,
    to_status    TEXT NOT NULL,
    reason       TEXT,
    occurred_at  TEXT NOT NULL
);
CREATE INDEX post_transitions_post ON post_transitions(tenant_id, post_id, id);
