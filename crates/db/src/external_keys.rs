//! I3: external keys — the names CI scripts give objects, kept on the server.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use tandem_dto::ExternalKeyKind;
use uuid::Uuid;

use crate::entities::external_keys;
use crate::error::{RepoError, RepoResult};

/// The scope of global keys (departments, users, projects).
pub const GLOBAL: Uuid = Uuid::nil();

/// Statements stay under the engines' bound-parameter limits.
const CHUNK: usize = 500;

pub struct NewKey {
    pub kind: ExternalKeyKind,
    pub scope: Uuid,
    pub key: String,
    pub object_id: Uuid,
}

/// Names `object_id` by `key`, in the caller's transaction. A key that names another object,
/// or an object that already has another key of the kind, is a conflict
/// (`external_key_taken`); binding the same pair again changes nothing.
pub async fn bind(db: &impl ConnectionTrait, k: NewKey, by: Uuid) -> RepoResult<bool> {
    if let Some(existing) = find(db, k.kind, k.scope, &k.key).await? {
        return if existing.object_id == k.object_id {
            Ok(false)
        } else {
            Err(RepoError::Conflict("external_key_taken"))
        };
    }
    if key_of(db, k.kind, k.object_id).await?.is_some() {
        return Err(RepoError::Conflict("external_key_taken"));
    }
    insert_many(db, vec![k], by).await?;
    Ok(true)
}

/// Many new keys at once (a batch's tasks), in the caller's transaction.
pub async fn insert_many(db: &impl ConnectionTrait, keys: Vec<NewKey>, by: Uuid) -> RepoResult<()> {
    let now = Utc::now();
    let mut rows = keys
        .into_iter()
        .map(|k| external_keys::ActiveModel {
            kind: Set(k.kind.as_str().to_owned()),
            scope_id: Set(k.scope),
            key: Set(k.key),
            object_id: Set(k.object_id),
            created_by: Set(by),
            created_at: Set(now),
        })
        .peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(CHUNK).collect();
        external_keys::Entity::insert_many(chunk)
            .exec(db)
            .await
            .map_err(|e| match RepoError::from(e) {
                RepoError::Conflict("unique") => RepoError::Conflict("external_key_taken"),
                other => other,
            })?;
    }
    Ok(())
}

pub async fn find(
    db: &impl ConnectionTrait,
    kind: ExternalKeyKind,
    scope: Uuid,
    key: &str,
) -> RepoResult<Option<external_keys::Model>> {
    Ok(
        external_keys::Entity::find_by_id((kind.as_str().to_owned(), scope, key.to_owned()))
            .one(db)
            .await?,
    )
}

/// The key an object has, if any.
pub async fn key_of(
    db: &impl ConnectionTrait,
    kind: ExternalKeyKind,
    object_id: Uuid,
) -> RepoResult<Option<external_keys::Model>> {
    Ok(external_keys::Entity::find()
        .filter(external_keys::Column::Kind.eq(kind.as_str()))
        .filter(external_keys::Column::ObjectId.eq(object_id))
        .one(db)
        .await?)
}

/// The objects `keys` name in `scope` (those that exist).
pub async fn resolve(
    db: &impl ConnectionTrait,
    kind: ExternalKeyKind,
    scope: Uuid,
    keys: impl IntoIterator<Item = String>,
) -> RepoResult<HashMap<String, Uuid>> {
    let keys: Vec<String> = keys.into_iter().collect();
    let mut out = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(CHUNK) {
        let rows: Vec<(String, Uuid)> = external_keys::Entity::find()
            .select_only()
            .column(external_keys::Column::Key)
            .column(external_keys::Column::ObjectId)
            .filter(external_keys::Column::Kind.eq(kind.as_str()))
            .filter(external_keys::Column::ScopeId.eq(scope))
            .filter(external_keys::Column::Key.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// One page of a scope's keys of a kind, in key order after `after`.
pub async fn list(
    db: &impl ConnectionTrait,
    kind: ExternalKeyKind,
    scope: Uuid,
    after: Option<&str>,
    limit: u64,
) -> RepoResult<Vec<external_keys::Model>> {
    let mut q = external_keys::Entity::find()
        .filter(external_keys::Column::Kind.eq(kind.as_str()))
        .filter(external_keys::Column::ScopeId.eq(scope));
    if let Some(a) = after {
        q = q.filter(external_keys::Column::Key.gt(a));
    }
    Ok(q.order_by_asc(external_keys::Column::Key)
        .limit(limit)
        .all(db)
        .await?)
}

/// Forgets the keys of deleted objects, in the deleting transaction.
pub async fn unbind(
    db: &impl ConnectionTrait,
    kind: ExternalKeyKind,
    object_id: Uuid,
) -> RepoResult<()> {
    external_keys::Entity::delete_many()
        .filter(external_keys::Column::Kind.eq(kind.as_str()))
        .filter(external_keys::Column::ObjectId.eq(object_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Forgets the keys of several deleted objects of one kind, in the deleting transaction.
pub async fn unbind_many(
    db: &impl ConnectionTrait,
    kind: ExternalKeyKind,
    ids: &[Uuid],
) -> RepoResult<()> {
    for chunk in ids.chunks(CHUNK) {
        external_keys::Entity::delete_many()
            .filter(external_keys::Column::Kind.eq(kind.as_str()))
            .filter(external_keys::Column::ObjectId.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Forgets the keys of a task's comments (the task is being deleted).
pub async fn unbind_comments_of(db: &impl ConnectionTrait, task_id: Uuid) -> RepoResult<()> {
    use crate::entities::comments;
    use sea_orm::QueryTrait;
    let ids = comments::Entity::find()
        .select_only()
        .column(comments::Column::Id)
        .filter(comments::Column::TaskId.eq(task_id))
        .into_query();
    external_keys::Entity::delete_many()
        .filter(external_keys::Column::Kind.eq(ExternalKeyKind::Comment.as_str()))
        .filter(external_keys::Column::ObjectId.in_subquery(ids))
        .exec(db)
        .await?;
    Ok(())
}

/// Forgets keys of a scope (they named objects that no longer exist).
pub async fn forget(
    db: &impl ConnectionTrait,
    kind: ExternalKeyKind,
    scope: Uuid,
    keys: Vec<String>,
) -> RepoResult<()> {
    for chunk in keys.chunks(CHUNK) {
        external_keys::Entity::delete_many()
            .filter(external_keys::Column::Kind.eq(kind.as_str()))
            .filter(external_keys::Column::ScopeId.eq(scope))
            .filter(external_keys::Column::Key.is_in(chunk.iter().cloned()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Which of `ids` already have a key of `kind`.
pub async fn keyed_among(
    db: &impl ConnectionTrait,
    kind: ExternalKeyKind,
    ids: &[Uuid],
) -> RepoResult<std::collections::HashSet<Uuid>> {
    let mut out = std::collections::HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<Uuid> = external_keys::Entity::find()
            .select_only()
            .column(external_keys::Column::ObjectId)
            .filter(external_keys::Column::Kind.eq(kind.as_str()))
            .filter(external_keys::Column::ObjectId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}
