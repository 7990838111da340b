//! I3: external keys — list the names a script gave objects, and name existing objects.

use actix_web::{HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tandem_db::RepoError;
use tandem_db::external_keys::{self as repo, GLOBAL, NewKey};
use tandem_db::{accounts, comments, projects as project_repo, tasks as task_repo};
use tandem_domain::policy::{KeyRight, authorize, key_right, may_see_account};
use tandem_domain::projects::{ProjectAction, may_see_project};
use tandem_dto::{
    BindExternalKeyRequest, ExternalKeyKind, ExternalKeyResponse, FieldError, Page, Problem,
    UserStatus, external_key_ok,
};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Json};
use crate::features::access;
use crate::state::AppState;

/// An `external_key` field of a create request, checked like every other field.
pub(crate) fn check_key(key: Option<&str>, field: &str, errors: &mut Vec<FieldError>) {
    if let Some(k) = key
        && !external_key_ok(k)
    {
        errors.push(FieldError::new(
            field,
            "external_key",
            "1–200 characters, no leading or trailing spaces, no control characters",
        ));
    }
}

/// The conflict when a key already names another object (or the object has another key).
pub(crate) fn key_taken(e: RepoError) -> ApiError {
    match e {
        RepoError::Conflict("external_key_taken") => ApiError::conflict(
            "external_key_taken",
            "this external key already names another object, or the object has another key",
        ),
        other => other.into(),
    }
}

/// Binds a create request's key to the new object, in the creating transaction.
pub(crate) async fn bind_new(
    txn: &impl tandem_db::ConnectionTrait,
    kind: ExternalKeyKind,
    scope: Uuid,
    key: Option<String>,
    object_id: Uuid,
    by: Uuid,
) -> ApiResult<()> {
    if let Some(key) = key {
        let k = NewKey {
            kind,
            scope,
            key,
            object_id,
        };
        repo::bind(txn, k, by).await.map_err(key_taken)?;
    }
    Ok(())
}

/// Filters and cursor of `GET /external-keys`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KeyQuery {
    pub kind: ExternalKeyKind,
    /// Required for milestones, tasks and comments (their keys are unique per project).
    pub project_id: Option<Uuid>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Opaque cursor from the previous page's `next_cursor`.
    #[param(pattern = r"^[A-Za-z0-9_-]{1,800}$")]
    pub cursor: Option<String>,
}

/// I3: the external keys of one kind the caller may see, in key order: departments, active
/// users (administrators: all users), the projects the caller sees, or the milestones, tasks
/// and comments of one project.
#[utoipa::path(get, path = "/api/v1/external-keys", tag = "integration", security(("bearer" = [])),
    params(KeyQuery),
    responses((status = 200, description = "Keys", body = Page<ExternalKeyResponse>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_external_keys(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<KeyQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    authorize(&auth.actor, tandem_domain::policy::Action::ReadDirectory)?;
    let limit = crate::extract::page_limit(q.limit)?;
    let after = match q.cursor.as_deref() {
        None => None,
        Some(c) => Some(
            URL_SAFE_NO_PAD
                .decode(c)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| {
                    ApiError::validation("cursor", "invalid", "not a cursor from this API")
                })?,
        ),
    };
    let scope = if q.kind.in_project() {
        let Some(pid) = q.project_id else {
            return Err(ApiError::validation(
                "project_id",
                "required",
                "keys of milestones, tasks and comments are per project",
            ));
        };
        access::project(&state, &auth, pid, ProjectAction::View).await?;
        pid
    } else {
        GLOBAL
    };
    let rows = repo::list(&state.db, q.kind, scope, after.as_deref(), limit).await?;
    let next_cursor = (rows.len() as u64 == limit)
        .then(|| {
            rows.last()
                .map(|r| URL_SAFE_NO_PAD.encode(r.key.as_bytes()))
        })
        .flatten();
    let ids: Vec<Uuid> = rows.iter().map(|r| r.object_id).collect();
    // What the caller may not see is left out of the page (the cursor still moves on).
    let visible: Option<std::collections::HashSet<Uuid>> = match q.kind {
        ExternalKeyKind::User => {
            let users = accounts::users_by_ids(&state.db, &ids).await?;
            Some(
                users
                    .into_iter()
                    .filter(|(id, status)| {
                        may_see_account(&auth.actor, *id, UserStatus::parse(status))
                    })
                    .map(|(id, _)| id)
                    .collect(),
            )
        }
        ExternalKeyKind::Project => {
            let roles = project_repo::roles_of(&state.db, auth.user.id, &ids).await?;
            Some(
                ids.iter()
                    .copied()
                    .filter(|id| may_see_project(&auth.actor, roles.get(id).copied()))
                    .collect(),
            )
        }
        ExternalKeyKind::Folder | ExternalKeyKind::File => {
            Some(library_visible(&state, &auth, q.kind, scope, &ids, false).await?)
        }
        _ => None,
    };
    let items: Vec<ExternalKeyResponse> = rows
        .into_iter()
        .filter(|r| visible.as_ref().is_none_or(|v| v.contains(&r.object_id)))
        .map(|r| ExternalKeyResponse {
            kind: q.kind,
            key: r.key,
            id: r.object_id,
            project_id: (r.scope_id != GLOBAL).then_some(r.scope_id),
            created_at: r.created_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

/// The project an object lives in (for keys unique per project), `None` for global kinds;
/// 404 when the object does not exist.
async fn scope_of(state: &AppState, kind: ExternalKeyKind, id: Uuid) -> ApiResult<Option<Uuid>> {
    let db = &state.db;
    Ok(match kind {
        ExternalKeyKind::Department => {
            accounts::find_department(db, id).await?;
            None
        }
        ExternalKeyKind::User => {
            accounts::find_user(db, id).await?;
            None
        }
        ExternalKeyKind::Project => {
            project_repo::find_project(db, id).await?;
            None
        }
        ExternalKeyKind::Milestone => Some(project_repo::find_milestone(db, id).await?.project_id),
        ExternalKeyKind::Task => Some(task_repo::find_task(db, id).await?.project_id),
        ExternalKeyKind::Comment => {
            let c = comments::find(db, id).await?;
            Some(task_repo::find_task(db, c.task_id).await?.project_id)
        }
        ExternalKeyKind::Folder => Some(tandem_db::files::find_folder(db, id).await?.project_id),
        ExternalKeyKind::File => {
            let f = tandem_db::files::find_file(db, id).await?;
            // Attachments are named through their task.
            if f.task_id.is_some() {
                return Err(ApiError::NotFound);
            }
            Some(f.project_id)
        }
    })
}

/// Of `ids` (folders or files of `project`), those the caller sees by the library's tiers;
/// with `edit`, those they may change.
async fn library_visible(
    state: &AppState,
    auth: &AuthUser,
    kind: ExternalKeyKind,
    project: Uuid,
    ids: &[Uuid],
    edit: bool,
) -> ApiResult<std::collections::HashSet<Uuid>> {
    use crate::features::library::Library;
    let lib = Library::load(state, auth, project).await?;
    let want = if edit {
        tandem_dto::FileLevel::Edit
    } else {
        tandem_dto::FileLevel::View
    };
    let enough =
        |a: Option<tandem_domain::files::Access>| a.is_some_and(|a| a.level.rank() >= want.rank());
    let mut out = std::collections::HashSet::new();
    match kind {
        ExternalKeyKind::Folder => {
            for id in ids {
                if lib.folder(*id).is_some() && enough(lib.folder_access(auth, Some(*id))) {
                    out.insert(*id);
                }
            }
        }
        _ => {
            for f in tandem_db::files::files_by_ids(&state.db, ids).await? {
                if f.project_id == project && enough(lib.file_access(auth, &f)) {
                    out.insert(f.id);
                }
            }
        }
    }
    Ok(out)
}

/// I3: name an existing object with an external key (e.g. an account that registered
/// itself, before a seed file lists it). Takes the right to change the object. Binding the
/// same key to the same object again is a no-op (200); 409 `external_key_taken` when the key
/// names another object or the object has another key.
#[utoipa::path(post, path = "/api/v1/external-keys", tag = "integration", security(("bearer" = [])),
    request_body = BindExternalKeyRequest,
    responses(
        (status = 201, description = "Bound", body = ExternalKeyResponse),
        (status = 200, description = "Already bound so", body = ExternalKeyResponse),
        (status = 409, description = "Key or object taken", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn bind_external_key(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: Json<BindExternalKeyRequest>,
) -> ApiResult<HttpResponse> {
    // The right first (403 before the body is looked at), per kind.
    let right = body.peek().map(|b| key_right(b.kind));
    if let Some(KeyRight::Instance(action) | KeyRight::Both(action, _)) = right {
        authorize(&auth.actor, action)?;
    }
    let body = body.into_inner()?;
    if !external_key_ok(&body.key) {
        let mut errors = Vec::new();
        check_key(Some(&body.key), "key", &mut errors);
        return Err(ApiError::Validation(errors));
    }
    let scope = match scope_of(&state, body.kind, body.id).await {
        Err(ApiError::NotFound) => {
            return Err(ApiError::validation("id", "not_found", "no such object"));
        }
        other => other?,
    };
    let project_right = match right {
        Some(KeyRight::Project(a) | KeyRight::Both(_, a)) => Some(a),
        _ => None,
    };
    if let (ExternalKeyKind::Folder | ExternalKeyKind::File, Some(pid)) = (body.kind, scope)
        && !library_visible(&state, &auth, body.kind, pid, &[body.id], true)
            .await?
            .contains(&body.id)
    {
        // An item the caller may not change is one they are not told about either.
        return Err(ApiError::validation("id", "not_found", "no such object"));
    }
    let project = scope.or_else(|| (body.kind == ExternalKeyKind::Project).then_some(body.id));
    let access = match (project_right, project) {
        (Some(action), Some(pid)) => {
            Some((access::project(&state, &auth, pid, action).await?, action))
        }
        _ => None,
    };
    let txn = tandem_db::begin_write(&state.db).await?;
    // The project right asked again as the project is now (it may have been archived since).
    if let Some((a, action)) = &access {
        let current = project_repo::find_project_for_update(&txn, a.project.id).await?;
        a.check_now(&auth, &current, *action)?;
    }
    let k = NewKey {
        kind: body.kind,
        scope: scope.unwrap_or(GLOBAL),
        key: body.key.clone(),
        object_id: body.id,
    };
    let new = repo::bind(&txn, k, auth.user.id).await.map_err(key_taken)?;
    let row = repo::find(&txn, body.kind, scope.unwrap_or(GLOBAL), &body.key)
        .await?
        .ok_or(ApiError::NotFound)?;
    txn.commit().await?;
    let dto = ExternalKeyResponse {
        kind: body.kind,
        key: row.key,
        id: row.object_id,
        project_id: scope,
        created_at: row.created_at,
    };
    Ok(if new {
        HttpResponse::Created()
            .insert_header((
                actix_web::http::header::LOCATION,
                object_path(body.kind, body.id),
            ))
            .json(&dto)
    } else {
        HttpResponse::Ok().json(&dto)
    })
}

/// Where the named object is read or changed (the `Location` of a new binding).
fn object_path(kind: ExternalKeyKind, id: Uuid) -> String {
    let collection = match kind {
        ExternalKeyKind::Department => "departments",
        ExternalKeyKind::User => "users",
        ExternalKeyKind::Project => "projects",
        ExternalKeyKind::Milestone => "milestones",
        ExternalKeyKind::Task => "tasks",
        ExternalKeyKind::Comment => "comments",
        ExternalKeyKind::Folder => "folders",
        ExternalKeyKind::File => "files",
    };
    format!("/api/v1/{collection}/{id}")
}
