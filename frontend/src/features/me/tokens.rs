//! Personal access tokens.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_dto::{
    AccessTokenResponse, CreateAccessTokenRequest, CreatedAccessTokenResponse, TokenScope, rules,
};
use tandem_web_logic::texts::Me as M;
use uuid::Uuid;

use crate::api;
use crate::components::{ConfirmKind, use_confirmer};
use crate::components::{Empty, ErrorBox, FormErrors, Loading, TextField, fmt_time, use_toaster};
use crate::i18n::use_i18n;
use crate::shell::set_title;
use crate::state::use_auth;

use crate::shell::Tabs;

/// Selects an element's text, for copying by hand.
fn select_text(id: &str) {
    let doc = web_sys::window().and_then(|w| w.document());
    if let Some((sel, el)) =
        doc.and_then(|d| Some((d.get_selection().ok()??, d.get_element_by_id(id)?)))
    {
        let _ = sel.select_all_children(&el);
    }
}

#[component]
pub(super) fn Tokens() -> impl IntoView {
    let i = use_i18n();
    let mt = super::use_mt();
    let auth = use_auth();
    let toaster = use_toaster();
    Effect::new(move || set_title(i.t().tokens_title));
    let list = LocalResource::new(|| api::all::<AccessTokenResponse>("/me/tokens"));
    let name = RwSignal::new(String::new());
    let scope_read = RwSignal::new(true);
    let scope_write = RwSignal::new(false);
    let scope_admin = RwSignal::new(false);
    let expires = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let created = RwSignal::new(None::<CreatedAccessTokenResponse>);
    let busy = RwSignal::new(false);

    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut errs = Vec::new();
        errs.extend(rules::required_text(
            "name",
            &name.get_untracked(),
            rules::TOKEN_NAME_MAX,
        ));
        let scopes: Vec<TokenScope> = [
            (scope_read, TokenScope::Read),
            (scope_write, TokenScope::Write),
            (scope_admin, TokenScope::Admin),
        ]
        .into_iter()
        .filter_map(|(on, s)| on.get_untracked().then_some(s))
        .collect();
        if scopes.is_empty() {
            errs.extend(rules::required_text("scopes", "", 1));
        }
        // A date input gives `YYYY-MM-DD`; the token works until the end of that day, local time.
        let expires_at = match expires.get_untracked().as_str() {
            "" => None,
            d => {
                let ms = js_sys::Date::parse(&format!("{d}T23:59:59"));
                match chrono::DateTime::from_timestamp_millis(ms as i64) {
                    Some(t) if !ms.is_nan() && ms > js_sys::Date::now() => Some(t),
                    _ => {
                        errs.push(tandem_dto::FieldError::new(
                            "expires_at",
                            "past",
                            "must be in the future",
                        ));
                        None
                    }
                }
            }
        };
        errors.set(errs);
        if !errors.is_empty() {
            return;
        }
        busy.set(true);
        let req = CreateAccessTokenRequest {
            name: name.get_untracked().trim().to_owned(),
            scopes,
            expires_at,
        };
        spawn_local(async move {
            match api::post::<_, CreatedAccessTokenResponse>("/me/tokens", &req).await {
                Ok(t) => {
                    created.set(Some(t));
                    name.set(String::new());
                    expires.set(String::new());
                    list.refetch();
                }
                Err(e) => {
                    errors.set(e.field_errors().to_vec());
                    toaster.error(&e);
                }
            }
            busy.set(false);
        });
    };
    let copy = move |_| {
        let Some(t) = created.get_untracked() else {
            return;
        };
        let Some(w) = web_sys::window() else { return };
        // `navigator.clipboard` only exists on https and localhost; elsewhere select the token so
        // Ctrl+C copies it.
        let nav = w.navigator();
        let has_clipboard =
            js_sys::Reflect::get(&nav, &"clipboard".into()).is_ok_and(|c| !c.is_undefined());
        if !has_clipboard {
            select_text("new-token");
            toaster.push(
                crate::components::ToastKind::Error,
                mt.untracked(M::copy_manual),
            );
            return;
        }
        let p = nav.clipboard().write_text(&t.token);
        spawn_local(async move {
            match wasm_bindgen_futures::JsFuture::from(p).await {
                Ok(_) => toaster.success(i.t_untracked().copied),
                Err(_) => {
                    select_text("new-token");
                    toaster.push(
                        crate::components::ToastKind::Error,
                        mt.untracked(M::copy_manual),
                    );
                }
            }
        });
    };
    let scope_box = move |id: &'static str, sig: RwSignal<bool>, s: TokenScope| {
        view! {
            <label class="check" for=id>
                <input id=id type="checkbox" prop:checked=move || sig.get()
                    aria-invalid=move || if errors.0.with(|e| e.iter().any(|e| e.field == "scopes")) { "true" } else { "false" }
                    on:change=move |ev| sig.set(event_target_checked(&ev)) />
                <span>{move || i.scope(s)}</span>
            </label>
        }
    };
    view! {
        <Tabs />
        <Show when=move || created.get().is_some()>
            <section class="card highlight" role="status">
                <h2>{move || mt.get(M::token_created)}</h2>
                <p>{move || mt.get(M::token_shown_once)}</p>
                <div class="token-row">
                    <code class="token" id="new-token">{move || created.get().map(|t| t.token)}</code>
                    <button class="btn primary" on:click=copy>{move || mt.get(M::copy)}</button>
                    <button class="btn" on:click=move |_| created.set(None)>{move || i.t().done}</button>
                </div>
            </section>
        </Show>
        <div class="grid-2">
            <section class="card">
                <h2>{move || i.t().tokens_title}</h2>
                <p class="muted">{move || mt.get(M::tokens_intro)}</p>
                {move || match list.get() {
                    None => view! { <Loading /> }.into_any(),
                    Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| list.refetch()) /> }.into_any(),
                    Some(Ok(items)) if items.is_empty() => view! {
                        <Empty title=|t| t.tokens_empty text=|t| t.tokens_empty_text />
                    }.into_any(),
                    Some(Ok(items)) => view! {
                        <ul class="list">
                            {items.into_iter().map(|t| view! {
                                <TokenItem t=t on_change=Callback::new(move |()| list.refetch()) />
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }}
            </section>
            <section class="card">
                <h2>{move || mt.get(M::token_new)}</h2>
                <form on:submit=create novalidate=true>
                    <TextField id="token-name" label=|t| t.token_name value=name error=errors.for_field("name") required=true />
                    <fieldset class="field" class:invalid=move || errors.for_field("scopes").get().is_some()>
                        <legend>{move || mt.get(M::scopes)}</legend>
                        {scope_box("scope-read", scope_read, TokenScope::Read)}
                        {scope_box("scope-write", scope_write, TokenScope::Write)}
                        <Show when=move || auth.is_admin()>
                            {scope_box("scope-admin", scope_admin, TokenScope::Admin)}
                        </Show>
                        <p class="field-error">{move || errors.for_field("scopes").get()}</p>
                    </fieldset>
                    <TextField id="token-expires" label=|t| t.expires_on value=expires kind="date"
                        error=Signal::derive(move || errors.0.with(|e| e.iter().any(|e| e.field == "expires_at")).then(|| mt.get(M::err_future_date).to_owned()))
                        hint=|t| t.expires_hint />
                    <button class="btn primary" type="submit" disabled=move || busy.get()>
                        {move || mt.get(M::create_token)}
                    </button>
                </form>
            </section>
        </div>
    }
}

#[component]
pub(crate) fn TokenItem(t: AccessTokenResponse, on_change: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let mt = super::use_mt();
    let toaster = use_toaster();
    let confirmer = use_confirmer();
    let id: Uuid = t.id;
    let revoke = move |_| {
        let yes = confirmer.ask(|t| t.confirm_revoke, |t| t.revoke, ConfirmKind::Danger);
        spawn_local(async move {
            if !yes.await {
                return;
            }
            match api::delete(&format!("/me/tokens/{id}")).await {
                Ok(()) => {
                    toaster.success(mt.untracked(M::token_revoked));
                    let _ = on_change.try_run(());
                }
                Err(e) => toaster.error(&e),
            }
        });
    };
    let scopes = t.scopes.clone();
    let created_at = t.created_at;
    let last_used = t.last_used_at;
    let expires_at = t.expires_at;
    view! {
        <li class="list-item">
            <div class="grow">
                <p class="item-title">{t.name.clone()} " " <code class="muted">{t.prefix.clone()} "…"</code></p>
                <p class="badges">
                    {scopes.into_iter().map(|s| view! { <span class="badge">{move || i.scope(s)}</span> }).collect_view()}
                </p>
                <p class="muted small">
                    {move || i.t().created_at} " " {move || fmt_time(&created_at, i.lang.get())}
                    " · " {move || mt.get(M::last_used)} " "
                    {move || last_used.map(|t| fmt_time(&t, i.lang.get())).unwrap_or_else(|| mt.get(M::never_used))}
                    " · " {move || mt.get(M::expires)} " "
                    {move || expires_at.map(|t| fmt_time(&t, i.lang.get())).unwrap_or_else(|| mt.get(M::never_expires))}
                </p>
            </div>
            <button class="btn small danger" on:click=revoke aria-label=move || format!("{} {}", i.t().revoke, t.name)>
                {move || i.t().revoke}
            </button>
        </li>
    }
}
