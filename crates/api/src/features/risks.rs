//! B3: a project's delay risk — which tasks are overdue, at risk or blocked and why, and how
//! the project stands. The rules are `tandem_domain::risk`; this reads what they need in three
//! queries and answers.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use tandem_db::projects as repo;
use tandem_db::task_batch::risk_data;
use tandem_domain::projects::ProjectAction;
use tandem_domain::risk::{self, RiskSettings, RiskTask, WorkCalendar};
use tandem_dto::{ProjectRisksResponse, TaskRiskResponse, TaskStatus};
use uuid::Uuid;

use crate::error::ApiResult;
use crate::extract::AuthUser;
use crate::features::access;
use crate::state::AppState;

/// B3: the project's flagged tasks with their reasons, and its health (`on_track`, `at_risk`,
/// `late`) with the reasons that made it so. Working days are Monday to Friday.
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
    let p = &a.project;
    let tz: chrono_tz::Tz = p.time_zone.parse().unwrap_or(chrono_tz::Asia::Shanghai);
    let data = risk_data(&state.db, p.id).await?;
    let milestones = repo::list_milestones(&state.db, p.id).await?;
    let mut predecessors: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (task, on) in &data.edges {
        predecessors.entry(*task).or_default().push(*on);
    }
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
    let cal = WorkCalendar::default();
    let risks = risk::assess(&tasks, today, &cal, RiskSettings::default());
    let dates: Vec<(Uuid, chrono::NaiveDate)> = milestones.iter().map(|m| (m.id, m.date)).collect();
    let (health, reasons) = risk::project_health(p.end_date, &dates, &tasks, &risks, today);
    let mut items: Vec<TaskRiskResponse> = data
        .tasks
        .iter()
        .filter_map(|t| {
            let r = risks.get(&t.id).filter(|r| r.flagged())?;
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
        health,
        reasons,
        items,
    }))
}
