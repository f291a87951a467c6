//! The version this build reports, and the target triple it was built for.
//!
//! The version is the crate's unless the binary carries a *release stamp*: a fixed-size slot
//! in the executable, found by its marker, that a packager (or a test) overwrites in place to
//! say e.g. `0.2.0+nightly.4` without rebuilding. [`stamp`] writes one.

use std::sync::OnceLock;

/// The crate version, the default when the binary is not stamped.
pub const CRATE_VERSION: &str = env!("CARGO_PKG_VERSION");
/// The target triple this binary was built for (`x86_64-unknown-linux-gnu`, …).
pub const TARGET: &str = env!("TIDEPOOL_TARGET");

const MARKER_LEN: usize = 23;
/// Longest stamped version.
pub const STAMP_MAX: usize = 40;
const STAMP_LEN: usize = MARKER_LEN + STAMP_MAX;

/// The slot: the marker, then the version padded with NUL bytes (all NUL: not stamped).
#[used]
static STAMP: [u8; STAMP_LEN] = slot();

// Const evaluation checks the bounds at compile time.
#[allow(clippy::indexing_slicing)]
const fn slot() -> [u8; STAMP_LEN] {
    let marker = *b"TIDEPOOL-VERSION-STAMP:";
    let mut out = [0u8; STAMP_LEN];
    let mut i = 0;
    while i < MARKER_LEN {
        out[i] = marker[i];
        i += 1;
    }
    out
}

/// The marker as searched for. Built at run time from a lowercase copy so the executable
/// holds the uppercase sequence exactly once: in the slot.
fn marker() -> Vec<u8> {
    b"tidepool-version-stamp:".to_ascii_uppercase()
}

/// The version this binary reports: the stamp when there is one, else the crate version.
pub fn version() -> &'static str {
    static VERSION: OnceLock<&'static str> = OnceLock::new();
    VERSION.get_or_init(|| {
        // `black_box` keeps the compiler from folding the slot's initial (empty) contents
        // into this function: the bytes are read from the executable as it is on disk.
        let slot: &'static [u8; STAMP_LEN] = std::hint::black_box(&STAMP);
        let value = slot.get(MARKER_LEN..).unwrap_or_default();
        let len = value.iter().position(|b| *b == 0).unwrap_or(value.len());
        match value.get(..len).map(std::str::from_utf8) {
            Some(Ok(v)) if valid(v) => v,
            _ => CRATE_VERSION,
        }
    })
}

/// What a stamp may hold: 1–40 of `A-Za-z0-9.+-`, starting with a digit.
fn valid(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= STAMP_MAX
        && v.starts_with(|c: char| c.is_ascii_digit())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-'))
}

/// Why a binary could not be stamped.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StampError {
    /// The version is not one a stamp may hold.
    #[error(
        "`{0}` is not a version a stamp can hold: 1–40 of A-Z a-z 0-9 . + -, starting with a digit"
    )]
    BadVersion(String),
    /// No slot, or more than one: not a tidepool binary (or a damaged one).
    #[error(
        "found the version slot {0} times in the binary (expected once): is it a tidepool build?"
    )]
    Slot(usize),
}

/// Writes `version` into the stamp slot of a tidepool executable's bytes.
pub fn stamp(binary: &mut [u8], version: &str) -> Result<(), StampError> {
    if !valid(version) {
        return Err(StampError::BadVersion(version.to_owned()));
    }
    let marker = marker();
    let hits: Vec<usize> = binary
        .windows(MARKER_LEN)
        .enumerate()
        .filter(|(_, w)| *w == marker.as_slice())
        .map(|(i, _)| i)
        .collect();
    let [at] = hits.as_slice() else {
        return Err(StampError::Slot(hits.len()));
    };
    let start = at + MARKER_LEN;
    let slot = binary
        .get_mut(start..start + STAMP_MAX)
        .ok_or(StampError::Slot(0))?;
    slot.fill(0);
    for (dst, src) in slot.iter_mut().zip(version.bytes()) {
        *dst = src;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unstamped_build_reports_the_crate_version_and_stamps_are_checked() {
        assert_eq!(version(), CRATE_VERSION);
        assert!(!TARGET.is_empty() && TARGET != "unknown");

        let mut bytes = b"..".to_vec();
        bytes.extend_from_slice(&slot());
        bytes.extend_from_slice(b"..");
        stamp(&mut bytes, "0.2.0+test.1").unwrap();
        let at = 2 + MARKER_LEN;
        assert_eq!(&bytes[at..at + 12], b"0.2.0+test.1");
        assert!(bytes[at + 12..at + STAMP_MAX].iter().all(|b| *b == 0));
        // Restamping a shorter version clears the rest.
        stamp(&mut bytes, "1.0").unwrap();
        assert!(bytes[at + 3..at + STAMP_MAX].iter().all(|b| *b == 0));

        for bad in ["", "v1.0", "1.0 beta", "1.0;rm", &"1".repeat(41)] {
            assert_eq!(
                stamp(&mut bytes, bad),
                Err(StampError::BadVersion(bad.to_owned()))
            );
        }
        assert_eq!(
            stamp(&mut b"no slot here".to_vec(), "1.0"),
            Err(StampError::Slot(0))
        );
        let mut twice = slot().to_vec();
        twice.extend_from_slice(&slot());
        assert_eq!(stamp(&mut twice, "1.0"), Err(StampError::Slot(2)));
    }
}
