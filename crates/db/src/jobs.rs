//! The `jobs` table: durable background work.
//!
//! A job is `queued` until its `run_at`, then claimed by one worker (`running`, with a lease
//! `locked_until` the worker keeps extending), then `done`, or `queued` again with a later
//! `run_at` after a failure (backoff), or `failed` when its attempts are used up — kept with
//! its error. A worker that dies mid-job (kill -9) leaves its lease to run out; the job is
//! then claimed again. On PostgreSQL several instances claim with `FOR UPDATE SKIP LOCKED`, so
//! each job goes to one of them; SQLite is one instance, which at start-up takes back what its
//! previous run left `running` ([`release_all`]).
//!
//! A recurring job is one row (`unique_key` = `recurring:<kind>`) that goes back to `queued`
//! with its next `run_at` each time it finishes, so it survives restarts and exists once. A
//! one-off job's key only keeps a second one from being queued while the first waits: it is
//! released when the job starts.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, Set, Statement,
};
use uuid::Uuid;

use crate::entities::jobs;
use crate::error::RepoResult;

pub const QUEUED: &str = "queued";
pub const RUNNING: &str = "running";
pub const DONE: &str = "done";
pub const FAILED: &str = "failed";

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub kind: &'a str,
    pub payload: serde_json::Value,
    pub run_at: DateTime<Utc>,
    /// At most one unfinished job with this key: enqueueing another is a no-op.
    pub unique_key: Option<String>,
    pub max_attempts: i32,
}

/// Enqueues in the caller's transaction; `false` when an unfinished job has the same key.
pub async fn enqueue(db: &impl ConnectionTrait, job: NewJob<'_>) -> RepoResult<bool> {
    let now = Utc::now();
    let row = jobs::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(job.kind.to_owned()),
        payload: Set(job.payload.to_string()),
        unique_key: Set(job.unique_key),
        status: Set(QUEUED.to_owned()),
        run_at: Set(job.run_at),
        attempts: Set(0),
        max_attempts: Set(job.max_attempts.max(1)),
        last_error: Set(None),
        locked_by: Set(None),
        locked_until: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        finished_at: Set(None),
    };
    let n = jobs::Entity::insert(row)
        .on_conflict(
            OnConflict::column(jobs::Column::UniqueKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(n > 0)
}

/// The key of a recurring job of `kind`.
pub fn recurring_key(kind: &str) -> String {
    format!("recurring:{kind}")
}

/// Makes sure the recurring job of `kind` exists (first run: now), and runs within `every`
/// from now (a shorter period configured since it was scheduled takes effect at once).
pub async fn ensure_recurring(
    db: &impl ConnectionTrait,
    kind: &str,
    every: Duration,
) -> RepoResult<()> {
    let soonest = Utc::now() + every;
    jobs::Entity::update_many()
        .col_expr(jobs::Column::RunAt, Expr::value(soonest))
        .filter(jobs::Column::UniqueKey.eq(recurring_key(kind)))
        .filter(jobs::Column::Status.eq(QUEUED))
        .filter(jobs::Column::RunAt.gt(soonest))
        .exec(db)
        .await?;
    enqueue(
        db,
        NewJob {
            kind,
            payload: serde_json::json!({}),
            run_at: Utc::now(),
            unique_key: Some(recurring_key(kind)),
            max_attempts: 1,
        },
    )
    .await?;
    Ok(())
}

/// Claims the job due longest, if any, for `worker` until `now + lease`.
pub async fn claim(
    db: &impl ConnectionTrait,
    worker: &str,
    lease: Duration,
) -> RepoResult<Option<jobs::Model>> {
    let now = Utc::now();
    let until = now + lease;
    let backend = db.get_database_backend();
    if backend == DbBackend::Postgres {
        // One statement: the row is locked by this transaction and skipped by every other
        // claimer until the update commits.
        let sql = "UPDATE jobs SET status = 'running', attempts = attempts + 1, \
                   locked_by = $1, locked_until = $2, updated_at = $3, \
                   unique_key = CASE WHEN unique_key LIKE 'recurring:%' THEN unique_key END \
                   WHERE id = (SELECT id FROM jobs \
                     WHERE (status = 'queued' AND run_at <= $3) \
                        OR (status = 'running' AND locked_until < $3) \
                     ORDER BY run_at LIMIT 1 FOR UPDATE SKIP LOCKED) \
                   RETURNING *";
        return Ok(
            jobs::Model::find_by_statement(Statement::from_sql_and_values(
                backend,
                sql,
                [worker.into(), until.into(), now.into()],
            ))
            .one(db)
            .await?,
        );
    }
    // SQLite: look without taking the write lock (idle polls stay reads), then claim with an
    // update that repeats the conditions, so it fails if someone else got there first (then
    // look again).
    let due = || {
        sea_orm::Condition::any()
            .add(
                jobs::Column::Status
                    .eq(QUEUED)
                    .and(jobs::Column::RunAt.lte(now)),
            )
            .add(
                jobs::Column::Status
                    .eq(RUNNING)
                    .and(jobs::Column::LockedUntil.lt(now)),
            )
    };
    for _ in 0..3 {
        let Some(candidate) = jobs::Entity::find()
            .filter(due())
            .order_by_asc(jobs::Column::RunAt)
            .one(db)
            .await?
        else {
            return Ok(None);
        };
        let n = jobs::Entity::update_many()
            .col_expr(jobs::Column::Status, Expr::value(RUNNING))
            .col_expr(
                jobs::Column::Attempts,
                Expr::col(jobs::Column::Attempts).add(1),
            )
            .col_expr(jobs::Column::LockedBy, Expr::value(worker))
            .col_expr(jobs::Column::LockedUntil, Expr::value(until))
            .col_expr(jobs::Column::UpdatedAt, Expr::value(now))
            .col_expr(jobs::Column::UniqueKey, release_one_off_key())
            .filter(jobs::Column::Id.eq(candidate.id))
            .filter(due())
            .exec(db)
            .await?
            .rows_affected;
        if n > 0 {
            return Ok(jobs::Entity::find_by_id(candidate.id).one(db).await?);
        }
    }
    Ok(None)
}

/// A one-off job gives its key up when it starts: what is queued under the same key while it
/// runs (a notification arriving while its user's digest is being sent) is a new job, not
/// lost. A recurring job keeps its key for good.
fn release_one_off_key() -> sea_orm::sea_query::SimpleExpr {
    Expr::cust("CASE WHEN unique_key LIKE 'recurring:%' THEN unique_key END")
}

/// Extends a running job's lease; `false` when the job is no longer this worker's.
pub async fn heartbeat(
    db: &impl ConnectionTrait,
    id: Uuid,
    worker: &str,
    lease: Duration,
) -> RepoResult<bool> {
    let now = Utc::now();
    Ok(jobs::Entity::update_many()
        .col_expr(jobs::Column::LockedUntil, Expr::value(now + lease))
        .col_expr(jobs::Column::UpdatedAt, Expr::value(now))
        .filter(jobs::Column::Id.eq(id))
        .filter(jobs::Column::Status.eq(RUNNING))
        .filter(jobs::Column::LockedBy.eq(worker))
        .exec(db)
        .await?
        .rows_affected
        > 0)
}

/// Ends a run that succeeded: a recurring job is queued for `next`, a one-off one is done.
pub async fn complete(
    db: &impl ConnectionTrait,
    job: &jobs::Model,
    worker: &str,
    next: Option<DateTime<Utc>>,
) -> RepoResult<()> {
    let now = Utc::now();
    let q = jobs::Entity::update_many()
        .col_expr(jobs::Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(
            jobs::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(jobs::Column::UpdatedAt, Expr::value(now));
    let q = match next {
        Some(at) => q
            .col_expr(jobs::Column::Status, Expr::value(QUEUED))
            .col_expr(jobs::Column::RunAt, Expr::value(at))
            .col_expr(jobs::Column::Attempts, Expr::value(0))
            .col_expr(jobs::Column::FinishedAt, Expr::value(now)),
        None => q
            .col_expr(jobs::Column::Status, Expr::value(DONE))
            .col_expr(jobs::Column::FinishedAt, Expr::value(now))
            .col_expr(jobs::Column::UniqueKey, Expr::value(Option::<String>::None)),
    };
    q.filter(jobs::Column::Id.eq(job.id))
        .filter(jobs::Column::LockedBy.eq(worker))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends a run that failed: queued again at `retry_at`, or `failed` for good when `None`.
/// The error is kept either way.
pub async fn fail(
    db: &impl ConnectionTrait,
    job: &jobs::Model,
    worker: &str,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> RepoResult<()> {
    let now = Utc::now();
    let error: String = error.chars().take(4000).collect();
    let q = jobs::Entity::update_many()
        .col_expr(jobs::Column::LastError, Expr::value(error))
        .col_expr(jobs::Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(
            jobs::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(jobs::Column::UpdatedAt, Expr::value(now));
    let q = match retry_at {
        Some(at) => q
            .col_expr(jobs::Column::Status, Expr::value(QUEUED))
            .col_expr(jobs::Column::RunAt, Expr::value(at)),
        None => q
            .col_expr(jobs::Column::Status, Expr::value(FAILED))
            .col_expr(jobs::Column::FinishedAt, Expr::value(now))
            .col_expr(jobs::Column::UniqueKey, Expr::value(Option::<String>::None)),
    };
    q.filter(jobs::Column::Id.eq(job.id))
        .filter(jobs::Column::LockedBy.eq(worker))
        .exec(db)
        .await?;
    Ok(())
}

/// SQLite start-up: this process is the only worker, so whatever is `running` was left by a
/// previous run that died; it may run again at once. Returns how many.
pub async fn release_all(db: &impl ConnectionTrait) -> RepoResult<u64> {
    Ok(jobs::Entity::update_many()
        .col_expr(jobs::Column::Status, Expr::value(QUEUED))
        .col_expr(jobs::Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(
            jobs::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(jobs::Column::Status.eq(RUNNING))
        .exec(db)
        .await?
        .rows_affected)
}

/// The newest jobs (by creation, then by last change), optionally of one status.
pub async fn recent(
    db: &impl ConnectionTrait,
    status: Option<&str>,
    limit: u64,
) -> RepoResult<Vec<jobs::Model>> {
    let mut q = jobs::Entity::find();
    if let Some(s) = status {
        q = q.filter(jobs::Column::Status.eq(s));
    }
    Ok(q.order_by_desc(jobs::Column::UpdatedAt)
        .limit(limit)
        .all(db)
        .await?)
}

/// Puts a failed job back in the queue (an operator's retry); `false` when it is not failed.
pub async fn retry(db: &impl ConnectionTrait, id: Uuid) -> RepoResult<bool> {
    let now = Utc::now();
    Ok(jobs::Entity::update_many()
        .col_expr(jobs::Column::Status, Expr::value(QUEUED))
        .col_expr(jobs::Column::RunAt, Expr::value(now))
        .col_expr(jobs::Column::Attempts, Expr::value(0))
        .col_expr(jobs::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            jobs::Column::FinishedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(jobs::Column::Id.eq(id))
        .filter(jobs::Column::Status.eq(FAILED))
        .exec(db)
        .await?
        .rows_affected
        > 0)
}

/// Removes finished one-off jobs that ended before `before`; returns how many.
pub async fn prune(db: &impl ConnectionTrait, before: DateTime<Utc>) -> RepoResult<u64> {
    Ok(jobs::Entity::delete_many()
        .filter(jobs::Column::Status.is_in([DONE, FAILED]))
        .filter(jobs::Column::FinishedAt.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}
