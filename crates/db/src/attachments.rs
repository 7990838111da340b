//! Task attachments (T5): library files attached to a task (`files.task_id`), with the
//! attachments' own rules — who may see them (`viewers`) and who may replace or delete them
//! (`permission`). Their versions and blobs are the library's (`crate::files`).

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::entities::{file_versions, files};
use crate::error::{RepoError, RepoResult};
pub use crate::files::NewVersion;

/// Who may see an attachment, as stored: `Everyone` who sees the task (no list), the listed
/// people, or — when the stored list cannot be read — nobody but project administrators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewers {
    Everyone,
    Listed(Vec<Uuid>),
    Unreadable,
}

/// Reads an attachment's viewer list. Data that is not a list of ids restricts, never opens.
pub fn viewers(a: &files::Model) -> Viewers {
    match &a.viewers {
        None | Some(serde_json::Value::Null) => Viewers::Everyone,
        Some(v) => match serde_json::from_value::<Vec<Uuid>>(v.clone()) {
            Ok(list) => Viewers::Listed(list),
            Err(_) => Viewers::Unreadable,
        },
    }
}

/// Creates an attachment and its first version, through `txn` (the caller's write transaction).
pub async fn create(
    txn: &impl ConnectionTrait,
    project_id: Uuid,
    task_id: Uuid,
    permission: &str,
    viewers: Option<Vec<Uuid>>,
    v: NewVersion,
) -> RepoResult<files::Model> {
    crate::files::create_file(
        txn,
        crate::files::NewFile {
            project_id,
            folder_id: None,
            task_id: Some(task_id),
            kind: "file".into(),
            permission: permission.to_owned(),
            viewers,
        },
        v,
    )
    .await
}

/// Adds a version (it takes the uploaded name); the earlier ones stay.
pub async fn add_version(
    txn: &impl ConnectionTrait,
    a: files::Model,
    v: NewVersion,
) -> RepoResult<files::Model> {
    crate::files::add_version(txn, a, v, true).await
}

fn attachment(f: Option<files::Model>) -> RepoResult<files::Model> {
    f.filter(|f| f.task_id.is_some() && f.deleted_at.is_none())
        .ok_or(RepoError::NotFound)
}

/// An attachment read to decide a change in the caller's transaction: locked on PostgreSQL.
pub async fn find_for_update(db: &impl ConnectionTrait, id: Uuid) -> RepoResult<files::Model> {
    attachment(
        crate::for_update(db, files::Entity::find_by_id(id))
            .one(db)
            .await?,
    )
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> RepoResult<files::Model> {
    attachment(files::Entity::find_by_id(id).one(db).await?)
}

pub async fn list_for_task(
    db: &impl ConnectionTrait,
    task_id: Uuid,
) -> RepoResult<Vec<files::Model>> {
    Ok(files::Entity::find()
        .filter(files::Column::TaskId.eq(task_id))
        .filter(files::Column::DeletedAt.is_null())
        .order_by_asc(files::Column::Id)
        .all(db)
        .await?)
}

pub async fn versions(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> RepoResult<Vec<file_versions::Model>> {
    crate::files::versions(db, ids).await
}

pub async fn find_version(
    db: &impl ConnectionTrait,
    id: Uuid,
    number: i32,
) -> RepoResult<file_versions::Model> {
    crate::files::find_version(db, id, number).await
}

pub async fn update_access(
    db: &impl ConnectionTrait,
    a: files::Model,
    permission: Option<&str>,
    viewers: Option<Option<Vec<Uuid>>>,
) -> RepoResult<files::Model> {
    let expected = a.version;
    let mut a = a;
    if let Some(p) = permission {
        a.permission = p.to_owned();
    }
    if let Some(v) = viewers {
        a.viewers = v.map(|v| serde_json::json!(v));
    }
    crate::files::save_file(db, a, expected).await
}

/// Deletes the attachment with its versions through `txn` (the caller's transaction); its
/// stored content is released.
pub async fn delete(txn: &impl ConnectionTrait, id: Uuid) -> RepoResult<()> {
    find(txn, id).await?;
    crate::files::purge_files(txn, &[id]).await
}
