//! Failed-login throttling (A3). Pure bookkeeping: the caller supplies the clock.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Limits for one kind of key (account or client address).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Failures allowed inside `window` before the key is locked.
    pub max_failures: u32,
    /// Window in which failures are counted.
    pub window: Duration,
    /// How long a key stays locked once it hits the limit.
    pub lockout: Duration,
}

#[derive(Debug, Clone)]
struct Entry {
    failures: u32,
    first: Instant,
    locked_until: Option<Instant>,
}

/// Counts failures per key and says how long a key must wait.
#[derive(Debug)]
pub struct Throttle {
    limits: Limits,
    entries: HashMap<String, Entry>,
}

impl Throttle {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            entries: HashMap::new(),
        }
    }

    /// `Some(wait)` when the key is locked at `now`.
    pub fn locked_for(&self, key: &str, now: Instant) -> Option<Duration> {
        let e = self.entries.get(key)?;
        let until = e.locked_until?;
        (until > now).then(|| until - now)
    }

    /// Records a failure; returns the lockout when this failure triggered one.
    pub fn fail(&mut self, key: &str, now: Instant) -> Option<Duration> {
        // Keep memory bounded: an attacker spraying keys must not grow the map forever.
        if self.entries.len() > 100_000 {
            let window = self.limits.window.max(self.limits.lockout);
            self.entries.retain(|_, e| {
                now.duration_since(e.first) < window || e.locked_until.is_some_and(|u| u > now)
            });
        }
        let limits = self.limits;
        let e = self.entries.entry(key.to_owned()).or_insert(Entry {
            failures: 0,
            first: now,
            locked_until: None,
        });
        if now.duration_since(e.first) > limits.window || e.locked_until.is_some_and(|u| u <= now) {
            *e = Entry {
                failures: 0,
                first: now,
                locked_until: None,
            };
        }
        e.failures += 1;
        if e.failures >= limits.max_failures {
            e.locked_until = Some(now + limits.lockout);
            return Some(limits.lockout);
        }
        None
    }

    /// Forgets a key after a success.
    pub fn succeed(&mut self, key: &str) {
        self.entries.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            max_failures: 3,
            window: Duration::from_secs(60),
            lockout: Duration::from_secs(30),
        }
    }

    #[test]
    fn the_third_failure_locks_the_key() {
        let mut t = Throttle::new(limits());
        let now = Instant::now();
        assert_eq!(t.fail("a", now), None);
        assert_eq!(t.fail("a", now), None);
        assert_eq!(t.fail("a", now), Some(Duration::from_secs(30)));
        assert!(t.locked_for("a", now).is_some());
        assert!(t.locked_for("b", now).is_none());
    }

    #[test]
    fn a_lock_expires() {
        let mut t = Throttle::new(limits());
        let now = Instant::now();
        for _ in 0..3 {
            t.fail("a", now);
        }
        assert!(t.locked_for("a", now + Duration::from_secs(31)).is_none());
    }

    #[test]
    fn success_resets_the_count() {
        let mut t = Throttle::new(limits());
        let now = Instant::now();
        t.fail("a", now);
        t.fail("a", now);
        t.succeed("a");
        assert_eq!(t.fail("a", now), None);
    }
}
