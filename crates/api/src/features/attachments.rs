//! T5: task attachments. Uploads are streamed into the file store while their size is counted
//! (413 past the limit, nothing kept) and hashed; the type is sniffed from the content, the
//! uploaded name is kept for display only; downloads are always `attachment` with `nosniff` and a
//! sandbox policy, never HTML or SVG rendered inline.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path as StorePath;
use object_store::{ObjectStoreExt, WriteMultipart};
use sha2::{Digest, Sha256};
use tandem_db::attachments::{self as repo, Viewers};
use tandem_db::entities::{attachment_versions, attachments, tasks};
use tandem_db::tasks::TaskRow;
use tandem_domain::projects::ProjectAction;
use tandem_dto::{AttachmentCreatedEvent, WsEventKind};
use tandem_dto::{
    AttachmentPermission, AttachmentResponse, AttachmentVersionResponse, Page, Problem,
    UpdateAttachmentRequest,
};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::events::Audience;
use crate::extract::{AuthUser, Json, check_if_match};
use crate::features::access::{self, ProjectAccess};
use crate::features::created;
use crate::outbox::Outbox;
use crate::state::AppState;

/// The multipart form of an upload (documentation for the OpenAPI spec).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// `project` (default) or `assignee_only`: who may replace or delete it.
    permission: Option<AttachmentPermission>,
    /// Comma-separated user ids who may see it (default: everyone who sees the task).
    viewers: Option<String>,
}

/// The multipart form of a new version.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct VersionForm {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

fn view_action(a: &attachments::Model, me: Uuid) -> ProjectAction {
    let (restricted, listed) = match repo::viewers(a) {
        Viewers::Everyone => (false, true),
        Viewers::Listed(list) => (true, a.created_by == me || list.contains(&me)),
        // Unreadable data restricts to project administrators, never opens to everyone.
        Viewers::Unreadable => (true, false),
    };
    ProjectAction::ViewAttachment { restricted, listed }
}

fn edit_action(a: &attachments::Model, t: &tasks::Model, me: Uuid) -> ProjectAction {
    ProjectAction::EditAttachment {
        // Anything but the open setting restricts (unknown stored values too).
        assignee_only: a.permission != AttachmentPermission::Project.as_str(),
        is_assignee: t.assignee_id == Some(me),
    }
}

fn manage_action(a: &attachments::Model, me: Uuid) -> ProjectAction {
    ProjectAction::ManageAttachment {
        is_uploader: a.created_by == me,
    }
}

/// Whether the caller could remove this attachment on their own (see it, and edit it).
pub(crate) fn removable(
    access: &ProjectAccess,
    auth: &AuthUser,
    a: &attachments::Model,
    t: &tasks::Model,
) -> bool {
    access.check(auth, view_action(a, auth.user.id)).is_ok()
        && access.check(auth, edit_action(a, t, auth.user.id)).is_ok()
}

fn dto(
    a: &attachments::Model,
    current: Option<&attachment_versions::Model>,
    can_edit: bool,
    can_manage: bool,
) -> AttachmentResponse {
    AttachmentResponse {
        id: a.id,
        task_id: a.task_id,
        name: a.name.clone(),
        permission: AttachmentPermission::parse(&a.permission)
            .unwrap_or(AttachmentPermission::AssigneeOnly),
        viewers: match repo::viewers(a) {
            Viewers::Everyone => None,
            Viewers::Listed(list) => Some(list),
            Viewers::Unreadable => Some(Vec::new()),
        },
        current_version: a.current_version,
        size: current.map(|v| v.size).unwrap_or(0),
        sha256: current.map(|v| v.sha256.clone()).unwrap_or_default(),
        content_type: current.map(|v| v.content_type.clone()).unwrap_or_default(),
        can_edit,
        can_manage,
        created_by: a.created_by,
        created_at: a.created_at,
        updated_at: a.updated_at,
        version: a.version,
    }
}

/// One attachment for the caller, read through `db` (the writing transaction after a change).
async fn dto_one(
    db: &impl tandem_db::ConnectionTrait,
    auth: &AuthUser,
    a: &attachments::Model,
    t: &tasks::Model,
    access: &ProjectAccess,
) -> ApiResult<AttachmentResponse> {
    let versions = repo::versions(db, &[a.id]).await?;
    let current = versions.iter().find(|v| v.number == a.current_version);
    let can_edit = access.check(auth, edit_action(a, t, auth.user.id)).is_ok();
    let can_manage = access.check(auth, manage_action(a, auth.user.id)).is_ok();
    Ok(dto(a, current, can_edit, can_manage))
}

/// A file name fit for display: no directories, no control characters, at most 255 characters.
pub fn clean_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(255).collect();
    let trimmed = cleaned.trim().trim_start_matches('.').to_owned();
    if trimmed.is_empty() {
        "file".into()
    } else {
        trimmed
    }
}

/// The stored content type, from the bytes themselves. Types a browser would render as a page
/// or run script in are never stored as such.
fn sniff(head: &[u8]) -> String {
    let t = infer::get(head)
        .map(|k| k.mime_type().to_owned())
        .unwrap_or_else(|| {
            if std::str::from_utf8(head).is_ok() && !head.is_empty() {
                "text/plain; charset=utf-8".to_owned()
            } else {
                "application/octet-stream".to_owned()
            }
        });
    if t.contains("html") || t.contains("svg") || t.contains("xml") || t.contains("javascript") {
        "application/octet-stream".to_owned()
    } else {
        t
    }
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(e)
}

fn bad_form(e: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest {
        code: "bad_multipart",
        detail: format!("the multipart form could not be read: {e}"),
    }
}

/// Streams one file field into the store; returns what was stored.
async fn store_file(
    state: &AppState,
    mut field: actix_multipart::Field,
    me: Uuid,
) -> ApiResult<repo::StoredFile> {
    let name = clean_name(
        field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .unwrap_or("file"),
    );
    let key = format!("attachments/{}", Uuid::now_v7());
    let upload = state
        .files
        .put_multipart(&StorePath::from(key.as_str()))
        .await
        .map_err(internal)?;
    let mut writer = WriteMultipart::new(upload);
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    let mut head: Vec<u8> = Vec::new();
    let limit = state.config.max_upload_bytes;
    while let Some(chunk) = field.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                let _ = writer.abort().await;
                return Err(bad_form(e));
            }
        };
        size += chunk.len() as u64;
        if size > limit {
            // Nothing of a refused upload is kept.
            let _ = writer.abort().await;
            return Err(ApiError::PayloadTooLarge);
        }
        hasher.update(&chunk);
        if head.len() < 8192 {
            head.extend_from_slice(&chunk[..chunk.len().min(8192 - head.len())]);
        }
        writer.wait_for_capacity(4).await.map_err(internal)?;
        writer.write(&chunk);
    }
    if size == 0 {
        let _ = writer.abort().await;
        return Err(ApiError::validation("file", "empty", "the file is empty"));
    }
    writer.finish().await.map_err(internal)?;
    Ok(repo::StoredFile {
        name,
        size: i64::try_from(size).unwrap_or(i64::MAX),
        sha256: hex::encode(hasher.finalize()),
        content_type: sniff(&head),
        storage_key: key,
        uploaded_by: me,
    })
}

async fn text_field(mut field: actix_multipart::Field, max: usize) -> ApiResult<String> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(bad_form)?;
        if buf.len() + chunk.len() > max {
            return Err(ApiError::validation(
                field.name().unwrap_or("field"),
                "length",
                "too long",
            ));
        }
        buf.extend_from_slice(&chunk);
    }
    String::from_utf8(buf).map_err(|_| ApiError::validation("form", "utf8", "text must be UTF-8"))
}

struct Upload {
    file: Option<repo::StoredFile>,
    permission: Option<AttachmentPermission>,
    viewers: Option<Vec<Uuid>>,
}

/// Reads the form; a stored file is removed again when anything else in the form is wrong.
async fn read_form(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
    me: Uuid,
    allow_settings: bool,
) -> ApiResult<repo::StoredFile> {
    let (file, _, _) = read_form_full(state, req, payload, me, allow_settings).await?;
    Ok(file)
}

async fn read_form_full(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
    me: Uuid,
    allow_settings: bool,
) -> ApiResult<(
    repo::StoredFile,
    Option<AttachmentPermission>,
    Option<Vec<Uuid>>,
)> {
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !is_multipart {
        return Err(ApiError::UnsupportedMediaType(
            "send the file as multipart/form-data".into(),
        ));
    }
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    let mut up = Upload {
        file: None,
        permission: None,
        viewers: None,
    };
    let result: ApiResult<()> = async {
        while let Some(field) = form.try_next().await.map_err(bad_form)? {
            let name = field.name().unwrap_or_default().to_owned();
            match name.as_str() {
                "file" if up.file.is_none() => up.file = Some(store_file(state, field, me).await?),
                "permission" if allow_settings => {
                    let v = text_field(field, 32).await?;
                    up.permission =
                        Some(AttachmentPermission::parse(v.trim()).ok_or_else(|| {
                            ApiError::validation(
                                "permission",
                                "invalid",
                                "project or assignee_only",
                            )
                        })?);
                }
                "viewers" if allow_settings => {
                    let v = text_field(field, 200 * 37).await?;
                    let ids = v
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| s.parse::<Uuid>())
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|_| {
                            ApiError::validation("viewers", "invalid", "comma-separated user ids")
                        })?;
                    up.viewers = Some(ids);
                }
                other => {
                    return Err(ApiError::validation(
                        other,
                        "unknown_field",
                        "not a field of this form",
                    ));
                }
            }
        }
        Ok(())
    }
    .await;
    match (result, up.file) {
        (Ok(()), Some(f)) => Ok((f, up.permission, up.viewers)),
        (Ok(()), None) => Err(ApiError::validation(
            "file",
            "required",
            "a file field is required",
        )),
        (Err(e), file) => {
            if let Some(f) = file {
                let _ = state.files.delete(&StorePath::from(f.storage_key)).await;
            }
            Err(e)
        }
    }
}

/// T5: the task's attachments the caller may see.
#[utoipa::path(get, path = "/api/v1/tasks/{id}/attachments", tag = "tasks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Task id")),
    responses((status = 200, description = "Attachments", body = Page<AttachmentResponse>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_attachments(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let (t, a) = access::task(&state, &auth, path.into_inner(), |_| ProjectAction::View).await?;
    let rows = repo::list_for_task(&state.db, t.id).await?;
    let visible: Vec<&attachments::Model> = rows
        .iter()
        .filter(|x| a.check(&auth, view_action(x, auth.user.id)).is_ok())
        .collect();
    let ids: Vec<Uuid> = visible.iter().map(|x| x.id).collect();
    let versions = repo::versions(&state.db, &ids).await?;
    let items = visible
        .into_iter()
        .map(|x| {
            let current = versions
                .iter()
                .find(|v| v.attachment_id == x.id && v.number == x.current_version);
            let can_edit = a.check(&auth, edit_action(x, &t, auth.user.id)).is_ok();
            let can_manage = a.check(&auth, manage_action(x, auth.user.id)).is_ok();
            dto(x, current, can_edit, can_manage)
        })
        .collect::<Vec<_>>();
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: None,
    }))
}

/// T5: attach a file (multipart: `file`, optional `permission` and `viewers`), up to the
/// configured size (413 beyond, checked while streaming).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/attachments", tag = "tasks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Task id")),
    request_body(content = inline(UploadForm), content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored", body = AttachmentResponse),
        (status = 413, description = "Over the size limit", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn upload_attachment(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    path: web::Path<Uuid>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let (t, access) = access::task(&state, &auth, path.into_inner(), |_| {
        ProjectAction::EditTasks
    })
    .await?;
    let (file, permission, viewers) =
        read_form_full(&state, &req, payload, auth.user.id, true).await?;
    let key = file.storage_key.clone();
    let saved = async {
        check_viewers(&state, t.project_id, viewers.as_deref().unwrap_or_default()).await?;
        let txn = tandem_db::begin_write(&state.db).await?;
        let a = repo::create(
            &txn,
            t.id,
            permission.unwrap_or(AttachmentPermission::Project).as_str(),
            viewers,
            file,
        )
        .await?;
        // Named viewers: only they, the uploader and the project's administrators hear of it.
        let audience = match repo::viewers(&a) {
            Viewers::Everyone => Audience::Project,
            Viewers::Listed(mut users) => {
                users.push(a.created_by);
                let members = tandem_db::projects::list_members(&txn, t.project_id).await?;
                users.extend(
                    members
                        .iter()
                        .filter(|(m, _)| m.role == tandem_dto::ProjectRole::Admin.as_str())
                        .map(|(m, _)| m.user_id),
                );
                Audience::Users(users)
            }
            Viewers::Unreadable => Audience::Users(vec![a.created_by]),
        };
        let out = dto_one(&txn, &auth, &a, &t, &access).await?;
        let mut events = Outbox::by(&state, auth.user.id);
        events.event(
            WsEventKind::AttachmentCreated,
            Some(t.project_id),
            audience,
            None,
            &AttachmentCreatedEvent {
                id: a.id,
                task_id: a.task_id,
                name: a.name.clone(),
            },
        );
        events.commit(&state, txn).await?;
        Ok::<_, ApiError>((a, out))
    }
    .await;
    let (a, out) = match saved {
        Ok(v) => v,
        Err(e) => {
            // Refused or failed: the stored bytes must not stay behind.
            let _ = state.files.delete(&StorePath::from(key)).await;
            return Err(e);
        }
    };
    Ok(created(
        format!("/api/v1/attachments/{}", a.id),
        &out,
        Some(a.version),
    ))
}

/// A viewer list names members of the project, at most 200 of them.
async fn check_viewers(state: &AppState, project_id: Uuid, viewers: &[Uuid]) -> ApiResult<()> {
    if viewers.len() > 200 {
        return Err(ApiError::validation(
            "viewers",
            "length",
            "at most 200 people",
        ));
    }
    let members = tandem_db::projects::members_among(&state.db, project_id, viewers).await?;
    if viewers.iter().any(|v| !members.contains(v)) {
        return Err(ApiError::validation(
            "viewers",
            "not_member",
            "viewers must be members of the project",
        ));
    }
    Ok(())
}

/// Loads an attachment the caller may see, with its task and project access.
async fn visible(
    state: &AppState,
    auth: &AuthUser,
    id: Uuid,
) -> ApiResult<(attachments::Model, Arc<TaskRow>, ProjectAccess)> {
    let a = repo::find(&state.db, id).await?;
    let (t, access) = access::task(state, auth, a.task_id, |_| ProjectAction::View).await?;
    access.check(auth, view_action(&a, auth.user.id))?;
    Ok((a, t, access))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DownloadQuery {
    /// A version number (default: the current one).
    #[param(minimum = 1, maximum = 100000)]
    pub version: Option<i32>,
}

fn disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// T5: download the file (current version, or `?version=`), always as an attachment.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "tasks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Attachment id"), DownloadQuery),
    responses((status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>)))]
#[tracing::instrument(skip_all, err)]
pub async fn download_attachment(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    query: web::Query<DownloadQuery>,
) -> ApiResult<HttpResponse> {
    let (a, _, _) = visible(&state, &auth, path.into_inner()).await?;
    let number = query.version.unwrap_or(a.current_version);
    if !(1..=100_000).contains(&number) {
        return Err(ApiError::validation("version", "range", "1 to 100000"));
    }
    let v = repo::find_version(&state.db, a.id, number).await?;
    let data = state
        .files
        .get(&StorePath::from(v.storage_key.as_str()))
        .await
        .map_err(internal)?;
    let stream = data
        .into_stream()
        .map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string()));
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, v.content_type.clone()))
        .insert_header((header::CONTENT_DISPOSITION, disposition(&v.name)))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Content-Security-Policy", "sandbox; default-src 'none'"))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .no_chunking(u64::try_from(v.size).unwrap_or(0))
        .streaming(stream))
}

/// T5: the version history, oldest first.
#[utoipa::path(get, path = "/api/v1/attachments/{id}/versions", tag = "tasks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Attachment id")),
    responses((status = 200, description = "Versions", body = Page<AttachmentVersionResponse>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_versions(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let (a, _, _) = visible(&state, &auth, path.into_inner()).await?;
    let items = repo::versions(&state.db, &[a.id])
        .await?
        .into_iter()
        .map(|v| AttachmentVersionResponse {
            number: v.number,
            name: v.name,
            size: v.size,
            sha256: v.sha256,
            content_type: v.content_type,
            uploaded_by: v.uploaded_by,
            created_at: v.created_at,
        })
        .collect::<Vec<_>>();
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: None,
    }))
}

/// T5: upload a new version (the history is kept).
#[utoipa::path(post, path = "/api/v1/attachments/{id}/versions", tag = "tasks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Attachment id")),
    request_body(content = inline(VersionForm), content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored", body = AttachmentResponse),
        (status = 413, description = "Over the size limit", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn upload_version(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    path: web::Path<Uuid>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let (a, t, access) = visible(&state, &auth, path.into_inner()).await?;
    access.check(&auth, edit_action(&a, &t, auth.user.id))?;
    let file = read_form(&state, &req, payload, auth.user.id, false).await?;
    let key = file.storage_key.clone();
    let saved = async {
        let txn = tandem_db::begin_write(&state.db).await?;
        // Asked again of the task as it is now (a new assignee, for assignee-only files); a
        // changed attachment makes the versioned write below a 412.
        let current = tandem_db::tasks::find_task(&txn, t.id).await?;
        access.check(&auth, edit_action(&a, &current, auth.user.id))?;
        let a = repo::add_version(&txn, a, file).await?;
        let out = dto_one(&txn, &auth, &a, &t, &access).await?;
        txn.commit().await?;
        Ok::<_, ApiError>((a, out))
    }
    .await;
    let (a, out) = match saved {
        Ok(v) => v,
        Err(e) => {
            let _ = state.files.delete(&StorePath::from(key)).await;
            return Err(e);
        }
    };
    Ok(created(
        format!("/api/v1/attachments/{}", a.id),
        &out,
        Some(a.version),
    ))
}

/// T5: change who may edit (`permission`) or see (`viewers`) an attachment: its uploader and
/// project administrators only (403 otherwise). Honors `If-Match`.
#[utoipa::path(patch, path = "/api/v1/attachments/{id}", tag = "tasks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Attachment id")),
    request_body = UpdateAttachmentRequest,
    responses(
        (status = 200, description = "Changed", body = AttachmentResponse),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn update_attachment(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Json<UpdateAttachmentRequest>,
) -> ApiResult<HttpResponse> {
    let (a, t, access) = visible(&state, &auth, path.into_inner()).await?;
    access.check(&auth, manage_action(&a, auth.user.id))?;
    let body = body.into_inner()?;
    check_if_match(&req, a.version)?;
    if let Some(Some(v)) = &body.viewers {
        check_viewers(&state, t.project_id, v).await?;
    }
    let txn = tandem_db::begin_write(&state.db).await?;
    let a = repo::update_access(
        &txn,
        a,
        body.permission.map(AttachmentPermission::as_str),
        body.viewers,
    )
    .await?;
    let dto = dto_one(&txn, &auth, &a, &t, &access).await?;
    txn.commit().await?;
    Ok(crate::features::ok_with_etag(&dto, a.version))
}

/// T5: delete an attachment with all its versions.
#[utoipa::path(delete, path = "/api/v1/attachments/{id}", tag = "tasks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Attachment id")),
    responses((status = 204, description = "Deleted")))]
#[tracing::instrument(skip_all, err)]
pub async fn delete_attachment(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let (a, _, access) = visible(&state, &auth, path.into_inner()).await?;
    // Decided on the attachment and its task as they are inside the writing transaction: a
    // permission, viewer list or assignee changed meanwhile counts.
    let txn = tandem_db::begin_write(&state.db).await?;
    let a = repo::find_for_update(&txn, a.id).await?;
    let t = tandem_db::tasks::find_task(&txn, a.task_id).await?;
    access.check(&auth, view_action(&a, auth.user.id))?;
    access.check(&auth, edit_action(&a, &t, auth.user.id))?;
    let keys = repo::delete(&txn, a.id).await?;
    txn.commit().await?;
    for key in keys {
        // The rows are gone; a file left behind is only disk space, so don't fail for it.
        if let Err(e) = state.files.delete(&StorePath::from(key)).await {
            tracing::warn!(error = %e, "could not remove a deleted attachment's file");
        }
    }
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_never_become_paths() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\Users\\x\\报告.docx"), "报告.docx");
        assert_eq!(clean_name("..\u{0}"), "file");
        assert_eq!(clean_name(".htaccess"), "htaccess");
    }

    #[test]
    fn pages_and_scripts_are_not_stored_as_such() {
        assert_eq!(sniff(b"<svg onload=alert(1)>"), "text/plain; charset=utf-8");
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(
            sniff(&[0xff, 0xfe, 0x00, 0x01, 0x80]),
            "application/octet-stream"
        );
    }

    #[test]
    fn content_disposition_is_ascii_safe() {
        let d = disposition("报告 \"v2\".pdf");
        assert!(d.starts_with("attachment; filename=\"__ _v2_.pdf\""), "{d}");
        assert!(d.contains("filename*=UTF-8''%E6%8A%A5"));
    }
}
