//! Kanban boards (B1): `GET /projects/{id}/board`, `GET /me/board`, moving cards, and
//! work-in-progress limits.

use serde::{Deserialize, Serialize};
use uuid::Uuid;
#[cfg(feature = "validate")]
use validator::Validate;

use crate::{TaskResponse, TaskStatus};

/// What a board's swimlanes group cards by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Swimlane {
    Assignee,
    /// The assignee's department.
    Department,
    Milestone,
    /// The task's project (useful on "my tasks", across projects).
    Project,
}

/// One column of a board: the tasks with one status, in board order, one page at a time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoardColumn {
    pub status: TaskStatus,
    /// How many tasks the column holds under the board's filters (all pages).
    pub count: i64,
    /// The project's work-in-progress limit for this column (`null`: none; never on "my
    /// tasks"). More cards than this are shown as exceeding it, not refused.
    pub wip_limit: Option<i32>,
    pub cards: Vec<TaskResponse>,
    /// The next page of this column alone: `GET` the board again with `column` and `cursor`.
    pub next_cursor: Option<String>,
}

/// A column's count within one swimlane.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LaneCount {
    pub status: TaskStatus,
    pub count: i64,
}

/// One swimlane: the cards whose assignee, department, milestone or project is `id`
/// (`null`: none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoardLane {
    pub id: Option<Uuid>,
    /// The person's, department's, milestone's or project's name (`null` for the lane of
    /// cards without one).
    pub name: Option<String>,
    /// Department lanes: the assignees of the board's tasks who belong to the department
    /// (a card is in the lane of its assignee's department).
    #[serde(default)]
    pub members: Vec<Uuid>,
    pub counts: Vec<LaneCount>,
}

/// A Kanban board. Cards are task responses; live `task.*` events keep them current (a
/// card's column is its `status`, its place its `board_rank`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoardResponse {
    pub columns: Vec<BoardColumn>,
    pub swimlane: Option<Swimlane>,
    /// The swimlanes with their counts, largest first, the lane of cards without one last.
    pub lanes: Vec<BoardLane>,
}

/// `POST /tasks/{id}/move`: a card dropped on a board. Name both neighbours it was dropped
/// between as the mover saw them (the column may be paged); neither puts it at the end.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MoveTaskRequest {
    /// The column dropped on (absent: the card stays in its column). Follows the lifecycle.
    #[serde(default)]
    pub status: Option<TaskStatus>,
    /// The card now right above it.
    #[serde(default)]
    pub after_id: Option<Uuid>,
    /// The card now right below it.
    #[serde(default)]
    pub before_id: Option<Uuid>,
}

/// A column's work-in-progress limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct WipLimit {
    pub status: TaskStatus,
    #[cfg_attr(feature = "validate", validate(range(min = 1, max = 999)))]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 999))]
    pub limit: i32,
}

/// `PUT /projects/{id}/board/limits`: a project's limits, replaced whole (a column left out
/// has none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct BoardLimits {
    #[cfg_attr(feature = "validate", validate(length(max = 5), nested))]
    #[cfg_attr(feature = "openapi", schema(max_items = 5))]
    pub limits: Vec<WipLimit>,
}
