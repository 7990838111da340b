//! The WebSocket `/api/v1/ws` protocol (API.md "WebSocket"): the frames both sides send, and
//! the payload of every event kind.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The client's first text frame: authenticates, and may resume after the last event it saw.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WsHello {
    /// Always `hello`.
    #[serde(rename = "type")]
    pub kind: String,
    /// An access token or a personal access token (scope `read`).
    pub token: String,
    /// The id of the last event received before a reconnect; missed events come first.
    #[serde(default)]
    pub resume_from: Option<u64>,
}

/// What the server sends.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WsServerFrame {
    /// Authenticated; `last_event_id` is the newest event so far (resume from it later).
    Ready { last_event_id: u64 },
    /// One event the caller may see. Ids strictly increase.
    Event {
        id: u64,
        kind: String,
        project_id: Option<Uuid>,
        /// Who made the change, when a person did (`null` for the server's own work, such as
        /// due-date reminders). Lets a page say whose change just arrived.
        #[serde(default)]
        actor_id: Option<Uuid>,
        /// The payload of `kind` (see `WsEventKind`).
        data: serde_json::Value,
    },
    /// The resume point is too old (or the server restarted): refetch what is on screen.
    Gap,
}

/// Event kinds and their `data`:
/// `task.created`, `task.updated` — a `TaskEvent` (a task without its description, with its
/// `version`); `task.deleted` — `TaskDeletedEvent`;
/// `comment.created`, `comment.updated` — a `CommentResponse`; `comment.deleted` —
/// `CommentDeletedEvent`; `progress.created` — a `ProgressResponse`;
/// `milestone.created`, `milestone.updated` — a `MilestoneResponse`; `milestone.deleted` —
/// `MilestoneDeletedEvent`; `attachment.created` — `AttachmentCreatedEvent`; `member.added`, `member.removed` —
/// `MemberEvent`; `notification.created` — a `NotificationResponse` (to its recipient only);
/// `risk.changed` — `RiskChangedEvent` (a project's risk evaluation changed tasks' `risk`);
/// `library.changed` — `LibraryChangedEvent` (a folder or file was added, changed, trashed,
/// restored or removed; only to those who may see it).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WsEventKind {
    #[serde(rename = "task.created")]
    TaskCreated,
    #[serde(rename = "task.updated")]
    TaskUpdated,
    #[serde(rename = "task.deleted")]
    TaskDeleted,
    #[serde(rename = "comment.created")]
    CommentCreated,
    #[serde(rename = "comment.updated")]
    CommentUpdated,
    #[serde(rename = "comment.deleted")]
    CommentDeleted,
    #[serde(rename = "progress.created")]
    ProgressCreated,
    #[serde(rename = "milestone.created")]
    MilestoneCreated,
    #[serde(rename = "milestone.updated")]
    MilestoneUpdated,
    #[serde(rename = "milestone.deleted")]
    MilestoneDeleted,
    #[serde(rename = "attachment.created")]
    AttachmentCreated,
    #[serde(rename = "member.added")]
    MemberAdded,
    #[serde(rename = "member.removed")]
    MemberRemoved,
    #[serde(rename = "notification.created")]
    NotificationCreated,
    #[serde(rename = "notification.read")]
    NotificationRead,
    #[serde(rename = "risk.changed")]
    RiskChanged,
    #[serde(rename = "library.changed")]
    LibraryChanged,
}

impl WsEventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TaskCreated => "task.created",
            Self::TaskUpdated => "task.updated",
            Self::TaskDeleted => "task.deleted",
            Self::CommentCreated => "comment.created",
            Self::CommentUpdated => "comment.updated",
            Self::CommentDeleted => "comment.deleted",
            Self::ProgressCreated => "progress.created",
            Self::MilestoneCreated => "milestone.created",
            Self::MilestoneUpdated => "milestone.updated",
            Self::MilestoneDeleted => "milestone.deleted",
            Self::AttachmentCreated => "attachment.created",
            Self::MemberAdded => "member.added",
            Self::MemberRemoved => "member.removed",
            Self::NotificationCreated => "notification.created",
            Self::NotificationRead => "notification.read",
            Self::RiskChanged => "risk.changed",
            Self::LibraryChanged => "library.changed",
        }
    }
}

/// `task.deleted`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskDeletedEvent {
    pub id: Uuid,
    pub project_id: Uuid,
}

/// `milestone.deleted` (its tasks lost their milestone with it).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MilestoneDeletedEvent {
    pub id: Uuid,
    pub project_id: Uuid,
}

/// `comment.deleted`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommentDeletedEvent {
    pub id: Uuid,
    pub task_id: Uuid,
}

/// `attachment.created`: sent only to those who may see the attachment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttachmentCreatedEvent {
    pub id: Uuid,
    pub task_id: Uuid,
    pub name: String,
}

/// `member.added`, `member.removed`: also sent to the member concerned.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberEvent {
    pub project_id: Uuid,
    pub user_id: Uuid,
}

wire_enum!(
    /// What happened to a folder or file.
    LibraryChange {
        Created => "created",
        Updated => "updated",
        Trashed => "trashed",
        Restored => "restored",
        Removed => "removed",
    }
);

/// `library.changed`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LibraryChangedEvent {
    pub node: crate::NodeKind,
    pub id: Uuid,
    /// The folder it is in (`null`: the top of the library).
    pub folder_id: Option<Uuid>,
    pub change: LibraryChange,
}
