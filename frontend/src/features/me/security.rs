//! Changing one's password.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_dto::{ChangePasswordRequest, rules};
use tandem_web_logic::texts::Me as M;

use crate::api;
use crate::components::{FormErrors, TextField, use_toaster};
use crate::i18n::use_i18n;
use crate::shell::set_title;
use crate::state::use_auth;

use crate::shell::Tabs;

#[component]
pub(super) fn Security() -> impl IntoView {
    let i = use_i18n();
    let mt = super::use_mt();
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
            crate::components::focus_first_invalid();
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
                    toaster.success(mt.untracked(M::password_changed));
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
            <h2>{move || mt.get(M::change_password)}</h2>
            <p class="muted">{move || mt.get(M::change_password_intro)}</p>
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
                    {move || if busy.get() { mt.get(M::saving) } else { mt.get(M::change_password) }}
                </button>
            </form>
        </section>
    }
}
