//! 个人中心: profile and avatar, quick-reply templates, personal access tokens.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use tandem_dto::{
    AccessTokenResponse, ChangePasswordRequest, CreateAccessTokenRequest, CreateQuickReplyRequest,
    CreatedAccessTokenResponse, DepartmentResponse, QuickReplyResponse, TokenScope,
    UpdateMeRequest, UpdateQuickReplyRequest, UserResponse, rules,
};
use uuid::Uuid;
use wasm_bindgen::JsCast;

use crate::api;
use crate::app::{set_title, use_auth};
use crate::components::{
    Avatar, Empty, ErrorBox, FormErrors, Loading, TextArea, TextField, fmt_time, focus_later,
    forget_avatar, use_toaster,
};
use crate::i18n::use_i18n;

/// Largest avatar the server accepts.
const AVATAR_MAX_BYTES: f64 = 2.0 * 1024.0 * 1024.0;

#[component]
pub(crate) fn Tabs() -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="page-head">
            <h1>{move || i.t().nav_personal_center}</h1>
        </div>
        <nav class="tabs" aria-label=move || i.t().nav_personal_center>
            <A href="/me" exact=true attr:class="tab">{move || i.t().profile_title}</A>
            <A href="/me/quick-replies" attr:class="tab">{move || i.t().quick_replies_title}</A>
            <A href="/me/tokens" attr:class="tab">{move || i.t().tokens_title}</A>
            <A href="/me/security" attr:class="tab">{move || i.t().security_title}</A>
            <A href="/me/notifications" attr:class="tab">{move || i.t().notifications}</A>
        </nav>
    }
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    let i = use_i18n();
    Effect::new(move || set_title(i.t().profile_title));
    let me = LocalResource::new(|| api::get_tagged::<UserResponse>("/me"));
    view! {
        <Tabs />
        {move || match me.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| me.refetch()) /> }.into_any(),
            Some(Ok((user, tag))) => {
                // One version tag for both cards: an avatar upload changes the profile's version.
                let etag = RwSignal::new(tag);
                view! {
                    <div class="grid-2">
                        <ProfileForm user=user.clone() etag=etag reload=Callback::new(move |()| me.refetch()) />
                        <AvatarCard user=user etag=etag />
                    </div>
                }.into_any()
            }
        }}
    }
}

#[component]
fn ProfileForm(
    user: UserResponse,
    etag: RwSignal<Option<String>>,
    reload: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let auth = use_auth();
    let toaster = use_toaster();
    let name = RwSignal::new(user.name.clone());
    let position = RwSignal::new(user.position.clone());
    let phone = RwSignal::new(user.phone.clone().unwrap_or_default());
    let contact = RwSignal::new(user.contact.clone().unwrap_or_default());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let department_id = user.department_id;
    let department = LocalResource::new(move || async move {
        match department_id {
            Some(id) => api::get::<DepartmentResponse>(&format!("/departments/{id}"))
                .await
                .ok()
                .map(|d| d.name),
            None => None,
        }
    });

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut errs = Vec::new();
        errs.extend(rules::required_text(
            "name",
            &name.get_untracked(),
            rules::NAME_MAX,
        ));
        errs.extend(rules::required_text(
            "position",
            &position.get_untracked(),
            rules::NAME_MAX,
        ));
        errs.extend(rules::phone(&phone.get_untracked()));
        errs.extend(rules::max_len(
            "contact",
            &contact.get_untracked(),
            rules::CONTACT_MAX,
        ));
        errors.set(errs);
        if !errors.is_empty() {
            crate::pages::login::focus_first_invalid();
            return;
        }
        busy.set(true);
        let optional = |s: String| Some(Some(s.trim().to_owned()).filter(|s| !s.is_empty()));
        let body = UpdateMeRequest {
            name: Some(name.get_untracked().trim().to_owned()),
            position: Some(position.get_untracked().trim().to_owned()),
            phone: optional(phone.get_untracked()),
            contact: optional(contact.get_untracked()),
            locale: None,
        };
        spawn_local(async move {
            let tag = etag.get_untracked();
            match api::patch::<_, UserResponse>("/me", &body, tag.as_deref()).await {
                Ok((u, tag)) => {
                    etag.set(tag);
                    auth.user.set(Some(u));
                    toaster.success(i.t_untracked().saved);
                }
                Err(e) => {
                    errors.set(e.field_errors().to_vec());
                    toaster.error(&e);
                    // Someone changed the profile meanwhile: show their version.
                    if e.status() == Some(412) {
                        let _ = reload.try_run(());
                    }
                }
            }
            busy.set(false);
        });
    };

    view! {
        <section class="card">
            <h2>{move || i.t().profile_title}</h2>
            <dl class="facts">
                <dt>{move || i.t().email}</dt>
                <dd>{user.email.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>{move || i.t().employee_id}</dt>
                <dd>{user.employee_id.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>{move || i.t().department}</dt>
                <dd>{move || department.get().flatten().unwrap_or_else(|| "—".into())}</dd>
                <dt>{move || i.t().role}</dt>
                <dd>{move || i.role(user.role)}</dd>
            </dl>
            <form on:submit=save novalidate=true>
                <TextField id="name" label=|t| t.name value=name error=errors.for_field("name") required=true />
                <TextField id="position" label=|t| t.position value=position error=errors.for_field("position") required=true />
                <TextField id="phone" label=|t| t.phone value=phone kind="tel" error=errors.for_field("phone") />
                <TextArea id="contact" label=|t| t.contact value=contact error=errors.for_field("contact") />
                <button class="btn primary" type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { i.t().saving } else { i.t().save }}
                </button>
            </form>
        </section>
    }
}

#[component]
fn AvatarCard(user: UserResponse, etag: RwSignal<Option<String>>) -> impl IntoView {
    let i = use_i18n();
    let auth = use_auth();
    let toaster = use_toaster();
    let preview = RwSignal::new(None::<String>);
    let chosen = StoredValue::new_local(None::<web_sys::File>);
    let problem = RwSignal::new(None::<&'static str>);
    let busy = RwSignal::new(false);
    let input: NodeRef<leptos::html::Input> = NodeRef::new();
    on_cleanup(move || {
        if let Some(url) = preview.try_get_untracked().flatten() {
            let _ = web_sys::Url::revoke_object_url(&url);
        }
    });

    let pick = move |_| {
        problem.set(None);
        let Some(file) = input.get().and_then(|el| el.files()).and_then(|f| f.get(0)) else {
            return;
        };
        // Checked here for a quick answer; the server checks the content itself.
        if !["image/png", "image/jpeg", "image/webp"].contains(&file.type_().as_str()) {
            problem.set(Some(i.t_untracked().avatar_bad_type));
            return;
        }
        if file.size() > AVATAR_MAX_BYTES {
            problem.set(Some(i.t_untracked().avatar_too_large));
            return;
        }
        if let Some(old) = preview.get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&old);
        }
        preview.set(web_sys::Url::create_object_url_with_blob(&file).ok());
        chosen.set_value(Some(file));
    };
    let upload = move |_| {
        let Some(file) = chosen.get_value() else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            let blob: &web_sys::Blob = file.unchecked_ref();
            match api::put_blob::<UserResponse>("/me/avatar", blob, &file.type_()).await {
                Ok(u) => {
                    forget_avatar(u.id);
                    auth.user.set(Some(u));
                    if let Some(old) = preview.try_get_untracked().flatten() {
                        let _ = web_sys::Url::revoke_object_url(&old);
                    }
                    preview.set(None);
                    chosen.set_value(None);
                    toaster.success(i.t_untracked().avatar_saved);
                    // The upload changed the profile's version; keep the form's If-Match current.
                    if let Ok((_, tag)) = api::get_tagged::<UserResponse>("/me").await {
                        etag.set(tag);
                    }
                }
                Err(e) => toaster.error(&e),
            }
            busy.set(false);
        });
    };
    let user_id = user.id;
    view! {
        <section class="card avatar-card">
            <h2>{move || i.t().avatar}</h2>
            <div class="avatar-row">
                {move || match preview.get() {
                    Some(url) => view! { <img class="avatar avatar-lg" src=url alt=move || i.t().avatar_preview /> }.into_any(),
                    None => {
                        let u = auth.user.get();
                        let (name, has, version) = u
                            .map(|u| (u.name, u.has_avatar, u.updated_at.to_rfc3339()))
                            .unwrap_or_default();
                        view! { <Avatar user_id=user_id name=name has_avatar=has version=version large=true /> }.into_any()
                    }
                }}
                <div class="stack">
                    // The input comes first so its keyboard focus can be drawn on the label (CSS).
                    <input id="avatar-file" class="sr-only-file" type="file"
                        accept="image/png,image/jpeg,image/webp" node_ref=input on:change=pick />
                    <label class="btn" for="avatar-file">{move || i.t().choose_image}</label>
                    <p class="hint">{move || i.t().avatar_hint}</p>
                    {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
                    <Show when=move || preview.get().is_some()>
                        <button class="btn primary" on:click=upload disabled=move || busy.get()>
                            {move || if busy.get() { i.t().uploading } else { i.t().upload_avatar }}
                        </button>
                    </Show>
                </div>
            </div>
            <p class="muted small">{move || i.t().member_since} " " {move || fmt_time(&user.created_at, i.lang.get())}</p>
        </section>
    }
}

#[component]
pub fn QuickRepliesPage() -> impl IntoView {
    let i = use_i18n();
    let toaster = use_toaster();
    Effect::new(move || set_title(i.t().quick_replies_title));
    let list = LocalResource::new(|| api::all::<QuickReplyResponse>("/me/quick-replies"));
    let title = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut errs = Vec::new();
        errs.extend(rules::required_text(
            "title",
            &title.get_untracked(),
            rules::QUICK_REPLY_TITLE_MAX,
        ));
        errs.extend(rules::required_text(
            "body",
            &body.get_untracked(),
            rules::QUICK_REPLY_BODY_MAX,
        ));
        errors.set(errs);
        if !errors.is_empty() {
            crate::pages::login::focus_first_invalid();
            return;
        }
        busy.set(true);
        let req = CreateQuickReplyRequest {
            title: title.get_untracked().trim().to_owned(),
            body: body.get_untracked(),
        };
        spawn_local(async move {
            match api::post::<_, QuickReplyResponse>("/me/quick-replies", &req).await {
                Ok(_) => {
                    title.set(String::new());
                    body.set(String::new());
                    toaster.success(i.t_untracked().quick_reply_added);
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
    view! {
        <Tabs />
        <div class="grid-2">
            <section class="card">
                <h2>{move || i.t().quick_replies_title}</h2>
                <p class="muted">{move || i.t().quick_replies_intro}</p>
                {move || match list.get() {
                    None => view! { <Loading /> }.into_any(),
                    Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| list.refetch()) /> }.into_any(),
                    Some(Ok(items)) if items.is_empty() => view! {
                        <Empty title=|t| t.quick_replies_empty text=|t| t.quick_replies_empty_text />
                    }.into_any(),
                    Some(Ok(items)) => view! {
                        <ul class="list">
                            {items.into_iter().map(|q| view! {
                                <QuickReplyItem q=q on_change=Callback::new(move |()| list.refetch()) />
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }}
            </section>
            <section class="card">
                <h2>{move || i.t().quick_reply_new}</h2>
                <form on:submit=add novalidate=true>
                    <TextField id="qr-title" label=|t| t.title value=title error=errors.for_field("title") required=true />
                    <TextArea id="qr-body" label=|t| t.content value=body error=errors.for_field("body") rows=4 />
                    <button class="btn primary" type="submit" disabled=move || busy.get()>
                        {move || i.t().add}
                    </button>
                </form>
            </section>
        </div>
    }
}

#[component]
fn QuickReplyItem(q: QuickReplyResponse, on_change: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let toaster = use_toaster();
    let editing = RwSignal::new(false);
    let title = RwSignal::new(q.title.clone());
    let body = RwSignal::new(q.body.clone());
    let errors = FormErrors::new();
    let id = q.id;
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut errs = Vec::new();
        errs.extend(rules::required_text(
            "title",
            &title.get_untracked(),
            rules::QUICK_REPLY_TITLE_MAX,
        ));
        errs.extend(rules::required_text(
            "body",
            &body.get_untracked(),
            rules::QUICK_REPLY_BODY_MAX,
        ));
        errors.set(errs);
        if !errors.is_empty() {
            return;
        }
        let req = UpdateQuickReplyRequest {
            title: Some(title.get_untracked().trim().to_owned()),
            body: Some(body.get_untracked()),
        };
        spawn_local(async move {
            match api::patch::<_, QuickReplyResponse>(
                &format!("/me/quick-replies/{id}"),
                &req,
                None,
            )
            .await
            {
                Ok(_) => {
                    toaster.success(i.t_untracked().saved);
                    editing.set(false);
                    let _ = on_change.try_run(());
                }
                Err(e) => {
                    errors.set(e.field_errors().to_vec());
                    toaster.error(&e);
                }
            }
        });
    };
    let remove = move |_| {
        if !confirm(i.t_untracked().confirm_delete) {
            return;
        }
        spawn_local(async move {
            match api::delete(&format!("/me/quick-replies/{id}")).await {
                Ok(()) => {
                    toaster.success(i.t_untracked().deleted);
                    let _ = on_change.try_run(());
                }
                Err(e) => toaster.error(&e),
            }
        });
    };
    let title_id = StoredValue::new(format!("qr-title-{id}"));
    let body_id = StoredValue::new(format!("qr-body-{id}"));
    view! {
        <li class="list-item">
            <Show
                when=move || editing.get()
                fallback=move || view! {
                    <div class="grow">
                        <p class="item-title">{move || title.get()}</p>
                        <p class="muted pre">{move || body.get()}</p>
                    </div>
                    <div class="actions">
                        <button class="btn small" on:click=move |_| { editing.set(true); focus_later(title_id.get_value()); }>{move || i.t().edit}</button>
                        <button class="btn small danger" on:click=remove>{move || i.t().delete}</button>
                    </div>
                }
            >
                <form class="grow" on:submit=save novalidate=true>
                    <TextField id=title_id.get_value() label=|t| t.title value=title error=errors.for_field("title") />
                    <TextArea id=body_id.get_value() label=|t| t.content value=body error=errors.for_field("body") />
                    <div class="actions">
                        <button class="btn primary small" type="submit">{move || i.t().save}</button>
                        <button class="btn small" type="button" on:click=move |_| editing.set(false)>
                            {move || i.t().cancel}
                        </button>
                    </div>
                </form>
            </Show>
        </li>
    }
}

/// Selects an element's text, for copying by hand.
fn select_text(id: &str) {
    let doc = web_sys::window().and_then(|w| w.document());
    if let Some((sel, el)) =
        doc.and_then(|d| Some((d.get_selection().ok()??, d.get_element_by_id(id)?)))
    {
        let _ = sel.select_all_children(&el);
    }
}

/// The browser's own confirmation dialog: keyboard accessible and announced by screen readers.
pub fn confirm(text: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(text).ok())
        .unwrap_or(false)
}

#[component]
pub fn TokensPage() -> impl IntoView {
    let i = use_i18n();
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
                i.t_untracked().copy_manual,
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
                        i.t_untracked().copy_manual,
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
                <h2>{move || i.t().token_created}</h2>
                <p>{move || i.t().token_shown_once}</p>
                <div class="token-row">
                    <code class="token" id="new-token">{move || created.get().map(|t| t.token)}</code>
                    <button class="btn primary" on:click=copy>{move || i.t().copy}</button>
                    <button class="btn" on:click=move |_| created.set(None)>{move || i.t().done}</button>
                </div>
            </section>
        </Show>
        <div class="grid-2">
            <section class="card">
                <h2>{move || i.t().tokens_title}</h2>
                <p class="muted">{move || i.t().tokens_intro}</p>
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
                <h2>{move || i.t().token_new}</h2>
                <form on:submit=create novalidate=true>
                    <TextField id="token-name" label=|t| t.token_name value=name error=errors.for_field("name") required=true />
                    <fieldset class="field" class:invalid=move || errors.for_field("scopes").get().is_some()>
                        <legend>{move || i.t().scopes}</legend>
                        {scope_box("scope-read", scope_read, TokenScope::Read)}
                        {scope_box("scope-write", scope_write, TokenScope::Write)}
                        <Show when=move || auth.is_admin()>
                            {scope_box("scope-admin", scope_admin, TokenScope::Admin)}
                        </Show>
                        <p class="field-error">{move || errors.for_field("scopes").get()}</p>
                    </fieldset>
                    <TextField id="token-expires" label=|t| t.expires_on value=expires kind="date"
                        error=Signal::derive(move || errors.0.with(|e| e.iter().any(|e| e.field == "expires_at")).then(|| i.t().err_future_date.to_owned()))
                        hint=|t| t.expires_hint />
                    <button class="btn primary" type="submit" disabled=move || busy.get()>
                        {move || i.t().create_token}
                    </button>
                </form>
            </section>
        </div>
    }
}

#[component]
fn TokenItem(t: AccessTokenResponse, on_change: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let toaster = use_toaster();
    let id: Uuid = t.id;
    let revoke = move |_| {
        if !confirm(i.t_untracked().confirm_revoke) {
            return;
        }
        spawn_local(async move {
            match api::delete(&format!("/me/tokens/{id}")).await {
                Ok(()) => {
                    toaster.success(i.t_untracked().token_revoked);
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
                    " · " {move || i.t().last_used} " "
                    {move || last_used.map(|t| fmt_time(&t, i.lang.get())).unwrap_or_else(|| i.t().never_used.into())}
                    " · " {move || i.t().expires} " "
                    {move || expires_at.map(|t| fmt_time(&t, i.lang.get())).unwrap_or_else(|| i.t().never_expires.into())}
                </p>
            </div>
            <button class="btn small danger" on:click=revoke aria-label=move || format!("{} {}", i.t().revoke, t.name)>
                {move || i.t().revoke}
            </button>
        </li>
    }
}

#[component]
pub fn SecurityPage() -> impl IntoView {
    let i = use_i18n();
    let auth = use_auth();
    let toaster = use_toaster();
    Effect::new(move || set_title(i.t().security_title));
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm_new = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut errs = Vec::new();
        errs.extend(rules::required_text(
            "current_password",
            &current.get_untracked(),
            rules::PASSWORD_MAX,
        ));
        errs.extend(rules::password(&new.get_untracked()).map(|mut e| {
            e.field = "new_password".into();
            e
        }));
        if new.get_untracked() != confirm_new.get_untracked() {
            errs.push(tandem_dto::FieldError::new(
                "confirm_new",
                "mismatch",
                "passwords differ",
            ));
        }
        errors.set(errs);
        if !errors.is_empty() {
            crate::pages::login::focus_first_invalid();
            return;
        }
        busy.set(true);
        let req = ChangePasswordRequest {
            current_password: current.get_untracked(),
            new_password: new.get_untracked(),
        };
        spawn_local(async move {
            match api::post::<_, tandem_dto::TokenPairResponse>("/me/password", &req).await {
                Ok(pair) => {
                    // The server ended every session, this one included, and sent a new one.
                    api::session::store(&api::session::Session::from_pair(&pair));
                    auth.user.set(Some(pair.user));
                    current.set(String::new());
                    new.set(String::new());
                    confirm_new.set(String::new());
                    toaster.success(i.t_untracked().password_changed);
                }
                Err(e) => {
                    errors.set(e.field_errors().to_vec());
                    toaster.error(&e);
                }
            }
            busy.set(false);
        });
    };
    view! {
        <Tabs />
        <section class="card narrow-card">
            <h2>{move || i.t().change_password}</h2>
            <p class="muted">{move || i.t().change_password_intro}</p>
            <form on:submit=submit novalidate=true>
                <TextField id="current_password" label=|t| t.current_password value=current kind="password"
                    autocomplete="current-password" error=errors.for_field("current_password") required=true />
                <TextField id="new_password" label=|t| t.new_password value=new kind="password"
                    autocomplete="new-password" error=errors.for_field("new_password") hint=|t| t.password_hint required=true />
                <TextField id="confirm_new" label=|t| t.confirm_password value=confirm_new kind="password"
                    autocomplete="new-password" required=true
                    error=Signal::derive(move || {
                        errors.0.with(|e| e.iter().any(|e| e.field == "confirm_new")).then(|| i.t().err_password_mismatch.to_owned())
                    }) />
                <button class="btn primary" type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { i.t().saving } else { i.t().change_password }}
                </button>
            </form>
        </section>
    }
}
