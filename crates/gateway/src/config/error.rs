//! Why a config could not be loaded, with the file, line and column where that is known.

/// Why a config could not be loaded. `Display` is one line: what, where, what to do.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but cannot be read (or is over 2 MiB).
    #[error("cannot read config {path}: {source}")]
    Read {
        /// File.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// Not valid JSON5.
    #[error("config {file}:{line}:{column}: {message}")]
    Syntax {
        /// File (the main config or an include).
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// An `$include` failed.
    #[error("config {file}:{line}:{column}: at `{at}`: {message}")]
    Include {
        /// File.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Path of the object holding the `$include`.
        at: String,
        /// What is wrong.
        message: String,
    },
    /// A `${VAR}` that is not set.
    #[error(
        "config {file}:{line}:{column}: at `{at}`: environment variable {name} is not set (set it, add it to .env, or write $${{{name}}} for the literal text)"
    )]
    MissingVar {
        /// File.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Path of the string.
        at: String,
        /// The variable.
        name: String,
    },
    /// Valid JSON5 that does not match the schema.
    #[error("config {file}:{line}:{column}: at `{at}`: {message}{}", hint.as_ref().map(|h| format!(" ({h})")).unwrap_or_default())]
    Invalid {
        /// File.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Dotted path of the offending key.
        at: String,
        /// What was wrong.
        message: String,
        /// "did you mean ...?" and the like.
        hint: Option<String>,
    },
    /// Valid on its own but not allowed (e.g. no auth on a public bind).
    #[error("config {path}: {message}")]
    Rejected {
        /// File.
        path: String,
        /// Why.
        message: String,
    },
}

impl ConfigError {
    /// Line and column, when the error has a place in a file.
    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            ConfigError::Syntax { line, column, .. }
            | ConfigError::Include { line, column, .. }
            | ConfigError::MissingVar { line, column, .. }
            | ConfigError::Invalid { line, column, .. } => Some((*line, *column)),
            _ => None,
        }
    }
}
