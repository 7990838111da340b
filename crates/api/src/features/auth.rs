//! A1 registration, A3 login / refresh / logout.

use std::time::Instant;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde_json::json;
use tandem_db::audit::{self, AuditEvent};
use tandem_db::{RepoError, accounts};
use tandem_domain::normalize_email;
use tandem_dto::{
    LoginRequest, Problem, RefreshRequest, RegisterRequest, SystemRole, TokenPairResponse,
    UserResponse, UserStatus,
};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult, referenced, validate};
use crate::extract::{Json, client_ip};
use crate::features::created;
use crate::security;
use crate::state::AppState;

/// Register an account; it stays `pending` until an administrator approves it.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered, pending approval", body = UserResponse),
        (status = 409, description = "E-mail or employee ID taken", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn register_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner()?;
    validate(&body)?;
    let email = body
        .email
        .as_deref()
        .map(normalize_email)
        .filter(|e| !e.is_empty());
    let employee_id = body
        .employee_id
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_owned);
    // The same rules the registration form checks in the browser.
    let problems = tandem_dto::rules::register(&body);
    if !problems.is_empty() {
        return Err(ApiError::Validation(problems));
    }
    referenced(
        accounts::find_department(&state.db, body.department_id).await,
        "department_id",
        "department",
    )?;
    if let Some(which) =
        accounts::identifier_taken(&state.db, email.as_deref(), employee_id.as_deref()).await?
    {
        return Err(taken(which));
    }
    let password_hash = security::hash_password(body.password)
        .await
        .map_err(ApiError::internal)?;
    let user = accounts::insert_user(
        &state.db,
        accounts::NewUser {
            email,
            employee_id,
            name: body.name.trim().to_owned(),
            department_id: Some(body.department_id),
            position: body.position.trim().to_owned(),
            password_hash,
            role: SystemRole::Member,
            status: UserStatus::Pending,
        },
    )
    .await
    // Two registrations racing past the check: the unique index decides.
    .map_err(|e| match e {
        RepoError::Conflict(_) => taken("email"),
        other => other.into(),
    })?;
    audit::record(
        &state.db,
        AuditEvent {
            actor_id: Some(user.id),
            action: "user.registered",
            target_type: Some("user"),
            target_id: Some(user.id.to_string()),
            detail: json!({}),
            ip: client_ip(&req),
        },
    )
    .await?;
    Ok(created(
        format!("/api/v1/users/{}", user.id),
        &accounts::user_dto(&user),
        None,
    ))
}

fn taken(which: &str) -> ApiError {
    if which == "employee_id" {
        ApiError::conflict(
            "employee_id_taken",
            "this employee ID is already registered",
        )
    } else {
        ApiError::conflict(
            "email_taken",
            "this e-mail or identifier is already registered",
        )
    }
}

/// Log in with e-mail or employee ID.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenPairResponse),
        (status = 401, description = "Wrong login or password", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Account pending, rejected or deactivated", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner()?;
    validate(&body)?;
    let ip = client_ip(&req);
    let account_key = body.login.trim().to_lowercase();
    let ip_key = ip.clone().unwrap_or_default();
    let now = Instant::now();
    {
        let wait = lock(&state.throttle.accounts)
            .locked_for(&account_key, now)
            .max(lock(&state.throttle.addresses).locked_for(&ip_key, now));
        if let Some(wait) = wait {
            return Err(ApiError::TooManyRequests {
                retry_after: wait.as_secs().max(1),
            });
        }
    }
    let user = accounts::find_user_by_login(&state.db, &body.login).await?;
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| state.dummy_hash.as_ref().clone());
    let ok = security::verify_password(body.password, hash).await && user.is_some();
    let Some(user) = user.filter(|_| ok) else {
        let a = lock(&state.throttle.accounts).fail(&account_key, now);
        let b = lock(&state.throttle.addresses).fail(&ip_key, now);
        audit::record(
            &state.db,
            AuditEvent {
                actor_id: None,
                action: "auth.login_failed",
                target_type: Some("login"),
                target_id: None,
                // The attempted login is recorded, the password never.
                detail: json!({ "login": body.login.chars().take(254).collect::<String>() }),
                ip,
            },
        )
        .await?;
        if let Some(wait) = a.max(b) {
            return Err(ApiError::TooManyRequests {
                retry_after: wait.as_secs().max(1),
            });
        }
        return Err(ApiError::Unauthorized {
            code: "invalid_credentials",
        });
    };
    // The status is only revealed to someone who knows the password.
    match UserStatus::parse(&user.status) {
        Some(UserStatus::Active) => {}
        Some(UserStatus::Pending) => {
            return Err(ApiError::forbidden(
                "account_pending",
                "your registration is waiting for an administrator's approval",
            ));
        }
        Some(UserStatus::Rejected) => {
            return Err(ApiError::forbidden(
                "account_rejected",
                format!(
                    "your registration was rejected: {}",
                    user.rejection_reason.clone().unwrap_or_default()
                ),
            ));
        }
        _ => {
            return Err(ApiError::forbidden(
                "account_deactivated",
                "this account is deactivated",
            ));
        }
    }
    lock(&state.throttle.accounts).succeed(&account_key);
    let pair = issue_pair(&state, &user, Uuid::now_v7()).await?;
    audit::record(
        &state.db,
        AuditEvent {
            actor_id: Some(user.id),
            action: "auth.login",
            target_type: Some("user"),
            target_id: Some(user.id.to_string()),
            detail: json!({}),
            ip,
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(pair))
}

pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves only counters behind; keep using them.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

pub(crate) async fn issue_pair(
    state: &AppState,
    user: &tandem_db::entities::users::Model,
    family: Uuid,
) -> ApiResult<TokenPairResponse> {
    let ttl = state.config.access_ttl.as_secs() as i64;
    let access = security::issue_access_token(&state.config.jwt_secret, user.id, ttl)
        .map_err(ApiError::internal)?;
    let refresh = security::random_token(32);
    let expires = Utc::now()
        + chrono::Duration::from_std(state.config.refresh_ttl).map_err(ApiError::internal)?;
    accounts::insert_refresh_token(
        &state.db,
        user.id,
        family,
        security::token_hash(&refresh),
        expires,
    )
    .await?;
    Ok(TokenPairResponse {
        access_token: access,
        refresh_token: refresh,
        token_type: "Bearer".into(),
        expires_in: ttl,
        user: accounts::user_dto(user),
    })
}

/// Exchange a refresh token for a new pair. Each refresh token works once; presenting a
/// spent one revokes every token of its login.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, description = "New pair", body = TokenPairResponse),
        (status = 401, description = "Unknown, expired, spent or revoked", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn refresh_session(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner()?;
    validate(&body)?;
    let invalid = ApiError::Unauthorized {
        code: "invalid_refresh_token",
    };
    let row = accounts::find_refresh_token(&state.db, &security::token_hash(&body.refresh_token))
        .await?
        .ok_or(invalid)?;
    if row.revoked_at.is_some() {
        return Err(ApiError::Unauthorized {
            code: "invalid_refresh_token",
        });
    }
    if row.used_at.is_some() || !accounts::spend_refresh_token(&state.db, row.id).await? {
        // Reuse: someone holds a copy. Kill the whole login so neither copy works.
        accounts::revoke_refresh_family(&state.db, row.family_id).await?;
        audit::record(
            &state.db,
            AuditEvent {
                actor_id: Some(row.user_id),
                action: "auth.refresh_reuse",
                target_type: Some("user"),
                target_id: Some(row.user_id.to_string()),
                detail: json!({ "family_id": row.family_id }),
                ip: client_ip(&req),
            },
        )
        .await?;
        return Err(ApiError::Unauthorized {
            code: "refresh_token_reused",
        });
    }
    if row.expires_at <= Utc::now() {
        return Err(ApiError::Unauthorized {
            code: "invalid_refresh_token",
        });
    }
    let user = accounts::find_user(&state.db, row.user_id).await?;
    if UserStatus::parse(&user.status) != Some(UserStatus::Active) {
        return Err(ApiError::Unauthorized {
            code: "account_inactive",
        });
    }
    let pair = issue_pair(&state, &user, row.family_id).await?;
    Ok(HttpResponse::Ok().json(pair))
}

/// Log out: revoke the refresh token (and its family). Idempotent.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "Revoked")))]
#[tracing::instrument(skip_all, err)]
pub async fn logout(
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner()?;
    validate(&body)?;
    if let Some(row) =
        accounts::find_refresh_token(&state.db, &security::token_hash(&body.refresh_token)).await?
    {
        accounts::revoke_refresh_family(&state.db, row.family_id).await?;
    }
    Ok(HttpResponse::NoContent().finish())
}
