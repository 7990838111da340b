//! A2: the approval queue.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;
use tandem_db::accounts::{self, UserFilter};
use tandem_db::audit::{self, AuditEvent};
use tandem_dto::{Page, Problem, RejectRequest, UserResponse, UserStatus};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult, validate};
use crate::extract::{Allowed, AuthUser, Json, PageQuery, client_ip, perm};
use crate::features::ok_with_etag;
use crate::state::AppState;

/// The states a registration can be listed in.
#[derive(Debug, Clone, Copy, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    /// Waiting for a decision.
    Pending,
    /// Refused.
    Rejected,
}

/// Which registrations to list.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegistrationQuery {
    /// `pending` (default) or `rejected`.
    pub status: Option<RegistrationStatus>,
}

/// Registrations waiting for a decision (or the rejected ones).
#[utoipa::path(get, path = "/api/v1/admin/registrations", tag = "admin", security(("bearer" = [])),
    params(PageQuery, RegistrationQuery),
    responses((status = 200, description = "Registrations", body = Page<UserResponse>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_registrations(
    state: web::Data<AppState>,
    _auth: Allowed<perm::ReadAccounts>,
    page: web::Query<PageQuery>,
    filter: web::Query<RegistrationQuery>,
) -> ApiResult<HttpResponse> {
    let status = match filter.status {
        None | Some(RegistrationStatus::Pending) => UserStatus::Pending,
        Some(RegistrationStatus::Rejected) => UserStatus::Rejected,
    };
    let (rows, next) = accounts::list_users(
        &state.db,
        UserFilter {
            status: Some(status),
            after: page.cursor()?,
            limit: page.limit()?,
            ..Default::default()
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(Page {
        items: rows.iter().map(accounts::user_dto).collect(),
        next_cursor: next,
    }))
}

async fn decide(
    state: &AppState,
    req: &HttpRequest,
    auth: &AuthUser,
    user_id: Uuid,
    approve: bool,
    reason: Option<String>,
) -> ApiResult<HttpResponse> {
    // Checked and decided in one transaction: two administrators deciding at once cannot both
    // pass the "still pending" check.
    let txn = tandem_db::begin_write(&state.db).await?;
    let user = accounts::find_user_for_update(&txn, user_id).await?;
    let status = UserStatus::parse(&user.status);
    // Rejected registrations may still be approved later (a mistake corrected).
    let allowed = matches!(
        (approve, status),
        (true, Some(UserStatus::Pending | UserStatus::Rejected))
            | (false, Some(UserStatus::Pending))
    );
    if !allowed {
        return Err(ApiError::conflict(
            "not_pending",
            format!("the registration is {}, not pending", user.status),
        ));
    }
    let updated = accounts::update_user(
        &txn,
        user,
        accounts::UserChanges {
            status: Some(if approve {
                UserStatus::Active
            } else {
                UserStatus::Rejected
            }),
            rejection_reason: Some(reason.clone()),
            ..Default::default()
        },
    )
    .await?;
    let (action, kind, body) = if approve {
        ("user.approved", "account.approved", String::new())
    } else {
        (
            "user.rejected",
            "account.rejected",
            reason.clone().unwrap_or_default(),
        )
    };
    let data = json!({ "by": auth.user.id, "reason": reason });
    let mut out = crate::outbox::Outbox::by(state, auth.user.id);
    let n = accounts::insert_notification(
        &txn,
        updated.id,
        kind,
        &super::notify::english_title(kind, &data),
        &body,
        data.clone(),
        out.mail && updated.email.is_some(),
    )
    .await?;
    out.notification(&n);
    audit::record(
        &txn,
        AuditEvent {
            actor_id: Some(auth.user.id),
            action,
            target_type: Some("user"),
            target_id: Some(updated.id.to_string()),
            detail: json!({ "reason": reason }),
            ip: client_ip(req),
        },
    )
    .await?;
    out.commit(state, txn).await?;
    Ok(ok_with_etag(&accounts::user_dto(&updated), updated.version))
}

/// Approve a registration: the user becomes active and is notified.
#[utoipa::path(post, path = "/api/v1/admin/registrations/{user_id}/approve", tag = "admin",
    security(("bearer" = [])),
    params(("user_id" = Uuid, Path, description = "The registered user")),
    responses(
        (status = 200, description = "Approved", body = UserResponse),
        (status = 409, description = "Not pending", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn approve_registration(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Allowed<perm::ManageUsers>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    decide(&state, &req, &auth, path.into_inner(), true, None).await
}

/// Reject a registration with a reason the user will see.
#[utoipa::path(post, path = "/api/v1/admin/registrations/{user_id}/reject", tag = "admin",
    security(("bearer" = [])),
    request_body = RejectRequest,
    params(("user_id" = Uuid, Path, description = "The registered user")),
    responses(
        (status = 200, description = "Rejected", body = UserResponse),
        (status = 409, description = "Not pending", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn reject_registration(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Allowed<perm::ManageUsers>,
    path: web::Path<Uuid>,
    body: Json<RejectRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner()?;
    validate(&body)?;
    let reason = super::me::non_blank(body.reason, "reason")?;
    decide(&state, &req, &auth, path.into_inner(), false, Some(reason)).await
}
