//! `web_fetch`: downloads a page with size, time and redirect limits. Loopback, private,
//! link-local and other internal addresses are refused unless allowed, at every redirect, and
//! the checked address is the one connected to (no DNS rebinding in between).

use super::{Tool, ToolCtx, ToolError, args};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

pub(super) fn tool() -> Tool {
    Tool {
        name: "web_fetch",
        group: "web",
        description: "Fetch a web page (http or https) and return its text.",
        schema: || {
            json!({
                "type": "object",
                "properties": { "url": { "type": "string", "description": "http:// or https:// URL" } },
                "required": ["url"],
                "additionalProperties": false
            })
        },
        run: |ctx, v| Box::pin(fetch(ctx, v)),
        stops_itself: false,
    }
}

/// Whether an address is on this machine or a private network.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || (o[0] == 100 && (64..128).contains(&o[1])) // carrier-grade NAT
                || o[0] == 0
                || (o[0] == 198 && (o[1] == 18 || o[1] == 19)) // benchmarking
                || o[0] >= 240
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal(IpAddr::V4(v4));
            }
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link local
                || (s[0] == 0x64 && s[1] == 0xff9b) // NAT64 can reach IPv4 internals
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FetchArgs {
    url: String,
}

async fn fetch(ctx: ToolCtx, v: Value) -> Result<String, ToolError> {
    let a: FetchArgs = args("web_fetch", v)?;
    let limits = ctx.web.clone();
    let work = async move {
        let mut url = url::Url::parse(&a.url)
            .map_err(|e| ToolError(format!("\"{}\" is not a URL: {e}", a.url)))?;
        let mut redirects = 0;
        loop {
            if !matches!(url.scheme(), "http" | "https") {
                return Err(ToolError(format!(
                    "only http and https URLs can be fetched, not {}",
                    url.scheme()
                )));
            }
            let host = url
                .host_str()
                .ok_or_else(|| ToolError(format!("{url} has no host")))?
                .trim_matches(['[', ']'])
                .to_owned();
            let port = url.port_or_known_default().unwrap_or(80);
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
                .await
                .map_err(|e| ToolError(format!("cannot resolve {host}: {e}")))?
                .collect();
            let Some(addr) = addrs
                .iter()
                .copied()
                .find(|a| limits.allow_private_network || !is_internal(a.ip()))
            else {
                return Err(ToolError(format!(
                    "{host} is a local or private-network address; web_fetch refuses those unless tools.web.fetch.allowPrivateNetwork is true"
                )));
            };
            crate::providers::install_crypto();
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .resolve(&host, addr)
                .connect_timeout(Duration::from_secs(10))
                .user_agent(concat!("tidepool/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| ToolError(format!("cannot set up HTTP: {e}")))?;
            let resp = client
                .get(url.clone())
                .send()
                .await
                .map_err(|e| ToolError(format!("fetching {url} failed: {e}")))?;
            let status = resp.status();
            if status.is_redirection() {
                redirects += 1;
                if redirects > limits.max_redirects {
                    return Err(ToolError(format!(
                        "{} redirects, more than the limit of {}",
                        redirects, limits.max_redirects
                    )));
                }
                let loc = resp
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .ok_or_else(|| ToolError(format!("{url} redirected without a Location")))?;
                url = url
                    .join(loc)
                    .map_err(|e| ToolError(format!("bad redirect to {loc}: {e}")))?;
                continue;
            }
            if !status.is_success() {
                return Err(ToolError(format!("{url} answered HTTP {status}")));
            }
            let ctype = resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|c| c.to_str().ok())
                .unwrap_or("")
                .to_ascii_lowercase();
            if let Some(len) = resp.content_length()
                && len > limits.max_bytes
            {
                return Err(ToolError(format!(
                    "{url} is {len} bytes, more than the limit of {}",
                    limits.max_bytes
                )));
            }
            let mut body = Vec::new();
            let mut stream = resp.bytes_stream();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| ToolError(format!("reading {url} failed: {e}")))?;
                if (body.len() + chunk.len()) as u64 > limits.max_bytes {
                    return Err(ToolError(format!(
                        "{url} is larger than the limit of {} bytes",
                        limits.max_bytes
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            let text = String::from_utf8_lossy(&body);
            let mut text = if ctype.contains("html") {
                html_to_text(&text)
            } else {
                text.into_owned()
            };
            if text.chars().count() > limits.max_chars {
                text = text.chars().take(limits.max_chars).collect();
                text.push_str("\n… (cut at tools.web.fetch.maxChars)");
            }
            return Ok(text);
        }
    };
    tokio::time::timeout(Duration::from_secs(ctx.web.timeout_seconds), work)
        .await
        .unwrap_or_else(|_| {
            Err(ToolError(format!(
                "gave up after {} s (tools.web.fetch.timeoutSeconds)",
                ctx.web.timeout_seconds
            )))
        })
}

/// Visible text of an HTML page: scripts and styles dropped, tags removed, entities for the
/// common characters decoded, blank runs collapsed.
fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let lower = html.to_ascii_lowercase();
    let mut i = 0;
    while let Some(rel) = html.get(i..).and_then(|s| s.find('<')) {
        out.push_str(html.get(i..i + rel).unwrap_or_default());
        let tag_start = i + rel;
        let skip_to = ["script", "style", "noscript"].iter().find_map(|t| {
            lower
                .get(tag_start + 1..)
                .filter(|s| s.starts_with(t))
                .and_then(|_| lower.get(tag_start..)?.find(&format!("</{t}")))
                .map(|end| tag_start + end)
        });
        let from = skip_to.unwrap_or(tag_start);
        match html.get(from..).and_then(|s| s.find('>')) {
            Some(end) => {
                let tag = lower.get(tag_start + 1..from + end).unwrap_or_default();
                if ["p", "br", "div", "li", "h1", "h2", "h3", "tr", "/p", "/div"]
                    .iter()
                    .any(|t| tag.starts_with(t))
                {
                    out.push('\n');
                }
                i = from + end + 1;
            }
            None => {
                i = html.len();
            }
        }
    }
    out.push_str(html.get(i..).unwrap_or_default());
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    let mut lines: Vec<String> = Vec::new();
    for l in decoded.lines() {
        let t = l.split_whitespace().collect::<Vec<_>>().join(" ");
        if !t.is_empty() {
            lines.push(t);
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_recognised() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.4",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_internal(a.parse().unwrap()), "{a}");
        }
        for a in ["93.184.216.34", "1.1.1.1", "2606:4700::1111"] {
            assert!(!is_internal(a.parse().unwrap()), "{a}");
        }
    }

    #[test]
    fn html_becomes_readable_text() {
        let t = html_to_text(
            "<html><head><style>p{}</style><script>alert(1)</script></head><body><h1>Title</h1><p>A &amp; B</p></body></html>",
        );
        assert_eq!(t, "Title\nA & B");
    }
}
