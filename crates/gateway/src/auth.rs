//! Gateway credentials: resolving or generating the token, and checking what clients send.

use crate::config::{AuthConfig, AuthMode};
use std::path::Path;
use subtle::ConstantTimeEq;
use tidepool_protocol::error::detail_codes;

/// Environment variable that overrides the token.
pub const TOKEN_ENV: &str = "TIDEPOOL_GATEWAY_TOKEN";
/// OpenClaw's variable, honoured for compatibility.
pub const OPENCLAW_TOKEN_ENV: &str = "OPENCLAW_GATEWAY_TOKEN";
/// Environment variable that overrides the password.
pub const PASSWORD_ENV: &str = "TIDEPOOL_GATEWAY_PASSWORD";

/// The secret the gateway checks. Debug output never shows it.
#[derive(Clone)]
pub enum Credential {
    /// No auth (loopback only).
    None,
    /// Shared token.
    Token(String),
    /// Shared password.
    Password(String),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::None => f.write_str("None"),
            Credential::Token(_) => f.write_str("Token(<redacted>)"),
            Credential::Password(_) => f.write_str("Password(<redacted>)"),
        }
    }
}

/// Where the token came from (logged, never the value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// `TIDEPOOL_GATEWAY_TOKEN` / `OPENCLAW_GATEWAY_TOKEN`.
    Env,
    /// `gateway.auth.token` in the config.
    Config,
    /// The state dir's `gateway.token` file.
    File,
    /// Generated at this start and saved to `gateway.token`.
    Generated,
}

/// Why credentials could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum AuthSetupError {
    /// `password` mode without a password.
    #[error(
        "gateway.auth.mode is \"password\" but no password is set: add gateway.auth.password or set {PASSWORD_ENV}"
    )]
    NoPassword,
    /// A secret reference that cannot be resolved.
    #[error("gateway.auth: {0}")]
    Secret(crate::config::secret::SecretError),
    /// A token too short to be safe.
    #[error(
        "the gateway token is {0} characters; use at least 16 (or remove it to have one generated)"
    )]
    WeakToken(usize),
    /// The token file could not be read or written.
    #[error("cannot {action} token file {path}: {source}")]
    TokenFile {
        /// `read` or `write`.
        action: &'static str,
        /// File.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
}

const MIN_TOKEN_LEN: usize = 16;

/// Resolves the credential: env, then config, then the token file, else a new token saved 0600.
pub fn resolve(
    cfg: &AuthConfig,
    token_file: &Path,
    store: &dyn crate::config::secret::StoreLookup,
) -> Result<(Credential, Option<TokenSource>), AuthSetupError> {
    let dir = token_file.parent().unwrap_or_else(|| Path::new("."));
    let secret =
        |s: &Option<crate::config::secret::Secret>| -> Result<Option<String>, AuthSetupError> {
            s.as_ref()
                .map(|s| s.resolve(dir, store).map_err(AuthSetupError::Secret))
                .transpose()
                .map(|v| v.filter(|v| !v.is_empty()))
        };
    match cfg.mode {
        AuthMode::None => Ok((Credential::None, None)),
        AuthMode::Password => {
            let pw = std::env::var(PASSWORD_ENV)
                .ok()
                .filter(|s| !s.is_empty())
                .map(Ok)
                .or_else(|| secret(&cfg.password).transpose())
                .transpose()?
                .ok_or(AuthSetupError::NoPassword)?;
            Ok((Credential::Password(pw), None))
        }
        AuthMode::Token => {
            let (token, source) = if let Some(t) = env_token() {
                (t, TokenSource::Env)
            } else if let Some(t) = secret(&cfg.token)? {
                (t, TokenSource::Config)
            } else if let Some(t) = read_token_file(token_file)? {
                (t, TokenSource::File)
            } else {
                let t = generate_token();
                write_token_file(token_file, &t)?;
                (t, TokenSource::Generated)
            };
            if token.chars().count() < MIN_TOKEN_LEN {
                return Err(AuthSetupError::WeakToken(token.chars().count()));
            }
            Ok((Credential::Token(token), Some(source)))
        }
    }
}

/// The token from `TIDEPOOL_GATEWAY_TOKEN` (or OpenClaw's variable), when set and not empty.
pub fn env_token() -> Option<String> {
    [TOKEN_ENV, OPENCLAW_TOKEN_ENV]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .map(|s| s.trim().to_owned())
        .find(|s| !s.is_empty())
}

/// Reads a token file; `None` when it does not exist or is empty.
pub fn read_token_file(path: &Path) -> Result<Option<String>, AuthSetupError> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(s.trim().to_owned()).filter(|s| !s.is_empty())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(AuthSetupError::TokenFile {
            action: "read",
            path: path.display().to_string(),
            source,
        }),
    }
}

/// A new random token: 32 bytes from the OS RNG, hex-encoded (64 characters).
pub fn generate_token() -> String {
    tidepool_platform::new_token()
}

fn write_token_file(path: &Path, token: &str) -> Result<(), AuthSetupError> {
    crate::fsutil::write_private(path, token.as_bytes()).map_err(|source| {
        AuthSetupError::TokenFile {
            action: "write",
            path: path.display().to_string(),
            source,
        }
    })
}

/// The outcome of checking a client's credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    /// Nothing was sent.
    Missing(&'static str),
    /// What was sent does not match.
    Mismatch(&'static str),
}

impl AuthFailure {
    /// The `details.code`.
    pub fn detail_code(&self) -> &'static str {
        match self {
            AuthFailure::Missing(c) | AuthFailure::Mismatch(c) => c,
        }
    }

    /// A message telling the user what to do.
    pub fn message(&self) -> &'static str {
        match self.detail_code() {
            detail_codes::AUTH_TOKEN_MISSING => {
                "unauthorized: this gateway requires a token (pass --token or set TIDEPOOL_GATEWAY_TOKEN; on the gateway's own machine `tidepool` finds it by itself)"
            }
            detail_codes::AUTH_TOKEN_MISMATCH => {
                "unauthorized: gateway token mismatch (check --token / TIDEPOOL_GATEWAY_TOKEN against the token the gateway uses)"
            }
            detail_codes::AUTH_PASSWORD_MISSING => "unauthorized: this gateway requires a password",
            _ => "unauthorized: gateway password mismatch",
        }
    }
}

/// Checks what a client sent against the credential, in constant time.
pub fn verify(
    cred: &Credential,
    token: Option<&str>,
    password: Option<&str>,
) -> Result<(), AuthFailure> {
    let check = |expected: &str, given: Option<&str>, missing, mismatch| match given {
        None | Some("") => Err(AuthFailure::Missing(missing)),
        Some(g) if bool::from(g.as_bytes().ct_eq(expected.as_bytes())) => Ok(()),
        Some(_) => Err(AuthFailure::Mismatch(mismatch)),
    };
    match cred {
        Credential::None => Ok(()),
        Credential::Token(t) => check(
            t,
            token,
            detail_codes::AUTH_TOKEN_MISSING,
            detail_codes::AUTH_TOKEN_MISMATCH,
        ),
        Credential::Password(p) => check(
            p,
            password.or(token),
            detail_codes::AUTH_PASSWORD_MISSING,
            detail_codes::AUTH_PASSWORD_MISMATCH,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_table() {
        let c = Credential::Token("0123456789abcdef".into());
        assert_eq!(verify(&c, Some("0123456789abcdef"), None), Ok(()));
        assert_eq!(
            verify(&c, None, None).unwrap_err().detail_code(),
            detail_codes::AUTH_TOKEN_MISSING
        );
        assert_eq!(
            verify(&c, Some(""), None).unwrap_err().detail_code(),
            detail_codes::AUTH_TOKEN_MISSING
        );
        assert_eq!(
            verify(&c, Some("0123456789abcdeX"), None)
                .unwrap_err()
                .detail_code(),
            detail_codes::AUTH_TOKEN_MISMATCH
        );
        assert_eq!(verify(&Credential::None, None, None), Ok(()));
        assert!(!format!("{c:?}").contains("0123"));
    }

    #[test]
    fn generated_token_is_saved_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("gateway.token");
        let cfg = AuthConfig::default();
        let (a, src) = resolve(&cfg, &file, &crate::config::secret::NoStore).unwrap();
        assert_eq!(src, Some(TokenSource::Generated));
        let (b, src) = resolve(&cfg, &file, &crate::config::secret::NoStore).unwrap();
        assert_eq!(src, Some(TokenSource::File));
        match (a, b) {
            (Credential::Token(a), Credential::Token(b)) => {
                assert_eq!(a, b);
                assert_eq!(a.len(), 64);
            }
            other => panic!("unexpected {other:?}"),
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn weak_configured_token_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = AuthConfig {
            token: Some(crate::config::secret::Secret::Plain("short".into())),
            ..AuthConfig::default()
        };
        let err = resolve(&cfg, &dir.path().join("t"), &crate::config::secret::NoStore)
            .unwrap_err()
            .to_string();
        assert!(err.contains("5 characters"), "{err}");
    }
}
