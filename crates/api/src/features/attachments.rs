//! T5: task attachments. Uploads are streamed into the file store while their size is counted
//! (413 past the limit, nothing kept) and hashed; the type is sniffed from the content, the
//! uploaded name is kept for display only; downloads are always `attachment` with `nosniff` and a
//! sandbox policy, never HTML or SVG rendered inline.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use tandem_db::attachments::{self as repo, Viewers};
use tandem_db::entities::{file_versions as attachment_versions, files as attachments, tasks};
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
use crate::features::library::upload::{self, Received};
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

pub(crate) fn view_action(a: &attachments::Model, me: Uuid) -> ProjectAction {
    let (restricted, listed) = match repo::viewers(a) {
        Viewers::Everyone => (false, true),
        Viewers::Listed(list) => (true, a.created_by == me || list.contains(&me)),
        // Unreadable data restricts to project administrators, never opens to everyone.
        Viewers::Unreadable => (true, false),
    };
    ProjectAction::ViewAttachment { restricted, listed }
}

pub(crate) fn edit_action(a: &attachments::Model, t: &tasks::Model, me: Uuid) -> ProjectAction {
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
        task_id: a.task_id.unwrap_or_default(),
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

/// Reads the attachment form: the file, and the settings when `allow_settings`.
async fn read_attachment_form(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
    allow_settings: bool,
) -> ApiResult<(Received, Option<AttachmentPermission>, Option<Vec<Uuid>>)> {
    let fields: &[(&str, usize)] = if allow_settings {
        &[("permission", 32), ("viewers", 200 * 37)]
    } else {
        &[]
    };
    let form = upload::read_form(state, req, payload, fields).await?;
    let parsed = (|| {
        let permission = match form.get("permission") {
            None => None,
            Some(v) => Some(AttachmentPermission::parse(v.trim()).ok_or_else(|| {
                ApiError::validation("permission", "invalid", "project or assignee_only")
            })?),
        };
        let viewers = match form.get("viewers") {
            None => None,
            Some(v) => Some(
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| s.parse::<Uuid>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| {
                        ApiError::validation("viewers", "invalid", "comma-separated user ids")
                    })?,
            ),
        };
        Ok::<_, ApiError>((permission, viewers))
    })();
    match parsed {
        Ok((p, v)) => Ok((form.file, p, v)),
        Err(e) => {
            upload::discard(state, &form.file).await;
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
                .find(|v| v.file_id == x.id && v.number == x.current_version);
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
    let (file, permission, viewers) = read_attachment_form(&state, &req, payload, true).await?;
    let saved = async {
        check_viewers(&state, t.project_id, viewers.as_deref().unwrap_or_default()).await?;
        let txn = tandem_db::begin_write(&state.db).await?;
        let duplicate = upload::record(&txn, t.project_id, &file).await?;
        let a = repo::create(
            &txn,
            t.project_id,
            t.id,
            permission.unwrap_or(AttachmentPermission::Project).as_str(),
            viewers,
            file.version(None, auth.user.id),
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
                task_id: t.id,
                name: a.name.clone(),
            },
        );
        events.commit(&state, txn).await?;
        Ok::<_, ApiError>(((a, out), duplicate))
    }
    .await;
    let (a, out) = upload::settle(&state, &file, saved).await?;
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
    let (t, access) = access::task(state, auth, a.task_id.unwrap_or_default(), |_| {
        ProjectAction::View
    })
    .await?;
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

/// T5: download the file (current version, or `?version=`), always as an attachment.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "tasks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Attachment id"), DownloadQuery,
        ("Range" = Option<String>, Header, description = "One byte range, e.g. `bytes=0-1023`"),
        ("If-None-Match" = Option<String>, Header, description = "The ETag last downloaded")),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>,
            headers(("ETag" = String, description = "The content's SHA-256, quoted"),
                ("Content-Disposition" = String, description = "attachment, with the name (RFC 6266)"),
                ("Accept-Ranges" = String, description = "bytes"))),
        (status = 206, description = "The requested range", content_type = "application/octet-stream", body = Vec<u8>,
            headers(("Content-Range" = String, description = "bytes a-b/length"))),
        (status = 304, description = "Not modified"),
        (status = 416, description = "The range is outside the file"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn download_attachment(
    state: web::Data<AppState>,
    req: HttpRequest,
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
    crate::features::library::files::stream_version(&state, &req, &v, "attachment").await
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
            uploaded_by: v.created_by,
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
    let (file, _, _) = read_attachment_form(&state, &req, payload, false).await?;
    let saved = async {
        let txn = tandem_db::begin_write(&state.db).await?;
        // Asked again of the task as it is now (a new assignee, for assignee-only files); a
        // changed attachment makes the versioned write below a 412.
        let current = tandem_db::tasks::find_task(&txn, t.id).await?;
        access.check(&auth, edit_action(&a, &current, auth.user.id))?;
        let duplicate = upload::record(&txn, t.project_id, &file).await?;
        let a = repo::add_version(&txn, a, file.version(None, auth.user.id)).await?;
        let out = dto_one(&txn, &auth, &a, &t, &access).await?;
        txn.commit().await?;
        Ok::<_, ApiError>(((a, out), duplicate))
    }
    .await;
    let (a, out) = upload::settle(&state, &file, saved).await?;
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
    let t = tandem_db::tasks::find_task(&txn, a.task_id.unwrap_or_default()).await?;
    access.check(&auth, view_action(&a, auth.user.id))?;
    access.check(&auth, edit_action(&a, &t, auth.user.id))?;
    repo::delete(&txn, a.id).await?;
    // The stored objects are removed by the jobs queued with the deletion.
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}
