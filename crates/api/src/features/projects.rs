//! P1–P5: projects (项目中心), their members and milestones.

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use serde_json::json;
use tandem_db::audit::{self, AuditEvent};
use tandem_db::entities::{projects, users};
use tandem_db::projects as repo;
use tandem_db::{RepoError, accounts};
use tandem_domain::projects::{self as policy, ProjectAction};
use tandem_dto::{
    AddMemberRequest, CreateMilestoneRequest, CreateProjectRequest, FieldError, MemberResponse,
    MilestoneResponse, Page, Problem, ProjectResponse, ProjectRole, ProjectStatus,
    UpdateMemberRequest, UpdateMilestoneRequest, UpdateProjectRequest, UserStatus,
};
use tandem_dto::{MemberEvent, WsEventKind};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult, validate};
use crate::events::{Audience, Control};
use crate::extract::{Allowed, AuthUser, Json, PageQuery, check_if_match, client_ip, perm};
use crate::features::access;
use crate::features::{created, ok_with_etag};
use crate::outbox::Outbox;
use crate::state::AppState;

pub const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";

/// Today's date where the project works.
pub fn today_in(time_zone: &str) -> NaiveDate {
    let tz: chrono_tz::Tz = time_zone.parse().unwrap_or(chrono_tz::Asia::Shanghai);
    chrono::Utc::now().with_timezone(&tz).date_naive()
}

fn check_time_zone(tz: &str, errors: &mut Vec<FieldError>) {
    if tz.parse::<chrono_tz::Tz>().is_err() {
        errors.push(FieldError::new(
            "time_zone",
            "invalid",
            "not an IANA time zone such as Asia/Shanghai",
        ));
    }
}

/// Dates from 1900 to 9999: what every engine stores, and what a plan can mean.
pub fn check_date_range(field: &str, d: NaiveDate, errors: &mut Vec<FieldError>) {
    use chrono::Datelike;
    if !(1900..=9999).contains(&d.year()) {
        errors.push(FieldError::new(
            field,
            "range",
            "must be between 1900 and 9999",
        ));
    }
}

fn check_period(start: NaiveDate, end: NaiveDate, errors: &mut Vec<FieldError>) {
    check_date_range("start_date", start, errors);
    check_date_range("end_date", end, errors);
    if end < start {
        errors.push(FieldError::new(
            "end_date",
            "before_start",
            "must be on or after start_date",
        ));
    }
}

async fn check_departments(
    state: &AppState,
    ids: &[Uuid],
    errors: &mut Vec<FieldError>,
) -> ApiResult<()> {
    let found = accounts::departments_by_ids(&state.db, ids).await?;
    if let Some(missing) = ids.iter().find(|id| !found.contains(id)) {
        errors.push(FieldError::new(
            "department_ids",
            "not_found",
            format!("no such department: {missing}"),
        ));
    }
    Ok(())
}

/// A department checked before the transaction was deleted before the write: the foreign key
/// refuses, and the request names a department that does not exist.
fn department_gone(e: RepoError) -> ApiError {
    match e {
        RepoError::Conflict("in_use") => {
            ApiError::validation("department_ids", "not_found", "no such department")
        }
        other => other.into(),
    }
}

fn non_blank(field: &str, v: &str, errors: &mut Vec<FieldError>) {
    if v.trim().is_empty() {
        errors.push(FieldError::new(field, "required", "must not be blank"));
    }
}

/// Builds the project center's view of several projects with a fixed number of queries:
/// departments, the caller's roles, task figures per time zone, next milestones.
async fn project_dtos(
    db: &impl tandem_db::ConnectionTrait,
    auth: &AuthUser,
    rows: Vec<projects::Model>,
) -> ApiResult<Vec<ProjectResponse>> {
    let ids: Vec<Uuid> = rows.iter().map(|p| p.id).collect();
    let departments = repo::departments_of(db, &ids).await?;
    let roles = repo::roles_of(db, auth.user.id, &ids).await?;
    let mut by_zone: HashMap<&str, Vec<Uuid>> = HashMap::new();
    for p in &rows {
        by_zone.entry(p.time_zone.as_str()).or_default().push(p.id);
    }
    let mut stats = HashMap::new();
    let mut next = HashMap::new();
    for (zone, ids) in by_zone {
        let today = today_in(zone);
        stats.extend(repo::stats(db, &ids, today).await?);
        next.extend(repo::next_milestones(db, &ids, today).await?);
    }
    Ok(rows
        .into_iter()
        .map(|p| {
            let s = stats.get(&p.id).copied().unwrap_or_default();
            let mut department_ids = departments.get(&p.id).cloned().unwrap_or_default();
            department_ids.sort();
            ProjectResponse {
                id: p.id,
                name: p.name,
                goal: p.goal,
                status: ProjectStatus::parse(&p.status).unwrap_or(ProjectStatus::Active),
                department_ids,
                start_date: p.start_date,
                end_date: p.end_date,
                time_zone: p.time_zone,
                created_by: p.created_by,
                my_role: roles.get(&p.id).copied(),
                tasks_total: s.total,
                tasks_done: s.done,
                tasks_overdue: s.overdue,
                tasks_at_risk: s.at_risk,
                next_milestone: next.get(&p.id).map(repo::milestone_dto),
                created_at: p.created_at,
                updated_at: p.updated_at,
                version: p.version,
            }
        })
        .collect())
}

/// One project as the project center shows it, read through `db` (the writing transaction
/// after a change, so the answer never depends on a read after the commit).
async fn project_dto_in(
    db: &impl tandem_db::ConnectionTrait,
    auth: &AuthUser,
    p: projects::Model,
) -> ApiResult<ProjectResponse> {
    project_dtos(db, auth, vec![p])
        .await?
        .pop()
        .ok_or(ApiError::NotFound)
}

/// Filters of the project center.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectListQuery {
    /// Only projects this department collaborates in.
    pub department_id: Option<Uuid>,
    /// Only active or only archived projects.
    pub status: Option<ProjectStatus>,
    /// `mine` (default): projects the caller is a member of; `all`: every project
    /// (system administrators only).
    pub scope: Option<ProjectScope>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectScope {
    Mine,
    All,
}

/// P4: the caller's projects with progress, overdue and at-risk counts and the next milestone.
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects", security(("bearer" = [])),
    params(PageQuery, ProjectListQuery),
    responses((status = 200, description = "Projects", body = Page<ProjectResponse>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_projects(
    state: web::Data<AppState>,
    auth: Allowed<perm::ListProjects>,
    page: web::Query<PageQuery>,
    filter: web::Query<ProjectListQuery>,
) -> ApiResult<HttpResponse> {
    let all = filter.scope == Some(ProjectScope::All);
    if all {
        auth.can(tandem_domain::policy::Action::ListAllProjects)?;
    }
    let (rows, next) = repo::list_projects(
        &state.db,
        repo::ProjectFilter {
            member: (!all).then_some(auth.user.id),
            department_id: filter.department_id,
            status: filter.status,
            after: page.cursor()?,
            limit: page.limit()?,
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(Page {
        items: project_dtos(&state.db, &auth, rows).await?,
        next_cursor: next,
    }))
}

/// P1: start a project. The caller becomes its administrator.
#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", security(("bearer" = [])),
    request_body = CreateProjectRequest,
    responses((status = 201, description = "Created", body = ProjectResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn create_project(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Allowed<perm::CreateProject>,
    body: Json<CreateProjectRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner()?;
    validate(&body)?;
    if body.external_key.is_some() {
        auth.can(tandem_domain::policy::Action::NameInstanceObjects)?;
    }
    let mut errors = Vec::new();
    non_blank("name", &body.name, &mut errors);
    check_period(body.start_date, body.end_date, &mut errors);
    let time_zone = body
        .time_zone
        .clone()
        .unwrap_or_else(|| DEFAULT_TIME_ZONE.to_owned());
    check_time_zone(&time_zone, &mut errors);
    super::keys::check_key(body.external_key.as_deref(), "external_key", &mut errors);
    let mut milestone_keys = std::collections::HashSet::new();
    for (i, m) in body.milestones.iter().enumerate() {
        let field = format!("milestones[{i}].external_key");
        super::keys::check_key(m.external_key.as_deref(), &field, &mut errors);
        if let Some(k) = &m.external_key
            && !milestone_keys.insert(k.clone())
        {
            errors.push(FieldError::new(
                field,
                "duplicate",
                "two milestones with this key",
            ));
        }
        non_blank(&format!("milestones[{i}].name"), &m.name, &mut errors);
        if m.date < body.start_date || m.date > body.end_date {
            errors.push(FieldError::new(
                format!("milestones[{i}].date"),
                "out_of_period",
                "must be within the project's start and end dates",
            ));
        }
    }
    check_departments(&state, &body.department_ids, &mut errors).await?;
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let txn = tandem_db::begin_write(&state.db).await?;
    let project = repo::create_project(
        &txn,
        repo::NewProject {
            name: body.name.trim().to_owned(),
            goal: body.goal,
            department_ids: body.department_ids,
            start_date: body.start_date,
            end_date: body.end_date,
            time_zone,
            created_by: auth.user.id,
            milestones: body
                .milestones
                .into_iter()
                .map(|m| repo::NewMilestone {
                    name: m.name.trim().to_owned(),
                    date: m.date,
                    description: m.description.filter(|d| !d.trim().is_empty()),
                    external_key: m.external_key,
                })
                .collect(),
            external_key: body.external_key,
        },
    )
    .await
    .map_err(|e| match e {
        RepoError::Conflict("external_key_taken") => super::keys::key_taken(e),
        e => department_gone(e),
    })?;
    audit::record(
        &txn,
        AuditEvent {
            actor_id: Some(auth.user.id),
            action: "project.created",
            target_type: Some("project"),
            target_id: Some(project.id.to_string()),
            detail: json!({ "name": project.name }),
            ip: client_ip(&req),
        },
    )
    .await?;
    let version = project.version;
    let id = project.id;
    let dto = project_dto_in(&txn, &auth, project).await?;
    txn.commit().await?;
    Ok(created(
        format!("/api/v1/projects/{id}"),
        &dto,
        Some(version),
    ))
}

/// One project.
#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "projects", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    responses((status = 200, description = "The project", body = ProjectResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn get_project(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let a = access::project(&state, &auth, path.into_inner(), ProjectAction::View).await?;
    let version = a.project.version;
    Ok(ok_with_etag(
        &project_dto_in(&state.db, &auth, Arc::unwrap_or_clone(a.project)).await?,
        version,
    ))
}

/// P1/P5: change settings (project administrators). `status: archived` archives the project
/// (read-only afterwards); `status: active` alone restores it. Honors `If-Match`.
#[utoipa::path(patch, path = "/api/v1/projects/{id}", tag = "projects", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    request_body = UpdateProjectRequest,
    responses(
        (status = 200, description = "Updated", body = ProjectResponse),
        (status = 409, description = "Archived", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn update_project(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Json<UpdateProjectRequest>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let a = access::project(&state, &auth, id, ProjectAction::View).await?;
    let body = body.into_inner()?;
    // Restoring is the one change an archived project accepts, and only on its own.
    let action = policy::update_action(policy::ProjectUpdate {
        activates: body.status == Some(ProjectStatus::Active),
        changes_settings: body.status == Some(ProjectStatus::Archived)
            || body.name.is_some()
            || body.goal.is_some()
            || body.department_ids.is_some()
            || body.start_date.is_some()
            || body.end_date.is_some()
            || body.time_zone.is_some(),
    });
    a.check(&auth, action)?;
    validate(&body)?;
    let mut errors = Vec::new();
    if let Some(n) = &body.name {
        non_blank("name", n, &mut errors);
    }
    if let Some(tz) = &body.time_zone {
        check_time_zone(tz, &mut errors);
    }
    if let Some(d) = &body.department_ids {
        check_departments(&state, d, &mut errors).await?;
    }
    // The rest is checked against the project as it is inside the writing transaction.
    let txn = tandem_db::begin_write(&state.db).await?;
    let current = repo::find_project_for_update(&txn, a.project.id).await?;
    a.check_now(&auth, &current, action)?;
    check_if_match(&req, current.version)?;
    let (start, end) = (
        body.start_date.unwrap_or(current.start_date),
        body.end_date.unwrap_or(current.end_date),
    );
    check_period(start, end, &mut errors);
    if body.start_date.is_some() || body.end_date.is_some() {
        let outside = repo::list_milestones(&txn, current.id)
            .await?
            .into_iter()
            .any(|m| m.date < start || m.date > end);
        if outside {
            errors.push(FieldError::new(
                "end_date",
                "milestone_out_of_period",
                "a milestone would fall outside the project's period; move it first",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let status_change = body
        .status
        .filter(|s| s.as_str() != current.status)
        .map(|s| s.as_str());
    let project = repo::update_project(
        &txn,
        current,
        repo::ProjectChanges {
            name: body.name.map(|n| n.trim().to_owned()),
            goal: body.goal,
            start_date: body.start_date,
            end_date: body.end_date,
            time_zone: body.time_zone,
            status: body.status,
            department_ids: body.department_ids,
        },
    )
    .await
    .map_err(department_gone)?;
    audit::record(
        &txn,
        AuditEvent {
            actor_id: Some(auth.user.id),
            action: match status_change {
                Some("archived") => "project.archived",
                Some("active") => "project.restored",
                _ => "project.updated",
            },
            target_type: Some("project"),
            target_id: Some(project.id.to_string()),
            detail: json!({}),
            ip: client_ip(&req),
        },
    )
    .await?;
    let version = project.version;
    let dto = project_dto_in(&txn, &auth, project).await?;
    txn.commit().await?;
    Ok(ok_with_etag(&dto, version))
}

/// P5: archive a project (the same as `PATCH {"status":"archived"}`); restore with PATCH.
#[utoipa::path(delete, path = "/api/v1/projects/{id}", tag = "projects", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    responses(
        (status = 204, description = "Archived"),
        (status = 409, description = "Already archived", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn archive_project(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let a = access::project(
        &state,
        &auth,
        path.into_inner(),
        ProjectAction::ManageProject,
    )
    .await?;
    let txn = tandem_db::begin_write(&state.db).await?;
    let current = repo::find_project_for_update(&txn, a.project.id).await?;
    check_if_match(&req, current.version)?;
    if current.status == ProjectStatus::Archived.as_str() {
        return Err(ApiError::conflict(
            "project_archived",
            "the project is archived",
        ));
    }
    let project = repo::update_project(
        &txn,
        current,
        repo::ProjectChanges {
            status: Some(ProjectStatus::Archived),
            ..Default::default()
        },
    )
    .await?;
    audit::record(
        &txn,
        AuditEvent {
            actor_id: Some(auth.user.id),
            action: "project.archived",
            target_type: Some("project"),
            target_id: Some(project.id.to_string()),
            detail: json!({}),
            ip: client_ip(&req),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

// ------------------------------------------------------------------------ members

fn member_dto(m: &tandem_db::entities::project_members::Model, u: &users::Model) -> MemberResponse {
    MemberResponse {
        user_id: u.id,
        name: u.name.clone(),
        department_id: u.department_id,
        position: u.position.clone(),
        has_avatar: u.avatar.is_some(),
        role: ProjectRole::parse(&m.role).unwrap_or(ProjectRole::Viewer),
        added_at: m.added_at,
    }
}

/// P2: the project's members.
#[utoipa::path(get, path = "/api/v1/projects/{id}/members", tag = "projects", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    responses((status = 200, description = "Members", body = Page<MemberResponse>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_members(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let a = access::project(&state, &auth, path.into_inner(), ProjectAction::View).await?;
    let rows = repo::list_members(&state.db, a.project.id).await?;
    // A project's members fit in one page; the shape stays that of every list.
    Ok(HttpResponse::Ok().json(Page {
        items: rows
            .iter()
            .map(|(m, u)| member_dto(m, u))
            .collect::<Vec<_>>(),
        next_cursor: None,
    }))
}

/// P2: add an active user with a role (project administrators).
#[utoipa::path(post, path = "/api/v1/projects/{id}/members", tag = "projects", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    request_body = AddMemberRequest,
    responses(
        (status = 201, description = "Added", body = MemberResponse),
        (status = 409, description = "Already a member", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn add_member(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Json<AddMemberRequest>,
) -> ApiResult<HttpResponse> {
    let a = access::project(
        &state,
        &auth,
        path.into_inner(),
        ProjectAction::ManageMembers,
    )
    .await?;
    let body = body.into_inner()?;
    let user = match accounts::find_user(&state.db, body.user_id).await {
        Ok(u) if u.status == UserStatus::Active.as_str() => u,
        Ok(_) | Err(RepoError::NotFound) => {
            return Err(ApiError::validation(
                "user_id",
                "not_found",
                "no such active user",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let txn = tandem_db::begin_write(&state.db).await?;
    let m = repo::add_member(&txn, a.project.id, user.id, body.role)
        .await
        .map_err(|e| match e {
            RepoError::Conflict("in_use") => {
                ApiError::validation("user_id", "not_found", "no such active user")
            }
            other => other.into(),
        })?;
    audit::record(
        &txn,
        AuditEvent {
            actor_id: Some(auth.user.id),
            action: "project.member_added",
            target_type: Some("project"),
            target_id: Some(a.project.id.to_string()),
            detail: json!({ "user_id": user.id, "role": body.role.as_str() }),
            ip: client_ip(&req),
        },
    )
    .await?;
    let mut out = Outbox::by(&state, auth.user.id);
    member_event(&mut out, WsEventKind::MemberAdded, a.project.id, user.id);
    super::notify::member_added(
        &txn,
        &a.project,
        user.id,
        body.role.as_str(),
        &auth.user,
        &mut out,
    )
    .await?;
    out.commit(&state, txn).await?;
    Ok(created(
        format!("/api/v1/projects/{}/members/{}", a.project.id, user.id),
        &member_dto(&m, &user),
        None,
    ))
}

/// P2: change a member's role; the last administrator cannot be demoted (409 `last_admin`).
#[utoipa::path(patch, path = "/api/v1/projects/{id}/members/{user_id}", tag = "projects", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id"), ("user_id" = Uuid, Path, description = "Member")),
    request_body = UpdateMemberRequest,
    responses(
        (status = 200, description = "Changed", body = MemberResponse),
        (status = 409, description = "Last administrator", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn update_member(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<UpdateMemberRequest>,
) -> ApiResult<HttpResponse> {
    let (project_id, user_id) = path.into_inner();
    let a = access::project(&state, &auth, project_id, ProjectAction::ManageMembers).await?;
    let body = body.into_inner()?;
    let txn = tandem_db::begin_write(&state.db).await?;
    let m = repo::find_member(&txn, a.project.id, user_id).await?;
    keeps_admin(&txn, &m, body.role == ProjectRole::Admin).await?;
    let m = repo::set_member_role(&txn, m, body.role).await?;
    let user = accounts::find_user(&txn, user_id).await?;
    audit::record(
        &txn,
        AuditEvent {
            actor_id: Some(auth.user.id),
            action: "project.member_role_changed",
            target_type: Some("project"),
            target_id: Some(project_id.to_string()),
            detail: json!({ "user_id": user_id, "role": body.role.as_str() }),
            ip: client_ip(&req),
        },
    )
    .await?;
    let mut out = Outbox::by(&state, auth.user.id);
    // What the member may see changed (restricted attachments, for one).
    out.control(Control::UserChanged { user: user_id });
    out.commit(&state, txn).await?;
    Ok(HttpResponse::Ok().json(member_dto(&m, &user)))
}

/// The policy's "a project keeps an administrator", asked inside the writing transaction.
async fn keeps_admin(
    txn: &impl tandem_db::ConnectionTrait,
    m: &tandem_db::entities::project_members::Model,
    stays_admin: bool,
) -> ApiResult<()> {
    policy::keeps_a_project_admin(policy::MemberChange {
        is_admin: m.role == ProjectRole::Admin.as_str(),
        stays_admin,
        admins: repo::count_admins(txn, m.project_id).await?,
    })
    .map_err(|e| ApiError::conflict("last_admin", e.to_string()))
}

/// P2: remove a member (project administrators); the last administrator stays (409).
#[utoipa::path(delete, path = "/api/v1/projects/{id}/members/{user_id}", tag = "projects", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id"), ("user_id" = Uuid, Path, description = "Member")),
    responses(
        (status = 204, description = "Removed"),
        (status = 409, description = "Last administrator", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn remove_member(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (project_id, user_id) = path.into_inner();
    let a = access::project(&state, &auth, project_id, ProjectAction::ManageMembers).await?;
    let txn = tandem_db::begin_write(&state.db).await?;
    let m = repo::find_member(&txn, a.project.id, user_id).await?;
    keeps_admin(&txn, &m, false).await?;
    repo::remove_member(&txn, a.project.id, user_id).await?;
    audit::record(
        &txn,
        AuditEvent {
            actor_id: Some(auth.user.id),
            action: "project.member_removed",
            target_type: Some("project"),
            target_id: Some(project_id.to_string()),
            detail: json!({ "user_id": user_id }),
            ip: client_ip(&req),
        },
    )
    .await?;
    let mut out = Outbox::by(&state, auth.user.id);
    member_event(&mut out, WsEventKind::MemberRemoved, project_id, user_id);
    out.commit(&state, txn).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `member.added` / `member.removed`: to the project, and to the member concerned (who learns
/// of a project they now see, or of one they no longer do); their live connections re-check
/// what they may see.
fn member_event(out: &mut Outbox, kind: WsEventKind, project_id: Uuid, user_id: Uuid) {
    out.control(Control::UserChanged { user: user_id });
    out.event(
        kind,
        Some(project_id),
        Audience::Project,
        Some(user_id),
        &MemberEvent {
            project_id,
            user_id,
        },
    );
}

// --------------------------------------------------------------------- milestones

fn check_milestone_date(p: &projects::Model, date: NaiveDate) -> ApiResult<()> {
    let mut errors = Vec::new();
    check_date_range("date", date, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if date < p.start_date || date > p.end_date {
        return Err(ApiError::validation(
            "date",
            "out_of_period",
            "must be within the project's start and end dates",
        ));
    }
    Ok(())
}

/// P1: the project's milestones by date.
#[utoipa::path(get, path = "/api/v1/projects/{id}/milestones", tag = "projects", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    responses((status = 200, description = "Milestones", body = Page<MilestoneResponse>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_milestones(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let a = access::project(&state, &auth, path.into_inner(), ProjectAction::View).await?;
    let rows = repo::list_milestones(&state.db, a.project.id).await?;
    Ok(HttpResponse::Ok().json(Page {
        items: rows.iter().map(repo::milestone_dto).collect::<Vec<_>>(),
        next_cursor: None,
    }))
}

/// P1: add a milestone within the project's period (project administrators).
#[utoipa::path(post, path = "/api/v1/projects/{id}/milestones", tag = "projects", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    request_body = CreateMilestoneRequest,
    responses((status = 201, description = "Created", body = MilestoneResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn create_milestone(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Json<CreateMilestoneRequest>,
) -> ApiResult<HttpResponse> {
    let a = access::project(
        &state,
        &auth,
        path.into_inner(),
        ProjectAction::ManageProject,
    )
    .await?;
    let body = body.into_inner()?;
    validate(&body)?;
    if body.name.trim().is_empty() {
        return Err(ApiError::validation(
            "name",
            "required",
            "must not be blank",
        ));
    }
    let mut errors = Vec::new();
    super::keys::check_key(body.external_key.as_deref(), "external_key", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    // Checked against the period as it is inside the writing transaction, the project locked:
    // a concurrent change of the period cannot leave the milestone outside it.
    let txn = tandem_db::begin_write(&state.db).await?;
    let project = repo::find_project_for_update(&txn, a.project.id).await?;
    a.check_now(&auth, &project, ProjectAction::ManageProject)?;
    check_milestone_date(&project, body.date)?;
    let m = repo::insert_milestone(
        &txn,
        a.project.id,
        repo::NewMilestone {
            name: body.name.trim().to_owned(),
            date: body.date,
            description: body.description.filter(|d| !d.trim().is_empty()),
            external_key: body.external_key,
        },
        auth.user.id,
    )
    .await
    .map_err(super::keys::key_taken)?;
    let dto = repo::milestone_dto(&m);
    let mut out = Outbox::by(&state, auth.user.id);
    out.event(
        WsEventKind::MilestoneCreated,
        Some(m.project_id),
        Audience::Project,
        None,
        &dto,
    );
    out.commit(&state, txn).await?;
    Ok(created(
        format!("/api/v1/milestones/{}", m.id),
        &dto,
        Some(m.version),
    ))
}

/// P1: change a milestone (project administrators). Honors `If-Match`.
#[utoipa::path(patch, path = "/api/v1/milestones/{id}", tag = "projects", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Milestone id")),
    request_body = UpdateMilestoneRequest,
    responses(
        (status = 200, description = "Updated", body = MilestoneResponse),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn update_milestone(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Json<UpdateMilestoneRequest>,
) -> ApiResult<HttpResponse> {
    let m = repo::find_milestone(&state.db, path.into_inner()).await?;
    let a = access::project(&state, &auth, m.project_id, ProjectAction::View).await?;
    a.check(&auth, ProjectAction::ManageProject)?;
    let body = body.into_inner()?;
    validate(&body)?;
    check_if_match(&req, m.version)?;
    if let Some(n) = &body.name
        && n.trim().is_empty()
    {
        return Err(ApiError::validation(
            "name",
            "required",
            "must not be blank",
        ));
    }
    if let Some(Some(d)) = &body.description
        && d.chars().count() > 2000
    {
        return Err(ApiError::validation(
            "description",
            "length",
            "must be at most 2000 characters long",
        ));
    }
    // The project as it is now, locked (see create_milestone).
    let txn = tandem_db::begin_write(&state.db).await?;
    let project = repo::find_project_for_update(&txn, a.project.id).await?;
    a.check_now(&auth, &project, ProjectAction::ManageProject)?;
    if let Some(d) = body.date {
        check_milestone_date(&project, d)?;
    }
    let m = repo::update_milestone(
        &txn,
        m,
        body.name.map(|n| n.trim().to_owned()),
        body.date,
        body.description.map(|d| d.filter(|d| !d.trim().is_empty())),
    )
    .await?;
    let dto = repo::milestone_dto(&m);
    let mut out = Outbox::by(&state, auth.user.id);
    out.event(
        WsEventKind::MilestoneUpdated,
        Some(m.project_id),
        Audience::Project,
        None,
        &dto,
    );
    out.commit(&state, txn).await?;
    Ok(ok_with_etag(&dto, m.version))
}

/// P1: delete a milestone; its tasks keep existing without it.
#[utoipa::path(delete, path = "/api/v1/milestones/{id}", tag = "projects", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Milestone id")),
    responses((status = 204, description = "Deleted")))]
#[tracing::instrument(skip_all, err)]
pub async fn delete_milestone(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let m = repo::find_milestone(&state.db, path.into_inner()).await?;
    let a = access::project(&state, &auth, m.project_id, ProjectAction::View).await?;
    a.check(&auth, ProjectAction::ManageProject)?;
    let txn = tandem_db::begin_write(&state.db).await?;
    repo::delete_milestone(&txn, m.id).await?;
    let mut out = Outbox::by(&state, auth.user.id);
    out.event(
        WsEventKind::MilestoneDeleted,
        Some(m.project_id),
        Audience::Project,
        None,
        &tandem_dto::MilestoneDeletedEvent {
            id: m.id,
            project_id: m.project_id,
        },
    );
    out.commit(&state, txn).await?;
    Ok(HttpResponse::NoContent().finish())
}
