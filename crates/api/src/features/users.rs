//! A5/A6: the people directory and administrators' changes to users.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;
use tandem_db::RepoError;
use tandem_db::accounts::{self, UserFilter};
use tandem_db::audit::{self, AuditEvent};
use tandem_domain::policy::{Action, may_see_account};
use tandem_dto::{
    CreateUserRequest, FieldError, Page, Problem, SystemRole, UpdateUserRequest, UserResponse,
    UserStatus,
};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult, check_text_param, referenced, validate};
use crate::events::Control;
use crate::extract::{Allowed, Json, PageQuery, check_if_match, client_ip, perm};
use crate::features::ok_with_etag;
use crate::state::AppState;

/// Filters of the directory.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Only people of this department.
    pub department_id: Option<Uuid>,
    /// Text in name, e-mail, employee ID or position.
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// Only users with this status (administrators only; others see active users).
    pub status: Option<UserStatus>,
}

/// The people directory.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    params(PageQuery, UserListQuery),
    responses((status = 200, description = "Users", body = Page<UserResponse>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_users(
    state: web::Data<AppState>,
    auth: Allowed<perm::ReadDirectory>,
    page: web::Query<PageQuery>,
    filter: web::Query<UserListQuery>,
) -> ApiResult<HttpResponse> {
    let filter = filter.into_inner();
    check_text_param("q", filter.q.as_deref(), 100)?;
    // Members see colleagues; only administrators look into pending or deactivated accounts.
    let status = if auth.can(Action::ReadAccounts).is_ok() {
        filter.status
    } else {
        Some(UserStatus::Active)
    };
    let (rows, next) = accounts::list_users(
        &state.db,
        UserFilter {
            department_id: filter.department_id,
            status,
            q: filter.q,
            after: page.cursor()?,
            limit: page.limit()?,
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(Page {
        items: rows.iter().map(accounts::user_dto).collect(),
        next_cursor: next,
    }))
}

/// One user.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses((status = 200, description = "The user", body = UserResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn get_user(
    state: web::Data<AppState>,
    auth: Allowed<perm::ReadDirectory>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let user = accounts::find_user(&state.db, path.into_inner()).await?;
    if !may_see_account(&auth.actor, user.id, UserStatus::parse(&user.status)) {
        return Err(ApiError::NotFound);
    }
    Ok(ok_with_etag(&accounts::user_dto(&user), user.version))
}

/// Administrators: change role, status (activate / deactivate), department or position.
/// Deactivation revokes every session and token of the user at once.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    request_body = UpdateUserRequest,
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, description = "Updated", body = UserResponse),
        (status = 409, description = "Would leave no active administrator", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn update_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Allowed<perm::ManageUsers>,
    path: web::Path<Uuid>,
    body: Json<UpdateUserRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner()?;
    validate(&body)?;
    if let Some(s) = body.status
        && !matches!(s, UserStatus::Active | UserStatus::Deactivated)
    {
        return Err(ApiError::validation(
            "status",
            "invalid",
            "only active or deactivated; use the approval queue for registrations",
        ));
    }
    if let Some(d) = body.department_id {
        referenced(
            accounts::find_department(&state.db, d).await,
            "department_id",
            "department",
        )?;
    }
    let position = body
        .position
        .map(|p| super::me::non_blank(p, "position"))
        .transpose()?;
    let name = body
        .name
        .map(|p| super::me::non_blank(p, "name"))
        .transpose()?;
    let (email, employee_id) = identifiers(body.email.clone(), body.employee_id.clone())?;
    // The "last active administrator" rule is checked and applied in one transaction, with
    // every such change serialized: two administrators demoting each other at once leave one.
    let txn = tandem_db::begin_write(&state.db).await?;
    tandem_db::serialize(&txn, tandem_db::Serialized::Administrators).await?;
    let user = accounts::find_user_for_update(&txn, path.into_inner()).await?;
    check_if_match(&req, user.version)?;
    // An account keeps at least one way to log in, and identifiers stay unique.
    let email_after = email.clone().unwrap_or_else(|| user.email.clone());
    let employee_id_after = employee_id
        .clone()
        .unwrap_or_else(|| user.employee_id.clone());
    if email_after.is_none() && employee_id_after.is_none() {
        return Err(ApiError::validation(
            "email",
            "required",
            "an e-mail or an employee ID is required",
        ));
    }
    let new_email = email
        .clone()
        .flatten()
        .filter(|e| Some(e) != user.email.as_ref());
    let new_employee_id = employee_id
        .clone()
        .flatten()
        .filter(|e| Some(e) != user.employee_id.as_ref());
    if let Some(which) =
        accounts::identifier_taken(&txn, new_email.as_deref(), new_employee_id.as_deref()).await?
    {
        return Err(super::auth::taken(which));
    }
    let (old_name, old_email, old_employee_id) = (
        user.name.clone(),
        user.email.clone(),
        user.employee_id.clone(),
    );
    let old_role = SystemRole::parse(&user.role);
    let old_status = UserStatus::parse(&user.status);
    if body.status == Some(UserStatus::Active) && old_status == Some(UserStatus::Pending) {
        return Err(ApiError::conflict(
            "use_approval_queue",
            "pending registrations are approved through /admin/registrations",
        ));
    }
    let is_active_admin =
        old_role == Some(SystemRole::Admin) && old_status == Some(UserStatus::Active);
    let stays_active_admin = body.role.or(old_role) == Some(SystemRole::Admin)
        && body.status.or(old_status) == Some(UserStatus::Active);
    tandem_domain::policy::keeps_an_admin(tandem_domain::policy::AdminChange {
        is_active_admin,
        stays_active_admin,
        active_admins: accounts::count_active_admins(&txn).await?,
    })
    .map_err(|e| ApiError::conflict("last_admin", e.to_string()))?;
    let updated = accounts::update_user(
        &txn,
        user,
        accounts::UserChanges {
            role: body.role,
            status: body.status,
            department_id: body.department_id,
            position,
            name,
            email,
            employee_id,
            ..Default::default()
        },
    )
    .await
    .map_err(|e| match e {
        RepoError::Conflict("in_use") => {
            ApiError::validation("department_id", "not_found", "no such department")
        }
        RepoError::Conflict("unique") => super::auth::taken("email"),
        other => other.into(),
    })?;
    let ip = client_ip(&req);
    // Changes of what people log in with and are known by are audited like role changes.
    let renamed: Vec<&str> = [
        ("name", updated.name != old_name),
        ("email", updated.email != old_email),
        ("employee_id", updated.employee_id != old_employee_id),
    ]
    .into_iter()
    .filter_map(|(f, changed)| changed.then_some(f))
    .collect();
    if !renamed.is_empty() {
        audit::record(
            &txn,
            AuditEvent {
                actor_id: Some(auth.user.id),
                action: "user.identity_changed",
                target_type: Some("user"),
                target_id: Some(updated.id.to_string()),
                detail: json!({ "fields": renamed }),
                ip: ip.clone(),
            },
        )
        .await?;
    }
    if body.role.is_some() && body.role != old_role {
        audit::record(
            &txn,
            AuditEvent {
                actor_id: Some(auth.user.id),
                action: "user.role_changed",
                target_type: Some("user"),
                target_id: Some(updated.id.to_string()),
                detail: json!({ "from": old_role, "to": body.role }),
                ip: ip.clone(),
            },
        )
        .await?;
    }
    let mut ended = Vec::new();
    if body.status.is_some() && body.status != old_status {
        if body.status == Some(UserStatus::Deactivated) {
            ended = accounts::revoke_all_tokens_of(&txn, updated.id).await?;
        }
        audit::record(
            &txn,
            AuditEvent {
                actor_id: Some(auth.user.id),
                action: "user.status_changed",
                target_type: Some("user"),
                target_id: Some(updated.id.to_string()),
                detail: json!({ "from": old_status, "to": body.status }),
                ip,
            },
        )
        .await?;
    }
    // Their sessions end for good (a reactivation does not revive them), and their live
    // connections re-check what they may see (or close, when deactivated).
    let mut out = crate::outbox::Outbox::by(&state, auth.user.id);
    for session in ended {
        out.control(Control::SessionEnded {
            user: updated.id,
            session,
        });
    }
    out.control(Control::UserChanged { user: updated.id });
    out.commit(&state, txn).await?;
    Ok(ok_with_etag(&accounts::user_dto(&updated), updated.version))
}

/// The e-mail and employee ID of a change, normalised and checked like a registration's:
/// `Some(None)` clears, `None` leaves alone.
#[allow(clippy::type_complexity)]
fn identifiers(
    email: Option<Option<String>>,
    employee_id: Option<Option<String>>,
) -> ApiResult<(Option<Option<String>>, Option<Option<String>>)> {
    use tandem_dto::rules;
    let mut errors = Vec::new();
    for (field, v) in [("email", &email), ("employee_id", &employee_id)] {
        if let Some(Some(v)) = v
            && v.trim().is_empty()
        {
            errors.push(FieldError::new(
                field,
                "required",
                "must not be blank; send null to remove it",
            ));
        }
    }
    let email = email.map(|e| {
        e.map(|e| tandem_domain::normalize_email(&e))
            .filter(|e| !e.is_empty())
    });
    if let Some(Some(e)) = &email
        && (e.chars().count() > 254 || !rules::email_ok(e))
    {
        errors.push(FieldError::new("email", "email", "not a valid e-mail"));
    }
    let employee_id = employee_id.map(|e| e.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty()));
    if let Some(Some(e)) = &employee_id
        && (e.chars().count() > 64 || !rules::employee_id_ok(e))
    {
        errors.push(FieldError::new(
            "employee_id",
            "format",
            "up to 64 characters, without @",
        ));
    }
    if errors.is_empty() {
        Ok((email, employee_id))
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// A5/I3: create an account (administrators): active at once, or pending in the approval
/// queue. Honors `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/users", tag = "admin", security(("bearer" = [])),
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "Created", body = UserResponse),
        (status = 409, description = "E-mail, employee ID or external key taken", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn create_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Allowed<perm::ManageUsers>,
    body: Json<CreateUserRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner()?;
    validate(&body)?;
    let status = body.status.unwrap_or(UserStatus::Active);
    let mut errors = tandem_dto::rules::register(&tandem_dto::RegisterRequest {
        email: body.email.clone(),
        employee_id: body.employee_id.clone(),
        name: body.name.clone(),
        department_id: Uuid::nil(),
        position: body.position.clone(),
        password: body.password.clone(),
    });
    if !matches!(
        status,
        UserStatus::Active | UserStatus::Pending | UserStatus::Deactivated
    ) {
        errors.push(FieldError::new(
            "status",
            "invalid",
            "a new account is active, pending or deactivated",
        ));
    }
    super::keys::check_key(body.external_key.as_deref(), "external_key", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let email = body
        .email
        .as_deref()
        .map(tandem_domain::normalize_email)
        .filter(|e| !e.is_empty());
    let employee_id = body
        .employee_id
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_owned);
    if let Some(d) = body.department_id {
        referenced(
            accounts::find_department(&state.db, d).await,
            "department_id",
            "department",
        )?;
    }
    if let Some(which) =
        accounts::identifier_taken(&state.db, email.as_deref(), employee_id.as_deref()).await?
    {
        return Err(super::auth::taken(which));
    }
    let password_hash = state.hasher.hash(body.password).await?;
    let txn = tandem_db::begin_write(&state.db).await?;
    let user = accounts::insert_user(
        &txn,
        accounts::NewUser {
            email,
            employee_id,
            name: body.name.trim().to_owned(),
            department_id: body.department_id,
            position: body.position.trim().to_owned(),
            password_hash,
            role: body.role.unwrap_or(SystemRole::Member),
            status,
        },
    )
    .await
    .map_err(|e| match e {
        RepoError::Conflict("in_use") => {
            ApiError::validation("department_id", "not_found", "no such department")
        }
        RepoError::Conflict(_) => super::auth::taken("email"),
        other => other.into(),
    })?;
    super::keys::bind_new(
        &txn,
        tandem_dto::ExternalKeyKind::User,
        tandem_db::external_keys::GLOBAL,
        body.external_key,
        user.id,
        auth.user.id,
    )
    .await?;
    audit::record(
        &txn,
        AuditEvent {
            actor_id: Some(auth.user.id),
            action: "user.created",
            target_type: Some("user"),
            target_id: Some(user.id.to_string()),
            detail: json!({ "status": status, "role": body.role.unwrap_or(SystemRole::Member) }),
            ip: client_ip(&req),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(super::created(
        format!("/api/v1/users/{}", user.id),
        &accounts::user_dto(&user),
        Some(user.version),
    ))
}
