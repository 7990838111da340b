//! The project file library (F1–F4, F6): folders, files, versions, previews, grants, the
//! trash and storage, and uploads — one multipart request for ordinary files, tus 1.0 in
//! pieces for big ones. Only the library's page calls these, so all of it lands in that
//! page's module, not the first screen's.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_net::http::{Method, RequestBuilder, Response};
use tandem_dto::{
    CopyFileRequest, CreateFolderRequest, FileDiff, FilePreview, FileResponse, FileVersionResponse,
    FolderResponse, GrantsResponse, Page, Problem, PutGrantsRequest, PutStorageRequest,
    StorageResponse, TrashItem, UpdateFileRequest, UpdateFolderRequest, UploadResponse,
};
use tandem_web_logic::task_store::etag;
use uuid::Uuid;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use super::{ApiError, BASE, check, current_access, js_error, network, refresh_after};

/// Every folder of the project the caller sees (one page: the server sends them all).
pub async fn folders(project: Uuid) -> Result<Vec<FolderResponse>, ApiError> {
    super::get::<Page<FolderResponse>>(&format!("/projects/{project}/folders"))
        .await
        .map(|p| p.items)
}

/// Where a folder's files are listed (`None`: the top of the library); pages follow with
/// `&cursor=`.
pub fn files_url(project: Uuid, folder: Option<Uuid>, limit: usize) -> String {
    match folder {
        Some(f) => format!("/projects/{project}/files?folder_id={f}&limit={limit}"),
        None => format!("/projects/{project}/files?limit={limit}"),
    }
}

pub async fn file(id: Uuid) -> Result<FileResponse, ApiError> {
    super::get(&format!("/files/{id}")).await
}

pub async fn create_folder(
    project: Uuid,
    name: String,
    parent_id: Option<Uuid>,
) -> Result<FolderResponse, ApiError> {
    super::post(
        &format!("/projects/{project}/folders"),
        &CreateFolderRequest {
            name,
            parent_id,
            external_key: None,
        },
    )
    .await
}

/// Renames or moves a folder the caller read at `version` (412 when someone changed it since).
pub async fn update_folder(
    id: Uuid,
    version: i64,
    body: &UpdateFolderRequest,
) -> Result<FolderResponse, ApiError> {
    super::patch::<_, FolderResponse>(&format!("/folders/{id}"), body, Some(&etag(version)))
        .await
        .map(|(f, _)| f)
}

/// Renames or moves a file the caller read at `version`.
pub async fn update_file(
    id: Uuid,
    version: i64,
    body: &UpdateFileRequest,
) -> Result<FileResponse, ApiError> {
    super::patch::<_, FileResponse>(&format!("/files/{id}"), body, Some(&etag(version)))
        .await
        .map(|(f, _)| f)
}

/// Puts a folder or file into the trash.
pub async fn trash(folder: bool, id: Uuid) -> Result<(), ApiError> {
    let kind = if folder { "folders" } else { "files" };
    super::delete(&format!("/{kind}/{id}")).await
}

/// Takes a folder or file back out of the trash.
pub async fn restore(folder: bool, id: Uuid) -> Result<(), ApiError> {
    let kind = if folder { "folders" } else { "files" };
    super::post_action::<serde_json::Value>(&format!("/{kind}/{id}/restore"))
        .await
        .map(drop)
}

pub async fn copy(id: Uuid, folder_id: Option<Uuid>) -> Result<FileResponse, ApiError> {
    super::post(
        &format!("/files/{id}/copy"),
        &CopyFileRequest {
            folder_id,
            name: None,
        },
    )
    .await
}

/// Every version of a file, the newest first.
pub async fn versions(id: Uuid) -> Result<Vec<FileVersionResponse>, ApiError> {
    super::all(&format!("/files/{id}/versions")).await
}

/// Makes version `n` the newest again (as a new version).
pub async fn restore_version(id: Uuid, n: i32) -> Result<FileResponse, ApiError> {
    super::post_action(&format!("/files/{id}/versions/{n}/restore")).await
}

pub async fn preview(id: Uuid, version: i32) -> Result<FilePreview, ApiError> {
    super::get(&format!("/files/{id}/preview?version={version}")).await
}

/// A picture's thumbnail (256 or 1024 px) as an object URL; the caller revokes it.
pub async fn thumbnail_url(id: Uuid, version: i32, side: u32) -> Result<String, ApiError> {
    super::blob_url(&format!(
        "/files/{id}/preview/thumbnail?version={version}&size={side}"
    ))
    .await
}

/// A PDF as an object URL for the browser's viewer; the caller revokes it.
pub async fn pdf_url(id: Uuid, version: i32) -> Result<String, ApiError> {
    super::blob_url(&format!("/files/{id}/preview/pdf?version={version}")).await
}

pub async fn diff(id: Uuid, from: i32, to: i32) -> Result<FileDiff, ApiError> {
    super::get(&format!("/files/{id}/diff?from={from}&to={to}")).await
}

pub async fn download(id: Uuid, version: i32, name: &str) -> Result<(), ApiError> {
    super::download(&format!("/files/{id}/content?version={version}"), name).await
}

fn grants_path(folder: bool, id: Uuid) -> String {
    let kind = if folder { "folders" } else { "files" };
    format!("/{kind}/{id}/grants")
}

pub async fn grants(folder: bool, id: Uuid) -> Result<GrantsResponse, ApiError> {
    super::get(&grants_path(folder, id)).await
}

pub async fn put_grants(
    folder: bool,
    id: Uuid,
    body: &PutGrantsRequest,
) -> Result<GrantsResponse, ApiError> {
    super::put(&grants_path(folder, id), body).await
}

pub async fn trash_items(project: Uuid) -> Result<Vec<TrashItem>, ApiError> {
    super::get::<Page<TrashItem>>(&format!("/projects/{project}/trash"))
        .await
        .map(|p| p.items)
}

pub async fn storage(project: Uuid) -> Result<StorageResponse, ApiError> {
    super::get(&format!("/projects/{project}/storage")).await
}

pub async fn set_quota(
    project: Uuid,
    quota_bytes: Option<i64>,
) -> Result<StorageResponse, ApiError> {
    super::put(
        &format!("/projects/{project}/storage"),
        &PutStorageRequest { quota_bytes },
    )
    .await
}

/// The request an upload has in flight, so Cancel — or the tab going offline — can stop it
/// without ending the upload itself.
#[derive(Clone, Default)]
pub struct InFlight(Rc<RefCell<Option<web_sys::XmlHttpRequest>>>);

impl InFlight {
    pub fn stop(&self) {
        if let Some(x) = self.0.borrow_mut().take() {
            let _ = x.abort();
        }
    }
}

/// What an XHR answered.
struct Answer {
    status: u16,
    text: String,
    xhr: web_sys::XmlHttpRequest,
}

impl Answer {
    fn header(&self, name: &str) -> Option<String> {
        self.xhr.get_response_header(name).ok().flatten()
    }

    fn problem(&self) -> ApiError {
        ApiError::Problem(
            serde_json::from_str::<Problem>(&self.text).unwrap_or_else(|_| Problem {
                kind: "about:blank".into(),
                title: "Error".into(),
                status: self.status,
                detail: None,
                code: None,
                errors: Vec::new(),
                context: None,
            }),
        )
    }
}

enum Body<'a> {
    Form(&'a web_sys::FormData),
    Blob(&'a web_sys::Blob),
}

/// One request through XHR, which (unlike fetch) reports upload progress: `on_progress` gets
/// the bytes of the body sent so far and its total. Status 0 (network gone, aborted) is a
/// network error.
async fn xhr_once(
    method: &str,
    url: &str,
    headers: &[(&str, String)],
    body: &Body<'_>,
    token: Option<&str>,
    on_progress: &Rc<dyn Fn(f64, f64)>,
    flight: &InFlight,
) -> Result<Answer, ApiError> {
    let xhr = web_sys::XmlHttpRequest::new().map_err(js_error)?;
    xhr.open(method, url).map_err(js_error)?;
    if let Some(t) = token {
        xhr.set_request_header("Authorization", &format!("Bearer {t}"))
            .map_err(js_error)?;
    }
    for (k, v) in headers {
        xhr.set_request_header(k, v).map_err(js_error)?;
    }
    let report = on_progress.clone();
    let progress =
        Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
            report(e.loaded(), e.total());
        });
    if let Ok(up) = xhr.upload() {
        up.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    let (tx, rx) = futures::channel::oneshot::channel::<()>();
    let tx = RefCell::new(Some(tx));
    let done = Closure::<dyn FnMut()>::new(move || {
        if let Some(tx) = tx.borrow_mut().take() {
            let _ = tx.send(());
        }
    });
    xhr.set_onloadend(Some(done.as_ref().unchecked_ref()));
    match body {
        Body::Form(f) => xhr.send_with_opt_form_data(Some(f)),
        Body::Blob(b) => xhr.send_with_opt_blob(Some(b)),
    }
    .map_err(js_error)?;
    flight.0.replace(Some(xhr.clone()));
    let _ = rx.await;
    flight.0.replace(None);
    drop(progress);
    drop(done);
    let status = xhr.status().unwrap_or(0);
    if status == 0 {
        return Err(ApiError::Network("upload interrupted".into()));
    }
    let text = xhr.response_text().ok().flatten().unwrap_or_default();
    Ok(Answer { status, text, xhr })
}

/// [`xhr_once`] with the session's token, refreshed and sent once more on a 401 (a long
/// upload can outlive an access token).
async fn xhr(
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: Body<'_>,
    on_progress: Rc<dyn Fn(f64, f64)>,
    flight: &InFlight,
) -> Result<Answer, ApiError> {
    let url = format!("{BASE}{path}");
    let token = current_access().await?;
    let a = xhr_once(
        method,
        &url,
        headers,
        &body,
        token.as_deref(),
        &on_progress,
        flight,
    )
    .await?;
    match token {
        Some(stale) if a.status == 401 => {
            let fresh = refresh_after(&stale).await?;
            xhr_once(
                method,
                &url,
                headers,
                &body,
                Some(&fresh),
                &on_progress,
                flight,
            )
            .await
        }
        _ => Ok(a),
    }
}

/// F1: a new file in `folder` (`None`: the top) under `name`, in one multipart request.
/// A name already taken answers 409 `name_taken` with the existing file's id in `context.id`.
pub async fn upload_new(
    project: Uuid,
    folder: Option<Uuid>,
    file: &web_sys::File,
    name: &str,
    on_progress: Rc<dyn Fn(f64, f64)>,
    flight: &InFlight,
) -> Result<FileResponse, ApiError> {
    let folder = folder.map(|f| f.to_string());
    let fields: Vec<(&str, &str)> = folder.iter().map(|f| ("folder_id", f.as_str())).collect();
    post_file(
        &format!("/projects/{project}/files"),
        &fields,
        file,
        name,
        on_progress,
        flight,
    )
    .await
}

/// F2: a new version of file `id`, with an optional note, in one multipart request.
pub async fn upload_version(
    id: Uuid,
    file: &web_sys::File,
    note: &str,
    on_progress: Rc<dyn Fn(f64, f64)>,
    flight: &InFlight,
) -> Result<FileResponse, ApiError> {
    let note = note.trim();
    let fields: Vec<(&str, &str)> = (!note.is_empty())
        .then_some(("note", note))
        .into_iter()
        .collect();
    post_file(
        &format!("/files/{id}/versions"),
        &fields,
        file,
        &file.name(),
        on_progress,
        flight,
    )
    .await
}

/// POSTs a multipart form: the text `fields` first (the server reads the form as a stream and
/// needs them before the file), then `file` under `name`.
async fn post_file(
    path: &str,
    fields: &[(&str, &str)],
    file: &web_sys::File,
    name: &str,
    on_progress: Rc<dyn Fn(f64, f64)>,
    flight: &InFlight,
) -> Result<FileResponse, ApiError> {
    let form = web_sys::FormData::new().map_err(js_error)?;
    for (k, v) in fields {
        form.append_with_str(k, v).map_err(js_error)?;
    }
    form.append_with_blob_and_filename("file", file, name)
        .map_err(js_error)?;
    let a = xhr(
        "POST",
        path,
        &[("Accept", "application/json".into())],
        Body::Form(&form),
        on_progress,
        flight,
    )
    .await?;
    decode(a)
}

fn decode<T: serde::de::DeserializeOwned>(a: Answer) -> Result<T, ApiError> {
    if !(200..300).contains(&a.status) {
        return Err(a.problem());
    }
    serde_json::from_str(&a.text).map_err(network)
}

const TUS: &str = "1.0.0";

/// A tus request without a body (create, HEAD, termination), with the session's token and
/// one refresh on a 401.
async fn tus_request(
    method: Method,
    path: &str,
    headers: &[(&str, String)],
) -> Result<Response, ApiError> {
    let url = if path.starts_with(BASE) {
        path.to_owned()
    } else {
        format!("{BASE}{path}")
    };
    let once = |token: Option<String>| {
        let mut b = RequestBuilder::new(&url)
            .method(method.clone())
            .header("Tus-Resumable", TUS)
            .header("Accept", "application/json");
        if let Some(t) = token {
            b = b.header("Authorization", &format!("Bearer {t}"));
        }
        for (k, v) in headers {
            b = b.header(k, v);
        }
        async move { b.build().map_err(network)?.send().await.map_err(network) }
    };
    let token = current_access().await?;
    let resp = once(token.clone()).await?;
    match token {
        Some(stale) if resp.status() == 401 => {
            let fresh = refresh_after(&stale).await?;
            check(once(Some(fresh)).await?).await
        }
        _ => check(resp).await,
    }
}

/// tus creation: announces a file of `length` bytes (`metadata`: `Upload-Metadata`, see
/// `tandem_web_logic::files::tus_metadata`). Answers where to send the bytes. What the
/// finished upload would be refused for (name taken, quota, rights) is refused now.
pub async fn tus_create(length: f64, metadata: &str) -> Result<String, ApiError> {
    let resp = tus_request(
        Method::POST,
        "/uploads",
        &[
            ("Upload-Length", format!("{length:.0}")),
            ("Upload-Metadata", metadata.to_owned()),
        ],
    )
    .await?;
    if let Some(l) = resp.headers().get("location") {
        return Ok(l);
    }
    // No Location header readable: the body names the upload too.
    let up: UploadResponse = resp.json().await.map_err(network)?;
    Ok(format!("{BASE}/uploads/{}", up.id))
}

/// tus HEAD: how many bytes the server holds of the upload at `location`.
pub async fn tus_offset(location: &str) -> Result<f64, ApiError> {
    let resp = tus_request(
        Method::HEAD,
        location,
        &[("Cache-Control", "no-store".into())],
    )
    .await?;
    resp.headers()
        .get("upload-offset")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .ok_or_else(|| ApiError::Network("no Upload-Offset".into()))
}

/// tus termination: gives up the upload at `location` (its stored bytes go).
pub async fn tus_cancel(location: &str) -> Result<(), ApiError> {
    tus_request(Method::DELETE, location, &[]).await.map(drop)
}

/// The upload at `location` as JSON: what it became, or why it failed.
pub async fn tus_status(location: &str) -> Result<UploadResponse, ApiError> {
    let path = location.strip_prefix(BASE).unwrap_or(location);
    super::get(path).await
}

/// What one tus PATCH achieved.
pub enum Sent {
    /// The server now holds this many bytes.
    Offset(f64),
    /// The last byte arrived and the file (or its new version) is stored.
    Done(Uuid),
}

/// tus PATCH: sends `piece` (the file's bytes from `offset`). `on_progress` gets the bytes of
/// this piece sent so far (and the request's total). A 409 `offset_mismatch` carries the server's offset in
/// `context.offset`.
pub async fn tus_send(
    location: &str,
    offset: f64,
    piece: &web_sys::Blob,
    on_progress: Rc<dyn Fn(f64, f64)>,
    flight: &InFlight,
) -> Result<Sent, ApiError> {
    let path = location.strip_prefix(BASE).unwrap_or(location);
    let a = xhr(
        "PATCH",
        path,
        &[
            ("Tus-Resumable", TUS.into()),
            ("Upload-Offset", format!("{offset:.0}")),
            ("Content-Type", "application/offset+octet-stream".into()),
        ],
        Body::Blob(piece),
        on_progress,
        flight,
    )
    .await?;
    if !(200..300).contains(&a.status) {
        return Err(a.problem());
    }
    if let Some(id) = a.header("Tandem-File-Id").and_then(|s| s.parse().ok()) {
        return Ok(Sent::Done(id));
    }
    a.header("Upload-Offset")
        .and_then(|s| s.trim().parse::<f64>().ok())
        .map(Sent::Offset)
        .ok_or_else(|| ApiError::Network("no Upload-Offset".into()))
}
