//! Why an update failed: a sentence for the user, a stable kind and an exit code.

use crate::service;

/// Why an update failed. Each says what was wrong and what to do.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    /// The source cannot be read.
    #[error("cannot read the new binary {from}: {reason}")]
    Source {
        /// Path or URL.
        from: String,
        /// Why.
        reason: String,
    },
    /// `http://` from another host without a checksum.
    #[error(
        "refusing {url}: a download over plain http can be altered on the way; use https:// or give --sha256"
    )]
    Insecure {
        /// The URL.
        url: String,
    },
    /// `--sha256` is not 64 hex digits.
    #[error("--sha256 must be 64 hex digits (the SHA-256 of the new binary); got `{0}`")]
    BadChecksumArg(String),
    /// The download failed.
    #[error("cannot download {url}: {reason}")]
    Download {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The download ended early.
    #[error(
        "the download was cut short: got {got} of {expected} bytes; nothing was changed, try again"
    )]
    Truncated {
        /// Bytes received.
        got: u64,
        /// Bytes announced.
        expected: u64,
    },
    /// The checksum does not match.
    #[error(
        "the new binary's SHA-256 is {actual}, not {expected}: it is not the file you meant (or it was damaged); nothing was changed"
    )]
    ChecksumMismatch {
        /// Asked for.
        expected: String,
        /// Found.
        actual: String,
    },
    /// It does not run here.
    #[error("the new binary does not run on this host: {reason}")]
    NotRunnable {
        /// Why.
        reason: String,
    },
    /// Built for another target.
    #[error(
        "the new binary is built for {theirs}, this host needs {ours}: download the {ours} build"
    )]
    WrongTarget {
        /// Its target.
        theirs: String,
        /// Ours.
        ours: String,
    },
    /// It runs but is not tidepool.
    #[error("the new binary is not a tidepool build: `version --json` printed `{output}`")]
    NotTidepool {
        /// What it printed.
        output: String,
    },
    /// The binary's directory is not writable.
    #[error(
        "cannot write in {dir}: run the update as the user who owns the installed binary (or with sudo for a system install)"
    )]
    Permission {
        /// The directory.
        dir: String,
    },
    /// The swap failed (nothing was changed).
    #[error("cannot put the new binary in place: {reason}")]
    Swap {
        /// Why.
        reason: String,
    },
    /// The service could not be read.
    #[error(transparent)]
    Service(#[from] service::ServiceError),
    /// The new version never became healthy; the previous one is back.
    #[error(
        "{version} did not pass the health gate ({reason}); rolled back to {previous}, which is running again"
    )]
    GateFailed {
        /// The new version.
        version: String,
        /// Why the gate failed.
        reason: String,
        /// The version running again.
        previous: String,
    },
    /// The rollback failed too: the gateway is down.
    #[error(
        "{version} did not pass the health gate ({reason}) and putting the previous binary back failed: {rollback}. The previous binary is {previous_file}; copy it over {binary} and run `tidepool gateway start`"
    )]
    RollbackFailed {
        /// The new version.
        version: String,
        /// Why the gate failed.
        reason: String,
        /// Why the rollback failed.
        rollback: String,
        /// The installed path.
        binary: String,
        /// Where the previous binary is.
        previous_file: String,
    },
}

impl UpdateError {
    /// The stable kind in `--json` output.
    pub fn kind(&self) -> &'static str {
        match self {
            UpdateError::Source { .. } => "bad_source",
            UpdateError::Insecure { .. } => "insecure_source",
            UpdateError::BadChecksumArg(_) => "usage",
            UpdateError::Download { .. } => "download_failed",
            UpdateError::Truncated { .. } => "truncated",
            UpdateError::ChecksumMismatch { .. } => "checksum_mismatch",
            UpdateError::NotRunnable { .. } => "not_runnable",
            UpdateError::WrongTarget { .. } => "wrong_target",
            UpdateError::NotTidepool { .. } => "not_tidepool",
            UpdateError::Permission { .. } => "permission",
            UpdateError::Swap { .. } => "swap_failed",
            UpdateError::Service(e) => e.kind(),
            UpdateError::GateFailed { .. } => "gate_failed",
            UpdateError::RollbackFailed { .. } => "rollback_failed",
        }
    }

    /// The exit code (sysexits where one fits).
    pub fn exit_code(&self) -> u8 {
        match self {
            UpdateError::BadChecksumArg(_) | UpdateError::Insecure { .. } => 64,
            UpdateError::Source { .. } => 66,
            UpdateError::Download { .. } => 69,
            UpdateError::Truncated { .. }
            | UpdateError::ChecksumMismatch { .. }
            | UpdateError::NotRunnable { .. }
            | UpdateError::WrongTarget { .. }
            | UpdateError::NotTidepool { .. } => 65,
            UpdateError::Permission { .. } => 77,
            UpdateError::Swap { .. } => 74,
            UpdateError::Service(e) => e.exit_code(),
            UpdateError::GateFailed { .. } => 1,
            UpdateError::RollbackFailed { .. } => 70,
        }
    }
}
