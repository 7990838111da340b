//! Task attachments and their versions (T5). The bytes live in the file store under our own
//! keys; these rows hold names, sizes, hashes and permissions.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use uuid::Uuid;

use crate::entities::{attachment_versions, attachments};
use crate::error::{RepoError, RepoResult};

/// One stored upload.
pub struct StoredFile {
    pub name: String,
    pub size: i64,
    pub sha256: String,
    pub content_type: String,
    pub storage_key: String,
    pub uploaded_by: Uuid,
}

fn version_row(
    attachment_id: Uuid,
    number: i32,
    f: StoredFile,
) -> attachment_versions::ActiveModel {
    attachment_versions::ActiveModel {
        id: Set(Uuid::now_v7()),
        attachment_id: Set(attachment_id),
        number: Set(number),
        name: Set(f.name),
        size: Set(f.size),
        sha256: Set(f.sha256),
        content_type: Set(f.content_type),
        storage_key: Set(f.storage_key),
        uploaded_by: Set(f.uploaded_by),
        created_at: Set(Utc::now()),
    }
}

pub async fn create(
    db: &impl TransactionTrait,
    task_id: Uuid,
    permission: &str,
    viewers: Option<Vec<Uuid>>,
    file: StoredFile,
) -> RepoResult<attachments::Model> {
    let txn = crate::begin_write(db).await?;
    let now = Utc::now();
    let a = attachments::ActiveModel {
        id: Set(Uuid::now_v7()),
        task_id: Set(task_id),
        name: Set(file.name.clone()),
        permission: Set(permission.to_owned()),
        viewers: Set(viewers.map(|v| serde_json::json!(v))),
        current_version: Set(1),
        created_by: Set(file.uploaded_by),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(&txn)
    .await?;
    version_row(a.id, 1, file).insert(&txn).await?;
    txn.commit().await?;
    Ok(a)
}

/// Adds a version; the earlier ones stay (history).
pub async fn add_version(
    db: &impl TransactionTrait,
    a: attachments::Model,
    file: StoredFile,
) -> RepoResult<attachments::Model> {
    let txn = crate::begin_write(db).await?;
    let number = a.current_version + 1;
    let (id, version) = (a.id, a.version);
    let name = file.name.clone();
    let res = attachments::Entity::update_many()
        .col_expr(attachments::Column::CurrentVersion, number.into())
        .col_expr(attachments::Column::Name, name.into())
        .col_expr(attachments::Column::UpdatedAt, Utc::now().into())
        .col_expr(attachments::Column::Version, (version + 1).into())
        .filter(attachments::Column::Id.eq(id))
        .filter(attachments::Column::Version.eq(version))
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(RepoError::Conflict("stale_version"));
    }
    version_row(id, number, file).insert(&txn).await?;
    let out = find(&txn, id).await?;
    txn.commit().await?;
    Ok(out)
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> RepoResult<attachments::Model> {
    attachments::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)
}

pub async fn list_for_task(
    db: &impl ConnectionTrait,
    task_id: Uuid,
) -> RepoResult<Vec<attachments::Model>> {
    Ok(attachments::Entity::find()
        .filter(attachments::Column::TaskId.eq(task_id))
        .order_by_asc(attachments::Column::Id)
        .all(db)
        .await?)
}

pub async fn versions(
    db: &impl ConnectionTrait,
    attachment_ids: &[Uuid],
) -> RepoResult<Vec<attachment_versions::Model>> {
    Ok(attachment_versions::Entity::find()
        .filter(attachment_versions::Column::AttachmentId.is_in(attachment_ids.iter().copied()))
        .order_by_asc(attachment_versions::Column::Number)
        .all(db)
        .await?)
}

pub async fn find_version(
    db: &impl ConnectionTrait,
    attachment_id: Uuid,
    number: i32,
) -> RepoResult<attachment_versions::Model> {
    attachment_versions::Entity::find()
        .filter(attachment_versions::Column::AttachmentId.eq(attachment_id))
        .filter(attachment_versions::Column::Number.eq(number))
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)
}

pub async fn update_access(
    db: &impl ConnectionTrait,
    a: attachments::Model,
    permission: Option<&str>,
    viewers: Option<Option<Vec<Uuid>>>,
) -> RepoResult<attachments::Model> {
    let (id, version) = (a.id, a.version);
    let mut am: attachments::ActiveModel = a.into();
    if let Some(p) = permission {
        am.permission = Set(p.to_owned());
    }
    if let Some(v) = viewers {
        am.viewers = Set(v.map(|v| serde_json::json!(v)));
    }
    am.updated_at = Set(Utc::now());
    am.version = Set(version + 1);
    let res = attachments::Entity::update_many()
        .set(am)
        .filter(attachments::Column::Id.eq(id))
        .filter(attachments::Column::Version.eq(version))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(RepoError::Conflict("stale_version"));
    }
    find(db, id).await
}

/// Deletes the attachment and its versions; returns the storage keys to remove.
pub async fn delete(db: &impl TransactionTrait, id: Uuid) -> RepoResult<Vec<String>> {
    let txn = crate::begin_write(db).await?;
    let keys = versions(&txn, &[id])
        .await?
        .into_iter()
        .map(|v| v.storage_key)
        .collect();
    attachment_versions::Entity::delete_many()
        .filter(attachment_versions::Column::AttachmentId.eq(id))
        .exec(&txn)
        .await?;
    attachments::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(keys)
}
