//! A1 registration, A3 login / refresh / logout.
//!
//! Throttling, in short: every login attempt is counted *before* its password is hashed (so
//! parallel guesses cannot slip under a limit), per account and per client address for unknown
//! clients; a client that presents the device token of an earlier successful login to the same
//! account is counted on its own instead (OWASP's device cookies), so failures caused by
//! someone else — one attacker behind the company proxy, or a guesser of one person's
//! password — never lock out people on devices they have used before. Registrations are
//! counted per address. Hashing itself is bounded by `AppState::hasher` (503 beyond it).

use std::sync::Mutex;
use std::time::Instant;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde_json::json;
use tandem_db::audit::{self, AuditEvent};
use tandem_db::{RepoError, accounts};
use tandem_domain::normalize_email;
use tandem_domain::throttle::Throttle;
use tandem_dto::{
    LoginRequest, Problem, RefreshRequest, RegisterRequest, SystemRole, TokenPairResponse,
    UserResponse, UserStatus,
};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult, referenced, validate};
use crate::events::Control;
use crate::extract::{Json, client_ip};
use crate::features::created;
use crate::security;
use crate::state::AppState;

/// Register an account; it stays `pending` until an administrator approves it.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered, pending approval", body = UserResponse),
        (status = 409, description = "E-mail or employee ID taken", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many registrations from this address", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too busy to hash the password now", body = Problem, content_type = "application/problem+json"),
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
    let ip = client_ip(&req);
    // Every well-formed registration counts, accepted or not: account creation by script is
    // what this slows down.
    lock(&state.throttle.registrations)
        .attempt(ip.as_deref().unwrap_or_default(), Instant::now())
        .map_err(ApiError::throttled)?;
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
    let password_hash = state.hasher.hash(body.password).await?;
    let txn = tandem_db::begin_write(&state.db).await?;
    let user = accounts::insert_user(
        &txn,
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
        RepoError::Conflict("in_use") => {
            ApiError::validation("department_id", "not_found", "no such department")
        }
        RepoError::Conflict(_) => taken("email"),
        other => other.into(),
    })?;
    audit::record(
        &txn,
        AuditEvent {
            actor_id: Some(user.id),
            action: "user.registered",
            target_type: Some("user"),
            target_id: Some(user.id.to_string()),
            detail: json!({}),
            ip,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(created(
        format!("/api/v1/users/{}", user.id),
        &accounts::user_dto(&user),
        Some(user.version),
    ))
}

pub(crate) fn taken(which: &str) -> ApiError {
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

/// The two throttle keys one login attempt counts against: its `own` (the device, or the
/// account for unknown clients), which a right password resets, and a `shared` one (all the
/// account's devices, or the client address), from which a right password only takes its own
/// attempt back — it cannot launder failures made by others on the same key.
struct Counted<'a> {
    own: (&'a Mutex<Throttle>, String),
    shared: (&'a Mutex<Throttle>, String),
}

impl Counted<'_> {
    /// Counts the attempt; `Err(wait)` when a key is locked. A refused attempt counts nowhere:
    /// someone retrying a locked account does not use up the address's allowance.
    fn attempt(&self, now: Instant) -> Result<(), std::time::Duration> {
        if let Some(wait) = self.locked_for(now) {
            return Err(wait);
        }
        lock(self.shared.0).attempt(&self.shared.1, now)?;
        lock(self.own.0).attempt(&self.own.1, now)
    }

    /// The attempt did not count after all (the password was never checked).
    fn forgive(&self) {
        lock(self.shared.0).forgive(&self.shared.1);
        lock(self.own.0).forgive(&self.own.1);
    }

    /// The password was right.
    fn succeed(&self) {
        lock(self.shared.0).forgive(&self.shared.1);
        lock(self.own.0).succeed(&self.own.1);
    }

    /// How long the keys are locked now.
    fn locked_for(&self, now: Instant) -> Option<std::time::Duration> {
        lock(self.own.0)
            .locked_for(&self.own.1, now)
            .max(lock(self.shared.0).locked_for(&self.shared.1, now))
    }
}

/// Log in with e-mail or employee ID.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenPairResponse),
        (status = 401, description = "Wrong login or password", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Account pending, rejected or deactivated", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too busy to check passwords now", body = Problem, content_type = "application/problem+json"),
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
    let user = accounts::find_user_by_login(&state.db, &body.login).await?;
    let device = match (&user, body.device_token.as_deref()) {
        (Some(u), Some(t)) => security::check_device_token(
            &state.config.jwt_secret,
            t,
            u.id,
            &u.password_hash,
            i64::try_from(state.config.device_token_ttl.as_secs()).unwrap_or(i64::MAX),
        )
        .map(|nonce| (nonce, u.id)),
        _ => None,
    };
    let t = &state.throttle;
    let counted = match device {
        Some((nonce, user_id)) => Counted {
            own: (&t.devices, nonce),
            shared: (&t.device_accounts, format!("user:{user_id}")),
        },
        None => Counted {
            // One count per account, whichever identifier names it.
            own: (
                &t.accounts,
                match &user {
                    Some(u) => format!("user:{}", u.id),
                    None => format!("login:{}", body.login.trim().to_lowercase()),
                },
            ),
            shared: (&t.addresses, ip.clone().unwrap_or_default()),
        },
    };
    counted
        .attempt(Instant::now())
        .map_err(ApiError::throttled)?;
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| state.dummy_hash.as_ref().clone());
    let verified = match state.hasher.verify(body.password, hash).await {
        Ok(v) => v,
        Err(e) => {
            counted.forgive();
            return Err(e.into());
        }
    };
    let Some(user) = user.filter(|_| verified) else {
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
        if let Some(wait) = counted.locked_for(Instant::now()) {
            return Err(ApiError::throttled(wait));
        }
        return Err(ApiError::Unauthorized {
            code: "invalid_credentials",
        });
    };
    counted.succeed();
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
    let txn = tandem_db::begin_write(&state.db).await?;
    let mut pair = issue_pair(&state, &txn, &user, Uuid::now_v7()).await?;
    audit::record(
        &txn,
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
    txn.commit().await?;
    pair.device_token = Some(security::issue_device_token(
        &state.config.jwt_secret,
        user.id,
        &user.password_hash,
    ));
    Ok(HttpResponse::Ok().json(pair))
}

pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves only counters behind; keep using them.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A new access token and refresh token of session `family`, the refresh token stored through
/// `db` (the caller's transaction).
pub(crate) async fn issue_pair(
    state: &AppState,
    db: &impl tandem_db::ConnectionTrait,
    user: &tandem_db::entities::users::Model,
    family: Uuid,
) -> ApiResult<TokenPairResponse> {
    let ttl = state.config.access_ttl.as_secs() as i64;
    let access = security::issue_access_token(&state.config.jwt_secret, user.id, family, ttl)
        .map_err(ApiError::internal)?;
    let refresh = security::random_token(32);
    let expires = Utc::now()
        + chrono::Duration::from_std(state.config.refresh_ttl).map_err(ApiError::internal)?;
    accounts::insert_refresh_token(db, user.id, family, security::token_hash(&refresh), expires)
        .await?;
    Ok(TokenPairResponse {
        access_token: access,
        refresh_token: refresh,
        token_type: "Bearer".into(),
        expires_in: ttl,
        user: accounts::user_dto(user),
        device_token: None,
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
    let txn = tandem_db::begin_write(&state.db).await?;
    if row.used_at.is_some() || !accounts::spend_refresh_token(&txn, row.id).await? {
        // Reuse: someone holds a copy. Kill the whole login so neither copy works.
        accounts::revoke_refresh_family(&txn, row.family_id).await?;
        audit::record(
            &txn,
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
        let mut out = crate::outbox::Outbox::new(&state);
        out.control(Control::SessionEnded {
            user: row.user_id,
            session: row.family_id,
        });
        out.commit(&state, txn).await?;
        return Err(ApiError::Unauthorized {
            code: "refresh_token_reused",
        });
    }
    if row.expires_at <= Utc::now() {
        return Err(ApiError::Unauthorized {
            code: "invalid_refresh_token",
        });
    }
    let user = accounts::find_user(&txn, row.user_id).await?;
    if UserStatus::parse(&user.status) != Some(UserStatus::Active) {
        return Err(ApiError::Unauthorized {
            code: "account_inactive",
        });
    }
    let pair = issue_pair(&state, &txn, &user, row.family_id).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(pair))
}

/// Log out: revoke the refresh token's session. Its access tokens stop working too, and its
/// live connections close (4401). Idempotent.
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
        let txn = tandem_db::begin_write(&state.db).await?;
        accounts::revoke_refresh_family(&txn, row.family_id).await?;
        let mut out = crate::outbox::Outbox::new(&state);
        out.control(Control::SessionEnded {
            user: row.user_id,
            session: row.family_id,
        });
        out.commit(&state, txn).await?;
    }
    Ok(HttpResponse::NoContent().finish())
}
