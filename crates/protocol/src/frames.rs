//! Request, response and event frames (`{type:"req"|"res"|"event", ...}`).

use crate::error::ErrorShape;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Any frame, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Frame {
    /// A request from a client.
    #[serde(rename = "req")]
    Req(RequestFrame),
    /// A response to one request.
    #[serde(rename = "res")]
    Res(ResponseFrame),
    /// A server-pushed event.
    #[serde(rename = "event")]
    Event(EventFrame),
}

/// `{type:"req", id, method, params?}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestFrame {
    /// Client-chosen id, echoed in the response.
    pub id: String,
    /// Method name, e.g. `health`.
    pub method: String,
    /// Method params; absent means `{}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Value>,
    /// W3C trace context, passed through to logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
}

/// `{type:"res", id, ok, payload|error}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseFrame {
    /// The id of the request this answers.
    pub id: String,
    /// Whether the request succeeded.
    pub ok: bool,
    /// The result when `ok`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
    /// The error when not `ok`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorShape>,
}

impl ResponseFrame {
    /// A successful response.
    pub fn ok(id: impl Into<String>, payload: Value) -> Self {
        ResponseFrame {
            id: id.into(),
            ok: true,
            payload: Some(payload),
            error: None,
        }
    }

    /// A failed response.
    pub fn err(id: impl Into<String>, error: ErrorShape) -> Self {
        ResponseFrame {
            id: id.into(),
            ok: false,
            payload: None,
            error: Some(error),
        }
    }
}

/// Versions of the state a client may cache (presence list, health summary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateVersion {
    /// Bumped whenever the presence list changes.
    pub presence: u64,
    /// Bumped whenever the health summary changes.
    pub health: u64,
}

/// `{type:"event", event, payload?, seq?, stateVersion?}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EventFrame {
    /// Event name, e.g. `tick`.
    pub event: String,
    /// Event payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
    /// Per-connection sequence number of broadcast events, for gap detection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// State versions at the time of the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_version: Option<StateVersion>,
}

impl EventFrame {
    /// An event with a payload and no sequence number.
    pub fn new(event: impl Into<String>, payload: Value) -> Self {
        EventFrame {
            event: event.into(),
            payload: Some(payload),
            seq: None,
            state_version: None,
        }
    }
}

/// Serializes a frame to its JSON text. Serializing these types cannot fail (string keys,
/// no non-finite floats are produced by the gateway), so errors collapse into an error frame.
pub fn encode(frame: &Frame) -> String {
    serde_json::to_string(frame).unwrap_or_else(|e| {
        format!(
            r#"{{"type":"event","event":"error","payload":{{"message":{}}}}}"#,
            Value::String(format!("could not encode frame: {e}"))
        )
    })
}
