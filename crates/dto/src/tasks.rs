//! T1–T10: tasks, progress updates and the activity log.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Priority, TaskStatus};

/// T1: a new task.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct CreateTaskRequest {
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 300)))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 300, pattern = r"\S")
    )]
    pub title: String,
    /// Markdown.
    #[serde(default)]
    #[cfg_attr(feature = "validate", validate(length(max = 20000)))]
    #[cfg_attr(feature = "openapi", schema(max_length = 20000))]
    pub description: String,
    /// A member of the project.
    #[serde(default)]
    pub assignee_id: Option<Uuid>,
    #[serde(default)]
    pub priority: Option<Priority>,
    #[serde(default)]
    pub start_date: Option<NaiveDate>,
    /// On or after `start_date`.
    #[serde(default)]
    pub due_date: Option<NaiveDate>,
    /// A milestone of the same project.
    #[serde(default)]
    pub milestone_id: Option<Uuid>,
    /// A top-level task of the same project (one level of sub-tasks).
    #[serde(default)]
    pub parent_id: Option<Uuid>,
    /// Hours, 0–10000.
    #[serde(default)]
    #[cfg_attr(feature = "validate", validate(range(min = 0.0, max = 10000.0)))]
    #[cfg_attr(feature = "openapi", schema(minimum = 0.0, maximum = 10000.0))]
    pub estimate_hours: Option<f64>,
    /// The caller's name for the object (see `/external-keys`); unique among its kind in the project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = r"^\S(.*\S)?$")
    )]
    pub external_key: Option<String>,
}

/// T1/T2: change a task. Nullable fields take `null` to clear them. Status changes follow the
/// lifecycle (409 `invalid_transition` otherwise). Needs a current `If-Match` (T10).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct UpdateTaskRequest {
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 300)))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 300, pattern = r"\S")
    )]
    pub title: Option<String>,
    #[cfg_attr(feature = "validate", validate(length(max = 20000)))]
    #[cfg_attr(feature = "openapi", schema(max_length = 20000))]
    pub description: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Uuid>))]
    pub assignee_id: Option<Option<Uuid>>,
    pub priority: Option<Priority>,
    pub status: Option<TaskStatus>,
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<NaiveDate>))]
    pub start_date: Option<Option<NaiveDate>>,
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<NaiveDate>))]
    pub due_date: Option<Option<NaiveDate>>,
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Uuid>))]
    pub milestone_id: Option<Option<Uuid>>,
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Uuid>))]
    pub parent_id: Option<Option<Uuid>>,
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<f64>, minimum = 0.0, maximum = 10000.0))]
    pub estimate_hours: Option<Option<f64>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskResponse {
    pub id: Uuid,
    pub project_id: Uuid,
    pub title: String,
    /// Markdown as written.
    pub description: String,
    /// The description rendered to sanitized HTML.
    pub description_html: String,
    pub assignee_id: Option<Uuid>,
    pub priority: Priority,
    pub status: TaskStatus,
    pub start_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub milestone_id: Option<Uuid>,
    pub parent_id: Option<Uuid>,
    pub estimate_hours: Option<f64>,
    /// The latest progress update's percent (done tasks count as 100).
    pub progress: i32,
    /// Due before today in the project's time zone and not done (T6).
    pub overdue: bool,
    /// A predecessor (T8) is not done yet.
    pub blocked: bool,
    /// Number of sub-tasks and how many are done (T1 roll-up).
    pub subtasks_total: i64,
    pub subtasks_done: i64,
    /// B3: overdue, at risk or blocked, and why (`null`: not flagged). From the last risk
    /// evaluation, which follows a change within moments (`risk.changed` tells).
    #[serde(default)]
    pub risk: Option<crate::TaskRiskSummary>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Increases with every change (the `ETag` is this number in quotes): of two copies of a
    /// task, the one with the higher version is the newer.
    pub version: i64,
    /// B1: its place on boards — cards sort by this string, then by id.
    #[serde(default)]
    pub board_rank: String,
}

/// A task as live events carry it (`task.created`, `task.updated`): every field of
/// `TaskResponse` except the description, which can be long (fetch `GET /tasks/{id}` when
/// `version` is newer than the copy you hold and you show the description).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskEvent {
    pub id: Uuid,
    pub project_id: Uuid,
    pub title: String,
    pub assignee_id: Option<Uuid>,
    pub priority: Priority,
    pub status: TaskStatus,
    pub start_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub milestone_id: Option<Uuid>,
    pub parent_id: Option<Uuid>,
    pub estimate_hours: Option<f64>,
    pub progress: i32,
    pub overdue: bool,
    pub blocked: bool,
    pub subtasks_total: i64,
    pub subtasks_done: i64,
    #[serde(default)]
    pub risk: Option<crate::TaskRiskSummary>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Discard an event whose version is not newer than the copy you hold: events of one task
    /// can arrive after a newer read.
    pub version: i64,
    #[serde(default)]
    pub board_rank: String,
}

impl From<&TaskResponse> for TaskEvent {
    fn from(t: &TaskResponse) -> Self {
        Self {
            id: t.id,
            project_id: t.project_id,
            title: t.title.clone(),
            assignee_id: t.assignee_id,
            priority: t.priority,
            status: t.status,
            start_date: t.start_date,
            due_date: t.due_date,
            milestone_id: t.milestone_id,
            parent_id: t.parent_id,
            estimate_hours: t.estimate_hours,
            progress: t.progress,
            overdue: t.overdue,
            blocked: t.blocked,
            subtasks_total: t.subtasks_total,
            subtasks_done: t.subtasks_done,
            risk: t.risk.clone(),
            created_by: t.created_by,
            created_at: t.created_at,
            updated_at: t.updated_at,
            version: t.version,
            board_rank: t.board_rank.clone(),
        }
    }
}

/// T3: a progress update by the assignee or a project administrator.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct CreateProgressRequest {
    #[cfg_attr(feature = "validate", validate(range(min = 0, max = 100)))]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100))]
    pub percent: i32,
    #[serde(default)]
    #[cfg_attr(feature = "validate", validate(length(max = 2000)))]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub note: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgressResponse {
    pub id: Uuid,
    pub task_id: Uuid,
    pub user_id: Uuid,
    pub percent: i32,
    pub note: String,
    pub created_at: DateTime<Utc>,
}

/// T9: one change to a task.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityResponse {
    pub id: Uuid,
    pub task_id: Uuid,
    pub actor_id: Option<Uuid>,
    /// `created`, or the field that changed (`status`, `assignee_id`, …).
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    /// Who made the change, by name (also after they left the project).
    pub actor_name: Option<String>,
    /// For values that name something (assignee, milestone, parent task, dependency): its
    /// name or title, when the caller may see it; `None` otherwise or for plain values.
    pub old_label: Option<String>,
    pub new_label: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// T8: make a task wait for another (finish-to-start), in any project the caller can see.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateDependencyRequest {
    /// The predecessor: this task is blocked until it is done.
    pub depends_on: Uuid,
}

/// A task seen from another one (a dependency's other end).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskRef {
    pub id: Uuid,
    pub project_id: Uuid,
    pub title: String,
    pub status: TaskStatus,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DependencyResponse {
    pub task_id: Uuid,
    /// The predecessor; `null` details when it is in a project the caller cannot see.
    pub depends_on_id: Uuid,
    pub depends_on: Option<TaskRef>,
    /// The predecessor is not done yet.
    pub blocking: bool,
    pub created_at: DateTime<Utc>,
}

/// T4: a comment (Markdown; `@name` mentions project members).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct CommentRequest {
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 10000)))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 10000, pattern = r"\S")
    )]
    pub body: String,
    /// The caller's name for the object (see `/external-keys`); unique among its kind in the project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = r"^\S(.*\S)?$")
    )]
    pub external_key: Option<String>,
}

/// T4: edit a comment's text.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct UpdateCommentRequest {
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 10000)))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 10000, pattern = r"\S")
    )]
    pub body: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommentResponse {
    pub id: Uuid,
    pub task_id: Uuid,
    pub author_id: Uuid,
    /// Markdown as written.
    pub body: String,
    /// Rendered and sanitized.
    pub body_html: String,
    /// Members mentioned with `@name`.
    pub mentions: Vec<Uuid>,
    pub edited: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Increases with every change (the `ETag` is this number in quotes).
    pub version: i64,
}

/// Markdown to preview.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct MarkdownRequest {
    #[cfg_attr(feature = "validate", validate(length(max = 20000)))]
    #[cfg_attr(feature = "openapi", schema(max_length = 20000))]
    pub text: String,
}

/// The same sanitized HTML the server stores for descriptions and comments.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MarkdownResponse {
    pub html: String,
}

/// T5: who may replace or delete an attachment.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AttachmentPermission {
    /// Everyone who may edit the task.
    Project,
    /// Only the task's assignee (and project administrators).
    AssigneeOnly,
}

impl AttachmentPermission {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Project => "project",
            Self::AssigneeOnly => "assignee_only",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "project" => Some(Self::Project),
            "assignee_only" => Some(Self::AssigneeOnly),
            _ => None,
        }
    }
}

/// T5: an attached file and its current version.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttachmentResponse {
    pub id: Uuid,
    pub task_id: Uuid,
    /// The file name as uploaded (display only; never used as a path).
    pub name: String,
    pub permission: AttachmentPermission,
    /// When set, only these people (plus the uploader and project administrators) see it.
    pub viewers: Option<Vec<Uuid>>,
    pub current_version: i32,
    pub size: i64,
    pub sha256: String,
    pub content_type: String,
    /// The caller may upload new versions or delete it.
    pub can_edit: bool,
    /// The caller may change who sees it (`viewers`) or edits it (`permission`): its uploader
    /// and project administrators.
    pub can_manage: bool,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Increases with every change (the `ETag` is this number in quotes).
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttachmentVersionResponse {
    pub number: i32,
    pub name: String,
    pub size: i64,
    pub sha256: String,
    pub content_type: String,
    pub uploaded_by: Uuid,
    pub created_at: DateTime<Utc>,
}

/// T5: change who may edit or see an attachment.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateAttachmentRequest {
    pub permission: Option<AttachmentPermission>,
    /// A list of project members (at most 200), or `null` for everyone who sees the task.
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<Uuid>>, max_items = 200))]
    pub viewers: Option<Option<Vec<Uuid>>>,
}
