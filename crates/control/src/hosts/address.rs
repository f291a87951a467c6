//! What a user types for a host: `user@host[:port]`, `[v6]:port`, or an `~/.ssh/config` alias.
//! Checked before anything runs: every part ends up as an argument of `ssh`, so nothing that
//! could read as an option (`-oProxyCommand=…`) or carry shell syntax gets through.

use serde::{Deserialize, Serialize};

/// A host to reach over SSH.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct HostSpec {
    /// Host name, address or `~/.ssh/config` alias (IPv6 without brackets).
    pub host: String,
    /// Login user (else the one `ssh` picks: the config's, or yours).
    pub user: Option<String>,
    /// Port (else the config's, or 22).
    pub port: Option<u16>,
}

/// Why a host could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// Nothing typed.
    #[error("type a host: user@host, host:port or a name from ~/.ssh/config")]
    Empty,
    /// Whitespace, control characters or quotes.
    #[error("`{0}` has spaces, quotes or control characters: a host is user@host[:port]")]
    BadCharacters(String),
    /// An option-like or otherwise impossible host.
    #[error(
        "`{0}` is not a host name or address (letters, digits, `.`, `-` and `_`, not starting with `-` or `.`)"
    )]
    BadHost(String),
    /// An impossible user name.
    #[error("`{0}` is not a user name (letters, digits, `.`, `-` and `_`, not starting with `-`)")]
    BadUser(String),
    /// A port out of range.
    #[error("`{0}` is not a port: use 1 to 65535")]
    BadPort(String),
}

impl HostSpec {
    /// Parses `user@host[:port]`, `host`, `[::1]:2222` or an alias.
    pub fn parse(text: &str) -> Result<HostSpec, AddressError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(AddressError::Empty);
        }
        if t.chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '\\'))
        {
            return Err(AddressError::BadCharacters(t.to_owned()));
        }
        let (user, rest) = match t.split_once('@') {
            Some((u, r)) => (Some(u), r),
            None => (None, t),
        };
        let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
            let (h, after) = inner
                .split_once(']')
                .ok_or_else(|| AddressError::BadHost(rest.to_owned()))?;
            let port = match after {
                "" => None,
                p => Some(
                    p.strip_prefix(':')
                        .ok_or_else(|| AddressError::BadHost(rest.to_owned()))?,
                ),
            };
            if h.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(AddressError::BadHost(rest.to_owned()));
            }
            (h, port)
        } else if rest.matches(':').count() > 1 {
            // A bare IPv6 address, no port.
            if rest.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(AddressError::BadHost(rest.to_owned()));
            }
            (rest, None)
        } else {
            match rest.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (rest, None),
            }
        };
        if !host.contains(':') {
            check_name(host).map_err(|()| AddressError::BadHost(host.to_owned()))?;
        }
        let user = match user {
            Some(u) => {
                check_user(u).map_err(|()| AddressError::BadUser(u.to_owned()))?;
                Some(u.to_owned())
            }
            None => None,
        };
        let port = match port {
            Some(p) => Some(
                p.parse::<u16>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| AddressError::BadPort(p.to_owned()))?,
            ),
            None => None,
        };
        Ok(HostSpec {
            host: host.to_owned(),
            user,
            port,
        })
    }

    /// Checks a spec built from parts (e.g. read back from the store).
    pub fn validate(&self) -> Result<(), AddressError> {
        let again = HostSpec::parse(&self.to_string())?;
        if again == *self {
            Ok(())
        } else {
            Err(AddressError::BadHost(self.host.clone()))
        }
    }

    /// The `known_hosts` name: `host` on port 22, `[host]:port` otherwise.
    pub fn known_hosts_name(&self) -> String {
        match self.port {
            Some(p) if p != 22 => format!("[{}]:{p}", self.host),
            _ => self.host.clone(),
        }
    }
}

impl std::fmt::Display for HostSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(u) = &self.user {
            write!(f, "{u}@")?;
        }
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        match (self.port, self.host.contains(':')) {
            (Some(p), _) => write!(f, "{host}:{p}"),
            (None, true) => write!(f, "{}", self.host),
            (None, false) => write!(f, "{host}"),
        }
    }
}

fn check_name(h: &str) -> Result<(), ()> {
    let ok = !h.is_empty()
        && h.len() <= 253
        && !h.starts_with(['-', '.'])
        && h.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok { Ok(()) } else { Err(()) }
}

fn check_user(u: &str) -> Result<(), ()> {
    let ok = !u.is_empty()
        && u.len() <= 64
        && !u.starts_with('-')
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok { Ok(()) } else { Err(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(host: &str, user: Option<&str>, port: Option<u16>) -> HostSpec {
        HostSpec {
            host: host.into(),
            user: user.map(Into::into),
            port,
        }
    }

    #[test]
    fn hosts_users_and_ports_parse() {
        let table = [
            ("vps", spec("vps", None, None)),
            (
                "  root@203.0.113.7 ",
                spec("203.0.113.7", Some("root"), None),
            ),
            (
                "me@my-host.example.com:2222",
                spec("my-host.example.com", Some("me"), Some(2222)),
            ),
            ("[::1]:2200", spec("::1", None, Some(2200))),
            (
                "deploy@[2001:db8::1]",
                spec("2001:db8::1", Some("deploy"), None),
            ),
            ("fe80::1", spec("fe80::1", None, None)),
            (
                "under_score.local:22",
                spec("under_score.local", None, Some(22)),
            ),
        ];
        for (text, want) in table {
            let got = HostSpec::parse(text).unwrap();
            assert_eq!(got, want, "{text}");
            assert_eq!(
                HostSpec::parse(&got.to_string()).unwrap(),
                got,
                "round trip of {text}"
            );
            got.validate().unwrap();
        }
        assert_eq!(spec("h", None, Some(2222)).known_hosts_name(), "[h]:2222");
        assert_eq!(spec("h", None, Some(22)).known_hosts_name(), "h");
    }

    #[test]
    fn options_shell_syntax_and_nonsense_are_refused() {
        type Is = fn(&AddressError) -> bool;
        let table: &[(&str, Is)] = &[
            ("", |e| matches!(e, AddressError::Empty)),
            ("-oProxyCommand=touch /tmp/pwned", |e| {
                matches!(e, AddressError::BadCharacters(_))
            }),
            ("-oProxyCommand=id", |e| {
                matches!(e, AddressError::BadHost(_))
            }),
            ("root@-oProxyCommand=id", |e| {
                matches!(e, AddressError::BadHost(_))
            }),
            ("-lroot@host", |e| matches!(e, AddressError::BadUser(_))),
            ("host;rm", |e| matches!(e, AddressError::BadHost(_))),
            ("$(id)", |e| matches!(e, AddressError::BadHost(_))),
            ("`id`", |e| matches!(e, AddressError::BadHost(_))),
            ("host|nc", |e| matches!(e, AddressError::BadHost(_))),
            ("a b", |e| matches!(e, AddressError::BadCharacters(_))),
            ("host\nProxyCommand x", |e| {
                matches!(e, AddressError::BadCharacters(_))
            }),
            ("'host'", |e| matches!(e, AddressError::BadCharacters(_))),
            ("x@y@z", |e| matches!(e, AddressError::BadHost(_))),
            (".hidden", |e| matches!(e, AddressError::BadHost(_))),
            ("host:0", |e| matches!(e, AddressError::BadPort(_))),
            ("host:99999", |e| matches!(e, AddressError::BadPort(_))),
            ("host:-1", |e| matches!(e, AddressError::BadPort(_))),
            ("[nothex]:22", |e| matches!(e, AddressError::BadHost(_))),
            ("[::1]x", |e| matches!(e, AddressError::BadHost(_))),
            ("u$er@host", |e| matches!(e, AddressError::BadUser(_))),
        ];
        for (text, want) in table {
            let e = HostSpec::parse(text).unwrap_err();
            assert!(want(&e), "{text:?} gave {e:?}");
            assert!(!e.to_string().is_empty());
        }
        // A spec assembled from parts is held to the same rules.
        assert!(spec("-oProxyCommand=id", None, None).validate().is_err());
        assert!(spec("ok", Some("-l"), None).validate().is_err());
    }
}
