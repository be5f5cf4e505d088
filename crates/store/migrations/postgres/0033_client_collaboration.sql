-- Clients as collaborators: the `client` role, comments and share-link names in a post's
-- history, and share links (a client without an account approves the posts waiting for them).

-- The client role: members and invitations may carry it (API keys may not: a client uses the
-- web app or a share link, never a script).
ALTER TABLE memberships DROP CONSTRAINT IF EXISTS memberships_role_check;
ALTER TABLE memberships ADD CONSTRAINT memberships_role_check
    CHECK (role IN ('owner', 'admin', 'member', 'client'));
ALTER TABLE invitations DROP CONSTRAINT IF EXISTS invitations_role_check;
ALTER TABLE invitations ADD CONSTRAINT invitations_role_check
    CHECK (role IN ('owner', 'admin', 'member', 'client'));

-- Who made a move when it was no user: "via share link <label>". `reason` now holds an
-- approval's comment as well as a rejection's reason.
ALTER TABLE post_transitions ADD COLUMN actor_label TEXT;

-- Share links: a signed (random, stored only as SHA-256 hex like sessions and API keys),
-- expiring, revocable link to a workspace's posts waiting for approval.
CREATE TABLE share_links (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    label       TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_by  UUID NOT NULL REFERENCES users(id),
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX share_links_tenant ON share_links(tenant_id, id);

ALTER TABLE share_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE share_links FORCE ROW LEVEL SECURITY;
CREATE POLICY share_links_tenant ON share_links
    USING (tenant_id = revos_current_tenant() OR revos_system_scope()
           OR token_hash = revos_current_credential());
GRANT SELECT, INSERT, UPDATE, DELETE ON share_links TO revos_app;
