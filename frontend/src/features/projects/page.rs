//! A project's page: tasks, members, milestones, settings.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use tandem_dto::{MemberResponse, MilestoneResponse, ProjectResponse, ProjectRole, ProjectStatus};
use uuid::Uuid;

use crate::api::{self, ApiError};
use crate::components::{ErrorBox, LoadFailed, Loading, ProjectTasks, ProjectTasksView};
use crate::i18n::use_i18n;
use crate::shell::set_title;
use crate::state::use_auth;

use super::{members::Members, milestones::Milestones, settings::Settings};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Tasks,
    Members,
    Milestones,
    Settings,
}

#[component]
pub fn ProjectPage(
    /// The project's tasks, drawn by the tasks feature (plugged in by the router).
    tasks: ProjectTasksView,
) -> impl IntoView {
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
    // Members who join or leave elsewhere show here too, and milestones.
    if let Some(live) = crate::state::live::use_live() {
        Effect::watch(
            move || {
                live.event.with(|e| {
                    e.as_ref()
                        .filter(|e| e.project_id.is_some() && e.project_id == id.get_untracked())
                        .map(|e| (e.kind.clone(), e.data.to_string()))
                })
            },
            move |now, _, _| match now {
                Some((kind, _)) if kind.starts_with("member.") => members.refetch(),
                // Milestones added, changed or removed elsewhere show here too.
                Some((kind, _)) if kind.starts_with("milestone.") => milestones.refetch(),
                _ => {}
            },
            false,
        );
    }
    let reload = Callback::new(move |()| version.update(|v| *v += 1));
    let all_departments = crate::state::directory::use_directory().departments;
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
                        <a class="tab" href=format!("/projects/{pid}/board")>{move || i.t().board}</a>
                        <a class="tab" href=format!("/projects/{pid}/gantt")>{move || i.t().gantt}</a>
                        <a class="tab" href=format!("/projects/{pid}/files")>{move || i.t().files}</a>
                        {tab_link(Tab::Members, "members", |t| t.members)}
                        {tab_link(Tab::Milestones, "milestones", |t| t.milestones)}
                        {is_admin.then(|| tab_link(Tab::Settings, "settings", |t| t.settings))}
                    </nav>
                    {move || match tab.get() {
                        // The new-task form's and the filters' choices come from these: a
                        // failed read says so, with a retry, rather than offering nobody.
                        Tab::Tasks => view! {
                            <LoadFailed resource=members />
                            <LoadFailed resource=milestones />
                            <LoadFailed resource=all_departments />
                            {tasks(ProjectTasks {
                                project: pid,
                                members: member_list,
                                milestones: milestone_list,
                                names,
                                can_edit,
                                filter_people,
                                filter_milestones,
                                filter_departments,
                            })}
                        }.into_any(),
                        // A failed read is an error with a retry, never an empty list.
                        Tab::Members => match members.get() {
                            Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| members.refetch()) /> }.into_any(),
                            None => view! { <Loading /> }.into_any(),
                            Some(Ok(_)) => view! { <Members project=pid members=member_list manage=is_admin && active reload=reload /> }.into_any(),
                        },
                        Tab::Milestones => match milestones.get() {
                            Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| milestones.refetch()) /> }.into_any(),
                            None => view! { <Loading /> }.into_any(),
                            Some(Ok(_)) => view! { <Milestones project=pid milestones=milestone_list manage=is_admin && active reload=reload /> }.into_any(),
                        },
                        Tab::Settings => view! { <Settings project=p.clone() reload=reload /> }.into_any(),
                    }}
                }.into_any()
            }
        }}
    }
}
