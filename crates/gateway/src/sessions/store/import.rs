//! Writing a whole conversation brought over from elsewhere (`tidepool import openclaw`).

use super::{EntryKind, NewEntry, SessionRow, SessionStore, StoreError, now, preview, text_of};

impl SessionStore {
    /// Writes a whole conversation brought over from elsewhere (an OpenClaw import), with its
    /// own times, in one transaction; an existing key is [`StoreError::Exists`] and nothing
    /// is written.
    pub async fn import(
        &self,
        key: &str,
        agent_id: &str,
        model: Option<&str>,
        entries: &[(NewEntry, i64)],
    ) -> Result<SessionRow, StoreError> {
        let r = &self.redactor;
        let first = entries.first().map(|(_, t)| *t).unwrap_or_else(now);
        let last = entries.last().map(|(_, t)| *t).unwrap_or(first);
        let session_id = ulid::Ulid::new().to_string();
        let mut tx = self.write().await?;
        let inserted = sqlx::query(
            "INSERT INTO sessions (key, session_id, agent_id, model, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(&session_id)
        .bind(agent_id)
        .bind(model)
        .bind(first)
        .bind(last)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::Exists(key.to_owned()));
        }
        let (mut title, mut preview_text, mut messages) = (None, None, 0i64);
        for (seq, (e, at)) in (1i64..).zip(entries) {
            let text = r.redact_owned(text_of(&e.content));
            if e.role == Some("user") && !text.is_empty() && title.is_none() {
                title = Some(preview(&text, 80));
            }
            if !text.is_empty() {
                preview_text = Some(preview(&text, 160));
            }
            messages += i64::from(e.kind == EntryKind::Message);
            self.insert_entry(
                &mut tx,
                &ulid::Ulid::new().to_string(),
                key,
                &session_id,
                seq,
                e,
                *at,
            )
            .await?;
        }
        sqlx::query(
            "UPDATE sessions SET message_count = ?, title = ?, last_preview = ? WHERE key = ?",
        )
        .bind(messages)
        .bind(title)
        .bind(preview_text)
        .bind(key)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.get(key)
            .await?
            .ok_or_else(|| StoreError::NotFound(key.to_owned()))
    }
}
