-- Sessions and their transcripts. A session key (agent:<id>:<name>) names a conversation; its
-- session_id changes on reset, so earlier transcripts stay readable but out of the context.
CREATE TABLE sessions (
    key TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    label TEXT,
    model TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL NOT NULL DEFAULT 0,
    context_tokens INTEGER NOT NULL DEFAULT 0,
    message_count INTEGER NOT NULL DEFAULT 0,
    title TEXT,
    last_preview TEXT,
    last_run_error TEXT
);
CREATE INDEX sessions_updated ON sessions (updated_at DESC);
CREATE INDEX sessions_agent ON sessions (agent_id, updated_at DESC);

-- One row per message (user, assistant, toolResult) or marker (compaction).
CREATE TABLE entries (
    id TEXT PRIMARY KEY NOT NULL,
    session_key TEXT NOT NULL,
    session_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    role TEXT,
    run_id TEXT,
    content TEXT NOT NULL,
    meta TEXT,
    status TEXT NOT NULL DEFAULT 'complete',
    created_at INTEGER NOT NULL,
    UNIQUE (session_id, seq)
);
CREATE INDEX entries_key ON entries (session_key);
CREATE INDEX entries_streaming ON entries (status) WHERE status = 'streaming';
