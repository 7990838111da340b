//! I3: what CI scripts and integrators need beyond the per-object resources: external keys
//! (their own names for objects, kept on the server), accounts created by an administrator,
//! tasks written a thousand at a time, and whole-project reads for export.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Priority, SystemRole, TaskStatus, UserStatus};

/// The longest external key.
pub const EXTERNAL_KEY_MAX: usize = 200;
/// The most tasks one batch may carry.
pub const TASK_BATCH_MAX: usize = 1000;

/// An external key: 1–200 characters, no leading or trailing white space, no control
/// characters. Checked the same way on the server and in the CLI.
pub fn external_key_ok(k: &str) -> bool {
    !k.is_empty()
        && k.chars().count() <= EXTERNAL_KEY_MAX
        && k.trim() == k
        && !k.chars().any(char::is_control)
}

/// The kinds of object an external key can name. Departments, users and projects have keys
/// unique in the instance; milestones, tasks, comments, folders and files have keys unique in
/// their project.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExternalKeyKind {
    Department,
    User,
    Project,
    Milestone,
    Task,
    Comment,
    /// A folder of a project's file library.
    Folder,
    /// A file of a project's file library (not a task attachment).
    File,
}

impl ExternalKeyKind {
    pub const ALL: [ExternalKeyKind; 8] = [
        Self::Department,
        Self::User,
        Self::Project,
        Self::Milestone,
        Self::Task,
        Self::Comment,
        Self::Folder,
        Self::File,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Department => "department",
            Self::User => "user",
            Self::Project => "project",
            Self::Milestone => "milestone",
            Self::Task => "task",
            Self::Comment => "comment",
            Self::Folder => "folder",
            Self::File => "file",
        }
    }

    /// Whether keys of this kind are unique per project rather than in the instance.
    pub fn in_project(self) -> bool {
        matches!(
            self,
            Self::Milestone | Self::Task | Self::Comment | Self::Folder | Self::File
        )
    }
}

/// One external key and the object it names.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExternalKeyResponse {
    pub kind: ExternalKeyKind,
    pub key: String,
    /// The object's id.
    pub id: Uuid,
    /// For milestones, tasks and comments: the project the key is unique in.
    pub project_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// Give an existing object an external key (for objects made before a script named them,
/// e.g. an account that registered itself). The project of a milestone, task or comment
/// follows from the object.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BindExternalKeyRequest {
    pub kind: ExternalKeyKind,
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = r"^\S(.*\S)?$")
    )]
    pub key: String,
    pub id: Uuid,
}

/// A5/I3: an account made by an administrator (no approval queue). Either `email` or
/// `employee_id` (or both) is required.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    #[cfg_attr(feature = "validate", validate(email, length(max = 254)))]
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 254, format = Email))]
    pub email: Option<String>,
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 64)))]
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = r"^[^@]*[^@\s][^@]*$")
    )]
    pub employee_id: Option<String>,
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 100)))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 100, pattern = r"\S")
    )]
    pub name: String,
    /// An existing department.
    #[serde(default)]
    pub department_id: Option<Uuid>,
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 100)))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 100, pattern = r"\S")
    )]
    pub position: String,
    /// Default `member`.
    #[serde(default)]
    pub role: Option<SystemRole>,
    /// `active` (default), `pending` (waits in the approval queue like a registration) or
    /// `deactivated` (a former employee, kept for history; cannot log in).
    #[serde(default)]
    pub status: Option<UserStatus>,
    /// At least 10 characters.
    #[cfg_attr(feature = "validate", validate(length(min = 10, max = 256)))]
    #[cfg_attr(feature = "openapi", schema(min_length = 10, max_length = 256))]
    pub password: String,
    /// The caller's name for the account (unique among users).
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = r"^\S(.*\S)?$")
    )]
    pub external_key: Option<String>,
}

/// One task of a batch, named by its external key. A key the project already knows updates
/// that task (absent fields are left alone, `null` clears); a new key creates one (`title`
/// required). References are keys in the same project: `parent` and `depends_on` name tasks
/// (of this batch or written before), `milestone` a milestone.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TaskBatchItem {
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = r"^\S(.*\S)?$")
    )]
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 300, pattern = r"\S")
    )]
    pub title: Option<String>,
    /// Markdown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 20000))]
    pub description: Option<String>,
    /// A member of the project.
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Uuid>))]
    pub assignee_id: Option<Option<Uuid>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    /// Any status for a new task (an import); an existing task walks the lifecycle to it,
    /// each step recorded in its activity. A task that becomes done is at 100 %.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    /// A milestone's external key.
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 200))]
    pub milestone: Option<Option<String>>,
    /// A top-level task's external key (one level of sub-tasks).
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 200))]
    pub parent: Option<Option<String>>,
    /// The external keys of every predecessor in this project (replaces the task's
    /// predecessors in this project; those in other projects stay).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub depends_on: Option<Vec<String>>,
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<f64>, minimum = 0.0, maximum = 10000.0))]
    pub estimate_hours: Option<Option<f64>>,
    /// Percent done, 0–100 (100 for a done task): a new value is recorded as a progress
    /// update by the caller (who must be the assignee or a project administrator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100))]
    pub progress: Option<i32>,
}

/// I3: up to 1000 tasks written in one transaction, all or nothing.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TaskBatchRequest {
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 1000))]
    pub tasks: Vec<TaskBatchItem>,
    /// Answer what would happen, write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// What a batch did (or, in a dry run, would do) to one object.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BatchOutcome {
    Created,
    Updated,
    Unchanged,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskBatchResult {
    pub key: String,
    /// The task's id (in a dry run, the id it would get).
    pub id: Uuid,
    pub outcome: BatchOutcome,
    /// The fields that changed (or would).
    pub changed: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskBatchResponse {
    pub dry_run: bool,
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
    /// In the order of the request.
    pub items: Vec<TaskBatchResult>,
}

/// T8: one dependency of a project's task ("`task_id` waits for `depends_on_id`").
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DependencyEdgeResponse {
    pub task_id: Uuid,
    pub depends_on_id: Uuid,
    /// The predecessor's project (dependencies may cross projects); `null` when the caller
    /// may not see that project.
    pub depends_on_project_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}
