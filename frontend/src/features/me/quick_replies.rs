//! Quick-reply templates.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_dto::{CreateQuickReplyRequest, QuickReplyResponse, UpdateQuickReplyRequest, rules};
use tandem_web_logic::texts::Me as M;

use crate::api;
use crate::components::{ConfirmKind, use_confirmer};
use crate::components::{
    Empty, ErrorBox, FormErrors, Loading, TextArea, TextField, focus_later, use_toaster,
};
use crate::i18n::use_i18n;
use crate::shell::set_title;

use crate::shell::Tabs;

#[component]
pub(super) fn QuickReplies() -> impl IntoView {
    let i = use_i18n();
    let mt = super::use_mt();
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
            crate::components::focus_first_invalid();
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
                    toaster.success(mt.untracked(M::quick_reply_added));
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
                <p class="muted">{move || mt.get(M::quick_replies_intro)}</p>
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
                <h2>{move || mt.get(M::quick_reply_new)}</h2>
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
pub(crate) fn QuickReplyItem(q: QuickReplyResponse, on_change: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let toaster = use_toaster();
    let confirmer = use_confirmer();
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
        let yes = confirmer.ask(|t| t.confirm_delete, |t| t.delete, ConfirmKind::Danger);
        spawn_local(async move {
            if !yes.await {
                return;
            }
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
