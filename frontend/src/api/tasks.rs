//! Tasks.

use tandem_dto::{TaskResponse, TaskStatus, UpdateTaskRequest};
use uuid::Uuid;

use crate::api::{self, ApiError};

/// Changes a task's status: reads its current ETag, then PATCHes with `If-Match`.
pub async fn change_status(id: Uuid, to: TaskStatus) -> Result<TaskResponse, ApiError> {
    let (_, tag) = api::get_tagged::<TaskResponse>(&format!("/tasks/{id}")).await?;
    let body = UpdateTaskRequest {
        status: Some(to),
        ..Default::default()
    };
    api::patch::<_, TaskResponse>(&format!("/tasks/{id}"), &body, tag.as_deref())
        .await
        .map(|(t, _)| t)
}
