//! Typed HTTP client over the `dto` types, for the CLI's seed command, scripts, e2e and tests.
//! Errors arrive as the server's problem+json, decoded.

use reqwest::{Method, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tandem_dto::*;
use uuid::Uuid;

/// What a call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with a problem document.
    #[error("{} {}: {}", .0.status, .0.title, .0.detail.clone().unwrap_or_default())]
    Api(Problem),
    /// The request did not get an answer, or the answer was not what the API promises.
    #[error(transparent)]
    Http(#[from] reqwest::Error),
}

impl ClientError {
    /// The problem's stable code, when the server sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Api(p) => p.code.as_deref(),
            ClientError::Http(_) => None,
        }
    }
}

pub type ClientResult<T> = Result<T, ClientError>;

/// A client for one server, optionally authenticated.
#[derive(Clone, Debug)]
pub struct TandemClient {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl TandemClient {
    /// `base` is the server root, e.g. `http://127.0.0.1:8080`.
    pub fn new(base: impl Into<String>) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: base.into().trim_end_matches('/').to_owned(),
            token: None,
        }
    }

    /// The same client, sending `token` as `Authorization: Bearer`.
    pub fn with_token(&self, token: impl Into<String>) -> Self {
        Self {
            token: Some(token.into()),
            ..self.clone()
        }
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let r = self
            .http
            .request(method, format!("{}/api/v1{}", self.base, path));
        match &self.token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    async fn decode<T: DeserializeOwned>(res: Response) -> ClientResult<T> {
        if res.status().is_success() {
            Ok(res.json().await?)
        } else {
            let status = res.status();
            let problem = res.json::<Problem>().await.unwrap_or_else(|_| Problem {
                kind: "about:blank".into(),
                title: status.canonical_reason().unwrap_or("Error").into(),
                status: status.as_u16(),
                detail: None,
                code: None,
                errors: vec![],
                context: None,
            });
            Err(ClientError::Api(problem))
        }
    }

    async fn empty(res: Response) -> ClientResult<()> {
        if res.status().is_success() {
            Ok(())
        } else {
            Self::decode::<serde_json::Value>(res).await.map(|_| ())
        }
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> ClientResult<T> {
        Self::decode(self.request(Method::GET, path).send().await?).await
    }

    async fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> ClientResult<T> {
        Self::decode(self.request(method, path).json(body).send().await?).await
    }

    pub async fn health(&self) -> ClientResult<HealthResponse> {
        Self::decode(
            self.http
                .get(format!("{}/api/health", self.base))
                .send()
                .await?,
        )
        .await
    }

    pub async fn register(&self, req: &RegisterRequest) -> ClientResult<UserResponse> {
        self.send(Method::POST, "/auth/register", req).await
    }

    pub async fn login(&self, login: &str, password: &str) -> ClientResult<TokenPairResponse> {
        let req = LoginRequest {
            login: login.into(),
            password: password.into(),
            device_token: None,
        };
        self.send(Method::POST, "/auth/login", &req).await
    }

    pub async fn refresh(&self, refresh_token: &str) -> ClientResult<TokenPairResponse> {
        let req = RefreshRequest {
            refresh_token: refresh_token.into(),
        };
        self.send(Method::POST, "/auth/refresh", &req).await
    }

    pub async fn logout(&self, refresh_token: &str) -> ClientResult<()> {
        let req = RefreshRequest {
            refresh_token: refresh_token.into(),
        };
        Self::empty(
            self.request(Method::POST, "/auth/logout")
                .json(&req)
                .send()
                .await?,
        )
        .await
    }

    pub async fn me(&self) -> ClientResult<UserResponse> {
        self.get("/me").await
    }

    pub async fn update_me(&self, req: &UpdateMeRequest) -> ClientResult<UserResponse> {
        self.send(Method::PATCH, "/me", req).await
    }

    pub async fn departments(&self) -> ClientResult<Page<DepartmentResponse>> {
        self.get("/departments?limit=200").await
    }

    pub async fn create_department(
        &self,
        req: &CreateDepartmentRequest,
    ) -> ClientResult<DepartmentResponse> {
        self.send(Method::POST, "/departments", req).await
    }

    pub async fn registrations(&self) -> ClientResult<Page<UserResponse>> {
        self.get("/admin/registrations").await
    }

    pub async fn approve(&self, user_id: Uuid) -> ClientResult<UserResponse> {
        self.send(
            Method::POST,
            &format!("/admin/registrations/{user_id}/approve"),
            &serde_json::json!({}),
        )
        .await
    }

    pub async fn reject(&self, user_id: Uuid, reason: &str) -> ClientResult<UserResponse> {
        let req = RejectRequest {
            reason: reason.into(),
        };
        self.send(
            Method::POST,
            &format!("/admin/registrations/{user_id}/reject"),
            &req,
        )
        .await
    }

    pub async fn update_user(
        &self,
        user_id: Uuid,
        req: &UpdateUserRequest,
    ) -> ClientResult<UserResponse> {
        self.send(Method::PATCH, &format!("/users/{user_id}"), req)
            .await
    }

    pub async fn create_token(
        &self,
        req: &CreateAccessTokenRequest,
    ) -> ClientResult<CreatedAccessTokenResponse> {
        self.send(Method::POST, "/me/tokens", req).await
    }

    pub async fn create_quick_reply(
        &self,
        req: &CreateQuickReplyRequest,
    ) -> ClientResult<QuickReplyResponse> {
        self.send(Method::POST, "/me/quick-replies", req).await
    }

    pub async fn notifications(&self) -> ClientResult<Page<NotificationResponse>> {
        self.get("/me/notifications").await
    }
}

/// Generic calls, for tools that walk many resources (the seed and export commands).
impl TandemClient {
    /// `GET path` (relative to `/api/v1`).
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> ClientResult<T> {
        self.get(path).await
    }

    /// A JSON request, with `If-Match` when `version` is given.
    pub async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
        version: Option<i64>,
    ) -> ClientResult<T> {
        let mut r = self.request(method, path).json(body);
        if let Some(v) = version {
            r = r.header("If-Match", format!("\"{v}\""));
        }
        Self::decode(r.send().await?).await
    }

    /// A JSON request whose answer has no body (204).
    pub async fn call_empty<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> ClientResult<()> {
        Self::empty(self.request(method, path).json(body).send().await?).await
    }

    /// `DELETE path`, with `If-Match` when `version` is given.
    pub async fn delete_at(&self, path: &str, version: Option<i64>) -> ClientResult<()> {
        let mut r = self.request(Method::DELETE, path);
        if let Some(v) = version {
            r = r.header("If-Match", format!("\"{v}\""));
        }
        Self::empty(r.send().await?).await
    }

    /// A multipart upload: `bytes` as the `file` field named `file_name`, with text `fields`.
    pub async fn upload<T: DeserializeOwned>(
        &self,
        path: &str,
        file_name: &str,
        bytes: Vec<u8>,
        fields: &[(&str, String)],
    ) -> ClientResult<T> {
        let mut form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()),
        );
        for (name, value) in fields {
            form = form.text(name.to_string(), value.clone());
        }
        Self::decode(
            self.request(Method::POST, path)
                .multipart(form)
                .send()
                .await?,
        )
        .await
    }

    /// `GET path` as bytes (downloads).
    pub async fn download(&self, path: &str) -> ClientResult<Vec<u8>> {
        let res = self.request(Method::GET, path).send().await?;
        if res.status().is_success() {
            Ok(res.bytes().await?.to_vec())
        } else {
            Self::decode::<serde_json::Value>(res)
                .await
                .map(|_| Vec::new())
        }
    }

    /// Every item of a paged list, following `next_cursor` (`path` may carry a query).
    pub async fn get_all<T: DeserializeOwned>(&self, path: &str) -> ClientResult<Vec<T>> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let url = match &cursor {
                Some(c) => format!("{path}{sep}limit=200&cursor={c}"),
                None => format!("{path}{sep}limit=200"),
            };
            let page: Page<T> = self.get(&url).await?;
            out.extend(page.items);
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => return Ok(out),
            }
        }
    }
}

/// I3: external keys.
impl TandemClient {
    /// Every external key of `kind` the token may see (of `project`, for milestones, tasks
    /// and comments).
    pub async fn external_keys(
        &self,
        kind: ExternalKeyKind,
        project: Option<Uuid>,
    ) -> ClientResult<Vec<ExternalKeyResponse>> {
        let mut path = format!("/external-keys?kind={}", kind.as_str());
        if let Some(p) = project {
            path.push_str(&format!("&project_id={p}"));
        }
        self.get_all(&path).await
    }
}

pub use reqwest::Method as HttpMethod;
