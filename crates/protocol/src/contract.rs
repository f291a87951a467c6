//! The typed contract: each method is a descriptor type naming its wire name, the scope a caller
//! needs, its params and its result; each event names its payload. The gateway registers
//! handlers through the descriptors, `tidepool-client` calls and decodes through them, so the
//! two sides cannot drift apart without a compile error.
//!
//! ```
//! use tidepool_protocol::contract::Method;
//! use tidepool_protocol::config::ConfigGet;
//! assert_eq!(ConfigGet::NAME, "config.get");
//! ```

use crate::Scope;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A gateway method.
pub trait Method {
    /// Wire name, e.g. `config.get`.
    const NAME: &'static str;
    /// The scope a caller must hold.
    const SCOPE: Scope;
    /// What the caller sends.
    type Params: Serialize + DeserializeOwned + Send + Sync + 'static;
    /// What the gateway answers.
    type Result: Serialize + DeserializeOwned + Send + 'static;
}

/// A gateway event.
pub trait Event {
    /// Wire name, e.g. `config.changed`.
    const NAME: &'static str;
    /// Its payload.
    type Payload: Serialize + DeserializeOwned + Send + 'static;
}

/// Params of a method that takes none: `{}` on the wire (anything else is ignored, as
/// OpenClaw's schema allows for these).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
pub struct NoParams {}

impl Serialize for NoParams {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        s.serialize_map(Some(0))?.end()
    }
}

/// Declares method descriptors:
/// `method!(/// doc\n ConfigGet = "config.get", Read, NoParams => ConfigGetResult);`
#[macro_export]
macro_rules! method {
    ($($(#[$doc:meta])* $ty:ident = $name:literal, $scope:ident, $params:ty => $result:ty;)+) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy)]
            pub struct $ty;
            impl $crate::contract::Method for $ty {
                const NAME: &'static str = $name;
                const SCOPE: $crate::Scope = $crate::Scope::$scope;
                type Params = $params;
                type Result = $result;
            }
        )+
    };
}

/// Declares event descriptors: `event!(/// doc\n ConfigChanged = "config.changed" => ConfigChangedPayload);`
#[macro_export]
macro_rules! event {
    ($($(#[$doc:meta])* $ty:ident = $name:literal => $payload:ty;)+) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy)]
            pub struct $ty;
            impl $crate::contract::Event for $ty {
                const NAME: &'static str = $name;
                type Payload = $payload;
            }
        )+
    };
}

/// Decodes `frame`'s payload as `E`'s, if the frame is that event. `Some(Err)` means the
/// event came but its payload does not have the contract's shape.
pub fn decode_event<E: Event>(
    frame: &crate::EventFrame,
) -> Option<Result<E::Payload, serde_json::Error>> {
    (frame.event == E::NAME)
        .then(|| E::Payload::deserialize(frame.payload.clone().unwrap_or(serde_json::Value::Null)))
}

use serde::Deserialize as _;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_params_is_an_empty_object_and_accepts_extras() {
        assert_eq!(serde_json::to_string(&NoParams {}).unwrap(), "{}");
        let _: NoParams = serde_json::from_str(r#"{"extra": 1}"#).unwrap();
    }

    #[test]
    fn events_decode_by_name_only() {
        let f = crate::EventFrame::new(
            "config.changed",
            serde_json::json!({"hash": "h", "changed": ["a"], "restartRequired": [], "source": "file"}),
        );
        let p = decode_event::<crate::config::ConfigChanged>(&f)
            .unwrap()
            .unwrap();
        assert_eq!(p.changed, ["a"]);
        assert!(decode_event::<crate::sessions::SessionsChanged>(&f).is_none());
        let bad = crate::EventFrame::new("config.changed", serde_json::json!({"hash": 3}));
        assert!(
            decode_event::<crate::config::ConfigChanged>(&bad)
                .unwrap()
                .is_err()
        );
    }
}
