//! The management dashboard (B4): `GET /dashboard`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{ProjectHealth, RiskReason};

/// `GET /dashboard`: what management watches, over the projects the caller may see (system
/// administrators: every active project).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DashboardResponse {
    /// Today in the server's default time zone (Asia/Shanghai), which the weeks count from.
    pub today: NaiveDate,
    /// At risk and late first, then by name.
    pub projects: Vec<DashboardProject>,
    /// Most open tasks first; tasks without an assigned department last (`id` null).
    pub departments: Vec<DashboardDepartment>,
    pub workload: Workload,
    /// Cross-department hand-offs, longest waiting first (at most 50; `handoffs_total` counts
    /// them all).
    pub handoffs: Vec<Handoff>,
    pub handoffs_total: i64,
    /// The flagged tasks due first (at most 50), with their reasons.
    pub flagged: Vec<FlaggedTask>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DashboardProject {
    pub id: Uuid,
    pub name: String,
    /// From the last risk evaluation (`null`: not evaluated yet).
    pub health: Option<ProjectHealth>,
    /// Why: the project's own reasons (end passed, milestones missed) and at most three of the
    /// tasks that make it so (`GET /projects/{id}/risks` lists them all).
    pub reasons: Vec<RiskReason>,
    /// Average progress of its tasks, 0–100.
    pub progress: i32,
    pub total: i64,
    pub done: i64,
    pub overdue: i64,
    pub at_risk: i64,
    pub blocked: i64,
    /// Milestones due in the next 14 days.
    pub milestones: Vec<DashboardMilestone>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DashboardMilestone {
    pub id: Uuid,
    pub name: String,
    pub date: NaiveDate,
    /// A task at risk or overdue belongs to it or is due on or before it.
    pub at_risk: bool,
}

/// A department's tasks (a task belongs to its assignee's department).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DashboardDepartment {
    pub id: Option<Uuid>,
    pub name: Option<String>,
    pub open: i64,
    pub done: i64,
    pub overdue: i64,
    pub at_risk: i64,
}

/// Estimated hours of open tasks per week: rows are departments, or the people of one
/// department (`department_id`, the drill-down).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Workload {
    /// The Monday of each week shown, the current week first.
    pub weeks: Vec<NaiveDate>,
    pub department_id: Option<Uuid>,
    pub rows: Vec<WorkloadRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkloadRow {
    /// The department's, or the person's id (`null`: none).
    pub id: Option<Uuid>,
    pub name: Option<String>,
    /// Hours per week, as `weeks`.
    pub hours: Vec<f64>,
    /// Hours due after the last week shown.
    pub later: f64,
    /// Hours of tasks without a due date.
    pub unscheduled: f64,
}

/// A dependency whose two tasks belong to different departments, its successor not started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Handoff {
    pub task_id: Uuid,
    pub project_id: Uuid,
    pub title: String,
    pub department_id: Uuid,
    pub department_name: String,
    pub predecessor_id: Uuid,
    pub predecessor_title: String,
    pub predecessor_department_id: Uuid,
    pub predecessor_department_name: String,
    /// The predecessor is done: the successor could start.
    pub ready: bool,
    /// Days the successor has been waiting: since the predecessor was done, or since its own
    /// planned start while the predecessor is still open (0 when that is ahead).
    pub waiting_days: i64,
}

/// A flagged task with its reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FlaggedTask {
    pub task_id: Uuid,
    pub project_id: Uuid,
    pub title: String,
    pub due_date: Option<NaiveDate>,
    pub overdue: bool,
    pub at_risk: bool,
    pub blocked: bool,
    pub reasons: Vec<RiskReason>,
}
