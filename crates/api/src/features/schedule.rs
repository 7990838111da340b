//! B2: automatic scheduling. Moving a task on the Gantt chart shifts the tasks that wait for it
//! (finish-to-start, in the project's working days) when they would otherwise start before it
//! ends — first as a preview (`dry_run`), then saved all together or not at all. The rule is
//! `tandem_domain::schedule::reschedule`.

use std::collections::{BTreeMap, HashMap};

use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use tandem_db::projects as repo;
use tandem_db::risks as store;
use tandem_db::task_batch::{RiskTaskRow, gantt_data, risk_data};
use tandem_db::tasks as task_repo;
use tandem_domain::projects::ProjectAction;
use tandem_domain::schedule::{Bar, critical_path, reschedule};
use tandem_dto::{
    FieldError, GanttDependency, GanttMilestone, GanttResponse, GanttTask, RescheduleItem,
    RescheduleRequest, RescheduleResponse, TaskRiskSummary, TaskStatus, WsEventKind,
};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult, validate};
use crate::extract::{AuthUser, Json};
use crate::features::access;
use crate::features::projects::check_date_range;
use crate::features::risks::work_calendar;
use crate::features::tasks::fresh_dto;
use crate::outbox::Outbox;
use crate::state::AppState;

/// The bars of `rows` with their predecessors among `edges` (task, waits for).
fn bars(
    rows: impl Iterator<Item = (Uuid, Option<NaiveDate>, Option<NaiveDate>)>,
    edges: impl Iterator<Item = (Uuid, Uuid)>,
) -> Vec<Bar> {
    let mut preds: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (task, on) in edges {
        preds.entry(task).or_default().push(on);
    }
    rows.map(|(id, start, due)| Bar {
        id,
        start,
        due,
        predecessors: preds.remove(&id).unwrap_or_default(),
    })
    .collect()
}

/// Task → (new start, new due) for the tasks whose dates change.
type Moved = BTreeMap<Uuid, (NaiveDate, NaiveDate)>;

/// Where every task ends up: the requested moves applied one after another, each followed by
/// the shifts of the tasks waiting for it. Answers (task → (new start, new due)) for the tasks
/// whose dates change, and which of them were requested.
fn plan(
    rows: &[RiskTaskRow],
    edges: &[(Uuid, Uuid)],
    body: &RescheduleRequest,
    cal: &tandem_domain::risk::WorkCalendar,
) -> Result<(Moved, Vec<Uuid>), ApiError> {
    let mut bars = bars(
        rows.iter().map(|t| (t.id, t.start_date, t.due_date)),
        edges.iter().copied(),
    );
    let index: HashMap<Uuid, usize> = bars.iter().enumerate().map(|(i, b)| (b.id, i)).collect();
    let mut requested = Vec::new();
    for (n, m) in body.moves.iter().enumerate() {
        let Some(&i) = index.get(&m.task_id) else {
            return Err(ApiError::Validation(vec![FieldError::new(
                format!("moves[{n}].task_id"),
                "not_found",
                "no such task in this project",
            )]));
        };
        let b = &bars[i];
        // One date alone: a new start keeps the length, a new due date keeps the start.
        let (start, due) = match (m.start_date, m.due_date) {
            (Some(s), Some(d)) => (s, d),
            (Some(s), None) => (s, cal.add_working_days(s, b.length(cal) - 1)),
            (None, Some(d)) => (b.start.unwrap_or(d).min(d), d),
            (None, None) => {
                return Err(ApiError::Validation(vec![FieldError::new(
                    format!("moves[{n}]"),
                    "required",
                    "give a start_date, a due_date or both",
                )]));
            }
        };
        if start > due {
            return Err(ApiError::Validation(vec![FieldError::new(
                format!("moves[{n}].due_date"),
                "before_start",
                "must not be before the start date",
            )]));
        }
        for s in reschedule(&bars, m.task_id, start, due, cal) {
            if let Some(&j) = index.get(&s.id) {
                bars[j].start = Some(s.start);
                bars[j].due = Some(s.due);
            }
        }
        requested.push(m.task_id);
    }
    let before: HashMap<Uuid, &RiskTaskRow> = rows.iter().map(|t| (t.id, t)).collect();
    let moved = bars
        .iter()
        .filter_map(|b| {
            let t = before.get(&b.id)?;
            let (s, d) = (b.start?, b.due?);
            (t.start_date != Some(s) || t.due_date != Some(d)).then_some((b.id, (s, d)))
        })
        .collect();
    Ok((moved, requested))
}

fn items(
    rows: &[RiskTaskRow],
    moved: &Moved,
    requested: &[Uuid],
    versions: &HashMap<Uuid, i64>,
) -> Vec<RescheduleItem> {
    let mut out: Vec<RescheduleItem> = rows
        .iter()
        .filter_map(|t| {
            let (s, d) = moved.get(&t.id)?;
            Some(RescheduleItem {
                task_id: t.id,
                title: t.title.clone(),
                old_start_date: t.start_date,
                old_due_date: t.due_date,
                start_date: Some(*s),
                due_date: Some(*d),
                requested: requested.contains(&t.id),
                version: versions.get(&t.id).copied().unwrap_or(t.version),
            })
        })
        .collect();
    // The requested moves first, then by new start.
    out.sort_by_key(|i| (!i.requested, i.start_date, i.task_id));
    out
}

/// B2: moves tasks and shifts the finish-to-start chain after them so that no task starts
/// before a predecessor ends, counted in the project's working days; a task never moves
/// earlier because of another. `dry_run: true` answers the preview and saves nothing;
/// otherwise every move is saved in one transaction or none is — 409 `schedule_changed` when
/// a task that moves no longer has the version the preview answered (send them in
/// `versions`).
#[utoipa::path(post, path = "/api/v1/projects/{id}/reschedule", tag = "projects", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    request_body = RescheduleRequest,
    responses(
        (status = 200, description = "What moves (saved unless dry_run)", body = RescheduleResponse),
        (status = 409, description = "A task changed since the preview", body = tandem_dto::Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn reschedule_project(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Json<RescheduleRequest>,
) -> ApiResult<HttpResponse> {
    let a = access::project(&state, &auth, path.into_inner(), ProjectAction::View).await?;
    a.check(&auth, ProjectAction::EditTasks)?;
    let body = body.into_inner()?;
    validate(&body)?;
    let mut errors: Vec<FieldError> = Vec::new();
    for (n, m) in body.moves.iter().enumerate() {
        for (field, d) in [("start_date", m.start_date), ("due_date", m.due_date)] {
            if let Some(d) = d {
                check_date_range(&format!("moves[{n}].{field}"), d, &mut errors);
            }
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if body.dry_run {
        let data = risk_data(&state.db, a.project.id).await?;
        let cal = work_calendar(&store::calendar(&state.db, &a.project).await?);
        let (moved, requested) = plan(&data.tasks, &data.edges, &body, &cal)?;
        return Ok(HttpResponse::Ok().json(RescheduleResponse {
            items: items(&data.tasks, &moved, &requested, &HashMap::new()),
            applied: false,
        }));
    }
    // Planned again on what the transaction reads, with the project's row held: two
    // reschedules of one project run one after the other.
    let txn = tandem_db::begin_write(&state.db).await?;
    let project = repo::find_project_for_update(&txn, a.project.id).await?;
    a.check_now(&auth, &project, ProjectAction::EditTasks)?;
    let data = risk_data(&txn, project.id).await?;
    let cal = work_calendar(&store::calendar(&txn, &project).await?);
    let (moved, requested) = plan(&data.tasks, &data.edges, &body, &cal)?;
    if let Some(expected) = &body.versions {
        let expected: HashMap<Uuid, i64> =
            expected.iter().map(|v| (v.task_id, v.version)).collect();
        let changed = data
            .tasks
            .iter()
            .filter(|t| moved.contains_key(&t.id))
            .any(|t| expected.get(&t.id) != Some(&t.version));
        if changed {
            return Err(ApiError::conflict(
                "schedule_changed",
                "tasks changed since the preview (or the moves now shift others): preview again",
            ));
        }
    }
    let mut out = Outbox::by(&state, auth.user.id);
    let mut versions = HashMap::new();
    for (id, (start, due)) in &moved {
        let t = task_repo::find_task_for_update(&txn, *id).await?;
        let updated = task_repo::update_task(
            &txn,
            t,
            task_repo::TaskChanges {
                start_date: Some(Some(*start)),
                due_date: Some(Some(*due)),
                ..Default::default()
            },
            auth.user.id,
        )
        .await?;
        versions.insert(*id, updated.version);
        out.task(
            WsEventKind::TaskUpdated,
            &fresh_dto(&txn, updated.id, &project).await?,
        );
    }
    out.commit(&state, txn).await?;
    Ok(HttpResponse::Ok().json(RescheduleResponse {
        items: items(&data.tasks, &moved, &requested, &versions),
        applied: true,
    }))
}

/// B2: the project's Gantt chart — every task that is not archived with its dates, progress,
/// risk and whether it is on the critical path, the dependencies, the milestones, and the
/// calendar (five queries whatever the project's size).
#[utoipa::path(get, path = "/api/v1/projects/{id}/gantt", tag = "projects", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    responses((status = 200, description = "The Gantt chart's data", body = GanttResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn get_gantt(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let a = access::project(&state, &auth, path.into_inner(), ProjectAction::View).await?;
    let p = &a.project;
    // Independent reads, together (SQLite reads in parallel under WAL).
    let ((rows, edges), calendar, milestones) = tokio::try_join!(
        gantt_data(&state.db, p.id),
        store::calendar(&state.db, p),
        repo::list_milestones(&state.db, p.id),
    )?;
    let cal = work_calendar(&calendar);
    let shown: std::collections::HashSet<Uuid> = rows.iter().map(|t| t.id).collect();
    let dependencies: Vec<GanttDependency> = edges
        .iter()
        .filter(|(t, on)| shown.contains(t) && shown.contains(on))
        .map(|(t, on)| GanttDependency {
            task_id: *t,
            depends_on: *on,
        })
        .collect();
    let bars = bars(
        rows.iter().map(|t| (t.id, t.start_date, t.due_date)),
        dependencies.iter().map(|d| (d.task_id, d.depends_on)),
    );
    let critical_path = critical_path(&bars, &cal);
    let on_path: std::collections::HashSet<Uuid> = critical_path.iter().copied().collect();
    let mut tasks: Vec<GanttTask> = rows
        .into_iter()
        .map(|t| GanttTask {
            critical: on_path.contains(&t.id),
            risk: t
                .risk_reasons
                .as_deref()
                .map(|r| TaskRiskSummary::from_stored(r, t.risk_finish)),
            id: t.id,
            title: t.title,
            status: TaskStatus::parse(&t.status).unwrap_or(TaskStatus::Todo),
            assignee_id: t.assignee_id,
            parent_id: t.parent_id,
            milestone_id: t.milestone_id,
            start_date: t.start_date,
            due_date: t.due_date,
            progress: t.progress,
            version: t.version,
        })
        .collect();
    tasks.sort_by_key(|t| {
        (
            t.start_date.or(t.due_date).is_none(),
            t.start_date.or(t.due_date),
            t.id,
        )
    });
    Ok(HttpResponse::Ok().json(GanttResponse {
        tasks,
        dependencies,
        milestones: milestones
            .iter()
            .map(|m| GanttMilestone {
                id: m.id,
                name: m.name.clone(),
                date: m.date,
            })
            .collect(),
        critical_path,
        calendar,
        today: crate::features::projects::today_in(&p.time_zone),
    }))
}
