//! I5: reading the audit log (administrators).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use tandem_db::audit::{self, AuditFilter};
use tandem_dto::{AuditEntryResponse, Page};
use uuid::Uuid;

use crate::error::{ApiResult, check_text_param};
use crate::extract::{Allowed, PageQuery, perm};
use crate::state::AppState;

/// Filters of the audit log.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Exact action, e.g. `auth.login_failed`.
    #[param(max_length = 64)]
    pub action: Option<String>,
    /// Who acted.
    pub actor_id: Option<Uuid>,
    /// The object acted on.
    #[param(max_length = 64)]
    pub target_id: Option<String>,
    /// From this instant (inclusive).
    pub since: Option<DateTime<Utc>>,
    /// Up to this instant (exclusive).
    pub until: Option<DateTime<Utc>>,
}

/// The audit log, newest first.
#[utoipa::path(get, path = "/api/v1/admin/audit-log", tag = "admin", security(("bearer" = [])),
    params(PageQuery, AuditQuery),
    responses((status = 200, description = "Entries", body = Page<AuditEntryResponse>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_audit_log(
    state: web::Data<AppState>,
    _auth: Allowed<perm::ReadAuditLog>,
    page: web::Query<PageQuery>,
    filter: web::Query<AuditQuery>,
) -> ApiResult<HttpResponse> {
    let f = filter.into_inner();
    check_text_param("action", f.action.as_deref(), 64)?;
    check_text_param("target_id", f.target_id.as_deref(), 64)?;
    let (rows, next) = audit::list(
        &state.db,
        AuditFilter {
            action: f.action,
            actor_id: f.actor_id,
            target_id: f.target_id,
            since: f.since,
            until: f.until,
            before: page.cursor()?,
            limit: page.limit()?,
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(Page {
        items: rows.iter().map(audit::audit_dto).collect(),
        next_cursor: next,
    }))
}
