//! 个人中心: profile and avatar.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_dto::{DepartmentResponse, UpdateMeRequest, UserResponse, rules};
use tandem_web_logic::texts::Me as M;
use wasm_bindgen::JsCast;

use crate::api;
use crate::components::{
    Avatar, ErrorBox, FormErrors, Loading, TextArea, TextField, fmt_time, forget_avatar,
    use_toaster,
};
use crate::i18n::use_i18n;
use crate::shell::set_title;
use crate::state::use_auth;

/// Largest avatar the server accepts.
const AVATAR_MAX_BYTES: f64 = 2.0 * 1024.0 * 1024.0;
use crate::shell::Tabs;

#[component]
pub(super) fn Profile() -> impl IntoView {
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
pub(crate) fn ProfileForm(
    user: UserResponse,
    etag: RwSignal<Option<String>>,
    reload: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let mt = super::use_mt();
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
            crate::components::focus_first_invalid();
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
                    {move || if busy.get() { mt.get(M::saving) } else { i.t().save.to_owned() }}
                </button>
            </form>
        </section>
    }
}

#[component]
pub(crate) fn AvatarCard(user: UserResponse, etag: RwSignal<Option<String>>) -> impl IntoView {
    let i = use_i18n();
    let mt = super::use_mt();
    let auth = use_auth();
    let toaster = use_toaster();
    let preview = RwSignal::new(None::<String>);
    let chosen = StoredValue::new_local(None::<web_sys::File>);
    let problem = RwSignal::new(None::<String>);
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
            problem.set(Some(mt.untracked(M::avatar_bad_type)));
            return;
        }
        if file.size() > AVATAR_MAX_BYTES {
            problem.set(Some(mt.untracked(M::avatar_too_large)));
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
                    toaster.success(mt.untracked(M::avatar_saved));
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
            <h2>{move || mt.get(M::avatar)}</h2>
            <div class="avatar-row">
                {move || match preview.get() {
                    Some(url) => view! { <img class="avatar avatar-lg" src=url alt=move || mt.get(M::avatar_preview) /> }.into_any(),
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
                    <label class="btn" for="avatar-file">{move || mt.get(M::choose_image)}</label>
                    <p class="hint">{move || mt.get(M::avatar_hint)}</p>
                    {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
                    <Show when=move || preview.get().is_some()>
                        <button class="btn primary" on:click=upload disabled=move || busy.get()>
                            {move || if busy.get() { i.t().uploading.to_owned() } else { mt.get(M::upload_avatar) }}
                        </button>
                    </Show>
                </div>
            </div>
            <p class="muted small">{move || i.t().member_since} " " {move || fmt_time(&user.created_at, i.lang.get())}</p>
        </section>
    }
}
