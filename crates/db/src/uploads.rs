//! Resumable uploads (tus 1.0): the row that says how far an upload got. The bytes themselves
//! are staged in the file store by the API; this only records them once they are stored.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::entities::uploads;
use crate::error::{RepoError, RepoResult};

pub const RECEIVING: &str = "receiving";
pub const DONE: &str = "done";
pub const FAILED: &str = "failed";

/// What a new upload will become.
pub struct NewUpload {
    pub user_id: Uuid,
    pub project_id: Uuid,
    pub folder_id: Option<Uuid>,
    pub target_file_id: Option<Uuid>,
    pub name: String,
    pub note: Option<String>,
    pub length: i64,
    pub expires_at: DateTime<Utc>,
}

pub async fn create(db: &impl ConnectionTrait, n: NewUpload) -> RepoResult<uploads::Model> {
    let now = Utc::now();
    Ok(uploads::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(n.user_id),
        project_id: Set(n.project_id),
        folder_id: Set(n.folder_id),
        target_file_id: Set(n.target_file_id),
        name: Set(n.name),
        note: Set(n.note),
        length: Set(n.length),
        received: Set(0),
        parts: Set("[]".into()),
        state: Set(RECEIVING.into()),
        result_file_id: Set(None),
        problem: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        expires_at: Set(n.expires_at),
    }
    .insert(db)
    .await?)
}

/// The upload `id` of `user` (another user's is not found), unless it has expired.
pub async fn find(db: &impl ConnectionTrait, id: Uuid, user: Uuid) -> RepoResult<uploads::Model> {
    uploads::Entity::find_by_id(id)
        .filter(uploads::Column::UserId.eq(user))
        .filter(uploads::Column::ExpiresAt.gt(Utc::now()))
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)
}

/// Moves an upload still receiving from `from` to `to` bytes, with `parts` its pieces now,
/// and its expiry to `expires`; `false` when another request moved it first (the caller's
/// bytes are then not counted).
pub async fn advance(
    db: &impl ConnectionTrait,
    id: Uuid,
    from: i64,
    to: i64,
    parts: String,
    expires: DateTime<Utc>,
) -> RepoResult<bool> {
    let r = uploads::Entity::update_many()
        .col_expr(uploads::Column::Received, Expr::value(to))
        .col_expr(uploads::Column::Parts, Expr::value(parts))
        .col_expr(uploads::Column::UpdatedAt, Expr::value(Utc::now()))
        .col_expr(uploads::Column::ExpiresAt, Expr::value(expires))
        .filter(uploads::Column::Id.eq(id))
        .filter(uploads::Column::Received.eq(from))
        .filter(uploads::Column::State.eq(RECEIVING))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Marks a fully received upload as `state` (done, with the file it made, or failed, with
/// the problem); `false` when it was no longer receiving (another request finished it).
pub async fn finish(
    db: &impl ConnectionTrait,
    id: Uuid,
    state: &str,
    file: Option<Uuid>,
    problem: Option<String>,
) -> RepoResult<bool> {
    let r = uploads::Entity::update_many()
        .col_expr(uploads::Column::State, Expr::value(state))
        .col_expr(uploads::Column::ResultFileId, Expr::value(file))
        .col_expr(uploads::Column::Problem, Expr::value(problem))
        .col_expr(uploads::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(uploads::Column::Id.eq(id))
        .filter(uploads::Column::State.eq(RECEIVING))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

pub async fn delete(db: &impl ConnectionTrait, id: Uuid) -> RepoResult<()> {
    uploads::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Up to `limit` uploads that expired before `now`, oldest first.
pub async fn expired(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> RepoResult<Vec<uploads::Model>> {
    Ok(uploads::Entity::find()
        .filter(uploads::Column::ExpiresAt.lte(now))
        .order_by_asc(uploads::Column::ExpiresAt)
        .limit(limit)
        .all(db)
        .await?)
}

/// Bytes of uploads under way into `project`, not yet files (counted against its quota when
/// an upload starts, so several large uploads cannot together overrun it).
pub async fn pending_bytes(db: &impl ConnectionTrait, project: Uuid) -> RepoResult<i64> {
    let rows: Vec<i64> = uploads::Entity::find()
        .select_only()
        .column(uploads::Column::Length)
        .filter(uploads::Column::ProjectId.eq(project))
        .filter(uploads::Column::State.eq(RECEIVING))
        .filter(uploads::Column::ExpiresAt.gt(Utc::now()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.iter().sum())
}
