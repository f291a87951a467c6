//! Reading transcripts back: a session's current entries, its model context, one entry.

use super::*;

impl SessionStore {
    /// The current transcript, oldest first: the last `limit` entries (all when 0).
    pub async fn history(&self, key: &str, limit: i64) -> Result<Vec<Entry>, StoreError> {
        const COLUMNS: &str = "id, seq, kind, role, run_id, content, meta, status, created_at";
        const SESSION: &str = "session_id = (SELECT session_id FROM sessions WHERE key = ?1)";
        // The whole transcript walks the (session_id, seq) index in order; a tail page reads it
        // backwards and sorts only the page.
        let sql = if limit > 0 {
            format!(
                "SELECT {COLUMNS} FROM (SELECT {COLUMNS} FROM entries WHERE {SESSION} ORDER BY seq DESC LIMIT ?2) ORDER BY seq"
            )
        } else {
            format!("SELECT {COLUMNS} FROM entries WHERE {SESSION} ORDER BY seq")
        };
        let reader = Arc::clone(&self.reader);
        let key = key.to_owned();
        tokio::task::spawn_blocking(move || {
            reader.with(|conn| {
                let mut stmt = conn.prepare_cached(&sql)?;
                let rows = if limit > 0 {
                    stmt.query(rusqlite::params![key, limit])?
                } else {
                    stmt.query(rusqlite::params![key])?
                };
                rows.mapped(entry_from_row).collect()
            })
        })
        .await
        .map_err(|e| StoreError::Read(e.to_string()))?
        .map_err(|e| StoreError::Read(e.to_string()))
    }

    /// The text of the current transcript's last user message.
    pub async fn last_user_text(&self, key: &str) -> Result<Option<String>, StoreError> {
        let content: Option<String> = sqlx::query_scalar(
            "SELECT content FROM entries WHERE session_id = (SELECT session_id FROM sessions WHERE key = ?) AND role = 'user' ORDER BY seq DESC LIMIT 1",
        )
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        Ok(content
            .and_then(|c| serde_json::from_str::<Vec<Block>>(&c).ok())
            .map(|b| text_of(&b))
            .filter(|t| !t.trim().is_empty()))
    }

    /// What the model sees: the latest compaction summary (if any) and the messages from the
    /// first one it kept.
    pub async fn context(&self, key: &str) -> Result<(Option<String>, Vec<Entry>), StoreError> {
        let all = self.history(key, 0).await?;
        let last_compaction = all.iter().rposition(|e| e.kind == EntryKind::Compaction);
        let Some(i) = last_compaction else {
            return Ok((None, all));
        };
        let marker = all.get(i).cloned();
        let first_kept = marker
            .as_ref()
            .and_then(|m| m.meta.get("firstKeptSeq"))
            .and_then(Value::as_i64)
            .unwrap_or(i64::MAX);
        let summary = marker.map(|m| text_of(&m.content));
        let kept = all
            .into_iter()
            .filter(|e| e.kind == EntryKind::Message && e.seq >= first_kept)
            .collect();
        Ok((summary, kept))
    }

    /// One entry of any of the session's transcripts (the current one or one before a reset).
    pub async fn entry(&self, key: &str, id: &str) -> Result<Option<Entry>, StoreError> {
        let (key, id) = (key.to_owned(), id.to_owned());
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, seq, kind, role, run_id, content, meta, status, created_at FROM entries WHERE id = ?1 AND session_key = ?2",
            )?;
            let mut rows = stmt.query(rusqlite::params![id, key])?;
            rows.next()?.map(entry_from_row).transpose()
        })
        .await
    }

    /// Runs a read-only query on a reader connection, off the async threads.
    pub(in crate::sessions) async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let reader = Arc::clone(&self.reader);
        tokio::task::spawn_blocking(move || reader.with(f))
            .await
            .map_err(|e| StoreError::Read(e.to_string()))?
            .map_err(|e| StoreError::Read(e.to_string()))
    }
}
