-- Clients as collaborators: the `client` role, comments and share-link names in a post's
-- history, and share links (a client without an account approves the posts waiting for them).

-- The client role: members and invitations may carry it (API keys may not: a client uses the
-- web app or a share link, never a script). SQLite cannot alter a CHECK, so both tables are
-- rebuilt (nothing references them).
CREATE TABLE memberships_new (
    tenant_id   BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id     BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'client')),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
);
INSERT INTO memberships_new (tenant_id, user_id, role, created_at)
    SELECT tenant_id, user_id, role, created_at FROM memberships;
DROP TABLE memberships;
ALTER TABLE memberships_new RENAME TO memberships;
CREATE INDEX memberships_user ON memberships(user_id);

CREATE TABLE invitations_new (
    id           BLOB PRIMARY KEY,
    tenant_id    BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    email        TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'client')),
    token_hash   TEXT NOT NULL UNIQUE,
    invited_by   BLOB NOT NULL REFERENCES users(id),
    expires_at   TEXT NOT NULL,
    accepted_at  TEXT,
    created_at   TEXT NOT NULL
);
INSERT INTO invitations_new (id, tenant_id, email, role, token_hash, invited_by, expires_at, accepted_at, created_at)
    SELECT id, tenant_id, email, role, token_hash, invited_by, expires_at, accepted_at, created_at FROM invitations;
DROP TABLE invitations;
ALTER TABLE invitations_new RENAME TO invitations;
CREATE INDEX invitations_tenant ON invitations(tenant_id, id);

-- Who made a move when it was no user: "via share link <label>". `reason` now holds an
-- approval's comment as well as a rejection's reason.
ALTER TABLE post_transitions ADD COLUMN actor_label TEXT;

-- Share links: a signed (random, stored only as SHA-256 hex like sessions and API keys),
-- expiring, revocable link to a workspace's posts waiting for approval.
CREATE TABLE share_links (
    id          BLOB PRIMARY KEY,
    tenant_id   BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    label       TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_by  BLOB NOT NULL REFERENCES users(id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE INDEX share_links_tenant ON share_links(tenant_id, id);
