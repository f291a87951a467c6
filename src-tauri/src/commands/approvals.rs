//! The approval prompt and the Approvals page: thin adapters over
//! `tidepool_control::approvals` on the running gateway's connection.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use tauri::State;
use tidepool_control::approvals::{
    self, ApprovalView, CheckView, ExecPolicy, PolicyDoc, RuleScope,
};
use tidepool_control::config::SaveOutcome;

const DECISIONS: &[&str] = &["allow-once", "allow-always", "deny"];

/// Commands waiting for a decision, oldest first.
#[tauri::command]
#[specta::specta]
pub async fn approvals_pending(state: State<'_, AppState>) -> AppResult<Vec<ApprovalView>> {
    Ok(approvals::pending(&state.client()?).await?)
}

/// The audit trail, newest first, filtered by `status` (`all`, `allowed`, `denied`, `expired`,
/// `cancelled`, `pending`) and `search`.
#[tauri::command]
#[specta::specta]
pub async fn approvals_history(
    state: State<'_, AppState>,
    status: String,
    search: Option<String>,
    limit: u32,
    offset: u32,
) -> AppResult<Vec<ApprovalView>> {
    Ok(approvals::history(&state.client()?, &status, search.as_deref(), limit, offset).await?)
}

/// Allows once, allows always (adding `rules` in `scope`) or denies a pending command.
#[tauri::command]
#[specta::specta]
pub async fn approvals_resolve(
    state: State<'_, AppState>,
    id: String,
    decision: String,
    rules: Option<Vec<String>>,
    scope: Option<String>,
) -> AppResult<ApprovalView> {
    if !DECISIONS.contains(&decision.as_str()) {
        return Err(AppError::InvalidInput(format!(
            "unknown decision {decision:?}; use one of {}",
            DECISIONS.join(", ")
        )));
    }
    let scope = match scope.as_deref() {
        None => None,
        Some(sc) => Some(RuleScope::parse(sc).ok_or_else(|| {
            let names: Vec<&str> = RuleScope::ALL.iter().map(|r| r.as_str()).collect();
            AppError::InvalidInput(format!(
                "unknown scope {sc:?}; use one of {}",
                names.join(", ")
            ))
        })?),
    };
    let rules = rules.map(|r| {
        r.into_iter()
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
    });
    if decision == "allow-always" && rules.as_ref().is_some_and(Vec::is_empty) {
        return Err(AppError::InvalidInput(
            "write at least one rule to allow always, or choose Allow once".into(),
        ));
    }
    Ok(approvals::resolve(&state.client()?, &id, &decision, rules, scope).await?)
}

/// "Would this command be allowed?" under the saved policy, or under `draft`.
#[tauri::command]
#[specta::specta]
pub async fn approvals_check(
    state: State<'_, AppState>,
    command: String,
    draft: Option<ExecPolicy>,
) -> AppResult<CheckView> {
    if command.trim().is_empty() {
        return Err(AppError::InvalidInput("type a command to check".into()));
    }
    Ok(approvals::check(&state.client()?, &command, draft.as_ref()).await?)
}

/// The shell-command policy and the config hash it was read at.
#[tauri::command]
#[specta::specta]
pub async fn approvals_policy(state: State<'_, AppState>) -> AppResult<PolicyDoc> {
    Ok(approvals::policy(&state.client()?).await?)
}

/// Saves the policy if the config is still at `base_hash`; says what happened (saved,
/// conflict, invalid).
#[tauri::command]
#[specta::specta]
pub async fn approvals_policy_save(
    state: State<'_, AppState>,
    policy: ExecPolicy,
    base_hash: String,
) -> AppResult<SaveOutcome> {
    Ok(approvals::save_policy(&state.client()?, &policy, &base_hash).await?)
}
