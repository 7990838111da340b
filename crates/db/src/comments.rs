//! Comments on tasks (T4).

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::entities::comments;
use crate::error::{RepoError, RepoResult, stale_or_gone};
use crate::pagination::oldest_first;

pub async fn create(
    db: &impl ConnectionTrait,
    task_id: Uuid,
    author_id: Uuid,
    body: String,
    body_html: String,
) -> RepoResult<comments::Model> {
    let now = Utc::now();
    Ok(comments::ActiveModel {
        id: Set(Uuid::now_v7()),
        task_id: Set(task_id),
        author_id: Set(author_id),
        body: Set(body),
        body_html: Set(body_html),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(db)
    .await?)
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> RepoResult<comments::Model> {
    comments::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)
}

/// Replaces the text, conditional on the version read.
pub async fn update(
    db: &impl ConnectionTrait,
    c: comments::Model,
    body: String,
    body_html: String,
) -> RepoResult<comments::Model> {
    let (id, version) = (c.id, c.version);
    let mut am: comments::ActiveModel = c.into();
    am.body = Set(body);
    am.body_html = Set(body_html);
    am.updated_at = Set(Utc::now());
    am.version = Set(version + 1);
    let res = comments::Entity::update_many()
        .set(am)
        .filter(comments::Column::Id.eq(id))
        .filter(comments::Column::Version.eq(version))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(stale_or_gone(
            comments::Entity::find_by_id(id).one(db).await?.is_some(),
        ));
    }
    find(db, id).await
}

pub async fn delete(db: &impl ConnectionTrait, id: Uuid) -> RepoResult<()> {
    comments::Entity::delete_by_id(id).exec(db).await?;
    crate::external_keys::unbind(db, tandem_dto::ExternalKeyKind::Comment, id).await?;
    Ok(())
}

/// A task's comments, oldest first.
pub async fn list(
    db: &impl ConnectionTrait,
    task_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> RepoResult<(Vec<comments::Model>, Option<String>)> {
    let q = comments::Entity::find().filter(comments::Column::TaskId.eq(task_id));
    oldest_first(db, q, comments::Column::Id, after, limit, |c| c.id).await
}

/// A project's comments, oldest first (exports).
pub async fn list_in_project(
    db: &impl ConnectionTrait,
    project_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> RepoResult<(Vec<comments::Model>, Option<String>)> {
    use crate::entities::tasks;
    use sea_orm::{QuerySelect, QueryTrait};
    let in_project = tasks::Entity::find()
        .select_only()
        .column(tasks::Column::Id)
        .filter(tasks::Column::ProjectId.eq(project_id))
        .into_query();
    let q = comments::Entity::find().filter(comments::Column::TaskId.in_subquery(in_project));
    oldest_first(db, q, comments::Column::Id, after, limit, |c| c.id).await
}
