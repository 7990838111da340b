//! T1–T3, T6, T7, T9, T10: the task center.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use serde_json::json;
use tandem_db::audit::{self, AuditEvent};
use tandem_db::entities::{projects, tasks};
use tandem_db::tasks::{self as repo, TaskRow};
use tandem_db::{RepoError, accounts, projects as project_repo};
use tandem_domain::markdown;
use tandem_domain::projects::{ProjectAction, check_transition, may_see_project};
use tandem_dto::{
    ActivityResponse, CreateProgressRequest, CreateTaskRequest, FieldError, Page, Priority,
    Problem, ProgressResponse, TaskDeletedEvent, TaskResponse, TaskStatus, UpdateTaskRequest,
    WsEventKind,
};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult, check_text_param, validate};
use crate::events::Audience;
use crate::extract::{Allowed, AuthUser, Json, PageQuery, client_ip, perm, require_if_match};
use crate::features::projects::today_in;
use crate::features::{access, created, ok_with_etag};
use crate::outbox::Outbox;
use crate::state::AppState;

pub(crate) fn is_open(status: &str) -> bool {
    status != TaskStatus::Done.as_str() && status != TaskStatus::Archived.as_str()
}

/// T6: due before today where the project works, and not finished.
pub fn overdue(t: &tasks::Model, today: NaiveDate) -> bool {
    is_open(&t.status) && t.due_date.is_some_and(|d| d < today)
}

pub(crate) fn task_dto(row: &TaskRow, today: NaiveDate) -> TaskResponse {
    let t = &row.task;
    TaskResponse {
        id: t.id,
        project_id: t.project_id,
        title: t.title.clone(),
        description: t.description.clone(),
        description_html: t.description_html.clone(),
        assignee_id: t.assignee_id,
        priority: Priority::parse(&t.priority).unwrap_or(Priority::Medium),
        status: TaskStatus::parse(&t.status).unwrap_or(TaskStatus::Todo),
        start_date: t.start_date,
        due_date: t.due_date,
        milestone_id: t.milestone_id,
        parent_id: t.parent_id,
        estimate_hours: t.estimate_hours,
        progress: t.progress,
        overdue: overdue(t, today),
        blocked: row.blocked,
        subtasks_total: row.subtasks_total,
        subtasks_done: row.subtasks_done,
        risk: row
            .risk_reasons
            .as_deref()
            .map(|json| tandem_dto::TaskRiskSummary::from_stored(json, row.risk_finish)),
        created_by: t.created_by,
        created_at: t.created_at,
        updated_at: t.updated_at,
        version: t.version,
        board_rank: t.board_rank.clone(),
    }
}

/// A task as it is now, read through `db` (the writing transaction after a change: never the
/// read cache, and never a read after the commit that could fail a write that succeeded).
pub(crate) async fn fresh_dto(
    db: &impl tandem_db::ConnectionTrait,
    id: Uuid,
    p: &projects::Model,
) -> ApiResult<TaskResponse> {
    let row = repo::find_task_row(db, id).await?;
    Ok(task_dto(&row, today_in(&p.time_zone)))
}

/// The tasks waiting for another one, as they are now (their blocked flag follows its status),
/// read through `db` before the change commits, published after.
pub(crate) async fn successor_dtos(
    db: &impl tandem_db::ConnectionTrait,
    rows: Vec<TaskRow>,
) -> ApiResult<Vec<TaskResponse>> {
    let mut zones: HashMap<Uuid, NaiveDate> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let today = match zones.get(&row.project_id) {
            Some(d) => *d,
            None => {
                let p = project_repo::find_project(db, row.project_id).await?;
                *zones.entry(p.id).or_insert_with(|| today_in(&p.time_zone))
            }
        };
        out.push(task_dto(&row, today));
    }
    Ok(out)
}

/// The references a task makes (assignee, milestone, parent) must stay inside its project.
async fn check_references(
    state: &AppState,
    project_id: Uuid,
    task_id: Option<Uuid>,
    assignee: Option<Uuid>,
    milestone: Option<Uuid>,
    parent: Option<Uuid>,
    errors: &mut Vec<FieldError>,
) -> ApiResult<()> {
    if let Some(a) = assignee
        && project_repo::membership(&state.db, project_id, a)
            .await?
            .is_none()
    {
        errors.push(FieldError::new(
            "assignee_id",
            "not_member",
            "the assignee must be a member of the project",
        ));
    }
    if let Some(m) = milestone {
        match project_repo::find_milestone(&state.db, m).await {
            Ok(m) if m.project_id == project_id => {}
            Ok(_) | Err(RepoError::NotFound) => errors.push(FieldError::new(
                "milestone_id",
                "not_found",
                "no such milestone in this project",
            )),
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(p) = parent {
        match repo::find_task(&state.db, p).await {
            Ok(p) if p.project_id == project_id => {
                if Some(p.id) == task_id {
                    errors.push(FieldError::new(
                        "parent_id",
                        "self",
                        "a task cannot be its own parent",
                    ));
                } else if p.parent_id.is_some() {
                    errors.push(FieldError::new(
                        "parent_id",
                        "nested_subtask",
                        "sub-tasks cannot have sub-tasks of their own",
                    ));
                }
            }
            Ok(_) | Err(RepoError::NotFound) => errors.push(FieldError::new(
                "parent_id",
                "not_found",
                "no such task in this project",
            )),
            Err(e) => return Err(e.into()),
        }
        if let Some(id) = task_id
            && repo::has_subtasks(&state.db, id).await?
        {
            errors.push(FieldError::new(
                "parent_id",
                "nested_subtask",
                "a task with sub-tasks cannot become a sub-task",
            ));
        }
    }
    Ok(())
}

fn check_dates(start: Option<NaiveDate>, due: Option<NaiveDate>, errors: &mut Vec<FieldError>) {
    for (field, d) in [("start_date", start), ("due_date", due)] {
        if let Some(d) = d {
            crate::features::projects::check_date_range(field, d, errors);
        }
    }
    if let (Some(s), Some(d)) = (start, due)
        && d < s
    {
        errors.push(FieldError::new(
            "due_date",
            "before_start",
            "must be on or after start_date",
        ));
    }
}

fn check_estimate(h: Option<f64>, errors: &mut Vec<FieldError>) {
    if let Some(h) = h
        && !(0.0..=10000.0).contains(&h)
    {
        errors.push(FieldError::new(
            "estimate_hours",
            "range",
            "must be between 0 and 10000",
        ));
    }
}

/// Filters and order of task lists (T7).
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskQuery {
    /// Only tasks with this status (archived tasks are only listed when asked for).
    pub status: Option<TaskStatus>,
    /// Only tasks assigned to this user.
    pub assignee_id: Option<Uuid>,
    /// Only tasks whose assignee belongs to this department.
    pub department_id: Option<Uuid>,
    /// `true`: only open tasks (neither done nor archived); `false`: only done ones. With
    /// `status`, both must hold.
    pub open: Option<bool>,
    pub priority: Option<Priority>,
    /// `true`: only overdue tasks; `false`: only tasks that are not overdue.
    pub overdue: Option<bool>,
    /// B3: only tasks flagged at risk, blocked (by a late predecessor) or overdue by the
    /// project's last risk evaluation (their `risk`).
    pub risk: Option<tandem_dto::RiskFilter>,
    pub milestone_id: Option<Uuid>,
    /// Only sub-tasks of this task.
    pub parent_id: Option<Uuid>,
    /// Due strictly before this date.
    pub due_before: Option<NaiveDate>,
    /// Due strictly after this date.
    pub due_after: Option<NaiveDate>,
    /// Starting (or, without a start date, due) strictly before this date. With `due_after`:
    /// the tasks under way in a period, as the dashboard's workload counts them.
    pub starts_before: Option<NaiveDate>,
    /// `true`: only tasks with an estimate of hours; `false`: only those without.
    pub estimated: Option<bool>,
    /// `true`: only tasks with a due date; `false`: only undated ones.
    pub dated: Option<bool>,
    /// Text in the title or description (any language).
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// `created` (newest first, default), `due` (soonest first, undated last), `priority`
    /// (high first), `updated` (most recent first).
    pub sort: Option<TaskSortParam>,
}

#[derive(Debug, Clone, Copy, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskSortParam {
    Created,
    Due,
    Priority,
    Updated,
}

pub(crate) async fn filter_from(
    state: &AppState,
    q: &TaskQuery,
    page: &PageQuery,
) -> ApiResult<repo::TaskFilter> {
    check_text_param("q", q.q.as_deref(), 200)?;
    // Stored dates lie in 1900–9999 (writes are checked), so bounds outside are clamped into it:
    // same answer, and no date PostgreSQL cannot compare.
    let clamp = |d: NaiveDate| {
        let lo = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN);
        let hi = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX);
        d.clamp(lo, hi)
    };
    let assignee_ids = match q.department_id {
        Some(d) => Some(accounts::user_ids_in_department(&state.db, d).await?),
        None => None,
    };
    Ok(repo::TaskFilter {
        status: match q.open {
            None => q.status.map(|s| vec![s]),
            Some(open) => Some(
                TaskStatus::ALL
                    .iter()
                    .copied()
                    .filter(|s| *s != TaskStatus::Archived)
                    .filter(|s| (*s != TaskStatus::Done) == open)
                    .filter(|s| q.status.is_none_or(|wanted| wanted == *s))
                    .collect(),
            ),
        },
        assignee_id: q.assignee_id,
        assignee_ids,
        priority: q.priority,
        overdue: q.overdue,
        risk: q.risk,
        milestone_id: q.milestone_id,
        parent_id: q.parent_id,
        due_before: q.due_before.map(clamp),
        due_after: q.due_after.map(clamp),
        starts_before: q.starts_before.map(clamp),
        estimated: q.estimated,
        dated: q.dated,
        q: q.q.clone(),
        sort: match q.sort {
            None | Some(TaskSortParam::Created) => repo::TaskSort::Created,
            Some(TaskSortParam::Due) => repo::TaskSort::Due,
            Some(TaskSortParam::Priority) => repo::TaskSort::Priority,
            Some(TaskSortParam::Updated) => repo::TaskSort::Updated,
        },
        after: None,
        limit: page.limit()?,
        ..Default::default()
    })
}

/// The cursor's task, only when it belongs to the listed projects: its sort key must not reveal
/// anything about tasks the caller cannot see. A cursor naming a task that is gone or elsewhere
/// behaves like one at the end of the list.
pub(crate) async fn cursor_task(
    state: &AppState,
    page: &PageQuery,
    in_scope: impl Fn(Uuid) -> bool,
) -> ApiResult<(Option<Uuid>, Option<tasks::Model>)> {
    let Some(id) = page.cursor()? else {
        return Ok((None, None));
    };
    match repo::find_task(&state.db, id).await {
        Ok(t) if in_scope(t.project_id) => Ok((Some(id), Some(t))),
        Ok(_) | Err(RepoError::NotFound) => Ok((Some(id), None)),
        Err(e) => Err(e.into()),
    }
}

/// T7: a project's tasks, filtered and sorted, one page at a time.
#[utoipa::path(get, path = "/api/v1/projects/{id}/tasks", tag = "tasks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id"), PageQuery, TaskQuery),
    responses((status = 200, description = "Tasks", body = Page<TaskResponse>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_project_tasks(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    path: web::Path<Uuid>,
    page: web::Query<PageQuery>,
    query: web::Query<TaskQuery>,
) -> ApiResult<HttpResponse> {
    // Membership first (per caller); the page itself is the same for every member.
    let a = access::project(&state, &auth, path.into_inner(), ProjectAction::View).await?;
    let today = today_in(&a.project.time_zone);
    let pid = a.project.id;
    let load = async {
        let mut f = filter_from(&state, &query, &page).await?;
        (f.after_id, f.after) = cursor_task(&state, &page, |p| p == pid).await?;
        f.project_id = Some(pid);
        f.today = vec![(vec![pid], today)];
        Ok::<_, ApiError>(repo::list_tasks(&state.db, f).await?)
    };
    let key = (pid, today, req.query_string().to_owned());
    let cache = &state.cache;
    let found = cache
        .get_or_load(auth.cacheable, &cache.task_pages, key, load)
        .await?;
    let (rows, next) = &*found;
    Ok(HttpResponse::Ok().json(Page {
        items: rows.iter().map(|r| task_dto(r, today)).collect::<Vec<_>>(),
        next_cursor: next.clone(),
    }))
}

/// The caller's projects, each with "today" in its time zone: what "my tasks" and "my board"
/// cover.
pub(crate) struct MyProjects {
    zones: HashMap<Uuid, NaiveDate>,
}

impl MyProjects {
    pub(crate) async fn of(state: &AppState, user: Uuid) -> ApiResult<Self> {
        Ok(Self::from(
            &project_repo::projects_of_member(&state.db, user).await?,
        ))
    }

    /// The active projects `member` belongs to, or (None: system administrators) every active
    /// project: what the dashboard covers.
    pub(crate) async fn active(state: &AppState, member: Option<Uuid>) -> ApiResult<Self> {
        Ok(Self::from(
            &tandem_db::dashboard::active_projects(&state.db, member).await?,
        ))
    }

    fn from(projects: &[projects::Model]) -> Self {
        Self {
            zones: projects
                .iter()
                .map(|p| (p.id, today_in(&p.time_zone)))
                .collect(),
        }
    }

    pub(crate) fn contains(&self, project: Uuid) -> bool {
        self.zones.contains_key(&project)
    }

    /// "Today" in the project's time zone (the default zone for one the caller left).
    pub(crate) fn today(&self, project: Uuid) -> NaiveDate {
        self.zones
            .get(&project)
            .copied()
            .unwrap_or_else(|| today_in(crate::features::projects::DEFAULT_TIME_ZONE))
    }

    /// Narrows `f` to `user`'s tasks in these projects, each judged overdue by its own today.
    pub(crate) fn narrow(&self, f: &mut repo::TaskFilter, user: Uuid) {
        f.assignee_id = Some(user);
        // Only projects the caller still belongs to: a task left behind in a project they were
        // removed from is no longer theirs to see.
        self.scope(f);
    }

    /// Narrows `f` to these projects, each task judged overdue by its project's today.
    pub(crate) fn scope(&self, f: &mut repo::TaskFilter) {
        let mut groups: HashMap<NaiveDate, Vec<Uuid>> = HashMap::new();
        for (id, today) in &self.zones {
            groups.entry(*today).or_default().push(*id);
        }
        f.project_ids = Some(self.zones.keys().copied().collect());
        f.today = groups.into_iter().map(|(d, ids)| (ids, d)).collect();
    }
}

/// T7: tasks assigned to the caller across their projects (same filters).
#[utoipa::path(get, path = "/api/v1/me/tasks", tag = "tasks", security(("bearer" = [])),
    params(PageQuery, TaskQuery),
    responses((status = 200, description = "Tasks", body = Page<TaskResponse>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_my_tasks(
    state: web::Data<AppState>,
    auth: Allowed<perm::ListProjects>,
    page: web::Query<PageQuery>,
    query: web::Query<TaskQuery>,
) -> ApiResult<HttpResponse> {
    let mine = MyProjects::of(&state, auth.user.id).await?;
    let mut f = filter_from(&state, &query, &page).await?;
    (f.after_id, f.after) = cursor_task(&state, &page, |p| mine.contains(p)).await?;
    mine.narrow(&mut f, auth.user.id);
    let (rows, next) = repo::list_tasks(&state.db, f).await?;
    Ok(HttpResponse::Ok().json(Page {
        items: rows
            .iter()
            .map(|r| task_dto(r, mine.today(r.project_id)))
            .collect::<Vec<_>>(),
        next_cursor: next,
    }))
}

/// B4: tasks across the active projects the caller may see — their own, or every active project
/// for system administrators, as the dashboard counts them — with the task list's filters: where
/// the dashboard's figures per department lead (`?department_id=&open=true`, `&status=done`,
/// `&risk=overdue`…).
#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks", security(("bearer" = [])),
    params(PageQuery, TaskQuery),
    responses((status = 200, description = "Tasks", body = Page<TaskResponse>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_tasks_across(
    state: web::Data<AppState>,
    auth: Allowed<perm::ListProjects>,
    page: web::Query<PageQuery>,
    query: web::Query<TaskQuery>,
) -> ApiResult<HttpResponse> {
    let everything = auth
        .can(tandem_domain::policy::Action::ListAllProjects)
        .is_ok();
    let visible = MyProjects::active(&state, (!everything).then_some(auth.user.id)).await?;
    let mut f = filter_from(&state, &query, &page).await?;
    (f.after_id, f.after) = cursor_task(&state, &page, |p| visible.contains(p)).await?;
    visible.scope(&mut f);
    let (rows, next) = repo::list_tasks(&state.db, f).await?;
    Ok(HttpResponse::Ok().json(Page {
        items: rows
            .iter()
            .map(|r| task_dto(r, visible.today(r.project_id)))
            .collect::<Vec<_>>(),
        next_cursor: next,
    }))
}

/// T1: create a task (editors and administrators). Honors `Idempotency-Key`: a retried
/// request creates exactly one task.
#[utoipa::path(post, path = "/api/v1/projects/{id}/tasks", tag = "tasks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    request_body = CreateTaskRequest,
    responses((status = 201, description = "Created", body = TaskResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn create_task(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Json<CreateTaskRequest>,
) -> ApiResult<HttpResponse> {
    let a = access::project(&state, &auth, path.into_inner(), ProjectAction::EditTasks).await?;
    let body = body.into_inner()?;
    validate(&body)?;
    let mut errors = Vec::new();
    if body.title.trim().is_empty() {
        errors.push(FieldError::new("title", "required", "must not be blank"));
    }
    check_dates(body.start_date, body.due_date, &mut errors);
    check_estimate(body.estimate_hours, &mut errors);
    super::keys::check_key(body.external_key.as_deref(), "external_key", &mut errors);
    check_references(
        &state,
        a.project.id,
        None,
        body.assignee_id,
        body.milestone_id,
        body.parent_id,
        &mut errors,
    )
    .await?;
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let txn = tandem_db::begin_write(&state.db).await?;
    let t = repo::create_task(
        &txn,
        repo::NewTask {
            project_id: a.project.id,
            title: body.title.trim().to_owned(),
            description_html: markdown::render(&body.description),
            description: body.description,
            assignee_id: body.assignee_id,
            priority: body.priority.unwrap_or(Priority::Medium),
            start_date: body.start_date,
            due_date: body.due_date,
            milestone_id: body.milestone_id,
            parent_id: body.parent_id,
            estimate_hours: body.estimate_hours,
            created_by: auth.user.id,
        },
    )
    .await
    .map_err(reference_gone)?;
    super::keys::bind_new(
        &txn,
        tandem_dto::ExternalKeyKind::Task,
        a.project.id,
        body.external_key,
        t.id,
        auth.user.id,
    )
    .await?;
    let mut out = Outbox::by(&state, auth.user.id);
    let dto = fresh_dto(&txn, t.id, &a.project).await?;
    out.task(WsEventKind::TaskCreated, &dto);
    super::notify::assigned(&txn, &t, &auth.user, &mut out).await?;
    out.commit(&state, txn).await?;
    Ok(created(
        format!("/api/v1/tasks/{}", t.id),
        &dto,
        Some(dto.version),
    ))
}

/// A reference checked before the transaction (milestone, parent, assignee) was deleted
/// before the write: the foreign key refuses, and the request is invalid like any other
/// reference to something that does not exist.
fn reference_gone(e: RepoError) -> ApiError {
    match e {
        RepoError::Conflict("in_use") => ApiError::validation(
            "body",
            "not_found",
            "a referenced task, milestone or member no longer exists",
        ),
        other => other.into(),
    }
}

/// One task, with its `ETag` for the next change.
#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "tasks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Task id")),
    responses((status = 200, description = "The task", body = TaskResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn get_task(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let (t, a) = access::task(&state, &auth, path.into_inner(), |_| ProjectAction::View).await?;
    Ok(ok_with_etag(
        &task_dto(&t, today_in(&a.project.time_zone)),
        t.version,
    ))
}

/// T1/T2: change a task (editors and administrators). Requires `If-Match` with the current
/// `ETag` (428 without, 412 when stale), so two people editing at once never overwrite each
/// other. Status changes follow the lifecycle (409 `invalid_transition`). An assigned task is
/// reassigned (or unassigned) only by its assignee — a hand-over, logged as `handed_over` — or
/// a project administrator (403 `reassign_not_allowed`); unassigned tasks may be given to
/// anyone by any editor.
#[utoipa::path(patch, path = "/api/v1/tasks/{id}", tag = "tasks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Task id")),
    request_body = UpdateTaskRequest,
    responses(
        (status = 200, description = "Updated", body = TaskResponse),
        (status = 403, description = "Viewer, or reassigning someone else's task (`reassign_not_allowed`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Transition not allowed, or project archived", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn update_task(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Json<UpdateTaskRequest>,
) -> ApiResult<HttpResponse> {
    let (t, a) = access::task(&state, &auth, path.into_inner(), |_| {
        ProjectAction::EditTasks
    })
    .await?;
    let body = body.into_inner()?;
    // Reassigning is its own right: once a task is someone's, only they or an administrator
    // hand it on (see `ProjectAction::ReassignTask`).
    if let Some(to) = body.assignee_id
        && to != t.assignee_id
    {
        a.check(
            &auth,
            ProjectAction::ReassignTask {
                assigned: t.assignee_id.is_some(),
                is_assignee: t.assignee_id == Some(auth.user.id),
            },
        )?;
    }
    validate(&body)?;
    require_if_match(&req, t.version)?;
    let mut errors = Vec::new();
    if let Some(title) = &body.title
        && title.trim().is_empty()
    {
        errors.push(FieldError::new("title", "required", "must not be blank"));
    }
    check_dates(
        body.start_date.unwrap_or(t.start_date),
        body.due_date.unwrap_or(t.due_date),
        &mut errors,
    );
    check_estimate(body.estimate_hours.flatten(), &mut errors);
    check_references(
        &state,
        t.project_id,
        Some(t.id),
        body.assignee_id.flatten(),
        body.milestone_id.flatten(),
        body.parent_id.flatten(),
        &mut errors,
    )
    .await?;
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if let Some(to) = body.status {
        let from = TaskStatus::parse(&t.status).unwrap_or(TaskStatus::Todo);
        check_transition(from, to)
            .map_err(|e| ApiError::conflict("invalid_transition", e.to_string()))?;
    }
    let was_status = t.status.clone();
    let before_assignee = t.assignee_id;
    // The update is conditional on the version the checks above saw (412 otherwise), so a
    // reassignment or a transition decided on an older copy never lands.
    let txn = tandem_db::begin_write(&state.db).await?;
    let updated = repo::update_task(
        &txn,
        t.task.clone(),
        repo::TaskChanges {
            title: body.title.map(|s| s.trim().to_owned()),
            description: body.description.map(|d| {
                let html = markdown::render(&d);
                (d, html)
            }),
            assignee_id: body.assignee_id,
            priority: body.priority,
            status: body.status,
            start_date: body.start_date,
            due_date: body.due_date,
            milestone_id: body.milestone_id,
            parent_id: body.parent_id,
            estimate_hours: body.estimate_hours,
            board_rank: None,
        },
        auth.user.id,
    )
    .await
    .map_err(reference_gone)?;
    let mut out = Outbox::by(&state, auth.user.id);
    let dto = fresh_dto(&txn, updated.id, &a.project).await?;
    if dto.version != t.version {
        out.task(WsEventKind::TaskUpdated, &dto);
    }
    if is_open(&was_status) != is_open(&updated.status) {
        for s in successor_dtos(&txn, repo::successor_rows(&txn, updated.id).await?).await? {
            out.task(WsEventKind::TaskUpdated, &s);
        }
    }
    if updated.assignee_id != before_assignee {
        super::notify::assigned(&txn, &updated, &auth.user, &mut out).await?;
    }
    if updated.status != was_status {
        super::notify::status_changed(&txn, &updated, &was_status, &auth.user, &mut out).await?;
    }
    out.commit(&state, txn).await?;
    Ok(ok_with_etag(&dto, dto.version))
}

/// Delete a task (editors and administrators); its sub-tasks become top-level tasks. Its
/// attachments go with it: when it holds some the caller could not remove on their own
/// (assignee-only, or hidden from them), only a project administrator may delete it (403
/// `attachments_protected`).
#[utoipa::path(delete, path = "/api/v1/tasks/{id}", tag = "tasks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Task id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Viewer, or the task holds attachments the caller may not remove", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn delete_task(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let (t, a) = access::task(&state, &auth, path.into_inner(), |_| ProjectAction::View).await?;
    // Decided inside the writing transaction on the task and its attachments as they are now:
    // an attachment added, restricted or made assignee-only meanwhile, or a new assignee,
    // counts.
    let txn = tandem_db::begin_write(&state.db).await?;
    let current = repo::find_task_for_update(&txn, t.id).await?;
    let attachments = tandem_db::attachments::list_for_task(&txn, t.id).await?;
    let protected_attachments = attachments
        .iter()
        .any(|x| !crate::features::attachments::removable(&a, &auth, x, &current));
    a.check(
        &auth,
        ProjectAction::DeleteTask {
            protected_attachments,
        },
    )?;
    let checked: Vec<Uuid> = attachments.iter().map(|x| x.id).collect();
    // Who waited for it: no longer blocked by it once it is gone.
    let waiting: Vec<Uuid> = repo::successor_rows(&txn, t.id)
        .await?
        .iter()
        .map(|r| r.id)
        .collect();
    repo::delete_task(&txn, t.id, &checked).await?;
    audit::record(
        &txn,
        AuditEvent {
            actor_id: Some(auth.user.id),
            action: "task.deleted",
            target_type: Some("task"),
            target_id: Some(t.id.to_string()),
            detail: json!({
                "title": t.title,
                "project_id": t.project_id,
                "assignee_id": t.assignee_id,
                "attachments": checked.len(),
            }),
            ip: client_ip(&req),
        },
    )
    .await?;
    let mut out = Outbox::by(&state, auth.user.id);
    out.event(
        WsEventKind::TaskDeleted,
        Some(t.project_id),
        Audience::Project,
        None,
        &TaskDeletedEvent {
            id: t.id,
            project_id: t.project_id,
        },
    );
    for s in successor_dtos(&txn, repo::find_task_rows(&txn, &waiting).await?).await? {
        out.task(WsEventKind::TaskUpdated, &s);
    }
    // The attachments' stored objects are removed by the jobs queued with the deletion.
    out.commit(&state, txn).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// T3: progress history, oldest first.
#[utoipa::path(get, path = "/api/v1/tasks/{id}/progress", tag = "tasks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Task id"), PageQuery),
    responses((status = 200, description = "Progress updates", body = Page<ProgressResponse>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_progress(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let (t, _) = access::task(&state, &auth, path.into_inner(), |_| ProjectAction::View).await?;
    let (rows, next) = repo::list_progress(&state.db, t.id, page.cursor()?, page.limit()?).await?;
    Ok(HttpResponse::Ok().json(Page {
        items: rows.iter().map(repo::progress_dto).collect::<Vec<_>>(),
        next_cursor: next,
    }))
}

/// T3: post progress (the assignee, or a project administrator); its percent becomes the
/// task's.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/progress", tag = "tasks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Task id")),
    request_body = CreateProgressRequest,
    responses((status = 201, description = "Recorded", body = ProgressResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn create_progress(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Json<CreateProgressRequest>,
) -> ApiResult<HttpResponse> {
    let me = auth.user.id;
    let (t, a) = access::task(&state, &auth, path.into_inner(), |t| {
        ProjectAction::PostProgress {
            is_assignee: t.assignee_id == Some(me),
        }
    })
    .await?;
    let body = body.into_inner()?;
    validate(&body)?;
    let txn = tandem_db::begin_write(&state.db).await?;
    // Who the assignee is now decides, not who it was when the request began.
    let current = repo::find_task_for_update(&txn, t.id).await?;
    a.check(
        &auth,
        ProjectAction::PostProgress {
            is_assignee: current.assignee_id == Some(me),
        },
    )?;
    let p = repo::add_progress(
        &txn,
        &current,
        me,
        body.percent,
        body.note.trim().to_owned(),
    )
    .await?;
    let task = fresh_dto(&txn, t.id, &a.project).await?;
    let dto = repo::progress_dto(&p);
    let mut out = Outbox::by(&state, auth.user.id);
    out.event(
        WsEventKind::ProgressCreated,
        Some(t.project_id),
        Audience::Project,
        None,
        &dto,
    );
    // The percent is part of the task.
    out.task(WsEventKind::TaskUpdated, &task);
    out.commit(&state, txn).await?;
    Ok(created(
        format!("/api/v1/tasks/{}/progress", t.id),
        &dto,
        None,
    ))
}

/// T9: every change to the task, oldest first.
#[utoipa::path(get, path = "/api/v1/tasks/{id}/activity", tag = "tasks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Task id"), PageQuery),
    responses((status = 200, description = "Activity", body = Page<ActivityResponse>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_activity(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let (t, _) = access::task(&state, &auth, path.into_inner(), |_| ProjectAction::View).await?;
    let (rows, next) = repo::list_activity(&state.db, t.id, page.cursor()?, page.limit()?).await?;
    let names = repo::activity_names(&state.db, &rows).await?;
    // A dependency may name a task of another project: its title only for those who see it.
    let others: Vec<Uuid> = names
        .tasks
        .values()
        .map(|(_, p)| *p)
        .filter(|p| *p != t.project_id)
        .collect();
    let roles = if others.is_empty() {
        HashMap::new()
    } else {
        project_repo::roles_of(&state.db, auth.user.id, &others).await?
    };
    let label = |kind: repo::Named, id: Uuid| match kind {
        repo::Named::Person => names.people.get(&id).cloned(),
        repo::Named::Milestone => names.milestones.get(&id).cloned(),
        repo::Named::Task => names.tasks.get(&id).and_then(|(title, p)| {
            (*p == t.project_id || may_see_project(&auth.actor, roles.get(p).copied()))
                .then(|| title.clone())
        }),
    };
    Ok(HttpResponse::Ok().json(Page {
        items: rows
            .iter()
            .map(|a| repo::activity_dto(a, &names, label))
            .collect::<Vec<_>>(),
        next_cursor: next,
    }))
}
