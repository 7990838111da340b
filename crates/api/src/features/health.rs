use actix_web::{HttpResponse, web};
use tandem_dto::{HealthResponse, PingResponse};

use crate::state::AppState;

/// Liveness and database reachability.
#[utoipa::path(get, path = "/api/health", tag = "health",
    responses(
        (status = 200, description = "The server and its database answer", body = HealthResponse),
        (status = 503, description = "The server answers but its database does not", body = HealthResponse),
    ))]
#[tracing::instrument(skip_all)]
pub async fn get_health(state: web::Data<AppState>) -> HttpResponse {
    let db_ok = tandem_db::ping(&state.db).await;
    // 503 lets a load balancer take an instance whose database is gone out of rotation.
    let mut res = if db_ok {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    res.json(HealthResponse {
        status: "ok".into(),
        database: if db_ok { "ok" } else { "unavailable" }.into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// Liveness only: answers without touching the database. Load balancers that poll often use
/// it, and `just bench` measures it as the server's baseline.
#[utoipa::path(get, path = "/api/ping", tag = "health",
    responses((status = 200, description = "The server answers", body = PingResponse)))]
pub async fn get_ping() -> HttpResponse {
    HttpResponse::Ok().json(PingResponse {
        status: "ok".into(),
    })
}
