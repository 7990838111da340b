//! P1–P5, T1–T10: projects, members, milestones, tasks and their progress and activity.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
#[cfg(feature = "validate")]
use validator::Validate;

wire_enum!(
    /// A member's role in one project.
    ProjectRole {
        /// Manages members and settings, and everything an editor does.
        Admin => "admin",
        /// Creates and changes tasks, milestones, comments.
        Editor => "editor",
        /// Reads everything, changes nothing.
        Viewer => "viewer",
    }
);

wire_enum!(
    /// Whether a project is in use.
    ProjectStatus {
        /// Open for work.
        Active => "active",
        /// Read-only; can be restored.
        Archived => "archived",
    }
);

wire_enum!(
    /// Where a task is in its lifecycle.
    TaskStatus {
        /// Not started.
        Todo => "todo",
        /// Being worked on.
        InProgress => "in_progress",
        /// Waiting for review.
        InReview => "in_review",
        /// Finished.
        Done => "done",
        /// Finished and put away.
        Archived => "archived",
    }
);

wire_enum!(
    /// How urgent a task is.
    Priority {
        /// Do first.
        High => "high",
        /// Normal.
        Medium => "medium",
        /// When there is time.
        Low => "low",
    }
);

/// P1: a new project. The creator becomes its administrator.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct CreateProjectRequest {
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 200)))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = r"\S")
    )]
    pub name: String,
    /// The project's overall goal.
    #[serde(default)]
    #[cfg_attr(feature = "validate", validate(length(max = 5000)))]
    #[cfg_attr(feature = "openapi", schema(max_length = 5000))]
    pub goal: String,
    /// Collaborating departments, at least one.
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 100)))]
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 100))]
    pub department_ids: Vec<Uuid>,
    pub start_date: NaiveDate,
    /// On or after `start_date`.
    pub end_date: NaiveDate,
    /// IANA time zone for due dates and "overdue"; default `Asia/Shanghai`.
    #[serde(default)]
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 64)))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 64,
            pattern = r"^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$"
        )
    )]
    pub time_zone: Option<String>,
    /// Milestones within the project's period.
    #[serde(default)]
    #[cfg_attr(feature = "validate", validate(length(max = 100), nested))]
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub milestones: Vec<CreateMilestoneRequest>,
    /// The caller's name for the object (see `/external-keys`); unique among its kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = r"^\S(.*\S)?$")
    )]
    pub external_key: Option<String>,
}

/// P4/P5: change a project (administrators). `status: archived` archives, `active` restores.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct UpdateProjectRequest {
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 200)))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = r"\S")
    )]
    pub name: Option<String>,
    #[cfg_attr(feature = "validate", validate(length(max = 5000)))]
    #[cfg_attr(feature = "openapi", schema(max_length = 5000))]
    pub goal: Option<String>,
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 100)))]
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 100))]
    pub department_ids: Option<Vec<Uuid>>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 64)))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 64,
            pattern = r"^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$"
        )
    )]
    pub time_zone: Option<String>,
    pub status: Option<ProjectStatus>,
}

/// A project with the figures the project center shows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectResponse {
    pub id: Uuid,
    pub name: String,
    pub goal: String,
    pub status: ProjectStatus,
    pub department_ids: Vec<Uuid>,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub time_zone: String,
    pub created_by: Uuid,
    /// The caller's role; `null` for a system administrator who is not a member.
    pub my_role: Option<ProjectRole>,
    /// Tasks (not archived) and how many of them are done.
    pub tasks_total: i64,
    pub tasks_done: i64,
    /// Open tasks past their due date.
    pub tasks_overdue: i64,
    /// Open tasks at risk of delay by the project's last risk evaluation (B3: behind pace or
    /// no progress; see `GET /projects/{id}/risks`).
    pub tasks_at_risk: i64,
    /// The next milestone on or after today, if any.
    pub next_milestone: Option<MilestoneResponse>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Increases with every change (the `ETag` is this number in quotes).
    pub version: i64,
}

/// P1: a milestone.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct CreateMilestoneRequest {
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 200)))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = r"\S")
    )]
    pub name: String,
    /// Within the project's period.
    pub date: NaiveDate,
    #[serde(default)]
    #[cfg_attr(feature = "validate", validate(length(max = 2000)))]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub description: Option<String>,
    /// The caller's name for the object (see `/external-keys`); unique among its kind in the project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = r"^\S(.*\S)?$")
    )]
    pub external_key: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct UpdateMilestoneRequest {
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 200)))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = r"\S")
    )]
    pub name: Option<String>,
    pub date: Option<NaiveDate>,
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, max_length = 2000))]
    pub description: Option<Option<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MilestoneResponse {
    pub id: Uuid,
    pub project_id: Uuid,
    pub name: String,
    pub date: NaiveDate,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Increases with every change (the `ETag` is this number in quotes).
    pub version: i64,
}

/// P2: add a member.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddMemberRequest {
    /// An active user.
    pub user_id: Uuid,
    pub role: ProjectRole,
}

/// P2: change a member's role.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateMemberRequest {
    pub role: ProjectRole,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberResponse {
    pub user_id: Uuid,
    pub name: String,
    pub department_id: Option<Uuid>,
    pub position: String,
    pub has_avatar: bool,
    pub role: ProjectRole,
    pub added_at: DateTime<Utc>,
}
