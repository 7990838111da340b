//! F1: resumable uploads, speaking tus 1.0 (core, creation, expiration, termination), so a
//! large upload cut off at 60 % goes on from 60 % — from the web app or any tus client.
//!
//! `POST /uploads` announces the file (its length, and in `Upload-Metadata` its name and
//! where it goes: `project_id` + optional `folder_id`, or `file_id` for a new version);
//! each `PATCH` sends bytes from the offset the server holds. A request's bytes are stored as
//! one piece in the file store and counted only once stored, so a request broken off midway
//! keeps what arrived. The piece is written by a task of its own: a client that disconnects
//! drops the request, not the bytes it already sent. The last byte turns the pieces into a
//! file through the same path as a plain upload (hash, dedupe, quota, name, events).

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use base64::Engine;
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path as StorePath;
use object_store::{ObjectStoreExt, WriteMultipart};
use serde::{Deserialize, Serialize};
use tandem_db::entities::uploads as rows;
use tandem_db::files as files_repo;
use tandem_db::uploads as repo;
use tandem_dto::{FileKind, NodeKind, Problem, UploadResponse, UploadState};
use uuid::Uuid;

use super::files::{NewIn, clean_note, create_in, may_upload_version, seen, version_in};
use super::{Library, check_name, name_taken, upload};
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;

pub const TUS_VERSION: &str = "1.0.0";
/// An upload not moved for this long expires (its staged bytes are removed).
const KEEP_FOR: chrono::Duration = chrono::Duration::hours(24);
const OFFSET_TYPE: &str = "application/offset+octet-stream";

/// One stored piece of an upload.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Part {
    offset: i64,
    key: String,
    size: i64,
}

fn parts(up: &rows::Model) -> Vec<Part> {
    serde_json::from_str(&up.parts).unwrap_or_default()
}

/// Where the pieces of upload `id` are staged.
pub fn staging_prefix(id: Uuid) -> String {
    format!("uploads/{id}")
}

fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// A tus answer: the protocol version always, the expiry when there is one.
fn tus(mut res: HttpResponseBuilder, up: Option<&rows::Model>) -> HttpResponseBuilder {
    res.insert_header(("Tus-Resumable", TUS_VERSION));
    if let Some(up) = up {
        res.insert_header(("Upload-Expires", http_date(up.expires_at)));
    }
    res
}

/// The client's tus version: 400 when `Tus-Resumable` is missing or not a version, 412 (with
/// `Tus-Version`) when it is another version than ours. The answer is the error: it carries
/// the `Tus-Version` header an `ApiError` cannot.
fn check_version(req: &HttpRequest) -> Result<(), Box<HttpResponse>> {
    let theirs = req
        .headers()
        .get("Tus-Resumable")
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    if theirs == Some(TUS_VERSION) {
        return Ok(());
    }
    let is_version = theirs.is_some_and(|v| {
        let parts: Vec<&str> = v.split('.').collect();
        parts.len() == 3
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    });
    let (mut res, status, title, code) = if is_version {
        (
            HttpResponse::PreconditionFailed(),
            412,
            "Precondition Failed",
            "tus_version",
        )
    } else {
        (
            HttpResponse::BadRequest(),
            400,
            "Bad Request",
            "tus_resumable_required",
        )
    };
    Err(Box::new(
        res.insert_header(("Tus-Version", TUS_VERSION))
            .content_type(crate::error::PROBLEM_JSON)
            .json(serde_json::json!({
                "type": "about:blank",
                "title": title,
                "status": status,
                "detail": format!("send Tus-Resumable: {TUS_VERSION}"),
                "code": code,
            })),
    ))
}

fn header_i64(req: &HttpRequest, name: &str) -> ApiResult<Option<i64>> {
    match req.headers().get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .filter(|n| *n >= 0)
            .map(Some)
            .ok_or_else(|| ApiError::validation(name, "invalid", "a number of bytes")),
    }
}

/// `Upload-Metadata`: comma-separated `key base64value` pairs (a key alone has no value).
fn metadata(req: &HttpRequest) -> ApiResult<HashMap<String, String>> {
    let raw = match req.headers().get("Upload-Metadata") {
        None => return Ok(HashMap::new()),
        Some(v) => v.to_str().map_err(|_| bad_metadata())?,
    };
    let mut out = HashMap::new();
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut it = pair.splitn(2, ' ');
        let key = it.next().unwrap_or_default().to_owned();
        let value = match it.next() {
            None => String::new(),
            Some(b64) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(b64.trim())
                    .map_err(|_| bad_metadata())?;
                String::from_utf8(bytes).map_err(|_| bad_metadata())?
            }
        };
        if value.contains('\0') || out.insert(key, value).is_some() {
            return Err(bad_metadata());
        }
    }
    Ok(out)
}

fn bad_metadata() -> ApiError {
    ApiError::validation(
        "Upload-Metadata",
        "invalid",
        "comma-separated keys, each with a base64 UTF-8 value",
    )
}

fn meta_id(meta: &HashMap<String, String>, key: &str) -> ApiResult<Option<Uuid>> {
    match meta.get(key).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| ApiError::validation(key, "invalid", "an id")),
    }
}

fn dto(up: &rows::Model) -> UploadResponse {
    let state = match up.state.as_str() {
        repo::DONE => UploadState::Done,
        repo::FAILED => UploadState::Failed,
        _ => UploadState::Receiving,
    };
    UploadResponse {
        id: up.id,
        project_id: up.project_id,
        folder_id: up.folder_id,
        target_file_id: up.target_file_id,
        name: up.name.clone(),
        length: up.length,
        offset: up.received,
        state,
        file_id: up.result_file_id,
        problem: up
            .problem
            .as_deref()
            .and_then(|p| serde_json::from_str::<Problem>(p).ok()),
        expires_at: up.expires_at,
    }
}

/// Start a resumable upload (tus creation). Headers: `Tus-Resumable: 1.0.0`, `Upload-Length`,
/// `Upload-Metadata` with `filename`, and `project_id` (+ `folder_id`) for a new file or
/// `file_id` for a new version; optional `note`. What the finished upload would be refused
/// for — the name taken, no right to write, over the size limit or the quota — is refused
/// now, before a byte is sent.
#[utoipa::path(post, path = "/api/v1/uploads", tag = "files", security(("bearer" = [])),
    params(
        ("Tus-Resumable" = String, Header, description = "1.0.0", pattern = r"^1\.0\.0$"),
        ("Upload-Length" = i64, Header, description = "The file's size in bytes"),
        ("Upload-Metadata" = String, Header, description = "`filename`, `project_id`, `folder_id`, `file_id`, `note`: each key followed by its value in base64"),
    ),
    responses(
        (status = 201, description = "Created; send the bytes with PATCH", body = UploadResponse,
            headers(("Location" = String, description = "The upload"),
                ("Tus-Resumable" = String, description = "1.0.0"),
                ("Upload-Expires" = String, description = "When unfinished bytes are removed"))),
        (status = 409, description = "The name is taken, or the quota is used up", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Another tus version", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Over the size limit", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn create_upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
) -> ApiResult<HttpResponse> {
    if let Err(res) = check_version(&req) {
        return Ok(*res);
    }
    tandem_domain::files::may_write(&auth.actor)?;
    if req.headers().contains_key("Upload-Defer-Length") {
        return Err(ApiError::validation(
            "Upload-Defer-Length",
            "unsupported",
            "send Upload-Length",
        ));
    }
    let length = header_i64(&req, "Upload-Length")?
        .ok_or_else(|| ApiError::validation("Upload-Length", "required", "the file's size"))?;
    if length == 0 {
        return Err(ApiError::validation(
            "Upload-Length",
            "empty",
            "the file is empty",
        ));
    }
    if u64::try_from(length).unwrap_or(u64::MAX) > state.config.max_upload_bytes {
        return Err(ApiError::PayloadTooLarge);
    }
    let meta = metadata(&req)?;
    let raw_name = meta
        .get("filename")
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::validation("filename", "required", "the file's name"))?;
    let name = tandem_files::names::clean_name(raw_name);
    let note = clean_note(meta.get("note").map(String::as_str))?;
    let (project_id, folder_id, target) = match meta_id(&meta, "file_id")? {
        Some(file_id) => {
            let s = seen(&state, &auth, file_id, false).await?;
            may_upload_version(&auth, &s)?;
            (s.file.project_id, s.file.folder_id, Some(file_id))
        }
        None => {
            let project = meta_id(&meta, "project_id")?.ok_or_else(|| {
                ApiError::validation("project_id", "required", "a project, or file_id")
            })?;
            let folder = meta_id(&meta, "folder_id")?;
            let lib = Library::load(&state, &auth, project).await?;
            lib.writable_place(&auth, folder)?;
            check_name("filename", &name)?;
            let place = folder.unwrap_or(project);
            if let Some(f) = files_repo::file_named(&state.db, project, place, &name).await? {
                return Err(name_taken(NodeKind::File, f.id));
            }
            (project, folder, None)
        }
    };
    // Uploads under way count against the quota with their whole length.
    let txn = tandem_db::begin_write(&state.db).await?;
    let pending = repo::pending_bytes(&txn, project_id).await?;
    upload::check_quota(&txn, project_id, pending.saturating_add(length)).await?;
    let up = repo::create(
        &txn,
        repo::NewUpload {
            user_id: auth.user.id,
            project_id,
            folder_id,
            target_file_id: target,
            name,
            note,
            length,
            expires_at: Utc::now() + KEEP_FOR,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(tus(HttpResponse::Created(), Some(&up))
        .insert_header((header::LOCATION, format!("/api/v1/uploads/{}", up.id)))
        .json(dto(&up)))
}

/// Where an upload is (tus `HEAD`): `Upload-Offset` and `Upload-Length`. A failed upload is
/// 410 (its `GET` says why).
#[utoipa::path(head, path = "/api/v1/uploads/{id}", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Upload id"),
        ("Tus-Resumable" = String, Header, description = "1.0.0", pattern = r"^1\.0\.0$")),
    responses(
        (status = 200, description = "How far it got",
            headers(("Upload-Offset" = i64, description = "Bytes received"),
                ("Upload-Length" = i64, description = "The file's size"),
                ("Tus-Resumable" = String, description = "1.0.0"),
                ("Upload-Expires" = String, description = "When unfinished bytes are removed"))),
        (status = 400, description = "No `Tus-Resumable: 1.0.0`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token"),
        (status = 404, description = "No such upload of the caller's"),
        (status = 410, description = "It failed"),
        (status = 412, description = "Another tus version", headers(("Tus-Version" = String, description = "1.0.0"))),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn head_upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    if let Err(res) = check_version(&req) {
        return Ok(*res);
    }
    let up = repo::find(&state.db, path.into_inner(), auth.user.id).await?;
    if up.state == repo::FAILED {
        // A problem body, so the error handlers leave the status alone (HEAD drops it).
        return Ok(tus(HttpResponse::Gone(), Some(&up))
            .content_type(crate::error::PROBLEM_JSON)
            .json(serde_json::json!({
                "type": "about:blank",
                "title": "Gone",
                "status": 410,
                "detail": "this upload failed: GET it to see why",
                "code": "upload_failed",
            })));
    }
    Ok(tus(HttpResponse::Ok(), Some(&up))
        .insert_header(("Upload-Offset", up.received.to_string()))
        .insert_header(("Upload-Length", up.length.to_string()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}

/// An upload as JSON: how far it got and, once finished, the file it made or why it failed.
#[utoipa::path(get, path = "/api/v1/uploads/{id}", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Upload id")),
    responses((status = 200, description = "The upload", body = UploadResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn get_upload(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let up = repo::find(&state.db, path.into_inner(), auth.user.id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(dto(&up)))
}

/// Send bytes (tus `PATCH`, `Content-Type: application/offset+octet-stream`) from
/// `Upload-Offset`, which must be the offset the server holds (409 otherwise: ask with
/// `HEAD`). The answer's `Upload-Offset` is the new one; with the last byte the file is
/// stored and `Tandem-File-Id` names it.
#[utoipa::path(patch, path = "/api/v1/uploads/{id}", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Upload id"),
        ("Tus-Resumable" = String, Header, description = "1.0.0", pattern = r"^1\.0\.0$"),
        ("Upload-Offset" = i64, Header, description = "Where these bytes start", minimum = 0)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "The bytes, as `application/offset+octet-stream` (tus) or `application/octet-stream`"),
    responses(
        (status = 204, description = "Stored",
            headers(("Upload-Offset" = i64, description = "Bytes received now"),
                ("Tus-Resumable" = String, description = "1.0.0"),
                ("Upload-Expires" = String, description = "When unfinished bytes are removed"),
                ("Tandem-File-Id" = String, description = "The file made, once the last byte arrived"))),
        (status = 409, description = "Another offset, the upload is finished, or storing the file was refused", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Another tus version", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "More bytes than announced", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither application/offset+octet-stream nor application/octet-stream", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn patch_upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    path: web::Path<Uuid>,
    mut payload: web::Payload,
) -> ApiResult<HttpResponse> {
    if let Err(res) = check_version(&req) {
        return Ok(*res);
    }
    tandem_domain::files::may_write(&auth.actor)?;
    // tus clients send their own type; generated clients (which know no tus) send bytes as
    // plain octet-stream: both are the same bytes.
    let is_offset_stream = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() == OFFSET_TYPE || v.trim() == "application/octet-stream");
    if !is_offset_stream {
        return Err(ApiError::UnsupportedMediaType(format!(
            "send the bytes as {OFFSET_TYPE}"
        )));
    }
    let offset = header_i64(&req, "Upload-Offset")?.ok_or_else(|| {
        ApiError::validation("Upload-Offset", "required", "where the bytes start")
    })?;
    let up = repo::find(&state.db, path.into_inner(), auth.user.id).await?;
    if up.state != repo::RECEIVING {
        return Err(ApiError::conflict(
            "upload_finished",
            "every byte of this upload has arrived",
        ));
    }
    if offset != up.received {
        return Err(ApiError::Conflict {
            code: "offset_mismatch",
            detail: format!("the upload holds {} bytes: send from there", up.received),
            context: Some(serde_json::json!({ "offset": up.received })),
        });
    }
    // The bytes go through a channel to a task of their own, which stores what arrived even
    // when this request is dropped because the client went away.
    let (tx, rx) = tokio::sync::mpsc::channel::<web::Bytes>(16);
    let writer = actix_web::rt::spawn(receive(state.clone(), auth, up, rx));
    while let Some(chunk) = payload.next().await {
        match chunk {
            Ok(bytes) => {
                if tx.send(bytes).await.is_err() {
                    break; // the writer stopped: too many bytes
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, "upload request broken off");
                break;
            }
        }
    }
    drop(tx);
    let done = writer.await.map_err(ApiError::internal)??;
    let mut res = tus(HttpResponse::NoContent(), Some(&done));
    res.insert_header(("Upload-Offset", done.received.to_string()));
    if let Some(file) = done.result_file_id {
        res.insert_header(("Tandem-File-Id", file.to_string()));
    }
    match done.problem.as_deref() {
        Some(p) if done.state == repo::FAILED => Err(failure(p)),
        _ => Ok(res.finish()),
    }
}

/// The problem a failed upload recorded, as the answer to the request that finished it.
fn failure(problem: &str) -> ApiError {
    match serde_json::from_str::<Problem>(problem) {
        Ok(p) => ApiError::Conflict {
            code: "upload_failed",
            detail: p.detail.clone().unwrap_or_else(|| p.title.clone()),
            context: Some(serde_json::json!({ "problem": p })),
        },
        Err(e) => ApiError::internal(e),
    }
}

/// Stores the bytes of one request as a piece, counts them, and with the last byte stores
/// the file. Returns the upload as it is then.
async fn receive(
    state: web::Data<AppState>,
    auth: AuthUser,
    up: rows::Model,
    mut rx: tokio::sync::mpsc::Receiver<web::Bytes>,
) -> ApiResult<rows::Model> {
    let room = up.length - up.received;
    let key = format!(
        "{}/{:020}-{}",
        staging_prefix(up.id),
        up.received,
        Uuid::now_v7()
    );
    let target = StorePath::from(key.as_str());
    let mut writer = WriteMultipart::new(
        state
            .files
            .put_multipart(&target)
            .await
            .map_err(ApiError::internal)?,
    );
    let mut got: i64 = 0;
    while let Some(bytes) = rx.recv().await {
        let n = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        if got.saturating_add(n) > room {
            // Stops the request too: its sends fail once the receiver is gone.
            drop(rx);
            let _ = writer.abort().await;
            return Err(ApiError::PayloadTooLarge);
        }
        // Handed on without a copy; a few parts in flight at most.
        if let Err(e) = writer.wait_for_capacity(4).await {
            let _ = writer.abort().await;
            return Err(ApiError::internal(e));
        }
        writer.put(bytes);
        got += n;
    }
    if got == 0 {
        let _ = writer.abort().await;
        return Ok(up);
    }
    writer.finish().await.map_err(ApiError::internal)?;
    let mut pieces = parts(&up);
    pieces.push(Part {
        offset: up.received,
        key: key.clone(),
        size: got,
    });
    let list = serde_json::to_string(&pieces).map_err(ApiError::internal)?;
    let to = up.received + got;
    let expires = Utc::now() + KEEP_FOR;
    if !repo::advance(&state.db, up.id, up.received, to, list, expires).await? {
        // Another request for the same offset won: its bytes count, these go.
        let _ = tandem_files::blob::remove(&state.files, &key).await;
        return Err(ApiError::conflict(
            "offset_mismatch",
            "another request sent these bytes first",
        ));
    }
    let up = repo::find(&state.db, up.id, up.user_id).await?;
    if up.received < up.length {
        return Ok(up);
    }
    complete(&state, &auth, &up).await?;
    Ok(repo::find(&state.db, up.id, up.user_id).await?)
}

/// Every byte arrived: the pieces, in order, become the file (or its new version) through
/// the plain upload's path, and the upload records what it made or why it failed.
async fn complete(state: &AppState, auth: &AuthUser, up: &rows::Model) -> ApiResult<()> {
    let store = state.files.clone();
    let pieces = parts(up);
    let stream = futures_util::stream::iter(pieces.clone())
        .then(move |p| {
            let store = store.clone();
            async move {
                let got = store.get(&StorePath::from(p.key.as_str())).await?;
                Ok::<_, object_store::Error>(got.into_stream())
            }
        })
        .try_flatten()
        .boxed();
    let outcome = async {
        let received = upload::receive(state, up.name.clone(), stream).await?;
        let result = match up.target_file_id {
            Some(file) => {
                let s = seen(state, auth, file, false).await?;
                may_upload_version(auth, &s)?;
                version_in(state, auth, &s, &received, up.note.clone()).await
            }
            None => {
                let lib = Library::load(state, auth, up.project_id).await?;
                let new = NewIn {
                    folder: up.folder_id,
                    note: up.note.clone(),
                    kind: FileKind::File,
                    key: None,
                };
                create_in(state, auth, &lib, new, &received).await
            }
        };
        upload::settle(state, &received, result).await
    }
    .await;
    let (status, file, problem) = match outcome {
        Ok(out) => (repo::DONE, Some(out.id), None),
        Err(e) => {
            tracing::info!(error = %e, upload = %up.id, "a finished upload was not stored");
            let p = serde_json::to_string(&e.to_problem()).map_err(ApiError::internal)?;
            (repo::FAILED, None, Some(p))
        }
    };
    repo::finish(&state.db, up.id, status, file, problem).await?;
    remove_pieces(state, up.id).await;
    Ok(())
}

/// Removes an upload's staged pieces (best effort: the expiry sweep removes leftovers).
pub async fn remove_pieces(state: &AppState, id: Uuid) {
    let prefix = StorePath::from(staging_prefix(id));
    let keys: Vec<StorePath> = state
        .files
        .list(Some(&prefix))
        .filter_map(|m| async move { m.ok().map(|m| m.location) })
        .collect()
        .await;
    for key in keys {
        if let Err(e) = tandem_files::blob::remove(&state.files, key.as_ref()).await {
            tracing::warn!(error = %e, "could not remove a staged upload piece");
        }
    }
}

/// Give up an upload (tus termination): its staged bytes go.
#[utoipa::path(delete, path = "/api/v1/uploads/{id}", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Upload id"),
        ("Tus-Resumable" = String, Header, description = "1.0.0", pattern = r"^1\.0\.0$")),
    responses(
        (status = 204, description = "Removed",
            headers(("Tus-Resumable" = String, description = "1.0.0"))),
        (status = 412, description = "Another tus version", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn delete_upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    if let Err(res) = check_version(&req) {
        return Ok(*res);
    }
    tandem_domain::files::may_write(&auth.actor)?;
    let up = repo::find(&state.db, path.into_inner(), auth.user.id).await?;
    repo::delete(&state.db, up.id).await?;
    remove_pieces(&state, up.id).await;
    Ok(tus(HttpResponse::NoContent(), None).finish())
}

/// What the server supports (tus discovery).
#[utoipa::path(options, path = "/api/v1/uploads", tag = "files", security(("bearer" = [])),
    responses(
        (status = 204, description = "Supported",
            headers(("Tus-Version" = String, description = "1.0.0"),
                ("Tus-Extension" = String, description = "creation,expiration,termination"),
                ("Tus-Max-Size" = i64, description = "The largest file accepted, in bytes"))),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn upload_options(
    state: web::Data<AppState>,
    _auth: AuthUser,
) -> ApiResult<HttpResponse> {
    Ok(tus(HttpResponse::NoContent(), None)
        .insert_header(("Tus-Version", TUS_VERSION))
        .insert_header(("Tus-Extension", "creation,expiration,termination"))
        .insert_header(("Tus-Max-Size", state.config.max_upload_bytes.to_string()))
        .finish())
}

/// Removes expired uploads and their staged bytes (recurring, hourly); returns how many.
pub async fn expire(state: &AppState) -> Result<u64, String> {
    let mut removed = 0;
    loop {
        let batch = repo::expired(&state.db, Utc::now(), 100)
            .await
            .map_err(|e| e.to_string())?;
        if batch.is_empty() {
            return Ok(removed);
        }
        for up in batch {
            remove_pieces(state, up.id).await;
            repo::delete(&state.db, up.id)
                .await
                .map_err(|e| e.to_string())?;
            removed += 1;
        }
    }
}
