use actix_web::{HttpResponse, web};
use tandem_dto::HealthResponse;

use crate::state::AppState;

/// Liveness and database reachability.
#[utoipa::path(get, path = "/api/health", tag = "health",
    responses((status = 200, description = "The server answers", body = HealthResponse)))]
#[tracing::instrument(skip_all)]
pub async fn get_health(state: web::Data<AppState>) -> HttpResponse {
    let db_ok = tandem_db::ping(&state.db).await;
    HttpResponse::Ok().json(HealthResponse {
        status: "ok".into(),
        database: if db_ok { "ok" } else { "unavailable" }.into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}
