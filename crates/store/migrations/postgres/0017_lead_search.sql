-- Lead search that scales (issue 17): accent- and case-insensitive "contains" over a lead's
-- name, email, company, title and headline, served by a trigram index.
--
-- pg_trgm ships with PostgreSQL and is a trusted extension (PostgreSQL 13 and later): the
-- owner of the database, or any role with CREATE on it, may create it without being a
-- superuser. Where even that is not allowed, an administrator runs this statement once before
-- `revos migrate`; the migration requires the extension (the index below needs its operator
-- class) and fails with PostgreSQL's own message when it is missing.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The folded text (lower case, accents removed, one field per line), computed in Rust by the
-- store's writers with the same folding as the trigger matcher (revos_domain::search_text).
-- NULL for rows written before this migration until `Store::migrate` backfills them.
ALTER TABLE leads ADD COLUMN search_text TEXT;
CREATE INDEX leads_search_pending ON leads (id) WHERE search_text IS NULL;

-- Why a second table: under row-level security PostgreSQL never uses an index for a condition
-- whose operator is not leakproof before the policy has been applied, and LIKE is not
-- leakproof, so a trigram index on `leads` itself is never used by the application role (a
-- rare term walked every lead: 2.8 s at 1.1M leads). `lead_search` is read only through the
-- view below, which runs as its owner (who is not subject to the table's policy, as it is not
-- forced) and filters by the transaction's tenant itself; the application role has no
-- privilege on the table. The view is not a security barrier, so the planner may use the
-- trigram index for a rare term or walk `lead_search_tenant` in id order for a common one.
CREATE TABLE lead_search (
    lead_id     UUID PRIMARY KEY REFERENCES leads(id) ON DELETE CASCADE,
    tenant_id   UUID NOT NULL,
    search_text TEXT NOT NULL
);
CREATE INDEX lead_search_trgm ON lead_search USING gin (search_text gin_trgm_ops);
CREATE INDEX lead_search_tenant ON lead_search (tenant_id, lead_id);
ALTER TABLE lead_search ENABLE ROW LEVEL SECURITY;
CREATE POLICY lead_search_tenant ON lead_search
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());
REVOKE ALL ON lead_search FROM revos_app;

CREATE VIEW lead_search_scoped AS
    SELECT lead_id, tenant_id, search_text FROM lead_search
    WHERE tenant_id = revos_current_tenant();
REVOKE ALL ON lead_search_scoped FROM revos_app;
GRANT SELECT ON lead_search_scoped TO revos_app;

-- `lead_search` follows `leads`. A row the store has not folded yet (NULL search_text: written
-- before this migration, or by an older binary still running) is searched by its lower-cased
-- fields meanwhile: found case-insensitively, accents not folded.
CREATE FUNCTION revos_lead_search_sync() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO lead_search (lead_id, tenant_id, search_text)
    VALUES (NEW.id, NEW.tenant_id, COALESCE(NEW.search_text,
        lower(concat_ws(E'\n', NEW.name, NEW.email, NEW.company, NEW.title, NEW.headline))))
    ON CONFLICT (lead_id) DO UPDATE SET search_text = excluded.search_text;
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION revos_lead_search_sync() FROM PUBLIC;

CREATE TRIGGER leads_search_insert AFTER INSERT ON leads
    FOR EACH ROW EXECUTE FUNCTION revos_lead_search_sync();
CREATE TRIGGER leads_search_update AFTER UPDATE OF search_text, name, email, company, title, headline ON leads
    FOR EACH ROW WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text
        OR OLD.name IS DISTINCT FROM NEW.name OR OLD.email IS DISTINCT FROM NEW.email
        OR OLD.company IS DISTINCT FROM NEW.company OR OLD.title IS DISTINCT FROM NEW.title
        OR OLD.headline IS DISTINCT FROM NEW.headline)
    EXECUTE FUNCTION revos_lead_search_sync();

INSERT INTO lead_search (lead_id, tenant_id, search_text)
SELECT id, tenant_id, lower(concat_ws(E'\n', name, email, company, title, headline)) FROM leads;
