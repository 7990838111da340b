//! A4: the personal center — profile, avatar, quick replies, notifications.

use std::io::Cursor;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use tandem_db::accounts;
use tandem_db::audit::{self, AuditEvent};
use tandem_domain::policy::may_see_account;
use tandem_dto::{
    ChangePasswordRequest, CreateQuickReplyRequest, MarkNotificationsReadRequest,
    NotificationResponse, Page, Problem, QuickReplyResponse, TokenPairResponse, UpdateMeRequest,
    UpdateQuickReplyRequest, UserResponse, UserStatus,
};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult, validate};
use crate::events::Control;
use crate::extract::{Allowed, Json, PageQuery, check_if_match, perm};
use crate::features::auth::{issue_pair, lock};
use crate::features::{created, ok_with_etag};
use crate::state::AppState;

/// Avatars above this size are refused before decoding.
pub const AVATAR_MAX_BYTES: usize = 2 * 1024 * 1024;
const AVATAR_SIDE: u32 = 256;

/// The caller's own profile.
#[utoipa::path(get, path = "/api/v1/me", tag = "me", security(("bearer" = [])),
    responses((status = 200, description = "Profile", body = UserResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn get_me(auth: Allowed<perm::ReadSelf>) -> ApiResult<HttpResponse> {
    Ok(ok_with_etag(
        &accounts::user_dto(&auth.user),
        auth.user.version,
    ))
}

fn optional_text(v: Option<String>, field: &str, max: usize) -> ApiResult<Option<String>> {
    match v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()) {
        Some(s) if s.chars().count() > max => Err(ApiError::validation(
            field,
            "length",
            format!("must be at most {max} characters long"),
        )),
        other => Ok(other),
    }
}

/// Change name, position, phone or contact info. Honors `If-Match`.
#[utoipa::path(patch, path = "/api/v1/me", tag = "me", security(("bearer" = [])),
    request_body = UpdateMeRequest,
    responses(
        (status = 200, description = "Updated profile", body = UserResponse),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn update_me(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Allowed<perm::WriteSelf>,
    body: Json<UpdateMeRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner()?;
    validate(&body)?;
    check_if_match(&req, auth.user.version)?;
    let mut changes = accounts::UserChanges::default();
    if let Some(name) = body.name {
        changes.name = Some(non_blank(name, "name")?);
    }
    if let Some(position) = body.position {
        changes.position = Some(non_blank(position, "position")?);
    }
    if let Some(phone) = body.phone {
        let phone = optional_text(phone, "phone", 64)?;
        if let Some(p) = &phone
            && !tandem_dto::rules::phone_ok(p)
        {
            return Err(ApiError::validation(
                "phone",
                "format",
                "digits, spaces and + - ( ) only",
            ));
        }
        changes.phone = Some(phone);
    }
    if let Some(contact) = body.contact {
        changes.contact = Some(optional_text(contact, "contact", 500)?);
    }
    changes.locale = body.locale.map(|l| l.as_str().to_owned());
    let user =
        accounts::update_user(&state.db, Arc::unwrap_or_clone(auth.auth.user), changes).await?;
    Ok(ok_with_etag(&accounts::user_dto(&user), user.version))
}

/// Upload an avatar: PNG, JPEG or WebP (checked by content), at most 2 MiB. It is
/// re-encoded to a 256×256 PNG, so nothing the client sent is ever served back.
#[utoipa::path(put, path = "/api/v1/me/avatar", tag = "me", security(("bearer" = [])),
    request_body(content = Vec<u8>, content_type = "image/png", description = "The image bytes (PNG, JPEG or WebP)"),
    responses(
        (status = 200, description = "Updated profile", body = UserResponse),
        (status = 413, description = "Over 2 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a PNG, JPEG or WebP image", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn put_avatar(
    state: web::Data<AppState>,
    auth: Allowed<perm::WriteSelf>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    if body.len() > AVATAR_MAX_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    let png = tokio::task::spawn_blocking(move || thumbnail(&body))
        .await
        .map_err(ApiError::internal)??;
    let changes = accounts::UserChanges {
        avatar: Some(png),
        ..Default::default()
    };
    let user =
        accounts::update_user(&state.db, Arc::unwrap_or_clone(auth.auth.user), changes).await?;
    Ok(ok_with_etag(&accounts::user_dto(&user), user.version))
}

fn thumbnail(bytes: &[u8]) -> ApiResult<Vec<u8>> {
    use image::{ImageFormat, ImageReader, Limits};
    let unsupported =
        || ApiError::UnsupportedMediaType("avatars must be PNG, JPEG or WebP images".into());
    let format = image::guess_format(bytes).map_err(|_| unsupported())?;
    if !matches!(
        format,
        ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP
    ) {
        return Err(unsupported());
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    // A small file can still claim huge dimensions (decompression bomb): cap the decoder.
    let mut limits = Limits::default();
    limits.max_image_width = Some(8192);
    limits.max_image_height = Some(8192);
    limits.max_alloc = Some(128 * 1024 * 1024);
    reader.limits(limits);
    let img = reader
        .decode()
        .map_err(|_| ApiError::validation("avatar", "corrupt", "the image could not be decoded"))?;
    let thumb = img.resize_to_fill(
        AVATAR_SIDE,
        AVATAR_SIDE,
        image::imageops::FilterType::Triangle,
    );
    let mut out = Vec::new();
    thumb
        .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .map_err(ApiError::internal)?;
    Ok(out)
}

/// A user's avatar as a 256×256 PNG.
#[utoipa::path(get, path = "/api/v1/users/{id}/avatar", tag = "users", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, description = "The image", content_type = "image/png", body = Vec<u8>),
        (status = 404, description = "No such user or no avatar", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn get_avatar(
    state: web::Data<AppState>,
    auth: Allowed<perm::ReadDirectory>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let user = accounts::find_user(&state.db, path.into_inner()).await?;
    if !may_see_account(&auth.actor, user.id, UserStatus::parse(&user.status)) {
        return Err(ApiError::NotFound);
    }
    let png = user.avatar.ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "image/png"))
        .insert_header((header::CACHE_CONTROL, "private, max-age=60"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header((header::ETAG, crate::extract::etag(user.version)))
        .body(png))
}

/// Change one's own password. Every signed-in session of the account ends (their refresh
/// tokens are revoked, their access tokens refused, their live connections closed) and the
/// caller receives a new token pair; personal access tokens keep working. A wrong current
/// password counts against the login throttle.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "me", security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 200, description = "Changed; a new session for the caller", body = TokenPairResponse),
        (status = 429, description = "Too many wrong passwords", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too busy to hash the password now", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn change_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Allowed<perm::WriteSelf>,
    body: Json<ChangePasswordRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner()?;
    validate(&body)?;
    // Someone holding a stolen session must not be able to guess the password at leisure;
    // counted before hashing, so parallel guesses count too.
    let key = format!("password:{}", auth.user.id);
    lock(&state.throttle.accounts)
        .attempt(&key, std::time::Instant::now())
        .map_err(ApiError::throttled)?;
    let verified = match state
        .hasher
        .verify(body.current_password, auth.user.password_hash.clone())
        .await
    {
        Ok(v) => v,
        Err(e) => {
            lock(&state.throttle.accounts).forgive(&key);
            return Err(e.into());
        }
    };
    if !verified {
        if let Some(wait) =
            lock(&state.throttle.accounts).locked_for(&key, std::time::Instant::now())
        {
            return Err(ApiError::throttled(wait));
        }
        return Err(ApiError::validation(
            "current_password",
            "incorrect",
            "the current password is wrong",
        ));
    }
    lock(&state.throttle.accounts).succeed(&key);
    let hash = state.hasher.hash(body.new_password).await?;
    let txn = tandem_db::begin_write(&state.db).await?;
    let me = auth.user.id;
    let user = accounts::update_user(
        &txn,
        Arc::unwrap_or_clone(auth.auth.user),
        accounts::UserChanges {
            password_hash: Some(hash),
            ..Default::default()
        },
    )
    .await?;
    let ended = accounts::revoke_sessions_of(&txn, user.id).await?;
    let session = Uuid::now_v7();
    let pair = issue_pair(&state, &txn, &user, session).await?;
    audit::record(
        &txn,
        AuditEvent {
            actor_id: Some(user.id),
            action: "user.password_changed",
            target_type: Some("user"),
            target_id: Some(user.id.to_string()),
            detail: serde_json::json!({}),
            ip: crate::extract::client_ip(&req),
        },
    )
    .await?;
    // Every other session's access tokens and live connections end now, not at expiry.
    let mut out = crate::outbox::Outbox::by(&state, me);
    for s in ended {
        out.control(Control::SessionEnded {
            user: user.id,
            session: s,
        });
    }
    out.commit(&state, txn).await?;
    Ok(HttpResponse::Ok().json(pair))
}

/// The caller's quick-reply templates.
#[utoipa::path(get, path = "/api/v1/me/quick-replies", tag = "me", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, description = "Templates", body = Page<QuickReplyResponse>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_quick_replies(
    state: web::Data<AppState>,
    auth: Allowed<perm::ReadSelf>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let (rows, next) =
        accounts::list_quick_replies(&state.db, auth.user.id, page.cursor()?, page.limit()?)
            .await?;
    Ok(HttpResponse::Ok().json(Page {
        items: rows.iter().map(accounts::quick_reply_dto).collect(),
        next_cursor: next,
    }))
}

/// Add a quick-reply template.
#[utoipa::path(post, path = "/api/v1/me/quick-replies", tag = "me", security(("bearer" = [])),
    request_body = CreateQuickReplyRequest,
    responses((status = 201, description = "Created", body = QuickReplyResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn create_quick_reply(
    state: web::Data<AppState>,
    auth: Allowed<perm::WriteSelf>,
    body: Json<CreateQuickReplyRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner()?;
    validate(&body)?;
    let title = non_blank(body.title, "title")?;
    let text = non_blank(body.body, "body")?;
    let q = accounts::insert_quick_reply(&state.db, auth.user.id, title, text).await?;
    Ok(created(
        format!("/api/v1/me/quick-replies/{}", q.id),
        &accounts::quick_reply_dto(&q),
        Some(q.version),
    ))
}

pub(crate) fn non_blank(s: String, field: &str) -> ApiResult<String> {
    let t = s.trim();
    if t.is_empty() {
        Err(ApiError::validation(field, "required", "must not be blank"))
    } else {
        Ok(t.to_owned())
    }
}

/// Change a quick-reply template. Honors `If-Match`.
#[utoipa::path(patch, path = "/api/v1/me/quick-replies/{id}", tag = "me", security(("bearer" = [])),
    request_body = UpdateQuickReplyRequest,
    params(("id" = Uuid, Path, description = "Template id")),
    responses(
        (status = 200, description = "Updated", body = QuickReplyResponse),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn update_quick_reply(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Allowed<perm::WriteSelf>,
    path: web::Path<Uuid>,
    body: Json<UpdateQuickReplyRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner()?;
    validate(&body)?;
    let q = accounts::find_quick_reply(&state.db, auth.user.id, path.into_inner()).await?;
    check_if_match(&req, q.version)?;
    let title = body.title.map(|t| non_blank(t, "title")).transpose()?;
    let text = body.body.map(|b| non_blank(b, "body")).transpose()?;
    let q = accounts::update_quick_reply(&state.db, q, title, text).await?;
    Ok(ok_with_etag(&accounts::quick_reply_dto(&q), q.version))
}

/// Delete a quick-reply template.
#[utoipa::path(delete, path = "/api/v1/me/quick-replies/{id}", tag = "me", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Template id")),
    responses((status = 204, description = "Deleted")))]
#[tracing::instrument(skip_all, err)]
pub async fn delete_quick_reply(
    state: web::Data<AppState>,
    auth: Allowed<perm::WriteSelf>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let q = accounts::find_quick_reply(&state.db, auth.user.id, path.into_inner()).await?;
    accounts::delete_quick_reply(&state.db, q.id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Filter of the notification list.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only unread ones.
    pub unread: Option<bool>,
    /// Only this kind (e.g. `comment.mention`).
    #[param(max_length = 64)]
    pub kind: Option<String>,
}

/// The caller's notifications, newest first.
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "me", security(("bearer" = [])),
    params(PageQuery, NotificationQuery),
    responses((status = 200, description = "Notifications", body = Page<NotificationResponse>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_notifications(
    state: web::Data<AppState>,
    auth: Allowed<perm::ReadSelf>,
    page: web::Query<PageQuery>,
    filter: web::Query<NotificationQuery>,
) -> ApiResult<HttpResponse> {
    crate::error::check_text_param("kind", filter.kind.as_deref(), 64)?;
    let (rows, next) = accounts::list_notifications(
        &state.db,
        auth.user.id,
        filter.unread.unwrap_or(false),
        filter.kind.as_deref(),
        page.cursor()?,
        page.limit()?,
    )
    .await?;
    Ok(HttpResponse::Ok().json(Page {
        items: rows.iter().map(accounts::notification_dto).collect(),
        next_cursor: next,
    }))
}

/// Mark notifications read (all of them when `ids` is absent).
#[utoipa::path(post, path = "/api/v1/me/notifications/read", tag = "me", security(("bearer" = [])),
    request_body = MarkNotificationsReadRequest,
    responses((status = 204, description = "Marked")))]
#[tracing::instrument(skip_all, err)]
pub async fn mark_notifications_read(
    state: web::Data<AppState>,
    auth: Allowed<perm::WriteSelf>,
    body: Json<MarkNotificationsReadRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner()?;
    validate(&body)?;
    let txn = tandem_db::begin_write(&state.db).await?;
    let marked = accounts::mark_notifications_read(&txn, auth.user.id, body.ids.clone()).await?;
    // The reader's other tabs update their bell.
    let mut out = crate::outbox::Outbox::by(&state, auth.user.id);
    if marked > 0 {
        out.event(
            tandem_dto::WsEventKind::NotificationRead,
            None,
            crate::events::Audience::Users(vec![auth.user.id]),
            None,
            &tandem_dto::NotificationReadEvent { ids: body.ids },
        );
    }
    out.commit(&state, txn).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// C7: how many of the caller's notifications are unread (the bell's count).
#[utoipa::path(get, path = "/api/v1/me/notifications/unread-count", tag = "me", security(("bearer" = [])),
    responses((status = 200, description = "Unread notifications", body = tandem_dto::UnreadCountResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn unread_notification_count(
    state: web::Data<AppState>,
    auth: Allowed<perm::ReadSelf>,
) -> ApiResult<HttpResponse> {
    let count = accounts::count_unread_notifications(&state.db, auth.user.id).await?;
    Ok(HttpResponse::Ok().json(tandem_dto::UnreadCountResponse { count }))
}

/// C7: the caller's choice per kind of notification (in the app, by e-mail); every kind the
/// server knows, both on unless changed.
#[utoipa::path(get, path = "/api/v1/me/notification-settings", tag = "me", security(("bearer" = [])),
    responses((status = 200, description = "Settings", body = tandem_dto::NotificationSettingsResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn get_notification_settings(
    state: web::Data<AppState>,
    auth: Allowed<perm::ReadSelf>,
) -> ApiResult<HttpResponse> {
    let items = settings_of(&state.db, auth.user.id).await?;
    Ok(HttpResponse::Ok().json(tandem_dto::NotificationSettingsResponse { items }))
}

async fn settings_of(
    db: &impl tandem_db::ConnectionTrait,
    user: uuid::Uuid,
) -> ApiResult<Vec<tandem_dto::NotificationSetting>> {
    let chosen = accounts::notification_settings(db, user).await?;
    Ok(tandem_dto::NOTIFICATION_KINDS
        .iter()
        .map(|k| {
            let (in_app, email) = chosen.get(*k).copied().unwrap_or((true, true));
            tandem_dto::NotificationSetting {
                kind: (*k).to_owned(),
                in_app,
                email,
            }
        })
        .collect())
}

/// C7: change some kinds' settings (kinds left out keep theirs); answers all of them.
#[utoipa::path(put, path = "/api/v1/me/notification-settings", tag = "me", security(("bearer" = [])),
    request_body = tandem_dto::UpdateNotificationSettingsRequest,
    responses((status = 200, description = "Settings", body = tandem_dto::NotificationSettingsResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn put_notification_settings(
    state: web::Data<AppState>,
    auth: Allowed<perm::WriteSelf>,
    body: Json<tandem_dto::UpdateNotificationSettingsRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner()?;
    let mut errors = Vec::new();
    if body.items.len() > 100 {
        errors.push(tandem_dto::FieldError::new(
            "items",
            "length",
            "at most 100 settings",
        ));
    }
    for (i, s) in body.items.iter().enumerate() {
        if !tandem_dto::NOTIFICATION_KINDS.contains(&s.kind.as_str()) {
            errors.push(tandem_dto::FieldError::new(
                format!("items[{i}].kind"),
                "unknown_kind",
                format!(
                    "no notifications of kind {:?}",
                    s.kind.chars().take(64).collect::<String>()
                ),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let txn = tandem_db::begin_write(&state.db).await?;
    for s in &body.items {
        accounts::set_notification_setting(&txn, auth.user.id, &s.kind, s.in_app, s.email).await?;
    }
    let items = settings_of(&txn, auth.user.id).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(tandem_dto::NotificationSettingsResponse { items }))
}
