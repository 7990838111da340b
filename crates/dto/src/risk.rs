//! Delay risk (B3) as the wire carries it: each flag with its reasons as data, which the web
//! app turns into a sentence in the reader's language. Computed by `tandem_domain::risk`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Why a task (or milestone, or project) is flagged. `code` names the case; the other fields
/// are what a sentence about it needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum RiskReason {
    /// Past its due date and not done.
    Overdue { due: NaiveDate, days_late: i64 },
    /// At the pace reported so far it finishes after its due date.
    BehindPace {
        projected_finish: NaiveDate,
        due: NaiveDate,
        percent: u8,
    },
    /// No progress reported for longer than the project allows (a share of the planned span).
    NoProgress {
        since: NaiveDate,
        working_days: i64,
        due: NaiveDate,
    },
    /// A predecessor is not done, and from its (projected) finish the task has fewer working
    /// days before its due date than it needs.
    Blocked {
        predecessor_id: Uuid,
        predecessor_finish: NaiveDate,
        due: NaiveDate,
        needed_days: i64,
        available_days: i64,
    },
    /// Roll-ups: a task that makes a milestone or project at risk or late.
    Task { task_id: Uuid },
    /// A milestone whose date passed with tasks still open.
    MilestoneMissed { milestone_id: Uuid, date: NaiveDate },
    /// The project's end date passed with tasks still open.
    EndPassed { end: NaiveDate, open_tasks: i64 },
}

/// How a project stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProjectHealth {
    OnTrack,
    AtRisk,
    Late,
}

/// A flagged task of `GET /projects/{id}/risks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskRiskResponse {
    pub task_id: Uuid,
    pub title: String,
    pub due_date: Option<NaiveDate>,
    pub overdue: bool,
    pub at_risk: bool,
    pub blocked: bool,
    /// When it finishes at the pace reported so far (its due date without reports).
    pub projected_finish: Option<NaiveDate>,
    pub reasons: Vec<RiskReason>,
}

/// `GET /projects/{id}/risks`: how the project stands and why, and its flagged tasks (due
/// first, undated last).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectRisksResponse {
    pub health: ProjectHealth,
    pub reasons: Vec<RiskReason>,
    pub items: Vec<TaskRiskResponse>,
}
