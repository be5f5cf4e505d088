-- RevOS schema, PostgreSQL dialect: the same tables as the SQLite migration, with native
-- types (uuid, timestamptz, bytea, boolean). JSON documents stay TEXT so that both backends
-- bind them the same way. Tenant isolation in depth (row-level security) is the next migration.

CREATE TABLE tenants (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id             UUID PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE memberships (
    tenant_id   UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id     UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX memberships_user ON memberships(user_id);

-- Login sessions: opaque bearer tokens, stored as SHA-256 hex, bound to one workspace.
CREATE TABLE sessions (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id     UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    expires_at  TIMESTAMPTZ NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_tenant ON sessions(tenant_id);

CREATE TABLE api_keys (
    id            UUID PRIMARY KEY,
    tenant_id     UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    created_by    UUID NOT NULL REFERENCES users(id),
    created_at    TIMESTAMPTZ NOT NULL,
    last_used_at  TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ
);
CREATE INDEX api_keys_tenant ON api_keys(tenant_id, id);

CREATE TABLE invitations (
    id           UUID PRIMARY KEY,
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    email        TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    token_hash   TEXT NOT NULL UNIQUE,
    invited_by   UUID NOT NULL REFERENCES users(id),
    expires_at   TIMESTAMPTZ NOT NULL,
    accepted_at  TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX invitations_tenant ON invitations(tenant_id, id);

-- Vault: one data key per tenant, wrapped (encrypted) by the master key identified by
-- master_key_id; secrets are encrypted under the tenant's data key.
CREATE TABLE tenant_keys (
    tenant_id      UUID PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    master_key_id  TEXT NOT NULL,
    wrapped_key    BYTEA NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    rotated_at     TIMESTAMPTZ
);

CREATE TABLE secrets (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    ciphertext  BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE cartridges (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    spec        TEXT NOT NULL,
    version     BIGINT NOT NULL,
    created_by  UUID REFERENCES users(id) ON DELETE SET NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX cartridges_tenant ON cartridges(tenant_id, id);

CREATE TABLE cartridge_versions (
    id            UUID PRIMARY KEY,
    tenant_id     UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    cartridge_id  UUID NOT NULL REFERENCES cartridges(id) ON DELETE CASCADE,
    version       BIGINT NOT NULL,
    spec          TEXT NOT NULL,
    changed_by    UUID REFERENCES users(id) ON DELETE SET NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (cartridge_id, version)
);
CREATE INDEX cartridge_versions_tenant ON cartridge_versions(tenant_id, cartridge_id);

-- A LinkedIn account the tenant sends from, with its pacing policy.
CREATE TABLE linkedin_accounts (
    id                   UUID PRIMARY KEY,
    tenant_id            UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    provider             TEXT NOT NULL,
    provider_account_id  TEXT NOT NULL,
    display_name         TEXT NOT NULL,
    status               TEXT NOT NULL,
    time_zone            TEXT NOT NULL DEFAULT 'UTC',
    hourly_cap           BIGINT NOT NULL DEFAULT 50,
    daily_cap            BIGINT NOT NULL DEFAULT 100,
    min_gap_seconds      BIGINT NOT NULL DEFAULT 120,
    max_gap_seconds      BIGINT NOT NULL DEFAULT 900,
    window_start         TEXT NOT NULL DEFAULT '08:00',
    window_end           TEXT NOT NULL DEFAULT '20:00',
    warmup_started_at    TIMESTAMPTZ,
    paused_until         TIMESTAMPTZ,
    is_sandbox           BOOLEAN NOT NULL DEFAULT FALSE,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, provider, provider_account_id)
);

CREATE TABLE lead_magnets (
    id           UUID PRIMARY KEY,
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    title        TEXT NOT NULL,
    url          TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX lead_magnets_tenant ON lead_magnets(tenant_id, id);

CREATE TABLE campaigns (
    id                   UUID PRIMARY KEY,
    tenant_id            UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name                 TEXT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('draft', 'active', 'paused', 'completed')),
    cartridge_id         UUID REFERENCES cartridges(id) ON DELETE SET NULL,
    linkedin_account_id  UUID REFERENCES linkedin_accounts(id) ON DELETE SET NULL,
    lead_magnet_id       UUID REFERENCES lead_magnets(id) ON DELETE SET NULL,
    settings             TEXT NOT NULL DEFAULT '{}',
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX campaigns_tenant ON campaigns(tenant_id, id);

CREATE TABLE posts (
    id                UUID PRIMARY KEY,
    tenant_id         UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    campaign_id       UUID REFERENCES campaigns(id) ON DELETE SET NULL,
    cartridge_id      UUID REFERENCES cartridges(id) ON DELETE SET NULL,
    status            TEXT NOT NULL,
    body              TEXT NOT NULL,
    provider_post_id  TEXT,
    scheduled_at      TIMESTAMPTZ,
    published_at      TIMESTAMPTZ,
    is_sandbox        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX posts_tenant ON posts(tenant_id, id);

CREATE TABLE comments (
    id                   UUID PRIMARY KEY,
    tenant_id            UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    post_id              UUID NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    provider_comment_id  TEXT NOT NULL,
    author_provider_id   TEXT NOT NULL,
    author_name          TEXT NOT NULL,
    body                 TEXT NOT NULL,
    commented_at         TIMESTAMPTZ NOT NULL,
    created_at           TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, post_id, provider_comment_id)
);

CREATE TABLE leads (
    id             UUID PRIMARY KEY,
    tenant_id      UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    provider_id    TEXT NOT NULL,
    linkedin_url   TEXT,
    name           TEXT NOT NULL,
    headline       TEXT,
    email          TEXT,
    email_status   TEXT,
    title          TEXT,
    company        TEXT,
    industry       TEXT,
    company_size   TEXT,
    do_not_contact BOOLEAN NOT NULL DEFAULT FALSE,
    is_sandbox     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, provider_id)
);

CREATE TABLE campaign_leads (
    id                 UUID PRIMARY KEY,
    tenant_id          UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    campaign_id        UUID NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    lead_id            UUID NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    status             TEXT NOT NULL,
    source_comment_id  UUID REFERENCES comments(id) ON DELETE SET NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    UNIQUE (campaign_id, lead_id)
);
CREATE INDEX campaign_leads_tenant ON campaign_leads(tenant_id, campaign_id);

-- DMs and emails, in and out. One outbound message per (campaign, lead, channel): the unique
-- index is what makes a second DM to the same lead impossible.
CREATE TABLE messages (
    id                   UUID PRIMARY KEY,
    tenant_id            UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    campaign_id          UUID REFERENCES campaigns(id) ON DELETE SET NULL,
    lead_id              UUID NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    channel              TEXT NOT NULL CHECK (channel IN ('dm', 'email')),
    direction            TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    status               TEXT NOT NULL,
    body                 TEXT NOT NULL,
    provider_chat_id     TEXT,
    provider_message_id  TEXT,
    error                TEXT,
    sent_at              TIMESTAMPTZ,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX messages_one_outbound ON messages(campaign_id, lead_id, channel) WHERE direction = 'out';
CREATE INDEX messages_tenant ON messages(tenant_id, lead_id);

-- Analytics events: append-only (see the triggers below).
CREATE TABLE events (
    id           UUID PRIMARY KEY,
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    subject_id   UUID,
    data         TEXT NOT NULL DEFAULT '{}',
    occurred_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX events_tenant ON events(tenant_id, kind, occurred_at);
CREATE FUNCTION revos_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'events are append-only'; END $$;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    FOR EACH ROW EXECUTE FUNCTION revos_events_append_only();

-- Durable background jobs. tenant_id is NULL only for system jobs (cron, maintenance).
CREATE TABLE jobs (
    id            UUID PRIMARY KEY,
    tenant_id     UUID REFERENCES tenants(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    queue         TEXT NOT NULL,
    payload       TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('scheduled', 'running', 'retrying', 'succeeded', 'dead', 'cancelled')),
    priority      BIGINT NOT NULL DEFAULT 0,
    run_at        TIMESTAMPTZ NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 0,
    max_attempts  BIGINT NOT NULL,
    unique_key    TEXT,
    locked_by     TEXT,
    locked_until  TIMESTAMPTZ,
    last_error    TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX jobs_due ON jobs(queue, state, priority, run_at);
CREATE UNIQUE INDEX jobs_unique_live ON jobs(unique_key)
    WHERE unique_key IS NOT NULL AND state IN ('scheduled', 'running', 'retrying');
