//! The only crate that touches SQL: sea-orm entities, per-feature repositories and
//! connection setup for SQLite (WAL, foreign keys on) and PostgreSQL.

pub mod accounts;
pub mod attachments;
pub mod audit;
pub mod comments;
pub mod entities;
pub mod error;
pub mod idempotency;
pub mod pagination;
pub mod projects;
pub mod tasks;

pub use error::RepoError;
pub use sea_orm::{DatabaseConnection, DbErr};

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DbBackend, Statement};
use std::time::Duration;
use tandem_migration::{Migrator, MigratorTrait};

/// Opens a pool for `url` (`sqlite://…` or `postgres://…`) with engine-specific settings.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    if url.starts_with("sqlite:") {
        // SQLite serialises writers anyway; a small pool avoids lock storms.
        opts.max_connections(8).min_connections(1);
    } else {
        opts.max_connections(20).min_connections(1);
    }
    let db = Database::connect(opts).await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        // WAL lets readers proceed while one writer commits; foreign keys are off by default
        // in SQLite itself (sqlx turns them on, this makes it explicit for every engine build).
        for pragma in [
            "PRAGMA journal_mode=WAL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA synchronous=NORMAL",
        ] {
            db.execute(Statement::from_string(DbBackend::Sqlite, pragma))
                .await?;
        }
    }
    Ok(db)
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
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
