//! A5: departments. Listing is public so the registration form can offer them.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;
use tandem_db::RepoError;
use tandem_db::accounts;
use tandem_db::audit::{self, AuditEvent};
use tandem_dto::{
    CreateDepartmentRequest, DepartmentResponse, Page, Problem, UpdateDepartmentRequest,
};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult, referenced, validate};
use crate::extract::{Allowed, Json, PageQuery, check_if_match, client_ip, perm};
use crate::features::{created, ok_with_etag};
use crate::state::AppState;

/// All departments (no token needed).
#[utoipa::path(get, path = "/api/v1/departments", tag = "departments",
    params(PageQuery),
    responses((status = 200, description = "Departments", body = Page<DepartmentResponse>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_departments(
    state: web::Data<AppState>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let (rows, next) = accounts::list_departments(&state.db, page.cursor()?, page.limit()?).await?;
    Ok(HttpResponse::Ok().json(Page {
        items: rows.iter().map(accounts::department_dto).collect(),
        next_cursor: next,
    }))
}

/// One department.
#[utoipa::path(get, path = "/api/v1/departments/{id}", tag = "departments", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Department id")),
    responses((status = 200, description = "The department", body = DepartmentResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn get_department(
    state: web::Data<AppState>,
    _auth: Allowed<perm::ReadDirectory>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let d = accounts::find_department(&state.db, path.into_inner()).await?;
    Ok(ok_with_etag(&accounts::department_dto(&d), d.version))
}

async fn check_head(state: &AppState, head: Option<Uuid>) -> ApiResult<()> {
    if let Some(h) = head {
        referenced(accounts::find_user(&state.db, h).await, "head_id", "user")?;
    }
    Ok(())
}

async fn check_parent_exists(state: &AppState, parent: Option<Uuid>) -> ApiResult<()> {
    if let Some(p) = parent {
        referenced(
            accounts::find_department(&state.db, p).await,
            "parent_id",
            "department",
        )?;
    }
    Ok(())
}

fn name_taken(e: RepoError) -> ApiError {
    match e {
        RepoError::Conflict("department_name_taken" | "unique") => ApiError::conflict(
            "department_name_taken",
            "a department with this name exists",
        ),
        other => other.into(),
    }
}

/// Create a department (administrators).
#[utoipa::path(post, path = "/api/v1/departments", tag = "departments", security(("bearer" = [])),
    request_body = CreateDepartmentRequest,
    responses(
        (status = 201, description = "Created", body = DepartmentResponse),
        (status = 409, description = "Name taken", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn create_department(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Allowed<perm::ManageDepartments>,
    body: Json<CreateDepartmentRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner()?;
    validate(&body)?;
    let mut errors = Vec::new();
    super::keys::check_key(body.external_key.as_deref(), "external_key", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let name = super::me::non_blank(body.name, "name")?;
    check_head(&state, body.head_id).await?;
    check_parent_exists(&state, body.parent_id).await?;
    let txn = tandem_db::begin_write(&state.db).await?;
    let d = accounts::insert_department(&txn, name, body.head_id, body.parent_id)
        .await
        .map_err(name_taken)?;
    super::keys::bind_new(
        &txn,
        tandem_dto::ExternalKeyKind::Department,
        tandem_db::external_keys::GLOBAL,
        body.external_key,
        d.id,
        auth.user.id,
    )
    .await?;
    audit::record(
        &txn,
        AuditEvent {
            actor_id: Some(auth.user.id),
            action: "department.created",
            target_type: Some("department"),
            target_id: Some(d.id.to_string()),
            detail: json!({ "name": d.name }),
            ip: client_ip(&req),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(created(
        format!("/api/v1/departments/{}", d.id),
        &accounts::department_dto(&d),
        Some(d.version),
    ))
}

/// Rename, set head or parent (administrators). Honors `If-Match`.
#[utoipa::path(patch, path = "/api/v1/departments/{id}", tag = "departments", security(("bearer" = [])),
    request_body = UpdateDepartmentRequest,
    params(("id" = Uuid, Path, description = "Department id")),
    responses(
        (status = 200, description = "Updated", body = DepartmentResponse),
        (status = 409, description = "Name taken or parent cycle", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn update_department(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Allowed<perm::ManageDepartments>,
    path: web::Path<Uuid>,
    body: Json<UpdateDepartmentRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner()?;
    validate(&body)?;
    let id = path.into_inner();
    let name = body
        .name
        .map(|n| super::me::non_blank(n, "name"))
        .transpose()?;
    if let Some(head) = body.head_id {
        check_head(&state, head).await?;
    }
    if let Some(Some(parent)) = body.parent_id {
        check_parent_exists(&state, Some(parent)).await?;
    }
    // Read, check and write in one transaction, the tree locked: two re-parentings racing
    // each other cannot both pass the cycle check.
    let txn = tandem_db::begin_write(&state.db).await?;
    if body.parent_id.is_some() {
        tandem_db::serialize(&txn, tandem_db::Serialized::DepartmentTree).await?;
    }
    let d = accounts::find_department(&txn, id).await?;
    check_if_match(&req, d.version)?;
    if let Some(Some(parent)) = body.parent_id
        && accounts::is_descendant_or_self(&txn, d.id, parent)
            .await
            .map_err(|e| match e {
                // The new parent was deleted meanwhile.
                RepoError::NotFound => {
                    ApiError::validation("parent_id", "not_found", "no such department")
                }
                other => other.into(),
            })?
    {
        return Err(ApiError::conflict(
            "department_cycle",
            "a department cannot be placed under itself or one of its sub-departments",
        ));
    }
    let before = accounts::department_dto(&d);
    let d = accounts::update_department(&txn, d, name, body.head_id, body.parent_id)
        .await
        .map_err(name_taken)?;
    audit::record(
        &txn,
        AuditEvent {
            actor_id: Some(auth.user.id),
            action: "department.updated",
            target_type: Some("department"),
            target_id: Some(d.id.to_string()),
            detail: json!({
                "from": { "name": before.name, "head_id": before.head_id, "parent_id": before.parent_id },
                "to": { "name": d.name, "head_id": d.head_id, "parent_id": d.parent_id },
            }),
            ip: client_ip(&req),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(ok_with_etag(&accounts::department_dto(&d), d.version))
}

/// Delete a department nothing refers to: no members (409 `department_has_members`), no
/// sub-departments (409 `department_has_children`), no projects it collaborates in (409
/// `department_in_use`); the problem's `context` says what refers to it. Honors `If-Match`.
#[utoipa::path(delete, path = "/api/v1/departments/{id}", tag = "departments", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Department id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "Still in use (members, sub-departments or projects; see `context`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn delete_department(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Allowed<perm::ManageDepartments>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let txn = tandem_db::begin_write(&state.db).await?;
    tandem_db::serialize(&txn, tandem_db::Serialized::DepartmentTree).await?;
    let d = accounts::find_department(&txn, path.into_inner()).await?;
    check_if_match(&req, d.version)?;
    let used = accounts::department_use(&txn, d.id).await?;
    if !used.is_empty() {
        // The most specific code first (members and sub-departments have had theirs since
        // departments exist); the context always says everything that refers to it.
        let (code, detail) = if used.members > 0 {
            ("department_has_members", "the department still has members")
        } else if used.children > 0 {
            (
                "department_has_children",
                "the department still has sub-departments",
            )
        } else {
            (
                "department_in_use",
                "projects still name the department as a collaborating department",
            )
        };
        return Err(ApiError::Conflict {
            code,
            detail: detail.into(),
            context: Some(json!({
                "members": used.members,
                "children": used.children,
                "projects": used.projects,
                "projects_total": used.projects_total,
            })),
        });
    }
    // Someone joined it, or a project took it up, in a way the check could not see: the
    // foreign keys refuse, and that is the same conflict.
    accounts::delete_department(&txn, d.id)
        .await
        .map_err(|e| match e {
            RepoError::Conflict(_) => {
                ApiError::conflict("department_in_use", "the department is still in use")
            }
            other => other.into(),
        })?;
    audit::record(
        &txn,
        AuditEvent {
            actor_id: Some(auth.user.id),
            action: "department.deleted",
            target_type: Some("department"),
            target_id: Some(d.id.to_string()),
            detail: json!({ "name": d.name }),
            ip: client_ip(&req),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}
