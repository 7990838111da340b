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

    /// Counts an attempt *before* its outcome is known (before the password is hashed), so
    /// parallel guesses cannot all slip under the limit: `Err(wait)` when the key is locked;
    /// otherwise the attempt counts as a failure until [`Throttle::succeed`] forgets the key,
    /// and the attempt that reaches the limit locks the key for the ones after it.
    pub fn attempt(&mut self, key: &str, now: Instant) -> Result<(), Duration> {
        if let Some(wait) = self.locked_for(key, now) {
            return Err(wait);
        }
        self.fail(key, now);
        Ok(())
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

    /// Takes back one counted attempt (it never reached the check, or it was right and must
    /// not count against a shared key such as an address).
    pub fn forgive(&mut self, key: &str) {
        let max = self.limits.max_failures;
        if let Some(e) = self.entries.get_mut(key) {
            e.failures = e.failures.saturating_sub(1);
            if e.failures < max {
                e.locked_until = None;
            }
            if e.failures == 0 {
                self.entries.remove(key);
            }
        }
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
    fn attempts_count_before_their_outcome() {
        let mut t = Throttle::new(limits());
        let now = Instant::now();
        // Three guesses in flight at once: all counted, the fourth waits.
        assert!(t.attempt("a", now).is_ok());
        assert!(t.attempt("a", now).is_ok());
        assert!(t.attempt("a", now).is_ok());
        assert_eq!(t.attempt("a", now), Err(Duration::from_secs(30)));
        // One never reached the check: it does not count.
        t.forgive("a");
        assert!(t.attempt("a", now).is_ok());
        assert!(t.attempt("a", now).is_err());
        // One of them was right: the key is forgotten.
        t.succeed("a");
        assert!(t.attempt("a", now).is_ok());
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
