//! B2: moving tasks on the Gantt chart, with the finish-to-start chain after them shifted
//! (`POST /projects/{id}/reschedule`). Computed by `tandem_domain::schedule`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
#[cfg(feature = "validate")]
use validator::Validate;

/// One requested move: new dates for a task (one of them alone keeps the task's length in
/// working days when moving the start, or keeps the start when moving the due date).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RescheduleMove {
    pub task_id: Uuid,
    #[serde(default)]
    pub start_date: Option<NaiveDate>,
    #[serde(default)]
    pub due_date: Option<NaiveDate>,
}

/// A task's version as a preview returned it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskVersion {
    pub task_id: Uuid,
    pub version: i64,
}

/// `POST /projects/{id}/reschedule`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(Validate))]
pub struct RescheduleRequest {
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 200)))]
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 200))]
    pub moves: Vec<RescheduleMove>,
    /// `true`: answer what would move and save nothing (the preview).
    #[serde(default)]
    pub dry_run: bool,
    /// The versions the preview answered: when given, the moves are saved only if every task
    /// that moves still has its version (409 `schedule_changed` otherwise).
    #[serde(default)]
    #[cfg_attr(feature = "validate", validate(length(max = 5000)))]
    #[cfg_attr(feature = "openapi", schema(max_items = 5000))]
    pub versions: Option<Vec<TaskVersion>>,
}

/// One task that moves: the requested ones and the successors shifted after them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RescheduleItem {
    pub task_id: Uuid,
    pub title: String,
    pub old_start_date: Option<NaiveDate>,
    pub old_due_date: Option<NaiveDate>,
    pub start_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    /// Moved because it was asked for (`false`: shifted after a predecessor).
    pub requested: bool,
    /// The task's version: as read for a preview (send it back in `versions`), after the save
    /// otherwise.
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RescheduleResponse {
    pub items: Vec<RescheduleItem>,
    /// Whether the moves were saved (`false` for a dry run).
    pub applied: bool,
}

/// A bar of the Gantt chart (`GET /projects/{id}/gantt`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GanttTask {
    pub id: Uuid,
    pub title: String,
    pub status: crate::TaskStatus,
    pub assignee_id: Option<Uuid>,
    pub parent_id: Option<Uuid>,
    pub milestone_id: Option<Uuid>,
    pub start_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    /// Percent done (done tasks count as 100).
    pub progress: i32,
    /// The version a bar's drag sends back (`If-Match`, or `versions` of a reschedule).
    pub version: i64,
    /// On the critical path.
    pub critical: bool,
    /// As on task responses: the last risk evaluation's flags and reasons.
    pub risk: Option<crate::TaskRiskSummary>,
}

/// A finish-to-start arrow: `task_id` waits for `depends_on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GanttDependency {
    pub task_id: Uuid,
    pub depends_on: Uuid,
}

/// A diamond of the Gantt chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GanttMilestone {
    pub id: Uuid,
    pub name: String,
    pub date: NaiveDate,
}

/// B2: `GET /projects/{id}/gantt` — every task that is not archived (by start, undated last),
/// the dependencies between them, the milestones, the critical path (first task first), the
/// calendar to shade days off with, and today in the project's time zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GanttResponse {
    pub tasks: Vec<GanttTask>,
    pub dependencies: Vec<GanttDependency>,
    pub milestones: Vec<GanttMilestone>,
    pub critical_path: Vec<Uuid>,
    pub calendar: crate::ProjectCalendar,
    pub today: NaiveDate,
}
