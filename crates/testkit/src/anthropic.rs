//! Anthropic Messages: `POST /v1/messages`, `GET /v1/models`.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use serde_json::Value;

use crate::conversation::{split, tokens};
use crate::json::{J, obj};
use crate::stream::{self, Step};
use crate::{Api, Plan, Shared, ToolCall, respond};

const SSE: &str = "text/event-stream; charset=utf-8";
const JSON: &str = "application/json";

/// An error in Anthropic's shape: `{"type":"error","error":{"type","message"},"request_id"}`.
pub(crate) fn error(
    shared: &Shared,
    status: u16,
    kind: &str,
    message: &str,
    retry_after: Option<u64>,
) -> Response {
    let request_id = format!("req_fake{}", shared.next_seq());
    let body = obj! {
        "type" => "error",
        "error" => obj! {"type" => kind, "message" => message},
        "request_id" => &request_id,
    };
    let mut headers = vec![
        ("content-type", JSON.to_owned()),
        ("request-id", request_id),
    ];
    if let Some(secs) = retry_after {
        headers.push(("retry-after", secs.to_string()));
    }
    respond(status, &headers, Body::from(body.render()))
}

/// The error `type` Anthropic uses for a status.
fn kind_of(status: u16) -> &'static str {
    match status {
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        504 => "timeout_error",
        529 => "overloaded_error",
        500..=599 => "api_error",
        _ => "invalid_request_error",
    }
}

/// The 401 for a missing or wrong `x-api-key`, `None` if the key is fine.
fn auth(shared: &Shared, headers: &HeaderMap) -> Option<Response> {
    let given = headers.get("x-api-key").and_then(|v| v.to_str().ok());
    match shared.check_key(given) {
        Ok(()) => None,
        Err(false) => Some(error(
            shared,
            401,
            "authentication_error",
            "x-api-key header is required",
            None,
        )),
        Err(true) => Some(error(
            shared,
            401,
            "authentication_error",
            "invalid x-api-key",
            None,
        )),
    }
}

/// `GET /v1/models`.
pub(crate) fn models(shared: &Shared, headers: &HeaderMap) -> Response {
    if let Some(refused) = auth(shared, headers) {
        return refused;
    }
    let ids = &shared.opts.models;
    let data = ids
        .iter()
        .map(|id| {
            obj! {"type" => "model", "id" => id, "display_name" => display_name(id), "created_at" => "2025-01-01T00:00:00Z"}
        })
        .collect::<Vec<_>>();
    let body = obj! {"data" => data, "has_more" => false, "first_id" => ids.first(), "last_id" => ids.last()};
    respond(
        200,
        &[("content-type", JSON.to_owned())],
        Body::from(body.render()),
    )
}

/// `fake-large` → `Fake Large`.
fn display_name(id: &str) -> String {
    id.split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Fields of one reply.
struct Ctx {
    id: String,
    model: String,
    input_tokens: u64,
    output_tokens: u64,
}

impl Ctx {
    fn usage(&self, output_tokens: u64) -> J {
        obj! {
            "input_tokens" => self.input_tokens,
            "cache_creation_input_tokens" => 0u64,
            "cache_read_input_tokens" => 0u64,
            "output_tokens" => output_tokens,
        }
    }

    fn message(&self, content: Vec<J>, stop_reason: Option<&str>, output_tokens: u64) -> J {
        obj! {
            "id" => &self.id,
            "type" => "message",
            "role" => "assistant",
            "model" => &self.model,
            "content" => content,
            "stop_reason" => stop_reason,
            "stop_sequence" => J::Null,
            "usage" => self.usage(output_tokens),
        }
    }
}

/// An SSE event: `event: NAME` and `data: JSON`.
fn event(name: &str, data: J) -> Step {
    Step::Send(format!("event: {name}\ndata: {}\n\n", data.render()))
}

fn block_start(index: u64, block: J) -> Step {
    event(
        "content_block_start",
        obj! {"type" => "content_block_start", "index" => index, "content_block" => block},
    )
}

fn block_delta(index: u64, delta: J) -> Step {
    event(
        "content_block_delta",
        obj! {"type" => "content_block_delta", "index" => index, "delta" => delta},
    )
}

fn block_stop(index: u64) -> Step {
    event(
        "content_block_stop",
        obj! {"type" => "content_block_stop", "index" => index},
    )
}

fn ping() -> Step {
    event("ping", obj! {"type" => "ping"})
}

fn text_delta(text: &str) -> J {
    obj! {"type" => "text_delta", "text" => text}
}

/// `POST /v1/messages`.
pub(crate) async fn messages(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let json = shared.record(&method, &uri, &headers, &body);
    if let Some(refused) = auth(&shared, &headers) {
        return refused;
    }
    let invalid = |message: &str| error(&shared, 400, "invalid_request_error", message, None);
    if !headers.contains_key("anthropic-version") {
        return invalid("anthropic-version: header is required");
    }
    if !json.is_object() {
        return invalid(
            "There was an error parsing the body of your request: it is not valid JSON",
        );
    }
    let Some(model) = json.get("model").and_then(Value::as_str) else {
        return invalid("model: Field required");
    };
    if json.get("messages").and_then(Value::as_array).is_none() {
        return invalid("messages: Field required");
    }
    if json.get("max_tokens").and_then(Value::as_u64).is_none() {
        return invalid("max_tokens: Field required");
    }
    if !shared.opts.models.iter().any(|m| m == model) {
        return error(
            &shared,
            404,
            "not_found_error",
            &format!("model: {model}"),
            None,
        );
    }
    let streaming = json.get("stream").and_then(Value::as_bool).unwrap_or(false);
    let plan = shared.plan(Api::Anthropic, &json);
    let (text, calls) = match &plan {
        Plan::Status {
            status,
            retry_after,
            message,
        } => {
            return error(&shared, *status, kind_of(*status), message, *retry_after);
        }
        Plan::Reply { text, calls, .. } => (text.concat(), calls.as_slice()),
        Plan::Cut { text } => (text.concat(), &[][..]),
        Plan::Malformed => (String::new(), &[][..]),
    };
    let args: String = calls.iter().map(|c| c.arguments.to_string()).collect();
    let prompt = format!(
        "{}{}",
        json.get("system").map(Value::to_string).unwrap_or_default(),
        json.get("messages")
            .map(Value::to_string)
            .unwrap_or_default()
    );
    let ctx = Ctx {
        id: format!("msg_fake{}", shared.next_seq()),
        model: model.to_owned(),
        input_tokens: tokens(&prompt),
        output_tokens: tokens(&format!("{text}{args}")),
    };
    let (steps, content_type) = if streaming {
        (stream_steps(&ctx, plan), SSE)
    } else {
        (full_steps(&ctx, plan), JSON)
    };
    let headers = [
        ("content-type", content_type.to_owned()),
        ("cache-control", "no-cache".to_owned()),
        ("request-id", format!("req_fake{}", shared.next_seq())),
    ];
    respond(
        200,
        &headers,
        stream::body(steps, Arc::clone(&shared.holds)),
    )
}

/// The SSE events of a reply.
fn stream_steps(ctx: &Ctx, plan: Plan) -> Vec<Step> {
    let start = event(
        "message_start",
        obj! {"type" => "message_start", "message" => ctx.message(Vec::new(), None, 1)},
    );
    let text_block = || obj! {"type" => "text", "text" => ""};
    let mut steps = vec![start];
    match plan {
        Plan::Status { .. } => steps.clear(),
        Plan::Malformed => {
            steps.push(block_start(0, text_block()));
            let broken = "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":";
            steps.push(Step::Send(format!(
                "event: content_block_delta\ndata: {broken}\n\n"
            )));
            steps.push(event("message_stop", obj! {"type" => "message_stop"}));
        }
        Plan::Cut { text } => {
            steps.push(block_start(0, text_block()));
            steps.push(ping());
            steps.extend(text.iter().map(|c| block_delta(0, text_delta(c))));
            steps.push(Step::Cut);
        }
        Plan::Reply { text, calls, hold } => {
            let mut index = 0u64;
            if !text.is_empty() || calls.is_empty() {
                steps.push(block_start(0, text_block()));
                steps.push(ping());
                steps.extend(text.iter().map(|c| block_delta(0, text_delta(c))));
                if hold {
                    steps.push(Step::Hold);
                }
                steps.push(block_stop(0));
                index = 1;
            } else {
                steps.push(ping());
            }
            for call in &calls {
                let block = obj! {"type" => "tool_use", "id" => &call.id, "name" => &call.name, "input" => obj! {}};
                steps.push(block_start(index, block));
                let json_delta =
                    |partial: &str| obj! {"type" => "input_json_delta", "partial_json" => partial};
                steps.push(block_delta(index, json_delta("")));
                for fragment in split(&call.arguments.to_string(), 3) {
                    steps.push(block_delta(index, json_delta(&fragment)));
                }
                steps.push(block_stop(index));
                index += 1;
            }
            let stop_reason = if calls.is_empty() {
                "end_turn"
            } else {
                "tool_use"
            };
            let delta = obj! {
                "type" => "message_delta",
                "delta" => obj! {"stop_reason" => stop_reason, "stop_sequence" => J::Null},
                "usage" => obj! {"output_tokens" => ctx.output_tokens},
            };
            steps.push(event("message_delta", delta));
            steps.push(event("message_stop", obj! {"type" => "message_stop"}));
        }
    }
    steps
}

/// The one JSON body of a non-streaming reply.
fn full_steps(ctx: &Ctx, plan: Plan) -> Vec<Step> {
    match plan {
        Plan::Status { .. } => Vec::new(),
        Plan::Malformed => vec![Step::Send(format!(
            "{{\"id\":\"{}\",\"type\":\"message\",\"content\":[{{",
            ctx.id
        ))],
        Plan::Cut { text } => {
            let full = full_message(ctx, &text.concat(), &[]);
            let half: String = full.chars().take(full.chars().count() / 2).collect();
            vec![Step::Send(half), Step::Cut]
        }
        Plan::Reply { text, calls, hold } => {
            let mut steps = Vec::new();
            if hold {
                steps.push(Step::Hold);
            }
            steps.push(Step::Send(full_message(ctx, &text.concat(), &calls)));
            steps
        }
    }
}

/// A complete `message` object.
fn full_message(ctx: &Ctx, text: &str, calls: &[ToolCall]) -> String {
    let mut content = Vec::new();
    if !text.is_empty() || calls.is_empty() {
        content.push(obj! {"type" => "text", "text" => text});
    }
    for call in calls {
        content.push(obj! {"type" => "tool_use", "id" => &call.id, "name" => &call.name, "input" => call.arguments.clone()});
    }
    let stop_reason = if calls.is_empty() {
        "end_turn"
    } else {
        "tool_use"
    };
    ctx.message(content, Some(stop_reason), ctx.output_tokens)
        .render()
}
