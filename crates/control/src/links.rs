//! Links the window asks the system to open: only web pages and mail, never a file, a
//! `javascript:` URL or a custom scheme a model wrote into a reply.

use url::Url;

/// Why a link is not opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Not a URL at all.
    #[error("“{0}” is not a web address")]
    NotAUrl(String),
    /// A scheme other than http, https or mailto.
    #[error("links to {0}: addresses are not opened; only web pages (http, https) and mail")]
    Scheme(String),
    /// A web address without a host.
    #[error("“{0}” has no host")]
    NoHost(String),
}

/// The link as the system should open it, or why not.
pub fn external(link: &str) -> Result<Url, LinkError> {
    let trimmed = link.trim();
    let url = Url::parse(trimmed).map_err(|_| LinkError::NotAUrl(shown(trimmed)))?;
    match url.scheme() {
        "http" | "https" if url.host_str().is_some_and(|h| !h.is_empty()) => Ok(url),
        "http" | "https" => Err(LinkError::NoHost(shown(trimmed))),
        "mailto" => Ok(url),
        other => Err(LinkError::Scheme(other.to_owned())),
    }
}

/// At most 80 characters of what was given, for the message.
fn shown(s: &str) -> String {
    let mut out: String = s.chars().take(80).collect();
    if s.chars().count() > 80 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_pages_and_mail_open_and_nothing_else_does() {
        for ok in [
            "https://docs.openclaw.ai/gateway",
            "http://localhost:8080/x?y=1#z",
            "  https://example.com  ",
            "mailto:someone@example.com",
        ] {
            assert!(external(ok).is_ok(), "{ok}");
        }
        let table: &[(&str, LinkError)] = &[
            ("file:///etc/passwd", LinkError::Scheme("file".into())),
            (
                "javascript:alert(1)",
                LinkError::Scheme("javascript".into()),
            ),
            ("vscode://open?x", LinkError::Scheme("vscode".into())),
            ("smb://host/share", LinkError::Scheme("smb".into())),
            ("not a link", LinkError::NotAUrl("not a link".into())),
            (
                "/relative/path",
                LinkError::NotAUrl("/relative/path".into()),
            ),
            ("", LinkError::NotAUrl(String::new())),
        ];
        for (link, want) in table {
            assert_eq!(external(link).as_ref(), Err(want), "{link}");
        }
        let long = format!("x{}", "y".repeat(200));
        let msg = external(&long).unwrap_err().to_string();
        assert!(msg.chars().count() < 120 && msg.contains('…'), "{msg}");
    }
}
