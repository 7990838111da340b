//! B1: Kanban boards — a project's, and "my tasks" across projects — moving cards, and
//! work-in-progress limits.

use std::collections::{BTreeMap, HashMap};

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use serde_json::json;
use tandem_db::audit::{self, AuditEvent};
use tandem_db::board::{self as store, Lane};
use tandem_db::projects as project_repo;
use tandem_db::tasks::{self as repo, TaskFilter, TaskSort};
use tandem_domain::projects::{ProjectAction, check_transition};
use tandem_dto::{
    BoardColumn, BoardLane, BoardLimits, BoardResponse, LaneCount, MoveTaskRequest, Problem,
    Swimlane, TaskResponse, TaskStatus, WsEventKind,
};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult, validate};
use crate::extract::{Allowed, AuthUser, Json, PageQuery, client_ip, perm, require_if_match};
use crate::features::projects::today_in;
use crate::features::tasks::{
    MyProjects, TaskQuery, cursor_task, filter_from, fresh_dto, is_open, successor_dtos, task_dto,
};
use crate::features::{access, ok_with_etag};
use crate::outbox::Outbox;
use crate::state::AppState;

/// The columns of a board, in lifecycle order (archived tasks are put away, not on boards).
const COLUMNS: [TaskStatus; 4] = [
    TaskStatus::Todo,
    TaskStatus::InProgress,
    TaskStatus::InReview,
    TaskStatus::Done,
];

/// How a board is cut: swimlanes, and one column's next page.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardQuery {
    /// Group the cards into swimlanes.
    pub swimlane: Option<Swimlane>,
    /// Only this column: with `cursor`, its next page.
    pub column: Option<TaskStatus>,
}

fn lane_of(s: Swimlane) -> Lane {
    match s {
        Swimlane::Assignee => Lane::Assignee,
        Swimlane::Department => Lane::Department,
        Swimlane::Milestone => Lane::Milestone,
        Swimlane::Project => Lane::Project,
    }
}

/// Reads a board: per column its count, limit and first page of cards (one query per
/// column, by the board index), and the swimlanes' counts in one grouped query.
async fn board(
    state: &AppState,
    mut f: TaskFilter,
    q: &BoardQuery,
    limits: HashMap<String, i32>,
    today: impl Fn(Uuid) -> NaiveDate,
) -> ApiResult<BoardResponse> {
    // A `status` filter narrows the board to that column, like `column`.
    let wanted: Vec<TaskStatus> = COLUMNS
        .into_iter()
        .filter(|c| q.column.is_none_or(|w| w == *c))
        .filter(|c| f.status.as_ref().is_none_or(|s| s.contains(c)))
        .collect();
    f.status = Some(COLUMNS.to_vec());
    f.sort = TaskSort::Rank;
    let lane = q.swimlane.map(lane_of);
    let counts = store::counts(&state.db, &f, lane).await?;
    let mut columns = Vec::with_capacity(wanted.len());
    for status in wanted {
        let mut cf = f.clone();
        cf.status = Some(vec![status]);
        // The cursor belongs to the one column asked for.
        if q.column.is_none() {
            cf.after_id = None;
            cf.after = None;
        }
        let (rows, next_cursor) = repo::list_tasks(&state.db, cf).await?;
        columns.push(BoardColumn {
            status,
            count: counts
                .iter()
                .filter(|c| c.status == status.as_str())
                .map(|c| c.n)
                .sum(),
            wip_limit: limits.get(status.as_str()).copied(),
            cards: rows
                .iter()
                .map(|r| task_dto(r, today(r.project_id)))
                .collect(),
            next_cursor,
        });
    }
    let lanes = match (q.swimlane, lane) {
        (Some(s), Some(l)) => lanes(state, &f, s, l, &counts).await?,
        _ => Vec::new(),
    };
    Ok(BoardResponse {
        columns,
        swimlane: q.swimlane,
        lanes,
    })
}

async fn lanes(
    state: &AppState,
    f: &TaskFilter,
    s: Swimlane,
    lane: Lane,
    counts: &[store::Count],
) -> ApiResult<Vec<BoardLane>> {
    let mut by_lane: BTreeMap<Option<Uuid>, Vec<LaneCount>> = BTreeMap::new();
    for c in counts {
        let Some(status) = TaskStatus::parse(&c.status) else {
            continue;
        };
        by_lane
            .entry(c.lane)
            .or_default()
            .push(LaneCount { status, count: c.n });
    }
    let ids: Vec<Uuid> = by_lane.keys().flatten().copied().collect();
    let names = store::lane_names(&state.db, lane, &ids).await?;
    let mut members: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    if s == Swimlane::Department {
        for (person, dept) in store::assignee_departments(&state.db, f).await? {
            members.entry(dept).or_default().push(person);
        }
    }
    let mut out: Vec<BoardLane> = by_lane
        .into_iter()
        .map(|(id, mut counts)| {
            counts.sort_by_key(|c| COLUMNS.iter().position(|s| *s == c.status));
            BoardLane {
                name: id.and_then(|i| names.get(&i).cloned()),
                members: id.and_then(|i| members.remove(&i)).unwrap_or_default(),
                id,
                counts,
            }
        })
        .collect();
    let total = |l: &BoardLane| l.counts.iter().map(|c| c.count).sum::<i64>();
    // Largest lanes first, by name when equal; the lane without an owner last.
    out.sort_by(|a, b| {
        (a.id.is_none(), std::cmp::Reverse(total(a)), &a.name).cmp(&(
            b.id.is_none(),
            std::cmp::Reverse(total(b)),
            &b.name,
        ))
    });
    Ok(out)
}

/// B1: a project's Kanban board — columns by status with their counts, work-in-progress
/// limits and first cards (`limit` per column), in the order people arranged them. Filters
/// are the task list's. With `column` (and `cursor`), one column's next page.
#[utoipa::path(get, path = "/api/v1/projects/{id}/board", tag = "projects", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id"), BoardQuery, PageQuery, TaskQuery),
    responses((status = 200, description = "The board", body = BoardResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn get_board(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    q: web::Query<BoardQuery>,
    page: web::Query<PageQuery>,
    query: web::Query<TaskQuery>,
) -> ApiResult<HttpResponse> {
    let a = access::project(&state, &auth, path.into_inner(), ProjectAction::View).await?;
    let pid = a.project.id;
    let today = today_in(&a.project.time_zone);
    let mut f = filter_from(&state, &query, &page).await?;
    // A cursor belongs to one column's page; without `column` it is still checked (a bad one
    // is a 422, never silently ignored) but has nothing to continue.
    let (after_id, after) = cursor_task(&state, &page, |p| p == pid).await?;
    if q.column.is_some() {
        (f.after_id, f.after) = (after_id, after);
    }
    f.project_id = Some(pid);
    f.today = vec![(vec![pid], today)];
    let limits = store::limits(&state.db, pid).await?;
    let b = board(&state, f, &q, limits, |_| today).await?;
    Ok(HttpResponse::Ok().json(b))
}

/// B1: the caller's own board — the tasks assigned to them across their projects, by status
/// (same filters and paging as the project board; swimlanes by project are the useful ones).
#[utoipa::path(get, path = "/api/v1/me/board", tag = "tasks", security(("bearer" = [])),
    params(BoardQuery, PageQuery, TaskQuery),
    responses((status = 200, description = "The board", body = BoardResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn get_my_board(
    state: web::Data<AppState>,
    auth: Allowed<perm::ListProjects>,
    q: web::Query<BoardQuery>,
    page: web::Query<PageQuery>,
    query: web::Query<TaskQuery>,
) -> ApiResult<HttpResponse> {
    let mine = MyProjects::of(&state, auth.user.id).await?;
    let mut f = filter_from(&state, &query, &page).await?;
    let (after_id, after) = cursor_task(&state, &page, |p| mine.contains(p)).await?;
    if q.column.is_some() {
        (f.after_id, f.after) = (after_id, after);
    }
    mine.narrow(&mut f, auth.user.id);
    let b = board(&state, f, &q, HashMap::new(), |p| mine.today(p)).await?;
    Ok(HttpResponse::Ok().json(b))
}

/// Which board a card is moved on.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MoveQuery {
    /// `true`: the neighbours are those of the caller's own board ("my tasks", across
    /// projects) rather than the project's.
    pub mine: Option<bool>,
}

/// B1: moves a card on a board — to another column (a status change that follows the
/// lifecycle: 409 `invalid_transition`) and/or between two cards (only this card's rank
/// changes). Requires `If-Match` like any change (412 when stale). 409 `board_changed` when a
/// neighbour is gone or not on that board: reload it.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/move", tag = "tasks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Task id"), MoveQuery,
        ("If-Match" = String, Header, description = "The task's current ETag")),
    request_body = MoveTaskRequest,
    responses(
        (status = 200, description = "Moved", body = TaskResponse,
            headers(("ETag" = String, description = "The task's new version"))),
        (status = 409, description = "Transition not allowed, the board changed, or project archived", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn move_task(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    path: web::Path<Uuid>,
    q: web::Query<MoveQuery>,
    body: Json<MoveTaskRequest>,
) -> ApiResult<HttpResponse> {
    let (t, a) = access::task(&state, &auth, path.into_inner(), |_| {
        ProjectAction::EditTasks
    })
    .await?;
    let body = body.into_inner()?;
    require_if_match(&req, t.version)?;
    let from = TaskStatus::parse(&t.status).unwrap_or(TaskStatus::Todo);
    let to = body.status.unwrap_or(from);
    if to == TaskStatus::Archived {
        return Err(ApiError::validation(
            "status",
            "not_a_column",
            "archived tasks are not on boards",
        ));
    }
    check_transition(from, to)
        .map_err(|e| ApiError::conflict("invalid_transition", e.to_string()))?;
    let column = if q.mine == Some(true) {
        let mine = project_repo::projects_of_member(&state.db, auth.user.id).await?;
        store::Column {
            project_ids: mine.iter().map(|p| p.id).collect(),
            assignee_id: Some(auth.user.id),
            status: to,
        }
    } else {
        store::Column {
            project_ids: vec![t.project_id],
            assignee_id: None,
            status: to,
        }
    };
    let placement = store::Placement {
        column,
        after: body.after_id,
        before: body.before_id,
    };
    let txn = tandem_db::begin_write(&state.db).await?;
    let (moved, reranked) = store::move_task(&txn, t.task.clone(), placement, auth.user.id).await?;
    let mut out = Outbox::by(&state, auth.user.id);
    let dto = fresh_dto(&txn, moved.id, &a.project).await?;
    if dto.version != t.version {
        out.task(WsEventKind::TaskUpdated, &dto);
    }
    for r in repo::find_task_rows(&txn, &reranked).await? {
        out.task(
            WsEventKind::TaskUpdated,
            &task_dto(&r, today_in(&a.project.time_zone)),
        );
    }
    if is_open(&t.status) != is_open(&moved.status) {
        for s in successor_dtos(&txn, repo::successor_rows(&txn, moved.id).await?).await? {
            out.task(WsEventKind::TaskUpdated, &s);
        }
    }
    if moved.status != t.status {
        super::notify::status_changed(&txn, &moved, &t.status, &auth.user, &mut out).await?;
    }
    out.commit(&state, txn).await?;
    Ok(ok_with_etag(&dto, dto.version))
}

/// B1: sets a project's work-in-progress limits (project administrators), replacing them
/// whole. A column over its limit is shown as such; moves into it are not refused.
#[utoipa::path(put, path = "/api/v1/projects/{id}/board/limits", tag = "projects", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    request_body = BoardLimits,
    responses((status = 200, description = "The limits as saved", body = BoardLimits)))]
#[tracing::instrument(skip_all, err)]
pub async fn put_board_limits(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Json<BoardLimits>,
) -> ApiResult<HttpResponse> {
    let a = access::project(&state, &auth, path.into_inner(), ProjectAction::View).await?;
    a.check(&auth, ProjectAction::ManageProject)?;
    let b = body.into_inner()?;
    validate(&b)?;
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, l) in b.limits.iter().enumerate() {
        if !COLUMNS.contains(&l.status) {
            errors.push(tandem_dto::FieldError::new(
                format!("limits[{i}].status"),
                "not_a_column",
                "archived tasks are not on boards",
            ));
        } else if !seen.insert(l.status) {
            errors.push(tandem_dto::FieldError::new(
                format!("limits[{i}].status"),
                "duplicate",
                "each column may have one limit",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut limits = b.limits;
    limits.sort_by_key(|l| COLUMNS.iter().position(|s| *s == l.status));
    let txn = tandem_db::begin_write(&state.db).await?;
    let project = project_repo::find_project_for_update(&txn, a.project.id).await?;
    a.check_now(&auth, &project, ProjectAction::ManageProject)?;
    let set: Vec<(TaskStatus, i32)> = limits.iter().map(|l| (l.status, l.limit)).collect();
    store::set_limits(&txn, project.id, &set).await?;
    audit::record(
        &txn,
        AuditEvent {
            actor_id: Some(auth.user.id),
            action: "project.board_limits_set",
            target_type: Some("project"),
            target_id: Some(project.id.to_string()),
            ip: client_ip(&req),
            detail: json!({ "limits": limits }),
        },
    )
    .await?;
    Outbox::by(&state, auth.user.id).commit(&state, txn).await?;
    Ok(HttpResponse::Ok().json(BoardLimits { limits }))
}
