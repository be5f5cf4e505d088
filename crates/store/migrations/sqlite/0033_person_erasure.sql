-- Erasing a person (GDPR, issue 21): events stay append-only except for one narrow change,
-- the redaction of personal text in `data` by the erasure (revos_store::person_data::erase).
-- Any update that touches another column is still refused.
DROP TRIGGER events_no_update;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
WHEN new.id IS NOT old.id OR new.tenant_id IS NOT old.tenant_id OR new.kind IS NOT old.kind
    OR new.subject_id IS NOT old.subject_id OR new.occurred_at IS NOT old.occurred_at
    OR new.campaign_id IS NOT old.campaign_id OR new.cost_usd IS NOT old.cost_usd
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
