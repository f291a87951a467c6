//! Property tests of the frame decoder: no input makes it panic, valid frames round-trip, and
//! every error message is specific. `PROPTEST_CASES` raises the count (CI uses the default).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use serde_json::{Value, json};
use tidepool_protocol::{Inbound, decode_inbound};

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

/// Arbitrary JSON values, biased towards frame-like objects.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("req"),
            Just("res"),
            Just("event"),
            Just("2.0"),
            Just("health"),
            Just("")
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("type".to_string()),
                    Just("id".to_string()),
                    Just("method".to_string()),
                    Just("params".to_string()),
                    Just("jsonrpc".to_string()),
                    Just("traceparent".to_string()),
                    "[a-z]{1,6}".prop_map(String::from),
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        if let Err(e) = decode_inbound(&text) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn arbitrary_json_never_panics_and_errors_are_specific(v in json_value()) {
        match decode_inbound(&v.to_string()) {
            Ok(Inbound::Request(r)) => {
                prop_assert_eq!(&v["type"], "req");
                prop_assert_eq!(r.method.as_str(), v["method"].as_str().unwrap());
            }
            Ok(Inbound::JsonRpc(r)) => {
                prop_assert_eq!(&v["jsonrpc"], "2.0");
                prop_assert_eq!(r.method.as_str(), v["method"].as_str().unwrap());
            }
            Err(e) => {
                let msg = e.to_string();
                prop_assert!(msg.starts_with("frame"), "{}", msg);
            }
        }
    }

    #[test]
    fn truncated_valid_frames_are_rejected_cleanly(id in "[a-z0-9]{1,8}", cut in 0usize..60) {
        let text = json!({"type":"req","id":id,"method":"health","params":{"a":[1,2,3]}}).to_string();
        let cut = cut.min(text.len().saturating_sub(1));
        let r = decode_inbound(&text[..cut]);
        prop_assert!(r.is_err());
    }

    #[test]
    fn valid_requests_round_trip(id in "[ -~]{1,40}", method in "[a-z][a-z.-]{0,30}", n in any::<i32>()) {
        let v = json!({"type":"req","id":id,"method":method,"params":{"n":n}});
        match decode_inbound(&v.to_string()) {
            Ok(Inbound::Request(r)) => {
                prop_assert_eq!(r.id, id);
                prop_assert_eq!(r.method, method);
                prop_assert_eq!(r.params.unwrap()["n"].as_i64(), Some(i64::from(n)));
            }
            other => prop_assert!(false, "{:?}", other),
        }
    }
}
