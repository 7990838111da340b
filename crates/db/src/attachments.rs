//! Task attachments and their versions (T5). The bytes live in the file store under our own
//! keys; these rows hold names, sizes, hashes and permissions.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::entities::{attachment_versions, attachments};
use crate::error::{RepoError, RepoResult, stale_or_gone};

/// Who may see an attachment, as stored: `Everyone` who sees the task (no list), the listed
/// people, or — when the stored list cannot be read — nobody but project administrators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewers {
    Everyone,
    Listed(Vec<Uuid>),
    Unreadable,
}

/// Reads an attachment's viewer list. Data that is not a list of ids restricts, never opens.
pub fn viewers(a: &attachments::Model) -> Viewers {
    match &a.viewers {
        None | Some(serde_json::Value::Null) => Viewers::Everyone,
        Some(v) => match serde_json::from_value::<Vec<Uuid>>(v.clone()) {
            Ok(list) => Viewers::Listed(list),
            Err(_) => Viewers::Unreadable,
        },
    }
}

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

/// Creates an attachment and its first version, through `txn` (the caller's write transaction).
pub async fn create(
    txn: &impl ConnectionTrait,
    task_id: Uuid,
    permission: &str,
    viewers: Option<Vec<Uuid>>,
    file: StoredFile,
) -> RepoResult<attachments::Model> {
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
    .insert(txn)
    .await?;
    version_row(a.id, 1, file).insert(txn).await?;
    Ok(a)
}

/// Adds a version; the earlier ones stay (history). Through `txn`, the caller's transaction.
pub async fn add_version(
    txn: &impl ConnectionTrait,
    a: attachments::Model,
    file: StoredFile,
) -> RepoResult<attachments::Model> {
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
        .exec(txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(stale_or_gone(find(txn, id).await.is_ok()));
    }
    version_row(id, number, file).insert(txn).await?;
    find(txn, id).await
}

/// An attachment read to decide a change in the caller's transaction: locked on PostgreSQL.
pub async fn find_for_update(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> RepoResult<attachments::Model> {
    crate::for_update(db, attachments::Entity::find_by_id(id))
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)
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
        return Err(stale_or_gone(find(db, id).await.is_ok()));
    }
    find(db, id).await
}

/// Deletes the attachment and its versions through `txn` (the caller's transaction); returns
/// the storage keys to remove once it committed.
pub async fn delete(txn: &impl ConnectionTrait, id: Uuid) -> RepoResult<Vec<String>> {
    let keys = versions(txn, &[id])
        .await?
        .into_iter()
        .map(|v| v.storage_key)
        .collect();
    attachment_versions::Entity::delete_many()
        .filter(attachment_versions::Column::AttachmentId.eq(id))
        .exec(txn)
        .await?;
    let res = attachments::Entity::delete_by_id(id).exec(txn).await?;
    if res.rows_affected == 0 {
        return Err(RepoError::NotFound);
    }
    Ok(keys)
}
