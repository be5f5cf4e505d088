-- Multi-step campaigns (issue 21, item 1). An outbound message belongs to one step of its
-- campaign's sequence (`step_id`, the step's stable id in the campaign's settings) and, for a
-- DM, to the A/B variant it was written from (`variant_id`). The unique outbound rule becomes
-- one message per (campaign, lead, channel, step): a step is sent at most once to a lead,
-- whatever edits the campaign goes through. Every message so far belongs to step 1, variant
-- `a`: the one-step sequence each existing campaign becomes below. `due_at` is when a
-- follow-up recorded ahead of time becomes due (resuming a paused campaign requeues it then).
ALTER TABLE messages ADD COLUMN step_id TEXT NOT NULL DEFAULT '1';
ALTER TABLE messages ADD COLUMN variant_id TEXT;
ALTER TABLE messages ADD COLUMN due_at TEXT;
UPDATE messages SET variant_id = 'a' WHERE direction = 'out' AND channel = 'dm';
DROP INDEX messages_one_outbound;
CREATE UNIQUE INDEX messages_one_outbound ON messages(campaign_id, lead_id, channel, step_id)
    WHERE direction = 'out';

-- Existing campaigns become one-step sequences of their DM template (step "1", variant "a").
UPDATE campaigns SET settings = json_set(settings, '$.steps', json_array(
    json_object('id', '1', 'delay_hours', 0, 'condition', 'no_reply', 'variants', json_array(
        json_object('id', 'a', 'template', COALESCE(json_extract(settings, '$.dm_template'), ''), 'weight', 1)))))
WHERE json_valid(settings) AND json_extract(settings, '$.dm_template') IS NOT NULL
    AND json_extract(settings, '$.steps') IS NULL;
