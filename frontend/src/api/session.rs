//! The signed-in session: tokens kept in `localStorage` so a reload (or a deep link opened in a
//! new tab) stays signed in, and refreshed by exactly one request at a time.

use std::cell::RefCell;
use std::rc::Rc;

use futures::lock::Mutex;
use serde::{Deserialize, Serialize};
use tandem_dto::TokenPairResponse;
use wasm_bindgen::JsValue;

const KEY: &str = "tandem.session";
/// Refresh this long before the access token expires, so no request is sent with a token that
/// dies on the way.
const EARLY_MS: f64 = 30_000.0;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    /// Milliseconds since the epoch (browser clock) when the access token expires.
    pub expires_at_ms: f64,
}

impl Session {
    pub fn from_pair(p: &TokenPairResponse) -> Self {
        Self {
            access_token: p.access_token.clone(),
            refresh_token: p.refresh_token.clone(),
            expires_at_ms: js_sys::Date::now() + p.expires_in as f64 * 1000.0,
        }
    }

    pub fn expiring(&self) -> bool {
        js_sys::Date::now() + EARLY_MS >= self.expires_at_ms
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The session as stored now (another tab may have rotated it since we last looked).
pub fn load() -> Option<Session> {
    let raw = storage()?.get_item(KEY).ok()??;
    serde_json::from_str(&raw).ok()
}

pub fn store(s: &Session) {
    if let (Some(st), Ok(raw)) = (storage(), serde_json::to_string(s)) {
        let _ = st.set_item(KEY, &raw);
    }
}

pub fn clear() {
    if let Some(st) = storage() {
        let _ = st.remove_item(KEY);
    }
}

const DEVICES_KEY: &str = "tandem.devices";
/// Accounts whose device tokens a browser keeps (shared computers see a few people log in).
const DEVICES_KEPT: usize = 8;

/// Device tokens this browser received, by the login typed (lower-cased): presented at the next
/// login to the same account, they keep this browser out of lockouts caused by failed logins
/// elsewhere (see `LoginRequest::device_token`). They grant nothing without the password.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Devices(Vec<(String, String)>);

fn devices() -> Devices {
    storage()
        .and_then(|st| st.get_item(DEVICES_KEY).ok().flatten())
        .and_then(|raw| serde_json::from_str(&raw).ok())
        .unwrap_or_default()
}

/// The device token stored for `login`, if any.
pub fn device_token(login: &str) -> Option<String> {
    let key = login.trim().to_lowercase();
    devices()
        .0
        .into_iter()
        .find(|(l, _)| *l == key)
        .map(|(_, t)| t)
}

/// Remembers the device token a login to `login` returned (the newest first).
pub fn remember_device(login: &str, token: &str) {
    let key = login.trim().to_lowercase();
    let mut d = devices();
    d.0.retain(|(l, _)| *l != key);
    d.0.insert(0, (key, token.to_owned()));
    d.0.truncate(DEVICES_KEPT);
    if let (Some(st), Ok(raw)) = (storage(), serde_json::to_string(&d)) {
        let _ = st.set_item(DEVICES_KEY, &raw);
    }
}

thread_local! {
    // Refresh tokens are single-use and reuse revokes the whole family, so concurrent requests
    // that all see an expired token must not each refresh: they queue here and the later ones
    // find the new token already stored.
    static REFRESH_LOCK: Rc<Mutex<()>> = Rc::new(Mutex::new(()));
}

pub fn refresh_lock() -> Rc<Mutex<()>> {
    REFRESH_LOCK.with(Rc::clone)
}

/// The browser's Web Locks API (`navigator.locks`), so two tabs never refresh with the same
/// token. It exists only in secure contexts (https, localhost); elsewhere each tab relies on
/// re-reading the stored session, which catches all but truly simultaneous refreshes.
pub struct TabLock {
    release: Option<js_sys::Function>,
}

impl TabLock {
    pub async fn acquire() -> Self {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::prelude::Closure;
        let Some(locks) = web_sys::window()
            .map(|w| JsValue::from(w.navigator()))
            .and_then(|n| js_sys::Reflect::get(&n, &"locks".into()).ok())
            .filter(|l| !l.is_undefined() && !l.is_null())
        else {
            return Self { release: None };
        };
        let Ok(request) = js_sys::Reflect::get(&locks, &"request".into())
            .and_then(|f| f.dyn_into::<js_sys::Function>())
        else {
            return Self { release: None };
        };
        // `request(name, callback)` calls back once the lock is ours and holds it until the
        // promise the callback returns settles: we hand it one we resolve on drop.
        let release = Rc::new(RefCell::new(None::<js_sys::Function>));
        let (granted_tx, granted_rx) = futures::channel::oneshot::channel::<()>();
        let granted_tx = RefCell::new(Some(granted_tx));
        let slot = release.clone();
        let callback = Closure::once_into_js(move |_lock: JsValue| -> js_sys::Promise {
            js_sys::Promise::new(&mut |resolve, _reject| {
                *slot.borrow_mut() = Some(resolve);
                if let Some(tx) = granted_tx.borrow_mut().take() {
                    let _ = tx.send(());
                }
            })
        });
        if request
            .call2(&locks, &JsValue::from_str("tandem-refresh"), &callback)
            .is_err()
        {
            return Self { release: None };
        }
        let _ = granted_rx.await;
        let release = release.borrow_mut().take();
        Self { release }
    }
}

impl Drop for TabLock {
    fn drop(&mut self) {
        if let Some(f) = self.release.take() {
            let _ = f.call0(&JsValue::UNDEFINED);
        }
    }
}
