//! The file library (F1–F6): folders, files and their versions, blobs, grants, the trash,
//! links to tasks. Task attachments are files too (`task_id` set; see `crate::attachments`).
//!
//! Blobs are shared by content: a version names its bytes by SHA-256, and the `blobs` row for
//! that hash says where they are stored. A blob row goes, and its object is queued for
//! removal, in the transaction that removes the last version naming it
//! ([`release_blobs`]); an upload that turns out to duplicate stored content adopts the stored
//! blob ([`settle_blob`]) and its own copy is removed. Both lock the blob row first, so an
//! upload and a removal of the same content never cross.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::entities::{
    blobs, departments, file_grants, file_task_links, file_versions, files, folders, projects,
    users,
};
use crate::error::{RepoError, RepoResult, stale_or_gone};

/// The job that removes a stored object no blob row names any more.
pub const BLOB_DELETE_JOB: &str = "files.blob_delete";

/// A statement with one parameter, written `$1` (PostgreSQL's way; SQLite's is `?`).
fn statement(db: &impl ConnectionTrait, sql: &str, p: Uuid) -> sea_orm::Statement {
    let backend = db.get_database_backend();
    let sql = if backend == sea_orm::DbBackend::Postgres {
        sql.to_owned()
    } else {
        sql.replace("$1", "?")
    };
    sea_orm::Statement::from_sql_and_values(backend, sql, [p.into()])
}

/// The case-folded name that must be unique among live entries of one folder.
pub fn name_key(name: &str) -> String {
    name.to_lowercase()
}

/// A version to record.
#[derive(Debug, Clone)]
pub struct NewVersion {
    pub name: String,
    pub size: i64,
    pub sha256: String,
    pub content_type: String,
    pub note: Option<String>,
    pub created_by: Uuid,
}

/// Content just written under `key`, to be recorded as a blob.
#[derive(Debug, Clone)]
pub struct Staged<'a> {
    pub key: &'a str,
    pub sha256: &'a str,
    pub size: i64,
}

/// Records staged content: a new blob, or — when the same content is stored already — the
/// stored one. Returns whether it was a duplicate; the staged object is then queued for
/// removal here, in the caller's transaction (and may be removed at once after commit).
pub async fn settle_blob(txn: &impl ConnectionTrait, s: Staged<'_>) -> RepoResult<bool> {
    blobs::Entity::insert(blobs::ActiveModel {
        sha256: Set(s.sha256.to_owned()),
        storage_key: Set(s.key.to_owned()),
        size: Set(s.size),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(blobs::Column::Sha256)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    let row = crate::for_update(txn, blobs::Entity::find_by_id(s.sha256.to_owned()))
        .one(txn)
        .await?
        .ok_or(RepoError::NotFound)?;
    let duplicate = row.storage_key != s.key;
    if duplicate {
        queue_object_removal(txn, s.key).await?;
    }
    Ok(duplicate)
}

async fn queue_object_removal(txn: &impl ConnectionTrait, key: &str) -> RepoResult<()> {
    crate::jobs::enqueue(
        txn,
        crate::jobs::NewJob {
            kind: BLOB_DELETE_JOB,
            payload: serde_json::json!({ "key": key }),
            run_at: Utc::now(),
            unique_key: Some(format!("{BLOB_DELETE_JOB}:{key}")),
            max_attempts: 20,
        },
    )
    .await?;
    Ok(())
}

/// Removes the blob rows of `shas` that no version names any more, and queues their objects
/// for removal — in the caller's transaction, after it removed versions.
pub async fn release_blobs(txn: &impl ConnectionTrait, shas: &[String]) -> RepoResult<()> {
    let unique: HashSet<&String> = shas.iter().collect();
    for sha in unique {
        let Some(blob) = crate::for_update(txn, blobs::Entity::find_by_id(sha.clone()))
            .one(txn)
            .await?
        else {
            continue;
        };
        let used = file_versions::Entity::find()
            .filter(file_versions::Column::Sha256.eq(sha.as_str()))
            .count(txn)
            .await?;
        if used == 0 {
            blobs::Entity::delete_by_id(sha.clone()).exec(txn).await?;
            queue_object_removal(txn, &blob.storage_key).await?;
        }
    }
    Ok(())
}

/// Whether a blob row still names `key` (the removal job checks before it removes).
pub async fn key_in_use(db: &impl ConnectionTrait, key: &str) -> RepoResult<bool> {
    Ok(blobs::Entity::find()
        .filter(blobs::Column::StorageKey.eq(key))
        .count(db)
        .await?
        > 0)
}

pub async fn blob(db: &impl ConnectionTrait, sha256: &str) -> RepoResult<blobs::Model> {
    blobs::Entity::find_by_id(sha256.to_owned())
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)
}

/// Every stored object's key.
pub async fn blob_keys(db: &impl ConnectionTrait) -> RepoResult<Vec<String>> {
    Ok(blobs::Entity::find()
        .select_only()
        .column(blobs::Column::StorageKey)
        .into_tuple()
        .all(db)
        .await?)
}

// ---------------------------------------------------------------------------------------
// Who is who: departments for grants.

/// The user's department and the departments above it (a grant to a department reaches
/// its sub-departments).
pub async fn departments_of(db: &impl ConnectionTrait, user_id: Uuid) -> RepoResult<Vec<Uuid>> {
    let own: Option<Option<Uuid>> = users::Entity::find_by_id(user_id)
        .select_only()
        .column(users::Column::DepartmentId)
        .into_tuple()
        .one(db)
        .await?;
    let Some(Some(own)) = own else {
        return Ok(Vec::new());
    };
    let parents = department_parents(db).await?;
    Ok(with_ancestors(own, &parents))
}

async fn department_parents(db: &impl ConnectionTrait) -> RepoResult<HashMap<Uuid, Option<Uuid>>> {
    let rows: Vec<(Uuid, Option<Uuid>)> = departments::Entity::find()
        .select_only()
        .column(departments::Column::Id)
        .column(departments::Column::ParentId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

fn with_ancestors(own: Uuid, parents: &HashMap<Uuid, Option<Uuid>>) -> Vec<Uuid> {
    let mut out = vec![own];
    let mut at = own;
    // Bounded: a cycle in stored data must not hang a request.
    while let Some(Some(p)) = parents.get(&at) {
        if out.contains(p) || out.len() > 64 {
            break;
        }
        out.push(*p);
        at = *p;
    }
    out
}

/// A project's members with their roles and departments (with the ones above), to decide who
/// hears of a change to a restricted part of the library.
pub async fn members_with_departments(
    db: &impl ConnectionTrait,
    project_id: Uuid,
) -> RepoResult<Vec<(Uuid, String, Vec<Uuid>)>> {
    let members = crate::projects::list_members(db, project_id).await?;
    let parents = department_parents(db).await?;
    Ok(members
        .into_iter()
        .map(|(m, u)| {
            let depts = u
                .department_id
                .map(|d| with_ancestors(d, &parents))
                .unwrap_or_default();
            (m.user_id, m.role, depts)
        })
        .collect())
}

/// Names of users and departments, for explaining grants.
pub async fn subject_names(
    db: &impl ConnectionTrait,
    users_ids: &[Uuid],
    department_ids: &[Uuid],
) -> RepoResult<HashMap<Uuid, String>> {
    let mut out = HashMap::new();
    if !users_ids.is_empty() {
        let rows: Vec<(Uuid, String)> = users::Entity::find()
            .select_only()
            .column(users::Column::Id)
            .column(users::Column::Name)
            .filter(users::Column::Id.is_in(users_ids.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(rows);
    }
    if !department_ids.is_empty() {
        let rows: Vec<(Uuid, String)> = departments::Entity::find()
            .select_only()
            .column(departments::Column::Id)
            .column(departments::Column::Name)
            .filter(departments::Column::Id.is_in(department_ids.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// Which of `ids` are departments.
pub async fn existing_departments(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> RepoResult<HashSet<Uuid>> {
    let rows: Vec<Uuid> = departments::Entity::find()
        .select_only()
        .column(departments::Column::Id)
        .filter(departments::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

// ---------------------------------------------------------------------------------------
// The tree: all folders and grants of a project, read at once (a library has hundreds of
// folders, not millions; permissions are decided on the whole path in memory).

pub struct Tree {
    pub folders: Vec<folders::Model>,
    pub grants: Vec<file_grants::Model>,
}

pub async fn tree(db: &impl ConnectionTrait, project_id: Uuid) -> RepoResult<Tree> {
    let folders = folders::Entity::find()
        .filter(folders::Column::ProjectId.eq(project_id))
        .order_by_asc(folders::Column::Name)
        .order_by_asc(folders::Column::Id)
        .all(db)
        .await?;
    let grants = file_grants::Entity::find()
        .filter(file_grants::Column::ProjectId.eq(project_id))
        .order_by_asc(file_grants::Column::CreatedAt)
        .order_by_asc(file_grants::Column::Id)
        .all(db)
        .await?;
    Ok(Tree { folders, grants })
}

// ---------------------------------------------------------------------------------------
// Folders.

pub async fn find_folder(db: &impl ConnectionTrait, id: Uuid) -> RepoResult<folders::Model> {
    folders::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)
}

/// A live folder of that name in `place` (a folder, or the project for the top).
pub async fn folder_named(
    db: &impl ConnectionTrait,
    project_id: Uuid,
    place: Uuid,
    name: &str,
) -> RepoResult<Option<folders::Model>> {
    Ok(folders::Entity::find()
        .filter(folders::Column::ProjectId.eq(project_id))
        .filter(folders::Column::Place.eq(place))
        .filter(folders::Column::NameKey.eq(name_key(name)))
        .one(db)
        .await?)
}

pub async fn create_folder(
    txn: &impl ConnectionTrait,
    project_id: Uuid,
    parent_id: Option<Uuid>,
    name: &str,
    by: Uuid,
) -> RepoResult<folders::Model> {
    let now = Utc::now();
    Ok(folders::ActiveModel {
        id: Set(Uuid::now_v7()),
        project_id: Set(project_id),
        parent_id: Set(parent_id),
        place: Set(parent_id.unwrap_or(project_id)),
        name: Set(name.to_owned()),
        name_key: Set(Some(name_key(name))),
        restricted: Set(false),
        created_by: Set(by),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        deleted_at: Set(None),
        deleted_by: Set(None),
    }
    .insert(txn)
    .await?)
}

/// Renames, moves, restricts, trashes or restores a folder, if it is still at `expected`.
pub async fn save_folder(
    txn: &impl ConnectionTrait,
    f: folders::Model,
    expected: i64,
) -> RepoResult<folders::Model> {
    let (id, mut f) = (f.id, f);
    f.place = f.parent_id.unwrap_or(f.project_id);
    let mut am = folders::ActiveModel::from(f).reset_all();
    am.updated_at = Set(Utc::now());
    am.version = Set(expected + 1);
    let res = folders::Entity::update_many()
        .set(am)
        .filter(folders::Column::Id.eq(id))
        .filter(folders::Column::Version.eq(expected))
        .exec(txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(stale_or_gone(find_folder(txn, id).await.is_ok()));
    }
    find_folder(txn, id).await
}

// ---------------------------------------------------------------------------------------
// Files.

pub async fn find_file(db: &impl ConnectionTrait, id: Uuid) -> RepoResult<files::Model> {
    files::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)
}

/// Read to decide a change inside the caller's transaction: locked on PostgreSQL.
pub async fn find_file_for_update(db: &impl ConnectionTrait, id: Uuid) -> RepoResult<files::Model> {
    crate::for_update(db, files::Entity::find_by_id(id))
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)
}

pub async fn files_by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> RepoResult<Vec<files::Model>> {
    Ok(files::Entity::find()
        .filter(files::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

/// A live file of that name in `place`.
pub async fn file_named(
    db: &impl ConnectionTrait,
    project_id: Uuid,
    place: Uuid,
    name: &str,
) -> RepoResult<Option<files::Model>> {
    Ok(files::Entity::find()
        .filter(files::Column::ProjectId.eq(project_id))
        .filter(files::Column::Place.eq(place))
        .filter(files::Column::NameKey.eq(name_key(name)))
        .one(db)
        .await?)
}

/// A new library file or task attachment.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub project_id: Uuid,
    pub folder_id: Option<Uuid>,
    /// For task attachments.
    pub task_id: Option<Uuid>,
    pub kind: String,
    pub permission: String,
    pub viewers: Option<Vec<Uuid>>,
}

fn version_row(file_id: Uuid, number: i32, v: NewVersion) -> file_versions::ActiveModel {
    file_versions::ActiveModel {
        id: Set(Uuid::now_v7()),
        file_id: Set(file_id),
        number: Set(number),
        name: Set(v.name),
        size: Set(v.size),
        sha256: Set(v.sha256),
        content_type: Set(v.content_type),
        note: Set(v.note),
        created_by: Set(v.created_by),
        created_at: Set(Utc::now()),
    }
}

/// Creates a file and its first version, through `txn`.
pub async fn create_file(
    txn: &impl ConnectionTrait,
    f: NewFile,
    v: NewVersion,
) -> RepoResult<files::Model> {
    let now = Utc::now();
    let (place, key) = match f.task_id {
        // Attachments live beside their task, outside any folder's names.
        Some(task) => (task, None),
        None => (f.folder_id.unwrap_or(f.project_id), Some(name_key(&v.name))),
    };
    let file = files::ActiveModel {
        id: Set(Uuid::now_v7()),
        project_id: Set(f.project_id),
        folder_id: Set(f.folder_id),
        place: Set(place),
        name: Set(v.name.clone()),
        name_key: Set(key),
        kind: Set(f.kind),
        task_id: Set(f.task_id),
        permission: Set(f.permission),
        viewers: Set(f.viewers.map(|v| serde_json::json!(v))),
        current_version: Set(1),
        size: Set(v.size),
        content_type: Set(v.content_type.clone()),
        created_by: Set(v.created_by),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        deleted_at: Set(None),
        deleted_by: Set(None),
    }
    .insert(txn)
    .await?;
    version_row(file.id, 1, v).insert(txn).await?;
    Ok(file)
}

/// Adds a version as the newest; earlier ones stay. `rename`: the file takes the version's
/// name (an upload), or keeps its own (a restore, a document snapshot).
pub async fn add_version(
    txn: &impl ConnectionTrait,
    f: files::Model,
    v: NewVersion,
    rename: bool,
) -> RepoResult<files::Model> {
    // The current version is always the newest (a restore adds one), so this is the next
    // number; two writers racing for it are told apart by the versioned update below.
    let number = f.current_version + 1;
    let (id, version) = (f.id, f.version);
    let mut q = files::Entity::update_many()
        .col_expr(files::Column::CurrentVersion, number.into())
        .col_expr(files::Column::Size, v.size.into())
        .col_expr(files::Column::ContentType, v.content_type.clone().into())
        .col_expr(files::Column::UpdatedAt, Utc::now().into())
        .col_expr(files::Column::Version, (version + 1).into());
    let mut v = v;
    if rename && f.task_id.is_some() {
        // Attachments take the uploaded name (they share no folder's names).
        q = q.col_expr(files::Column::Name, v.name.clone().into());
    } else {
        v.name = f.name.clone();
    }
    let res = q
        .filter(files::Column::Id.eq(id))
        .filter(files::Column::Version.eq(version))
        .exec(txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(stale_or_gone(find_file(txn, id).await.is_ok()));
    }
    version_row(id, number, v).insert(txn).await?;
    find_file(txn, id).await
}

/// Saves a renamed, moved, trashed or restored file, if it is still at `expected`.
pub async fn save_file(
    txn: &impl ConnectionTrait,
    f: files::Model,
    expected: i64,
) -> RepoResult<files::Model> {
    let (id, mut f) = (f.id, f);
    if f.task_id.is_none() {
        f.place = f.folder_id.unwrap_or(f.project_id);
    }
    let mut am = files::ActiveModel::from(f).reset_all();
    am.updated_at = Set(Utc::now());
    am.version = Set(expected + 1);
    let res = files::Entity::update_many()
        .set(am)
        .filter(files::Column::Id.eq(id))
        .filter(files::Column::Version.eq(expected))
        .exec(txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(stale_or_gone(find_file(txn, id).await.is_ok()));
    }
    find_file(txn, id).await
}

/// Which live files a listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shelf {
    /// The library files of a place: a folder, or the project's top.
    Place(Uuid),
    /// The project's task attachments.
    Attached,
    /// Every co-edited document of the project, wherever it is.
    Docs,
}

/// Live files of `shelf`, by name then id, after the keyset `after`.
pub async fn list(
    db: &impl ConnectionTrait,
    project_id: Uuid,
    shelf: Shelf,
    after: Option<(String, Uuid)>,
    limit: u64,
) -> RepoResult<Vec<files::Model>> {
    let mut q = files::Entity::find()
        .filter(files::Column::ProjectId.eq(project_id))
        .filter(files::Column::DeletedAt.is_null());
    q = match shelf {
        Shelf::Place(place) => q
            .filter(files::Column::Place.eq(place))
            .filter(files::Column::TaskId.is_null()),
        Shelf::Attached => q.filter(files::Column::TaskId.is_not_null()),
        Shelf::Docs => q
            .filter(files::Column::Kind.eq("doc"))
            .filter(files::Column::TaskId.is_null()),
    };
    if let Some((name, id)) = after {
        q = q.filter(
            Condition::any()
                .add(files::Column::Name.gt(name.clone()))
                .add(
                    Condition::all()
                        .add(files::Column::Name.eq(name))
                        .add(files::Column::Id.gt(id)),
                ),
        );
    }
    Ok(q.order_by_asc(files::Column::Name)
        .order_by_asc(files::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// Every library file of a project, live or not (for the trash and purges).
pub async fn library_files(
    db: &impl ConnectionTrait,
    project_id: Uuid,
) -> RepoResult<Vec<files::Model>> {
    Ok(files::Entity::find()
        .filter(files::Column::ProjectId.eq(project_id))
        .filter(files::Column::TaskId.is_null())
        .all(db)
        .await?)
}

/// Files in the given folders (live or not).
pub async fn files_in_folders(
    db: &impl ConnectionTrait,
    folder_ids: &[Uuid],
) -> RepoResult<Vec<files::Model>> {
    Ok(files::Entity::find()
        .filter(files::Column::FolderId.is_in(folder_ids.iter().copied()))
        .all(db)
        .await?)
}

pub async fn versions(
    db: &impl ConnectionTrait,
    file_ids: &[Uuid],
) -> RepoResult<Vec<file_versions::Model>> {
    Ok(file_versions::Entity::find()
        .filter(file_versions::Column::FileId.is_in(file_ids.iter().copied()))
        .order_by_asc(file_versions::Column::FileId)
        .order_by_asc(file_versions::Column::Number)
        .all(db)
        .await?)
}

/// The current version of each file.
pub async fn current_versions(
    db: &impl ConnectionTrait,
    list: &[files::Model],
) -> RepoResult<HashMap<Uuid, file_versions::Model>> {
    if list.is_empty() {
        return Ok(HashMap::new());
    }
    let mut cond = Condition::any();
    for f in list {
        cond = cond.add(
            Condition::all()
                .add(file_versions::Column::FileId.eq(f.id))
                .add(file_versions::Column::Number.eq(f.current_version)),
        );
    }
    Ok(file_versions::Entity::find()
        .filter(cond)
        .all(db)
        .await?
        .into_iter()
        .map(|v| (v.file_id, v))
        .collect())
}

pub async fn find_version(
    db: &impl ConnectionTrait,
    file_id: Uuid,
    number: i32,
) -> RepoResult<file_versions::Model> {
    file_versions::Entity::find()
        .filter(file_versions::Column::FileId.eq(file_id))
        .filter(file_versions::Column::Number.eq(number))
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)
}

/// Removes files for good with their versions, links and grants, releasing their blobs.
pub async fn purge_files(txn: &impl ConnectionTrait, ids: &[Uuid]) -> RepoResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let shas: Vec<String> = versions(txn, ids)
        .await?
        .into_iter()
        .map(|v| v.sha256)
        .collect();
    file_versions::Entity::delete_many()
        .filter(file_versions::Column::FileId.is_in(ids.iter().copied()))
        .exec(txn)
        .await?;
    file_grants::Entity::delete_many()
        .filter(file_grants::Column::FileId.is_in(ids.iter().copied()))
        .exec(txn)
        .await?;
    file_task_links::Entity::delete_many()
        .filter(file_task_links::Column::FileId.is_in(ids.iter().copied()))
        .exec(txn)
        .await?;
    // Documents' live state goes with them (also where foreign keys are not enforced).
    crate::entities::doc_updates::Entity::delete_many()
        .filter(crate::entities::doc_updates::Column::DocId.is_in(ids.iter().copied()))
        .exec(txn)
        .await?;
    crate::entities::doc_tickets::Entity::delete_many()
        .filter(crate::entities::doc_tickets::Column::DocId.is_in(ids.iter().copied()))
        .exec(txn)
        .await?;
    files::Entity::delete_many()
        .filter(files::Column::Id.is_in(ids.iter().copied()))
        .exec(txn)
        .await?;
    crate::external_keys::unbind_many(txn, tandem_dto::ExternalKeyKind::File, ids).await?;
    release_blobs(txn, &shas).await
}

/// Removes folders for good (`ids` must hold whole subtrees, children before or with their
/// parents), with the files inside them.
pub async fn purge_folders(txn: &impl ConnectionTrait, ids: &[Uuid]) -> RepoResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let inside: Vec<Uuid> = files_in_folders(txn, ids)
        .await?
        .into_iter()
        .map(|f| f.id)
        .collect();
    purge_files(txn, &inside).await?;
    crate::external_keys::unbind_many(txn, tandem_dto::ExternalKeyKind::Folder, ids).await?;
    file_grants::Entity::delete_many()
        .filter(file_grants::Column::FolderId.is_in(ids.iter().copied()))
        .exec(txn)
        .await?;
    // Children first: a parent is referenced by its children's rows.
    let mut left: Vec<folders::Model> = folders::Entity::find()
        .filter(folders::Column::Id.is_in(ids.iter().copied()))
        .all(txn)
        .await?;
    while !left.is_empty() {
        let parents: HashSet<Uuid> = left.iter().filter_map(|f| f.parent_id).collect();
        let (leaves, rest): (Vec<_>, Vec<_>) =
            left.into_iter().partition(|f| !parents.contains(&f.id));
        if leaves.is_empty() {
            return Err(RepoError::Conflict("folder_cycle"));
        }
        folders::Entity::delete_many()
            .filter(folders::Column::Id.is_in(leaves.iter().map(|f| f.id)))
            .exec(txn)
            .await?;
        left = rest;
    }
    Ok(())
}

/// Folders and library files that went to the trash before `before`.
pub async fn trashed_before(
    db: &impl ConnectionTrait,
    before: DateTime<Utc>,
    limit: u64,
) -> RepoResult<(Vec<folders::Model>, Vec<files::Model>)> {
    let folders = folders::Entity::find()
        .filter(folders::Column::DeletedAt.lt(before))
        .order_by_asc(folders::Column::DeletedAt)
        .limit(limit)
        .all(db)
        .await?;
    let files = files::Entity::find()
        .filter(files::Column::DeletedAt.lt(before))
        .order_by_asc(files::Column::DeletedAt)
        .limit(limit)
        .all(db)
        .await?;
    Ok((folders, files))
}

/// What a project stores: bytes of all versions (trash included), files, versions.
pub async fn usage(db: &impl ConnectionTrait, project_id: Uuid) -> RepoResult<(i64, i64, i64)> {
    #[derive(FromQueryResult)]
    struct Row {
        bytes: Option<i64>,
        files: i64,
        versions: i64,
    }
    // CAST: PostgreSQL's SUM and COUNT of bigints are numeric and bigint; SQLite's are
    // integers either way.
    let sql = "SELECT CAST(COALESCE(SUM(v.size), 0) AS BIGINT) AS bytes, \
               CAST(COUNT(DISTINCT f.id) AS BIGINT) AS files, CAST(COUNT(v.id) AS BIGINT) AS versions \
               FROM files f JOIN file_versions v ON v.file_id = f.id WHERE f.project_id = $1";
    let row = Row::find_by_statement(statement(db, sql, project_id))
        .one(db)
        .await?;
    Ok(row
        .map(|r| (r.bytes.unwrap_or(0), r.files, r.versions))
        .unwrap_or((0, 0, 0)))
}

/// The project's quota, read in the writing transaction (locked on PostgreSQL, so uploads to
/// one project check their quota one after another).
pub async fn quota_for_update(
    txn: &impl ConnectionTrait,
    project_id: Uuid,
) -> RepoResult<Option<i64>> {
    let p = crate::for_update(txn, projects::Entity::find_by_id(project_id))
        .one(txn)
        .await?
        .ok_or(RepoError::NotFound)?;
    Ok(p.file_quota_bytes)
}

pub async fn set_quota(
    txn: &impl ConnectionTrait,
    project_id: Uuid,
    quota: Option<i64>,
) -> RepoResult<()> {
    projects::Entity::update_many()
        .col_expr(projects::Column::FileQuotaBytes, Expr::value(quota))
        .filter(projects::Column::Id.eq(project_id))
        .exec(txn)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Grants.

/// What a grant is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Folder(Uuid),
    File(Uuid),
}

pub async fn grants_on_files(
    db: &impl ConnectionTrait,
    file_ids: &[Uuid],
) -> RepoResult<Vec<file_grants::Model>> {
    Ok(file_grants::Entity::find()
        .filter(file_grants::Column::FileId.is_in(file_ids.iter().copied()))
        .order_by_asc(file_grants::Column::CreatedAt)
        .order_by_asc(file_grants::Column::Id)
        .all(db)
        .await?)
}

/// Replaces the grants on `target` with `grants` (subject kind, subject, level).
pub async fn replace_grants(
    txn: &impl ConnectionTrait,
    project_id: Uuid,
    target: Target,
    grants: &[(String, Uuid, String)],
    by: Uuid,
) -> RepoResult<()> {
    let (folder_id, file_id) = match target {
        Target::Folder(id) => (Some(id), None),
        Target::File(id) => (None, Some(id)),
    };
    let del = file_grants::Entity::delete_many();
    match target {
        Target::Folder(id) => del.filter(file_grants::Column::FolderId.eq(id)),
        Target::File(id) => del.filter(file_grants::Column::FileId.eq(id)),
    }
    .exec(txn)
    .await?;
    let now = Utc::now();
    for (kind, subject, level) in grants {
        file_grants::ActiveModel {
            id: Set(Uuid::now_v7()),
            project_id: Set(project_id),
            folder_id: Set(folder_id),
            file_id: Set(file_id),
            subject_kind: Set(kind.clone()),
            subject_id: Set(*subject),
            level: Set(level.clone()),
            created_by: Set(by),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Links between library files and tasks.

pub async fn link(
    txn: &impl ConnectionTrait,
    file_id: Uuid,
    task_id: Uuid,
    by: Uuid,
) -> RepoResult<()> {
    file_task_links::Entity::insert(file_task_links::ActiveModel {
        file_id: Set(file_id),
        task_id: Set(task_id),
        created_by: Set(by),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([
            file_task_links::Column::FileId,
            file_task_links::Column::TaskId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

pub async fn unlink(txn: &impl ConnectionTrait, file_id: Uuid, task_id: Uuid) -> RepoResult<bool> {
    let res = file_task_links::Entity::delete_many()
        .filter(file_task_links::Column::FileId.eq(file_id))
        .filter(file_task_links::Column::TaskId.eq(task_id))
        .exec(txn)
        .await?;
    Ok(res.rows_affected > 0)
}

/// `(file, task)` links of these files.
pub async fn links_of_files(
    db: &impl ConnectionTrait,
    file_ids: &[Uuid],
) -> RepoResult<Vec<(Uuid, Uuid)>> {
    Ok(file_task_links::Entity::find()
        .select_only()
        .column(file_task_links::Column::FileId)
        .column(file_task_links::Column::TaskId)
        .filter(file_task_links::Column::FileId.is_in(file_ids.iter().copied()))
        .order_by_asc(file_task_links::Column::CreatedAt)
        .into_tuple()
        .all(db)
        .await?)
}

/// Library files linked to a task (live ones).
pub async fn linked_to_task(
    db: &impl ConnectionTrait,
    task_id: Uuid,
) -> RepoResult<Vec<files::Model>> {
    let ids: Vec<Uuid> = file_task_links::Entity::find()
        .select_only()
        .column(file_task_links::Column::FileId)
        .filter(file_task_links::Column::TaskId.eq(task_id))
        .into_tuple()
        .all(db)
        .await?;
    Ok(files::Entity::find()
        .filter(files::Column::Id.is_in(ids))
        .filter(files::Column::DeletedAt.is_null())
        .order_by_asc(files::Column::Name)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn departments_reach_up_and_cycles_stop() {
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let parents = HashMap::from([(a, Some(b)), (b, Some(c)), (c, None)]);
        assert_eq!(with_ancestors(a, &parents), vec![a, b, c]);
        let cycle = HashMap::from([(a, Some(b)), (b, Some(a))]);
        assert_eq!(with_ancestors(a, &cycle), vec![a, b]);
    }
}
