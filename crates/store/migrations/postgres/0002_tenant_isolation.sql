-- Tenant isolation in depth. The repository layer already filters every tenant-owned query by
-- tenant_id; these row-level security policies are a second, independent wall.
--
-- * The application works as the non-owner role revos_app (the pool runs SET ROLE revos_app
--   on each connection), and FORCE ROW LEVEL SECURITY applies the policies even to the owner.
-- * Each transaction states its scope with transaction-local settings:
--     app.tenant_id   the workspace it works for;
--     app.user_id     the person logging in (to find their memberships before a tenant is known);
--     app.credential  SHA-256 hex of a presented token (to find that one session, key or invite);
--     app.system      'on' only for cross-tenant maintenance (workers, admin commands).
--   Settings are set with set_config(..., true), so they end with the transaction and never
--   leak to the next user of a pooled connection.

DO $$
BEGIN
    CREATE ROLE revos_app NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

DO $$
BEGIN
    IF current_user <> 'revos_app' AND NOT pg_has_role(current_user, 'revos_app', 'MEMBER') THEN
        EXECUTE format('GRANT revos_app TO %I', current_user);
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation OR object_in_use THEN NULL;
END $$;

CREATE FUNCTION revos_current_tenant() RETURNS uuid LANGUAGE sql STABLE AS
$$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $$;
CREATE FUNCTION revos_current_user_id() RETURNS uuid LANGUAGE sql STABLE AS
$$ SELECT nullif(current_setting('app.user_id', true), '')::uuid $$;
CREATE FUNCTION revos_current_credential() RETURNS text LANGUAGE sql STABLE AS
$$ SELECT nullif(current_setting('app.credential', true), '') $$;
CREATE FUNCTION revos_system_scope() RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT coalesce(current_setting('app.system', true), '') = 'on' $$;

GRANT USAGE ON SCHEMA public TO revos_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO revos_app;
REVOKE ALL ON _sqlx_migrations FROM revos_app;
-- Analytics events are append-only for the application.
REVOKE UPDATE, DELETE ON events FROM revos_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO revos_app;


ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY memberships_tenant ON memberships
    USING (tenant_id = revos_current_tenant() OR revos_system_scope()
           OR user_id = revos_current_user_id());

ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY sessions_tenant ON sessions
    USING (tenant_id = revos_current_tenant() OR revos_system_scope()
           OR token_hash = revos_current_credential());

ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY api_keys_tenant ON api_keys
    USING (tenant_id = revos_current_tenant() OR revos_system_scope()
           OR token_hash = revos_current_credential());

ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY invitations_tenant ON invitations
    USING (tenant_id = revos_current_tenant() OR revos_system_scope()
           OR token_hash = revos_current_credential());

ALTER TABLE tenant_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_keys_tenant ON tenant_keys
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());

ALTER TABLE secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE secrets FORCE ROW LEVEL SECURITY;
CREATE POLICY secrets_tenant ON secrets
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());

ALTER TABLE cartridges ENABLE ROW LEVEL SECURITY;
ALTER TABLE cartridges FORCE ROW LEVEL SECURITY;
CREATE POLICY cartridges_tenant ON cartridges
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());

ALTER TABLE cartridge_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE cartridge_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY cartridge_versions_tenant ON cartridge_versions
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());

ALTER TABLE linkedin_accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE linkedin_accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY linkedin_accounts_tenant ON linkedin_accounts
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());

ALTER TABLE lead_magnets ENABLE ROW LEVEL SECURITY;
ALTER TABLE lead_magnets FORCE ROW LEVEL SECURITY;
CREATE POLICY lead_magnets_tenant ON lead_magnets
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());

ALTER TABLE campaigns ENABLE ROW LEVEL SECURITY;
ALTER TABLE campaigns FORCE ROW LEVEL SECURITY;
CREATE POLICY campaigns_tenant ON campaigns
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());

ALTER TABLE posts ENABLE ROW LEVEL SECURITY;
ALTER TABLE posts FORCE ROW LEVEL SECURITY;
CREATE POLICY posts_tenant ON posts
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());

ALTER TABLE comments ENABLE ROW LEVEL SECURITY;
ALTER TABLE comments FORCE ROW LEVEL SECURITY;
CREATE POLICY comments_tenant ON comments
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());

ALTER TABLE leads ENABLE ROW LEVEL SECURITY;
ALTER TABLE leads FORCE ROW LEVEL SECURITY;
CREATE POLICY leads_tenant ON leads
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());

ALTER TABLE campaign_leads ENABLE ROW LEVEL SECURITY;
ALTER TABLE campaign_leads FORCE ROW LEVEL SECURITY;
CREATE POLICY campaign_leads_tenant ON campaign_leads
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());

ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE messages FORCE ROW LEVEL SECURITY;
CREATE POLICY messages_tenant ON messages
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());

ALTER TABLE events ENABLE ROW LEVEL SECURITY;
ALTER TABLE events FORCE ROW LEVEL SECURITY;
CREATE POLICY events_tenant ON events
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());

ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs FORCE ROW LEVEL SECURITY;
CREATE POLICY jobs_tenant ON jobs
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());
