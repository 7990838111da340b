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
    /// The file library's folders (F1), a parent before its children.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub folders: Vec<Folder>,
    /// The file library's files (F1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<File>,
}

/// Who a grant is for: one user or one department (by key), and what they may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// A user's key (or `department`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// A department's key (or `user`); covers its sub-departments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[schemars(with = "String", extend("enum" = ["view", "edit", "manage"]))]
    pub level: tandem_dto::FileLevel,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Folder {
    /// Unique among the project's folders.
    #[schemars(length(min = 1, max = 200))]
    pub key: String,
    /// Unique in its parent folder (ignoring case); no `/` or `\`.
    #[schemars(length(min = 1, max = 255))]
    pub name: String,
    /// The parent folder's key; left out or `null`: the top of the library.
    #[serde(
        default,
        deserialize_with = "clearable",
        skip_serializing_if = "Option::is_none"
    )]
    pub parent: Clearable<String>,
    /// Seen only by its grantees (F3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restricted: Option<bool>,
    /// Who may do what, on top of project roles. When given, they replace the folder's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grants: Option<Vec<Grant>>,
}

/// What a library entry is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SeedFileKind {
    /// Stored bytes, versioned by upload.
    #[default]
    File,
    /// A co-edited Markdown document (F5): its content is the live text; a different text
    /// is applied as edits and saved as a version.
    Doc,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct File {
    /// Unique among the project's files.
    #[schemars(length(min = 1, max = 200))]
    pub key: String,
    /// `file` (left out) or `doc`. A file never becomes a document, nor the other way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<SeedFileKind>,
    /// Unique in its folder (ignoring case); no `/` or `\`.
    #[schemars(length(min = 1, max = 255))]
    pub name: String,
    /// The folder's key; left out or `null`: the top of the library.
    #[serde(
        default,
        deserialize_with = "clearable",
        skip_serializing_if = "Option::is_none"
    )]
    pub folder: Clearable<String>,
    /// The content as UTF-8 text. At most one of `content`, `content_base64` and `path`; a
    /// file left without any must exist already (its content is left alone). Content that
    /// differs from the current version's becomes a new version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// The content, base64-encoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_base64: Option<String>,
    /// The content is this file's, relative to the seed file's directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The note of the version the content makes (at most 1000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1000))]
    pub note: Option<String>,
    /// The content's SHA-256, written by `export`; a seed checks the content against it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Keys of the project's tasks the file is linked to. When given, they replace the links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tasks: Option<Vec<String>>,
    /// Who may do what, on top of project roles. When given, they replace the file's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grants: Option<Vec<Grant>>,
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
