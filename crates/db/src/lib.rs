//! The only crate that touches SQL: sea-orm entities, per-feature repositories and
//! connection setup for SQLite (WAL, foreign keys on) and PostgreSQL.

pub mod accounts;
pub mod alerts;
pub mod attachments;
pub mod audit;
pub mod board;
pub mod comments;
pub mod dashboard;
pub mod docs;
pub mod entities;
pub mod error;
pub mod events;
pub mod external_keys;
pub mod files;
pub mod idempotency;
pub mod jobs;
mod json_rows;
pub mod pagination;
pub mod projects;
pub mod risks;
pub mod task_batch;
pub mod tasks;
pub mod uploads;

pub use error::RepoError;
/// The driver under sea-orm, for what it does not wrap (PostgreSQL's `LISTEN`).
pub use sea_orm::sqlx as sea_orm_sqlx;
pub use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr};

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, Statement, TransactionTrait};
use std::time::Duration;
use tandem_migration::{Migrator, MigratorTrait};

/// Opens a pool for `url` (`sqlite://…` or `postgres://…`) with engine-specific settings.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    if url.starts_with("sqlite:") {
        // SQLite serialises writers anyway; a small pool avoids lock storms. A local file
        // cannot hang up, so the pool's liveness ping before every query (a round trip to the
        // connection's worker thread, doubling the cost of a short read) is skipped.
        opts.max_connections(8)
            .min_connections(1)
            .test_before_acquire(false)
            // Pragmas are per connection: set them on every connection the pool opens, not
            // only on the one that happens to run a statement at start-up. WAL lets readers
            // proceed while one writer commits; NORMAL sync is safe with WAL (a power cut can
            // lose the last commits, never corrupt); the busy timeout makes a second writer
            // wait for the lock instead of failing at once. Reads go through a memory map
            // (shared with the OS page cache, so no memory of our own): reading pages with
            // `pread` copied every page into SQLite's small cache, a fifth of the dashboard's
            // time over 20 000 tasks.
            .map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(5))
                    .pragma("mmap_size", "268435456")
            });
    } else {
        opts.max_connections(20).min_connections(1);
    }
    Database::connect(opts).await
}

/// Starts a transaction that will write. On SQLite it takes the write lock first (a write that
/// changes nothing still takes it): a transaction that reads before it writes would otherwise
/// hold a read snapshot, and when another connection commits in between, its first write fails
/// at once with SQLITE_BUSY — the busy timeout cannot help, since waiting does not make the
/// snapshot current. Taken up front, the lock is simply waited for. PostgreSQL needs nothing.
pub async fn begin_write(db: &impl TransactionTrait) -> Result<DatabaseTransaction, DbErr> {
    let txn = db.begin().await?;
    if txn.get_database_backend() == sea_orm::DbBackend::Sqlite {
        txn.execute(Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "UPDATE seaql_migrations SET version = version WHERE 0",
        ))
        .await?;
    }
    Ok(txn)
}

/// `q` reading rows to decide a change in the caller's write transaction: on PostgreSQL they
/// stay locked until it ends (`FOR UPDATE`), so a concurrent change of the same rows waits and
/// then sees this one. SQLite needs nothing: its write transaction (see [`begin_write`]) holds
/// the only writer lock.
pub fn for_update<E: sea_orm::EntityTrait>(
    db: &impl ConnectionTrait,
    q: sea_orm::Select<E>,
) -> sea_orm::Select<E> {
    use sea_orm::QuerySelect;
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        q.lock_exclusive()
    } else {
        q
    }
}

/// What a transaction-scoped advisory lock serializes (PostgreSQL), for changes whose check
/// spans rows no single row lock covers.
#[derive(Debug, Clone, Copy)]
#[repr(i64)]
pub enum Serialized {
    /// Dependencies between tasks (cycle checks cross projects).
    Dependencies = 7011,
    /// The department tree (cycles, "is it empty").
    DepartmentTree = 7012,
    /// Role and status changes of administrators (the last active one stays).
    Administrators = 7013,
    /// Writers of live events, from their first event to their commit (ids become visible in
    /// order; see `events`).
    Events = 7014,
}

/// Makes the rest of the caller's write transaction take turns with every other one that
/// asks for `what`. SQLite's write transaction is alone anyway.
pub async fn serialize(db: &impl ConnectionTrait, what: Serialized) -> Result<(), DbErr> {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({})", what as i64))
            .await?;
    }
    Ok(())
}

/// Whether `db` is SQLite (embedded: this process is its only writer).
pub fn is_sqlite(db: &DatabaseConnection) -> bool {
    db.get_database_backend() == sea_orm::DbBackend::Sqlite
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    if is_sqlite(db) {
        // In one transaction, so on one connection: the migrator runs each statement on
        // whichever pooled connection is free, and one that had not yet seen a dropped index
        // answered "index … already exists" when it was created again. SQLite's schema changes
        // are transactional, so a failed migration now also leaves nothing half done.
        let txn = db.begin().await?;
        Migrator::up(&txn, None).await?;
        return txn.commit().await;
    }
    // PostgreSQL: the migrator runs every migration in a transaction of its own.
    Migrator::up(db, None).await
}

/// Cheap round trip used by the health endpoint.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.execute(Statement::from_string(
        db.get_database_backend(),
        "SELECT 1",
    ))
    .await
    .is_ok()
}
