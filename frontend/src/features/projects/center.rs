//! 项目中心: the caller's projects with their figures.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use tandem_dto::{ProjectResponse, ProjectStatus};

use crate::api::{self};
use crate::components::{Empty, ErrorBox, LoadFailed, Loading, filter_query, replace};
use crate::i18n::use_i18n;
use crate::shell::set_title;
use crate::state::tasks::use_tasks;
use tandem_web_logic::task_store::Outcome;

#[component]
pub fn ProjectCenterPage() -> impl IntoView {
    let i = use_i18n();
    let navigate = use_navigate();
    let query = use_query_map();
    Effect::new(move || set_title(i.t().nav_projects));
    let departments = crate::state::directory::use_directory().departments;
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
    // A task of a listed project created, changed or deleted anywhere changes the project's
    // figures (done, overdue, at risk): read the list again.
    let tasks = use_tasks();
    Effect::watch(
        move || tasks.last.get(),
        move |last, _, _| {
            let project = match last {
                Some(
                    Outcome::Created { project, .. }
                    | Outcome::Updated { project, .. }
                    | Outcome::Deleted { project, .. }
                    | Outcome::RiskChanged { project },
                ) => *project,
                _ => return,
            };
            let listed = projects
                .get_untracked()
                .and_then(Result::ok)
                .is_some_and(|l| l.iter().any(|p| p.id == project));
            if listed {
                projects.refetch();
            }
        },
        false,
    );
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
        <LoadFailed resource=departments />
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
