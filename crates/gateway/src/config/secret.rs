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

/// Why a secret reference has no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// `{ source: "env" }` names a variable that is not set.
    #[error("environment variable {0} (a secret reference) is not set")]
    EnvUnset(String),
    /// `{ source: "file" }` names a file that cannot be read.
    #[error("cannot read the secret file {path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// `{ source: "store" }`: the store has no such secret, or cannot be read.
    #[error("{0}")]
    Store(String),
}

/// Where `{ source: "store" }` references are looked up.
pub trait StoreLookup {
    /// The value stored under `id`, or why there is none.
    fn lookup(&self, id: &str) -> Result<String, SecretError>;
    /// A secret value just resolved (from any source), to be masked from now on.
    fn remember(&self, _value: &str) {}
}

/// No store (the CLI validating a file, tests).
#[derive(Debug, Clone, Copy)]
pub struct NoStore;

impl StoreLookup for NoStore {
    fn lookup(&self, id: &str) -> Result<String, SecretError> {
        Err(SecretError::Store(format!(
            "the secrets store is only read by the running gateway ({{ source: \"store\", id: \"{id}\" }})"
        )))
    }
}

impl Secret {
    /// The secret's value. `config_dir` anchors `file` references; `store` answers `store`
    /// ones. Whatever the source, the value is handed to `store.remember` for masking.
    pub fn resolve(
        &self,
        config_dir: &Path,
        store: &dyn StoreLookup,
    ) -> Result<String, SecretError> {
        let v = self.resolve_raw(config_dir, store)?;
        store.remember(&v);
        Ok(v)
    }

    fn resolve_raw(
        &self,
        config_dir: &Path,
        store: &dyn StoreLookup,
    ) -> Result<String, SecretError> {
        match self {
            Secret::Plain(s) => Ok(s.clone()),
            Secret::Ref(r) => match r.source {
                SecretSource::Env => {
                    std::env::var(&r.id).map_err(|_| SecretError::EnvUnset(r.id.clone()))
                }
                SecretSource::File => {
                    let p = config_dir.join(&r.id);
                    std::fs::read_to_string(&p)
                        .map(|s| s.trim_end_matches(['\n', '\r']).to_owned())
                        .map_err(|e| SecretError::File {
                            path: p.display().to_string(),
                            reason: e.to_string(),
                        })
                }
                SecretSource::Store => store.lookup(&r.id),
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
        assert_eq!(plain.resolve(dir.path(), &NoStore).unwrap(), "abc");
        assert!(!format!("{plain:?}").contains("abc"));
        let file: Secret = serde_json::from_str(r#"{"source":"file","id":"pw.txt"}"#).unwrap();
        assert_eq!(file.resolve(dir.path(), &NoStore).unwrap(), "from-file");
        let env: Secret =
            serde_json::from_str(r#"{"source":"env","id":"TP_SECRET_REF_UNSET"}"#).unwrap();
        assert!(
            env.resolve(dir.path(), &NoStore)
                .unwrap_err()
                .to_string()
                .contains("TP_SECRET_REF_UNSET")
        );
        let store: Secret = serde_json::from_str(r#"{"source":"store","id":"gw"}"#).unwrap();
        assert!(
            store
                .resolve(dir.path(), &NoStore)
                .unwrap_err()
                .to_string()
                .contains("only read by the running gateway")
        );
        assert!(serde_json::from_str::<Secret>(r#"{"source":"vault","id":"x"}"#).is_err());
    }
}
