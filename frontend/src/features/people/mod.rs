//! 通讯录: the people directory (filtered by department and text, kept in the URL) and a
//! person's page, where administrators change role, department and status.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use tandem_dto::{DepartmentResponse, SystemRole, UpdateUserRequest, UserResponse, UserStatus};

use crate::api;
use crate::components::LoadFailed;
use crate::components::{
    Avatar, Empty, ErrorBox, Loading, Paged, filter_query, fmt_time, replace, use_toaster,
};
use crate::components::{ConfirmKind, use_confirmer};
use crate::i18n::use_i18n;
use crate::shell::set_title;
use crate::state::directory::department_name;
use crate::state::use_auth;

#[component]
pub fn DirectoryPage() -> impl IntoView {
    let i = use_i18n();
    let auth = use_auth();
    let navigate = use_navigate();
    let query = use_query_map();
    Effect::new(move || set_title(i.t().nav_directory));
    let directory = crate::state::directory::use_directory();
    let departments = directory.departments;
    let dept = Memo::new(move |_| query.with(|q| q.get("department").unwrap_or_default()));
    let text = Memo::new(move |_| query.with(|q| q.get("q").unwrap_or_default()));
    let status = Memo::new(move |_| query.with(|q| q.get("status").unwrap_or_default()));
    let draft = RwSignal::new(text.get_untracked());

    let paged = Paged::<UserResponse>::new(true);
    let (items, next, loading, failed) = (paged.items, paged.next, paged.loading, paged.failed);
    let load = move |more: bool| {
        let filters = filter_query([
            ("limit", "50".to_owned()),
            ("department_id", dept.get_untracked()),
            ("q", text.get_untracked()),
            ("status", status.get_untracked()),
        ]);
        paged.load(format!("/users{filters}"), more);
    };
    Effect::new(move || {
        // Re-run whenever the URL's filters change.
        dept.track();
        text.track();
        status.track();
        load(false);
    });

    let set_filter = move |key: &'static str, value: String| {
        let qs = filter_query(
            [
                ("department", dept.get_untracked()),
                ("q", text.get_untracked()),
                ("status", status.get_untracked()),
            ]
            .map(|(k, cur)| (k, if k == key { value.clone() } else { cur })),
        );
        navigate(&format!("/people{qs}"), replace());
    };
    let set_filter2 = set_filter.clone();
    let set_filter3 = set_filter.clone();

    view! {
        <div class="page-head">
            <h1>{move || i.t().nav_directory}</h1>
        </div>
        <LoadFailed resource=departments />
        <form class="filters card" role="search" on:submit=move |ev| {
            ev.prevent_default();
            set_filter("q", draft.get_untracked());
        }>
            <div class="field">
                <label for="filter-q">{move || i.t().search}</label>
                <input id="filter-q" type="search" placeholder=move || i.t().search_people_placeholder
                    prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev)) />
            </div>
            <div class="field">
                <label for="filter-department">{move || i.t().department}</label>
                <select id="filter-department" prop:value=move || dept.get()
                    on:change=move |ev| set_filter2("department", event_target_value(&ev))>
                    <option value="">{move || i.t().all_departments}</option>
                    {move || departments.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|d| view! {
                        <option value=d.id.to_string() selected=dept.get_untracked() == d.id.to_string()>{d.name}</option>
                    }).collect_view()}
                </select>
            </div>
            <Show when=move || auth.is_admin()>
                <div class="field">
                    <label for="filter-status">{move || i.t().status}</label>
                    <select id="filter-status" prop:value=move || status.get()
                        on:change={
                            let set_filter3 = set_filter3.clone();
                            move |ev| set_filter3("status", event_target_value(&ev))
                        }>
                        <option value="">{move || i.t().all_statuses}</option>
                        {[UserStatus::Active, UserStatus::Pending, UserStatus::Deactivated, UserStatus::Rejected].into_iter().map(|s| view! {
                            <option value=s.as_str() selected=status.get_untracked() == s.as_str()>{move || i.status(s)}</option>
                        }).collect_view()}
                    </select>
                </div>
            </Show>
            <button class="btn primary" type="submit">{move || i.t().search}</button>
        </form>
        <section class="card">
            {move || {
                let depts = departments.get().and_then(Result::ok).unwrap_or_default();
                if let Some(e) = failed.get() {
                    return view! { <ErrorBox error=e retry=Callback::new(move |()| load(false)) /> }.into_any();
                }
                if items.with(Vec::is_empty) {
                    return if loading.get() {
                        view! { <Loading /> }.into_any()
                    } else {
                        view! { <Empty title=|t| t.people_empty text=|t| t.people_empty_text /> }.into_any()
                    };
                }
                view! {
                    <ul class="list people">
                        {items.get().into_iter().map(|u| {
                            let dept_name = department_name(&depts, u.department_id);
                            view! {
                                <li class="list-item">
                                    <Avatar user_id=u.id name=u.name.clone() has_avatar=u.has_avatar version=u.updated_at.to_rfc3339() />
                                    <div class="grow">
                                        <a class="item-title" href=format!("/people/{}", u.id)>{u.name.clone()}</a>
                                        <p class="muted small">{dept_name} " · " {u.position.clone()}</p>
                                    </div>
                                    // Most people are active: only the exceptions get a badge.
                                    {(u.status != UserStatus::Active).then(|| view! {
                                        <span class="badge badge-warn">{move || i.status(u.status)}</span>
                                    })}
                                    {(u.role == SystemRole::Admin).then(|| view! { <span class="badge badge-accent">{move || i.t().role_admin}</span> })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <Show when=move || next.get().is_some()>
                        <button class="btn" on:click=move |_| load(true) disabled=move || loading.get()>
                            {move || i.t().load_more}
                        </button>
                    </Show>
                }.into_any()
            }}
        </section>
    }
}

#[component]
pub fn PersonPage() -> impl IntoView {
    let i = use_i18n();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let person = LocalResource::new(move || {
        let id = id.get();
        async move { api::get_tagged::<UserResponse>(&format!("/users/{}", api::enc(&id))).await }
    });
    let directory = crate::state::directory::use_directory();
    let departments = directory.departments;
    view! {
        <p class="crumbs"><a href="/people">{move || i.t().nav_directory}</a> " / "</p>
        {move || match person.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| person.refetch()) /> }.into_any(),
            Some(Ok((u, tag))) => {
                set_title(&u.name);
                let depts = departments.get().and_then(Result::ok).unwrap_or_default();
                view! { <PersonView user=u etag=tag departments=depts on_change=Callback::new(move |()| {
                    person.refetch();
                    // Pickers elsewhere show department, position and status.
                    directory.refetch_people();
                }) /> }.into_any()
            }
        }}
    }
}

#[component]
pub(crate) fn PersonView(
    user: UserResponse,
    etag: Option<String>,
    departments: Vec<DepartmentResponse>,
    on_change: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let auth = use_auth();
    let toaster = use_toaster();
    let confirmer = use_confirmer();
    let dept_name = department_name(&departments, user.department_id);
    let role = RwSignal::new(user.role.as_str().to_owned());
    let department = RwSignal::new(
        user.department_id
            .map(|d| d.to_string())
            .unwrap_or_default(),
    );
    let position = RwSignal::new(user.position.clone());
    let busy = RwSignal::new(false);
    let etag = StoredValue::new(etag);
    let id = user.id;
    let is_self = auth.user.with_untracked(|u| u.as_ref().map(|u| u.id)) == Some(id);

    let send = move |req: UpdateUserRequest| {
        busy.set(true);
        spawn_local(async move {
            let tag = etag.get_value();
            match api::patch::<_, UserResponse>(&format!("/users/{id}"), &req, tag.as_deref()).await
            {
                Ok(_) => {
                    toaster.success(i.t_untracked().saved);
                    let _ = on_change.try_run(());
                }
                Err(e) => {
                    toaster.error(&e);
                    // A stale copy: show the current one.
                    if e.status() == Some(412) {
                        let _ = on_change.try_run(());
                    }
                }
            }
            busy.set(false);
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        send(UpdateUserRequest {
            role: SystemRole::parse(&role.get_untracked()),
            department_id: department.get_untracked().parse().ok(),
            position: Some(position.get_untracked().trim().to_owned()).filter(|p| !p.is_empty()),
            ..Default::default()
        });
    };
    let status = user.status;
    let toggle_status = move |_| {
        let (next, yes) = if status == UserStatus::Active {
            let yes = confirmer.ask(
                |t| t.confirm_deactivate,
                |t| t.deactivate,
                ConfirmKind::Danger,
            );
            (UserStatus::Deactivated, yes)
        } else {
            let yes = confirmer.ask(
                |t| t.confirm_reactivate,
                |t| t.reactivate,
                ConfirmKind::Normal,
            );
            (UserStatus::Active, yes)
        };
        spawn_local(async move {
            if yes.await {
                send(UpdateUserRequest {
                    status: Some(next),
                    ..Default::default()
                });
            }
        });
    };
    let created_at = user.created_at;
    view! {
        <div class="grid-2">
            <section class="card">
                <div class="person-head">
                    <Avatar user_id=user.id name=user.name.clone() has_avatar=user.has_avatar version=user.updated_at.to_rfc3339() large=true />
                    <div>
                        <h1>{user.name.clone()}</h1>
                        <p class="muted">{dept_name} " · " {user.position.clone()}</p>
                        <p class="badges">
                            <span class="badge" class:badge-warn=status != UserStatus::Active>{move || i.status(status)}</span>
                            <span class="badge">{move || i.role(user.role)}</span>
                        </p>
                    </div>
                </div>
                <dl class="facts">
                    <dt>{move || i.t().email}</dt><dd>{user.email.clone().unwrap_or_else(|| "—".into())}</dd>
                    <dt>{move || i.t().employee_id}</dt><dd>{user.employee_id.clone().unwrap_or_else(|| "—".into())}</dd>
                    <dt>{move || i.t().phone}</dt><dd>{user.phone.clone().unwrap_or_else(|| "—".into())}</dd>
                    <dt>{move || i.t().contact}</dt><dd class="pre">{user.contact.clone().unwrap_or_else(|| "—".into())}</dd>
                    <dt>{move || i.t().member_since}</dt><dd>{move || fmt_time(&created_at, i.lang.get())}</dd>
                </dl>
            </section>
            <Show when=move || auth.is_admin()>
                <section class="card">
                    <h2>{move || i.t().manage_user}</h2>
                    <form on:submit=save>
                        <div class="field">
                            <label for="user-role">{move || i.t().role}</label>
                            <select id="user-role" prop:value=move || role.get() on:change=move |ev| role.set(event_target_value(&ev))>
                                <option value="member" selected=role.get_untracked() == "member">{move || i.t().role_member}</option>
                                <option value="admin" selected=role.get_untracked() == "admin">{move || i.t().role_admin}</option>
                            </select>
                        </div>
                        <div class="field">
                            <label for="user-department">{move || i.t().department}</label>
                            <select id="user-department" prop:value=move || department.get()
                                on:change=move |ev| department.set(event_target_value(&ev))>
                                {departments.clone().into_iter().map(|d| {
                                    let v = d.id.to_string();
                                    let sel = department.get_untracked() == v;
                                    view! { <option value=v selected=sel>{d.name}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label for="user-position">{move || i.t().position}</label>
                            <input id="user-position" prop:value=move || position.get()
                                on:input=move |ev| position.set(event_target_value(&ev)) />
                        </div>
                        <button class="btn primary" type="submit" disabled=move || busy.get()>{move || i.t().save}</button>
                    </form>
                    <Show when=move || !is_self && matches!(status, UserStatus::Active | UserStatus::Deactivated)>
                        <hr />
                        <p class="muted">
                            {move || if status == UserStatus::Active { i.t().deactivate_explain } else { i.t().reactivate_explain }}
                        </p>
                        <button class="btn" class:danger=status == UserStatus::Active on:click=toggle_status disabled=move || busy.get()>
                            {move || if status == UserStatus::Active { i.t().deactivate } else { i.t().reactivate }}
                        </button>
                    </Show>
                </section>
            </Show>
        </div>
    }
}
