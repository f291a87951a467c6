//! File tools confined to the agent's workspace: `read`, `write`, `edit`, `list`. A path that
//! leaves the workspace, by `..`, an absolute path or a symlink, is refused.

use super::{Tool, ToolCtx, ToolError, args};
use serde::Deserialize;
use serde_json::{Value, json};
use std::path::{Component, Path, PathBuf};

/// Largest file `read` returns, bytes.
const MAX_READ: u64 = 256 * 1024;
/// Largest file `write` accepts, bytes.
const MAX_WRITE: usize = 4 * 1024 * 1024;
/// Most entries `list` returns.
const MAX_LIST: usize = 1000;

pub(super) fn tools() -> Vec<Tool> {
    vec![
        Tool {
            name: "read",
            group: "fs",
            description: "Read a text file in the workspace. Optional `offset` (first line, 1-based) and `limit` (number of lines).",
            schema: || {
                json!({
                    "type": "object",
                    "properties": {
                        "path": { "type": "string", "description": "Path relative to the workspace" },
                        "offset": { "type": "integer", "minimum": 1 },
                        "limit": { "type": "integer", "minimum": 1 }
                    },
                    "required": ["path"],
                    "additionalProperties": false
                })
            },
            run: |ctx, v| Box::pin(read(ctx, v)),
            stops_itself: false,
        },
        Tool {
            name: "write",
            group: "fs",
            description: "Create or overwrite a text file in the workspace (folders are created).",
            schema: || {
                json!({
                    "type": "object",
                    "properties": {
                        "path": { "type": "string" },
                        "content": { "type": "string" }
                    },
                    "required": ["path", "content"],
                    "additionalProperties": false
                })
            },
            run: |ctx, v| Box::pin(write(ctx, v)),
            stops_itself: false,
        },
        Tool {
            name: "edit",
            group: "fs",
            description: "Replace one exact, unique occurrence of `oldText` with `newText` in a workspace file.",
            schema: || {
                json!({
                    "type": "object",
                    "properties": {
                        "path": { "type": "string" },
                        "oldText": { "type": "string" },
                        "newText": { "type": "string" }
                    },
                    "required": ["path", "oldText", "newText"],
                    "additionalProperties": false
                })
            },
            run: |ctx, v| Box::pin(edit(ctx, v)),
            stops_itself: false,
        },
        Tool {
            name: "list",
            group: "fs",
            description: "List a workspace folder (default: the workspace root). Folders end with `/`.",
            schema: || {
                json!({
                    "type": "object",
                    "properties": {
                        "path": { "type": "string" },
                        "recursive": { "type": "boolean" }
                    },
                    "additionalProperties": false
                })
            },
            run: |ctx, v| Box::pin(list(ctx, v)),
            stops_itself: false,
        },
    ]
}

/// Resolves `rel` inside `workspace`, refusing escapes (lexical and through symlinks). The
/// target need not exist; its deepest existing ancestor must be inside the workspace.
pub fn confine(workspace: &Path, rel: &str) -> Result<PathBuf, ToolError> {
    if rel.contains('\0') {
        return Err(ToolError::new("the path contains a NUL byte"));
    }
    let root = workspace.canonicalize().map_err(|e| {
        ToolError(format!(
            "the workspace {} is not available: {e}",
            workspace.display()
        ))
    })?;
    let p = Path::new(rel);
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        root.join(p)
    };
    // Lexical normalization first, so `a/../../x` is caught before touching the disk.
    let mut norm = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                if !norm.pop() {
                    return Err(outside(rel));
                }
            }
            Component::CurDir => {}
            other => norm.push(other.as_os_str()),
        }
    }
    if !norm.starts_with(&root) {
        return Err(outside(rel));
    }
    // Then the real location: symlinks anywhere on the way are followed and checked.
    let mut existing = norm.as_path();
    let mut rest = Vec::new();
    loop {
        match existing.canonicalize() {
            Ok(real) => {
                if !real.starts_with(&root) {
                    return Err(outside(rel));
                }
                let mut out = real;
                for r in rest.iter().rev() {
                    out.push(r);
                }
                return Ok(out);
            }
            Err(_) => {
                // A dangling symlink is refused: where it would write cannot be checked.
                if existing.symlink_metadata().is_ok() {
                    return Err(outside(rel));
                }
                let (Some(parent), Some(name)) = (existing.parent(), existing.file_name()) else {
                    return Err(outside(rel));
                };
                rest.push(name.to_owned());
                existing = parent;
            }
        }
    }
}

fn outside(rel: &str) -> ToolError {
    ToolError(format!(
        "\"{rel}\" is outside the workspace; file tools can only use paths inside it"
    ))
}

fn io(path: &str, e: std::io::Error) -> ToolError {
    let what = match e.kind() {
        std::io::ErrorKind::NotFound => "does not exist".to_owned(),
        std::io::ErrorKind::PermissionDenied => {
            "is not readable/writable (permission denied)".to_owned()
        }
        _ => format!("failed: {e}"),
    };
    ToolError(format!("{path} {what}"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReadArgs {
    path: String,
    #[serde(default)]
    offset: Option<usize>,
    #[serde(default)]
    limit: Option<usize>,
}

async fn read(ctx: ToolCtx, v: Value) -> Result<String, ToolError> {
    let a: ReadArgs = args("read", v)?;
    let p = confine(&ctx.workspace, &a.path)?;
    let meta = tokio::fs::metadata(&p).await.map_err(|e| io(&a.path, e))?;
    if meta.is_dir() {
        return Err(ToolError(format!("{} is a folder; use list", a.path)));
    }
    if meta.len() > MAX_READ && a.offset.is_none() && a.limit.is_none() {
        return Err(ToolError(format!(
            "{} is {} bytes, more than {MAX_READ}; read it in parts with offset and limit",
            a.path,
            meta.len()
        )));
    }
    let bytes = tokio::fs::read(&p).await.map_err(|e| io(&a.path, e))?;
    if bytes.contains(&0) {
        return Err(ToolError(format!(
            "{} is a binary file ({} bytes); only text files can be read",
            a.path,
            bytes.len()
        )));
    }
    let text = String::from_utf8_lossy(&bytes);
    if a.offset.is_none() && a.limit.is_none() {
        return Ok(text.into_owned());
    }
    let start = a.offset.unwrap_or(1).saturating_sub(1);
    let lines: Vec<&str> = text
        .lines()
        .skip(start)
        .take(a.limit.unwrap_or(usize::MAX))
        .collect();
    let mut out = lines.join("\n");
    let mut cut = usize::try_from(MAX_READ)
        .unwrap_or(usize::MAX)
        .min(out.len());
    while !out.is_char_boundary(cut) {
        cut -= 1;
    }
    out.truncate(cut);
    Ok(out)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WriteArgs {
    path: String,
    content: String,
}

async fn write(ctx: ToolCtx, v: Value) -> Result<String, ToolError> {
    let a: WriteArgs = args("write", v)?;
    if a.content.len() > MAX_WRITE {
        return Err(ToolError(format!(
            "the content is {} bytes, more than {MAX_WRITE}",
            a.content.len()
        )));
    }
    let p = confine(&ctx.workspace, &a.path)?;
    if p.is_dir() {
        return Err(ToolError(format!("{} is a folder", a.path)));
    }
    if let Some(parent) = p.parent() {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(|e| io(&a.path, e))?;
    }
    tokio::fs::write(&p, a.content.as_bytes())
        .await
        .map_err(|e| io(&a.path, e))?;
    Ok(format!("wrote {} bytes to {}", a.content.len(), a.path))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct EditArgs {
    path: String,
    old_text: String,
    new_text: String,
}

async fn edit(ctx: ToolCtx, v: Value) -> Result<String, ToolError> {
    let a: EditArgs = args("edit", v)?;
    if a.old_text.is_empty() {
        return Err(ToolError::new(
            "oldText is empty; use write to create a file",
        ));
    }
    let p = confine(&ctx.workspace, &a.path)?;
    let text = tokio::fs::read_to_string(&p)
        .await
        .map_err(|e| io(&a.path, e))?;
    let n = text.matches(&a.old_text).count();
    if n == 0 {
        return Err(ToolError(format!(
            "oldText was not found in {}; read the file and copy the text exactly",
            a.path
        )));
    }
    if n > 1 {
        return Err(ToolError(format!(
            "oldText occurs {n} times in {}; include more surrounding text so it is unique",
            a.path
        )));
    }
    let updated = text.replacen(&a.old_text, &a.new_text, 1);
    tokio::fs::write(&p, updated.as_bytes())
        .await
        .map_err(|e| io(&a.path, e))?;
    Ok(format!("edited {}", a.path))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListArgs {
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    recursive: bool,
}

async fn list(ctx: ToolCtx, v: Value) -> Result<String, ToolError> {
    let a: ListArgs = args("list", v)?;
    let rel = a.path.clone().unwrap_or_else(|| ".".into());
    let dir = confine(&ctx.workspace, &rel)?;
    let root = dir.clone();
    tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            let rd = std::fs::read_dir(&d).map_err(|e| io(&rel, e))?;
            for entry in rd.flatten() {
                let path = entry.path();
                let shown = path
                    .strip_prefix(&root)
                    .unwrap_or(&path)
                    .display()
                    .to_string();
                // file_type() does not follow symlinks, so a linked folder is not descended.
                let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
                if is_dir {
                    out.push(format!("{shown}/"));
                    if a.recursive {
                        stack.push(path);
                    }
                } else {
                    out.push(shown);
                }
                if out.len() >= MAX_LIST {
                    out.sort();
                    out.push(format!("… (stopped at {MAX_LIST} entries)"));
                    return Ok(out.join("\n"));
                }
            }
        }
        out.sort();
        if out.is_empty() {
            return Ok("(empty folder)".to_owned());
        }
        Ok(out.join("\n"))
    })
    .await
    .map_err(|e| ToolError(format!("list failed: {e}")))?
}
