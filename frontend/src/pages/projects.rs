//! 项目中心: the caller's projects with their figures, the new-project form (departments and
//! milestones), and a project's page: tasks, members (picked by department), milestones,
//! settings.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use tandem_dto::{
    AddMemberRequest, CreateMilestoneRequest, CreateProjectRequest, DepartmentResponse,
    MemberResponse, MilestoneResponse, ProjectResponse, ProjectRole, ProjectStatus,
    UpdateMemberRequest, UpdateProjectRequest, UserResponse,
};
use uuid::Uuid;

use crate::api::{self, ApiError};
use crate::app::{set_title, use_auth};
use crate::components::{
    Empty, ErrorBox, FormErrors, Loading, TextArea, TextField, filter_query, replace, use_toaster,
};
use crate::i18n::use_i18n;
use crate::pages::profile::confirm;
use crate::pages::tasks::{NewTaskForm, TaskList};

const ROLES: [ProjectRole; 3] = [ProjectRole::Admin, ProjectRole::Editor, ProjectRole::Viewer];

#[component]
pub fn ProjectCenterPage() -> impl IntoView {
    let i = use_i18n();
    let navigate = use_navigate();
    let query = use_query_map();
    Effect::new(move || set_title(i.t().nav_projects));
    let departments = LocalResource::new(|| api::all::<DepartmentResponse>("/departments"));
    let dept = Memo::new(move |_| query.with(|q| q.get("department").unwrap_or_default()));
    let status =
        Memo::new(move |_| query.with(|q| q.get("status").unwrap_or_else(|| "active".into())));
    let projects = LocalResource::new(move || {
        let (d, s) = (dept.get(), status.get());
        let status = if s == "all" { String::new() } else { s };
        let u = format!(
            "/projects{}",
            filter_query([("department_id", d), ("status", status)])
        );
        async move { api::all::<ProjectResponse>(&u).await }
    });
    let dept_names = Signal::derive(move || {
        departments
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect::<HashMap<_, _>>()
    });
    let set_filter = move |key: &'static str, value: String| {
        let qs = filter_query(
            [
                ("department", dept.get_untracked()),
                ("status", status.get_untracked()),
            ]
            .map(|(k, cur)| (k, if k == key { value.clone() } else { cur })),
        );
        navigate(&format!("/projects{qs}"), replace());
    };
    let sf = set_filter.clone();
    view! {
        <div class="page-head">
            <h1>{move || i.t().nav_projects}</h1>
            <a class="btn primary" href="/projects/new">{move || i.t().project_new}</a>
        </div>
        <div class="filters card">
            <div class="field">
                <label for="project-dept">{move || i.t().department}</label>
                <select id="project-dept" prop:value=move || dept.get() on:change=move |ev| set_filter("department", event_target_value(&ev))>
                    <option value="">{move || i.t().all_departments}</option>
                    {move || departments.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|d| {
                        let sel = dept.get_untracked() == d.id.to_string();
                        view! { <option value=d.id.to_string() selected=sel>{d.name}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="project-status">{move || i.t().status}</label>
                <select id="project-status" prop:value=move || status.get() on:change=move |ev| sf("status", event_target_value(&ev))>
                    <option value="active">{move || i.t().project_active}</option>
                    <option value="archived">{move || i.t().project_archived}</option>
                    <option value="all">{move || i.t().all}</option>
                </select>
            </div>
        </div>
        {move || match projects.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| projects.refetch()) /> }.into_any(),
            Some(Ok(list)) if list.is_empty() => view! {
                <section class="card"><Empty title=|t| t.projects_empty text=|t| t.projects_empty_text /></section>
            }.into_any(),
            Some(Ok(list)) => view! {
                <div class="project-grid">
                    {list.into_iter().map(|p| {
                        let pct = if p.tasks_total > 0 { p.tasks_done * 100 / p.tasks_total } else { 0 };
                        let depts = p.department_ids.iter().filter_map(|d| dept_names.with(|n| n.get(d).cloned())).collect::<Vec<_>>().join("、");
                        let archived = p.status == ProjectStatus::Archived;
                        let next = p.next_milestone.clone();
                        view! {
                            <a class="card project-card" href=format!("/projects/{}", p.id)>
                                <div class="project-card-head">
                                    <h2>{p.name.clone()}</h2>
                                    {archived.then(|| view! { <span class="badge badge-muted">{move || i.t().project_archived}</span> })}
                                </div>
                                <p class="muted small">{depts}</p>
                                <div class="progress-bar" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=pct>
                                    <span style:width=format!("{pct}%")></span>
                                </div>
                                <p class="small">
                                    {move || i.t().tasks_done_of} ": " {p.tasks_done} "/" {p.tasks_total}
                                    {(p.tasks_overdue > 0).then(|| view! { " · " <span class="danger-text">{move || i.t().overdue} " " {p.tasks_overdue}</span> })}
                                    {(p.tasks_at_risk > 0).then(|| view! { " · " <span class="warn-text">{move || i.t().at_risk} " " {p.tasks_at_risk}</span> })}
                                </p>
                                <p class="muted small">
                                    {move || i.t().next_milestone} ": "
                                    {next.clone().map(|m| format!("{} ({})", m.name, m.date)).unwrap_or_else(|| "—".into())}
                                </p>
                            </a>
                        }
                    }).collect_view()}
                </div>
            }.into_any(),
        }}
    }
}

struct MilestoneDraft {
    name: RwSignal<String>,
    date: RwSignal<String>,
    description: RwSignal<String>,
}

#[component]
pub fn NewProjectPage() -> impl IntoView {
    let i = use_i18n();
    let navigate = use_navigate();
    let toaster = use_toaster();
    Effect::new(move || set_title(i.t().project_new));
    let departments = LocalResource::new(|| api::all::<DepartmentResponse>("/departments"));
    let name = RwSignal::new(String::new());
    let goal = RwSignal::new(String::new());
    let start = RwSignal::new(String::new());
    let end = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<Uuid>::new());
    let milestones = RwSignal::new(Vec::<(u32, MilestoneDraft)>::new());
    let seq = StoredValue::new(0u32);
    let errors = FormErrors::new();
    errors.clear_on_change("name", name);
    errors.clear_on_change("start_date", start);
    errors.clear_on_change("end_date", end);
    // "ends before it starts" is fixed from either side.
    errors.clear_on_change("end_date", start);
    errors.clear_on_change("department_ids", chosen);
    let busy = RwSignal::new(false);
    let add_milestone = move |_| {
        let n = seq.get_value() + 1;
        seq.set_value(n);
        milestones.update(|m| {
            m.push((
                n,
                MilestoneDraft {
                    name: RwSignal::new(String::new()),
                    date: RwSignal::new(String::new()),
                    description: RwSignal::new(String::new()),
                },
            ))
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut errs = Vec::new();
        errs.extend(tandem_dto::rules::required_text(
            "name",
            &name.get_untracked(),
            200,
        ));
        let start_d = start.get_untracked().parse::<chrono::NaiveDate>().ok();
        let end_d = end.get_untracked().parse::<chrono::NaiveDate>().ok();
        let err = |field: &str, code: &str| tandem_dto::FieldError::new(field, code, String::new());
        if start_d.is_none() {
            errs.push(err("start_date", "required"));
        }
        if end_d.is_none() {
            errs.push(err("end_date", "required"));
        }
        if let (Some(s), Some(e)) = (start_d, end_d)
            && e < s
        {
            errs.push(err("end_date", "before_start"));
        }
        if chosen.with_untracked(Vec::is_empty) {
            errs.push(err("department_ids", "required"));
        }
        let mut ms = Vec::new();
        milestones.with_untracked(|list| {
            for (idx, (_, m)) in list.iter().enumerate() {
                let d = m.date.get_untracked().parse::<chrono::NaiveDate>().ok();
                if m.name.with_untracked(|n| n.trim().is_empty()) || d.is_none() {
                    errs.push(err(&format!("milestones[{idx}]"), "required"));
                    continue;
                }
                if let (Some(d), Some(s), Some(e)) = (d, start_d, end_d)
                    && (d < s || d > e)
                {
                    errs.push(err(&format!("milestones[{idx}]"), "out_of_period"));
                }
                if let Some(d) = d {
                    ms.push(CreateMilestoneRequest {
                        external_key: None,
                        name: m.name.get_untracked().trim().to_owned(),
                        date: d,
                        description: Some(m.description.get_untracked())
                            .filter(|s| !s.trim().is_empty()),
                    });
                }
            }
        });
        errors.set(errs);
        if !errors.is_empty() {
            crate::pages::login::focus_first_invalid();
            return;
        }
        let (Some(start_date), Some(end_date)) = (start_d, end_d) else {
            return;
        };
        let req = CreateProjectRequest {
            external_key: None,
            name: name.get_untracked().trim().to_owned(),
            goal: goal.get_untracked(),
            department_ids: chosen.get_untracked(),
            start_date,
            end_date,
            time_zone: None,
            milestones: ms,
        };
        busy.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::post::<_, ProjectResponse>("/projects", &req).await {
                Ok(p) => {
                    toaster.success(i.t_untracked().project_created);
                    navigate(&format!("/projects/{}", p.id), Default::default());
                }
                Err(e) => {
                    errors.set(e.field_errors().to_vec());
                    toaster.error(&e);
                }
            }
            busy.set(false);
        });
    };
    let milestone_rows = move || {
        milestones.with(|list| {
            list.iter()
                .enumerate()
                .map(|(idx, (k, m))| (idx, *k, m.name, m.date, m.description))
                .collect::<Vec<_>>()
        })
    };
    let milestone_error = move |idx: usize| {
        let key = format!("milestones[{idx}]");
        errors.0.with(|e| {
            e.iter()
                .find(|e| e.field.starts_with(&key))
                .map(|e| i.field_error(e))
        })
    };
    view! {
        <p class="crumbs"><a href="/projects">{move || i.t().nav_projects}</a> " / "</p>
        <div class="page-head"><h1>{move || i.t().project_new}</h1></div>
        <form class="card wizard" on:submit=submit novalidate=true>
            <h2>"1. " {move || i.t().project_basics}</h2>
            <TextField id="name" label=|t| t.project_name value=name error=errors.for_field("name") required=true />
            <TextArea id="goal" label=|t| t.project_goal value=goal error=errors.for_field("goal") rows=3 />
            <div class="row">
                <TextField id="start_date" label=|t| t.start_date value=start kind="date" error=errors.for_field("start_date") required=true />
                <TextField id="end_date" label=|t| t.end_date value=end kind="date" error=errors.for_field("end_date") required=true />
            </div>
            <h2>"2. " {move || i.t().project_departments}</h2>
            <fieldset class="field" class:invalid=move || errors.for_field("department_ids").get().is_some()>
                <legend>{move || i.t().project_departments_hint}</legend>
                <div class="checks">
                    {move || departments.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|d| {
                        let id = d.id;
                        let input_id = format!("dept-{id}");
                        let label_for = input_id.clone();
                        view! {
                            <label class="check" for=label_for>
                                <input id=input_id type="checkbox"
                                    prop:checked=move || chosen.with(|c| c.contains(&id))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen.update(|c| {
                                            c.retain(|x| *x != id);
                                            if on { c.push(id); }
                                        });
                                    } />
                                <span>{d.name}</span>
                            </label>
                        }
                    }).collect_view()}
                </div>
                <p class="field-error">{move || errors.for_field("department_ids").get()}</p>
            </fieldset>
            <h2>"3. " {move || i.t().milestones}</h2>
            <p class="muted small">{move || i.t().milestones_hint}</p>
            <For
                each=milestone_rows
                key=|(_, k, ..)| *k
                children=move |(idx, k, mname, mdate, mdesc)| {
                    view! {
                        <div class="milestone-row" class:invalid=move || milestone_error(idx).is_some()>
                            <div class="field">
                                <label for=format!("ms-name-{k}")>{move || i.t().milestone_name}</label>
                                <input id=format!("ms-name-{k}") prop:value=move || mname.get() on:input=move |ev| mname.set(event_target_value(&ev)) />
                            </div>
                            <div class="field">
                                <label for=format!("ms-date-{k}")>{move || i.t().date}</label>
                                <input id=format!("ms-date-{k}") type="date" prop:value=move || mdate.get() on:input=move |ev| mdate.set(event_target_value(&ev)) />
                            </div>
                            <div class="field grow-2">
                                <label for=format!("ms-desc-{k}")>{move || i.t().description}</label>
                                <input id=format!("ms-desc-{k}") prop:value=move || mdesc.get() on:input=move |ev| mdesc.set(event_target_value(&ev)) />
                            </div>
                            <button type="button" class="btn small danger" on:click=move |_| milestones.update(|m| m.retain(|(x, _)| *x != k))>
                                {move || i.t().remove}
                            </button>
                            <p class="field-error">{move || milestone_error(idx)}</p>
                        </div>
                    }
                }
            />
            <button type="button" class="btn" on:click=add_milestone>{move || i.t().milestone_add}</button>
            <hr />
            <button class="btn primary" type="submit" disabled=move || busy.get()>{move || i.t().project_create}</button>
        </form>
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Tasks,
    Members,
    Milestones,
    Settings,
}

#[component]
pub fn ProjectPage() -> impl IntoView {
    let i = use_i18n();
    let auth = use_auth();
    let params = use_params_map();
    let query = use_query_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|s| s.parse::<Uuid>().ok())));
    let tab = Memo::new(move |_| match query.with(|q| q.get("tab")).as_deref() {
        Some("members") => Tab::Members,
        Some("milestones") => Tab::Milestones,
        Some("settings") => Tab::Settings,
        _ => Tab::Tasks,
    });
    let version = RwSignal::new(0u32);
    let project = LocalResource::new(move || {
        let id = id.get();
        version.track();
        async move {
            match id {
                Some(id) => api::get::<ProjectResponse>(&format!("/projects/{id}")).await,
                None => Err(ApiError::Network("bad id".into())),
            }
        }
    });
    let members = LocalResource::new(move || {
        let id = id.get();
        version.track();
        async move {
            match id {
                Some(id) => api::all::<MemberResponse>(&format!("/projects/{id}/members")).await,
                None => Ok(Vec::new()),
            }
        }
    });
    let milestones = LocalResource::new(move || {
        let id = id.get();
        version.track();
        async move {
            match id {
                Some(id) => {
                    api::all::<MilestoneResponse>(&format!("/projects/{id}/milestones")).await
                }
                None => Ok(Vec::new()),
            }
        }
    });
    let member_list =
        Signal::derive(move || members.get().and_then(Result::ok).unwrap_or_default());
    let milestone_list =
        Signal::derive(move || milestones.get().and_then(Result::ok).unwrap_or_default());
    let names = Signal::derive(move || {
        member_list
            .get()
            .into_iter()
            .map(|m| (m.user_id, m.name))
            .collect::<HashMap<_, _>>()
    });
    let task_reload = RwSignal::new(0u32);
    let reload = Callback::new(move |()| version.update(|v| *v += 1));
    let all_departments = LocalResource::new(|| api::all::<DepartmentResponse>("/departments"));
    let filter_people = Signal::derive(move || {
        member_list
            .get()
            .into_iter()
            .map(|m| (m.user_id, m.name))
            .collect::<Vec<_>>()
    });
    let filter_milestones = Signal::derive(move || {
        milestone_list
            .get()
            .into_iter()
            .map(|m| (m.id, m.name))
            .collect::<Vec<_>>()
    });
    view! {
        {move || match project.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| project.refetch()) /> }.into_any(),
            Some(Ok(p)) => {
                set_title(&p.name);
                let pid = p.id;
                let role = if auth.is_admin() { Some(ProjectRole::Admin) } else { p.my_role };
                let active = p.status == ProjectStatus::Active;
                let can_edit = active && matches!(role, Some(ProjectRole::Admin | ProjectRole::Editor));
                let is_admin = role == Some(ProjectRole::Admin);
                // The project's collaborating departments, named.
                let project_departments = p.department_ids.clone();
                let filter_departments = Signal::derive(move || {
                    let all = all_departments.get().and_then(Result::ok).unwrap_or_default();
                    project_departments
                        .iter()
                        .filter_map(|d| all.iter().find(|x| x.id == *d).map(|x| (x.id, x.name.clone())))
                        .collect::<Vec<_>>()
                });
                let tab_link = move |t: Tab, key: &'static str, label: fn(&'static crate::i18n::Tr) -> &'static str| {
                    let href = if key.is_empty() { format!("/projects/{pid}") } else { format!("/projects/{pid}?tab={key}") };
                    view! {
                        <a class="tab" href=href aria-current=move || (tab.get() == t).then_some("page")>{move || label(i.t())}</a>
                    }
                };
                view! {
                    <p class="crumbs"><a href="/projects">{move || i.t().nav_projects}</a> " / "</p>
                    <div class="page-head">
                        <div>
                            <h1>{p.name.clone()}</h1>
                            <p class="muted">{p.goal.clone()}</p>
                            <p class="muted small">
                                {p.start_date.to_string()} " – " {p.end_date.to_string()}
                                {(!active).then(|| view! { " · " <span class="badge badge-muted">{move || i.t().project_archived}</span> })}
                                {role.map(|r| view! { " · " <span class="badge">{move || i.project_role(r)}</span> })}
                            </p>
                        </div>
                    </div>
                    <nav class="tabs" aria-label=move || i.t().project_sections>
                        {tab_link(Tab::Tasks, "", |t| t.tasks)}
                        {tab_link(Tab::Members, "members", |t| t.members)}
                        {tab_link(Tab::Milestones, "milestones", |t| t.milestones)}
                        {is_admin.then(|| tab_link(Tab::Settings, "settings", |t| t.settings))}
                    </nav>
                    {move || match tab.get() {
                        Tab::Tasks => view! {
                            {can_edit.then(|| view! {
                                <NewTaskForm project=pid members=member_list milestones=milestone_list
                                    on_created=Callback::new(move |()| task_reload.update(|v| *v += 1)) />
                            })}
                            <TaskList project=Some(pid) names=names can_edit=can_edit reload=task_reload
                                filter_people=filter_people filter_milestones=filter_milestones
                                filter_departments=filter_departments />
                        }.into_any(),
                        Tab::Members => view! { <Members project=pid members=member_list manage=is_admin && active reload=reload /> }.into_any(),
                        Tab::Milestones => view! { <Milestones project=pid milestones=milestone_list manage=is_admin && active reload=reload /> }.into_any(),
                        Tab::Settings => view! { <Settings project=p.clone() reload=reload /> }.into_any(),
                    }}
                }.into_any()
            }
        }}
    }
}

#[component]
fn Members(
    project: Uuid,
    members: Signal<Vec<MemberResponse>>,
    manage: bool,
    reload: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let toaster = use_toaster();
    let departments = LocalResource::new(|| api::all::<DepartmentResponse>("/departments"));
    let dept = RwSignal::new(String::new());
    let people = LocalResource::new(move || {
        let d = dept.get();
        async move {
            if d.is_empty() {
                Ok(Vec::new())
            } else {
                api::all::<UserResponse>(&format!("/users?department_id={}", api::enc(&d))).await
            }
        }
    });
    let person = RwSignal::new(String::new());
    let role = RwSignal::new("editor".to_owned());
    let dept_names = Signal::derive(move || {
        departments
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect::<HashMap<_, _>>()
    });
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Ok(user_id), Some(role)) = (
            person.get_untracked().parse::<Uuid>(),
            ProjectRole::parse(&role.get_untracked()),
        ) else {
            toaster.push(
                crate::components::ToastKind::Error,
                i.t_untracked().choose_person,
            );
            return;
        };
        spawn_local(async move {
            match api::post::<_, MemberResponse>(
                &format!("/projects/{project}/members"),
                &AddMemberRequest { user_id, role },
            )
            .await
            {
                Ok(_) => {
                    toaster.success(i.t_untracked().member_added);
                    person.set(String::new());
                    let _ = reload.try_run(());
                }
                Err(e) => toaster.error(&e),
            }
        });
    };
    let set_role = move |user: Uuid, role: ProjectRole| {
        spawn_local(async move {
            match api::patch::<_, MemberResponse>(
                &format!("/projects/{project}/members/{user}"),
                &UpdateMemberRequest { role },
                None,
            )
            .await
            {
                Ok(_) => toaster.success(i.t_untracked().saved),
                Err(e) => toaster.error(&e),
            }
            let _ = reload.try_run(());
        });
    };
    let remove = move |user: Uuid| {
        if !confirm(i.t_untracked().confirm_remove_member) {
            return;
        }
        spawn_local(async move {
            match api::delete(&format!("/projects/{project}/members/{user}")).await {
                Ok(()) => toaster.success(i.t_untracked().deleted),
                Err(e) => toaster.error(&e),
            }
            let _ = reload.try_run(());
        });
    };
    view! {
        <div class="grid-2">
            <section class="card">
                <h2>{move || i.t().members}</h2>
                <ul class="list">
                    {move || members.get().into_iter().map(|m| {
                        let uid = m.user_id;
                        let r = m.role;
                        let dept = m.department_id.and_then(|d| dept_names.with(|n| n.get(&d).cloned())).unwrap_or_default();
                        view! {
                            <li class="list-item">
                                <crate::components::Avatar user_id=uid name=m.name.clone() has_avatar=m.has_avatar />
                                <div class="grow">
                                    <p class="item-title">{m.name.clone()}</p>
                                    <p class="muted small">{dept} " · " {m.position.clone()}</p>
                                </div>
                                {if manage {
                                    view! {
                                        <label class="sr-only" for=format!("role-{uid}")>{move || i.t().role}</label>
                                        <select id=format!("role-{uid}") on:change=move |ev| {
                                            if let Some(r) = ProjectRole::parse(&event_target_value(&ev)) { set_role(uid, r); }
                                        }>
                                            {ROLES.into_iter().map(|x| view! { <option value=x.as_str() selected=x == r>{move || i.project_role(x)}</option> }).collect_view()}
                                        </select>
                                        <button class="btn small danger" on:click=move |_| remove(uid)>{move || i.t().remove}</button>
                                    }.into_any()
                                } else {
                                    view! { <span class="badge">{move || i.project_role(r)}</span> }.into_any()
                                }}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
            {manage.then(|| view! {
                <form class="card" on:submit=add>
                    <h2>{move || i.t().member_add}</h2>
                    <div class="field">
                        <label for="member-dept">{move || i.t().department}</label>
                        <select id="member-dept" on:change=move |ev| { dept.set(event_target_value(&ev)); person.set(String::new()); }>
                            <option value="">{move || i.t().choose_department}</option>
                            {move || departments.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|d| view! {
                                <option value=d.id.to_string()>{d.name}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="member-person">{move || i.t().person}</label>
                        <select id="member-person" prop:value=move || person.get() on:change=move |ev| person.set(event_target_value(&ev))>
                            <option value="">{move || i.t().choose_person}</option>
                            {move || {
                                let current: Vec<Uuid> = members.get().iter().map(|m| m.user_id).collect();
                                people.get().and_then(Result::ok).unwrap_or_default().into_iter()
                                    .filter(|u| !current.contains(&u.id))
                                    .map(|u| view! { <option value=u.id.to_string()>{u.name} " · " {u.position}</option> })
                                    .collect_view()
                            }}
                        </select>
                    </div>
                    <div class="field">
                        <label for="member-role">{move || i.t().role}</label>
                        <select id="member-role" prop:value=move || role.get() on:change=move |ev| role.set(event_target_value(&ev))>
                            {ROLES.into_iter().map(|x| view! { <option value=x.as_str() selected=x == ProjectRole::Editor>{move || i.project_role(x)}</option> }).collect_view()}
                        </select>
                    </div>
                    <button class="btn primary" type="submit">{move || i.t().add}</button>
                </form>
            })}
        </div>
    }
}

#[component]
fn Milestones(
    project: Uuid,
    milestones: Signal<Vec<MilestoneResponse>>,
    manage: bool,
    reload: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let toaster = use_toaster();
    let name = RwSignal::new(String::new());
    let date = RwSignal::new(String::new());
    let errors = FormErrors::new();
    errors.clear_on_change("name", name);
    errors.clear_on_change("date", date);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(d) = date.get_untracked().parse::<chrono::NaiveDate>() else {
            errors.set(vec![tandem_dto::FieldError::new(
                "date",
                "required",
                String::new(),
            )]);
            return;
        };
        let req = CreateMilestoneRequest {
            external_key: None,
            name: name.get_untracked().trim().to_owned(),
            date: d,
            description: None,
        };
        spawn_local(async move {
            match api::post::<_, MilestoneResponse>(
                &format!("/projects/{project}/milestones"),
                &req,
            )
            .await
            {
                Ok(_) => {
                    name.set(String::new());
                    date.set(String::new());
                    errors.set(Vec::new());
                    let _ = reload.try_run(());
                }
                Err(e) => {
                    errors.set(e.field_errors().to_vec());
                    toaster.error(&e);
                }
            }
        });
    };
    let remove = move |id: Uuid| {
        if !confirm(i.t_untracked().confirm_delete) {
            return;
        }
        spawn_local(async move {
            match api::delete(&format!("/milestones/{id}")).await {
                Ok(()) => {
                    let _ = reload.try_run(());
                }
                Err(e) => toaster.error(&e),
            }
        });
    };
    view! {
        <div class="grid-2">
            <section class="card">
                <h2>{move || i.t().milestones}</h2>
                {move || {
                    let list = milestones.get();
                    if list.is_empty() {
                        return view! { <p class="muted">{move || i.t().milestones_empty}</p> }.into_any();
                    }
                    view! {
                        <ol class="timeline">
                            {list.into_iter().map(|m| {
                                let id = m.id;
                                view! {
                                    <li>
                                        <p class="item-title">{m.name} " " <span class="muted small">{m.date.to_string()}</span></p>
                                        {m.description.map(|d| view! { <p class="muted small">{d}</p> })}
                                        {manage.then(|| view! { <button class="btn small danger" on:click=move |_| remove(id)>{move || i.t().delete}</button> })}
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                    }.into_any()
                }}
            </section>
            {manage.then(|| view! {
                <form class="card" on:submit=add novalidate=true>
                    <h2>{move || i.t().milestone_add}</h2>
                    <TextField id="milestone-name" label=|t| t.milestone_name value=name error=errors.for_field("name") required=true />
                    <TextField id="milestone-date" label=|t| t.date value=date kind="date" error=errors.for_field("date") required=true />
                    <button class="btn primary" type="submit">{move || i.t().add}</button>
                </form>
            })}
        </div>
    }
}

#[component]
fn Settings(project: ProjectResponse, reload: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let toaster = use_toaster();
    let pid = project.id;
    let name = RwSignal::new(project.name.clone());
    let goal = RwSignal::new(project.goal.clone());
    let start = RwSignal::new(project.start_date.to_string());
    let end = RwSignal::new(project.end_date.to_string());
    let chosen = RwSignal::new(project.department_ids.clone());
    let departments = LocalResource::new(|| api::all::<DepartmentResponse>("/departments"));
    let errors = FormErrors::new();
    errors.clear_on_change("name", name);
    errors.clear_on_change("start_date", start);
    errors.clear_on_change("end_date", end);
    // "ends before it starts" is fixed from either side.
    errors.clear_on_change("end_date", start);
    errors.clear_on_change("department_ids", chosen);
    let active = project.status == ProjectStatus::Active;
    let send = move |req: UpdateProjectRequest| {
        spawn_local(async move {
            match api::patch::<_, ProjectResponse>(&format!("/projects/{pid}"), &req, None).await {
                Ok(_) => {
                    toaster.success(i.t_untracked().saved);
                    let _ = reload.try_run(());
                }
                Err(e) => {
                    errors.set(e.field_errors().to_vec());
                    toaster.error(&e);
                }
            }
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let departments = chosen.get_untracked();
        if departments.is_empty() {
            errors.set(vec![tandem_dto::FieldError::new(
                "department_ids",
                "required",
                String::new(),
            )]);
            return;
        }
        send(UpdateProjectRequest {
            name: Some(name.get_untracked().trim().to_owned()),
            goal: Some(goal.get_untracked()),
            start_date: start.get_untracked().parse().ok(),
            end_date: end.get_untracked().parse().ok(),
            department_ids: Some(departments),
            ..Default::default()
        });
    };
    let toggle = move |_| {
        let (status, question) = if active {
            (ProjectStatus::Archived, i.t_untracked().confirm_archive)
        } else {
            (ProjectStatus::Active, i.t_untracked().confirm_restore)
        };
        if confirm(question) {
            send(UpdateProjectRequest {
                status: Some(status),
                ..Default::default()
            });
        }
    };
    view! {
        <div class="grid-2">
            <form class="card" on:submit=save>
                <h2>{move || i.t().settings}</h2>
                <fieldset class="plain" disabled=!active>
                    <TextField id="settings-name" label=|t| t.project_name value=name error=errors.for_field("name") required=true />
                    <TextArea id="settings-goal" label=|t| t.project_goal value=goal error=errors.for_field("goal") rows=3 />
                    <div class="row">
                        <TextField id="settings-start" label=|t| t.start_date value=start kind="date" error=errors.for_field("start_date") />
                        <TextField id="settings-end" label=|t| t.end_date value=end kind="date" error=errors.for_field("end_date") />
                    </div>
                    <fieldset class="field" class:invalid=move || errors.for_field("department_ids").get().is_some()>
                        <legend>{move || i.t().project_departments}</legend>
                        <div class="checks">
                            {move || departments.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|d| {
                                let id = d.id;
                                let input_id = format!("settings-dept-{id}");
                                let label_for = input_id.clone();
                                view! {
                                    <label class="check" for=label_for>
                                        <input id=input_id type="checkbox"
                                            prop:checked=move || chosen.with(|c| c.contains(&id))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                chosen.update(|c| {
                                                    c.retain(|x| *x != id);
                                                    if on { c.push(id); }
                                                });
                                            } />
                                        <span>{d.name}</span>
                                    </label>
                                }
                            }).collect_view()}
                        </div>
                        <p class="field-error">{move || errors.for_field("department_ids").get()}</p>
                    </fieldset>
                    <button class="btn primary" type="submit">{move || i.t().save}</button>
                </fieldset>
            </form>
            <section class="card">
                <h2>{move || if active { i.t().archive_project } else { i.t().restore_project }}</h2>
                <p class="muted">{move || if active { i.t().archive_explain } else { i.t().restore_explain }}</p>
                <button class="btn" class:danger=active on:click=toggle>
                    {move || if active { i.t().archive_project } else { i.t().restore_project }}
                </button>
            </section>
        </div>
    }
}
