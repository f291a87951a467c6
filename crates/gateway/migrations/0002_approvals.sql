-- The audit trail of shell commands: every command an agent wanted to run, how the policy
-- judged it, and (when it asked) who decided what and when.
CREATE TABLE approvals (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL DEFAULT 'exec',
    command TEXT NOT NULL,
    cwd TEXT,
    agent_id TEXT,
    session_key TEXT,
    run_id TEXT,
    tool_call_id TEXT,
    requested_by TEXT NOT NULL,
    -- The verdict: parts, matched rules, reason, suggested rules (JSON).
    detail TEXT NOT NULL,
    -- pending, allowed, denied, expired, cancelled
    status TEXT NOT NULL,
    -- allow-once, allow-always, deny, or NULL
    decision TEXT,
    -- policy, user, timeout, run-aborted, gateway-restart
    reason TEXT,
    resolved_by TEXT,
    rules_added TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    resolved_at INTEGER
);
CREATE INDEX approvals_created ON approvals (created_at DESC);
CREATE INDEX approvals_pending ON approvals (status) WHERE status = 'pending';
