//! One error type for the whole API, rendered as RFC 9457 problem+json.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use tandem_db::RepoError;
use tandem_domain::policy::Denied;
use tandem_domain::projects::ProjectDenied;
use tandem_dto::{FieldError, Problem};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Every way a request can fail. Infrastructure errors are logged and answered with an
/// opaque 500; the rest carry a stable `code`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request could not be read at all.
    #[error("{detail}")]
    BadRequest { code: &'static str, detail: String },
    /// 401: no token, or one that is invalid, expired or revoked.
    #[error("authentication required")]
    Unauthorized { code: &'static str },
    /// 403: authenticated but not allowed.
    #[error("{detail}")]
    Forbidden { code: &'static str, detail: String },
    /// 404: no such resource, or not visible to the caller.
    #[error("not found")]
    NotFound,
    /// 405: the resource exists but not with this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 409: the request conflicts with the current state (`context`: what it conflicts with).
    #[error("{detail}")]
    Conflict {
        code: &'static str,
        detail: String,
        context: Option<serde_json::Value>,
    },
    /// 412: `If-Match` named an old version.
    #[error("the resource changed since you read it")]
    PreconditionFailed,
    /// 428: this resource is only changed with a current `If-Match`.
    #[error("send If-Match with the ETag you last read")]
    PreconditionRequired,
    /// 413: body over the limit.
    #[error("the request body is too large")]
    PayloadTooLarge,
    /// 415: wrong content type.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: well-formed but invalid input.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// 429: throttled; retry after the given seconds.
    #[error("too many attempts")]
    TooManyRequests { retry_after: u64 },
    /// 503: the server is at capacity for this kind of work; retry after the given seconds.
    #[error("{detail}")]
    Unavailable {
        code: &'static str,
        detail: String,
        retry_after: u64,
    },
    /// 500: something broke on our side; details only in the log.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn validation(field: &str, code: &str, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(field, code, message)])
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        ApiError::Conflict {
            code,
            detail: detail.into(),
            context: None,
        }
    }

    pub fn forbidden(code: &'static str, detail: impl Into<String>) -> Self {
        ApiError::Forbidden {
            code,
            detail: detail.into(),
        }
    }

    /// 429 for a throttle locked for `wait` (at least a second, as `Retry-After` counts).
    pub fn throttled(wait: std::time::Duration) -> Self {
        ApiError::TooManyRequests {
            retry_after: wait.as_secs().max(1),
        }
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        ApiError::Internal(e.to_string())
    }

    fn code(&self) -> Option<&'static str> {
        Some(match self {
            ApiError::BadRequest { code, .. }
            | ApiError::Unauthorized { code }
            | ApiError::Forbidden { code, .. }
            | ApiError::Conflict { code, .. }
            | ApiError::Unavailable { code, .. } => code,
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::PreconditionFailed => "stale_etag",
            ApiError::PreconditionRequired => "if_match_required",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Validation(_) => "validation_failed",
            ApiError::TooManyRequests { .. } => "too_many_attempts",
            ApiError::Internal(_) => "internal",
        })
    }

    pub fn to_problem(&self) -> Problem {
        let status = self.status_code();
        let detail = match self {
            ApiError::Internal(_) => "an unexpected error occurred; it has been logged".to_owned(),
            ApiError::Unauthorized { .. } => {
                "a valid bearer token is required (Authorization: Bearer …)".to_owned()
            }
            ApiError::TooManyRequests { retry_after } => {
                format!("too many failed attempts; retry in {retry_after} s")
            }
            other => other.to_string(),
        };
        Problem {
            kind: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            detail: Some(detail),
            code: self.code().map(str::to_owned),
            errors: match self {
                ApiError::Validation(e) => e.clone(),
                _ => vec![],
            },
            context: match self {
                ApiError::Conflict { context, .. } => context.clone(),
                _ => None,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(e) = self {
            tracing::error!(error = %e, "request failed");
        }
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        match self {
            ApiError::Unauthorized { .. } => {
                res.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
            }
            ApiError::TooManyRequests { retry_after }
            | ApiError::Unavailable { retry_after, .. } => {
                res.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            _ => {}
        }
        let body = serde_json::to_string(&self.to_problem()).unwrap_or_default();
        res.body(body)
    }
}

impl From<RepoError> for ApiError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => ApiError::NotFound,
            // A concurrent writer bumped the version between our read and our write.
            RepoError::Conflict("stale_version") => ApiError::PreconditionFailed,
            RepoError::Conflict(code) => {
                ApiError::conflict(code, "the change conflicts with existing data")
            }
            RepoError::Db(e) => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<tandem_db::DbErr> for ApiError {
    fn from(e: tandem_db::DbErr) -> Self {
        RepoError::from(e).into()
    }
}

impl From<crate::security::HashError> for ApiError {
    fn from(e: crate::security::HashError) -> Self {
        match e {
            crate::security::HashError::Busy => ApiError::Unavailable {
                code: "busy",
                detail: "the server is busy checking passwords; retry shortly".into(),
                retry_after: 2,
            },
            crate::security::HashError::Failed(e) => ApiError::Internal(e),
        }
    }
}

impl From<Denied> for ApiError {
    fn from(d: Denied) -> Self {
        ApiError::forbidden(d.code(), d.to_string())
    }
}

impl From<ProjectDenied> for ApiError {
    fn from(d: ProjectDenied) -> Self {
        match d {
            // Objects of projects one is not in do not exist for them.
            ProjectDenied::NotVisible => ApiError::NotFound,
            ProjectDenied::Archived => ApiError::conflict(d.code(), d.to_string()),
            ProjectDenied::Role
            | ProjectDenied::MissingScope(_)
            | ProjectDenied::ProtectedAttachments
            | ProjectDenied::Reassign
            | ProjectDenied::FileLevel => ApiError::forbidden(d.code(), d.to_string()),
        }
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errs: validator::ValidationErrors) -> Self {
        let mut out: Vec<FieldError> = errs
            .field_errors()
            .into_iter()
            .flat_map(|(field, list)| {
                list.iter().map(move |e| FieldError {
                    field: field.to_string(),
                    code: e.code.to_string(),
                    message: e
                        .message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| default_message(&e.code, &e.params)),
                })
            })
            .collect();
        out.sort_by(|a, b| a.field.cmp(&b.field));
        ApiError::Validation(out)
    }
}

fn default_message(
    code: &str,
    params: &std::collections::HashMap<std::borrow::Cow<'static, str>, serde_json::Value>,
) -> String {
    match code {
        "length" if params.get("value").is_some_and(|v| v.is_array()) => {
            match (params.get("min"), params.get("max")) {
                (Some(min), Some(max)) => format!("must have between {min} and {max} items"),
                (Some(min), None) => format!("must have at least {min} items"),
                (None, Some(max)) => format!("must have at most {max} items"),
                _ => "has an invalid number of items".into(),
            }
        }
        "length" => match (params.get("min"), params.get("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max} characters long"),
            (Some(min), None) => format!("must be at least {min} characters long"),
            (None, Some(max)) => format!("must be at most {max} characters long"),
            _ => "has an invalid length".into(),
        },
        "email" => "must be a valid e-mail address".into(),
        "range" => "is out of range".into(),
        other => format!("is invalid ({other})"),
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Validates a request body with its derive rules, and refuses NUL characters anywhere in
/// it: PostgreSQL cannot store them in text, and no legitimate input contains one.
pub fn validate<T: validator::Validate + serde::Serialize>(v: &T) -> ApiResult<()> {
    v.validate().map_err(ApiError::from)?;
    let value = serde_json::to_value(v).map_err(ApiError::internal)?;
    if let Some(field) = find_nul(&value, "") {
        return Err(ApiError::validation(
            &field,
            "nul_character",
            "must not contain NUL characters",
        ));
    }
    Ok(())
}

fn find_nul(v: &serde_json::Value, path: &str) -> Option<String> {
    match v {
        serde_json::Value::String(s) if s.contains('\0') => Some(path.to_owned()),
        serde_json::Value::Array(items) => items.iter().find_map(|i| find_nul(i, path)),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, i)| find_nul(i, k)),
        _ => None,
    }
}

/// Refuses NUL characters in a query parameter (see [`validate`]).
pub fn check_text_param(field: &str, v: Option<&str>, max_chars: usize) -> ApiResult<()> {
    if let Some(s) = v {
        if s.contains('\0') {
            return Err(ApiError::validation(
                field,
                "nul_character",
                "must not contain NUL characters",
            ));
        }
        if s.chars().count() > max_chars {
            return Err(ApiError::validation(
                field,
                "length",
                format!("must be at most {max_chars} characters long"),
            ));
        }
    }
    Ok(())
}

/// Looks up an object a request refers to (a department, a head user …): when it does not
/// exist the *request* is invalid, so the answer is 422 on that field, not 404.
pub fn referenced<T>(lookup: Result<T, RepoError>, field: &str, what: &str) -> ApiResult<T> {
    match lookup {
        Ok(v) => Ok(v),
        Err(RepoError::NotFound) => Err(ApiError::validation(
            field,
            "not_found",
            format!("no such {what}"),
        )),
        Err(e) => Err(e.into()),
    }
}
