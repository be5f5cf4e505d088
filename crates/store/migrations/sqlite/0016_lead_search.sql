-- Lead search that scales (issue 17): accent- and case-insensitive "contains" over a lead's
-- name, email, company, title and headline, served by an FTS5 trigram index for terms of three
-- characters or more (shorter terms scan `leads.search_text`).

-- The folded text (lower case, accents removed, one field per line), computed in Rust by the
-- store's writers with the same folding as the trigger matcher (revos_domain::search_text).
-- NULL for rows written before this migration until `Store::migrate` backfills them.
ALTER TABLE leads ADD COLUMN search_text TEXT;
CREATE INDEX leads_search_pending ON leads (id) WHERE search_text IS NULL;

-- The index holds no copy of the text (contentless, with deletes). Its rowids come from
-- `lead_search_rows`, an explicit integer key per lead: the implicit rowid of `leads` (whose
-- key is a BLOB) may change on VACUUM, which would silently detach an external-content index.
CREATE TABLE lead_search_rows (
    id      INTEGER PRIMARY KEY,
    lead_id BLOB NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE lead_search USING fts5(
    search_text, content = '', contentless_delete = 1, tokenize = 'trigram'
);

-- The index follows `leads`. A row the store has not folded yet (NULL search_text) is indexed
-- by its lower-cased fields meanwhile: found case-insensitively (ASCII), accents not folded.
CREATE TRIGGER leads_search_insert AFTER INSERT ON leads BEGIN
    INSERT INTO lead_search_rows (lead_id) VALUES (new.id);
    INSERT INTO lead_search (rowid, search_text)
    SELECT id, COALESCE(new.search_text, lower(concat_ws(char(10), new.name, new.email, new.company, new.title, new.headline)))
    FROM lead_search_rows WHERE lead_id = new.id;
END;
CREATE TRIGGER leads_search_update AFTER UPDATE OF search_text, name, email, company, title, headline ON leads
WHEN old.search_text IS NOT new.search_text OR old.name IS NOT new.name OR old.email IS NOT new.email
    OR old.company IS NOT new.company OR old.title IS NOT new.title OR old.headline IS NOT new.headline
BEGIN
    DELETE FROM lead_search WHERE rowid = (SELECT id FROM lead_search_rows WHERE lead_id = new.id);
    INSERT INTO lead_search (rowid, search_text)
    SELECT id, COALESCE(new.search_text, lower(concat_ws(char(10), new.name, new.email, new.company, new.title, new.headline)))
    FROM lead_search_rows WHERE lead_id = new.id;
END;
CREATE TRIGGER leads_search_delete AFTER DELETE ON leads BEGIN
    DELETE FROM lead_search WHERE rowid = (SELECT id FROM lead_search_rows WHERE lead_id = old.id);
    DELETE FROM lead_search_rows WHERE lead_id = old.id;
END;

INSERT INTO lead_search_rows (lead_id) SELECT id FROM leads ORDER BY id;
INSERT INTO lead_search (rowid, search_text)
SELECT r.id, lower(concat_ws(char(10), l.name, l.email, l.company, l.title, l.headline))
FROM lead_search_rows r JOIN leads l ON l.id = r.lead_id;
