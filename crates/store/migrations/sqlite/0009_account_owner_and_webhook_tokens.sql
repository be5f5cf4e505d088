-- Tenant boundaries (issue 14).

-- A provider's LinkedIn account belongs to at most one workspace across the instance. On an
-- upgraded database an account attached to several workspaces stays with its oldest
-- attachment; every later one is detached: status `detached` and a provider account id that
-- names no account (`detached-<row id as 32 hex digits>`), so nothing is sent, published or routed through it.
UPDATE linkedin_accounts
   SET status = 'detached', provider_account_id = 'detached-' || lower(hex(id))
 WHERE EXISTS (
    SELECT 1 FROM linkedin_accounts o
     WHERE o.provider = linkedin_accounts.provider
       AND o.provider_account_id = linkedin_accounts.provider_account_id
       AND (o.created_at < linkedin_accounts.created_at
            OR (o.created_at = linkedin_accounts.created_at AND o.id < linkedin_accounts.id)));
CREATE UNIQUE INDEX linkedin_accounts_one_workspace ON linkedin_accounts(provider, provider_account_id);

-- Each workspace's own webhook URLs, one per provider: the token is kept as its SHA-256 (to
-- find the workspace from a delivery) and sealed under the tenant's data key (to show the URL
-- again). Rotating replaces the row.
CREATE TABLE webhook_tokens (
    id            BLOB PRIMARY KEY,
    tenant_id     BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    provider      TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    sealed_token  BLOB NOT NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (tenant_id, provider)
);
