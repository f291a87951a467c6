//! OpenAI Chat Completions (`POST {base}/chat/completions`), also spoken by Ollama, LM Studio,
//! vLLM and llama.cpp's server.

// serde_json `Value[key]` returns Null for a missing key instead of panicking, and the request
// bodies indexed mutably are objects built in this file, so indexing here cannot panic.
#![allow(clippy::indexing_slicing)]

use super::{
    Block, Completion, CompletionRequest, ModelInfo, Provider, ProviderError, Role, StopReason,
    Usage, read_sse, with_model,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn messages(req: &CompletionRequest) -> Vec<Value> {
    let mut out = Vec::with_capacity(req.messages.len() + 1);
    if !req.system.is_empty() {
        out.push(json!({ "role": "system", "content": req.system }));
    }
    for m in &req.messages {
        match m.role {
            Role::User => {
                let mut text = String::new();
                for b in &m.content {
                    match b {
                        // Chat Completions has no error flag for tool results; say it in words.
                        Block::ToolResult {
                            tool_use_id,
                            content,
                            is_error,
                        } => out.push(json!({
                            "role": "tool",
                            "tool_call_id": tool_use_id,
                            "content": if *is_error { format!("Error: {content}") } else { content.clone() },
                        })),
                        Block::Text { text: t } => text.push_str(t),
                        Block::ToolUse { .. } => {}
                    }
                }
                if !text.is_empty() {
                    out.push(json!({ "role": "user", "content": text }));
                }
            }
            Role::Assistant => {
                let text = m.text();
                let calls: Vec<Value> = m
                    .content
                    .iter()
                    .filter_map(|b| match b {
                        Block::ToolUse { id, name, input } => Some(json!({
                            "id": id,
                            "type": "function",
                            "function": { "name": name, "arguments": input.to_string() },
                        })),
                        _ => None,
                    })
                    .collect();
                let mut msg = json!({
                    "role": "assistant",
                    "content": if text.is_empty() { Value::Null } else { Value::String(text) },
                });
                if !calls.is_empty() {
                    msg["tool_calls"] = Value::Array(calls);
                }
                out.push(msg);
            }
        }
    }
    out
}

#[derive(Default)]
struct PartialCall {
    id: String,
    name: String,
    arguments: String,
}

pub(super) async fn stream(
    p: &Provider,
    req: &CompletionRequest,
    on_text: &mut (dyn FnMut(&str) + Send),
) -> Result<Completion, ProviderError> {
    let mut body = json!({
        "model": req.model,
        "messages": messages(req),
        "stream": true,
        "stream_options": { "include_usage": true },
    });
    if !req.tools.is_empty() {
        body["tools"] = req
            .tools
            .iter()
            .map(|t| {
                json!({
                    "type": "function",
                    "function": {
                        "name": t.name,
                        "description": t.description,
                        "parameters": t.input_schema,
                    }
                })
            })
            .collect();
    }
    if req.max_tokens > 0 {
        // OpenAI itself deprecated `max_tokens` and refuses it for its reasoning models (o1,
        // o3, gpt-5); the compatible servers (Ollama, vLLM, LM Studio, llama.cpp) know
        // `max_tokens` but not all know the new name.
        let field = if p.id == "openai" {
            "max_completion_tokens"
        } else {
            "max_tokens"
        };
        body[field] = json!(req.max_tokens);
    }
    let mut b = p
        .request(
            reqwest::Method::POST,
            &format!("{}/chat/completions", p.base_url),
        )
        .json(&body);
    if let Some(k) = &p.api_key {
        b = b.bearer_auth(k);
    }
    let resp = p.send(b).await.map_err(|e| with_model(e, &req.model))?;

    let mut text = String::new();
    let mut calls: BTreeMap<u64, PartialCall> = BTreeMap::new();
    let mut usage = Usage::default();
    let mut stop = None;
    read_sse(p, resp, |_event, data| {
        let data = data.trim();
        if data == "[DONE]" {
            return Ok(true);
        }
        if data.is_empty() {
            return Ok(false);
        }
        let chunk: Value = serde_json::from_str(data)
            .map_err(|e| p.protocol(format!("a stream chunk is not JSON ({e})")))?;
        if let Some(err) = chunk.get("error") {
            let msg = err
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("unknown error");
            return Err(p.protocol(format!("error in the stream: {msg}")));
        }
        if let Some(u) = chunk.get("usage").filter(|u| u.is_object()) {
            usage.input = u["prompt_tokens"].as_u64().unwrap_or(0);
            usage.output = u["completion_tokens"].as_u64().unwrap_or(0);
            usage.cache_read = u["prompt_tokens_details"]["cached_tokens"]
                .as_u64()
                .unwrap_or(0);
        }
        let Some(choice) = chunk
            .get("choices")
            .and_then(Value::as_array)
            .and_then(|c| c.first())
        else {
            return Ok(false);
        };
        let delta = &choice["delta"];
        if let Some(t) = delta.get("content").and_then(Value::as_str)
            && !t.is_empty()
        {
            text.push_str(t);
            on_text(t);
        }
        if let Some(tcs) = delta.get("tool_calls").and_then(Value::as_array) {
            for tc in tcs {
                let index = tc["index"].as_u64().unwrap_or(0);
                let c = calls.entry(index).or_default();
                if let Some(id) = tc["id"].as_str() {
                    c.id = id.to_owned();
                }
                if let Some(n) = tc["function"]["name"].as_str() {
                    c.name.push_str(n);
                }
                if let Some(a) = tc["function"]["arguments"].as_str() {
                    c.arguments.push_str(a);
                }
            }
        }
        if let Some(r) = choice.get("finish_reason").and_then(Value::as_str) {
            stop = Some(match r {
                "stop" => StopReason::EndTurn,
                "tool_calls" | "function_call" => StopReason::ToolUse,
                "length" => StopReason::MaxTokens,
                other => StopReason::Other(other.to_owned()),
            });
        }
        Ok(false)
    })
    .await?;

    let mut content = Vec::new();
    if !text.is_empty() {
        content.push(Block::Text { text });
    }
    for (i, c) in calls {
        let input = if c.arguments.trim().is_empty() {
            json!({})
        } else {
            serde_json::from_str(&c.arguments).map_err(|e| {
                p.protocol(format!(
                    "the arguments of tool call {} ({}) are not JSON: {e}",
                    i, c.name
                ))
            })?
        };
        let id = if c.id.is_empty() {
            format!("call_{i}")
        } else {
            c.id
        };
        content.push(Block::ToolUse {
            id,
            name: c.name,
            input,
        });
    }
    let has_calls = content.iter().any(|b| matches!(b, Block::ToolUse { .. }));
    let stop = match stop {
        // Some compatible servers say "stop" even when they return tool calls.
        Some(StopReason::EndTurn) | None if has_calls => StopReason::ToolUse,
        Some(s) => s,
        None => StopReason::EndTurn,
    };
    Ok(Completion {
        content,
        usage,
        stop,
    })
}

pub(super) async fn list_models(p: &Provider) -> Result<Vec<ModelInfo>, ProviderError> {
    let mut b = p.request(reqwest::Method::GET, &format!("{}/models", p.base_url));
    if let Some(k) = &p.api_key {
        b = b.bearer_auth(k);
    }
    let resp = p.send(b).await?;
    let v: Value = resp
        .json()
        .await
        .map_err(|e| p.protocol(format!("the model list is not JSON: {e}")))?;
    let data = v
        .get("data")
        .or_else(|| v.get("models"))
        .and_then(Value::as_array)
        .ok_or_else(|| p.protocol("the model list has no `data` array"))?;
    Ok(data
        .iter()
        .filter_map(|m| {
            m.get("id")
                .or_else(|| m.get("name"))
                .and_then(Value::as_str)
        })
        .map(|id| ModelInfo {
            id: id.to_owned(),
            name: p
                .model_entry(id)
                .and_then(|e| e.name.clone())
                .unwrap_or_else(|| id.to_owned()),
            provider: p.id.clone(),
            context_window: p.model_entry(id).and_then(|e| e.context_window),
        })
        .collect())
}
