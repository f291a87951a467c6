//! Exec approvals: a command the policy says to ask about waits here until someone with
//! `operator.approvals` allows or denies it, the time runs out (then `askFallback` decides),
//! or its run is aborted. Every command an agent wanted to run is kept in the audit trail
//! (SQLite, `approvals` table) with its verdict, who decided, when and the outcome.

pub mod methods;
pub mod openclaw;

use crate::exec::policy::Verdict;
use crate::rpc::Emit;
use crate::sysinfo::now_ms;
use serde_json::Value;
use sqlx::SqlitePool;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::{oneshot, watch};
use tokio_util::sync::CancellationToken;

/// Event names.
pub mod events {
    /// A command waits for a decision.
    pub const REQUESTED: &str = "exec.approval.requested";
    /// A pending command was decided (or expired, or was cancelled).
    pub const RESOLVED: &str = "exec.approval.resolved";
}

/// How an approval ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Run it this time.
    AllowOnce,
    /// Run it, and these rule patterns were added.
    AllowAlways(Vec<String>),
    /// Don't.
    Deny,
    /// Nobody answered in time.
    Expired,
    /// The run was aborted (or the gateway stopped).
    Cancelled(&'static str),
}

impl Resolution {
    fn status(&self) -> &'static str {
        match self {
            Resolution::AllowOnce | Resolution::AllowAlways(_) => "allowed",
            Resolution::Deny => "denied",
            Resolution::Expired => "expired",
            Resolution::Cancelled(_) => "cancelled",
        }
    }
    fn decision(&self) -> Option<&'static str> {
        match self {
            Resolution::AllowOnce => Some("allow-once"),
            Resolution::AllowAlways(_) => Some("allow-always"),
            Resolution::Deny => Some("deny"),
            _ => None,
        }
    }
    fn reason(&self) -> &'static str {
        match self {
            Resolution::Expired => "timeout",
            Resolution::Cancelled(r) => r,
            _ => "user",
        }
    }
}

use tidepool_protocol::exec::ApprovalDetail;
pub use tidepool_protocol::exec::ApprovalRecord as Record;

/// What to ask about.
#[derive(Debug, Clone)]
pub struct Ask {
    /// The command.
    pub command: String,
    /// Where it would run.
    pub cwd: Option<String>,
    /// The agent.
    pub agent_id: Option<String>,
    /// The session.
    pub session_key: Option<String>,
    /// The run.
    pub run_id: Option<String>,
    /// The tool call.
    pub tool_call_id: Option<String>,
    /// Who asks.
    pub requested_by: String,
    /// The policy's verdict.
    pub verdict: Verdict,
    /// How long to wait.
    pub timeout: Duration,
}

struct Pending {
    record: Record,
    tx: Option<oneshot::Sender<Resolution>>,
    /// The outcome, for `exec.approval.waitDecision` callers.
    done: watch::Sender<Option<Record>>,
}

/// Pending approvals and the audit trail.
pub struct Approvals {
    pool: SqlitePool,
    pending: Mutex<HashMap<String, Pending>>,
}

impl std::fmt::Debug for Approvals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Approvals")
    }
}

/// Why an approval could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// No pending approval with that id (maybe decided already).
    #[error(
        "no pending approval {0}; it may have been decided already, expired, or been cancelled"
    )]
    NotPending(String),
}

fn now() -> i64 {
    i64::try_from(now_ms()).unwrap_or(i64::MAX)
}

fn new_id() -> String {
    ulid::Ulid::new().to_string().to_ascii_lowercase()
}

impl Approvals {
    /// Over the session database's pool (the `approvals` table comes with its migrations).
    /// Approvals left pending by an earlier process are marked cancelled.
    pub async fn open(pool: SqlitePool) -> Result<Approvals, sqlx::Error> {
        sqlx::query("UPDATE approvals SET status = 'cancelled', reason = 'gateway-restart', resolved_at = ? WHERE status = 'pending'")
            .bind(now())
            .execute(&pool)
            .await?;
        Ok(Approvals {
            pool,
            pending: Mutex::new(HashMap::new()),
        })
    }

    fn record(a: &Ask, id: String, status: &str, created: i64, expires: i64) -> Record {
        Record {
            id,
            kind: "exec".into(),
            command: a.command.clone(),
            cwd: a.cwd.clone(),
            agent_id: a.agent_id.clone(),
            session_key: a.session_key.clone(),
            run_id: a.run_id.clone(),
            tool_call_id: a.tool_call_id.clone(),
            requested_by: a.requested_by.clone(),
            detail: ApprovalDetail::of(&a.verdict),
            status: status.into(),
            decision: None,
            reason: None,
            resolved_by: None,
            rules_added: Vec::new(),
            created_at_ms: created,
            expires_at_ms: expires,
            resolved_at_ms: None,
        }
    }

    /// Records a command the policy decided on its own (allowed or denied by the rules).
    pub async fn audit(&self, a: &Ask, allowed: bool) {
        let t = now();
        let mut r = Self::record(
            a,
            new_id(),
            if allowed { "allowed" } else { "denied" },
            t,
            t,
        );
        r.reason = Some("policy".into());
        r.resolved_by = Some("policy".into());
        r.resolved_at_ms = Some(t);
        r.decision = Some(if allowed { "allow-once" } else { "deny" }.into());
        if let Err(e) = self.insert(&r).await {
            tracing::warn!(error = %e, "could not write the exec audit trail");
        }
    }

    async fn insert(&self, r: &Record) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO approvals (id, kind, command, cwd, agent_id, session_key, run_id, tool_call_id, requested_by, detail, status, decision, reason, resolved_by, rules_added, created_at, expires_at, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(&r.id)
            .bind(&r.kind)
            .bind(&r.command)
            .bind(&r.cwd)
            .bind(&r.agent_id)
            .bind(&r.session_key)
            .bind(&r.run_id)
            .bind(&r.tool_call_id)
            .bind(&r.requested_by)
            .bind(serde_json::to_string(&r.detail).unwrap_or_default())
            .bind(&r.status)
            .bind(&r.decision)
            .bind(&r.reason)
            .bind(&r.resolved_by)
            .bind(serde_json::to_string(&r.rules_added).unwrap_or_default())
            .bind(r.created_at_ms)
            .bind(r.expires_at_ms)
            .bind(r.resolved_at_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Creates a pending approval and announces it; returns its record and a receiver for
    /// the outcome. The caller waits with [`Approvals::wait`].
    pub async fn create(
        &self,
        a: &Ask,
        emit: &dyn Emit,
    ) -> (Record, oneshot::Receiver<Resolution>) {
        let t = now();
        let ms = i64::try_from(a.timeout.as_millis()).unwrap_or(i64::MAX);
        let r = Self::record(a, new_id(), "pending", t, t.saturating_add(ms));
        if let Err(e) = self.insert(&r).await {
            tracing::warn!(error = %e, "could not write the exec audit trail");
        }
        let (tx, rx) = oneshot::channel();
        let (done, _) = watch::channel(None);
        if let Ok(mut p) = self.pending.lock() {
            p.insert(
                r.id.clone(),
                Pending {
                    record: r.clone(),
                    tx: Some(tx),
                    done,
                },
            );
        }
        emit.emit(events::REQUESTED, requested_payload(&r));
        (r, rx)
    }

    /// Waits for the decision on `id`, the timeout, or `cancel`; records and announces the end.
    pub async fn wait(
        &self,
        id: &str,
        rx: oneshot::Receiver<Resolution>,
        timeout: Duration,
        cancel: &CancellationToken,
        emit: &dyn Emit,
    ) -> Resolution {
        let outcome = tokio::select! {
            r = rx => r.unwrap_or(Resolution::Cancelled("gateway-restart")),
            () = tokio::time::sleep(timeout) => Resolution::Expired,
            () = cancel.cancelled() => Resolution::Cancelled("run-aborted"),
        };
        // A decision that raced the timeout or the abort already finished the record.
        if matches!(outcome, Resolution::Expired | Resolution::Cancelled(_)) {
            self.finish(id, outcome.clone(), None, emit).await;
        }
        outcome
    }

    /// Decides a pending approval (`by` is the deciding client).
    pub async fn resolve(
        &self,
        id: &str,
        resolution: Resolution,
        by: &str,
        emit: &dyn Emit,
    ) -> Result<Record, ResolveError> {
        let tx = {
            let mut p = self
                .pending
                .lock()
                .map_err(|_| ResolveError::NotPending(id.into()))?;
            let entry = p
                .get_mut(id)
                .ok_or_else(|| ResolveError::NotPending(id.into()))?;
            entry
                .tx
                .take()
                .ok_or_else(|| ResolveError::NotPending(id.into()))?
        };
        let record = self
            .finish(id, resolution.clone(), Some(by), emit)
            .await
            .ok_or_else(|| ResolveError::NotPending(id.into()))?;
        let _ = tx.send(resolution);
        Ok(record)
    }

    async fn finish(
        &self,
        id: &str,
        res: Resolution,
        by: Option<&str>,
        emit: &dyn Emit,
    ) -> Option<Record> {
        let pending = self.pending.lock().ok()?.remove(id)?;
        let mut r = pending.record;
        let t = now();
        r.status = res.status().into();
        r.decision = res.decision().map(str::to_owned);
        r.reason = Some(res.reason().into());
        r.resolved_by = by.map(str::to_owned).or(Some("system".into()));
        r.resolved_at_ms = Some(t);
        if let Resolution::AllowAlways(rules) = &res {
            r.rules_added = rules.clone();
        }
        let q = sqlx::query("UPDATE approvals SET status = ?, decision = ?, reason = ?, resolved_by = ?, rules_added = ?, resolved_at = ? WHERE id = ?")
            .bind(&r.status)
            .bind(&r.decision)
            .bind(&r.reason)
            .bind(&r.resolved_by)
            .bind(serde_json::to_string(&r.rules_added).unwrap_or_default())
            .bind(t)
            .bind(&r.id)
            .execute(&self.pool)
            .await;
        if let Err(e) = q {
            tracing::warn!(error = %e, "could not write the exec audit trail");
        }
        emit.emit(
            events::RESOLVED,
            serde_json::to_value(tidepool_protocol::exec::ApprovalResolved {
                id: r.id.clone(),
                decision: r.decision.clone(),
                status: r.status.clone(),
                reason: r.reason.clone(),
                resolved_by: r.resolved_by.clone(),
                rules_added: r.rules_added.clone(),
                ts: t,
                session_key: r.session_key.clone(),
                agent_id: r.agent_id.clone(),
            })
            .unwrap_or(Value::Null),
        );
        let _ = pending.done.send(Some(r.clone()));
        Some(r)
    }

    /// Pending approvals, oldest first.
    pub fn pending(&self) -> Vec<Record> {
        let mut v: Vec<Record> = self
            .pending
            .lock()
            .map(|p| p.values().map(|x| x.record.clone()).collect())
            .unwrap_or_default();
        v.sort_by(|a, b| a.created_at_ms.cmp(&b.created_at_ms).then(a.id.cmp(&b.id)));
        v
    }

    /// A watcher for the end of a pending approval (`None` if it is not pending).
    pub fn watch(&self, id: &str) -> Option<watch::Receiver<Option<Record>>> {
        self.pending
            .lock()
            .ok()?
            .get(id)
            .map(|p| p.done.subscribe())
    }

    /// One record, pending or from the audit trail.
    pub async fn get(&self, id: &str) -> Result<Option<Record>, sqlx::Error> {
        if let Some(r) = self
            .pending
            .lock()
            .ok()
            .and_then(|p| p.get(id).map(|x| x.record.clone()))
        {
            return Ok(Some(r));
        }
        let rows = self.query("WHERE id = ?", Some(id), None, 1, 0).await?;
        Ok(rows.into_iter().next())
    }

    /// The audit trail, newest first: `status` filters (`pending`, `allowed`, ...), `search`
    /// matches the command, agent or session.
    pub async fn history(
        &self,
        status: Option<&str>,
        search: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Record>, sqlx::Error> {
        let filter = match (status, search) {
            (Some(_), Some(_)) => {
                "WHERE status = ? AND (command LIKE ? ESCAPE '\\' OR agent_id LIKE ? ESCAPE '\\' OR session_key LIKE ? ESCAPE '\\')"
            }
            (Some(_), None) => "WHERE status = ?",
            (None, Some(_)) => {
                "WHERE (command LIKE ? ESCAPE '\\' OR agent_id LIKE ? ESCAPE '\\' OR session_key LIKE ? ESCAPE '\\')"
            }
            (None, None) => "",
        };
        self.query(filter, status, search, limit, offset).await
    }

    async fn query(
        &self,
        filter: &str,
        first: Option<&str>,
        search: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Record>, sqlx::Error> {
        let sql = format!(
            "SELECT id, kind, command, cwd, agent_id, session_key, run_id, tool_call_id, requested_by, detail, status, decision, reason, resolved_by, rules_added, created_at, expires_at, resolved_at FROM approvals {filter} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
        );
        let mut q = sqlx::query_as::<_, Row>(&sql);
        if let Some(f) = first {
            q = q.bind(f.to_owned());
        }
        if let Some(s) = search {
            let like = format!(
                "%{}%",
                s.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            q = q.bind(like.clone()).bind(like.clone()).bind(like);
        }
        let rows = q.bind(limit).bind(offset).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(Row::into_record).collect())
    }

    /// Cancels every pending approval (the gateway is stopping).
    pub async fn cancel_all(&self, emit: &dyn Emit) {
        let ids: Vec<String> = self
            .pending
            .lock()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        for id in ids {
            let tx = self
                .pending
                .lock()
                .ok()
                .and_then(|mut p| p.get_mut(&id).and_then(|x| x.tx.take()));
            self.finish(&id, Resolution::Cancelled("gateway-restart"), None, emit)
                .await;
            if let Some(tx) = tx {
                let _ = tx.send(Resolution::Cancelled("gateway-restart"));
            }
        }
    }
}

/// `exec.approval.requested`: OpenClaw's `{id, request, createdAtMs, expiresAtMs}`, the
/// request carrying Tidepool's parsed verdict too (`ApprovalRequested` in the protocol).
pub fn requested_payload(r: &Record) -> Value {
    serde_json::to_value(tidepool_protocol::exec::ApprovalRequested::of(r)).unwrap_or(Value::Null)
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    kind: String,
    command: String,
    cwd: Option<String>,
    agent_id: Option<String>,
    session_key: Option<String>,
    run_id: Option<String>,
    tool_call_id: Option<String>,
    requested_by: String,
    detail: String,
    status: String,
    decision: Option<String>,
    reason: Option<String>,
    resolved_by: Option<String>,
    rules_added: Option<String>,
    created_at: i64,
    expires_at: i64,
    resolved_at: Option<i64>,
}

impl Row {
    fn into_record(self) -> Record {
        Record {
            id: self.id,
            kind: self.kind,
            command: self.command,
            cwd: self.cwd,
            agent_id: self.agent_id,
            session_key: self.session_key,
            run_id: self.run_id,
            tool_call_id: self.tool_call_id,
            requested_by: self.requested_by,
            detail: serde_json::from_str(&self.detail).unwrap_or_else(|e| ApprovalDetail {
                decision: tidepool_protocol::exec::Decision::Ask,
                mode: tidepool_protocol::exec::ExecMode::Ask,
                reason: format!("the stored verdict cannot be read ({e})"),
                parts: Vec::new(),
                suggested_rules: Vec::new(),
            }),
            status: self.status,
            decision: self.decision,
            reason: self.reason,
            resolved_by: self.resolved_by,
            rules_added: self
                .rules_added
                .and_then(|r| serde_json::from_str(&r).ok())
                .unwrap_or_default(),
            created_at_ms: self.created_at,
            expires_at_ms: self.expires_at,
            resolved_at_ms: self.resolved_at,
        }
    }
}
