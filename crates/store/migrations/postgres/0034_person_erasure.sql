-- Erasing a person (GDPR, issue 21): events stay append-only except for one narrow change,
-- the redaction of personal text in `data` by the erasure (revos_store::person_data::erase).
-- The application may update only that column, and the trigger refuses any update that
-- changes another one.
CREATE OR REPLACE FUNCTION revos_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND new.id IS NOT DISTINCT FROM old.id AND new.tenant_id IS NOT DISTINCT FROM old.tenant_id
        AND new.kind IS NOT DISTINCT FROM old.kind AND new.subject_id IS NOT DISTINCT FROM old.subject_id
        AND new.occurred_at IS NOT DISTINCT FROM old.occurred_at
        AND new.campaign_id IS NOT DISTINCT FROM old.campaign_id
        AND new.cost_usd IS NOT DISTINCT FROM old.cost_usd THEN
        RETURN new;
    END IF;
    RAISE EXCEPTION 'events are append-only';
END $$;
GRANT UPDATE (data) ON events TO revos_app;
