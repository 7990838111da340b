//! The seed format (`tandem seed FILE`, `tandem export`): what CI scripts write. One set of
//! types is read by the CLI and described by the JSON Schema under `api-spec/`.
//!
//! Every object has a `key`, the script's own name for it, kept on the server: references
//! inside the file use keys, and a second run finds the objects the first one made. A field
//! left out is left alone on objects that exist; a clearable field set to `null` is cleared.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tandem_dto::{Priority, ProjectRole, SystemRole, TaskStatus};

/// A field that can be cleared: left out, it is left alone; `null` clears it.
pub type Clearable<T> = Option<Option<T>>;

/// The value of a clearable field when it has one.
pub fn set<T>(v: &Clearable<T>) -> Option<&T> {
    v.as_ref().and_then(Option::as_ref)
}

/// Reads `null` as "clear" (`Some(None)`) rather than as "left out" (`None`).
fn clearable<'de, D, T>(d: D) -> Result<Clearable<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A whole seed file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Tandem seed file")]
pub struct SeedFile {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub departments: Vec<Department>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<User>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub projects: Vec<Project>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Department {
    /// Unique among departments.
    #[schemars(length(min = 1, max = 200))]
    pub key: String,
    #[schemars(length(min = 1, max = 100))]
    pub name: String,
    /// Another department's key.
    #[serde(
        default,
        deserialize_with = "clearable",
        skip_serializing_if = "Option::is_none"
    )]
    pub parent: Clearable<String>,
    /// A user's key: the department's head.
    #[serde(
        default,
        deserialize_with = "clearable",
        skip_serializing_if = "Option::is_none"
    )]
    pub head: Clearable<String>,
}

/// Whether a seeded account may log in at once or waits for approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SeedUserStatus {
    Active,
    Pending,
    Deactivated,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// Unique among users.
    #[schemars(length(min = 1, max = 200))]
    pub key: String,
    /// E-mail, employee ID, or both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_id: Option<String>,
    #[schemars(length(min = 1, max = 100))]
    pub name: String,
    /// A department's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[schemars(length(min = 1, max = 100))]
    pub position: String,
    /// `member` when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>", extend("enum" = ["admin", "member"]))]
    pub role: Option<SystemRole>,
    /// `active` when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<SeedUserStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// A user's key.
    pub user: String,
    #[schemars(with = "String", extend("enum" = ["admin", "editor", "viewer"]))]
    pub role: ProjectRole,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Milestone {
    /// Unique among the project's milestones.
    #[schemars(length(min = 1, max = 200))]
    pub key: String,
    #[schemars(length(min = 1, max = 200))]
    pub name: String,
    /// Within the project's period.
    pub date: NaiveDate,
    #[serde(
        default,
        deserialize_with = "clearable",
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Clearable<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Comment {
    /// Unique among the project's comments.
    #[schemars(length(min = 1, max = 200))]
    pub key: String,
    /// Markdown; `@name` mentions notify members.
    #[schemars(length(min = 1, max = 10000))]
    pub body: String,
    /// Who wrote it (a user's key). Written by `export`; a seed posts every comment as the
    /// token's user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// Unique among the project's tasks.
    #[schemars(length(min = 1, max = 200))]
    pub key: String,
    #[schemars(length(min = 1, max = 300))]
    pub title: String,
    /// Markdown.
    #[serde(
        default,
        deserialize_with = "clearable",
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Clearable<String>,
    /// A user's key, e-mail or employee ID; the user must be a member of the project.
    #[serde(
        default,
        deserialize_with = "clearable",
        skip_serializing_if = "Option::is_none"
    )]
    pub assignee: Clearable<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>", extend("enum" = ["high", "medium", "low"]))]
    pub priority: Option<Priority>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>", extend("enum" = ["todo", "in_progress", "in_review", "done", "archived"]))]
    pub status: Option<TaskStatus>,
    #[serde(
        default,
        deserialize_with = "clearable",
        skip_serializing_if = "Option::is_none"
    )]
    pub start_date: Clearable<NaiveDate>,
    #[serde(
        default,
        deserialize_with = "clearable",
        skip_serializing_if = "Option::is_none"
    )]
    pub due_date: Clearable<NaiveDate>,
    /// A milestone's key in the same project.
    #[serde(
        default,
        deserialize_with = "clearable",
        skip_serializing_if = "Option::is_none"
    )]
    pub milestone: Clearable<String>,
    /// A top-level task's key in the same project (one level of sub-tasks).
    #[serde(
        default,
        deserialize_with = "clearable",
        skip_serializing_if = "Option::is_none"
    )]
    pub parent: Clearable<String>,
    /// Keys of the tasks (same project) this one waits for: all of them — a predecessor in
    /// this project that the list leaves out is removed (`[]` removes every one); left out,
    /// the task's dependencies are left alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depends_on: Option<Vec<String>>,
    #[serde(
        default,
        deserialize_with = "clearable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(range(min = 0.0, max = 10000.0))]
    pub estimate_hours: Clearable<f64>,
    /// Percent done (recorded as a progress update).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 100))]
    pub progress: Option<i32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comments: Vec<Comment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// Unique among projects.
    #[schemars(length(min = 1, max = 200))]
    pub key: String,
    #[schemars(length(min = 1, max = 200))]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal: Option<String>,
    /// Department keys, at least one.
    #[schemars(length(min = 1))]
    pub departments: Vec<String>,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// IANA time zone (default Asia/Shanghai).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Member>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub milestones: Vec<Milestone>,
    /// The days the project works (B3; default Monday to Friday, no holidays). When given, it
    /// replaces the project's calendar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<Calendar>,
    /// Work-in-progress limits of the Kanban board's columns (B1). When given, they replace
    /// the project's (an empty list removes them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wip_limits: Option<Vec<WipLimit>>,
    /// New tasks join the board in the order they are listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<Task>,
}

/// A board column's work-in-progress limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WipLimit {
    #[schemars(with = "String", extend("enum" = ["todo", "in_progress", "in_review", "done"]))]
    pub status: tandem_dto::TaskStatus,
    #[schemars(range(min = 1, max = 999))]
    pub limit: i32,
}

impl WipLimit {
    pub fn to_dto(list: &[WipLimit]) -> tandem_dto::BoardLimits {
        let mut limits: Vec<tandem_dto::WipLimit> = list
            .iter()
            .map(|l| tandem_dto::WipLimit {
                status: l.status,
                limit: l.limit,
            })
            .collect();
        // Compared and sent in column order, as the server keeps them.
        limits.sort_by_key(|l| {
            tandem_dto::TaskStatus::ALL
                .iter()
                .position(|s| *s == l.status)
        });
        tandem_dto::BoardLimits { limits }
    }

    /// The limits a board shows on its columns.
    pub fn from_board(b: &tandem_dto::BoardResponse) -> Vec<WipLimit> {
        b.columns
            .iter()
            .filter_map(|c| {
                Some(WipLimit {
                    status: c.status,
                    limit: c.wip_limit?,
                })
            })
            .collect()
    }
}

/// A project's work calendar (`PUT /projects/{id}/calendar`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    /// Worked weekdays.
    #[schemars(with = "Vec<String>", extend("items" = {"enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}))]
    pub work_days: Vec<tandem_dto::Weekday>,
    /// Days off although their weekday is worked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holidays: Vec<CalendarDay>,
    /// Days worked although their weekday is not (调休).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_work_days: Vec<CalendarDay>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarDay {
    pub date: NaiveDate,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schemars(length(max = 100))]
    pub name: String,
}

impl Calendar {
    pub fn to_dto(&self) -> tandem_dto::ProjectCalendar {
        let day = |d: &CalendarDay| tandem_dto::CalendarDay {
            date: d.date,
            name: d.name.clone(),
        };
        tandem_dto::ProjectCalendar {
            work_days: self.work_days.clone(),
            holidays: self.holidays.iter().map(day).collect(),
            extra_work_days: self.extra_work_days.iter().map(day).collect(),
        }
    }

    pub fn from_dto(c: &tandem_dto::ProjectCalendar) -> Self {
        let day = |d: &tandem_dto::CalendarDay| CalendarDay {
            date: d.date,
            name: d.name.clone(),
        };
        Self {
            work_days: c.work_days.clone(),
            holidays: c.holidays.iter().map(day).collect(),
            extra_work_days: c.extra_work_days.iter().map(day).collect(),
        }
    }
}

/// The JSON Schema of the format, as committed under `api-spec/seed.schema.json`.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(SeedFile);
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}
