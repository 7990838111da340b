//! 任务中心: the caller's tasks across projects, or (`?scope=all`, where the dashboard's figures
//! lead) every task of the active projects the caller may see.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use tandem_dto::ProjectResponse;

use super::list::TaskList;
use crate::api::{self};
use crate::i18n::texts::WithTexts;
use crate::i18n::use_i18n;
use crate::shell::set_title;
use crate::state::directory::use_directory;
use crate::state::use_auth;

/// 任务中心: the caller's tasks across projects, or every visible task with `?scope=all`.
#[component]
pub fn MyTasksPage() -> impl IntoView {
    let i = use_i18n();
    let query = use_query_map();
    let across = Memo::new(move |_| query.with(|q| q.get("scope").as_deref() == Some("all")));
    let title = move || {
        if across.get() {
            i.t().tasks
        } else {
            i.t().nav_my_tasks
        }
    };
    Effect::new(move || set_title(title()));
    let projects = LocalResource::new(|| api::all::<ProjectResponse>("/projects"));
    let project_names = Signal::derive(move || {
        projects
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect::<HashMap<_, _>>()
    });
    let auth = use_auth();
    let directory = use_directory();
    // Across projects the assignees are anyone: named from the directory (read on first use).
    let people = Memo::new(move |_| {
        if across.get() {
            directory
                .people()
                .get()
                .and_then(Result::ok)
                .unwrap_or_default()
                .into_iter()
                .map(|u| (u.id, u.name))
                .collect::<Vec<_>>()
        } else {
            Vec::new()
        }
    });
    let names = Signal::derive(move || {
        let mut n: HashMap<_, _> = people.get().into_iter().collect();
        if let Some(u) = auth.user.get() {
            n.insert(u.id, u.name);
        }
        n
    });
    let filter_departments = Signal::derive(move || {
        if !across.get() {
            return Vec::new();
        }
        directory
            .departments
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect::<Vec<_>>()
    });
    view! {
        <div class="page-head">
            <h1>{title}</h1>
        </div>
        {move || if across.get() {
            view! {
                <p class="crumbs"><a href="/dashboard">{move || i.t().dashboard}</a></p>
            }.into_any()
        } else {
            view! {
                <nav class="tabs" aria-label=move || i.t().nav_my_tasks>
                    <a class="tab" href="/my-tasks" aria-current="page">{move || i.t().tasks}</a>
                    <a class="tab" href="/my-board">{move || i.t().board}</a>
                </nav>
            }.into_any()
        }}
        <WithTexts area="tasks">
            <TaskList project=None names=names project_names=project_names can_edit=true
                filter_people=people filter_departments=filter_departments />
        </WithTexts>
    }
}
