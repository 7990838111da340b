//! Typed access to Tandem's REST API over the shared `tandem-dto` types.
//!
//! Every call goes through [`send`]: it attaches the access token, refreshes it shortly before
//! it expires and once more on a 401, and turns error responses into [`ApiError`]s carrying the
//! server's problem+json (so forms can show field errors next to their inputs).

pub mod docs;
pub mod files;
pub mod projects;
pub mod session;
pub mod tasks;

use std::cell::RefCell;
use std::rc::Rc;

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tandem_dto::{
    FieldError, LoginRequest, Page, Problem, RefreshRequest, RegisterRequest, TokenPairResponse,
    UserResponse,
};
use wasm_bindgen::JsValue;

const BASE: &str = "/api/v1";

#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The server answered with an error (problem+json).
    Problem(Problem),
    /// The request never got an answer (offline, server down).
    Network(String),
    /// The session ended (refresh refused); the app sends the user to the login page.
    SessionExpired,
}

impl ApiError {
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Problem(p) => p.code.as_deref(),
            _ => None,
        }
    }
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Problem(p) => Some(p.status),
            _ => None,
        }
    }
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            ApiError::Problem(p) => &p.errors,
            _ => &[],
        }
    }
}

#[derive(Clone, Copy)]
enum Method {
    Get,
    Post,
    Patch,
    Put,
    Delete,
}

#[derive(Clone)]
enum Body {
    None,
    Json(String),
    Raw(JsValue, String),
}

thread_local! {
    static ON_EXPIRED: RefCell<Option<Rc<dyn Fn()>>> = RefCell::new(None);
}

/// What to do when the session can no longer be refreshed (set once by the app shell).
pub fn on_session_expired(f: impl Fn() + 'static) {
    ON_EXPIRED.with(|h| *h.borrow_mut() = Some(Rc::new(f)));
}

fn session_expired() -> ApiError {
    session::clear();
    if let Some(f) = ON_EXPIRED.with(|h| h.borrow().clone()) {
        f();
    }
    ApiError::SessionExpired
}

fn network(e: impl std::fmt::Display) -> ApiError {
    ApiError::Network(e.to_string())
}

/// A failed browser call as a network error, with the exception's own message. (Not its
/// `Debug` form: the size build compiles `Debug` formatting away, see scripts/build-web.sh.)
pub fn js_error(e: JsValue) -> ApiError {
    use wasm_bindgen::JsCast;
    let message = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "browser error".to_owned());
    ApiError::Network(message)
}

fn builder(m: Method, url: &str) -> RequestBuilder {
    match m {
        Method::Get => Request::get(url),
        Method::Post => Request::post(url),
        Method::Patch => Request::patch(url),
        Method::Put => Request::put(url),
        Method::Delete => Request::delete(url),
    }
}

async fn send_once(
    m: Method,
    url: &str,
    body: &Body,
    token: Option<&str>,
    if_match: Option<&str>,
) -> Result<Response, ApiError> {
    let mut b = builder(m, url).header("Accept", "application/json");
    if let Some(t) = token {
        b = b.header("Authorization", &format!("Bearer {t}"));
    }
    if let Some(tag) = if_match {
        b = b.header("If-Match", tag);
    }
    let req = match body {
        Body::None => b.build(),
        Body::Json(s) => b.header("Content-Type", "application/json").body(s.clone()),
        Body::Raw(v, ct) => b.header("Content-Type", ct).body(v.clone()),
    }
    .map_err(network)?;
    req.send().await.map_err(network)
}

/// Turns a non-2xx response into the server's problem (or one made up from the status).
async fn check(resp: Response) -> Result<Response, ApiError> {
    if resp.ok() {
        return Ok(resp);
    }
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    Err(ApiError::Problem(
        serde_json::from_str::<Problem>(&text).unwrap_or_else(|_| Problem {
            kind: "about:blank".into(),
            title: resp.status_text(),
            status,
            detail: None,
            code: None,
            errors: Vec::new(),
            context: None,
        }),
    ))
}

/// The access token to send now, refreshed first when it is about to expire.
async fn current_access() -> Result<Option<String>, ApiError> {
    match session::load() {
        None => Ok(None),
        Some(s) if s.expiring() => refresh_after(&s.access_token).await.map(Some),
        Some(s) => Ok(Some(s.access_token)),
    }
}

/// The token for the live socket's hello: the current one, or a fresh one when the server
/// refused `stale`. `None` when signed out.
pub async fn socket_token(stale: Option<&str>) -> Result<Option<String>, ApiError> {
    match stale {
        Some(t) => refresh_after(t).await.map(Some),
        None => current_access().await,
    }
}

/// Replaces `stale` with a fresh access token, unless someone (this tab or another) already did.
async fn refresh_after(stale: &str) -> Result<String, ApiError> {
    // One refresh at a time in this tab, and across tabs where the browser offers Web Locks.
    let lock = session::refresh_lock();
    let _guard = lock.lock().await;
    let _tabs = session::TabLock::acquire().await;
    let Some(s) = session::load() else {
        return Err(session_expired());
    };
    if s.access_token != stale && !s.expiring() {
        return Ok(s.access_token);
    }
    let body = serde_json::to_string(&RefreshRequest {
        refresh_token: s.refresh_token.clone(),
    })
    .map_err(network)?;
    let resp = send_once(
        Method::Post,
        &format!("{BASE}/auth/refresh"),
        &Body::Json(body),
        None,
        None,
    )
    .await?;
    match resp.status() {
        200 => {
            let pair: TokenPairResponse = resp.json().await.map_err(network)?;
            let fresh = session::Session::from_pair(&pair);
            session::store(&fresh);
            Ok(fresh.access_token)
        }
        // Refused: the refresh token is gone, reused or the account was deactivated.
        401 => Err(session_expired()),
        // A server hiccup or throttling is not a reason to sign the user out.
        _ => Err(check(resp)
            .await
            .err()
            .unwrap_or(ApiError::Network("refresh failed".into()))),
    }
}

async fn send(
    m: Method,
    path: &str,
    body: Body,
    if_match: Option<&str>,
) -> Result<Response, ApiError> {
    let url = format!("{BASE}{path}");
    let token = current_access().await?;
    let resp = send_once(m, &url, &body, token.as_deref(), if_match).await?;
    match token {
        Some(stale) if resp.status() == 401 => {
            let fresh = refresh_after(&stale).await?;
            check(send_once(m, &url, &body, Some(&fresh), if_match).await?).await
        }
        // The session was ended in another tab: this one is signed out too.
        None if resp.status() == 401 => Err(session_expired()),
        _ => check(resp).await,
    }
}

/// A request that needs no session (the register page's department list): a stale stored
/// session must not get in the way.
pub async fn get_public<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let resp = send_once(
        Method::Get,
        &format!("{BASE}{path}"),
        &Body::None,
        None,
        None,
    )
    .await?;
    decode(check(resp).await?).await
}

fn json_body<B: Serialize>(b: &B) -> Result<Body, ApiError> {
    serde_json::to_string(b).map(Body::Json).map_err(network)
}

async fn decode<T: DeserializeOwned>(resp: Response) -> Result<T, ApiError> {
    resp.json().await.map_err(network)
}

fn etag(resp: &Response) -> Option<String> {
    resp.headers().get("etag")
}

pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    decode(send(Method::Get, path, Body::None, None).await?).await
}

/// A resource and its `ETag`, to send back as `If-Match` when changing it.
pub async fn get_tagged<T: DeserializeOwned>(path: &str) -> Result<(T, Option<String>), ApiError> {
    let resp = send(Method::Get, path, Body::None, None).await?;
    let tag = etag(&resp);
    Ok((decode(resp).await?, tag))
}

/// Every item of a paginated list (following `next_cursor`).
pub async fn all<T: DeserializeOwned>(path: &str) -> Result<Vec<T>, ApiError> {
    all_with(path, false).await
}

/// [`all`] without a session (see [`get_public`]).
pub async fn all_public<T: DeserializeOwned>(path: &str) -> Result<Vec<T>, ApiError> {
    all_with(path, true).await
}

async fn all_with<T: DeserializeOwned>(path: &str, public: bool) -> Result<Vec<T>, ApiError> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit=200&cursor={}", enc(c)),
            None => format!("{path}{sep}limit=200"),
        };
        let page: Page<T> = if public {
            get_public(&url).await?
        } else {
            get(&url).await?
        };
        items.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(items),
        }
    }
}

pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    decode(send(Method::Post, path, json_body(body)?, None).await?).await
}

/// A POST that changes a versioned resource: `If-Match` carries the copy's `ETag`.
pub async fn post_if_match<B: Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
    if_match: &str,
) -> Result<T, ApiError> {
    decode(send(Method::Post, path, json_body(body)?, Some(if_match)).await?).await
}

/// A POST without a body (an action such as "approve").
pub async fn post_action<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    decode(send(Method::Post, path, Body::None, None).await?).await
}

/// A POST with a JSON body answered with 204.
pub async fn post_action_with<B: Serialize>(path: &str, body: &B) -> Result<(), ApiError> {
    send(Method::Post, path, json_body(body)?, None)
        .await
        .map(drop)
}

pub async fn patch<B: Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
    if_match: Option<&str>,
) -> Result<(T, Option<String>), ApiError> {
    let resp = send(Method::Patch, path, json_body(body)?, if_match).await?;
    let tag = etag(&resp);
    Ok((decode(resp).await?, tag))
}

pub async fn put<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    decode(send(Method::Put, path, json_body(body)?, None).await?).await
}

pub async fn delete(path: &str) -> Result<(), ApiError> {
    send(Method::Delete, path, Body::None, None).await.map(drop)
}

/// Uploads a file (or any blob) as the raw request body.
pub async fn put_blob<T: DeserializeOwned>(
    path: &str,
    blob: &web_sys::Blob,
    content_type: &str,
) -> Result<T, ApiError> {
    let body = Body::Raw(JsValue::from(blob.clone()), content_type.to_owned());
    decode(send(Method::Put, path, body, None).await?).await
}

/// Downloads an authenticated binary (an avatar) into an object URL an `<img>` can show.
pub async fn blob_url(path: &str) -> Result<String, ApiError> {
    let resp = send(Method::Get, path, Body::None, None).await?;
    let bytes = resp.binary().await.map_err(network)?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes.as_slice()));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(&resp.headers().get("content-type").unwrap_or_default());
    let blob =
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts).map_err(js_error)?;
    web_sys::Url::create_object_url_with_blob(&blob).map_err(js_error)
}

/// Percent-encodes a query parameter value.
pub fn enc(v: &str) -> String {
    String::from(js_sys::encode_uri_component(v))
}

/// Signs in and stores the session.
/// Logs in, presenting this browser's device token for the account when it has one, and
/// keeping the new one.
pub async fn login(req: &LoginRequest) -> Result<UserResponse, ApiError> {
    let mut req = req.clone();
    if req.device_token.is_none() {
        req.device_token = session::device_token(&req.login);
    }
    let resp = send_once(
        Method::Post,
        &format!("{BASE}/auth/login"),
        &json_body(&req)?,
        None,
        None,
    )
    .await?;
    let pair: TokenPairResponse = decode(check(resp).await?).await?;
    session::store(&session::Session::from_pair(&pair));
    if let Some(t) = &pair.device_token {
        session::remember_device(&req.login, t);
    }
    Ok(pair.user)
}

pub async fn register(req: &RegisterRequest) -> Result<UserResponse, ApiError> {
    let resp = send_once(
        Method::Post,
        &format!("{BASE}/auth/register"),
        &json_body(req)?,
        None,
        None,
    )
    .await?;
    decode(check(resp).await?).await
}

/// Ends the session on the server (its refresh token stops working) and in the browser.
pub async fn logout() {
    if let Some(s) = session::load() {
        let body = json_body(&RefreshRequest {
            refresh_token: s.refresh_token,
        });
        if let Ok(body) = body {
            let _ = send_once(
                Method::Post,
                &format!("{BASE}/auth/logout"),
                &body,
                Some(&s.access_token),
                None,
            )
            .await;
        }
    }
    session::clear();
}

/// Downloads an authenticated file and hands it to the browser as a download (a plain link
/// cannot carry the bearer token).
pub async fn download(path: &str, file_name: &str) -> Result<(), ApiError> {
    use wasm_bindgen::JsCast;
    let url = blob_url(path).await?;
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| network("no document"))?;
    let a = doc
        .create_element("a")
        .map_err(js_error)?
        .dyn_into::<web_sys::HtmlAnchorElement>()
        .map_err(|_| network("not an anchor"))?;
    a.set_href(&url);
    a.set_download(file_name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// Stops an [`upload`] in flight (the upload control's Cancel). Cancelling before the request
/// is sent (while the token is refreshed) stops it from being sent at all.
#[derive(Clone, Default)]
pub struct Abort(Rc<AbortState>);

#[derive(Default)]
struct AbortState {
    cancelled: std::cell::Cell<bool>,
    xhr: RefCell<Option<web_sys::XmlHttpRequest>>,
}

impl Abort {
    pub fn abort(&self) {
        self.0.cancelled.set(true);
        if let Some(xhr) = self.0.xhr.borrow_mut().take() {
            let _ = xhr.abort();
        }
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.get()
    }
}

/// Uploads a multipart form with progress (fetch cannot report upload progress; XHR can).
pub async fn upload<T: DeserializeOwned>(
    path: &str,
    form: &web_sys::FormData,
    on_progress: impl Fn(f64) + 'static,
    abort: &Abort,
) -> Result<T, ApiError> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::Closure;
    let token = current_access().await?;
    let xhr = web_sys::XmlHttpRequest::new().map_err(js_error)?;
    xhr.open("POST", &format!("{BASE}{path}"))
        .map_err(js_error)?;
    if let Some(t) = token {
        xhr.set_request_header("Authorization", &format!("Bearer {t}"))
            .map_err(js_error)?;
    }
    let progress =
        Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
            if e.length_computable() && e.total() > 0.0 {
                on_progress(e.loaded() / e.total());
            }
        });
    if let Ok(up) = xhr.upload() {
        up.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    let (tx, rx) = futures::channel::oneshot::channel::<()>();
    let tx = std::cell::RefCell::new(Some(tx));
    let done = Closure::<dyn FnMut()>::new(move || {
        if let Some(tx) = tx.borrow_mut().take() {
            let _ = tx.send(());
        }
    });
    xhr.set_onloadend(Some(done.as_ref().unchecked_ref()));
    if abort.is_cancelled() {
        return Err(ApiError::Network("cancelled".into()));
    }
    xhr.send_with_opt_form_data(Some(form)).map_err(js_error)?;
    abort.0.xhr.replace(Some(xhr.clone()));
    let _ = rx.await;
    abort.0.xhr.replace(None);
    drop(progress);
    drop(done);
    let status = xhr.status().unwrap_or(0);
    let text = xhr.response_text().ok().flatten().unwrap_or_default();
    if status == 0 {
        return Err(ApiError::Network("upload failed".into()));
    }
    if !(200..300).contains(&status) {
        return Err(ApiError::Problem(
            serde_json::from_str::<Problem>(&text).unwrap_or_else(|_| Problem {
                kind: "about:blank".into(),
                title: "Error".into(),
                status,
                detail: None,
                code: None,
                errors: Vec::new(),
                context: None,
            }),
        ));
    }
    serde_json::from_str(&text).map_err(network)
}
