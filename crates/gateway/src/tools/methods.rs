//! `tools.catalog`, `tools.effective`, `commands.list`, `models.authStatus`: what the agents
//! can use, as OpenClaw's clients ask for it, from what Tidepool really has.

use super::{Tool, listed};
use crate::agents::{find, target};

use crate::chat::{AgentSpec, agents};
use crate::config::Config;
use crate::config::exec::ExecMode;
use crate::config::secret::{Secret, SecretSource};
use crate::providers;
use crate::rpc::{CallCtx, invalid_params};
use crate::state::Methods;
use crate::state::Shared;
use std::sync::Arc;
use tidepool_protocol::agents::{
    ApiKeySource, CommandsList, CommandsListParams, CommandsListResult, ModelsAuthStatus,
    ModelsAuthStatusParams, ModelsAuthStatusResult, ProviderAuthStatus, ToolCatalogEntry,
    ToolCatalogGroup, ToolsCatalog, ToolsCatalogParams, ToolsCatalogResult, ToolsEffective,
    ToolsEffectiveEntry, ToolsEffectiveGroup, ToolsEffectiveNotice, ToolsEffectiveParams,
    ToolsEffectiveResult, names,
};
use tidepool_protocol::{ErrorCode, ErrorShape};

/// Registers the tool and command catalogue methods (read scope, as in OpenClaw).
pub fn register(r: &mut Methods) {
    r.method::<ToolsCatalog, _, _>(catalog);
    r.method::<ToolsEffective, _, _>(effective);
    r.method::<CommandsList, _, _>(commands);
    r.method::<ModelsAuthStatus, _, _>(auth_status);
}

/// Groups in OpenClaw's section order, with its labels.
const GROUPS: &[(&str, &str)] = &[("fs", "Files"), ("runtime", "Runtime"), ("web", "Web")];

/// How much harm a tool can do: reading, changing the workspace, or reaching out / running
/// anything.
fn risk(t: &Tool) -> &'static str {
    match t.name {
        "read" | "list" => "low",
        "exec" => "high",
        _ => "medium",
    }
}

/// The first sentence of the model-facing description.
fn summary(description: &str) -> String {
    match description.find(". ") {
        Some(i) => description.get(..=i).unwrap_or(description).to_owned(),
        None => description.to_owned(),
    }
}

async fn catalog(
    s: Arc<Shared>,
    _c: CallCtx,
    p: ToolsCatalogParams,
) -> Result<ToolsCatalogResult, ErrorShape> {
    let config = s.current_config();
    let agent = match p.agent_id.as_deref() {
        Some(id) => find(&config, &s.paths, id)?,
        None => target(&config, &s.paths, names::TOOLS_CATALOG, None, None)?.0,
    };
    let all = super::all();
    let groups = GROUPS
        .iter()
        .map(|(id, label)| ToolCatalogGroup {
            id: (*id).into(),
            label: (*label).into(),
            source: "core".into(),
            tools: all
                .iter()
                .filter(|t| t.group == *id)
                .map(|t| ToolCatalogEntry {
                    id: t.name.into(),
                    label: t.name.into(),
                    description: summary(t.description),
                    source: "core".into(),
                    risk: Some(risk(t).into()),
                    // Tidepool has no tool profiles: tools.allow / tools.deny decide.
                    default_profiles: vec![],
                })
                .collect(),
        })
        .filter(|g| !g.tools.is_empty())
        .collect();
    Ok(ToolsCatalogResult {
        agent_id: agent.id,
        profiles: vec![],
        groups,
    })
}

/// Why a tool the gateway has is not offered to this agent, with the setting to change.
fn left_out(config: &Config, agent: &AgentSpec, t: &Tool) -> Option<String> {
    let tools = &config.tools;
    if !tools.allow.is_empty() && !listed(&tools.allow, t) {
        return Some(format!("{} is not in tools.allow", t.name));
    }
    if !agent.tools_allow.is_empty() && !listed(&agent.tools_allow, t) {
        return Some(format!(
            "{} is not in agents.entries.{}.tools.allow",
            t.name, agent.id
        ));
    }
    if listed(&tools.deny, t) {
        return Some(format!("{} is in tools.deny", t.name));
    }
    if listed(&agent.tools_deny, t) {
        return Some(format!(
            "{} is in agents.entries.{}.tools.deny",
            t.name, agent.id
        ));
    }
    if t.group == "web" && !tools.web.fetch.enabled {
        return Some(format!(
            "{} is off (tools.web.fetch.enabled is false)",
            t.name
        ));
    }
    if t.name == "exec" && tools.exec.effective_mode() == ExecMode::Deny {
        return Some(
            "exec is off: tools.exec.mode is deny (set it to ask, allowlist or full to let agents run shell commands)"
                .into(),
        );
    }
    None
}

async fn effective(
    s: Arc<Shared>,
    _c: CallCtx,
    p: ToolsEffectiveParams,
) -> Result<ToolsEffectiveResult, ErrorShape> {
    const M: &str = names::TOOLS_EFFECTIVE;
    if p.session_key.trim().is_empty() {
        return Err(invalid_params(M, "sessionKey: must not be empty"));
    }
    let config = s.current_config();
    let (agent, _) = target(
        &config,
        &s.paths,
        M,
        p.agent_id.as_deref(),
        Some(&p.session_key),
    )?;
    let web = config.tools.web.fetch.enabled;
    let mode = config.tools.exec.effective_mode();
    // The same selection a run makes.
    let offered = super::select(
        &config.tools.allow,
        &config.tools.deny,
        &agent.tools_allow,
        &agent.tools_deny,
        web,
        mode != ExecMode::Deny,
    );
    let mut notices: Vec<ToolsEffectiveNotice> = super::all()
        .iter()
        .filter(|t| !offered.iter().any(|o| o.name == t.name))
        .filter_map(|t| {
            left_out(&config, &agent, t).map(|message| ToolsEffectiveNotice {
                id: format!("tool-off:{}", t.name),
                severity: "info".into(),
                message,
            })
        })
        .collect();
    if offered.iter().any(|t| t.name == "exec") {
        let message = match mode {
            ExecMode::Ask => Some(
                "exec asks for approval (exec.approval.requested) before a command that no tools.exec.rules entry allows",
            ),
            ExecMode::Allowlist => {
                Some("exec runs only commands that tools.exec.rules allow; others are refused")
            }
            ExecMode::Full => Some(
                "exec runs every command except what tools.exec.rules deny (tools.exec.mode is full)",
            ),
            ExecMode::Deny => None,
        };
        if let Some(m) = message {
            notices.push(ToolsEffectiveNotice {
                id: "exec-mode".into(),
                severity: if mode == ExecMode::Full {
                    "warning"
                } else {
                    "info"
                }
                .into(),
                message: m.into(),
            });
        }
    }
    let tools: Vec<ToolsEffectiveEntry> = offered
        .iter()
        .map(|t| ToolsEffectiveEntry {
            id: t.name.into(),
            label: t.name.into(),
            description: summary(t.description),
            raw_description: t.description.into(),
            source: "core".into(),
            risk: Some(risk(t).into()),
        })
        .collect();
    let groups = if tools.is_empty() {
        vec![]
    } else {
        vec![ToolsEffectiveGroup {
            id: "core".into(),
            label: "Built-in tools".into(),
            source: "core".into(),
            tools,
        }]
    };
    Ok(ToolsEffectiveResult {
        agent_id: agent.id,
        profile: "full".into(),
        groups,
        notices,
    })
}

/// Tidepool's chat has no slash commands yet: a message starting with `/` goes to the model
/// as it is. The list is empty, in OpenClaw's shape.
async fn commands(
    s: Arc<Shared>,
    _c: CallCtx,
    p: CommandsListParams,
) -> Result<CommandsListResult, ErrorShape> {
    const M: &str = names::COMMANDS_LIST;
    if let Some(scope) = p.scope.as_deref()
        && !matches!(scope, "text" | "native" | "both")
    {
        return Err(invalid_params(
            M,
            format!("scope: \"{scope}\" is not one of text, native, both"),
        ));
    }
    let config = s.current_config();
    target(
        &config,
        &s.paths,
        M,
        p.agent_id.as_deref(),
        p.session_key.as_deref(),
    )?;
    Ok(CommandsListResult { commands: vec![] })
}

fn display_name(id: &str) -> String {
    match id {
        "anthropic" => "Anthropic".into(),
        "openai" => "OpenAI".into(),
        "ollama" => "Ollama".into(),
        "lmstudio" => "LM Studio".into(),
        other => other.into(),
    }
}

/// The providers worth a status: every configured one, those the agents' models name, and
/// the built-ins whose key variable is set.
fn provider_ids(config: &Config, list: &[AgentSpec]) -> Vec<String> {
    let mut ids: Vec<String> = config.models.providers.keys().cloned().collect();
    let mut add = |id: &str| {
        if !ids.iter().any(|i| i == id) {
            ids.push(id.to_owned());
        }
    };
    for a in list {
        for m in a.model.iter().chain(a.fallbacks.iter()) {
            if let Ok((pid, _)) = providers::split_model_ref(m) {
                add(pid);
            }
        }
    }
    for id in ["anthropic", "openai"] {
        if providers::built_in_key_env(id)
            .and_then(|v| std::env::var(v).ok())
            .is_some_and(|v| !v.is_empty())
        {
            add(id);
        }
    }
    ids
}

/// Whether a provider's key is configured and resolves; never the key itself.
fn status_of(config: &Config, s: &Shared, id: &str) -> ProviderAuthStatus {
    let configured = config.models.providers.get(id);
    let required = providers::key_required(id);
    let mut out = ProviderAuthStatus {
        provider: id.into(),
        auth_provider: id.into(),
        display_name: display_name(id),
        status: "missing".into(),
        profiles: vec![],
        api_key: None,
        key_required: required,
        reason: None,
    };
    if let Some(secret) = configured.and_then(|c| c.api_key.as_ref()) {
        out.api_key = Some(match secret {
            Secret::Ref(r) if r.source == SecretSource::Env => ApiKeySource {
                source: "env".into(),
                env_var: Some(r.id.clone()),
            },
            _ => ApiKeySource {
                source: "config".into(),
                env_var: None,
            },
        });
        match secret.resolve(&s.config_dir(), s.chat.secrets.as_ref()) {
            Ok(v) if !v.is_empty() => out.status = "static".into(),
            Ok(_) => {
                out.reason = Some(format!(
                    "models.providers.{id}.apiKey is empty; set the key it refers to"
                ));
            }
            Err(e) => out.reason = Some(format!("models.providers.{id}.apiKey: {e}")),
        }
        return out;
    }
    if let Some(var) = providers::built_in_key_env(id) {
        out.api_key = Some(ApiKeySource {
            source: "env".into(),
            env_var: Some(var.into()),
        });
        if std::env::var(var).is_ok_and(|v| !v.is_empty()) {
            out.status = "static".into();
        } else {
            out.reason = Some(format!(
                "no API key for {id}: set models.providers.{id}.apiKey to {{ source: \"store\", id: \"{var}\" }} after `tidepool secrets set {var}`, or the {var} environment variable of the gateway"
            ));
        }
        return out;
    }
    if configured.is_none() && !providers::is_built_in(id) {
        out.reason = Some(format!(
            "unknown provider \"{id}\": add it under models.providers.{id} with baseUrl and api"
        ));
    } else {
        out.reason = Some(format!(
            "no API key is configured for {id}; a local server usually needs none (else set models.providers.{id}.apiKey)"
        ));
    }
    out
}

async fn auth_status(
    s: Arc<Shared>,
    _c: CallCtx,
    p: ModelsAuthStatusParams,
) -> Result<ModelsAuthStatusResult, ErrorShape> {
    let config = s.current_config();
    if let Some(id) = p.agent_id.as_deref().filter(|i| !i.is_empty()) {
        find(&config, &s.paths, id)?;
    }
    let list = agents(&config, &s.paths);
    let ids = provider_ids(&config, &list);
    // Store references may ask the OS keychain: off the async threads.
    let shared = s.clone();
    let providers = tokio::task::spawn_blocking(move || {
        ids.iter()
            .map(|id| status_of(&config, &shared, id))
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|e| ErrorShape::new(ErrorCode::Unavailable, format!("status check failed: {e}")))?;
    Ok(ModelsAuthStatusResult {
        ts: crate::sysinfo::now_ms(),
        providers,
    })
}
