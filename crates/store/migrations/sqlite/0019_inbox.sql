-- One inbox (issue 18): a conversation is one lead's chat with one of the workspace's
-- LinkedIn accounts. Its state (open / waiting on them / handled), assignee, read flag and
-- last activity are kept here, written in the same transaction as the message that changes
-- them, so the list is one indexed query. The thread is kept locally: our DM, their replies,
-- what a sync of the chat through the provider found, and the answers sent from RevOS.

CREATE TABLE inbox_conversations (
    id                   BLOB PRIMARY KEY,
    tenant_id            BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    linkedin_account_id  BLOB NOT NULL REFERENCES linkedin_accounts(id) ON DELETE CASCADE,
    chat_id              TEXT NOT NULL,
    lead_id              BLOB NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    campaign_id          BLOB REFERENCES campaigns(id) ON DELETE SET NULL,
    cartridge_id         BLOB REFERENCES cartridges(id) ON DELETE SET NULL,
    state                TEXT NOT NULL CHECK (state IN ('open', 'waiting', 'handled')),
    assignee_id          BLOB REFERENCES users(id) ON DELETE SET NULL,
    unread               INTEGER NOT NULL,
    last_activity_at     TEXT NOT NULL,
    last_message         TEXT NOT NULL,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    UNIQUE (tenant_id, linkedin_account_id, chat_id)
);
-- The list: unread first, newest first, keyset on (unread, last_activity_at, id); one index
-- per filter so a filtered page walks its own index.
CREATE INDEX inbox_recent ON inbox_conversations(tenant_id, unread, last_activity_at, id);
CREATE INDEX inbox_by_account ON inbox_conversations(tenant_id, linkedin_account_id, unread, last_activity_at, id);
CREATE INDEX inbox_by_campaign ON inbox_conversations(tenant_id, campaign_id, unread, last_activity_at, id);
CREATE INDEX inbox_by_cartridge ON inbox_conversations(tenant_id, cartridge_id, unread, last_activity_at, id);
CREATE INDEX inbox_by_state ON inbox_conversations(tenant_id, state, unread, last_activity_at, id);

CREATE TABLE inbox_messages (
    id                        BLOB PRIMARY KEY,
    tenant_id                 BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    conversation_id           BLOB NOT NULL REFERENCES inbox_conversations(id) ON DELETE CASCADE,
    direction                 TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    status                    TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'received')),
    body                      TEXT NOT NULL,
    provider_message_id       TEXT,
    idempotency_key           TEXT,
    author_id                 BLOB REFERENCES users(id) ON DELETE SET NULL,
    chat_read_before_send_at  TEXT,
    last_message_before_send  TEXT,
    error                     TEXT,
    at                        TEXT NOT NULL,
    created_at                TEXT NOT NULL,
    updated_at                TEXT NOT NULL
);
-- A provider message is kept once per conversation (webhook, poller and sync all see it).
CREATE UNIQUE INDEX inbox_messages_provider ON inbox_messages(conversation_id, provider_message_id)
    WHERE provider_message_id IS NOT NULL;
-- An answer is recorded once per idempotency key (a retried request or a double-submitted form).
CREATE UNIQUE INDEX inbox_messages_idempotency ON inbox_messages(conversation_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX inbox_messages_thread ON inbox_messages(tenant_id, conversation_id, at, id);


