-- Tenant boundaries (issue 14).
SELECT set_config('app.system', 'on', true);

-- A provider's LinkedIn account belongs to at most one workspace across the instance. On an
-- upgraded database an account attached to several workspaces stays with its oldest
-- attachment; every later one is detached: status `detached` and a provider account id that
-- names no account (`detached-<row id as 32 hex digits>`), so nothing is sent, published or routed through it.
UPDATE linkedin_accounts AS l
   SET status = 'detached', provider_account_id = 'detached-' || replace(l.id::text, '-', '')
 WHERE EXISTS (
    SELECT 1 FROM linkedin_accounts o
     WHERE o.provider = l.provider AND o.provider_account_id = l.provider_account_id
       AND (o.created_at < l.created_at OR (o.created_at = l.created_at AND o.id < l.id)));
-- Across tenants: row-level security does not hide rows from a unique index.
CREATE UNIQUE INDEX linkedin_accounts_one_workspace ON linkedin_accounts(provider, provider_account_id);

-- Each workspace's own webhook URLs, one per provider: the token is kept as its SHA-256 (to
-- find the workspace from a delivery) and sealed under the tenant's data key (to show the URL
-- again). Rotating replaces the row.
CREATE TABLE webhook_tokens (
    id            UUID PRIMARY KEY,
    tenant_id     UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    provider      TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    sealed_token  BYTEA NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, provider)
);
ALTER TABLE webhook_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY webhook_tokens_tenant ON webhook_tokens
    USING (tenant_id = revos_current_tenant() OR revos_system_scope()
           OR token_hash = revos_current_credential());
