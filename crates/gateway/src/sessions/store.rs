//! The session store: SQLite in WAL mode (sqlx), with embedded migrations. Every write is one
//! transaction, so a `kill -9` at any moment leaves either the old or the new state.

use super::decode::{Reader, entry_from_row};
use crate::providers::{Block, Usage, text_of};
use crate::sysinfo::now_ms;
use serde_json::Value;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened or migrated.
    #[error("cannot open the session database {path}: {message}")]
    Open {
        /// File.
        path: String,
        /// Cause.
        message: String,
    },
    /// A query failed.
    #[error("session database error: {0}")]
    Db(#[from] sqlx::Error),
    /// Reading a transcript failed.
    #[error("session database error: {0}")]
    Read(String),
    /// No session with that key.
    #[error("no session {0}")]
    NotFound(String),
    /// A session with that key exists already.
    #[error("session {0} exists already")]
    Exists(String),
}

mod import;
mod read;

/// A row of a `list` page with the count of all matching rows.
#[derive(sqlx::FromRow)]
struct Counted {
    #[sqlx(flatten)]
    row: SessionRow,
    total: i64,
}

/// A session's summary row.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SessionRow {
    /// `agent:<id>:<name>`.
    pub key: String,
    /// Current transcript id (changes on reset).
    pub session_id: String,
    /// Agent.
    pub agent_id: String,
    /// User-given name.
    pub label: Option<String>,
    /// Model override (`provider/model`).
    pub model: Option<String>,
    /// Created, ms since the epoch.
    pub created_at: i64,
    /// Last change, ms.
    pub updated_at: i64,
    /// Prompt tokens used, all turns.
    pub input_tokens: i64,
    /// Reply tokens used, all turns.
    pub output_tokens: i64,
    /// Estimated cost, USD.
    pub cost_usd: f64,
    /// Prompt size of the last model call.
    pub context_tokens: i64,
    /// Messages in the current transcript.
    pub message_count: i64,
    /// The first user message, shortened.
    pub title: Option<String>,
    /// The last message, shortened.
    pub last_preview: Option<String>,
    /// Error of the last turn, if it failed.
    pub last_run_error: Option<String>,
}

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A message.
    Message,
    /// A compaction marker: the summary of everything before `meta.firstKeptSeq`.
    Compaction,
}

/// One transcript entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// ULID.
    pub id: String,
    /// Order in the transcript.
    pub seq: i64,
    /// Message or marker.
    pub kind: EntryKind,
    /// `user`, `assistant` or `toolResult` (messages only).
    pub role: Option<String>,
    /// The run that wrote it.
    pub run_id: Option<String>,
    /// Content blocks.
    pub content: Vec<Block>,
    /// Extra facts: usage, model, tool name and duration, error text.
    pub meta: Value,
    /// `complete`, `streaming` (being written), `incomplete` (cut off by a crash), `aborted`,
    /// `error`.
    pub status: String,
    /// Written, ms.
    pub created_at: i64,
}

/// An entry to append.
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// Message or marker.
    pub kind: EntryKind,
    /// Role (messages).
    pub role: Option<&'static str>,
    /// Run id.
    pub run_id: Option<String>,
    /// Content.
    pub content: Vec<Block>,
    /// Extra facts.
    pub meta: Value,
    /// Initial status.
    pub status: &'static str,
}

/// `sessions.list` filters.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only this agent.
    pub agent_id: Option<String>,
    /// Text in the key, label or title.
    pub search: Option<String>,
    /// Page size.
    pub limit: i64,
    /// Rows skipped.
    pub offset: i64,
}

/// The session database.
#[derive(Debug, Clone)]
pub struct SessionStore {
    pool: SqlitePool,
    reader: Arc<Reader>,
    /// Masks known secret values before anything is written (a provider error that echoes
    /// a key must not end up in the transcript).
    redactor: crate::redact::Redactor,
}

const SESSION_COLUMNS: &str = "key, session_id, agent_id, label, model, created_at, updated_at, input_tokens, output_tokens, cost_usd, context_tokens, message_count, title, last_preview, last_run_error";

fn preview(text: &str, max: usize) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let mut s: String = one_line.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

fn now() -> i64 {
    i64::try_from(now_ms()).unwrap_or(i64::MAX)
}

impl SessionStore {
    /// A write transaction that holds the write lock from its first statement. A deferred
    /// `BEGIN` that reads before it writes pins a read snapshot, and when another connection
    /// commits in between (a reply being appended while the user renames the conversation),
    /// SQLite refuses the upgrade at once with SQLITE_BUSY_SNAPSHOT, which `busy_timeout`
    /// does not wait out. `IMMEDIATE` waits for the lock instead.
    pub(crate) async fn write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Opens (creating and migrating) the database at `path`. Entries left `streaming` by a
    /// crash are marked `incomplete`.
    pub async fn open(path: &Path) -> Result<SessionStore, StoreError> {
        let open_err = |e: &dyn std::fmt::Display| StoreError::Open {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL in WAL mode survives a process crash; only power loss may lose the last
            // commits, never corrupt the file.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await
            .map_err(|e| open_err(&e))?;
        crate::fsutil::restrict_file(path);
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| open_err(&e))?;
        let store = SessionStore {
            pool,
            reader: Arc::new(Reader::new(path)),
            redactor: crate::redact::Redactor::new(),
        };
        let recovered = store.recover().await?;
        if recovered > 0 {
            tracing::warn!(
                entries = recovered,
                "replies cut off by an earlier crash are marked incomplete"
            );
        }
        Ok(store)
    }

    /// Marks replies that were being streamed when the process died as `incomplete`.
    pub async fn recover(&self) -> Result<u64, StoreError> {
        let r = sqlx::query("UPDATE entries SET status = 'incomplete' WHERE status = 'streaming'")
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected())
    }

    /// The session, if it exists.
    pub async fn get(&self, key: &str) -> Result<Option<SessionRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE key = ?"
        ))
        .bind(key)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The session, created (empty) if missing.
    pub async fn ensure(&self, key: &str, agent_id: &str) -> Result<SessionRow, StoreError> {
        let t = now();
        sqlx::query(
            "INSERT INTO sessions (key, session_id, agent_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(ulid::Ulid::new().to_string())
        .bind(agent_id)
        .bind(t)
        .bind(t)
        .execute(&self.pool)
        .await?;
        self.get(key)
            .await?
            .ok_or_else(|| StoreError::NotFound(key.to_owned()))
    }

    /// Creates a session; an existing key is an error.
    pub async fn create(
        &self,
        key: &str,
        agent_id: &str,
        label: Option<&str>,
        model: Option<&str>,
    ) -> Result<SessionRow, StoreError> {
        let t = now();
        let r = sqlx::query(
            "INSERT INTO sessions (key, session_id, agent_id, label, model, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(ulid::Ulid::new().to_string())
        .bind(agent_id)
        .bind(label)
        .bind(model)
        .bind(t)
        .bind(t)
        .execute(&self.pool)
        .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::Exists(key.to_owned()));
        }
        self.get(key)
            .await?
            .ok_or_else(|| StoreError::NotFound(key.to_owned()))
    }

    /// Sessions, most recently used first, and how many match in all.
    pub async fn list(&self, f: &ListFilter) -> Result<(Vec<SessionRow>, i64), StoreError> {
        let pattern = f.search.as_deref().filter(|s| !s.is_empty()).map(|s| {
            format!(
                "%{}%",
                s.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            )
        });
        let filter = "WHERE (?1 IS NULL OR agent_id = ?1) AND (?2 IS NULL OR key LIKE ?2 ESCAPE '\\' OR label LIKE ?2 ESCAPE '\\' OR title LIKE ?2 ESCAPE '\\')";
        // One statement: the page and, through a window, how many match in all. Every
        // statement through sqlx's SQLite driver is a round trip to its worker thread, which
        // cost more than the query itself on a small store (two of them: 0.8 ms at the median).
        let rows: Vec<Counted> = sqlx::query_as(&format!(
            "SELECT {SESSION_COLUMNS}, COUNT(*) OVER () AS total FROM sessions {filter} ORDER BY updated_at DESC, key LIMIT ?3 OFFSET ?4"
        ))
        .bind(f.agent_id.as_deref())
        .bind(pattern.as_deref())
        .bind(if f.limit > 0 { f.limit } else { 50 })
        .bind(f.offset.max(0))
        .fetch_all(&self.pool)
        .await?;
        let total = match rows.first() {
            Some(r) => r.total,
            // Nothing on this page: nothing at all, unless the page is past the end.
            None if f.offset <= 0 => 0,
            None => {
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM sessions {filter}"))
                    .bind(f.agent_id.as_deref())
                    .bind(pattern.as_deref())
                    .fetch_one(&self.pool)
                    .await?
            }
        };
        Ok((rows.into_iter().map(|r| r.row).collect(), total))
    }

    /// Sets or clears the label and model override.
    pub async fn patch(
        &self,
        key: &str,
        label: Option<Option<&str>>,
        model: Option<Option<&str>>,
    ) -> Result<SessionRow, StoreError> {
        let mut tx = self.write().await?;
        let exists: Option<String> = sqlx::query_scalar("SELECT key FROM sessions WHERE key = ?")
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound(key.to_owned()));
        }
        if let Some(l) = label {
            sqlx::query("UPDATE sessions SET label = ?, updated_at = ? WHERE key = ?")
                .bind(l)
                .bind(now())
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(m) = model {
            sqlx::query("UPDATE sessions SET model = ?, updated_at = ? WHERE key = ?")
                .bind(m)
                .bind(now())
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.get(key)
            .await?
            .ok_or_else(|| StoreError::NotFound(key.to_owned()))
    }

    /// Starts a new transcript for the key (the old one stays in the database, out of the
    /// context). Returns the new session id.
    pub async fn reset(&self, key: &str) -> Result<SessionRow, StoreError> {
        let r = sqlx::query(
            "UPDATE sessions SET session_id = ?, updated_at = ?, message_count = 0, context_tokens = 0, title = NULL, last_preview = NULL, last_run_error = NULL WHERE key = ?",
        )
        .bind(ulid::Ulid::new().to_string())
        .bind(now())
        .bind(key)
        .execute(&self.pool)
        .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound(key.to_owned()));
        }
        self.get(key)
            .await?
            .ok_or_else(|| StoreError::NotFound(key.to_owned()))
    }

    /// Deletes the session and all its transcripts. Returns whether it existed.
    pub async fn delete(&self, key: &str) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM entries WHERE session_key = ?")
            .bind(key)
            .execute(&mut *tx)
            .await?;
        let r = sqlx::query("DELETE FROM sessions WHERE key = ?")
            .bind(key)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(r.rows_affected() > 0)
    }

    /// Masks `redactor`'s values in everything written from now on.
    pub fn with_redactor(mut self, redactor: crate::redact::Redactor) -> SessionStore {
        self.redactor = redactor;
        self
    }

    /// Writes one entry row (content and meta masked) inside `tx`.
    #[allow(clippy::too_many_arguments)]
    async fn insert_entry(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
        id: &str,
        key: &str,
        session_id: &str,
        seq: i64,
        e: &NewEntry,
        created_at: i64,
    ) -> Result<(), StoreError> {
        let r = &self.redactor;
        sqlx::query(
            "INSERT INTO entries (id, session_key, session_id, seq, kind, role, run_id, content, meta, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(key)
        .bind(session_id)
        .bind(seq)
        .bind(match e.kind {
            EntryKind::Message => "message",
            EntryKind::Compaction => "compaction",
        })
        .bind(e.role)
        .bind(e.run_id.as_deref())
        .bind(r.redact_owned(serde_json::to_string(&e.content).unwrap_or_else(|_| "[]".into())))
        .bind(r.redact_owned(e.meta.to_string()))
        .bind(e.status)
        .bind(created_at)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Appends an entry to the session's current transcript; returns its id and seq.
    pub async fn append(&self, key: &str, e: NewEntry) -> Result<(String, i64), StoreError> {
        let id = ulid::Ulid::new().to_string();
        let text = self.redactor.redact_owned(text_of(&e.content));
        let mut tx = self.write().await?;
        let session_id: Option<String> =
            sqlx::query_scalar("SELECT session_id FROM sessions WHERE key = ?")
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?;
        let session_id = session_id.ok_or_else(|| StoreError::NotFound(key.to_owned()))?;
        let seq: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM entries WHERE session_id = ?",
        )
        .bind(&session_id)
        .fetch_one(&mut *tx)
        .await?;
        self.insert_entry(&mut tx, &id, key, &session_id, seq, &e, now())
            .await?;
        let is_user_text = e.role == Some("user") && !text.is_empty();
        sqlx::query(
            "UPDATE sessions SET updated_at = ?, message_count = message_count + ?, last_preview = CASE WHEN ? != '' THEN ? ELSE last_preview END, title = CASE WHEN title IS NULL AND ? THEN ? ELSE title END WHERE key = ?",
        )
        .bind(now())
        .bind(i64::from(e.kind == EntryKind::Message))
        .bind(&text)
        .bind(preview(&text, 160))
        .bind(is_user_text)
        .bind(preview(&text, 80))
        .bind(key)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((id, seq))
    }

    /// Rewrites an entry's content, status and meta (a streaming reply as it grows).
    pub async fn update_entry(
        &self,
        id: &str,
        content: &[Block],
        status: &str,
        meta: &Value,
    ) -> Result<(), StoreError> {
        let r = &self.redactor;
        let text = r.redact_owned(text_of(content));
        let mut tx = self.write().await?;
        let key: Option<String> =
            sqlx::query_scalar("UPDATE entries SET content = ?, status = ?, meta = ? WHERE id = ? RETURNING session_key")
                .bind(r.redact_owned(serde_json::to_string(content).unwrap_or_else(|_| "[]".into())))
                .bind(status)
                .bind(r.redact_owned(meta.to_string()))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(key) = key
            && !text.is_empty()
        {
            sqlx::query("UPDATE sessions SET last_preview = ?, updated_at = ? WHERE key = ?")
                .bind(preview(&text, 160))
                .bind(now())
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Adds a model call's usage and cost; `context` is that call's prompt size.
    pub async fn add_usage(
        &self,
        key: &str,
        usage: Usage,
        cost_usd: f64,
        context: u64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sessions SET input_tokens = input_tokens + ?, output_tokens = output_tokens + ?, cost_usd = cost_usd + ?, context_tokens = ? WHERE key = ?",
        )
        .bind(i64::try_from(usage.input).unwrap_or(i64::MAX))
        .bind(i64::try_from(usage.output).unwrap_or(i64::MAX))
        .bind(cost_usd)
        .bind(i64::try_from(context).unwrap_or(i64::MAX))
        .bind(key)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records (or clears) the error of the last turn.
    pub async fn set_run_error(&self, key: &str, error: Option<&str>) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_run_error = ? WHERE key = ?")
            .bind(error.map(|e| self.redactor.redact_owned(e.to_owned())))
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The connection pool (the approvals audit trail lives in the same database).
    pub fn pool(&self) -> sqlx::SqlitePool {
        self.pool.clone()
    }

    /// Closes the pool (waits for writes).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
