//! `${VAR}` substitution in config strings: uppercase names only, `$${VAR}` for a literal
//! `${VAR}`, and a missing variable is an error naming it. Variables come from the process
//! environment, then `.env` in the working directory, then `.env` in the state directory.

use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

/// Variables from `.env` files (the process environment is consulted first at lookup).
#[derive(Debug, Default, Clone)]
pub struct DotEnv(HashMap<String, String>);

impl DotEnv {
    /// Loads `.env` from the working directory and `state_dir` (earlier files win).
    pub fn load(state_dir: &Path) -> DotEnv {
        let mut vars = HashMap::new();
        let cwd = std::env::current_dir().ok().map(|d| d.join(".env"));
        for file in cwd
            .into_iter()
            .chain(std::iter::once(state_dir.join(".env")))
        {
            if let Ok(iter) = dotenvy::from_path_iter(&file) {
                for (k, v) in iter.flatten() {
                    vars.entry(k).or_insert(v);
                }
            }
        }
        DotEnv(vars)
    }

    /// A fixed set of variables (tests).
    pub fn from_map(vars: HashMap<String, String>) -> DotEnv {
        DotEnv(vars)
    }

    /// Adds a variable unless one of that name is already known.
    pub fn insert(&mut self, name: String, value: String) {
        self.0.entry(name).or_insert(value);
    }

    /// The variable's value: the process environment first, then the `.env` files.
    pub fn lookup(&self, name: &str) -> Option<String> {
        self.get(name)
    }

    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name)
            .ok()
            .or_else(|| self.0.get(name).cloned())
    }
}

/// A `${VAR}` that is not set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingVar {
    /// The variable.
    pub name: String,
    /// The config path of the string that uses it.
    pub at: String,
}

/// Replaces `${VAR}` in every string of `value`.
pub fn substitute(value: &mut Value, env: &DotEnv) -> Result<(), MissingVar> {
    walk(value, ".", env)
}

fn walk(value: &mut Value, path: &str, env: &DotEnv) -> Result<(), MissingVar> {
    match value {
        Value::String(s) if s.contains('$') => {
            *s = expand(s, env).map_err(|name| MissingVar {
                name,
                at: path.to_owned(),
            })?;
        }
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                let p = if path == "." {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(v, &p, env)?;
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                walk(
                    v,
                    &format!("{}[{i}]", if path == "." { "" } else { path }),
                    env,
                )?;
            }
        }
        _ => {}
    }
    Ok(())
}

pub(crate) fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase() || c == '_')
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Expands one string; `Err(name)` for an unset variable.
pub(crate) fn expand(s: &str, env: &DotEnv) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(rest.get(..i).unwrap_or_default());
        let tail = rest.get(i..).unwrap_or_default();
        if let Some(after) = tail.strip_prefix("$${") {
            // `$${VAR}` is the literal text `${VAR}`.
            if let Some(end) = after
                .find('}')
                .filter(|e| is_name(after.get(..*e).unwrap_or_default()))
            {
                out.push_str("${");
                out.push_str(after.get(..=end).unwrap_or_default());
                rest = after.get(end + 1..).unwrap_or_default();
                continue;
            }
        }
        if let Some(after) = tail.strip_prefix("${")
            && let Some(end) = after.find('}')
            && let Some(name) = after.get(..end).filter(|n| is_name(n))
        {
            out.push_str(&env.get(name).ok_or_else(|| name.to_owned())?);
            rest = after.get(end + 1..).unwrap_or_default();
            continue;
        }
        out.push('$');
        rest = tail.get(1..).unwrap_or_default();
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> DotEnv {
        DotEnv::from_map(HashMap::from([
            ("TP_TEST_KEY".to_string(), "sk-123".to_string()),
            ("TP_PORT".to_string(), "9000".to_string()),
        ]))
    }

    #[test]
    fn expansion_table() {
        let cases = [
            ("${TP_TEST_KEY}", Ok("sk-123")),
            ("Bearer ${TP_TEST_KEY}!", Ok("Bearer sk-123!")),
            ("$${TP_TEST_KEY}", Ok("${TP_TEST_KEY}")),
            ("${lower}", Ok("${lower}")),
            ("cost $5", Ok("cost $5")),
            ("${TP_PORT}${TP_PORT}", Ok("90009000")),
            ("${TP_DEFINITELY_UNSET_VAR}", Err("TP_DEFINITELY_UNSET_VAR")),
            ("${unterminated", Ok("${unterminated")),
        ];
        for (input, want) in cases {
            let got = expand(input, &env());
            assert_eq!(got.as_deref().map_err(String::as_str), want, "{input}");
        }
    }

    #[test]
    fn missing_variables_name_their_path() {
        let mut v =
            serde_json::json!({"models": {"providers": {"x": {"apiKey": "${TP_NOPE_KEY}"}}}});
        let e = substitute(&mut v, &env()).unwrap_err();
        assert_eq!(e.name, "TP_NOPE_KEY");
        assert_eq!(e.at, "models.providers.x.apiKey");
    }
}
