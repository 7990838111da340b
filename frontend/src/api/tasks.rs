//! Tasks, their comments and their files' versions.

use tandem_dto::{
    AttachmentVersionResponse, CommentResponse, CreateTaskRequest, MoveTaskRequest, TaskResponse,
    TaskStatus, UpdateCommentRequest, UpdateTaskRequest,
};
use tandem_web_logic::task_store::etag;
use uuid::Uuid;

use crate::api::{self, ApiError};

pub async fn get(id: Uuid) -> Result<TaskResponse, ApiError> {
    api::get(&format!("/tasks/{id}")).await
}

pub async fn create(project: Uuid, req: &CreateTaskRequest) -> Result<TaskResponse, ApiError> {
    api::post(&format!("/projects/{project}/tasks"), req).await
}

/// Changes a task that is at `version` (sent as `If-Match`: a newer task answers 412).
pub async fn update(
    id: Uuid,
    version: i64,
    body: &UpdateTaskRequest,
) -> Result<TaskResponse, ApiError> {
    api::patch::<_, TaskResponse>(&format!("/tasks/{id}"), body, Some(&etag(version)))
        .await
        .map(|(t, _)| t)
}

pub async fn delete(id: Uuid) -> Result<(), ApiError> {
    api::delete(&format!("/tasks/{id}")).await
}

/// Changes a task's status from the copy at `version`; when that copy is no longer the
/// newest (412), from a fresh read, since a status change does not overwrite anyone's text.
pub async fn change_status(
    id: Uuid,
    version: Option<i64>,
    to: TaskStatus,
) -> Result<TaskResponse, ApiError> {
    let body = UpdateTaskRequest {
        status: Some(to),
        ..Default::default()
    };
    if let Some(v) = version {
        match update(id, v, &body).await {
            Err(e) if e.status() == Some(412) => {}
            other => return other,
        }
    }
    let fresh = get(id).await?;
    update(id, fresh.version, &body).await
}

/// Moves a card on a board (`mine`: the caller's own board) from the copy at `version`; when
/// that copy is no longer the newest (412), from a fresh read: a move overwrites nobody's text.
pub async fn move_card(
    id: Uuid,
    version: Option<i64>,
    body: &MoveTaskRequest,
    mine: bool,
) -> Result<TaskResponse, ApiError> {
    let path = if mine {
        format!("/tasks/{id}/move?mine=true")
    } else {
        format!("/tasks/{id}/move")
    };
    if let Some(v) = version {
        match api::post_if_match(&path, body, &etag(v)).await {
            Err(e) if e.status() == Some(412) => {}
            other => return other,
        }
    }
    let fresh = get(id).await?;
    api::post_if_match(&path, body, &etag(fresh.version)).await
}

pub async fn comments(task: Uuid) -> Result<Vec<CommentResponse>, ApiError> {
    api::all(&format!("/tasks/{task}/comments")).await
}

/// Changes one's own comment at `version`.
pub async fn update_comment(
    id: Uuid,
    version: i64,
    body: String,
) -> Result<CommentResponse, ApiError> {
    api::patch::<_, CommentResponse>(
        &format!("/comments/{id}"),
        &UpdateCommentRequest { body },
        Some(&etag(version)),
    )
    .await
    .map(|(c, _)| c)
}

/// Every version of an attachment, the newest first as the server lists them.
pub async fn attachment_versions(id: Uuid) -> Result<Vec<AttachmentVersionResponse>, ApiError> {
    api::all(&format!("/attachments/{id}/versions")).await
}

/// Downloads one version of an attachment.
pub async fn download_version(id: Uuid, number: i32, name: &str) -> Result<(), ApiError> {
    api::download(&format!("/attachments/{id}?version={number}"), name).await
}
