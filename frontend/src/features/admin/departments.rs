//! Departments: create, rename, move, delete.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_dto::{
    CreateDepartmentRequest, DepartmentResponse, UpdateDepartmentRequest, UserResponse, rules,
};

use crate::api;
use crate::components::{ConfirmKind, use_confirmer};
use crate::components::{
    Empty, ErrorBox, FormErrors, LoadFailed, Loading, TextField, focus_later, use_toaster,
};
use crate::i18n::use_i18n;
use crate::shell::{AdminOnly, set_title};
use crate::state::directory::{active_people, department_name};

#[component]
pub fn DepartmentsPage() -> impl IntoView {
    let i = use_i18n();
    let toaster = use_toaster();
    Effect::new(move || set_title(i.t().nav_departments));
    let list = crate::state::directory::use_directory().departments;
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
pub(crate) fn DepartmentItem(
    d: DepartmentResponse,
    all: Vec<DepartmentResponse>,
    on_change: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let toaster = use_toaster();
    let confirmer = use_confirmer();
    let editing = RwSignal::new(false);
    let name = RwSignal::new(d.name.clone());
    let parent = RwSignal::new(d.parent_id.map(|p| p.to_string()).unwrap_or_default());
    let head = RwSignal::new(d.head_id.map(|p| p.to_string()).unwrap_or_default());
    let errors = FormErrors::new();
    let id = d.id;
    // The head is picked among the department's own active members.
    let people = crate::state::directory::use_directory().people();
    let members = Signal::derive(move || {
        people.with(|p| match p {
            Some(Ok(list)) => active_people(list)
                .filter(|u| u.department_id == Some(id))
                .cloned()
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        })
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
        let yes = confirmer.ask(|t| t.confirm_delete, |t| t.delete, ConfirmKind::Danger);
        spawn_local(async move {
            if !yes.await {
                return;
            }
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
                            {move || members.get().into_iter().map(|u| {
                                let v = u.id.to_string();
                                let sel = head.get_untracked() == v;
                                view! { <option value=v selected=sel>{u.name}</option> }
                            }).collect_view()}
                        </select>
                        <LoadFailed resource=people />
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
