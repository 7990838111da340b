//! The `events` table: live events written in the transaction of the change they describe,
//! read back in id order by every instance's delivery loop and by resuming clients.
//!
//! Ids must become visible in increasing order, or a reader that has seen id 6 would skip a
//! 5 committed after it. SQLite has one writer at a time, so that holds by itself. On
//! PostgreSQL concurrent transactions would take ids from the sequence and commit in any
//! order, so writers of events take turns ([`Serialized::Events`]) from their first event to
//! their commit; callers write events last, just before committing, to keep that turn short.
//! PostgreSQL also hears `NOTIFY tandem_events` at the commit (a notification sent inside a
//! transaction is delivered only if it commits), which wakes the other instances.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set, Statement, TransactionTrait,
};
use uuid::Uuid;

use crate::Serialized;
use crate::entities::events;
use crate::error::RepoResult;

/// The PostgreSQL channel new events are announced on.
pub const CHANNEL: &str = "tandem_events";

/// An event to write.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: String,
    pub project_id: Option<Uuid>,
    /// `None`: every member of the project; otherwise these users.
    pub audience: Option<Vec<Uuid>>,
    pub subject: Option<Uuid>,
    /// Who made the change (`None`: the server itself).
    pub actor_id: Option<Uuid>,
    pub data: serde_json::Value,
}

/// Rows per INSERT statement (8 parameters each, far below either engine's limit).
const INSERT_CHUNK: usize = 200;

/// Writes `new` in the caller's transaction, in order (ids follow the order of `new`).
pub async fn append(db: &impl ConnectionTrait, new: &[NewEvent]) -> RepoResult<()> {
    if new.is_empty() {
        return Ok(());
    }
    crate::serialize(db, Serialized::Events).await?;
    let now = Utc::now();
    // Many rows per statement: a task batch writes a thousand events, and a statement is a
    // round trip to the database's thread however small it is.
    for chunk in new.chunks(INSERT_CHUNK) {
        let rows = chunk.iter().map(|e| events::ActiveModel {
            kind: Set(e.kind.clone()),
            project_id: Set(e.project_id),
            audience: Set(e.audience.as_ref().map(|a| {
                serde_json::Value::from(a.iter().map(|u| u.to_string()).collect::<Vec<_>>())
                    .to_string()
            })),
            subject: Set(e.subject),
            actor_id: Set(e.actor_id),
            data: Set(e.data.to_string()),
            created_at: Set(now),
            ..Default::default()
        });
        events::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared(&format!("NOTIFY {CHANNEL}")).await?;
    }
    Ok(())
}

/// Events after `from`, oldest first, at most `limit`.
pub async fn after(
    db: &impl ConnectionTrait,
    from: i64,
    limit: u64,
) -> RepoResult<Vec<events::Model>> {
    Ok(events::Entity::find()
        .filter(events::Column::Id.gt(from))
        .order_by_asc(events::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// Events in `(from, to]`, oldest first, at most `limit`.
pub async fn between(
    db: &impl ConnectionTrait,
    from: i64,
    to: i64,
    limit: u64,
) -> RepoResult<Vec<events::Model>> {
    Ok(events::Entity::find()
        .filter(events::Column::Id.gt(from))
        .filter(events::Column::Id.lte(to))
        .order_by_asc(events::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// The newest event id (0 when there is none yet).
pub async fn newest(db: &impl ConnectionTrait) -> RepoResult<i64> {
    let id: Option<Option<i64>> = events::Entity::find()
        .select_only()
        .column_as(events::Column::Id.max(), "m")
        .into_tuple()
        .one(db)
        .await?;
    Ok(id.flatten().unwrap_or(0).max(horizon(db).await?))
}

/// The newest id retention removed: resuming from before it is a gap.
pub async fn horizon(db: &impl ConnectionTrait) -> RepoResult<i64> {
    let row = db
        .query_one(Statement::from_string(
            db.get_database_backend(),
            "SELECT pruned_through FROM event_horizon WHERE id = 1",
        ))
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<i64>("", "pruned_through")?,
        None => 0,
    })
}

/// Removes events written before `before` and moves the horizon past them; returns how many.
pub async fn prune(db: &impl TransactionTrait, before: DateTime<Utc>) -> RepoResult<u64> {
    let txn = crate::begin_write(db).await?;
    let newest_old: Option<Option<i64>> = events::Entity::find()
        .select_only()
        .column_as(events::Column::Id.max(), "m")
        .filter(events::Column::CreatedAt.lt(before))
        .into_tuple()
        .one(&txn)
        .await?;
    let Some(through) = newest_old.flatten() else {
        txn.commit().await?;
        return Ok(0);
    };
    let gone = events::Entity::delete_many()
        .filter(events::Column::Id.lte(through))
        .exec(&txn)
        .await?
        .rows_affected;
    txn.execute(Statement::from_sql_and_values(
        txn.get_database_backend(),
        match txn.get_database_backend() {
            DbBackend::Postgres => {
                "UPDATE event_horizon SET pruned_through = GREATEST(pruned_through, $1) WHERE id = 1"
            }
            _ => "UPDATE event_horizon SET pruned_through = MAX(pruned_through, ?) WHERE id = 1",
        },
        [through.into()],
    ))
    .await?;
    txn.commit().await?;
    Ok(gone)
}
