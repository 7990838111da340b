//! Co-edited Markdown documents (F5): a document with its live text and the caller's rights,
//! new documents, versions saved from the live text and restored into it, and the Markdown
//! preview. The text itself travels over the document's WebSocket (`features::docs`).

use tandem_dto::{
    CreateDocRequest, DocResponse, FileResponse, MarkdownRequest, MarkdownResponse,
    SaveDocVersionRequest,
};
use uuid::Uuid;

use crate::api::{self, ApiError};

pub async fn get(id: Uuid) -> Result<DocResponse, ApiError> {
    api::get(&format!("/docs/{id}")).await
}

/// A new document in `folder` (`None`: the top of the library), empty.
pub async fn create(
    project: Uuid,
    name: String,
    folder_id: Option<Uuid>,
) -> Result<DocResponse, ApiError> {
    api::post(
        &format!("/projects/{project}/docs"),
        &CreateDocRequest {
            name,
            folder_id,
            content: None,
            external_key: None,
        },
    )
    .await
}

/// Saves the live text as a version (the file as it is after: a new `current_version`, or
/// the same one when nothing changed since).
pub async fn save_version(id: Uuid, note: Option<String>) -> Result<FileResponse, ApiError> {
    api::post(
        &format!("/docs/{id}/versions"),
        &SaveDocVersionRequest { note },
    )
    .await
}

/// Makes version `n` the live text again (everyone in the document sees it change).
pub async fn restore_version(id: Uuid, n: i32) -> Result<DocResponse, ApiError> {
    api::post_action(&format!("/docs/{id}/versions/{n}/restore")).await
}

/// Markdown as the server renders it everywhere (sanitised HTML).
pub async fn render(text: &str) -> Result<String, ApiError> {
    api::post::<_, MarkdownResponse>(
        "/markdown",
        &MarkdownRequest {
            text: text.to_owned(),
        },
    )
    .await
    .map(|r| r.html)
}
