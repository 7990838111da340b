//! In-process read cache for the rows nearly every request reads before doing its work: the
//! authenticated user, the project, the caller's membership, the task (with its roll-up), and
//! pages of a project's task list — the page everyone in a project opens.
//!
//! Invalidation is deliberately coarse, so that it cannot be forgotten: every request with a
//! method that may write (anything but GET, HEAD, OPTIONS) advances one generation counter
//! when it finishes — after its transaction committed and before its response is sent — and
//! an entry is only served while the generation it was loaded under is current. A reader
//! notes the generation *before* it queries, so data read while a write was in flight is
//! already stale when it is stored. Requests that may write do not read through the cache at
//! all: their checks (If-Match versions, memberships) and anything they read back after
//! writing come from the database. A change that announces itself (`Outbox::commit`) also ends
//! the generation between its commit and the delivery of its events, inside the handler: a
//! client that reads back on the event must not get the copy from before. Code that writes
//! outside an HTTP request of such a method and without an outbox must call
//! [`ReadCache::invalidate`].
//!
//! Only for SQLite: there the server process is the database's only writer of rows that
//! already exist (`tandem admin create`, `migrate` and `tandem-seed` only add rows, which no
//! cache can hold yet; a command that changed existing rows would have to run with the
//! server stopped). With PostgreSQL
//! several instances may share the database and none would see the others' writes, so the
//! cache is off and every read goes to the database.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use tandem_db::entities::{projects, users};
use tandem_db::tasks::TaskRow;
use tandem_dto::ProjectRole;
use uuid::Uuid;

/// What one shelf may hold within a generation; beyond either bound it starts over (a burst
/// of reads between two writes must not grow the process without bound — a task's
/// description may be long, so tasks are weighed by their text).
const MAX_ENTRIES: usize = 20_000;
const MAX_BYTES: usize = 32 << 20;

pub struct ReadCache {
    enabled: bool,
    generation: AtomicU64,
    /// Reads answered from memory, and reads that went to the database although they could
    /// have been cached (what the office-load benchmark reports).
    hits: AtomicU64,
    misses: AtomicU64,
    pub(crate) users: Shelf<Uuid, users::Model>,
    pub(crate) projects: Shelf<Uuid, projects::Model>,
    /// (project, user) → role; `None` caches "not a member" too.
    pub(crate) memberships: Shelf<(Uuid, Uuid), Option<ProjectRole>>,
    pub(crate) tasks: Shelf<Uuid, TaskRow>,
    /// Pages of a project's task list: (project, its today, the query string) → rows and
    /// the next cursor. The day is part of the key because `overdue` depends on it.
    pub(crate) task_pages: Shelf<TaskPageKey, (Vec<TaskRow>, Option<String>)>,
}

pub type TaskPageKey = (Uuid, chrono::NaiveDate, String);

fn task_weight(t: &TaskRow) -> usize {
    512 + t.task.title.len()
        + t.task.description.len()
        + t.task.description_html.len()
        + t.task.search_text.len()
}

impl ReadCache {
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            generation: AtomicU64::new(0),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            users: Shelf::new(|u| {
                256 + u.name.len() + u.position.len() + u.contact.as_ref().map_or(0, String::len)
            }),
            projects: Shelf::new(|p| 256 + p.name.len() + p.goal.len()),
            memberships: Shelf::new(|_| 64),
            tasks: Shelf::new(task_weight),
            task_pages: Shelf::new(|(rows, _)| 64 + rows.iter().map(task_weight).sum::<usize>()),
        }
    }

    /// (hits, misses) since start; `None` when the cache is off.
    pub fn stats(&self) -> Option<(u64, u64)> {
        self.enabled.then(|| {
            (
                self.hits.load(Ordering::Relaxed),
                self.misses.load(Ordering::Relaxed),
            )
        })
    }

    /// Makes every cached entry stale.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Reads through the cache: a current entry when there is one, else `load` (whose result
    /// is kept when it succeeds). `cacheable` is false for requests that may write.
    pub async fn get_or_load<K, V, E, F>(
        &self,
        cacheable: bool,
        shelf: &Shelf<K, V>,
        key: K,
        load: F,
    ) -> Result<Arc<V>, E>
    where
        K: Eq + Hash,
        F: Future<Output = Result<V, E>>,
    {
        if !self.enabled || !cacheable {
            return load.await.map(Arc::new);
        }
        let generation = self.generation.load(Ordering::Acquire);
        if let Some(v) = shelf.get(&key, generation) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(v);
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let v = Arc::new(load.await?);
        shelf.put(key, generation, v.clone());
        Ok(v)
    }
}

/// One kind of cached row. Entries of an older generation are dropped as a whole the first
/// time an entry of a newer one is stored.
pub struct Shelf<K, V> {
    inner: RwLock<ShelfInner<K, V>>,
    /// Approximate bytes an entry keeps alive.
    weigh: fn(&V) -> usize,
}

struct ShelfInner<K, V> {
    generation: u64,
    entries: HashMap<K, Arc<V>>,
    bytes: usize,
}

impl<K: Eq + Hash, V> Shelf<K, V> {
    pub fn new(weigh: fn(&V) -> usize) -> Self {
        Self {
            inner: RwLock::new(ShelfInner {
                generation: 0,
                entries: HashMap::new(),
                bytes: 0,
            }),
            weigh,
        }
    }

    fn get(&self, key: &K, generation: u64) -> Option<Arc<V>> {
        // A poisoned lock only means another request panicked while holding it; the cache
        // then simply misses.
        let inner = self.inner.read().ok()?;
        if inner.generation != generation {
            return None;
        }
        inner.entries.get(key).cloned()
    }

    fn put(&self, key: K, generation: u64, value: Arc<V>) {
        let Ok(mut inner) = self.inner.write() else {
            return;
        };
        if generation < inner.generation {
            // Loaded before a write that another reader has already seen: stale.
            return;
        }
        let weight = (self.weigh)(&value);
        if generation > inner.generation
            || inner.entries.len() >= MAX_ENTRIES
            || inner.bytes + weight > MAX_BYTES
        {
            inner.entries.clear();
            inner.bytes = 0;
            inner.generation = generation;
        }
        inner.bytes += weight;
        if let Some(old) = inner.entries.insert(key, value) {
            inner.bytes = inner.bytes.saturating_sub((self.weigh)(&old));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn load(v: u32) -> Result<u32, ()> {
        Ok(v)
    }

    #[tokio::test]
    async fn serves_until_invalidated() {
        let cache = ReadCache::new(true);
        let shelf: Shelf<u8, u32> = Shelf::new(|_| 1);
        assert_eq!(
            *cache.get_or_load(true, &shelf, 1, load(10)).await.unwrap(),
            10
        );
        // Cached: the new loader's value is not used.
        assert_eq!(
            *cache.get_or_load(true, &shelf, 1, load(11)).await.unwrap(),
            10
        );
        cache.invalidate();
        assert_eq!(
            *cache.get_or_load(true, &shelf, 1, load(12)).await.unwrap(),
            12
        );
    }

    #[tokio::test]
    async fn disabled_always_loads() {
        let cache = ReadCache::new(false);
        let shelf: Shelf<u8, u32> = Shelf::new(|_| 1);
        assert_eq!(
            *cache.get_or_load(true, &shelf, 1, load(10)).await.unwrap(),
            10
        );
        assert_eq!(
            *cache.get_or_load(true, &shelf, 1, load(11)).await.unwrap(),
            11
        );
    }

    #[tokio::test]
    async fn requests_that_write_bypass_it() {
        let cache = ReadCache::new(true);
        let shelf: Shelf<u8, u32> = Shelf::new(|_| 1);
        assert_eq!(
            *cache.get_or_load(true, &shelf, 1, load(10)).await.unwrap(),
            10
        );
        assert_eq!(
            *cache.get_or_load(false, &shelf, 1, load(11)).await.unwrap(),
            11
        );
        // …and do not store what they read.
        assert_eq!(
            *cache.get_or_load(true, &shelf, 1, load(12)).await.unwrap(),
            10
        );
    }

    #[tokio::test]
    async fn failed_loads_are_not_kept() {
        let cache = ReadCache::new(true);
        let shelf: Shelf<u8, u32> = Shelf::new(|_| 1);
        assert!(
            cache
                .get_or_load(true, &shelf, 1, async { Err::<u32, ()>(()) })
                .await
                .is_err()
        );
        assert_eq!(
            *cache.get_or_load(true, &shelf, 1, load(10)).await.unwrap(),
            10
        );
    }

    #[test]
    fn a_shelf_over_its_byte_budget_starts_over() {
        let shelf: Shelf<u8, usize> = Shelf::new(|v| *v);
        shelf.put(1, 0, Arc::new(MAX_BYTES - 10));
        shelf.put(2, 0, Arc::new(5));
        assert!(shelf.get(&1, 0).is_some());
        shelf.put(3, 0, Arc::new(20));
        assert!(shelf.get(&1, 0).is_none());
        assert_eq!(shelf.get(&3, 0).map(|v| *v), Some(20));
    }

    #[test]
    fn a_load_that_raced_a_write_is_not_stored() {
        let shelf: Shelf<u8, u32> = Shelf::new(|_| 1);
        shelf.put(1, 2, Arc::new(20));
        // A reader that began under generation 1 finishes after generation 2 was stored.
        shelf.put(2, 1, Arc::new(10));
        assert!(shelf.get(&2, 1).is_none());
        assert!(shelf.get(&2, 2).is_none());
        assert_eq!(shelf.get(&1, 2).map(|v| *v), Some(20));
    }
}
