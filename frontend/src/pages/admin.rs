//! Administration: the registration approval queue, departments, and the audit log.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_dto::{
    AuditEntryResponse, CreateDepartmentRequest, DepartmentResponse, RejectRequest,
    UpdateDepartmentRequest, UserResponse, rules,
};
use uuid::Uuid;

use crate::api;
use crate::app::{AdminOnly, set_title};
use crate::components::{
    Empty, ErrorBox, FormErrors, Loading, Paged, TextArea, TextField, filter_query, fmt_time,
    focus_later, use_toaster,
};
use crate::i18n::use_i18n;
use crate::pages::people::department_name;
use crate::pages::profile::confirm;

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let i = use_i18n();
    Effect::new(move || set_title(i.t().nav_approvals));
    let pending =
        LocalResource::new(|| api::all::<UserResponse>("/admin/registrations?status=pending"));
    let departments = LocalResource::new(|| api::all::<DepartmentResponse>("/departments"));
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
                                    view! { <Registration user=u department=d on_done=Callback::new(move |()| pending.refetch()) /> }
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
fn Registration(user: UserResponse, department: String, on_done: Callback<()>) -> impl IntoView {
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

#[component]
pub fn DepartmentsPage() -> impl IntoView {
    let i = use_i18n();
    let toaster = use_toaster();
    Effect::new(move || set_title(i.t().nav_departments));
    let list = LocalResource::new(|| api::all::<DepartmentResponse>("/departments"));
    let name = RwSignal::new(String::new());
    let parent = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.set(
            rules::required_text("name", &name.get_untracked(), rules::NAME_MAX)
                .into_iter()
                .collect(),
        );
        if !errors.is_empty() {
            return;
        }
        let req = CreateDepartmentRequest {
            external_key: None,
            name: name.get_untracked().trim().to_owned(),
            head_id: None,
            parent_id: parent.get_untracked().parse().ok(),
        };
        spawn_local(async move {
            match api::post::<_, DepartmentResponse>("/departments", &req).await {
                Ok(_) => {
                    name.set(String::new());
                    parent.set(String::new());
                    toaster.success(i.t_untracked().department_created);
                    list.refetch();
                }
                Err(e) => {
                    errors.set(e.field_errors().to_vec());
                    toaster.error(&e);
                }
            }
        });
    };
    view! {
        <AdminOnly>
            <div class="page-head">
                <h1>{move || i.t().nav_departments}</h1>
            </div>
            <div class="grid-2">
                <section class="card">
                    {move || match list.get() {
                        None => view! { <Loading /> }.into_any(),
                        Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| list.refetch()) /> }.into_any(),
                        Some(Ok(items)) if items.is_empty() => view! {
                            <Empty title=|t| t.departments_empty text=|t| t.departments_empty_text />
                        }.into_any(),
                        Some(Ok(items)) => {
                            let all = items.clone();
                            view! {
                                <ul class="list">
                                    {items.into_iter().map(|d| view! {
                                        <DepartmentItem d=d all=all.clone() on_change=Callback::new(move |()| list.refetch()) />
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }
                    }}
                </section>
                <section class="card">
                    <h2>{move || i.t().department_new}</h2>
                    <form on:submit=create novalidate=true>
                        <TextField id="dept-name" label=|t| t.department_name value=name error=errors.for_field("name") required=true />
                        <div class="field">
                            <label for="dept-parent">{move || i.t().parent_department}</label>
                            <select id="dept-parent" prop:value=move || parent.get() on:change=move |ev| parent.set(event_target_value(&ev))>
                                <option value="">{move || i.t().none}</option>
                                {move || list.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|d| view! {
                                    <option value=d.id.to_string()>{d.name}</option>
                                }).collect_view()}
                            </select>
                        </div>
                        <button class="btn primary" type="submit">{move || i.t().add}</button>
                    </form>
                </section>
            </div>
        </AdminOnly>
    }
}

#[component]
fn DepartmentItem(
    d: DepartmentResponse,
    all: Vec<DepartmentResponse>,
    on_change: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let toaster = use_toaster();
    let editing = RwSignal::new(false);
    let name = RwSignal::new(d.name.clone());
    let parent = RwSignal::new(d.parent_id.map(|p| p.to_string()).unwrap_or_default());
    let head = RwSignal::new(d.head_id.map(|p| p.to_string()).unwrap_or_default());
    let errors = FormErrors::new();
    let id = d.id;
    // The head is picked among the department's own members, loaded when editing starts.
    let members = LocalResource::new(move || async move {
        if editing.get() {
            api::all::<UserResponse>(&format!("/users?department_id={id}")).await
        } else {
            Ok(Vec::new())
        }
    });
    let head_name = LocalResource::new(move || {
        let head_id = d.head_id;
        async move {
            match head_id {
                Some(h) => api::get::<UserResponse>(&format!("/users/{h}"))
                    .await
                    .ok()
                    .map(|u| u.name),
                None => None,
            }
        }
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.set(
            rules::required_text("name", &name.get_untracked(), rules::NAME_MAX)
                .into_iter()
                .collect(),
        );
        if !errors.is_empty() {
            return;
        }
        let req = UpdateDepartmentRequest {
            name: Some(name.get_untracked().trim().to_owned()),
            head_id: Some(head.get_untracked().parse().ok()),
            parent_id: Some(parent.get_untracked().parse().ok()),
        };
        spawn_local(async move {
            match api::patch::<_, DepartmentResponse>(&format!("/departments/{id}"), &req, None)
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
            match api::delete(&format!("/departments/{id}")).await {
                Ok(()) => {
                    toaster.success(i.t_untracked().deleted);
                    let _ = on_change.try_run(());
                }
                Err(e) => toaster.error(&e),
            }
        });
    };
    let parent_name = department_name(&all, d.parent_id);
    let has_parent = d.parent_id.is_some();
    let others: Vec<DepartmentResponse> = all.into_iter().filter(|o| o.id != id).collect();
    let name_id = StoredValue::new(format!("dept-name-{id}"));
    let label = d.name.clone();
    view! {
        <li class="list-item">
            <Show
                when=move || editing.get()
                fallback=move || {
                    let parent_name = parent_name.clone();
                    let label = label.clone();
                    view! {
                        <div class="grow">
                            <p class="item-title">{move || name.get()}</p>
                            <p class="muted small">
                                {move || i.t().department_head} ": "
                                {move || head_name.get().flatten().unwrap_or_else(|| "—".into())}
                                {has_parent.then(|| view! { " · " {move || i.t().parent_department} ": " {parent_name.clone()} })}
                            </p>
                        </div>
                        <div class="actions">
                            <button class="btn small" on:click=move |_| { editing.set(true); focus_later(name_id.get_value()); }
                                aria-label=format!("{} {}", i.t_untracked().edit, label)>{move || i.t().edit}</button>
                            <button class="btn small danger" on:click=remove>{move || i.t().delete}</button>
                        </div>
                    }
                }
            >
                <form class="grow" on:submit=save novalidate=true>
                    <TextField id=name_id.get_value() label=|t| t.department_name value=name error=errors.for_field("name") />
                    <div class="field">
                        <label for=format!("dept-head-{id}")>{move || i.t().department_head}</label>
                        <select id=format!("dept-head-{id}") prop:value=move || head.get() on:change=move |ev| head.set(event_target_value(&ev))>
                            <option value="">{move || i.t().none}</option>
                            {move || members.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|u| {
                                let v = u.id.to_string();
                                let sel = head.get_untracked() == v;
                                view! { <option value=v selected=sel>{u.name}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for=format!("dept-parent-{id}")>{move || i.t().parent_department}</label>
                        <select id=format!("dept-parent-{id}") prop:value=move || parent.get() on:change=move |ev| parent.set(event_target_value(&ev))>
                            <option value="">{move || i.t().none}</option>
                            {others.clone().into_iter().map(|o| {
                                let v = o.id.to_string();
                                let sel = parent.get_untracked() == v;
                                view! { <option value=v selected=sel>{o.name}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="actions">
                        <button class="btn primary small" type="submit">{move || i.t().save}</button>
                        <button class="btn small" type="button" on:click=move |_| editing.set(false)>{move || i.t().cancel}</button>
                    </div>
                </form>
            </Show>
        </li>
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let i = use_i18n();
    Effect::new(move || set_title(i.t().nav_audit));
    let users = LocalResource::new(|| api::all::<UserResponse>("/users"));
    let action = RwSignal::new(String::new());
    let actor = RwSignal::new(String::new());
    let since = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    let paged = Paged::<AuditEntryResponse>::new(false);
    let (items, next, loading, failed) = (paged.items, paged.next, paged.loading, paged.failed);

    let load = move |more: bool| {
        // Date inputs are local days: from the start of `since` up to (not including) the day
        // after `until`, which is how the server reads `until`.
        let day = |sig: RwSignal<String>, extra_days: f64| {
            let d = sig.get_untracked();
            if d.is_empty() {
                return String::new();
            }
            let ms = js_sys::Date::parse(&format!("{d}T00:00:00")) + extra_days * 86_400_000.0;
            chrono::DateTime::from_timestamp_millis(ms as i64)
                .filter(|_| !ms.is_nan())
                .map(|t| t.to_rfc3339())
                .unwrap_or_default()
        };
        let filters = filter_query([
            ("limit", "50".to_owned()),
            ("action", action.get_untracked()),
            ("actor_id", actor.get_untracked()),
            ("since", day(since, 0.0)),
            ("until", day(until, 1.0)),
        ]);
        paged.load(format!("/admin/audit-log{filters}"), more);
    };
    load(false);
    let name_of = move |id: Option<Uuid>| -> String {
        let Some(id) = id else { return "—".into() };
        users
            .get()
            .and_then(Result::ok)
            .and_then(|list| list.into_iter().find(|u| u.id == id).map(|u| u.name))
            .unwrap_or_else(|| id.to_string())
    };
    view! {
        <AdminOnly>
            <div class="page-head">
                <h1>{move || i.t().nav_audit}</h1>
            </div>
            <form class="filters card" role="search" on:submit=move |ev| { ev.prevent_default(); load(false); }>
                <div class="field">
                    <label for="audit-action">{move || i.t().audit_action}</label>
                    <input id="audit-action" placeholder="user.approved" prop:value=move || action.get()
                        on:input=move |ev| action.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="audit-actor">{move || i.t().audit_actor}</label>
                    <select id="audit-actor" prop:value=move || actor.get() on:change=move |ev| actor.set(event_target_value(&ev))>
                        <option value="">{move || i.t().everyone}</option>
                        {move || users.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|u| view! {
                            <option value=u.id.to_string()>{u.name}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="audit-since">{move || i.t().since}</label>
                    <input id="audit-since" type="date" prop:value=move || since.get() on:input=move |ev| since.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="audit-until">{move || i.t().until}</label>
                    <input id="audit-until" type="date" prop:value=move || until.get() on:input=move |ev| until.set(event_target_value(&ev)) />
                </div>
                <button class="btn primary" type="submit">{move || i.t().filter}</button>
            </form>
            <section class="card">
                {move || {
                    if let Some(e) = failed.get() {
                        return view! { <ErrorBox error=e retry=Callback::new(move |()| load(false)) /> }.into_any();
                    }
                    if items.with(Vec::is_empty) {
                        return if loading.get() {
                            view! { <Loading /> }.into_any()
                        } else {
                            view! { <Empty title=|t| t.audit_empty text=|t| t.audit_empty_text /> }.into_any()
                        };
                    }
                    view! {
                        <div class="table-wrap">
                            <table class="table">
                                <thead>
                                    <tr>
                                        <th scope="col">{move || i.t().time}</th>
                                        <th scope="col">{move || i.t().audit_actor}</th>
                                        <th scope="col">{move || i.t().audit_action}</th>
                                        <th scope="col">{move || i.t().audit_target}</th>
                                        <th scope="col">{move || i.t().audit_detail}</th>
                                        <th scope="col">"IP"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {items.get().into_iter().map(|e| {
                                        let at = e.created_at;
                                        // People are shown by name; other targets by type and id.
                                        let target_user = (e.target_type.as_deref() == Some("user"))
                                            .then(|| e.target_id.as_deref().and_then(|t| t.parse::<Uuid>().ok()))
                                            .flatten();
                                        let raw_target = format!("{} {}", e.target_type.clone().unwrap_or_default(), e.target_id.clone().unwrap_or_default());
                                        let target = move || match target_user {
                                            Some(id) => name_of(Some(id)),
                                            None => raw_target.clone(),
                                        };
                                        let detail = if e.detail.is_null() { String::new() } else { e.detail.to_string() };
                                        view! {
                                            <tr>
                                                <td class="nowrap">{move || fmt_time(&at, i.lang.get())}</td>
                                                <td>{move || name_of(e.actor_id)}</td>
                                                <td><code>{e.action.clone()}</code></td>
                                                <td class="small">{target}</td>
                                                <td class="small mono">{detail}</td>
                                                <td class="small">{e.ip.clone().unwrap_or_default()}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <Show when=move || next.get().is_some()>
                            <button class="btn" on:click=move |_| load(true) disabled=move || loading.get()>{move || i.t().load_more}</button>
                        </Show>
                    }.into_any()
                }}
            </section>
        </AdminOnly>
    }
}
