//! Request extractors: the authenticated caller, the client address, If-Match, and the
//! configuration that routes actix's own rejections into [`ApiError`].

use std::future::Future;
use std::pin::Pin;

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use tandem_db::{accounts, entities::users};
use tandem_domain::policy::{Action, Actor, authorize};
use tandem_dto::{SystemRole, UserStatus};

use crate::error::{ApiError, ApiResult};
use crate::security::{self, PAT_PREFIX};
use crate::state::AppState;

/// The authenticated caller: the user row and the policy view of them.
#[derive(Clone)]
pub struct AuthUser {
    /// Shared with the read cache (see `crate::cache`).
    pub user: std::sync::Arc<users::Model>,
    pub actor: Actor,
    /// What the caller presented (live connections re-check it as long as they last).
    pub credential: Credential,
    /// Whether this request may read through the read cache: only those that cannot write
    /// (GET, HEAD), see `crate::cache`.
    pub cacheable: bool,
}

/// The credential behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// An access token of a login session.
    Session {
        /// The session (refresh-token family); `None` in tokens from before sessions were named.
        session: Option<uuid::Uuid>,
        /// Expiry, seconds since the epoch.
        expires_at: i64,
    },
    /// A personal access token.
    Token {
        id: uuid::Uuid,
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
    },
}

impl Credential {
    /// When the credential stops working by itself, if ever.
    pub fn expires_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        match self {
            Credential::Session { expires_at, .. } => {
                chrono::DateTime::from_timestamp(*expires_at, 0)
            }
            Credential::Token { expires_at, .. } => *expires_at,
        }
    }
}

impl AuthUser {
    /// Asks the policy; the single place handlers get a yes or no from.
    pub fn can(&self, action: Action) -> ApiResult<()> {
        authorize(&self.actor, action).map_err(ApiError::from)
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let header = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .map(str::to_owned);
        let cacheable = matches!(*req.method(), Method::GET | Method::HEAD);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("state missing"))?;
            let header = header.ok_or(ApiError::Unauthorized {
                code: "missing_token",
            })?;
            let token = header
                .strip_prefix("Bearer ")
                .or_else(|| header.strip_prefix("bearer "))
                .map(str::trim)
                .filter(|t| !t.is_empty() && t.len() <= security::MAX_TOKEN_LEN)
                .ok_or(ApiError::Unauthorized {
                    code: "invalid_token",
                })?;
            authenticate(&state, token, cacheable).await
        })
    }
}

/// Checks a bearer token (access token or PAT) and the account behind it.
pub(crate) async fn authenticate(
    state: &AppState,
    token: &str,
    cacheable: bool,
) -> ApiResult<AuthUser> {
    let invalid = ApiError::Unauthorized {
        code: "invalid_token",
    };
    let (user_id, scopes, credential) = if token.starts_with(PAT_PREFIX) {
        let row = accounts::find_live_access_token(&state.db, &security::token_hash(token))
            .await?
            .ok_or(invalid)?;
        // Last use is informative, to the minute: writing it on every request would put a
        // write (and, on SQLite, the single writer lock) on every read of a busy CI token.
        let stale = row
            .last_used_at
            .is_none_or(|t| chrono::Utc::now() - t > chrono::Duration::seconds(60));
        // A failed write must not fail the request.
        if stale && let Err(e) = accounts::touch_access_token(&state.db, row.id).await {
            tracing::warn!(error = %e, "could not record token use");
        }
        (
            row.user_id,
            Some(accounts::scopes_from_string(&row.scopes)),
            Credential::Token {
                id: row.id,
                expires_at: row.expires_at,
            },
        )
    } else {
        let claims = security::verify_access_token(&state.config.jwt_secret, token).ok_or(
            ApiError::Unauthorized {
                code: "invalid_token",
            },
        )?;
        // Logged out (or every session ended by a password change) while the token was
        // still unexpired: it dies with its session.
        if state.events.session_ended(claims.sid) {
            return Err(ApiError::Unauthorized {
                code: "session_ended",
            });
        }
        (
            claims.sub,
            None,
            Credential::Session {
                session: claims.sid,
                expires_at: claims.exp,
            },
        )
    };
    let cache = &state.cache;
    let load = accounts::find_user_for_auth(&state.db, user_id);
    let user = match cache
        .get_or_load(cacheable, &cache.users, user_id, load)
        .await
    {
        Ok(u) => u,
        Err(tandem_db::RepoError::NotFound) => {
            return Err(ApiError::Unauthorized {
                code: "invalid_token",
            });
        }
        Err(e) => return Err(e.into()),
    };
    // A deactivated user's access token dies with the account, not 15 minutes later.
    if UserStatus::parse(&user.status) != Some(UserStatus::Active) {
        return Err(ApiError::Unauthorized {
            code: "account_inactive",
        });
    }
    let actor = Actor {
        user_id: user.id,
        role: SystemRole::parse(&user.role).unwrap_or(SystemRole::Member),
        scopes,
    };
    Ok(AuthUser {
        user,
        actor,
        credential,
        cacheable,
    })
}

/// The server acting for `user_id` on work they started (a document's automatic version of
/// their edits): their account and role, as a session would carry them, no token scopes.
pub(crate) async fn acting_as(state: &AppState, user_id: uuid::Uuid) -> ApiResult<AuthUser> {
    let user = std::sync::Arc::new(accounts::find_user_for_auth(&state.db, user_id).await?);
    if UserStatus::parse(&user.status) != Some(UserStatus::Active) {
        return Err(ApiError::NotFound);
    }
    let actor = Actor {
        user_id: user.id,
        role: SystemRole::parse(&user.role).unwrap_or(SystemRole::Member),
        scopes: None,
    };
    Ok(AuthUser {
        user,
        actor,
        credential: Credential::Session {
            session: None,
            expires_at: i64::MAX,
        },
        cacheable: false,
    })
}

/// Compile-time names for policy actions, so handlers can demand them as extractors.
pub mod perm {
    use tandem_domain::policy::Action;

    /// A policy action known at compile time.
    pub trait Permission {
        const ACTION: Action;
    }

    macro_rules! permissions {
        ($($name:ident),* $(,)?) => {$(
            #[doc = concat!("Requires `Action::", stringify!($name), "`.")]
            pub struct $name;
            impl Permission for $name {
                const ACTION: Action = Action::$name;
            }
        )*};
    }

    permissions!(
        ReadSelf,
        WriteSelf,
        ManageOwnTokens,
        ReadDirectory,
        ReadAccounts,
        ManageUsers,
        ManageDepartments,
        ReadAuditLog,
        ListProjects,
        CreateProject
    );
}

/// The authenticated caller, already checked by the policy for `P`. Because it is an
/// extractor listed before the body, a caller without the right gets 403 before their input
/// is even looked at (no validation oracle for the unauthorised).
pub struct Allowed<P: perm::Permission> {
    pub auth: AuthUser,
    _p: std::marker::PhantomData<P>,
}

impl<P: perm::Permission> std::ops::Deref for Allowed<P> {
    type Target = AuthUser;
    fn deref(&self) -> &AuthUser {
        &self.auth
    }
}

impl<P: perm::Permission + 'static> FromRequest for Allowed<P> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let fut = AuthUser::from_request(req, payload);
        Box::pin(async move {
            let auth = fut.await?;
            auth.can(P::ACTION)?;
            Ok(Allowed {
                auth,
                _p: std::marker::PhantomData,
            })
        })
    }
}

/// The client's address: the socket's peer, or — when the peer is one of
/// `TANDEM_TRUSTED_PROXIES` — the address the proxies say they forwarded for, from the one
/// header they set (`TANDEM_PROXY_HEADER`: `X-Forwarded-For` or RFC 7239 `Forwarded`; the
/// other is whatever the client sent, so it is never read), read from the right: the nearest
/// address that is not itself a trusted proxy. Anyone else's forwarding headers are ignored,
/// so a client cannot pick its own address to dodge the address throttle.
pub fn client_ip(req: &HttpRequest) -> Option<String> {
    let peer = req.peer_addr()?.ip();
    let (trusted, header) = req
        .app_data::<web::Data<AppState>>()
        .map(|s| (s.config.trusted_proxies.clone(), s.config.proxy_header))
        .unwrap_or_default();
    Some(forwarded_client(peer, &trusted, header, req.headers()).to_string())
}

/// Which header trusted proxies name the client in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProxyHeader {
    /// `X-Forwarded-For: client, proxy1, …` (nginx, HAProxy, most load balancers).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for=proxy1`.
    Forwarded,
}

fn forwarded_client(
    peer: std::net::IpAddr,
    trusted: &[ipnet::IpNet],
    header: ProxyHeader,
    headers: &actix_web::http::header::HeaderMap,
) -> std::net::IpAddr {
    // IPv4 peers of a dual-stack listener arrive as ::ffff:a.b.c.d.
    let peer = peer.to_canonical();
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let joined = |name: &str| {
        headers
            .get_all(name)
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",")
    };
    let hops: Vec<Option<std::net::IpAddr>> = match header {
        ProxyHeader::Forwarded => joined("forwarded")
            .split(',')
            .filter(|e| !e.trim().is_empty())
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, v)| parse_node(v))
            })
            .collect(),
        ProxyHeader::XForwardedFor => joined("x-forwarded-for")
            .split(',')
            .filter(|h| !h.trim().is_empty())
            .map(parse_node)
            .collect(),
    };
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        match hop.map(|ip| ip.to_canonical()) {
            // Unparseable (obfuscated, `unknown`): stop at the last address we could trust.
            None => break,
            Some(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
        }
    }
    client
}

/// One node of a forwarding header: `1.2.3.4`, `1.2.3.4:80`, `"[2001:db8::1]:443"`, `2001:db8::1`.
fn parse_node(v: &str) -> Option<std::net::IpAddr> {
    let v = v.trim().trim_matches('"');
    if let Ok(ip) = v.parse() {
        return Some(ip);
    }
    if let Some(rest) = v.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    v.rsplit_once(':').and_then(|(host, _)| host.parse().ok())
}

/// Formats a version as a strong ETag.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// Checks `If-Match` when present: 412 unless it names the current version (or `*`).
pub fn check_if_match(req: &HttpRequest, version: i64) -> ApiResult<()> {
    let Some(v) = req.headers().get(header::IF_MATCH) else {
        return Ok(());
    };
    let v = v.to_str().map_err(|_| ApiError::PreconditionFailed)?.trim();
    // An empty header carries no entity tag: treat it as absent.
    if v.is_empty() {
        return Ok(());
    }
    let current = etag(version);
    let ok = v
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t == current || t.strip_prefix("W/") == Some(current.as_str()));
    if ok {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed)
    }
}

/// Like [`check_if_match`], but the header is required (428 without it): for resources several
/// people edit at once, such as tasks (T10).
pub fn require_if_match(req: &HttpRequest, version: i64) -> ApiResult<()> {
    let present = req
        .headers()
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| !v.trim().is_empty());
    if !present {
        return Err(ApiError::PreconditionRequired);
    }
    check_if_match(req, version)
}

/// Largest JSON body accepted anywhere.
pub const JSON_LIMIT: usize = 256 * 1024;

/// JSON body extractor: like `web::Json`, but
/// - only a JSON *object* is accepted (serde would otherwise read a struct from `[null, null]`);
/// - a bad body does not fail extraction: the error is handed to the handler through
///   [`Json::into_inner`]. actix polls all extractors together, so a failing body could
///   otherwise answer 422 before authentication and authorization had their say.
pub struct Json<T>(ApiResult<T>);

impl<T> Json<T> {
    /// The body, or the problem with it.
    pub fn into_inner(self) -> ApiResult<T> {
        self.0
    }

    /// The body when it parsed, to decide what to check before validating it.
    pub fn peek(&self) -> Option<&T> {
        self.0.as_ref().ok()
    }
}

impl<T: serde::de::DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let fut = web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let parsed = match fut.await {
                Err(e) => Err(match e.as_error::<ApiError>() {
                    Some(api) => clone_error(api),
                    None => ApiError::BadRequest {
                        code: "malformed_body",
                        detail: e.to_string(),
                    },
                }),
                Ok(v) if !v.is_object() => Err(ApiError::validation(
                    "body",
                    "invalid_type",
                    "the body must be a JSON object",
                )),
                Ok(v) => serde_json::from_value::<T>(v.into_inner())
                    .map_err(|e| json_error(JsonPayloadError::Deserialize(e))),
            };
            Ok(Json(parsed))
        })
    }
}

/// Re-creates an error that actix holds behind a reference.
fn clone_error(e: &ApiError) -> ApiError {
    match e {
        ApiError::BadRequest { code, detail } => ApiError::BadRequest {
            code,
            detail: detail.clone(),
        },
        ApiError::PayloadTooLarge => ApiError::PayloadTooLarge,
        ApiError::UnsupportedMediaType(d) => ApiError::UnsupportedMediaType(d.clone()),
        ApiError::Validation(v) => ApiError::Validation(v.clone()),
        other => ApiError::BadRequest {
            code: "malformed_body",
            detail: other.to_string(),
        },
    }
}

pub fn json_config() -> web::JsonConfig {
    json_config_up_to(JSON_LIMIT)
}

/// The JSON extractor's settings with a larger body limit, for bulk endpoints.
pub fn json_config_up_to(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(|err, _req| json_error(err).into())
}

fn json_error(err: JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::ContentType => {
            ApiError::UnsupportedMediaType("expected Content-Type: application/json".into())
        }
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::PayloadTooLarge
        }
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            // Well-formed JSON of the wrong shape: unknown field, missing field, wrong type.
            let msg = e.to_string();
            let field = field_of(&msg).unwrap_or_else(|| "body".into());
            let code = if msg.starts_with("unknown field") {
                "unknown_field"
            } else if msg.starts_with("missing field") {
                "required"
            } else {
                "invalid_type"
            };
            ApiError::validation(&field, code, msg)
        }
        JsonPayloadError::Deserialize(e) => ApiError::BadRequest {
            code: "malformed_json",
            detail: format!("the body is not valid JSON: {e}"),
        },
        other => ApiError::BadRequest {
            code: "malformed_body",
            detail: other.to_string(),
        },
    }
}

/// Pulls the field name out of serde's "unknown field `x`" / "missing field `x`" messages.
fn field_of(msg: &str) -> Option<String> {
    let start = msg.find('`')? + 1;
    let end = start + msg[start..].find('`')?;
    Some(msg[start..end].to_owned())
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        let detail = match &err {
            QueryPayloadError::Deserialize(e) => e.to_string(),
            other => other.to_string(),
        };
        ApiError::validation("query", "invalid", detail).into()
    })
}

pub fn path_config() -> web::PathConfig {
    // A path segment that is not a valid id cannot name an existing resource.
    web::PathConfig::default().error_handler(|_err: PathError, _req| ApiError::NotFound.into())
}

/// Pagination query shared by every list.
/// A list's `?limit=`: 1–200, 50 when absent (for lists whose cursor is not an id).
pub fn page_limit(limit: Option<i64>) -> ApiResult<u64> {
    match limit {
        None => Ok(tandem_db::pagination::DEFAULT_LIMIT),
        Some(n) if (1..=200).contains(&n) => Ok(n as u64),
        Some(_) => Err(ApiError::validation(
            "limit",
            "range",
            "must be between 1 and 200",
        )),
    }
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Opaque cursor from the previous page's `next_cursor`.
    #[param(pattern = r"^[A-Za-z0-9_-]{22}$")]
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn limit(&self) -> ApiResult<u64> {
        page_limit(self.limit)
    }

    pub fn cursor(&self) -> ApiResult<Option<uuid::Uuid>> {
        match self.cursor.as_deref() {
            None => Ok(None),
            Some(c) => tandem_db::pagination::decode_cursor(c)
                .map(Some)
                .ok_or_else(|| {
                    ApiError::validation("cursor", "invalid", "not a cursor from this API")
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let proxy: std::net::IpAddr = "10.0.0.5".parse().unwrap();
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let xff = headers(&[("x-forwarded-for", "203.0.113.7, 10.0.0.9")]);
        let x = ProxyHeader::XForwardedFor;
        // From the proxy: the nearest untrusted hop.
        assert_eq!(
            forwarded_client(proxy, &trusted, x, &xff).to_string(),
            "203.0.113.7"
        );
        // From anyone else: the socket's address, whatever the header says.
        let stranger: std::net::IpAddr = "198.51.100.1".parse().unwrap();
        assert_eq!(forwarded_client(stranger, &trusted, x, &xff), stranger);
        // A client's own forged entry on the left is not believed past the real hop.
        let forged = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.7")]);
        assert_eq!(
            forwarded_client(proxy, &trusted, x, &forged).to_string(),
            "203.0.113.7"
        );
        // The header the proxy does not set is the client's own word: never read.
        let both = headers(&[
            ("x-forwarded-for", "203.0.113.7"),
            ("forwarded", "for=192.0.2.99"),
        ]);
        assert_eq!(
            forwarded_client(proxy, &trusted, x, &both).to_string(),
            "203.0.113.7"
        );
        // RFC 7239, with IPv6 and ports, when that is the proxies' header.
        let fwd = headers(&[(
            "forwarded",
            "for=192.0.2.60;proto=http, for=\"[2001:db8:cafe::17]:4711\"",
        )]);
        assert_eq!(
            forwarded_client(proxy, &trusted, ProxyHeader::Forwarded, &fwd).to_string(),
            "2001:db8:cafe::17"
        );
        // A dual-stack listener sees IPv4 proxies as ::ffff:a.b.c.d.
        let mapped: std::net::IpAddr = "::ffff:10.0.0.5".parse().unwrap();
        assert_eq!(
            forwarded_client(mapped, &trusted, x, &xff).to_string(),
            "203.0.113.7"
        );
        // No proxies configured: never trusted.
        assert_eq!(forwarded_client(proxy, &[], x, &xff), proxy);
    }
}
