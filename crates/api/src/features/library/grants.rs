//! F3: permission tiers — grants of view / edit / manage on folders and files, to members or
//! departments, and restricted folders.

use std::collections::HashSet;

use actix_web::{HttpResponse, web};
use tandem_db::files::{self as repo, Target};
use tandem_domain::files::Access;
use tandem_dto::{
    FileLevel, GrantResponse, GrantSubjectKind, GrantsResponse, LibraryChange, NodeKind, Problem,
    PutGrantsRequest,
};
use uuid::Uuid;

use super::files::seen;
use super::{Library, Node, access_dtos};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Json};
use crate::outbox::Outbox;
use crate::state::AppState;

/// The grants in force on a node: its own, then those inherited from folders above (nearest
/// first), skipping subjects already granted further down and stopping at a restricted folder.
async fn describe(
    db: &impl tandem_db::ConnectionTrait,
    lib: &Library,
    node: Node<'_>,
    access: &Access,
) -> ApiResult<GrantsResponse> {
    // From the node up: a file's own grants, then its folders' (a folder's own first).
    let mut levels: Vec<(NodeKind, Uuid, String, bool)> = Vec::new();
    let folder = match node {
        Node::File(f) => {
            levels.push((NodeKind::File, f.id, f.name.clone(), false));
            f.folder_id
        }
        Node::Folder(f) => Some(f.id),
    };
    for f in lib.chain(folder).iter().rev() {
        levels.push((NodeKind::Folder, f.id, f.name.clone(), f.restricted));
    }
    let mut seen_subjects: HashSet<(String, Uuid)> = HashSet::new();
    let mut raw = Vec::new();
    let mut restricted_by = None;
    for (i, (kind, on, name, restricted)) in levels.iter().enumerate() {
        for g in lib.tree.grants.iter().filter(|g| match kind {
            NodeKind::File => g.file_id == Some(*on),
            NodeKind::Folder => g.folder_id == Some(*on),
        }) {
            if seen_subjects.insert((g.subject_kind.clone(), g.subject_id)) {
                raw.push((g.clone(), *kind, *on, name.clone(), i > 0));
            }
        }
        if *restricted {
            restricted_by = Some(*on);
            break;
        }
    }
    let users: Vec<Uuid> = raw
        .iter()
        .filter(|(g, ..)| g.subject_kind == GrantSubjectKind::User.as_str())
        .map(|(g, ..)| g.subject_id)
        .collect();
    let depts: Vec<Uuid> = raw
        .iter()
        .filter(|(g, ..)| g.subject_kind == GrantSubjectKind::Department.as_str())
        .map(|(g, ..)| g.subject_id)
        .collect();
    let names = repo::subject_names(db, &users, &depts).await?;
    let grants = raw
        .into_iter()
        .filter_map(|(g, on_kind, on_id, on_name, inherited)| {
            Some(GrantResponse {
                subject_kind: GrantSubjectKind::parse(&g.subject_kind)?,
                subject_id: g.subject_id,
                subject_name: names.get(&g.subject_id).cloned().unwrap_or_default(),
                level: FileLevel::parse(&g.level)?,
                on_kind,
                on_id,
                on_name,
                inherited,
            })
        })
        .collect();
    let restricted = matches!(node, Node::Folder(f) if f.restricted);
    Ok(GrantsResponse {
        grants,
        restricted,
        restricted_by,
        access: access_dtos(db, &[access]).await?.remove(0),
    })
}

/// F3: who may do what with a file, and why the caller may.
#[utoipa::path(get, path = "/api/v1/files/{id}/grants", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "File id")),
    responses((status = 200, description = "Grants", body = GrantsResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn get_file_grants(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let s = seen(&state, &auth, path.into_inner(), false).await?;
    let out = describe(&state.db, &s.lib, Node::File(&s.file), &s.access).await?;
    Ok(HttpResponse::Ok().json(out))
}

/// F3: who may do what with a folder (and what is inside it), and why the caller may.
#[utoipa::path(get, path = "/api/v1/folders/{id}/grants", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Folder id")),
    responses((status = 200, description = "Grants", body = GrantsResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn get_folder_grants(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let f = repo::find_folder(&state.db, path.into_inner()).await?;
    let lib = Library::load(&state, &auth, f.project_id).await?;
    let (f, access) = lib.visible_folder(&auth, f.id, false)?;
    let out = describe(&state.db, &lib, Node::Folder(f), &access).await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Checks a grant list: known subjects (members of the project, departments), each once.
async fn checked(
    db: &impl tandem_db::ConnectionTrait,
    project_id: Uuid,
    body: &PutGrantsRequest,
) -> ApiResult<Vec<(String, Uuid, String)>> {
    if body.grants.len() > 200 {
        return Err(ApiError::validation("grants", "length", "at most 200"));
    }
    let mut seen_subjects = HashSet::new();
    for g in &body.grants {
        if !seen_subjects.insert((g.subject_kind, g.subject_id)) {
            return Err(ApiError::validation(
                "grants",
                "duplicate",
                "one grant per person or department",
            ));
        }
    }
    let users: Vec<Uuid> = body
        .grants
        .iter()
        .filter(|g| g.subject_kind == GrantSubjectKind::User)
        .map(|g| g.subject_id)
        .collect();
    let members = tandem_db::projects::members_among(db, project_id, &users).await?;
    if users.iter().any(|u| !members.contains(u)) {
        return Err(ApiError::validation(
            "grants",
            "not_member",
            "people must be members of the project",
        ));
    }
    let depts: Vec<Uuid> = body
        .grants
        .iter()
        .filter(|g| g.subject_kind == GrantSubjectKind::Department)
        .map(|g| g.subject_id)
        .collect();
    let known = repo::existing_departments(db, &depts).await?;
    if depts.iter().any(|d| !known.contains(d)) {
        return Err(ApiError::validation(
            "grants",
            "unknown_department",
            "no such department",
        ));
    }
    Ok(body
        .grants
        .iter()
        .map(|g| {
            (
                g.subject_kind.as_str().to_owned(),
                g.subject_id,
                g.level.as_str().to_owned(),
            )
        })
        .collect())
}

/// F3: replace a file's grants (manage permission).
#[utoipa::path(put, path = "/api/v1/files/{id}/grants", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "File id")),
    request_body = PutGrantsRequest,
    responses(
        (status = 200, description = "Grants", body = GrantsResponse),
        (status = 422, description = "Unknown people or departments, or `restricted` on a file", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn put_file_grants(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Json<PutGrantsRequest>,
) -> ApiResult<HttpResponse> {
    let s = seen(&state, &auth, path.into_inner(), false).await?;
    let body = body.into_inner()?;
    if s.file.task_id.is_some() {
        return Err(ApiError::conflict(
            "task_attachment",
            "a task attachment's viewers are set on the attachment",
        ));
    }
    s.lib.check(&auth, Some(&s.access), FileLevel::Manage)?;
    if body.restricted == Some(true) {
        return Err(ApiError::validation(
            "restricted",
            "folders_only",
            "only folders are restricted; give a file grants instead",
        ));
    }
    let txn = tandem_db::begin_write(&state.db).await?;
    let lib = s.lib.reload(&txn, &auth).await?;
    let f = repo::find_file_for_update(&txn, s.file.id).await?;
    if f.deleted_at.is_some() || lib.in_trash(f.folder_id) {
        return Err(ApiError::NotFound);
    }
    lib.check(
        &auth,
        lib.file_access(&auth, &f).as_ref(),
        FileLevel::Manage,
    )?;
    let grants = checked(&txn, lib.project_id(), &body).await?;
    let mut events = Outbox::by(&state, auth.user.id);
    // Those who lose sight of it hear so from the announcement made while they still see it.
    lib.announce(&txn, &mut events, Node::File(&f), LibraryChange::Updated)
        .await?;
    repo::replace_grants(
        &txn,
        lib.project_id(),
        Target::File(f.id),
        &grants,
        auth.user.id,
    )
    .await?;
    let lib = lib.reload(&txn, &auth).await?;
    lib.announce(&txn, &mut events, Node::File(&f), LibraryChange::Updated)
        .await?;
    let access = lib.file_access(&auth, &f).ok_or(ApiError::NotFound)?;
    let out = describe(&txn, &lib, Node::File(&f), &access).await?;
    events.commit(&state, txn).await?;
    Ok(HttpResponse::Ok().json(out))
}

/// F3: replace a folder's grants, and restrict it or open it (manage permission).
#[utoipa::path(put, path = "/api/v1/folders/{id}/grants", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Folder id")),
    request_body = PutGrantsRequest,
    responses(
        (status = 200, description = "Grants", body = GrantsResponse),
        (status = 422, description = "Unknown people or departments", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn put_folder_grants(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Json<PutGrantsRequest>,
) -> ApiResult<HttpResponse> {
    let f = repo::find_folder(&state.db, path.into_inner()).await?;
    let lib = Library::load(&state, &auth, f.project_id).await?;
    let (_, access) = lib.visible_folder(&auth, f.id, false)?;
    lib.check(&auth, Some(&access), FileLevel::Manage)?;
    let body = body.into_inner()?;
    let txn = tandem_db::begin_write(&state.db).await?;
    let lib = lib.reload(&txn, &auth).await?;
    let (current, access) = lib.visible_folder(&auth, f.id, false)?;
    lib.check(&auth, Some(&access), FileLevel::Manage)?;
    let current = current.clone();
    let grants = checked(&txn, lib.project_id(), &body).await?;
    let mut events = Outbox::by(&state, auth.user.id);
    lib.announce(
        &txn,
        &mut events,
        Node::Folder(&current),
        LibraryChange::Updated,
    )
    .await?;
    repo::replace_grants(
        &txn,
        lib.project_id(),
        Target::Folder(current.id),
        &grants,
        auth.user.id,
    )
    .await?;
    if let Some(r) = body.restricted
        && r != current.restricted
    {
        let mut next = current.clone();
        next.restricted = r;
        repo::save_folder(&txn, next, current.version).await?;
    }
    let lib = lib.reload(&txn, &auth).await?;
    lib.announce(
        &txn,
        &mut events,
        Node::Folder(&current),
        LibraryChange::Updated,
    )
    .await?;
    let access = lib
        .folder_access(&auth, Some(current.id))
        .ok_or(ApiError::NotFound)?;
    let out = describe(&txn, &lib, Node::Folder(&current), &access).await?;
    events.commit(&state, txn).await?;
    Ok(HttpResponse::Ok().json(out))
}
