//! The registration approval queue.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_dto::{RejectRequest, UserResponse, rules};

use crate::api;
use crate::components::{
    Empty, ErrorBox, FormErrors, Loading, TextArea, fmt_time, focus_later, use_toaster,
};
use crate::i18n::use_i18n;
use crate::shell::{AdminOnly, set_title};
use crate::state::directory::department_name;

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let i = use_i18n();
    Effect::new(move || set_title(i.t().nav_approvals));
    let pending =
        LocalResource::new(|| api::all::<UserResponse>("/admin/registrations?status=pending"));
    let directory = crate::state::directory::use_directory();
    let departments = directory.departments;
    view! {
        <AdminOnly>
            <div class="page-head">
                <h1>{move || i.t().nav_approvals}</h1>
            </div>
            <section class="card">
                <p class="muted">{move || i.t().approvals_intro}</p>
                {move || match pending.get() {
                    None => view! { <Loading /> }.into_any(),
                    Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| pending.refetch()) /> }.into_any(),
                    Some(Ok(list)) if list.is_empty() => view! {
                        <Empty title=|t| t.approvals_empty text=|t| t.approvals_empty_text />
                    }.into_any(),
                    Some(Ok(list)) => {
                        let depts = departments.get().and_then(Result::ok).unwrap_or_default();
                        view! {
                            <ul class="list">
                                {list.into_iter().map(|u| {
                                    let d = department_name(&depts, u.department_id);
                                    view! { <Registration user=u department=d on_done=Callback::new(move |()| {
                                        pending.refetch();
                                        // An approved account can now be picked.
                                        directory.refetch_people();
                                    }) /> }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                }}
            </section>
        </AdminOnly>
    }
}

#[component]
pub(crate) fn Registration(
    user: UserResponse,
    department: String,
    on_done: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let toaster = use_toaster();
    let rejecting = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let id = user.id;
    let name = user.name.clone();
    let approve = move |_| {
        busy.set(true);
        spawn_local(async move {
            match api::post_action::<UserResponse>(&format!("/admin/registrations/{id}/approve"))
                .await
            {
                Ok(u) => {
                    toaster.success(format!("{}{}", i.t_untracked().approved, u.name));
                    let _ = on_done.try_run(());
                }
                Err(e) => toaster.error(&e),
            }
            busy.set(false);
        });
    };
    let reject = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.set(
            rules::required_text("reason", &reason.get_untracked(), rules::REJECT_REASON_MAX)
                .into_iter()
                .collect(),
        );
        if !errors.is_empty() {
            return;
        }
        busy.set(true);
        let req = RejectRequest {
            reason: reason.get_untracked().trim().to_owned(),
        };
        spawn_local(async move {
            match api::post::<_, UserResponse>(&format!("/admin/registrations/{id}/reject"), &req)
                .await
            {
                Ok(u) => {
                    toaster.success(format!("{}{}", i.t_untracked().rejected, u.name));
                    let _ = on_done.try_run(());
                }
                Err(e) => {
                    errors.set(e.field_errors().to_vec());
                    toaster.error(&e);
                }
            }
            busy.set(false);
        });
    };
    let created_at = user.created_at;
    let reason_id = StoredValue::new(format!("reason-{id}"));
    view! {
        <li class="list-item registration">
            <div class="grow">
                <p class="item-title">{user.name.clone()}</p>
                <p class="muted small">
                    {department} " · " {user.position.clone()} " · "
                    {user.email.clone().or(user.employee_id.clone()).unwrap_or_default()}
                </p>
                <p class="muted small">{move || i.t().registered_at} " " {move || fmt_time(&created_at, i.lang.get())}</p>
                <Show when=move || rejecting.get()>
                    <form class="reject-form" on:submit=reject novalidate=true>
                        <TextArea id=reason_id.get_value() label=|t| t.reject_reason value=reason error=errors.for_field("reason") rows=2 />
                        <div class="actions">
                            <button class="btn danger small" type="submit" disabled=move || busy.get()>{move || i.t().confirm_reject}</button>
                            <button class="btn small" type="button" on:click=move |_| rejecting.set(false)>{move || i.t().cancel}</button>
                        </div>
                    </form>
                </Show>
            </div>
            <Show when=move || !rejecting.get()>
                <div class="actions">
                    <button class="btn primary small" on:click=approve disabled=move || busy.get()
                        aria-label=format!("{} {}", i.t_untracked().approve, name)>{move || i.t().approve}</button>
                    <button class="btn small" on:click=move |_| { rejecting.set(true); focus_later(reason_id.get_value()); }>{move || i.t().reject}</button>
                </div>
            </Show>
        </li>
    }
}
