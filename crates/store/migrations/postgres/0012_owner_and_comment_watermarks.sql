-- The real provider path (issue 15): the account owner from the provider, and each watched
-- post's comment high-water mark.

-- Why the owner of an account is not known yet: the last failure of reading it from the
-- provider (`GET /users/me`), cleared once it is read. The probe finds the accounts still
-- waiting for their owner through the partial index.
ALTER TABLE linkedin_accounts ADD COLUMN owner_error TEXT;
CREATE INDEX linkedin_accounts_owner_unknown ON linkedin_accounts(id) WHERE owner_provider_id IS NULL;

-- The newest comment of the last walk of a watched post's comments that reached the previous
-- mark: the monitor stops there, and moves it only once every page above it was processed.
CREATE TABLE comment_watermarks (
    post_id              UUID PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
    tenant_id            UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    boundary_comment_id  TEXT NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);
ALTER TABLE comment_watermarks ENABLE ROW LEVEL SECURITY;
ALTER TABLE comment_watermarks FORCE ROW LEVEL SECURITY;
CREATE POLICY comment_watermarks_tenant ON comment_watermarks
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());
GRANT SELECT, INSERT, UPDATE, DELETE ON comment_watermarks TO revos_app;
