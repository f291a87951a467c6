//! Model fallbacks: when a call fails before anything streamed, the agent's next configured
//! model takes over for the rest of the run.

use super::ChatRuntime;
use super::run::Events;
use crate::config::Config;
use crate::providers::{self, Provider, ProviderError};
use serde_json::json;
use std::path::Path;

/// Errors another model might not have: not a bad request, not the user stopping the run.
pub(super) fn falls_back(e: &ProviderError) -> bool {
    !matches!(
        e,
        ProviderError::Cancelled | ProviderError::BadRequest { .. }
    )
}

/// The next fallback model that resolves (one without a key, say, is skipped), announced as an
/// `agent` lifecycle event.
#[allow(clippy::too_many_arguments)]
pub(super) fn next_fallback(
    fallbacks: &mut std::collections::VecDeque<String>,
    config: &Config,
    config_dir: &Path,
    rt: &ChatRuntime,
    ev: &Events<'_>,
    from_provider: &str,
    from_model: &str,
    error: &ProviderError,
) -> Option<(Provider, String)> {
    while let Some(next) = fallbacks.pop_front() {
        let resolved = providers::split_model_ref(&next).and_then(|(pid, m)| {
            providers::resolve(config, config_dir, rt.secrets.as_ref(), pid, &rt.http)
                .map(|p| (p, m.to_owned()))
        });
        match resolved {
            Ok((p, m)) => {
                tracing::warn!(session_id = %ev.session_key, from = %format!("{from_provider}/{from_model}"), to = %next, error = %error, "model failed; trying the fallback");
                ev.agent(
                    "lifecycle",
                    json!({ "phase": "fallback", "from": format!("{from_provider}/{from_model}"), "to": next, "reason": error.to_string(), "errorKind": error.kind() }),
                );
                return Some((p, m));
            }
            Err(e) => {
                tracing::warn!(session_id = %ev.session_key, fallback = %next, error = %e, "fallback model skipped")
            }
        }
    }
    None
}
