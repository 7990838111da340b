//! `Idempotency-Key` on POST: a retried create (a CI script after a timeout) has exactly one
//! effect. The first response is stored for 24 h per (credentials, key, path) and replayed,
//! marked `Idempotency-Replayed: true`. The same key with another body is 422; a retry while
//! the first request still runs is 409.
//!
//! Endpoints whose responses carry secrets (login, refresh, token creation) ignore the
//! header: storing a secret to replay it would defeat hashing it.

use actix_web::body::{BoxBody, MessageBody, to_bytes};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError, web};
use sha2::{Digest, Sha256};
use tandem_db::RepoError;
use tandem_db::idempotency;

use crate::error::ApiError;
use crate::state::AppState;

pub const HEADER: &str = "idempotency-key";
const REPLAYED: &str = "idempotency-replayed";
/// Paths whose responses contain secrets; never stored.
pub(crate) const SKIP: [&str; 5] = [
    "/api/v1/auth/login",
    "/api/v1/auth/refresh",
    "/api/v1/auth/logout",
    "/api/v1/me/tokens",
    "/api/v1/me/password",
];
/// A claim older than this belongs to a request that died; it may be taken over.
const ABANDONED_SECS: i64 = 60;

fn sha(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    hex::encode(h.finalize())
}

fn reply(req: ServiceRequest, res: HttpResponse) -> ServiceResponse<BoxBody> {
    let (r, _) = req.into_parts();
    ServiceResponse::new(r, res)
}

pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = req
        .headers()
        .get(HEADER)
        .map(|v| v.to_str().map(str::to_owned));
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let applies = req.method() == Method::POST && !SKIP.contains(&req.path()) && is_json;
    let (Some(key), true) = (key, applies) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let key = match key {
        Ok(k) if !k.is_empty() && k.len() <= 255 => k,
        _ => {
            let e = ApiError::validation(
                "Idempotency-Key",
                "invalid",
                "1 to 255 visible ASCII characters",
            );
            return Ok(reply(req, e.error_response()));
        }
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let body: web::Bytes = match req.extract::<web::Bytes>().await {
        Ok(b) => b,
        Err(_) => return Ok(reply(req, ApiError::PayloadTooLarge.error_response())),
    };
    req.set_payload(actix_web::dev::Payload::from(body.clone()));
    let auth = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes().to_vec())
        .unwrap_or_default();
    let path = req.path().to_owned();
    let scope = sha(&[&auth, key.as_bytes(), path.as_bytes()]);
    let fingerprint = sha(&[req.query_string().as_bytes(), &body]);

    match idempotency::find(&state.db, &scope).await {
        Err(e) => return Ok(reply(req, ApiError::from(e).error_response())),
        Ok(Some(row)) if row.request_hash != fingerprint => {
            let e = ApiError::validation(
                "Idempotency-Key",
                "idempotency_key_reused",
                "this key was used with a different request",
            );
            return Ok(reply(req, e.error_response()));
        }
        Ok(Some(row)) => match (row.status, row.headers, row.body) {
            (Some(status), Some(headers), Some(body)) => {
                let mut res = HttpResponse::build(
                    StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK),
                );
                if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(&headers) {
                    for (k, v) in map {
                        if let Some(v) = v.as_str() {
                            res.insert_header((k.as_str(), v));
                        }
                    }
                }
                res.insert_header((REPLAYED, "true"));
                return Ok(reply(req, res.body(body)));
            }
            _ if (chrono::Utc::now() - row.created_at).num_seconds() < ABANDONED_SECS => {
                let e = ApiError::conflict(
                    "idempotency_in_progress",
                    "a request with this Idempotency-Key is still running",
                );
                return Ok(reply(req, e.error_response()));
            }
            _ => {
                if let Err(e) = idempotency::release(&state.db, row.id).await {
                    return Ok(reply(req, ApiError::from(e).error_response()));
                }
            }
        },
        Ok(None) => {}
    }
    let claim = match idempotency::claim(&state.db, &scope, &fingerprint).await {
        Ok(id) => id,
        Err(RepoError::Conflict(_)) => {
            let e = ApiError::conflict(
                "idempotency_in_progress",
                "a request with this Idempotency-Key is still running",
            );
            return Ok(reply(req, e.error_response()));
        }
        Err(e) => return Ok(reply(req, ApiError::from(e).error_response())),
    };
    let res = match next.call(req).await {
        Ok(r) => r,
        Err(e) => {
            let _ = idempotency::release(&state.db, claim).await;
            return Err(e);
        }
    };
    let status = res.status();
    let (http_req, http_res) = res.into_parts();
    let (head, body) = http_res.into_parts();
    let bytes = match to_bytes(body).await {
        Ok(b) => b,
        Err(_) => {
            let _ = idempotency::release(&state.db, claim).await;
            return Ok(ServiceResponse::new(
                http_req,
                ApiError::internal("response body").error_response(),
            ));
        }
    };
    if status.is_server_error() {
        let _ = idempotency::release(&state.db, claim).await;
    } else {
        let mut kept = serde_json::Map::new();
        for name in [header::CONTENT_TYPE, header::LOCATION, header::ETAG] {
            if let Some(v) = head.headers().get(&name).and_then(|v| v.to_str().ok()) {
                kept.insert(name.to_string(), v.into());
            }
        }
        if let Err(e) = idempotency::complete(
            &state.db,
            claim,
            status.as_u16(),
            kept.into(),
            bytes.to_vec(),
        )
        .await
        {
            tracing::warn!(error = %e, "could not store the idempotent response");
        }
    }
    let res = head.set_body(BoxBody::new(bytes));
    Ok(ServiceResponse::new(http_req, res))
}
