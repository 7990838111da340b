//! 任务中心: the caller's tasks across projects.

use std::collections::HashMap;

use leptos::prelude::*;
use tandem_dto::ProjectResponse;

use super::list::TaskList;
use crate::api::{self};
use crate::i18n::use_i18n;
use crate::shell::set_title;
use crate::state::use_auth;

/// 任务中心: the caller's tasks across projects.
#[component]
pub fn MyTasksPage() -> impl IntoView {
    let i = use_i18n();
    Effect::new(move || set_title(i.t().nav_my_tasks));
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
    let names = Signal::derive(move || {
        auth.user
            .get()
            .map(|u| HashMap::from([(u.id, u.name)]))
            .unwrap_or_default()
    });
    view! {
        <div class="page-head">
            <h1>{move || i.t().nav_my_tasks}</h1>
        </div>
        <nav class="tabs" aria-label=move || i.t().nav_my_tasks>
            <a class="tab" href="/my-tasks" aria-current="page">{move || i.t().tasks}</a>
            <a class="tab" href="/my-board">{move || i.t().board}</a>
        </nav>
        <TaskList project=None names=names project_names=project_names can_edit=true />
    }
}
