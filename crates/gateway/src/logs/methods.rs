//! `logs.tail`: the current log file's newest lines, bounded in count, bytes and concurrency.

use super::tail as logs_tail;
use crate::rpc::{CallCtx, invalid_params, parse_params};
use crate::state::{Methods, Shared};
use serde_json::Value;
use std::sync::Arc;
use tidepool_protocol::methods::{LogsTail, LogsTailParams, names};
use tidepool_protocol::{ErrorCode, ErrorShape};

/// Registers `logs.tail`.
pub fn register(r: &mut Methods) {
    r.method_raw::<LogsTail, _, _>(logs_tail_handler);
}

async fn logs_tail_handler(s: Arc<Shared>, _c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    let params: LogsTailParams = parse_params(names::LOGS_TAIL, p)?;
    if let Some(l) = params.limit
        && !(1..=logs_tail::MAX_LIMIT).contains(&l)
    {
        return Err(invalid_params(
            names::LOGS_TAIL,
            format!(
                "params.limit is {l}; it must be between 1 and {}",
                logs_tail::MAX_LIMIT
            ),
        ));
    }
    if let Some(b) = params.max_bytes
        && !(1..=logs_tail::MAX_MAX_BYTES).contains(&b)
    {
        return Err(invalid_params(
            names::LOGS_TAIL,
            format!(
                "params.maxBytes is {b}; it must be between 1 and {}",
                logs_tail::MAX_MAX_BYTES
            ),
        ));
    }
    let path = crate::logs::current_log_file(&s.paths.logs());
    // Reads of up to 1 MB each: a few at a time keeps peak memory bounded however many
    // requests clients pile up.
    let _permit = s.logs.heavy_io.acquire().await.map_err(|_| {
        ErrorShape::new(ErrorCode::Unavailable, "the gateway is shutting down").retry_after(None)
    })?;
    let result = tokio::task::spawn_blocking(move || logs_tail::tail(&path, &params))
        .await
        .map_err(|e| ErrorShape::new(ErrorCode::Unavailable, format!("log reader failed: {e}")))?
        .map_err(|e| {
            ErrorShape::new(
                ErrorCode::Unavailable,
                format!("cannot read the log file: {e}"),
            )
            .retry_after(Some(1000))
        })?;
    serde_json::to_value(result).map_err(|e| {
        ErrorShape::new(
            ErrorCode::Unavailable,
            format!("could not encode result: {e}"),
        )
    })
}
