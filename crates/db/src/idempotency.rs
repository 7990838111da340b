//! Stored outcomes of POST requests sent with an `Idempotency-Key`.

use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::entities::idempotency_keys;
use crate::error::{RepoError, RepoResult};

/// How long a key is remembered.
pub const RETENTION_HOURS: i64 = 24;

pub async fn find(
    db: &impl ConnectionTrait,
    scope_hash: &str,
) -> RepoResult<Option<idempotency_keys::Model>> {
    let row = idempotency_keys::Entity::find()
        .filter(idempotency_keys::Column::ScopeHash.eq(scope_hash))
        .one(db)
        .await?;
    match row {
        Some(r) if r.created_at < Utc::now() - Duration::hours(RETENTION_HOURS) => {
            idempotency_keys::Entity::delete_by_id(r.id)
                .exec(db)
                .await?;
            Ok(None)
        }
        other => Ok(other),
    }
}

/// Claims the key for a running request. `Conflict` when another request holds it.
pub async fn claim(
    db: &impl ConnectionTrait,
    scope_hash: &str,
    request_hash: &str,
) -> RepoResult<Uuid> {
    let id = Uuid::now_v7();
    idempotency_keys::ActiveModel {
        id: Set(id),
        scope_hash: Set(scope_hash.to_owned()),
        request_hash: Set(request_hash.to_owned()),
        status: Set(None),
        headers: Set(None),
        body: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .map_err(|e| match RepoError::from(e) {
        RepoError::Conflict(_) => RepoError::Conflict("idempotency_in_progress"),
        other => other,
    })?;
    Ok(id)
}

/// Records the outcome to replay.
pub async fn complete(
    db: &impl ConnectionTrait,
    id: Uuid,
    status: u16,
    headers: serde_json::Value,
    body: Vec<u8>,
) -> RepoResult<()> {
    idempotency_keys::Entity::update_many()
        .col_expr(
            idempotency_keys::Column::Status,
            Expr::value(i32::from(status)),
        )
        .col_expr(
            idempotency_keys::Column::Headers,
            Expr::value(headers.to_string()),
        )
        .col_expr(idempotency_keys::Column::Body, Expr::value(body))
        .filter(idempotency_keys::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Forgets a key (the request failed on our side, so a retry must run again).
pub async fn release(db: &impl ConnectionTrait, id: Uuid) -> RepoResult<()> {
    idempotency_keys::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Drops keys older than the retention period.
pub async fn purge_expired(db: &impl ConnectionTrait) -> RepoResult<u64> {
    let cutoff = Utc::now() - Duration::hours(RETENTION_HOURS);
    Ok(idempotency_keys::Entity::delete_many()
        .filter(idempotency_keys::Column::CreatedAt.lt(cutoff))
        .exec(db)
        .await?
        .rows_affected)
}
