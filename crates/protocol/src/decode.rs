//! Decoding of client text frames into requests, with specific errors for every way a frame
//! can be wrong. Never panics, whatever the input (see the property tests).

use crate::frames::RequestFrame;
use crate::jsonrpc::JsonRpcRequest;
use serde_json::{Map, Value};
use std::fmt;

/// A decoded client frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    /// A native `{type:"req"}` frame.
    Request(RequestFrame),
    /// A JSON-RPC 2.0 request.
    JsonRpc(JsonRpcRequest),
}

impl Inbound {
    /// The method name.
    pub fn method(&self) -> &str {
        match self {
            Inbound::Request(r) => &r.method,
            Inbound::JsonRpc(r) => &r.method,
        }
    }
}

/// Why a frame could not be decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeError {
    /// What was wrong.
    pub kind: DecodeErrorKind,
    /// The request id, if one could still be read (so the error can be correlated).
    pub id: Option<Value>,
    /// Whether the frame looked like JSON-RPC (answer in JSON-RPC form).
    pub json_rpc: bool,
}

/// The kinds of decode failure.
#[derive(Debug, Clone, PartialEq)]
pub enum DecodeErrorKind {
    /// Not valid JSON.
    MalformedJson {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// The parser's description.
        reason: String,
    },
    /// Valid JSON but not an object.
    NotAnObject,
    /// No `type` field (and no `jsonrpc` field).
    MissingType,
    /// A `type` the client may not send (`res`, `event`) or an unknown one.
    UnexpectedType(String),
    /// A required field is absent.
    MissingField(&'static str),
    /// A field has the wrong type or an invalid value.
    InvalidField {
        /// Field name.
        field: String,
        /// What was expected.
        expected: &'static str,
    },
    /// A field that frames do not have.
    UnknownField(String),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            DecodeErrorKind::MalformedJson {
                line,
                column,
                reason,
            } => write!(
                f,
                "frame is not valid JSON at line {line}, column {column}: {reason}"
            ),
            DecodeErrorKind::NotAnObject => {
                f.write_str("frame must be a JSON object like {\"type\":\"req\",\"id\":\"1\",\"method\":\"health\"}")
            }
            DecodeErrorKind::MissingType => f.write_str(
                "frame has no \"type\" field: send {\"type\":\"req\",...} or a JSON-RPC 2.0 request",
            ),
            DecodeErrorKind::UnexpectedType(t) => write!(
                f,
                "frame type \"{t}\" cannot be sent to the gateway: clients send \"req\" frames"
            ),
            DecodeErrorKind::MissingField(field) => {
                write!(f, "frame is missing the required field \"{field}\"")
            }
            DecodeErrorKind::InvalidField { field, expected } => {
                write!(f, "frame field \"{field}\" must be {expected}")
            }
            DecodeErrorKind::UnknownField(field) => write!(
                f,
                "frame has an unknown field \"{field}\" (allowed: type, id, method, params, traceparent)"
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

const MAX_ID_LEN: usize = 256;
const MAX_METHOD_LEN: usize = 128;
const MAX_TRACEPARENT_LEN: usize = 128;

/// Decodes one client text frame.
pub fn decode_inbound(text: &str) -> Result<Inbound, DecodeError> {
    let value: Value = serde_json::from_str(text).map_err(|e| DecodeError {
        kind: DecodeErrorKind::MalformedJson {
            line: e.line(),
            column: e.column(),
            reason: strip_position(&e.to_string()),
        },
        id: None,
        // A JSON-RPC client expects its parse error (-32700) as a JSON-RPC response.
        json_rpc: text.contains("\"jsonrpc\""),
    })?;
    let Value::Object(obj) = value else {
        return Err(DecodeError {
            kind: DecodeErrorKind::NotAnObject,
            id: None,
            json_rpc: false,
        });
    };
    if obj.contains_key("jsonrpc") {
        decode_json_rpc(obj)
    } else {
        decode_native(obj)
    }
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg.get(..i).unwrap_or(msg).to_owned(),
        None => msg.to_owned(),
    }
}

fn decode_native(mut obj: Map<String, Value>) -> Result<Inbound, DecodeError> {
    let id = obj.get("id").cloned();
    let fail = |kind| DecodeError {
        kind,
        id: id.clone().filter(Value::is_string),
        json_rpc: false,
    };
    match obj.get("type") {
        None => return Err(fail(DecodeErrorKind::MissingType)),
        Some(Value::String(t)) if t == "req" => {}
        Some(Value::String(t)) => return Err(fail(DecodeErrorKind::UnexpectedType(t.clone()))),
        Some(_) => {
            return Err(fail(DecodeErrorKind::InvalidField {
                field: "type".into(),
                expected: "the string \"req\"",
            }));
        }
    }
    if let Some(unknown) = obj.keys().find(|k| {
        !matches!(
            k.as_str(),
            "type" | "id" | "method" | "params" | "traceparent"
        )
    }) {
        return Err(fail(DecodeErrorKind::UnknownField(unknown.clone())));
    }
    let id = match obj.remove("id") {
        None => return Err(fail(DecodeErrorKind::MissingField("id"))),
        Some(Value::String(s)) if !s.is_empty() && s.len() <= MAX_ID_LEN => s,
        Some(_) => {
            return Err(fail(DecodeErrorKind::InvalidField {
                field: "id".into(),
                expected: "a non-empty string of at most 256 bytes",
            }));
        }
    };
    let fail = |kind| DecodeError {
        kind,
        id: Some(Value::String(id.clone())),
        json_rpc: false,
    };
    let method = match obj.remove("method") {
        None => return Err(fail(DecodeErrorKind::MissingField("method"))),
        Some(Value::String(s)) if !s.is_empty() && s.len() <= MAX_METHOD_LEN => s,
        Some(_) => {
            return Err(fail(DecodeErrorKind::InvalidField {
                field: "method".into(),
                expected: "a non-empty string of at most 128 bytes",
            }));
        }
    };
    let traceparent = match obj.remove("traceparent") {
        None => None,
        Some(Value::String(s)) if s.len() <= MAX_TRACEPARENT_LEN => Some(s),
        Some(_) => {
            return Err(fail(DecodeErrorKind::InvalidField {
                field: "traceparent".into(),
                expected: "a string of at most 128 bytes",
            }));
        }
    };
    Ok(Inbound::Request(RequestFrame {
        id,
        method,
        params: obj.remove("params"),
        traceparent,
    }))
}

fn decode_json_rpc(mut obj: Map<String, Value>) -> Result<Inbound, DecodeError> {
    let id = obj.remove("id");
    let fail = |kind| DecodeError {
        kind,
        id: id.clone(),
        json_rpc: true,
    };
    if obj.get("jsonrpc") != Some(&Value::String("2.0".into())) {
        return Err(fail(DecodeErrorKind::InvalidField {
            field: "jsonrpc".into(),
            expected: "the string \"2.0\"",
        }));
    }
    if let Some(ref v) = id
        && !(v.is_string() || v.is_number() || v.is_null())
    {
        return Err(DecodeError {
            kind: DecodeErrorKind::InvalidField {
                field: "id".into(),
                expected: "a string, a number or null",
            },
            id: None,
            json_rpc: true,
        });
    }
    if let Some(unknown) = obj
        .keys()
        .find(|k| !matches!(k.as_str(), "jsonrpc" | "method" | "params"))
    {
        return Err(fail(DecodeErrorKind::UnknownField(unknown.clone())));
    }
    let method = match obj.remove("method") {
        None => return Err(fail(DecodeErrorKind::MissingField("method"))),
        Some(Value::String(s)) if !s.is_empty() && s.len() <= MAX_METHOD_LEN => s,
        Some(_) => {
            return Err(fail(DecodeErrorKind::InvalidField {
                field: "method".into(),
                expected: "a non-empty string of at most 128 bytes",
            }));
        }
    };
    let params = match obj.remove("params") {
        None => None,
        Some(Value::Array(a)) if a.is_empty() => None,
        Some(v @ Value::Object(_)) => Some(v),
        Some(_) => {
            return Err(fail(DecodeErrorKind::InvalidField {
                field: "params".into(),
                expected: "an object (named params)",
            }));
        }
    };
    Ok(Inbound::JsonRpc(JsonRpcRequest {
        jsonrpc: "2.0".into(),
        id,
        method,
        params,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> DecodeErrorKind {
        match decode_inbound(text) {
            Err(e) => e.kind,
            Ok(v) => panic!("expected an error for {text}, got {v:?}"),
        }
    }

    #[test]
    fn table_of_bad_frames() {
        let cases: &[(&str, &str)] = &[
            ("{", "not valid JSON at line 1, column 1"),
            ("[1,2]", "must be a JSON object"),
            ("\"req\"", "must be a JSON object"),
            ("{}", "no \"type\" field"),
            (
                r#"{"type":"res","id":"1","ok":true}"#,
                "type \"res\" cannot be sent",
            ),
            (
                r#"{"type":"event","event":"x"}"#,
                "type \"event\" cannot be sent",
            ),
            (r#"{"type":"nope"}"#, "type \"nope\" cannot be sent"),
            (r#"{"type":5}"#, "field \"type\" must be the string"),
            (
                r#"{"type":"req","method":"health"}"#,
                "missing the required field \"id\"",
            ),
            (
                r#"{"type":"req","id":"","method":"health"}"#,
                "field \"id\" must be",
            ),
            (
                r#"{"type":"req","id":7,"method":"health"}"#,
                "field \"id\" must be",
            ),
            (
                r#"{"type":"req","id":"1"}"#,
                "missing the required field \"method\"",
            ),
            (
                r#"{"type":"req","id":"1","method":""}"#,
                "field \"method\" must be",
            ),
            (
                r#"{"type":"req","id":"1","method":"h","extra":1}"#,
                "unknown field \"extra\"",
            ),
            (
                r#"{"type":"req","id":"1","method":"h","traceparent":3}"#,
                "traceparent",
            ),
            (
                r#"{"jsonrpc":"1.0","id":1,"method":"health"}"#,
                "\"jsonrpc\" must be",
            ),
            (
                r#"{"jsonrpc":"2.0","id":{},"method":"health"}"#,
                "\"id\" must be a string",
            ),
            (
                r#"{"jsonrpc":"2.0","id":1}"#,
                "missing the required field \"method\"",
            ),
            (
                r#"{"jsonrpc":"2.0","id":1,"method":"h","params":[1]}"#,
                "\"params\" must be an object",
            ),
        ];
        for (input, expected) in cases {
            let err = match decode_inbound(input) {
                Err(e) => e.to_string(),
                Ok(v) => panic!("{input} decoded to {v:?}"),
            };
            assert!(
                err.contains(expected),
                "{input}: {err:?} lacks {expected:?}"
            );
        }
    }

    #[test]
    fn errors_keep_the_request_id_for_correlation() {
        let e = decode_inbound(r#"{"type":"req","id":"abc","method":7}"#).err();
        assert_eq!(e.and_then(|e| e.id), Some(Value::String("abc".into())));
        let e = decode_inbound(r#"{"jsonrpc":"2.0","id":9,"method":7}"#).err();
        assert_eq!(e.as_ref().and_then(|e| e.id.clone()), Some(Value::from(9)));
        assert!(e.is_some_and(|e| e.json_rpc));
    }

    #[test]
    fn good_frames_decode() {
        let r = decode_inbound(r#"{"type":"req","id":"1","method":"health","params":{}}"#);
        assert!(matches!(r, Ok(Inbound::Request(ref f)) if f.method == "health" && f.id == "1"));
        let r = decode_inbound(r#"{"jsonrpc":"2.0","id":"x","method":"status","params":[]}"#);
        assert!(
            matches!(r, Ok(Inbound::JsonRpc(ref f)) if f.method == "status" && f.params.is_none())
        );
        assert!(matches!(
            kind("{ \"type\": \"req\" "),
            DecodeErrorKind::MalformedJson { .. }
        ));
    }
}
