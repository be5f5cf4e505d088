-- Chat sessions with the agents: one per user and conversation, with the selected cartridge
-- (the client whose voice the agents speak in).
CREATE TABLE chat_sessions (
    id            UUID PRIMARY KEY,
    tenant_id     UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id       UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    cartridge_id  UUID REFERENCES cartridges(id) ON DELETE SET NULL,
    agent         TEXT NOT NULL,
    title         TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX chat_sessions_user ON chat_sessions(tenant_id, user_id, id);

-- The persisted transcript: every message of every run, in order.
CREATE TABLE chat_messages (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id  UUID NOT NULL REFERENCES chat_sessions(id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    role        TEXT NOT NULL,
    agent       TEXT,
    message     TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (session_id, seq)
);
CREATE INDEX chat_messages_tenant ON chat_messages(tenant_id, session_id);

-- One row per call to a language model: tokens and cost, per tenant.
CREATE TABLE llm_calls (
    id                 UUID PRIMARY KEY,
    tenant_id          UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id         UUID REFERENCES chat_sessions(id) ON DELETE SET NULL,
    purpose            TEXT NOT NULL,
    model              TEXT NOT NULL,
    prompt_tokens      BIGINT NOT NULL,
    completion_tokens  BIGINT NOT NULL,
    cost_usd           DOUBLE PRECISION,
    created_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX llm_calls_tenant ON llm_calls(tenant_id, created_at);

ALTER TABLE chat_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE chat_sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY chat_sessions_tenant ON chat_sessions
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());
ALTER TABLE chat_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE chat_messages FORCE ROW LEVEL SECURITY;
CREATE POLICY chat_messages_tenant ON chat_messages
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());
ALTER TABLE llm_calls ENABLE ROW LEVEL SECURITY;
ALTER TABLE llm_calls FORCE ROW LEVEL SECURITY;
CREATE POLICY llm_calls_tenant ON llm_calls
    USING (tenant_id = revos_current_tenant() OR revos_system_scope());
