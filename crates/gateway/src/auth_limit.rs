//! Failed-authentication limit per client address: after too many wrong credentials in a
//! window, further attempts from that address are refused until the window has passed, so a
//! password (or a leaked-prefix token) cannot be guessed at socket speed.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed per address per window.
pub const MAX_FAILURES: usize = 20;
/// The window.
pub const WINDOW: Duration = Duration::from_secs(60);

/// Recent failures by address.
#[derive(Debug, Default)]
pub struct AuthLimiter {
    failures: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl AuthLimiter {
    /// `Some(wait)` when `ip` must wait before trying again.
    pub fn blocked(&self, ip: IpAddr, now: Instant) -> Option<Duration> {
        let mut map = self.failures.lock().ok()?;
        let q = map.get_mut(&ip)?;
        while q.front().is_some_and(|t| now.duration_since(*t) > WINDOW) {
            q.pop_front();
        }
        if q.is_empty() {
            map.remove(&ip);
            return None;
        }
        (q.len() >= MAX_FAILURES).then(|| {
            q.front()
                .map(|t| WINDOW.saturating_sub(now.duration_since(*t)))
                .unwrap_or(WINDOW)
        })
    }

    /// Records a failure.
    pub fn failed(&self, ip: IpAddr, now: Instant) {
        if let Ok(mut map) = self.failures.lock() {
            // Bound the table: forget the quietest addresses under a flood of sources.
            if map.len() > 10_000 {
                map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) <= WINDOW));
            }
            let q = map.entry(ip).or_default();
            q.push_back(now);
            if q.len() > MAX_FAILURES {
                q.pop_front();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_and_forgets_after_the_window() {
        let l = AuthLimiter::default();
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..MAX_FAILURES {
            assert!(l.blocked(ip, t0).is_none());
            l.failed(ip, t0);
        }
        let wait = l.blocked(ip, t0).unwrap();
        assert!(wait > Duration::from_secs(59));
        assert!(
            l.blocked(other, t0).is_none(),
            "other addresses are not affected"
        );
        assert!(
            l.blocked(ip, t0 + WINDOW + Duration::from_secs(1))
                .is_none()
        );
    }
}
