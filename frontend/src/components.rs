//! Small building blocks every page uses: form fields, toasts, avatars, loading/empty/error
//! states.

use std::cell::RefCell;
use std::collections::HashMap;

use leptos::prelude::*;
use tandem_dto::FieldError;
use uuid::Uuid;

use crate::api::{self, ApiError};
use crate::i18n::{I18n, Tr, use_i18n};

/// A keyset-paged list loaded from the API: the rows so far, the next cursor, and the loading
/// and error states. Answers to an older request (a filter changed meanwhile) are dropped.
pub struct Paged<T: Send + Sync + 'static> {
    pub items: RwSignal<Vec<T>>,
    pub next: RwSignal<Option<String>>,
    pub loading: RwSignal<bool>,
    pub failed: RwSignal<Option<ApiError>>,
    generation: StoredValue<u64>,
}

impl<T: Send + Sync + 'static> Clone for Paged<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Paged<T> {}

impl<T: serde::de::DeserializeOwned + Send + Sync + 'static> Paged<T> {
    pub fn new(loading: bool) -> Self {
        Self {
            items: RwSignal::new(Vec::new()),
            next: RwSignal::new(None),
            loading: RwSignal::new(loading),
            failed: RwSignal::new(None),
            generation: StoredValue::new(0),
        }
    }

    /// Loads the first page of `url` (a path with its query), or with `more` the page after
    /// the rows shown.
    pub fn load(self, url: String, more: bool) {
        let g = self.generation.get_value() + 1;
        self.generation.set_value(g);
        let mut u = url;
        if more && let Some(c) = self.next.get_untracked() {
            let sep = if u.contains('?') { '&' } else { '?' };
            u.push_str(&format!("{sep}cursor={}", api::enc(&c)));
        }
        self.loading.set(true);
        self.failed.set(None);
        leptos::task::spawn_local(async move {
            let res = api::get::<tandem_dto::Page<T>>(&u).await;
            // Also false when the page is gone (the stored value was disposed).
            if self.generation.try_get_value() != Some(g) {
                return;
            }
            match res {
                Ok(p) => {
                    if more {
                        self.items.update(|v| v.extend(p.items));
                    } else {
                        self.items.set(p.items);
                    }
                    self.next.set(p.next_cursor);
                }
                Err(e) => self.failed.set(Some(e)),
            }
            self.loading.set(false);
        });
    }
}

/// A list's filters as a query string (`?a=1&b=2`, empty values left out), for URLs that
/// keep the filters so a reload or a shared link shows the same list.
pub fn filter_query<'a>(pairs: impl IntoIterator<Item = (&'a str, String)>) -> String {
    let parts: Vec<String> = pairs
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", api::enc(v.trim())))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// Navigation that replaces the history entry: changing a filter is not a new page.
pub fn replace() -> leptos_router::NavigateOptions {
    leptos_router::NavigateOptions {
        replace: true,
        ..Default::default()
    }
}

/// A label, an input tied to it, and the field's error below (announced to screen readers).
#[component]
pub fn TextField(
    #[prop(into)] id: String,
    label: fn(&'static Tr) -> &'static str,
    value: RwSignal<String>,
    #[prop(into, optional)] error: Signal<Option<String>>,
    #[prop(optional)] kind: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] hint: Option<fn(&'static Tr) -> &'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] on_blur: Option<Callback<()>>,
) -> impl IntoView {
    let i = use_i18n();
    let err_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described = if hint.is_some() {
        format!("{err_id} {hint_id}")
    } else {
        err_id.clone()
    };
    view! {
        <div class="field" class:invalid=move || error.get().is_some()>
            <label for=id.clone()>
                {move || label(i.t())}
                {required.then(|| view! { <span class="req" aria-hidden="true">" *"</span> })}
            </label>
            <input
                id=id.clone()
                name=id
                type=kind.unwrap_or("text")
                autocomplete=autocomplete.unwrap_or("off")
                required=required
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                on:blur=move |_| {
                    if let Some(cb) = on_blur {
                        cb.run(());
                    }
                }
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=described
            />
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{move || h(i.t())}</p> })}
            <p class="field-error" id=err_id>{move || error.get()}</p>
        </div>
    }
}

/// A multi-line text field.
#[component]
pub fn TextArea(
    #[prop(into)] id: String,
    label: fn(&'static Tr) -> &'static str,
    value: RwSignal<String>,
    #[prop(into, optional)] error: Signal<Option<String>>,
    #[prop(optional)] rows: Option<u32>,
) -> impl IntoView {
    let i = use_i18n();
    let err_id = format!("{id}-error");
    view! {
        <div class="field" class:invalid=move || error.get().is_some()>
            <label for=id.clone()>{move || label(i.t())}</label>
            <textarea
                id=id.clone()
                name=id
                rows=rows.unwrap_or(3)
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=err_id.clone()
            ></textarea>
            <p class="field-error" id=err_id>{move || error.get()}</p>
        </div>
    }
}

/// Field errors of the last attempt, by field name, shown in the user's language.
#[derive(Clone, Copy)]
pub struct FormErrors(pub RwSignal<Vec<FieldError>>);

impl FormErrors {
    pub fn new() -> Self {
        Self(RwSignal::new(Vec::new()))
    }
    pub fn set(&self, errors: Vec<FieldError>) {
        self.0.set(errors);
    }
    pub fn is_empty(&self) -> bool {
        self.0.with(Vec::is_empty)
    }
    /// Replaces the errors of one field (checked on blur).
    pub fn set_field(&self, field: &str, errors: Vec<FieldError>) {
        self.0.update(|all| {
            all.retain(|e| e.field != field);
            all.extend(errors.into_iter().filter(|e| e.field == field));
        });
    }
    /// Takes a field's error away as soon as its value changes: a corrected field should not
    /// stay red until the next submit.
    pub fn clear_on_change<T>(&self, field: &'static str, value: RwSignal<T>)
    where
        T: Clone + PartialEq + Send + Sync + 'static,
    {
        let errors = self.0;
        Effect::watch(
            move || value.get(),
            move |_, _, _| {
                if errors.with_untracked(|all| all.iter().any(|e| e.field == field)) {
                    errors.update(|all| all.retain(|e| e.field != field));
                }
            },
            false,
        );
    }
    pub fn for_field(&self, field: &'static str) -> Signal<Option<String>> {
        let errors = self.0;
        let i = use_i18n();
        Signal::derive(move || {
            errors.with(|all| {
                all.iter()
                    .find(|e| e.field == field)
                    .map(|e| i.field_error(e))
            })
        })
    }
}

impl Default for FormErrors {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ToastKind {
    Success,
    Error,
}

#[derive(Clone)]
struct Toast {
    id: u64,
    kind: ToastKind,
    text: String,
}

/// Short confirmations and errors in the corner of the screen. It keeps its own handle on the
/// translations: it is mostly called after an `await`, where there is no context to look in.
#[derive(Clone, Copy)]
pub struct Toaster {
    items: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
    i18n: I18n,
}

impl Toaster {
    pub fn new(i18n: I18n) -> Self {
        Self {
            items: RwSignal::new(Vec::new()),
            next: StoredValue::new(0),
            i18n,
        }
    }

    pub fn push(&self, kind: ToastKind, text: impl Into<String>) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.items.update(|v| {
            // A burst of actions shouldn't bury the page: the newest three stay.
            if v.len() >= 3 {
                v.remove(0);
            }
            v.push(Toast {
                id,
                kind,
                text: text.into(),
            })
        });
        let items = self.items;
        // Errors stay longer: they usually need reading.
        let ms = if kind == ToastKind::Error { 8000 } else { 4000 };
        gloo_timers::callback::Timeout::new(ms, move || {
            items.try_update(|v| v.retain(|t| t.id != id));
        })
        .forget();
    }

    pub fn success(&self, text: impl Into<String>) {
        self.push(ToastKind::Success, text);
    }

    /// Shows an API error in the user's language.
    pub fn error(&self, e: &ApiError) {
        if *e != ApiError::SessionExpired {
            self.push(ToastKind::Error, self.i18n.api_error_untracked(e));
        }
    }
}

pub fn use_toaster() -> Toaster {
    expect_context()
}

#[component]
pub fn ToastRegion() -> impl IntoView {
    let toaster = use_toaster();
    let i = use_i18n();
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For
                each=move || toaster.items.get()
                key=|t| t.id
                children=move |t| {
                    let id = t.id;
                    view! {
                        <div class="toast" class:toast-error=t.kind == ToastKind::Error>
                            <span>{t.text}</span>
                            <button
                                class="icon-btn"
                                aria-label=move || i.t().close
                                on:click=move |_| toaster.items.update(|v| v.retain(|x| x.id != id))
                            >
                                "×"
                            </button>
                        </div>
                    }
                }
            />
        </div>
    }
}

#[component]
pub fn Loading() -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="loading" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            <span>{move || i.t().loading}</span>
        </div>
    }
}

/// What a list shows when it has nothing yet: what belongs here and how to add it.
#[component]
pub fn Empty(
    title: fn(&'static Tr) -> &'static str,
    text: fn(&'static Tr) -> &'static str,
) -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="empty">
            <p class="empty-title">{move || title(i.t())}</p>
            <p class="muted">{move || text(i.t())}</p>
        </div>
    }
}

/// A failed load with a retry button.
#[component]
pub fn ErrorBox(error: ApiError, retry: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="error-box" role="alert">
            <p>{move || i.api_error(&error)}</p>
            <button class="btn" on:click=move |_| retry.run(())>{move || i.t().retry}</button>
        </div>
    }
}

thread_local! {
    // Object URLs of downloaded avatars by user, with the profile version they belong to, so the
    // top bar and lists don't fetch the same picture again. A newer version replaces (and frees)
    // the older URL.
    static AVATARS: RefCell<HashMap<Uuid, (String, String)>> = RefCell::new(HashMap::new());
}

fn cached_avatar(user: Uuid, version: &str) -> Option<String> {
    AVATARS.with(|m| {
        m.borrow()
            .get(&user)
            .filter(|(v, _)| v == version)
            .map(|(_, url)| url.clone())
    })
}

fn cache_avatar(user: Uuid, version: String, url: String) {
    let old = AVATARS.with(|m| m.borrow_mut().insert(user, (version, url)));
    if let Some((_, old)) = old {
        let _ = web_sys::Url::revoke_object_url(&old);
    }
}

/// Forgets a user's cached avatar (after uploading a new one).
pub fn forget_avatar(user: Uuid) {
    if let Some((_, url)) = AVATARS.with(|m| m.borrow_mut().remove(&user)) {
        let _ = web_sys::Url::revoke_object_url(&url);
    }
}

/// A user's picture, or their initial on a coloured circle when they have none.
#[component]
pub fn Avatar(
    user_id: Uuid,
    name: String,
    has_avatar: bool,
    #[prop(optional)] version: String,
    #[prop(optional)] large: bool,
) -> impl IntoView {
    let url = LocalResource::new(move || {
        let version = version.clone();
        async move {
            if !has_avatar {
                return None;
            }
            if let Some(u) = cached_avatar(user_id, &version) {
                return Some(u);
            }
            let u = api::blob_url(&format!("/users/{user_id}/avatar"))
                .await
                .ok()?;
            cache_avatar(user_id, version, u.clone());
            Some(u)
        }
    });
    let initial: String = name
        .chars()
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    // A stable colour per user, from a small palette with enough contrast for white text.
    let palette = [
        "#3370ff", "#0f7b6c", "#b4531c", "#7b4ddb", "#c0365a", "#2f6f9f",
    ];
    let colour = palette[(user_id.as_u128() % palette.len() as u128) as usize];
    let class = if large { "avatar avatar-lg" } else { "avatar" };
    view! {
        {move || match url.get().flatten() {
            // The name is always shown next to the picture: an empty alt avoids reading it twice.
            Some(u) => view! { <img class=class src=u alt="" /> }.into_any(),
            None => view! {
                <span class=class style:background=colour aria-hidden="true">
                    {initial.clone()}
                </span>
            }
            .into_any(),
        }}
    }
}

/// Where a notification leads: its task, else its project.
pub fn notification_link(n: &tandem_dto::NotificationResponse) -> Option<String> {
    let id = |k: &str| n.data.get(k).and_then(|v| v.as_str());
    id("task_id")
        .map(|t| format!("/tasks/{t}"))
        .or_else(|| id("project_id").map(|p| format!("/projects/{p}")))
}

/// Date and time in the browser's time zone, in the user's language.
pub fn fmt_time(t: &chrono::DateTime<chrono::Utc>, lang: crate::i18n::Lang) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(t.timestamp_millis() as f64));
    let opts = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&opts, &"dateStyle".into(), &"medium".into());
    let _ = js_sys::Reflect::set(&opts, &"timeStyle".into(), &"short".into());
    String::from(d.to_locale_string(lang.tag(), &opts))
}

/// Moves keyboard focus to an element once it has been drawn (e.g. the first field of a form
/// that just opened in place of the button that opened it).
pub fn focus_later(id: String) {
    gloo_timers::callback::Timeout::new(0, move || {
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&id))
            .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
        {
            let _ = el.focus();
        }
    })
    .forget();
}
