//! B4: the management dashboard.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use chrono::{Duration, NaiveDate};
use tandem_db::dashboard as store;
use tandem_domain::policy::Action;
use tandem_domain::workload::{spread, week_of};
use tandem_dto::{
    DashboardDepartment, DashboardMilestone, DashboardProject, DashboardResponse, FlaggedTask,
    Handoff, ProjectHealth, RiskReason, TaskStatus, Workload, WorkloadRow,
};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::extract::{Allowed, perm};
use crate::features::projects::{DEFAULT_TIME_ZONE, today_in};
use crate::state::AppState;

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardQuery {
    /// Workload per person of this department instead of per department (the drill-down).
    pub workload_department: Option<Uuid>,
    /// Weeks of workload to show, 1–26 (default 8).
    #[param(minimum = 1, maximum = 26)]
    pub weeks: Option<i64>,
}

fn reasons(json: &str) -> Vec<RiskReason> {
    serde_json::from_str(json).unwrap_or_default()
}

/// A project's own reasons and at most three of its tasks (rows stored before reasons were
/// summarised when saved may name more).
fn summary(json: &str) -> Vec<RiskReason> {
    tandem_domain::risk::summary(&reasons(json), 3)
}

/// Hand-offs listed on the dashboard (the longest waiting).
const HANDOFFS_SHOWN: usize = 50;

/// B4: what management watches, over the active projects the caller belongs to (system
/// administrators: all of them) — per project health, progress, overdue / at-risk / blocked
/// counts and the milestones of the next 14 days; per department open, done, overdue and at
/// risk; the workload of the coming weeks (estimated hours of open tasks, per department or
/// per person of one department); cross-department hand-offs with how long the successor has
/// waited; and the flagged tasks with their reasons. A fixed number of grouped queries,
/// however many projects.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "projects", security(("bearer" = [])),
    params(DashboardQuery),
    responses((status = 200, description = "The dashboard", body = DashboardResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn get_dashboard(
    state: web::Data<AppState>,
    auth: Allowed<perm::ListProjects>,
    q: web::Query<DashboardQuery>,
) -> ApiResult<HttpResponse> {
    let weeks = q.weeks.unwrap_or(8);
    if !(1..=26).contains(&weeks) {
        return Err(ApiError::validation(
            "weeks",
            "range",
            "must be between 1 and 26",
        ));
    }
    let weeks = weeks as usize;
    let everything = auth.can(Action::ListAllProjects).is_ok();
    let db = &state.db;
    let projects = store::active_projects(db, (!everything).then_some(auth.user.id)).await?;
    let ids: Vec<Uuid> = projects.iter().map(|p| p.id).collect();
    let today = today_in(DEFAULT_TIME_ZONE);
    let ids_ref = Some(ids.as_slice());

    // The reads are independent: run together, on as many pool connections (SQLite reads in
    // parallel under WAL), a request costs its slowest query rather than their sum.
    let department = q.workload_department;
    let (groups, health, soon, work, handoff_rows, flagged) = tokio::try_join!(
        store::task_groups(db, ids_ref),
        store::project_health(db, &ids),
        store::milestones_between(db, &ids, today, today + Duration::days(14)),
        store::open_work(db, ids_ref, department),
        store::handoffs(db, ids_ref),
        store::flagged(db, ids_ref, 50),
    )?;
    let depts = store::department_figures(db, &groups).await?;
    // Per project: tasks, done, progress sum, overdue, at risk, blocked.
    let mut figures: HashMap<Uuid, [i64; 6]> = HashMap::new();
    for g in &groups {
        let f = figures.entry(g.project_id).or_default();
        f[0] += g.tasks;
        if g.status == TaskStatus::Done.as_str() {
            f[1] += g.tasks;
        }
        f[2] += g.progress_sum;
        f[3] += g.overdue;
        f[4] += g.at_risk;
        f[5] += g.blocked;
    }
    let health: HashMap<Uuid, tandem_db::entities::project_risks::Model> =
        health.into_iter().map(|h| (h.project_id, h)).collect();
    // A milestone is at risk when a task of it, or one due on or before it, is late.
    let mut late: HashMap<Uuid, Vec<&store::TaskGroup>> = HashMap::new();
    for g in groups.iter().filter(|g| g.late > 0) {
        late.entry(g.project_id).or_default().push(g);
    }
    let mut projects: Vec<DashboardProject> = projects
        .iter()
        .map(|p| {
            let [total, done, progress_sum, overdue, at_risk, blocked] =
                figures.get(&p.id).copied().unwrap_or_default();
            let h = health.get(&p.id);
            DashboardProject {
                id: p.id,
                name: p.name.clone(),
                health: h.and_then(|h| match h.health.as_str() {
                    "at_risk" => Some(ProjectHealth::AtRisk),
                    "late" => Some(ProjectHealth::Late),
                    "on_track" => Some(ProjectHealth::OnTrack),
                    _ => None,
                }),
                reasons: h.map(|h| summary(&h.reasons)).unwrap_or_default(),
                progress: if total > 0 {
                    (progress_sum / total) as i32
                } else {
                    0
                },
                total,
                done,
                overdue,
                at_risk,
                blocked,
                milestones: soon
                    .iter()
                    .filter(|m| m.project_id == p.id)
                    .map(|m| DashboardMilestone {
                        id: m.id,
                        name: m.name.clone(),
                        date: m.date,
                        at_risk: late.get(&p.id).is_some_and(|late| {
                            late.iter().any(|g| {
                                g.milestone_id == Some(m.id)
                                    || g.first_late_due.is_some_and(|d| d <= m.date)
                            })
                        }),
                    })
                    .collect(),
            }
        })
        .collect();
    let rank = |h: Option<ProjectHealth>| match h {
        Some(ProjectHealth::Late) => 0,
        Some(ProjectHealth::AtRisk) => 1,
        _ => 2,
    };
    projects.sort_by(|a, b| (rank(a.health), &a.name).cmp(&(rank(b.health), &b.name)));

    // Names of every department and person shown, in one go.
    let mut dept_ids: Vec<Uuid> = depts.iter().filter_map(|d| d.department_id).collect();
    dept_ids.extend(work.iter().filter_map(|w| w.department_id));
    for h in &handoff_rows {
        dept_ids.extend([h.department_id, h.predecessor_department_id]);
    }
    dept_ids.sort();
    dept_ids.dedup();
    let people: Vec<Uuid> = if q.workload_department.is_some() {
        let mut p: Vec<Uuid> = work.iter().filter_map(|w| w.assignee_id).collect();
        p.sort();
        p.dedup();
        p
    } else {
        Vec::new()
    };
    let names = store::names(db, &dept_ids, &people).await?;
    let name = |id: Option<Uuid>| id.and_then(|i| names.get(&i).cloned());

    let mut departments: Vec<DashboardDepartment> = depts
        .into_iter()
        .map(|d| DashboardDepartment {
            name: name(d.department_id),
            id: d.department_id,
            open: d.open,
            done: d.done,
            overdue: d.overdue,
            at_risk: d.at_risk,
        })
        .collect();
    departments.sort_by(|a, b| {
        (a.id.is_none(), std::cmp::Reverse(a.open), &a.name).cmp(&(
            b.id.is_none(),
            std::cmp::Reverse(b.open),
            &b.name,
        ))
    });

    let first = week_of(today);
    let mut rows: HashMap<Option<Uuid>, WorkloadRow> = HashMap::new();
    for w in &work {
        let key = if q.workload_department.is_some() {
            w.assignee_id
        } else {
            w.department_id
        };
        let s = spread(
            w.estimate_hours,
            w.start_date,
            w.due_date,
            today,
            first,
            weeks,
        );
        let row = rows.entry(key).or_insert_with(|| WorkloadRow {
            id: key,
            name: name(key),
            hours: vec![0.0; weeks],
            later: 0.0,
            unscheduled: 0.0,
        });
        for (h, add) in row.hours.iter_mut().zip(&s.weeks) {
            *h += add;
        }
        row.later += s.later;
        row.unscheduled += s.unscheduled;
    }
    let round = |h: f64| (h * 10.0).round() / 10.0;
    let mut rows: Vec<WorkloadRow> = rows
        .into_values()
        .map(|mut r| {
            r.hours.iter_mut().for_each(|h| *h = round(*h));
            r.later = round(r.later);
            r.unscheduled = round(r.unscheduled);
            r
        })
        .collect();
    rows.sort_by(|a, b| (a.id.is_none(), &a.name).cmp(&(b.id.is_none(), &b.name)));
    let workload = Workload {
        weeks: (0..weeks)
            .map(|i| first + Duration::days(7 * i as i64))
            .collect(),
        department_id: q.workload_department,
        rows,
    };

    let mut handoffs: Vec<Handoff> = handoff_rows
        .into_iter()
        .map(|h| {
            let ready = h.predecessor_status == TaskStatus::Done.as_str();
            let since: Option<NaiveDate> = if ready {
                Some(h.predecessor_updated_at.date_naive())
            } else {
                h.start_date
            };
            Handoff {
                task_id: h.task_id,
                project_id: h.project_id,
                title: h.title,
                department_name: name(Some(h.department_id)).unwrap_or_default(),
                department_id: h.department_id,
                predecessor_id: h.predecessor_id,
                predecessor_title: h.predecessor_title,
                predecessor_department_name: name(Some(h.predecessor_department_id))
                    .unwrap_or_default(),
                predecessor_department_id: h.predecessor_department_id,
                ready,
                waiting_days: since.map(|s| (today - s).num_days().max(0)).unwrap_or(0),
            }
        })
        .collect();
    handoffs.sort_by(|a, b| {
        (std::cmp::Reverse(a.waiting_days), &a.title)
            .cmp(&(std::cmp::Reverse(b.waiting_days), &b.title))
    });
    let handoffs_total = handoffs.len() as i64;
    handoffs.truncate(HANDOFFS_SHOWN);

    let flagged = flagged
        .into_iter()
        .map(|f| FlaggedTask {
            task_id: f.task_id,
            project_id: f.project_id,
            title: f.title,
            due_date: f.due_date,
            overdue: f.overdue,
            at_risk: f.at_risk,
            blocked: f.blocked,
            reasons: reasons(&f.reasons),
        })
        .collect();

    Ok(HttpResponse::Ok().json(DashboardResponse {
        today,
        projects,
        departments,
        workload,
        handoffs,
        handoffs_total,
        flagged,
    }))
}
