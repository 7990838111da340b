//! B3: a project's delay risk — which tasks are overdue, at risk or blocked and why, and how
//! the project stands — and the work calendar it is counted in. The rules are
//! `tandem_domain::risk`; [`evaluate`] reads what they need (three queries for the tasks, one
//! for milestones, one for the calendar, whatever the project's size) and applies them.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use serde_json::json;
use tandem_db::audit::{self, AuditEvent};
use tandem_db::entities::projects;
use tandem_db::projects as repo;
use tandem_db::risks as store;
use tandem_db::task_batch::{RiskTaskRow, risk_data};
use tandem_domain::projects::ProjectAction;
use tandem_domain::risk::{self, RiskSettings, RiskTask, TaskRisk, WorkCalendar};
use tandem_dto::{
    FieldError, MilestoneRiskResponse, ProjectCalendar, ProjectHealth, ProjectRisksResponse,
    RiskReason, TaskRiskResponse, TaskStatus, WorkWeek,
};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult, validate};
use crate::extract::{AuthUser, Json, client_ip};
use crate::features::access;
use crate::features::projects::check_date_range;
use crate::outbox::Outbox;
use crate::state::AppState;

/// A project's risk as the rules see it now.
pub struct Evaluation {
    pub today: NaiveDate,
    pub tasks: Vec<RiskTaskRow>,
    pub risks: HashMap<Uuid, TaskRisk>,
    pub health: ProjectHealth,
    pub reasons: Vec<RiskReason>,
    /// Each milestone (by date) with the flagged tasks that put it at risk.
    pub milestones: Vec<MilestoneRiskResponse>,
}

/// The domain's calendar for a stored one.
pub fn work_calendar(c: &ProjectCalendar) -> WorkCalendar {
    WorkCalendar::new(
        WorkWeek::from_days(&c.work_days).0,
        c.holidays.iter().map(|d| d.date),
        c.extra_work_days.iter().map(|d| d.date),
    )
}

/// Evaluates `p`'s risk through `db` (a transaction, when the caller writes the result).
pub async fn evaluate(
    db: &impl tandem_db::ConnectionTrait,
    p: &projects::Model,
) -> Result<Evaluation, tandem_db::RepoError> {
    let tz: chrono_tz::Tz = p.time_zone.parse().unwrap_or(chrono_tz::Asia::Shanghai);
    let data = risk_data(db, p.id).await?;
    let milestones = repo::list_milestones(db, p.id).await?;
    let calendar = store::calendar(db, p).await?;
    let mut predecessors: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (task, on) in &data.edges {
        predecessors.entry(*task).or_default().push(*on);
    }
    // Progress days and today in the project's time zone: a report at 07:00 in Shanghai is
    // that day's, not the previous day's.
    let local = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).date_naive();
    let today = local(chrono::Utc::now());
    let tasks: Vec<RiskTask> = data
        .tasks
        .iter()
        .map(|t| {
            let reports = data.reports.get(&t.id);
            RiskTask {
                id: t.id,
                status: TaskStatus::parse(&t.status).unwrap_or(TaskStatus::Todo),
                start: t.start_date,
                due: t.due_date,
                created: local(t.created_at),
                progress: u8::try_from(t.progress.clamp(0, 100)).unwrap_or(0),
                first_progress: reports.map(|r| local(r.0)),
                last_progress: reports.map(|r| local(r.1)),
                predecessors: predecessors.remove(&t.id).unwrap_or_default(),
                milestone_id: t.milestone_id,
            }
        })
        .collect();
    let cal = work_calendar(&calendar);
    let risks = risk::assess(&tasks, today, &cal, RiskSettings::default());
    let dates: Vec<(Uuid, NaiveDate)> = milestones.iter().map(|m| (m.id, m.date)).collect();
    let (health, reasons) = risk::project_health(p.end_date, &dates, &tasks, &risks, today);
    let mut milestones: Vec<MilestoneRiskResponse> = milestones
        .iter()
        .map(|m| {
            let reasons = risk::milestone_at_risk(m.id, m.date, &tasks, &risks);
            MilestoneRiskResponse {
                milestone_id: m.id,
                name: m.name.clone(),
                date: m.date,
                at_risk: !reasons.is_empty(),
                reasons,
            }
        })
        .collect();
    milestones.sort_by_key(|m| (m.date, m.milestone_id));
    Ok(Evaluation {
        today,
        tasks: data.tasks,
        risks,
        health,
        reasons,
        milestones,
    })
}

/// B3: the project's flagged tasks with their reasons, and its health (`on_track`, `at_risk`,
/// `late`) with the reasons that made it so, counted in the project's working days
/// (`/projects/{id}/calendar`). Computed at the time of the request.
#[utoipa::path(get, path = "/api/v1/projects/{id}/risks", tag = "projects", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    responses((status = 200, description = "The project's risks", body = ProjectRisksResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn get_project_risks(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let a = access::project(&state, &auth, path.into_inner(), ProjectAction::View).await?;
    let e = evaluate(&state.db, &a.project).await?;
    let mut items: Vec<TaskRiskResponse> = e
        .tasks
        .iter()
        .filter_map(|t| {
            let r = e.risks.get(&t.id).filter(|r| r.flagged())?;
            Some(TaskRiskResponse {
                task_id: t.id,
                title: t.title.clone(),
                due_date: t.due_date,
                overdue: r.overdue,
                at_risk: r.at_risk,
                blocked: r.blocked,
                projected_finish: r.projected_finish,
                reasons: r.reasons.clone(),
            })
        })
        .collect();
    items.sort_by_key(|i| (i.due_date.is_none(), i.due_date, i.task_id));
    Ok(HttpResponse::Ok().json(ProjectRisksResponse {
        health: e.health,
        reasons: e.reasons,
        items,
        milestones: e.milestones,
    }))
}

/// B3: the days the project works — its work week, holidays and days off worked anyway.
/// Delay risk counts in these days.
#[utoipa::path(get, path = "/api/v1/projects/{id}/calendar", tag = "projects", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    responses((status = 200, description = "The project's calendar", body = ProjectCalendar)))]
#[tracing::instrument(skip_all, err)]
pub async fn get_project_calendar(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let a = access::project(&state, &auth, path.into_inner(), ProjectAction::View).await?;
    Ok(HttpResponse::Ok().json(store::calendar(&state.db, &a.project).await?))
}

/// B3: replaces the project's calendar (project administrators). A date is a holiday or an
/// extra working day, not both, and appears once.
#[utoipa::path(put, path = "/api/v1/projects/{id}/calendar", tag = "projects", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    request_body = ProjectCalendar,
    responses((status = 200, description = "The calendar as saved", body = ProjectCalendar)))]
#[tracing::instrument(skip_all, err)]
pub async fn put_project_calendar(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Json<ProjectCalendar>,
) -> ApiResult<HttpResponse> {
    let a = access::project(&state, &auth, path.into_inner(), ProjectAction::View).await?;
    a.check(&auth, ProjectAction::ManageProject)?;
    let c = body.into_inner()?;
    validate(&c)?;
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (field, days) in [
        ("holidays", &c.holidays),
        ("extra_work_days", &c.extra_work_days),
    ] {
        for (i, d) in days.iter().enumerate() {
            check_date_range(&format!("{field}[{i}].date"), d.date, &mut errors);
            if !seen.insert(d.date) {
                errors.push(FieldError::new(
                    format!("{field}[{i}].date"),
                    "duplicate",
                    "each date may appear once, as a holiday or as an extra working day",
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let c = c.normalized();
    let txn = tandem_db::begin_write(&state.db).await?;
    let project = repo::find_project_for_update(&txn, a.project.id).await?;
    a.check_now(&auth, &project, ProjectAction::ManageProject)?;
    store::set_calendar(&txn, project.id, &c).await?;
    audit::record(
        &txn,
        AuditEvent {
            actor_id: Some(auth.user.id),
            action: "project.calendar_set",
            target_type: Some("project"),
            target_id: Some(project.id.to_string()),
            ip: client_ip(&req),
            detail: json!({
                "work_days": c.work_days,
                "holidays": c.holidays.len(),
                "extra_work_days": c.extra_work_days.len(),
            }),
        },
    )
    .await?;
    let mut out = Outbox::by(&state, auth.user.id);
    out.reassess(project.id);
    out.commit(&state, txn).await?;
    Ok(HttpResponse::Ok().json(c))
}
