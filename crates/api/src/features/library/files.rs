//! F1/F2: files — upload (streamed, size limit, quota), list, download with `Range`, rename,
//! move, copy, versions (history, restore as newest), the trash, storage use, links to tasks.
//! Task attachments are files too: they are read here with the task's rules and changed
//! through the task's endpoints.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use futures_util::TryStreamExt;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt};
use tandem_db::entities::{file_versions, files as rows};
use tandem_db::files as repo;
use tandem_domain::files::{Access, Source};
use tandem_domain::projects::ProjectAction;
use tandem_dto::{
    CopyFileRequest, FileKind, FileLevel, FileResponse, FileVersionResponse, LibraryChange,
    LinkFileRequest, NodeKind, Page, Problem, PutStorageRequest, StorageResponse, TrashItem,
    UpdateFileRequest,
};
use uuid::Uuid;

use super::upload::{self, Received};
use super::{Library, Node, TRASH_DAYS, access_dtos, check_name, free_name, name_taken};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Json, check_if_match};
use crate::features::access;
use crate::features::attachments::{edit_action, view_action};
use crate::features::{created, ok_with_etag};
use crate::outbox::Outbox;
use crate::state::AppState;

/// A file the caller sees, with its library and their level on it.
pub struct Seen {
    pub lib: Library,
    pub file: rows::Model,
    pub access: Access,
}

/// Loads a file the caller may see: a library file by the library's rules (`trashed`: one in
/// the trash too), a task attachment by its task's.
pub async fn seen(state: &AppState, auth: &AuthUser, id: Uuid, trashed: bool) -> ApiResult<Seen> {
    let file = repo::find_file(&state.db, id).await?;
    let lib = Library::load(state, auth, file.project_id).await?;
    let access = access_to(state, auth, &lib, &file, trashed).await?;
    Ok(Seen { lib, file, access })
}

async fn access_to(
    state: &AppState,
    auth: &AuthUser,
    lib: &Library,
    file: &rows::Model,
    trashed: bool,
) -> ApiResult<Access> {
    if let Some(task_id) = file.task_id {
        if file.deleted_at.is_some() {
            return Err(ApiError::NotFound);
        }
        let (t, a) = access::task(state, auth, task_id, |_| ProjectAction::View).await?;
        return attachment_access(&a, auth, file, &t).ok_or(ApiError::NotFound);
    }
    let live = file.deleted_at.is_none() && !lib.in_trash(file.folder_id);
    if !live && !trashed {
        return Err(ApiError::NotFound);
    }
    let a = lib.file_access(auth, file);
    lib.check(auth, a.as_ref(), FileLevel::View)?;
    a.ok_or(ApiError::NotFound)
}

/// The caller's level on a task attachment, by its task's rules; `None`: unseen.
fn attachment_access(
    project: &access::ProjectAccess,
    auth: &AuthUser,
    file: &rows::Model,
    task: &tandem_db::entities::tasks::Model,
) -> Option<Access> {
    project.check(auth, view_action(file, auth.user.id)).ok()?;
    let level = if project
        .check(auth, edit_action(file, task, auth.user.id))
        .is_ok()
    {
        FileLevel::Edit
    } else {
        FileLevel::View
    };
    Some(Access {
        level,
        source: Source::Attachment,
    })
}

/// Library writes refuse task attachments: those change through their task.
fn library_file(f: &rows::Model) -> ApiResult<()> {
    if f.task_id.is_some() {
        return Err(ApiError::conflict(
            "task_attachment",
            "this file is a task attachment: change it through the task",
        ));
    }
    Ok(())
}

pub(crate) async fn dtos(
    db: &impl tandem_db::ConnectionTrait,
    list: &[(&rows::Model, &Access)],
) -> ApiResult<Vec<FileResponse>> {
    let files: Vec<rows::Model> = list.iter().map(|(f, _)| (*f).clone()).collect();
    let current = repo::current_versions(db, &files).await?;
    let ids: Vec<Uuid> = files.iter().map(|f| f.id).collect();
    let mut links: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (file, task) in repo::links_of_files(db, &ids).await? {
        links.entry(file).or_default().push(task);
    }
    let accesses: Vec<&Access> = list.iter().map(|(_, a)| *a).collect();
    let explained = access_dtos(db, &accesses).await?;
    Ok(list
        .iter()
        .zip(explained)
        .map(|((f, _), access)| FileResponse {
            id: f.id,
            project_id: f.project_id,
            folder_id: f.folder_id,
            name: f.name.clone(),
            kind: FileKind::parse(&f.kind).unwrap_or(FileKind::File),
            task_id: f.task_id,
            linked_task_ids: links.remove(&f.id).unwrap_or_default(),
            current_version: f.current_version,
            size: f.size,
            content_type: f.content_type.clone(),
            sha256: current
                .get(&f.id)
                .map(|v| v.sha256.clone())
                .unwrap_or_default(),
            access,
            created_by: f.created_by,
            created_at: f.created_at,
            updated_by: current
                .get(&f.id)
                .map(|v| v.created_by)
                .unwrap_or(f.created_by),
            updated_at: f.updated_at,
            deleted_at: f.deleted_at,
            version: f.version,
        })
        .collect())
}

pub(crate) async fn one(
    db: &impl tandem_db::ConnectionTrait,
    f: &rows::Model,
    a: &Access,
) -> ApiResult<FileResponse> {
    Ok(dtos(db, &[(f, a)]).await?.remove(0))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListFilesQuery {
    /// The folder to list (absent: the top of the library).
    pub folder_id: Option<Uuid>,
    /// `true`: the project's task attachments instead of a folder.
    pub attached: Option<bool>,
    #[param(pattern = "^[A-Za-z0-9_-]{22}$")]
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// F1: the files of a folder (or the top of the library, or with `attached=true` the
/// project's task attachments) the caller may see, by name.
#[utoipa::path(get, path = "/api/v1/projects/{id}/files", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id"), ListFilesQuery),
    responses((status = 200, description = "Files", body = Page<FileResponse>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_files(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    query: web::Query<ListFilesQuery>,
) -> ApiResult<HttpResponse> {
    let lib = Library::load(&state, &auth, path.into_inner()).await?;
    let q = query.into_inner();
    let shelf = if q.attached.unwrap_or(false) {
        Listing::Attached
    } else {
        if let Some(folder) = q.folder_id {
            lib.visible_folder(&auth, folder, false)?;
        }
        Listing::Place(q.folder_id.unwrap_or(lib.project_id()))
    };
    page(&state, &auth, &lib, shelf, q.cursor.as_deref(), q.limit).await
}

/// What a listing of files shows.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Listing {
    /// The library files of a folder, or of the project's top.
    Place(Uuid),
    /// The project's task attachments.
    Attached,
    /// Every document of the project, wherever it is.
    Docs,
}

/// One page of a listing, by name: what the caller may see of it, with the next cursor.
pub(crate) async fn page(
    state: &AppState,
    auth: &AuthUser,
    lib: &Library,
    listing: Listing,
    cursor: Option<&str>,
    limit: Option<u64>,
) -> ApiResult<HttpResponse> {
    let limit = limit
        .unwrap_or(tandem_db::pagination::DEFAULT_LIMIT)
        .clamp(1, tandem_db::pagination::MAX_LIMIT);
    let after = match cursor {
        None => None,
        Some(c) => {
            let id = tandem_db::pagination::decode_cursor(c)
                .ok_or_else(|| ApiError::validation("cursor", "invalid", "not a cursor"))?;
            let f = repo::find_file(&state.db, id).await.map_err(|_| {
                ApiError::validation(
                    "cursor",
                    "stale",
                    "the page's last file is gone; start again",
                )
            })?;
            Some((f.name, f.id))
        }
    };
    let attached = listing == Listing::Attached;
    let shelf = match listing {
        Listing::Place(place) => repo::Shelf::Place(place),
        Listing::Attached => repo::Shelf::Attached,
        Listing::Docs => repo::Shelf::Docs,
    };
    // Read in pages until enough visible ones are found (grants can hide some).
    let mut items: Vec<(rows::Model, Access)> = Vec::new();
    let mut after = after;
    let mut more = true;
    while items.len() < limit as usize && more {
        let batch =
            repo::list(&state.db, lib.project_id(), shelf, after.clone(), limit * 2).await?;
        more = batch.len() as u64 == limit * 2;
        // The attachments' tasks, read at once (their rules decide who sees them).
        let tasks: std::collections::HashMap<Uuid, tandem_db::tasks::TaskRow> = if attached {
            let ids: Vec<Uuid> = batch.iter().filter_map(|f| f.task_id).collect();
            tandem_db::tasks::find_task_rows(&state.db, &ids)
                .await?
                .into_iter()
                .map(|t| (t.id, t))
                .collect()
        } else {
            Default::default()
        };
        for f in batch {
            after = Some((f.name.clone(), f.id));
            if items.len() == limit as usize {
                more = true;
                break;
            }
            let a = if attached {
                f.task_id
                    .and_then(|t| tasks.get(&t))
                    .and_then(|t| attachment_access(&lib.access, auth, &f, t))
            } else if lib.in_trash(f.folder_id) {
                // A document inside a trashed folder went with it.
                None
            } else {
                lib.file_access(auth, &f)
            };
            if let Some(a) = a {
                items.push((f, a));
            }
        }
    }
    let refs: Vec<(&rows::Model, &Access)> = items.iter().map(|(f, a)| (f, a)).collect();
    let next_cursor = if more && items.len() == limit as usize {
        items
            .last()
            .map(|(f, _)| tandem_db::pagination::encode_cursor(f.id))
    } else {
        None
    };
    let out = dtos(&state.db, &refs).await?;
    Ok(HttpResponse::Ok().json(Page {
        items: out,
        next_cursor,
    }))
}

/// The multipart form of an upload (documentation for the OpenAPI spec).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct FileUploadForm {
    /// The file (any format, up to the configured size).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// The folder to put it in (absent: the top of the library).
    folder_id: Option<Uuid>,
    /// A note for its first version (at most 1000 characters).
    note: Option<String>,
    /// I3: the caller's own name for the file, unique among the project's files.
    external_key: Option<String>,
}

/// The multipart form of a new version.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct FileVersionForm {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// What changed (at most 1000 characters).
    note: Option<String>,
}

fn note(form: &upload::Form) -> ApiResult<Option<String>> {
    clean_note(form.get("note"))
}

/// A version note: trimmed, absent when blank, at most 1000 characters.
pub(crate) fn clean_note(raw: Option<&str>) -> ApiResult<Option<String>> {
    match raw.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) if n.chars().count() > 1000 => Err(ApiError::validation(
            "note",
            "length",
            "at most 1000 characters",
        )),
        n => Ok(n.map(str::to_owned)),
    }
}

/// F1: upload a file into a folder (multipart: `file`, optional `folder_id` and `note`).
/// A file of the same name in that folder is a 409 naming it: upload to its
/// `/files/{id}/versions` to make a new version instead.
#[utoipa::path(post, path = "/api/v1/projects/{id}/files", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    request_body(content = inline(FileUploadForm), content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored", body = FileResponse,
            headers(("Location" = String, description = "The file"), ("ETag" = String, description = "Its version"))),
        (status = 409, description = "The name is taken, or the quota is used up", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Over the size limit", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn upload_file(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    path: web::Path<Uuid>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let lib = Library::load(&state, &auth, path.into_inner()).await?;
    // A credential that may not write is refused before a byte is stored.
    tandem_domain::files::may_write(&auth.actor)?;
    let form = upload::read_form(
        &state,
        &req,
        payload,
        &[("folder_id", 64), ("note", 4000), ("external_key", 1000)],
    )
    .await?;
    let result = async {
        let folder = match form
            .get("folder_id")
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(s) => Some(
                s.parse::<Uuid>()
                    .map_err(|_| ApiError::validation("folder_id", "invalid", "a folder id"))?,
            ),
        };
        let note = note(&form)?;
        let key = form.get("external_key").map(str::to_owned);
        let mut errors = Vec::new();
        crate::features::keys::check_key(key.as_deref(), "external_key", &mut errors);
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let (out, duplicate) = create_in(
            &state,
            &auth,
            &lib,
            NewIn {
                folder,
                note,
                kind: FileKind::File,
                key,
            },
            &form.file,
        )
        .await?;
        Ok((file_created(&out), duplicate))
    }
    .await;
    upload::settle(&state, &form.file, result).await
}

/// 201 for a file stored or given a new version.
fn file_created(out: &FileResponse) -> HttpResponse {
    created(format!("/api/v1/files/{}", out.id), out, Some(out.version))
}

/// Where and as what received content becomes a new file.
pub(crate) struct NewIn {
    pub folder: Option<Uuid>,
    pub note: Option<String>,
    pub kind: FileKind,
    /// I3: the caller's own name for the file, bound with it.
    pub key: Option<String>,
}

/// Records received content as a new file.
pub(crate) async fn create_in(
    state: &AppState,
    auth: &AuthUser,
    lib: &Library,
    new: NewIn,
    file: &Received,
) -> ApiResult<(FileResponse, bool)> {
    let NewIn {
        folder,
        note,
        kind,
        key,
    } = new;
    let txn = tandem_db::begin_write(&state.db).await?;
    let lib = lib.reload(&txn, auth).await?;
    lib.writable_place(auth, folder)?;
    let place = folder.unwrap_or(lib.project_id());
    if let Some(existing) = repo::file_named(&txn, lib.project_id(), place, &file.name).await? {
        return Err(name_taken(NodeKind::File, existing.id));
    }
    let duplicate = upload::record(&txn, lib.project_id(), file).await?;
    let f = repo::create_file(
        &txn,
        repo::NewFile {
            project_id: lib.project_id(),
            folder_id: folder,
            task_id: None,
            kind: kind.as_str().to_owned(),
            permission: "project".into(),
            viewers: None,
        },
        file.version(note, auth.user.id),
    )
    .await?;
    crate::features::keys::bind_new(
        &txn,
        tandem_dto::ExternalKeyKind::File,
        lib.project_id(),
        key,
        f.id,
        auth.user.id,
    )
    .await?;
    let out = commit(state, auth, &lib, txn, &f, LibraryChange::Created).await?;
    Ok((out, duplicate))
}

/// Ends a write that left library file `f` as it is: answers it as the caller now sees it,
/// and announces the change with the write.
pub(crate) async fn commit(
    state: &AppState,
    auth: &AuthUser,
    lib: &Library,
    txn: tandem_db::DatabaseTransaction,
    f: &rows::Model,
    change: LibraryChange,
) -> ApiResult<FileResponse> {
    let access = lib.file_access(auth, f).ok_or(ApiError::NotFound)?;
    let out = one(&txn, f, &access).await?;
    let mut events = Outbox::by(state, auth.user.id);
    lib.announce(&txn, &mut events, Node::File(f), change)
        .await?;
    events.commit(state, txn).await?;
    Ok(out)
}

/// F1: one file (a library file, or a task attachment the caller sees).
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "File id")),
    responses((status = 200, description = "The file", body = FileResponse,
        headers(("ETag" = String, description = "Its version")))))]
#[tracing::instrument(skip_all, err)]
pub async fn get_file(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let s = seen(&state, &auth, path.into_inner(), false).await?;
    let out = one(&state.db, &s.file, &s.access).await?;
    Ok(ok_with_etag(&out, s.file.version))
}

/// Re-reads a library file inside the writing transaction and asks again at `want`.
pub(crate) async fn in_txn(
    txn: &impl tandem_db::ConnectionTrait,
    auth: &AuthUser,
    s: &Seen,
    trashed: bool,
    want: FileLevel,
) -> ApiResult<(Library, rows::Model, Access)> {
    library_file(&s.file)?;
    let lib = s.lib.reload(txn, auth).await?;
    let f = repo::find_file_for_update(txn, s.file.id).await?;
    let live = f.deleted_at.is_none() && !lib.in_trash(f.folder_id);
    if !trashed && !live {
        return Err(ApiError::NotFound);
    }
    let a = lib.file_access(auth, &f);
    lib.check(auth, a.as_ref(), want)?;
    let a = a.ok_or(ApiError::NotFound)?;
    Ok((lib, f, a))
}

/// F1: rename a file or move it (`folder_id`; `null`: to the top). Needs edit permission on
/// the file and on where it goes. Honors `If-Match`.
#[utoipa::path(patch, path = "/api/v1/files/{id}", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "File id")),
    request_body = UpdateFileRequest,
    responses(
        (status = 200, description = "Changed", body = FileResponse,
            headers(("ETag" = String, description = "Its new version"))),
        (status = 409, description = "The name is taken there", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn update_file(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Json<UpdateFileRequest>,
) -> ApiResult<HttpResponse> {
    let s = seen(&state, &auth, path.into_inner(), false).await?;
    let body = body.into_inner()?;
    if let Some(n) = &body.name {
        check_name("name", n)?;
    }
    let txn = tandem_db::begin_write(&state.db).await?;
    let (lib, current, _) = in_txn(&txn, &auth, &s, false, FileLevel::Edit).await?;
    check_if_match(&req, current.version)?;
    let mut next = current.clone();
    if let Some(n) = &body.name {
        next.name = n.trim().to_owned();
    }
    if let Some(folder) = body.folder_id
        && folder != current.folder_id
    {
        lib.writable_place(&auth, folder)?;
        next.folder_id = folder;
    }
    let place = next.folder_id.unwrap_or(lib.project_id());
    if let Some(existing) = repo::file_named(&txn, lib.project_id(), place, &next.name).await?
        && existing.id != current.id
    {
        return Err(name_taken(NodeKind::File, existing.id));
    }
    next.name_key = Some(repo::name_key(&next.name));
    let saved = repo::save_file(&txn, next, current.version).await?;
    let out = commit(&state, &auth, &lib, txn, &saved, LibraryChange::Updated).await?;
    Ok(ok_with_etag(&out, saved.version))
}

/// F1: move a file to the trash (restorable for 30 days).
#[utoipa::path(delete, path = "/api/v1/files/{id}", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "File id")),
    responses((status = 204, description = "In the trash")))]
#[tracing::instrument(skip_all, err)]
pub async fn delete_file(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let s = seen(&state, &auth, path.into_inner(), false).await?;
    let txn = tandem_db::begin_write(&state.db).await?;
    let (lib, current, _) = in_txn(&txn, &auth, &s, false, FileLevel::Edit).await?;
    let mut events = Outbox::by(&state, auth.user.id);
    lib.announce(
        &txn,
        &mut events,
        Node::File(&current),
        LibraryChange::Trashed,
    )
    .await?;
    let mut next = current.clone();
    next.deleted_at = Some(Utc::now());
    next.deleted_by = Some(auth.user.id);
    next.name_key = None;
    repo::save_file(&txn, next, current.version).await?;
    events.commit(&state, txn).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// F1: bring a file back from the trash, to its folder (or to the top when that folder is
/// gone or in the trash); a name taken meanwhile gets " (2)".
#[utoipa::path(post, path = "/api/v1/files/{id}/restore", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "File id")),
    responses((status = 200, description = "Restored", body = FileResponse,
        headers(("ETag" = String, description = "Its new version")))))]
#[tracing::instrument(skip_all, err)]
pub async fn restore_file(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let s = seen(&state, &auth, path.into_inner(), true).await?;
    let txn = tandem_db::begin_write(&state.db).await?;
    let (lib, current, _) = in_txn(&txn, &auth, &s, true, FileLevel::Edit).await?;
    if current.deleted_at.is_none() {
        // In a trashed folder, not trashed itself: restore the folder instead.
        return Err(ApiError::conflict(
            "folder_in_trash",
            "the file's folder is in the trash: restore the folder",
        ));
    }
    let mut next = current.clone();
    if lib.in_trash(current.folder_id) || lib.writable_place(&auth, current.folder_id).is_err() {
        next.folder_id = None;
        lib.writable_place(&auth, None)?;
    }
    let place = next.folder_id.unwrap_or(lib.project_id());
    next.name = free_name(&txn, lib.project_id(), place, &current.name, false).await?;
    next.name_key = Some(repo::name_key(&next.name));
    next.deleted_at = None;
    next.deleted_by = None;
    let saved = repo::save_file(&txn, next, current.version).await?;
    let out = commit(&state, &auth, &lib, txn, &saved, LibraryChange::Restored).await?;
    Ok(ok_with_etag(&out, saved.version))
}

/// F1: copy a file's current version into a folder (the same content, stored once).
#[utoipa::path(post, path = "/api/v1/files/{id}/copy", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "File id")),
    request_body = CopyFileRequest,
    responses(
        (status = 201, description = "The copy", body = FileResponse,
            headers(("Location" = String, description = "The copy"), ("ETag" = String, description = "Its version"))),
        (status = 409, description = "The quota is used up", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn copy_file(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Json<CopyFileRequest>,
) -> ApiResult<HttpResponse> {
    let s = seen(&state, &auth, path.into_inner(), false).await?;
    let body = body.into_inner()?;
    if let Some(n) = &body.name {
        check_name("name", n)?;
    }
    let txn = tandem_db::begin_write(&state.db).await?;
    let lib = s.lib.reload(&txn, &auth).await?;
    let src = repo::find_file(&txn, s.file.id).await?;
    if src.deleted_at.is_some() {
        return Err(ApiError::NotFound);
    }
    lib.writable_place(&auth, body.folder_id)?;
    let place = body.folder_id.unwrap_or(lib.project_id());
    let wanted = body
        .name
        .as_deref()
        .map(str::trim)
        .unwrap_or(src.name.as_str());
    let name = free_name(&txn, lib.project_id(), place, wanted, false).await?;
    let v = repo::find_version(&txn, src.id, src.current_version).await?;
    upload::check_quota(&txn, lib.project_id(), v.size).await?;
    let f = repo::create_file(
        &txn,
        repo::NewFile {
            project_id: lib.project_id(),
            folder_id: body.folder_id,
            task_id: None,
            kind: src.kind.clone(),
            permission: "project".into(),
            viewers: None,
        },
        repo::NewVersion {
            name,
            size: v.size,
            sha256: v.sha256,
            content_type: v.content_type,
            note: None,
            created_by: auth.user.id,
        },
    )
    .await?;
    let out = commit(&state, &auth, &lib, txn, &f, LibraryChange::Created).await?;
    Ok(created(
        format!("/api/v1/files/{}", f.id),
        &out,
        Some(f.version),
    ))
}

fn version_dto(v: file_versions::Model) -> FileVersionResponse {
    FileVersionResponse {
        number: v.number,
        name: v.name,
        size: v.size,
        sha256: v.sha256,
        content_type: v.content_type,
        note: v.note,
        created_by: v.created_by,
        created_at: v.created_at,
    }
}

/// F2: the version history, newest first.
#[utoipa::path(get, path = "/api/v1/files/{id}/versions", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "File id")),
    responses((status = 200, description = "Versions", body = Page<FileVersionResponse>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_file_versions(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let s = seen(&state, &auth, path.into_inner(), false).await?;
    let mut items: Vec<FileVersionResponse> = repo::versions(&state.db, &[s.file.id])
        .await?
        .into_iter()
        .map(version_dto)
        .collect();
    items.reverse();
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: None,
    }))
}

/// F2: upload a new version (multipart: `file`, optional `note`); the history is kept.
#[utoipa::path(post, path = "/api/v1/files/{id}/versions", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "File id")),
    request_body(content = inline(FileVersionForm), content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored", body = FileResponse,
            headers(("Location" = String, description = "The file"), ("ETag" = String, description = "Its new version"))),
        (status = 409, description = "The quota is used up, or the file is a task attachment", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Over the size limit", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn upload_file_version(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    path: web::Path<Uuid>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let s = seen(&state, &auth, path.into_inner(), false).await?;
    may_upload_version(&auth, &s)?;
    let form = upload::read_form(&state, &req, payload, &[("note", 4000)]).await?;
    let result = async {
        let note = note(&form)?;
        let (out, duplicate) = version_in(&state, &auth, &s, &form.file, note).await?;
        Ok((file_created(&out), duplicate))
    }
    .await;
    upload::settle(&state, &form.file, result).await
}

/// Whether the caller may upload a new version of the file: a library file (not an
/// attachment, not a live document) they may edit.
pub(crate) fn may_upload_version(auth: &AuthUser, s: &Seen) -> ApiResult<()> {
    library_file(&s.file)?;
    s.lib.check(auth, Some(&s.access), FileLevel::Edit)?;
    if s.file.kind == FileKind::Doc.as_str() {
        return Err(ApiError::conflict(
            "live_document",
            "a document's versions are snapshots of its live text",
        ));
    }
    Ok(())
}

/// Records received content as the newest version of the file.
pub(crate) async fn version_in(
    state: &AppState,
    auth: &AuthUser,
    s: &Seen,
    file: &Received,
    note: Option<String>,
) -> ApiResult<(FileResponse, bool)> {
    let txn = tandem_db::begin_write(&state.db).await?;
    let (lib, current, _) = in_txn(&txn, auth, s, false, FileLevel::Edit).await?;
    let duplicate = upload::record(&txn, lib.project_id(), file).await?;
    let saved = repo::add_version(&txn, current, file.version(note, auth.user.id), false).await?;
    let out = commit(state, auth, &lib, txn, &saved, LibraryChange::Updated).await?;
    Ok((out, duplicate))
}

/// F2: make an older version the newest again (as a new version; the history is kept).
#[utoipa::path(post, path = "/api/v1/files/{id}/versions/{n}/restore", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "File id"),
        ("n" = i32, Path, description = "Version number", minimum = 1)),
    responses((status = 201, description = "Restored as the newest version", body = FileResponse,
        headers(("Location" = String, description = "The file"), ("ETag" = String, description = "Its new version")))))]
#[tracing::instrument(skip_all, err)]
pub async fn restore_file_version(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(Uuid, i32)>,
) -> ApiResult<HttpResponse> {
    let (id, n) = path.into_inner();
    let s = seen(&state, &auth, id, false).await?;
    if s.file.kind == FileKind::Doc.as_str() {
        return Err(ApiError::conflict(
            "live_document",
            "a document's text is live: restore with POST /docs/{id}/versions/{n}/restore",
        ));
    }
    let txn = tandem_db::begin_write(&state.db).await?;
    let (lib, current, _) = in_txn(&txn, &auth, &s, false, FileLevel::Edit).await?;
    let old = repo::find_version(&txn, current.id, n).await?;
    let saved = repo::add_version(
        &txn,
        current,
        repo::NewVersion {
            name: old.name,
            size: old.size,
            sha256: old.sha256,
            content_type: old.content_type,
            note: Some(format!("restored from version {n}")),
            created_by: auth.user.id,
        },
        false,
    )
    .await?;
    let out = commit(&state, &auth, &lib, txn, &saved, LibraryChange::Updated).await?;
    Ok(created(
        format!("/api/v1/files/{}", saved.id),
        &out,
        Some(saved.version),
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ContentQuery {
    /// A version number (default: the current one).
    #[param(minimum = 1, maximum = 100000)]
    pub version: Option<i32>,
}

/// The requested byte range of `len` bytes: `None` for the whole file, `Err` when it cannot be
/// satisfied (416).
fn requested_range(req: &HttpRequest, len: u64, etag: &str) -> Result<Option<(u64, u64)>, ()> {
    let Some(raw) = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(None);
    };
    // A range of a version other than the one the client had: the whole file instead.
    if let Some(cond) = req
        .headers()
        .get(header::IF_RANGE)
        .and_then(|v| v.to_str().ok())
        && cond.trim() != etag
    {
        return Ok(None);
    }
    let Ok(header::Range::Bytes(specs)) = raw.parse::<header::Range>() else {
        return Ok(None);
    };
    // Several ranges would need a multipart answer; the whole file is as correct.
    let [spec] = specs.as_slice() else {
        return Ok(None);
    };
    spec.to_satisfiable_range(len).map(Some).ok_or(())
}

/// Whether `If-None-Match` names `etag` (or `*`): the client has this very content.
pub(crate) fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| h.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

/// Streams a stored version: whole, or the `Range` asked for (206), with its ETag
/// (`If-None-Match` → 304), always as an attachment with `nosniff` and a sandbox policy.
pub(crate) async fn stream_version(
    state: &AppState,
    req: &HttpRequest,
    v: &file_versions::Model,
    disposition: &str,
) -> ApiResult<HttpResponse> {
    let blob = repo::blob(&state.db, &v.sha256).await?;
    let etag = format!("\"{}\"", v.sha256);
    if not_modified(req, &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish());
    }
    let len = u64::try_from(v.size).unwrap_or(0);
    let range = match requested_range(req, len, &etag) {
        Ok(r) => r,
        Err(()) => {
            // A problem body, so the error handlers leave the status alone.
            return Ok(HttpResponse::RangeNotSatisfiable()
                .insert_header((header::CONTENT_RANGE, format!("bytes */{len}")))
                .content_type(crate::error::PROBLEM_JSON)
                .json(serde_json::json!({
                    "type": "about:blank",
                    "title": "Range Not Satisfiable",
                    "status": 416,
                    "detail": format!("the file has {len} bytes"),
                    "code": "range_not_satisfiable",
                })));
        }
    };
    let stream = tandem_files::blob::read_stream(
        &state.files,
        &blob.storage_key,
        range.map(|(a, b)| a..b + 1),
    )
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string()));
    let mut res = match range {
        Some(_) => HttpResponse::PartialContent(),
        None => HttpResponse::Ok(),
    };
    res.insert_header((header::CONTENT_TYPE, v.content_type.clone()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            tandem_files::names::disposition(disposition, &v.name),
        ))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::ETAG, etag))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Content-Security-Policy", "sandbox; default-src 'none'"))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"));
    let size = match range {
        Some((a, b)) => {
            res.insert_header((header::CONTENT_RANGE, format!("bytes {a}-{b}/{len}")));
            b - a + 1
        }
        None => len,
    };
    Ok(res.no_chunking(size).streaming(stream))
}

/// F1/F2: download a file (the current version, or `?version=`), always as an attachment;
/// honors `Range` (206, 416) and `If-None-Match` (the ETag is the content's SHA-256).
#[utoipa::path(get, path = "/api/v1/files/{id}/content", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "File id"), ContentQuery,
        ("Range" = Option<String>, Header, description = "One byte range, e.g. `bytes=0-1023`"),
        ("If-None-Match" = Option<String>, Header, description = "The ETag last downloaded")),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>,
            headers(("ETag" = String, description = "The content's SHA-256, quoted"),
                ("Content-Disposition" = String, description = "attachment, with the name (RFC 6266)"),
                ("Accept-Ranges" = String, description = "bytes"))),
        (status = 206, description = "The requested range", content_type = "application/octet-stream", body = Vec<u8>,
            headers(("Content-Range" = String, description = "bytes a-b/length"))),
        (status = 304, description = "Not modified"),
        (status = 416, description = "The range is outside the file"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn download_file(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    path: web::Path<Uuid>,
    query: web::Query<ContentQuery>,
) -> ApiResult<HttpResponse> {
    let s = seen(&state, &auth, path.into_inner(), false).await?;
    let v = super::preview::version_of(&state, &s, query.version, "version").await?;
    stream_version(&state, &req, &v, "attachment").await
}

/// F1: the project's trash — folders and files deleted in the last 30 days that the caller
/// may restore (what was inside a trashed folder goes with it), newest first.
#[utoipa::path(get, path = "/api/v1/projects/{id}/trash", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    responses((status = 200, description = "The trash", body = Page<TrashItem>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_trash(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let lib = Library::load(&state, &auth, path.into_inner()).await?;
    let purge = |at: chrono::DateTime<Utc>| at + chrono::Duration::days(TRASH_DAYS);
    let files = repo::library_files(&state.db, lib.project_id()).await?;
    let mut items = Vec::new();
    for f in lib.tree.folders.iter().filter(|f| f.deleted_at.is_some()) {
        // Only the top of a trashed subtree is listed.
        if lib.in_trash(f.parent_id) {
            continue;
        }
        let editable = lib
            .folder_access(&auth, Some(f.id))
            .is_some_and(|a| a.level.rank() >= FileLevel::Edit.rank());
        if !editable {
            continue;
        }
        let inside: std::collections::HashSet<Uuid> = lib
            .tree
            .folders
            .iter()
            .filter(|x| lib.chain(Some(x.id)).iter().any(|c| c.id == f.id))
            .map(|x| x.id)
            .collect();
        let size = files
            .iter()
            .filter(|x| x.folder_id.is_some_and(|id| inside.contains(&id)))
            .map(|x| x.size)
            .sum();
        let at = f.deleted_at.unwrap_or_else(Utc::now);
        items.push(TrashItem {
            kind: NodeKind::Folder,
            id: f.id,
            name: f.name.clone(),
            folder_id: f.parent_id,
            size,
            deleted_at: at,
            deleted_by: f.deleted_by,
            purge_at: purge(at),
        });
    }
    for f in files.iter().filter(|f| f.deleted_at.is_some()) {
        if lib.in_trash(f.folder_id) {
            continue;
        }
        let editable = lib
            .file_access(&auth, f)
            .is_some_and(|a| a.level.rank() >= FileLevel::Edit.rank());
        if !editable {
            continue;
        }
        let at = f.deleted_at.unwrap_or_else(Utc::now);
        items.push(TrashItem {
            kind: NodeKind::File,
            id: f.id,
            name: f.name.clone(),
            folder_id: f.folder_id,
            size: f.size,
            deleted_at: at,
            deleted_by: f.deleted_by,
            purge_at: purge(at),
        });
    }
    items.sort_by(|a, b| b.deleted_at.cmp(&a.deleted_at).then(a.id.cmp(&b.id)));
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: None,
    }))
}

/// F6: what the project's library stores, and its quota.
#[utoipa::path(get, path = "/api/v1/projects/{id}/storage", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    responses((status = 200, description = "Storage use", body = StorageResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn get_storage(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let a = access::project(&state, &auth, path.into_inner(), ProjectAction::View).await?;
    let (used, files, versions) = repo::usage(&state.db, a.project.id).await?;
    let quota = tandem_db::projects::find_project(&state.db, a.project.id)
        .await?
        .file_quota_bytes;
    Ok(HttpResponse::Ok().json(StorageResponse {
        used_bytes: used,
        quota_bytes: quota,
        files,
        versions,
    }))
}

/// F6: set or remove the project's storage quota (project administrators).
#[utoipa::path(put, path = "/api/v1/projects/{id}/storage", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    request_body = PutStorageRequest,
    responses((status = 200, description = "Storage use", body = StorageResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn put_storage(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Json<PutStorageRequest>,
) -> ApiResult<HttpResponse> {
    let a = access::project(
        &state,
        &auth,
        path.into_inner(),
        ProjectAction::ManageProject,
    )
    .await?;
    let body = body.into_inner()?;
    if body.quota_bytes.is_some_and(|q| q < 0) {
        return Err(ApiError::validation("quota_bytes", "range", "0 or more"));
    }
    let txn = tandem_db::begin_write(&state.db).await?;
    let current = tandem_db::projects::find_project(&txn, a.project.id).await?;
    a.check_now(&auth, &current, ProjectAction::ManageProject)?;
    repo::set_quota(&txn, a.project.id, body.quota_bytes).await?;
    let (used, files, versions) = repo::usage(&txn, a.project.id).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(StorageResponse {
        used_bytes: used,
        quota_bytes: body.quota_bytes,
        files,
        versions,
    }))
}

/// Library files linked to the task that the caller may see.
#[utoipa::path(get, path = "/api/v1/tasks/{id}/files", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Task id")),
    responses((status = 200, description = "Linked files", body = Page<FileResponse>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_task_files(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let (t, _) = access::task(&state, &auth, path.into_inner(), |_| ProjectAction::View).await?;
    let lib = Library::load(&state, &auth, t.project_id).await?;
    let linked = repo::linked_to_task(&state.db, t.id).await?;
    let visible: Vec<(rows::Model, Access)> = linked
        .into_iter()
        .filter(|f| !lib.in_trash(f.folder_id))
        .filter_map(|f| lib.file_access(&auth, &f).map(|a| (f, a)))
        .collect();
    let refs: Vec<(&rows::Model, &Access)> = visible.iter().map(|(f, a)| (f, a)).collect();
    let items = dtos(&state.db, &refs).await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: None,
    }))
}

/// Link a library file of the same project to a task (editors of the task who see the file).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/files", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Task id")),
    request_body = LinkFileRequest,
    responses((status = 204, description = "Linked")))]
#[tracing::instrument(skip_all, err)]
pub async fn link_task_file(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Json<LinkFileRequest>,
) -> ApiResult<HttpResponse> {
    let (t, _) = access::task(&state, &auth, path.into_inner(), |_| {
        ProjectAction::EditTasks
    })
    .await?;
    let body = body.into_inner()?;
    let lib = Library::load(&state, &auth, t.project_id).await?;
    let not_linkable =
        || ApiError::validation("file_id", "not_found", "no such file in this project");
    let f = repo::find_file(&state.db, body.file_id)
        .await
        .map_err(|_| not_linkable())?;
    let seen = f.project_id == t.project_id
        && f.task_id.is_none()
        && f.deleted_at.is_none()
        && !lib.in_trash(f.folder_id)
        && lib.file_access(&auth, &f).is_some();
    if !seen {
        return Err(not_linkable());
    }
    let txn = tandem_db::begin_write(&state.db).await?;
    repo::link(&txn, f.id, t.id, auth.user.id).await?;
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Unlink a library file from a task (the file stays in the library).
#[utoipa::path(delete, path = "/api/v1/tasks/{id}/files/{file_id}", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Task id"), ("file_id" = Uuid, Path, description = "File id")),
    responses((status = 204, description = "Unlinked")))]
#[tracing::instrument(skip_all, err)]
pub async fn unlink_task_file(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (task_id, file_id) = path.into_inner();
    let (t, _) = access::task(&state, &auth, task_id, |_| ProjectAction::EditTasks).await?;
    let txn = tandem_db::begin_write(&state.db).await?;
    if !repo::unlink(&txn, file_id, t.id).await? {
        return Err(ApiError::NotFound);
    }
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Stored objects removal, for the job (see `tandem_db::files::BLOB_DELETE_JOB`): skipped when
/// a blob row names the key again.
pub async fn remove_object(state: &AppState, key: &str) -> Result<(), String> {
    if repo::key_in_use(&state.db, key)
        .await
        .map_err(|e| e.to_string())?
    {
        return Ok(());
    }
    tandem_files::blob::remove(&state.files, key)
        .await
        .map_err(|e| e.to_string())
}

/// Whether the store holds `key` (tests and checks).
pub async fn object_exists(store: &std::sync::Arc<dyn ObjectStore>, key: &str) -> bool {
    store.head(&StorePath::from(key)).await.is_ok()
}
