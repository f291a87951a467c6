//! Which config keys are Tidepool's, which are OpenClaw's only, and which nobody knows.
//!
//! A real OpenClaw config must start Tidepool: every key of OpenClaw's config schema is either
//! one Tidepool implements (typed by serde below) or one it accepts and reports as "not
//! supported by Tidepool yet". Only a key neither knows is an error, with a did-you-mean over
//! both sets. The key sets are generated (`known_keys.rs`) from Tidepool's own schema and
//! OpenClaw's (`tests/fixtures/openclaw/config.schema.json.gz`) by the test
//! `crates/gateway/tests/openclaw_config_keys.rs`, which fails when they are stale.
//!
//! Patterns are dotted paths where `*` is any key of a map and `[]` any element of a list,
//! e.g. `models.providers.*.models.[].id`.

use super::known_keys::{OPENCLAW, TIDEPOOL, TIDEPOOL_OPEN};
use serde_json::Value;

/// A key that neither Tidepool nor OpenClaw knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKey {
    /// Concrete path, e.g. `gateway.reloda`.
    pub at: String,
    /// The key itself.
    pub key: String,
    /// The closest known key at that place, if one is close.
    pub suggestion: Option<String>,
}

fn has(set: &[&str], pattern: &str) -> bool {
    set.binary_search(&pattern).is_ok()
}

/// Older OpenClaw releases listed agents in `agents.list[]` with the keys `agents.entries.<id>`
/// has now.
fn openclaw_has(pattern: &str) -> bool {
    has(OPENCLAW, pattern)
        || pattern
            .strip_prefix("agents.list.[]")
            .is_some_and(|rest| has(OPENCLAW, &format!("agents.entries.*{rest}")))
}

/// Appends one path segment (`a` + `b` → `a.b`).
fn push_seg(s: &mut String, seg: &str) {
    if !s.is_empty() {
        s.push('.');
    }
    s.push_str(seg);
}

/// `at` + `.key` as a new string (only for what is reported).
fn concat(at: &str, key: &str) -> String {
    let mut s = at.to_owned();
    push_seg(&mut s, key);
    s
}

/// Removes from `value` the keys OpenClaw knows but Tidepool does not implement, returning
/// their concrete paths in `unsupported`; the first key nobody knows is returned as an error.
pub fn sort_out(value: &mut Value, unsupported: &mut Vec<String>) -> Result<(), UnknownKey> {
    // One buffer each for the pattern and the concrete path: this runs for every key of
    // every config load (a 2,000-line file: ~2,000 keys).
    walk(value, &mut String::new(), &mut String::new(), unsupported)
}

fn walk(
    v: &mut Value,
    pattern: &mut String,
    at: &mut String,
    out: &mut Vec<String>,
) -> Result<(), UnknownKey> {
    if has(TIDEPOOL_OPEN, pattern) {
        return Ok(());
    }
    let (base_p, base_a) = (pattern.len(), at.len());
    match v {
        Value::Object(map) => {
            push_seg(pattern, "*");
            let star_known = has(TIDEPOOL, pattern);
            let star_openclaw = openclaw_has(pattern);
            pattern.truncate(base_p);
            let mut drop = Vec::new();
            for (k, child) in map.iter_mut() {
                push_seg(pattern, k);
                let named = has(TIDEPOOL, pattern);
                if named || star_known {
                    if child.is_object() || child.is_array() {
                        if !named {
                            pattern.truncate(base_p);
                            push_seg(pattern, "*");
                        }
                        push_seg(at, k);
                        let r = walk(child, pattern, at, out);
                        at.truncate(base_a);
                        pattern.truncate(base_p);
                        r?;
                    } else {
                        pattern.truncate(base_p);
                    }
                } else if star_openclaw || openclaw_has(pattern) {
                    pattern.truncate(base_p);
                    drop.push(k.clone());
                    out.push(concat(at, k));
                } else {
                    pattern.truncate(base_p);
                    return Err(UnknownKey {
                        suggestion: suggest(pattern, k),
                        key: k.clone(),
                        at: concat(at, k),
                    });
                }
            }
            for k in drop {
                map.remove(&k);
            }
            Ok(())
        }
        Value::Array(items) => {
            push_seg(pattern, "[]");
            let mut r = Ok(());
            for (i, child) in items.iter_mut().enumerate() {
                if child.is_object() || child.is_array() {
                    at.push('[');
                    at.push_str(itoa::Buffer::new().format(i));
                    at.push(']');
                    r = walk(child, pattern, at, out);
                    at.truncate(base_a);
                    if r.is_err() {
                        break;
                    }
                }
            }
            pattern.truncate(base_p);
            r
        }
        _ => Ok(()),
    }
}

/// The direct children of `pattern` in a sorted pattern set.
fn children<'a>(set: &'a [&'a str], pattern: &str) -> Vec<&'a str> {
    let prefix = if pattern.is_empty() {
        String::new()
    } else {
        format!("{pattern}.")
    };
    let start = set.partition_point(|p| *p < prefix.as_str());
    set.get(start..)
        .unwrap_or_default()
        .iter()
        .take_while(|p| p.starts_with(prefix.as_str()))
        .filter_map(|p| {
            let rest = p.get(prefix.len()..)?;
            (!rest.contains('.') && rest != "*" && rest != "[]").then_some(rest)
        })
        .collect()
}

fn suggest(pattern: &str, key: &str) -> Option<String> {
    let given = key.to_ascii_lowercase();
    children(TIDEPOOL, pattern)
        .into_iter()
        .chain(children(OPENCLAW, pattern))
        .map(|c| (strsim::jaro_winkler(&given, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.to_owned())
}

/// Whether OpenClaw's config schema has this pattern (tests and tools).
pub fn openclaw_knows(pattern: &str) -> bool {
    openclaw_has(pattern)
}

/// Whether Tidepool implements this pattern (tests and tools).
pub fn tidepool_knows(pattern: &str) -> bool {
    has(TIDEPOOL, pattern) || has(TIDEPOOL_OPEN, pattern)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(mut v: Value) -> (Value, Vec<String>, Option<UnknownKey>) {
        let mut out = Vec::new();
        let err = sort_out(&mut v, &mut out).err();
        (v, out, err)
    }

    #[test]
    fn the_sets_are_sorted_for_binary_search() {
        for set in [OPENCLAW, TIDEPOOL, TIDEPOOL_OPEN] {
            assert!(set.windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn openclaw_keys_inside_known_sections_are_set_aside_and_named() {
        let (v, out, err) = run(json!({
            "gateway": { "port": 1, "nodes": { "browser": {} }, "controlUi": { "enabled": true } },
            "agents": { "defaults": { "blockStreamingBreak": "text_end", "workspace": "/w" } },
            "channels": { "telegram": {} },
        }));
        assert_eq!(err, None);
        assert_eq!(
            out,
            [
                "agents.defaults.blockStreamingBreak",
                "channels",
                "gateway.controlUi",
                "gateway.nodes"
            ]
        );
        assert_eq!(
            v,
            json!({ "gateway": { "port": 1 }, "agents": { "defaults": { "workspace": "/w" } } })
        );
    }

    #[test]
    fn a_key_nobody_knows_is_named_with_the_closest_known_one() {
        let (_, _, err) = run(json!({ "gateway": { "relaod": { "mode": "off" } } }));
        let err = err.expect("unknown");
        assert_eq!(err.at, "gateway.relaod");
        assert_eq!(err.suggestion.as_deref(), Some("reload"));
        // An OpenClaw-only key is suggested too: it is a real key, only not implemented.
        let (_, _, err) = run(json!({ "gateway": { "tailscal": {} } }));
        assert_eq!(
            err.expect("unknown").suggestion.as_deref(),
            Some("tailscale")
        );
        let (_, _, err) = run(json!({ "gatway": {} }));
        assert_eq!(err.expect("unknown").suggestion.as_deref(), Some("gateway"));
        let (_, _, err) = run(json!({ "zzz": 1 }));
        assert_eq!(err.expect("unknown").suggestion, None);
    }

    #[test]
    fn map_entries_and_list_items_are_walked() {
        let (_, out, err) = run(json!({ "models": { "providers": { "mine": {
            "baseUrl": "http://x", "authHeader": true,
            "models": [{ "id": "m", "compat": {} }],
        } } } }));
        assert_eq!(err, None);
        assert!(
            out.contains(&"models.providers.mine.authHeader".to_owned()),
            "{out:?}"
        );
        assert!(
            out.contains(&"models.providers.mine.models[0].compat".to_owned()),
            "{out:?}"
        );
    }
}
