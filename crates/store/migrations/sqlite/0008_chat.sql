-- Chat sessions with the agents: one per user and conversation, with the selected cartridge
-- (the client whose voice the agents speak in).
CREATE TABLE chat_sessions (
    id            BLOB PRIMARY KEY,
    tenant_id     BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id       BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    cartridge_id  BLOB REFERENCES cartridges(id) ON DELETE SET NULL,
    agent         TEXT NOT NULL,
    title         TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX chat_sessions_user ON chat_sessions(tenant_id, user_id, id);

-- The persisted transcript: every message of every run, in order.
CREATE TABLE chat_messages (
    id          BLOB PRIMARY KEY,
    tenant_id   BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id  BLOB NOT NULL REFERENCES chat_sessions(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    role        TEXT NOT NULL,
    agent       TEXT,
    message     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (session_id, seq)
);
CREATE INDEX chat_messages_tenant ON chat_messages(tenant_id, session_id);

-- One row per call to a language model: tokens and cost, per tenant.
CREATE TABLE llm_calls (
    id                 BLOB PRIMARY KEY,
    tenant_id          BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id         BLOB REFERENCES chat_sessions(id) ON DELETE SET NULL,
    purpose            TEXT NOT NULL,
    model              TEXT NOT NULL,
    prompt_tokens      INTEGER NOT NULL,
    completion_tokens  INTEGER NOT NULL,
    cost_usd           REAL,
    created_at         TEXT NOT NULL
);
CREATE INDEX llm_calls_tenant ON llm_calls(tenant_id, created_at);
