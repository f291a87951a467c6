//! Anthropic Messages API (`POST {base}/v1/messages`, SSE events `message_start` ...
//! `message_stop`).

// serde_json `Value[key]` returns Null for a missing key instead of panicking, and the request
// bodies indexed mutably are objects built in this file, so indexing here cannot panic.
#![allow(clippy::indexing_slicing)]

use super::{
    Block, Completion, CompletionRequest, ModelInfo, Provider, ProviderError, Role, StopReason,
    Usage, read_sse, with_model,
};
use serde_json::{Value, json};

const VERSION: &str = "2023-06-01";

fn url(p: &Provider, path: &str) -> String {
    if p.base_url.ends_with("/v1") {
        format!("{}/{path}", p.base_url)
    } else {
        format!("{}/v1/{path}", p.base_url)
    }
}

fn authed(p: &Provider, b: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    let b = b.header("anthropic-version", VERSION);
    match &p.api_key {
        Some(k) => b.header("x-api-key", k),
        None => b,
    }
}

fn messages(req: &CompletionRequest) -> Vec<Value> {
    req.messages
        .iter()
        .map(|m| {
            let content: Vec<Value> = m
                .content
                .iter()
                .map(|b| match b {
                    Block::Text { text } => json!({ "type": "text", "text": text }),
                    Block::ToolUse { id, name, input } => {
                        json!({ "type": "tool_use", "id": id, "name": name, "input": input })
                    }
                    Block::ToolResult {
                        tool_use_id,
                        content,
                        is_error,
                    } => json!({
                        "type": "tool_result",
                        "tool_use_id": tool_use_id,
                        "content": content,
                        "is_error": is_error,
                    }),
                })
                .collect();
            json!({
                "role": match m.role { Role::User => "user", Role::Assistant => "assistant" },
                "content": content,
            })
        })
        .collect()
}

enum Partial {
    Text(String),
    Tool {
        id: String,
        name: String,
        json: String,
    },
    Other,
}

pub(super) async fn stream(
    p: &Provider,
    req: &CompletionRequest,
    on_text: &mut (dyn FnMut(&str) + Send),
) -> Result<Completion, ProviderError> {
    let mut body = json!({
        "model": req.model,
        "max_tokens": if req.max_tokens > 0 { req.max_tokens } else { 8192 },
        "messages": messages(req),
        "stream": true,
    });
    if !req.system.is_empty() {
        body["system"] = json!(req.system);
    }
    if !req.tools.is_empty() {
        body["tools"] = req
            .tools
            .iter()
            .map(|t| json!({ "name": t.name, "description": t.description, "input_schema": t.input_schema }))
            .collect();
    }
    let b = authed(
        p,
        p.request(reqwest::Method::POST, &url(p, "messages"))
            .json(&body),
    );
    let resp = p.send(b).await.map_err(|e| with_model(e, &req.model))?;

    let mut blocks: Vec<Partial> = Vec::new();
    let mut usage = Usage::default();
    let mut stop = StopReason::EndTurn;
    read_sse(p, resp, |event, data| {
        if data.trim().is_empty() {
            return Ok(false);
        }
        let v: Value = serde_json::from_str(data)
            .map_err(|e| p.protocol(format!("a stream event is not JSON ({e})")))?;
        let kind = if event.is_empty() || event == "message" {
            v["type"].as_str().unwrap_or_default()
        } else {
            event
        };
        match kind {
            "message_start" => {
                let u = &v["message"]["usage"];
                usage.input = u["input_tokens"].as_u64().unwrap_or(0);
                usage.cache_read = u["cache_read_input_tokens"].as_u64().unwrap_or(0);
                usage.cache_write = u["cache_creation_input_tokens"].as_u64().unwrap_or(0);
                usage.output = u["output_tokens"].as_u64().unwrap_or(0);
            }
            "content_block_start" => {
                let cb = &v["content_block"];
                let part = match cb["type"].as_str() {
                    Some("text") => {
                        let t = cb["text"].as_str().unwrap_or_default().to_owned();
                        if !t.is_empty() {
                            on_text(&t);
                        }
                        Partial::Text(t)
                    }
                    Some("tool_use") => Partial::Tool {
                        id: cb["id"].as_str().unwrap_or_default().to_owned(),
                        name: cb["name"].as_str().unwrap_or_default().to_owned(),
                        json: String::new(),
                    },
                    _ => Partial::Other,
                };
                blocks.push(part);
            }
            "content_block_delta" => {
                let d = &v["delta"];
                match (blocks.last_mut(), d["type"].as_str()) {
                    (Some(Partial::Text(t)), Some("text_delta")) => {
                        let piece = d["text"].as_str().unwrap_or_default();
                        t.push_str(piece);
                        if !piece.is_empty() {
                            on_text(piece);
                        }
                    }
                    (Some(Partial::Tool { json, .. }), Some("input_json_delta")) => {
                        json.push_str(d["partial_json"].as_str().unwrap_or_default());
                    }
                    _ => {}
                }
            }
            "message_delta" => {
                if let Some(r) = v["delta"]["stop_reason"].as_str() {
                    stop = match r {
                        "end_turn" | "stop_sequence" => StopReason::EndTurn,
                        "tool_use" => StopReason::ToolUse,
                        "max_tokens" => StopReason::MaxTokens,
                        other => StopReason::Other(other.to_owned()),
                    };
                }
                if let Some(o) = v["usage"]["output_tokens"].as_u64() {
                    usage.output = o;
                }
            }
            "message_stop" => return Ok(true),
            "error" => {
                let e = &v["error"];
                let message = e["message"].as_str().unwrap_or("unknown error").to_owned();
                return Err(match e["type"].as_str() {
                    Some("overloaded_error") | Some("api_error") => {
                        p.status_error(529, None, &v.to_string())
                    }
                    Some("rate_limit_error") => p.status_error(429, None, &v.to_string()),
                    _ => p.protocol(format!("error in the stream: {message}")),
                });
            }
            _ => {}
        }
        Ok(false)
    })
    .await?;

    let mut content = Vec::with_capacity(blocks.len());
    for b in blocks {
        match b {
            Partial::Text(text) if !text.is_empty() => content.push(Block::Text { text }),
            Partial::Tool { id, name, json } => {
                let input = if json.trim().is_empty() {
                    json!({})
                } else {
                    serde_json::from_str(&json).map_err(|e| {
                        p.protocol(format!(
                            "the input of tool call {id} ({name}) is not JSON: {e}"
                        ))
                    })?
                };
                content.push(Block::ToolUse { id, name, input });
            }
            _ => {}
        }
    }
    Ok(Completion {
        content,
        usage,
        stop,
    })
}

pub(super) async fn list_models(p: &Provider) -> Result<Vec<ModelInfo>, ProviderError> {
    let b = authed(
        p,
        p.request(reqwest::Method::GET, &url(p, "models?limit=1000")),
    );
    let resp = p.send(b).await?;
    let v: Value = resp
        .json()
        .await
        .map_err(|e| p.protocol(format!("the model list is not JSON: {e}")))?;
    let data = v["data"]
        .as_array()
        .ok_or_else(|| p.protocol("the model list has no `data` array"))?;
    Ok(data
        .iter()
        .filter_map(|m| {
            let id = m["id"].as_str()?;
            Some(ModelInfo {
                id: id.to_owned(),
                name: m["display_name"].as_str().unwrap_or(id).to_owned(),
                provider: p.id.clone(),
                context_window: p.model_entry(id).and_then(|e| e.context_window),
            })
        })
        .collect())
}
