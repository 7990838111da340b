//! Signing in, registering, and the "awaiting approval" page.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};
use tandem_dto::{DepartmentResponse, LoginRequest, RegisterRequest, rules};
use uuid::Uuid;

use crate::api::{self, ApiError};
use crate::components::focus_first_invalid;
use crate::components::{FormErrors, Loading, TextField};
use crate::i18n::use_i18n;
use crate::shell::{LangSwitch, set_title};
use crate::state::{Notice, use_auth};

/// Public pages: a centred card with the brand and the language switch.
#[component]
pub(crate) fn PublicFrame(children: Children) -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="public">
            <header class="public-top">
                <span class="brand">
                    <span class="brand-mark" aria-hidden="true">"T"</span>
                    <span class="brand-name">{move || i.t().app_name}</span>
                </span>
                <LangSwitch />
            </header>
            <main id="main" class="public-main">{children()}</main>
        </div>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let i = use_i18n();
    let auth = use_auth();
    let navigate = use_navigate();
    let query = use_query_map();
    let login = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let failure = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    Effect::new(move || set_title(i.t().login_title));

    let next = move || {
        query
            .with_untracked(|q| q.get("next"))
            .and_then(|n| same_origin_path(&n))
    };
    {
        let navigate = navigate.clone();
        Effect::new(move || {
            if auth.ready.get() && auth.user.with(Option::is_some) {
                navigate(&next().unwrap_or_else(|| "/me".into()), Default::default());
            }
        });
    }

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        failure.set(None);
        let mut errs = Vec::new();
        errs.extend(rules::required_text("login", &login.get_untracked(), 254));
        if password.with_untracked(String::is_empty) {
            errs.extend(rules::required_text("password", "", 1));
        }
        errors.set(errs);
        if !errors.is_empty() {
            return;
        }
        busy.set(true);
        let navigate = navigate.clone();
        // Read before the request: the page may be gone when the answer arrives.
        let target = next().unwrap_or_else(|| "/me".into());
        spawn_local(async move {
            let req = LoginRequest {
                login: login.get_untracked().trim().to_owned(),
                password: password.get_untracked(),
                device_token: None,
            };
            match api::login(&req).await {
                Ok(user) => {
                    auth.notice.set(None);
                    auth.user.set(Some(user));
                    navigate(&target, Default::default());
                }
                Err(e) if e.code() == Some("account_pending") => {
                    navigate("/pending", Default::default());
                }
                Err(e) => {
                    errors.set(e.field_errors().to_vec());
                    failure.set(Some(e));
                }
            }
            busy.set(false);
        });
    };

    view! {
        <PublicFrame>
            <div class="card narrow">
                <h1>{move || i.t().login_title}</h1>
                <p class="muted">{move || i.t().login_subtitle}</p>
                {move || {
                    auth.notice
                        .get()
                        .map(|n| {
                            let text = match n {
                                Notice::SessionExpired => i.t().session_expired,
                                Notice::LoggedOut => i.t().logged_out,
                            };
                            view! { <p class="banner" role="status">{text}</p> }
                        })
                }}
                {move || {
                    failure
                        .get()
                        .map(|e| view! { <p class="banner banner-error" role="alert">{i.api_error(&e)}</p> })
                }}
                <form on:submit=submit novalidate=true>
                    <TextField
                        id="login"
                        label=|t| t.login_identifier
                        value=login
                        error=errors.for_field("login")
                        autocomplete="username"
                        required=true
                    />
                    <TextField
                        id="password"
                        label=|t| t.password
                        value=password
                        error=errors.for_field("password")
                        kind="password"
                        autocomplete="current-password"
                        required=true
                    />
                    <button class="btn primary wide" type="submit" disabled=move || busy.get()>
                        {move || if busy.get() { i.t().signing_in } else { i.t().login_button }}
                    </button>
                </form>
                <p class="switch-link">
                    {move || i.t().no_account}
                    " "
                    <a href="/register">{move || i.t().register_link}</a>
                </p>
            </div>
        </PublicFrame>
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let i = use_i18n();
    let navigate = use_navigate();
    let departments = LocalResource::new(|| api::all_public::<DepartmentResponse>("/departments"));
    let email = RwSignal::new(String::new());
    let employee_id = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let department = RwSignal::new(String::new());
    let position = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let failure = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    Effect::new(move || set_title(i.t().register_title));

    let draft = move || RegisterRequest {
        email: Some(email.get_untracked().trim().to_owned()).filter(|s| !s.is_empty()),
        employee_id: Some(employee_id.get_untracked().trim().to_owned()).filter(|s| !s.is_empty()),
        name: name.get_untracked(),
        department_id: department.get_untracked().parse().unwrap_or(Uuid::nil()),
        position: position.get_untracked(),
        password: password.get_untracked(),
    };
    // Every rule the server applies, checked as the user leaves a field and again on submit.
    let check_all = move || {
        let mut errs = rules::register(&draft());
        if department.with_untracked(String::is_empty) {
            errs.extend(rules::required_text("department_id", "", 1));
        }
        if confirm.get_untracked() != password.get_untracked() {
            errs.push(tandem_dto::FieldError::new(
                "confirm",
                "mismatch",
                "passwords differ",
            ));
        }
        errs
    };
    let blur = move |field: &'static str| {
        Callback::new(move |()| {
            let errs = check_all();
            // "E-mail or employee ID" spans two fields: filling the second clears the first's
            // error too.
            if field == "employee_id" {
                errors.set_field("email", errs.clone());
            }
            errors.set_field(field, errs);
        })
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        failure.set(None);
        errors.set(check_all());
        if !errors.is_empty() {
            focus_first_invalid();
            return;
        }
        busy.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::register(&draft()).await {
                Ok(_) => navigate("/pending?registered=1", Default::default()),
                Err(e) => {
                    errors.set(e.field_errors().to_vec());
                    failure.set(Some(e));
                }
            }
            busy.set(false);
        });
    };

    view! {
        <PublicFrame>
            <div class="card narrow">
                <h1>{move || i.t().register_title}</h1>
                <p class="muted">{move || i.t().register_subtitle}</p>
                {move || {
                    failure
                        .get()
                        .map(|e| view! { <p class="banner banner-error" role="alert">{i.api_error(&e)}</p> })
                }}
                <form on:submit=submit novalidate=true>
                    <TextField id="email" label=|t| t.email value=email kind="email"
                        autocomplete="email" error=errors.for_field("email") on_blur=blur("email")
                        hint=|t| t.email_or_id_hint />
                    <TextField id="employee_id" label=|t| t.employee_id value=employee_id
                        error=errors.for_field("employee_id") on_blur=blur("employee_id") />
                    <TextField id="name" label=|t| t.name value=name autocomplete="name"
                        error=errors.for_field("name") on_blur=blur("name") required=true />
                    <div class="field" class:invalid=move || errors.for_field("department_id").get().is_some()>
                        <label for="department_id">
                            {move || i.t().department}<span class="req" aria-hidden="true">" *"</span>
                        </label>
                        {move || match departments.get() {
                            None => view! { <Loading /> }.into_any(),
                            Some(Err(e)) => view! { <p class="field-error">{i.api_error(&e)}</p> }.into_any(),
                            Some(Ok(list)) => view! {
                                <select id="department_id" required=true
                                    aria-describedby="department_id-error"
                                    aria-invalid=move || if errors.for_field("department_id").get().is_some() { "true" } else { "false" }
                                    prop:value=move || department.get()
                                    on:change=move |ev| {
                                        department.set(event_target_value(&ev));
                                        errors.set_field("department_id", Vec::new());
                                    }>
                                    <option value="">{move || i.t().choose_department}</option>
                                    {list.into_iter().map(|d| view! {
                                        <option value=d.id.to_string()>{d.name}</option>
                                    }).collect_view()}
                                </select>
                            }.into_any(),
                        }}
                        <p class="field-error" id="department_id-error">
                            {move || errors.for_field("department_id").get()}
                        </p>
                    </div>
                    <TextField id="position" label=|t| t.position value=position
                        error=errors.for_field("position") on_blur=blur("position") required=true />
                    <TextField id="password" label=|t| t.password value=password kind="password"
                        autocomplete="new-password" error=errors.for_field("password")
                        on_blur=blur("password") hint=|t| t.password_hint required=true />
                    <TextField id="confirm" label=|t| t.confirm_password value=confirm kind="password"
                        autocomplete="new-password" error=Signal::derive(move || {
                            errors.0.with(|e| e.iter().any(|e| e.field == "confirm")).then(|| i.t().err_password_mismatch.to_owned())
                        }) on_blur=blur("confirm") required=true />
                    <button class="btn primary wide" type="submit" disabled=move || busy.get()>
                        {move || if busy.get() { i.t().submitting } else { i.t().register_button }}
                    </button>
                </form>
                <p class="switch-link">
                    {move || i.t().have_account}
                    " "
                    <a href="/login">{move || i.t().login_link}</a>
                </p>
            </div>
        </PublicFrame>
    }
}

/// `next` after signing in: only a path on this site. Parsed the way the browser will parse it,
/// so tricks like `/\\evil.example` or `/%09/evil.example` cannot lead to another origin.
fn same_origin_path(raw: &str) -> Option<String> {
    let origin = web_sys::window()?.location().origin().ok()?;
    let url = web_sys::Url::new_with_base(raw, &origin).ok()?;
    (url.origin() == origin && raw.starts_with('/'))
        .then(|| format!("{}{}{}", url.pathname(), url.search(), url.hash()))
}

#[component]
pub fn PendingPage() -> impl IntoView {
    let i = use_i18n();
    let query = use_query_map();
    let just_registered = move || query.with(|q| q.get("registered").is_some());
    Effect::new(move || set_title(i.t().pending_title));
    view! {
        <PublicFrame>
            <div class="card narrow pending">
                <svg class="pending-icon" viewBox="0 0 24 24" width="44" height="44" aria-hidden="true">
                    <circle cx="12" cy="12" r="10" fill="none" stroke="currentColor" stroke-width="1.8" />
                    <path d="M12 6v6l4 2" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" />
                </svg>
                <h1>{move || i.t().pending_title}</h1>
                <p>
                    {move || if just_registered() { i.t().pending_registered } else { i.t().pending_login }}
                </p>
                <p class="muted">{move || i.t().pending_next}</p>
                <a class="btn" href="/login">{move || i.t().back_to_login}</a>
            </div>
        </PublicFrame>
    }
}
