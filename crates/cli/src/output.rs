//! Printing results and errors; exit codes follow sysexits.

use std::process::ExitCode;
use tidepool_client::ClientError;

/// Prints a client error as one line and maps it to an exit code.
pub fn client_error(e: &ClientError) -> ExitCode {
    eprintln!("tidepool: {e}");
    let code: u8 = match e {
        ClientError::Unreachable { .. } | ClientError::Timeout { .. } => 69,
        ClientError::Rejected(shape)
            if shape.detail_code().is_some_and(|c| c.starts_with("AUTH_")) =>
        {
            77
        }
        ClientError::InvalidUrl { .. } => 64,
        _ => 1,
    };
    ExitCode::from(code)
}

/// Prints a value as pretty JSON.
pub fn json(v: &serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
    );
}

/// `12345678` ms → `3h 25m 45s`.
pub fn duration_ms(ms: u64) -> String {
    let s = ms / 1000;
    let (d, h, m, s) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m {s}s"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}

/// Bytes → `12.3 MB`.
pub fn bytes(n: u64) -> String {
    let n = n as f64;
    if n >= 1e9 {
        format!("{:.1} GB", n / 1e9)
    } else if n >= 1e6 {
        format!("{:.1} MB", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.1} kB", n / 1e3)
    } else {
        format!("{n} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations_and_sizes() {
        assert_eq!(duration_ms(5_000), "5s");
        assert_eq!(duration_ms(125_000), "2m 5s");
        assert_eq!(duration_ms(3_700_000), "1h 1m");
        assert_eq!(duration_ms(90_000_000), "1d 1h");
        assert_eq!(bytes(950), "950 B");
        assert_eq!(bytes(12_300_000), "12.3 MB");
    }
}
