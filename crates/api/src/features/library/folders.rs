//! F1: folders — nested per project; rename, move, trash and restore.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use tandem_db::entities::folders as rows;
use tandem_db::files as repo;
use tandem_domain::files::Access;
use tandem_dto::{
    CreateFolderRequest, FileLevel, FolderResponse, LibraryChange, NodeKind, Page, Problem,
    UpdateFolderRequest,
};
use uuid::Uuid;

use super::{Library, Node, access_dtos, check_name, free_name, name_taken};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Json, check_if_match};
use crate::features::{created, ok_with_etag};
use crate::outbox::Outbox;
use crate::state::AppState;

pub(crate) async fn dtos(
    db: &impl tandem_db::ConnectionTrait,
    list: &[(&rows::Model, Access)],
) -> ApiResult<Vec<FolderResponse>> {
    let accesses: Vec<&Access> = list.iter().map(|(_, a)| a).collect();
    let explained = access_dtos(db, &accesses).await?;
    Ok(list
        .iter()
        .zip(explained)
        .map(|((f, _), access)| FolderResponse {
            id: f.id,
            project_id: f.project_id,
            parent_id: f.parent_id,
            name: f.name.clone(),
            restricted: f.restricted,
            access,
            created_by: f.created_by,
            created_at: f.created_at,
            updated_at: f.updated_at,
            deleted_at: f.deleted_at,
            version: f.version,
        })
        .collect())
}

/// F1: every folder of the project the caller sees (not those in the trash), as a flat list
/// with `parent_id`, by name.
#[utoipa::path(get, path = "/api/v1/projects/{id}/folders", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    responses((status = 200, description = "Folders", body = Page<FolderResponse>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_folders(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let lib = Library::load(&state, &auth, path.into_inner()).await?;
    let visible: Vec<(&rows::Model, Access)> = lib
        .tree
        .folders
        .iter()
        .filter(|f| !lib.in_trash(Some(f.id)))
        .filter_map(|f| lib.folder_access(&auth, Some(f.id)).map(|a| (f, a)))
        .collect();
    let items = dtos(&state.db, &visible).await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: None,
    }))
}

/// F1: a new folder (in `parent_id`, or at the top); needs edit permission there.
#[utoipa::path(post, path = "/api/v1/projects/{id}/folders", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    request_body = CreateFolderRequest,
    responses(
        (status = 201, description = "Created", body = FolderResponse,
            headers(("Location" = String, description = "The folder"), ("ETag" = String, description = "Its version"))),
        (status = 409, description = "The name is taken in that folder", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn create_folder(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Json<CreateFolderRequest>,
) -> ApiResult<HttpResponse> {
    let lib = Library::load(&state, &auth, path.into_inner()).await?;
    lib.check(
        &auth,
        lib.folder_access(&auth, None).as_ref(),
        FileLevel::View,
    )?;
    let body = body.into_inner()?;
    check_name("name", &body.name)?;
    let mut errors = Vec::new();
    crate::features::keys::check_key(body.external_key.as_deref(), "external_key", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let name = body.name.trim().to_owned();
    let txn = tandem_db::begin_write(&state.db).await?;
    let lib = lib.reload(&txn, &auth).await?;
    lib.writable_place(&auth, body.parent_id)?;
    let place = body.parent_id.unwrap_or(lib.project_id());
    if let Some(existing) = repo::folder_named(&txn, lib.project_id(), place, &name).await? {
        return Err(name_taken(NodeKind::Folder, existing.id));
    }
    let f =
        repo::create_folder(&txn, lib.project_id(), body.parent_id, &name, auth.user.id).await?;
    crate::features::keys::bind_new(
        &txn,
        tandem_dto::ExternalKeyKind::Folder,
        lib.project_id(),
        body.external_key,
        f.id,
        auth.user.id,
    )
    .await?;
    let out = commit(&state, &auth, &lib, txn, &f, LibraryChange::Created).await?;
    Ok(created(
        format!("/api/v1/folders/{}", f.id),
        &out,
        Some(f.version),
    ))
}

/// Ends a write that left folder `f` as it is: answers it as the caller now sees it, and
/// announces the change with the write.
async fn commit(
    state: &AppState,
    auth: &AuthUser,
    lib: &Library,
    txn: tandem_db::DatabaseTransaction,
    f: &rows::Model,
    change: LibraryChange,
) -> ApiResult<FolderResponse> {
    // Read again: a new or moved folder is not yet in the tree the write was decided on.
    let lib = lib.reload(&txn, auth).await?;
    let access = lib
        .folder_access(auth, Some(f.id))
        .ok_or(ApiError::NotFound)?;
    let out = dtos(&txn, &[(f, access)]).await?.remove(0);
    let mut events = Outbox::by(state, auth.user.id);
    lib.announce(&txn, &mut events, Node::Folder(f), change)
        .await?;
    events.commit(state, txn).await?;
    Ok(out)
}

/// Loads the folder's project library, the folder and the caller's level on it.
async fn load(state: &AppState, auth: &AuthUser, id: Uuid) -> ApiResult<(Library, rows::Model)> {
    let f = repo::find_folder(&state.db, id).await?;
    let lib = Library::load(state, auth, f.project_id).await?;
    Ok((lib, f))
}

/// F1: one folder.
#[utoipa::path(get, path = "/api/v1/folders/{id}", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Folder id")),
    responses((status = 200, description = "The folder", body = FolderResponse,
        headers(("ETag" = String, description = "Its version")))))]
#[tracing::instrument(skip_all, err)]
pub async fn get_folder(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let (lib, f) = load(&state, &auth, path.into_inner()).await?;
    let (f, access) = lib.visible_folder(&auth, f.id, false)?;
    let out = dtos(&state.db, &[(f, access)]).await?.remove(0);
    Ok(ok_with_etag(&out, f.version))
}

/// F1: rename a folder, or move it (`parent_id`; `null`: to the top). Needs edit permission
/// on the folder and on where it goes. Honors `If-Match`.
#[utoipa::path(patch, path = "/api/v1/folders/{id}", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Folder id")),
    request_body = UpdateFolderRequest,
    responses(
        (status = 200, description = "Changed", body = FolderResponse,
            headers(("ETag" = String, description = "Its new version"))),
        (status = 409, description = "The name is taken there, or the move would put it inside itself", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn update_folder(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Json<UpdateFolderRequest>,
) -> ApiResult<HttpResponse> {
    let (lib, f) = load(&state, &auth, path.into_inner()).await?;
    lib.visible_folder(&auth, f.id, false)?;
    let body = body.into_inner()?;
    if let Some(n) = &body.name {
        check_name("name", n)?;
    }
    let txn = tandem_db::begin_write(&state.db).await?;
    let lib = lib.reload(&txn, &auth).await?;
    let (current, access) = lib.visible_folder(&auth, f.id, false)?;
    check_if_match(&req, current.version)?;
    lib.check(&auth, Some(&access), FileLevel::Edit)?;
    let mut next = current.clone();
    if let Some(n) = &body.name {
        next.name = n.trim().to_owned();
    }
    if let Some(parent) = body.parent_id {
        if parent != current.parent_id {
            lib.writable_place(&auth, parent)?;
            if lib.chain(parent).iter().any(|x| x.id == current.id) {
                return Err(ApiError::conflict(
                    "folder_cycle",
                    "a folder cannot move into itself or a folder inside it",
                ));
            }
        }
        next.parent_id = parent;
    }
    let place = next.parent_id.unwrap_or(lib.project_id());
    if let Some(existing) = repo::folder_named(&txn, lib.project_id(), place, &next.name).await?
        && existing.id != current.id
    {
        return Err(name_taken(NodeKind::Folder, existing.id));
    }
    next.name_key = Some(repo::name_key(&next.name));
    let saved = repo::save_folder(&txn, next, current.version).await?;
    let out = commit(&state, &auth, &lib, txn, &saved, LibraryChange::Updated).await?;
    Ok(ok_with_etag(&out, saved.version))
}

/// F1: move a folder with everything in it to the trash (restorable for 30 days).
#[utoipa::path(delete, path = "/api/v1/folders/{id}", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Folder id")),
    responses((status = 204, description = "In the trash")))]
#[tracing::instrument(skip_all, err)]
pub async fn delete_folder(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let (lib, f) = load(&state, &auth, path.into_inner()).await?;
    lib.visible_folder(&auth, f.id, false)?;
    let txn = tandem_db::begin_write(&state.db).await?;
    let lib = lib.reload(&txn, &auth).await?;
    let (current, access) = lib.visible_folder(&auth, f.id, false)?;
    lib.check(&auth, Some(&access), FileLevel::Edit)?;
    let mut next = current.clone();
    next.deleted_at = Some(Utc::now());
    next.deleted_by = Some(auth.user.id);
    next.name_key = None;
    let mut events = Outbox::by(&state, auth.user.id);
    // Announced to those who saw it, before it went.
    lib.announce(
        &txn,
        &mut events,
        Node::Folder(current),
        LibraryChange::Trashed,
    )
    .await?;
    repo::save_folder(&txn, next, current.version).await?;
    events.commit(&state, txn).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// F1: bring a folder back from the trash, to where it was (or to the top when that folder is
/// gone or in the trash itself); a name taken meanwhile gets " (2)".
#[utoipa::path(post, path = "/api/v1/folders/{id}/restore", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Folder id")),
    responses((status = 200, description = "Restored", body = FolderResponse,
        headers(("ETag" = String, description = "Its new version")))))]
#[tracing::instrument(skip_all, err)]
pub async fn restore_folder(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let (lib, f) = load(&state, &auth, path.into_inner()).await?;
    let txn = tandem_db::begin_write(&state.db).await?;
    let lib = lib.reload(&txn, &auth).await?;
    let (current, access) = lib.visible_folder(&auth, f.id, true)?;
    if current.deleted_at.is_none() {
        return Err(ApiError::NotFound);
    }
    lib.check(&auth, Some(&access), FileLevel::Edit)?;
    let mut next = current.clone();
    if lib.in_trash(current.parent_id) || lib.writable_place(&auth, current.parent_id).is_err() {
        next.parent_id = None;
        lib.writable_place(&auth, None)?;
    }
    let place = next.parent_id.unwrap_or(lib.project_id());
    next.name = free_name(&txn, lib.project_id(), place, &current.name, true).await?;
    next.name_key = Some(repo::name_key(&next.name));
    next.deleted_at = None;
    next.deleted_by = None;
    let saved = repo::save_folder(&txn, next, current.version).await?;
    let out = commit(&state, &auth, &lib, txn, &saved, LibraryChange::Restored).await?;
    Ok(ok_with_etag(&out, saved.version))
}
