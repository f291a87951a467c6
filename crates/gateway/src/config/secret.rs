//! Secret values in the config: plain text, or an OpenClaw-style reference
//! `{ source: "env" | "file" | "store", id }` resolved when the value is used, so the file (and
//! `config.get`) never needs to hold the secret itself.

use serde::Deserialize;
use std::path::Path;

/// A reference to a secret kept elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretRef {
    /// `env` (an environment variable), `file` (a file's contents, relative to the config's
    /// directory) or `store` (the secrets store).
    pub source: SecretSource,
    /// Which one: the variable name, the file path, or the store key.
    pub id: String,
    /// Store provider (OpenClaw); not used by Tidepool.
    #[serde(default)]
    pub provider: Option<String>,
}

/// Where a referenced secret lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SecretSource {
    /// An environment variable.
    Env,
    /// A file.
    File,
    /// The secrets store.
    Store,
}

/// A secret setting: the value itself, or where to find it.
#[derive(Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Secret {
    /// Written in the config (prefer a reference or `${VAR}`).
    Plain(String),
    /// Kept elsewhere.
    Ref(SecretRef),
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Secret::Plain(_) => f.write_str("Plain(<redacted>)"),
            Secret::Ref(r) => write!(f, "Ref({:?}:{})", r.source, r.id),
        }
    }
}

impl Secret {
    /// The secret's value. `config_dir` anchors `file` references.
    pub fn resolve(&self, config_dir: &Path) -> Result<String, String> {
        match self {
            Secret::Plain(s) => Ok(s.clone()),
            Secret::Ref(r) => match r.source {
                SecretSource::Env => std::env::var(&r.id).map_err(|_| {
                    format!(
                        "environment variable {} (a secret reference) is not set",
                        r.id
                    )
                }),
                SecretSource::File => {
                    let p = config_dir.join(&r.id);
                    std::fs::read_to_string(&p)
                        .map(|s| s.trim_end_matches(['\n', '\r']).to_owned())
                        .map_err(|e| format!("cannot read the secret file {}: {e}", p.display()))
                }
                SecretSource::Store => Err(format!(
                    "the secrets store is not available in this version; use {{ source: \"env\" }} or {{ source: \"file\" }} for {}",
                    r.id
                )),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_env_file_and_store() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pw.txt"), "from-file\n").unwrap();
        let plain: Secret = serde_json::from_str(r#""abc""#).unwrap();
        assert_eq!(plain.resolve(dir.path()).unwrap(), "abc");
        assert!(!format!("{plain:?}").contains("abc"));
        let file: Secret = serde_json::from_str(r#"{"source":"file","id":"pw.txt"}"#).unwrap();
        assert_eq!(file.resolve(dir.path()).unwrap(), "from-file");
        let env: Secret =
            serde_json::from_str(r#"{"source":"env","id":"TP_SECRET_REF_UNSET"}"#).unwrap();
        assert!(
            env.resolve(dir.path())
                .unwrap_err()
                .contains("TP_SECRET_REF_UNSET")
        );
        let store: Secret = serde_json::from_str(r#"{"source":"store","id":"gw"}"#).unwrap();
        assert!(
            store
                .resolve(dir.path())
                .unwrap_err()
                .contains("not available")
        );
        assert!(serde_json::from_str::<Secret>(r#"{"source":"vault","id":"x"}"#).is_err());
    }
}
