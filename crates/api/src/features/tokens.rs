//! A7: personal access tokens.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde_json::json;
use tandem_db::accounts;
use tandem_db::audit::{self, AuditEvent};
use tandem_dto::{AccessTokenResponse, CreateAccessTokenRequest, CreatedAccessTokenResponse, Page};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult, validate};
use crate::events::Control;
use crate::extract::{Allowed, Json, PageQuery, client_ip, perm};
use crate::features::created;
use crate::security::{self, PAT_PREFIX};
use crate::state::AppState;

/// The caller's live tokens, without their secrets.
#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "me", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, description = "Tokens", body = Page<AccessTokenResponse>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_tokens(
    state: web::Data<AppState>,
    auth: Allowed<perm::ReadSelf>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let (rows, next) =
        accounts::list_access_tokens(&state.db, auth.user.id, page.cursor()?, page.limit()?)
            .await?;
    Ok(HttpResponse::Ok().json(Page {
        items: rows.iter().map(accounts::access_token_dto).collect(),
        next_cursor: next,
    }))
}

/// Create a token. The secret is in this response only.
#[utoipa::path(post, path = "/api/v1/me/tokens", tag = "me", security(("bearer" = [])),
    request_body = CreateAccessTokenRequest,
    responses((status = 201, description = "Created; `token` is shown once", body = CreatedAccessTokenResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn create_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Allowed<perm::ManageOwnTokens>,
    body: Json<CreateAccessTokenRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner()?;
    validate(&body)?;
    let name = super::me::non_blank(body.name, "name")?;
    if let Some(exp) = body.expires_at
        && exp <= Utc::now()
    {
        return Err(ApiError::validation(
            "expires_at",
            "past",
            "must be in the future",
        ));
    }
    // A token never gets more than the credential that created it.
    tandem_domain::policy::may_create_token(&auth.actor, &body.scopes)?;
    let secret = format!("{PAT_PREFIX}{}", security::random_token(32));
    let txn = tandem_db::begin_write(&state.db).await?;
    let row = accounts::insert_access_token(
        &txn,
        accounts::NewAccessToken {
            user_id: auth.user.id,
            name,
            token_hash: security::token_hash(&secret),
            prefix: secret.chars().take(10).collect(),
            scopes: body.scopes,
            expires_at: body.expires_at,
        },
    )
    .await?;
    audit::record(
        &txn,
        AuditEvent {
            actor_id: Some(auth.user.id),
            action: "token.created",
            target_type: Some("token"),
            target_id: Some(row.id.to_string()),
            detail: json!({ "name": row.name, "scopes": row.scopes }),
            ip: client_ip(&req),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(created(
        format!("/api/v1/me/tokens/{}", row.id),
        &CreatedAccessTokenResponse {
            token: secret,
            info: accounts::access_token_dto(&row),
        },
        None,
    ))
}

/// Revoke one of the caller's tokens.
#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", tag = "me", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Token id")),
    responses((status = 204, description = "Revoked")))]
#[tracing::instrument(skip_all, err)]
pub async fn revoke_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Allowed<perm::ManageOwnTokens>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let txn = tandem_db::begin_write(&state.db).await?;
    accounts::revoke_access_token(&txn, auth.user.id, id).await?;
    audit::record(
        &txn,
        AuditEvent {
            actor_id: Some(auth.user.id),
            action: "token.revoked",
            target_type: Some("token"),
            target_id: Some(id.to_string()),
            detail: json!({}),
            ip: client_ip(&req),
        },
    )
    .await?;
    // Live connections opened with it close at once.
    let mut out = crate::outbox::Outbox::by(&state, auth.user.id);
    out.control(Control::TokenRevoked {
        user: auth.user.id,
        token: id,
    });
    out.commit(&state, txn).await?;
    Ok(HttpResponse::NoContent().finish())
}
