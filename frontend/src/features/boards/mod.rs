//! 进度看板: the Kanban board of a project and of "my tasks" (B1), the Gantt chart (B2) and the
//! management dashboard (B4). Each page is its own lazy route.

mod dashboard;
mod gantt;
mod kanban;

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use tandem_dto::{MemberResponse, MilestoneResponse, ProjectResponse, ProjectRole, ProjectStatus};
use uuid::Uuid;

use crate::api::{self, ApiError};
use crate::components::{ErrorBox, Loading};
use crate::i18n::texts::WithTexts;
use crate::i18n::use_i18n;
use crate::shell::set_title;
use crate::state::use_auth;

use gantt::Gantt;
use kanban::Kanban;

/// Which of a project's views is open.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum View {
    Board,
    Gantt,
}

/// A project's page head for its board and Gantt views: the name, and the way back to the
/// task list and across to the other view.
#[component]
fn ProjectHead(p: ProjectResponse, view: View) -> impl IntoView {
    let i = use_i18n();
    let pid = p.id;
    view! {
        <p class="crumbs"><a href="/projects">{move || i.t().nav_projects}</a> " / "</p>
        <div class="page-head">
            <div>
                <h1>{p.name.clone()}</h1>
                <p class="muted small">{p.start_date.to_string()} " – " {p.end_date.to_string()}</p>
            </div>
        </div>
        <nav class="tabs" aria-label=move || i.t().project_sections>
            <a class="tab" href=format!("/projects/{pid}")>{move || i.t().tasks}</a>
            <a class="tab" href=format!("/projects/{pid}/board") aria-current=(view == View::Board).then_some("page")>{move || i.t().board}</a>
            <a class="tab" href=format!("/projects/{pid}/gantt") aria-current=(view == View::Gantt).then_some("page")>{move || i.t().gantt}</a>
            <a class="tab" href=format!("/projects/{pid}/files")>{move || i.t().files}</a>
        </nav>
    }
}

/// The project, its members and milestones, as the board and Gantt pages need them.
#[derive(Clone)]
pub(crate) struct ProjectData {
    pub project: ProjectResponse,
    pub members: Vec<MemberResponse>,
    pub milestones: Vec<MilestoneResponse>,
}

pub(crate) fn project_data() -> LocalResource<Result<ProjectData, ApiError>> {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|s| s.parse::<Uuid>().ok())));
    LocalResource::new(move || {
        let id = id.get();
        async move {
            let Some(id) = id else {
                return Err(ApiError::Network("bad id".into()));
            };
            let project = api::get::<ProjectResponse>(&format!("/projects/{id}")).await?;
            let members = api::all::<MemberResponse>(&format!("/projects/{id}/members")).await?;
            let milestones =
                api::all::<MilestoneResponse>(&format!("/projects/{id}/milestones")).await?;
            Ok(ProjectData {
                project,
                members,
                milestones,
            })
        }
    })
}

/// B1: a project's Kanban board.
#[component]
pub fn ProjectBoardPage() -> impl IntoView {
    let auth = use_auth();
    let data = project_data();
    view! {
        {move || match data.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| data.refetch()) /> }.into_any(),
            Some(Ok(d)) => {
                set_title(&d.project.name);
                let role = if auth.is_admin() { Some(ProjectRole::Admin) } else { d.project.my_role };
                let active = d.project.status == ProjectStatus::Active;
                let can_edit = active && matches!(role, Some(ProjectRole::Admin | ProjectRole::Editor));
                let can_manage = active && role == Some(ProjectRole::Admin);
                let people: HashMap<Uuid, (String, bool)> = d
                    .members
                    .iter()
                    .map(|m| (m.user_id, (m.name.clone(), m.has_avatar)))
                    .collect();
                let milestones: Vec<(Uuid, String)> =
                    d.milestones.iter().map(|m| (m.id, m.name.clone())).collect();
                let pid = d.project.id;
                view! {
                    <ProjectHead p=d.project.clone() view=View::Board />
                    <WithTexts area="boards">
                        <Kanban project=Some(pid) people=Signal::stored(people.clone())
                            milestones=Signal::stored(milestones.clone()) can_edit=Signal::stored(can_edit)
                            can_manage=can_manage />
                    </WithTexts>
                }.into_any()
            }
        }}
    }
}

/// B1: the caller's own board, across their projects.
#[component]
pub fn MyBoardPage() -> impl IntoView {
    let i = use_i18n();
    let auth = use_auth();
    set_title(i.t_untracked().my_board);
    let people = Signal::derive(move || {
        auth.user
            .get()
            .map(|u| HashMap::from([(u.id, (u.name, u.has_avatar))]))
            .unwrap_or_default()
    });
    view! {
        <div class="page-head">
            <h1>{move || i.t().my_board}</h1>
        </div>
        <nav class="tabs" aria-label=move || i.t().nav_my_tasks>
            <a class="tab" href="/my-tasks">{move || i.t().tasks}</a>
            <a class="tab" href="/my-board" aria-current="page">{move || i.t().board}</a>
        </nav>
        <WithTexts area="boards">
            <Kanban project=None people=people can_edit=Signal::stored(true) />
        </WithTexts>
    }
}

/// B2: a project's Gantt chart.
#[component]
pub fn ProjectGanttPage() -> impl IntoView {
    let auth = use_auth();
    let data = project_data();
    let departments = crate::state::directory::use_directory().departments;
    view! {
        {move || match data.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| data.refetch()) /> }.into_any(),
            Some(Ok(d)) => {
                set_title(&d.project.name);
                let role = if auth.is_admin() { Some(ProjectRole::Admin) } else { d.project.my_role };
                let active = d.project.status == ProjectStatus::Active;
                let can_edit = active && matches!(role, Some(ProjectRole::Admin | ProjectRole::Editor));
                let people: HashMap<Uuid, String> =
                    d.members.iter().map(|m| (m.user_id, m.name.clone())).collect();
                let dept_of: HashMap<Uuid, Uuid> = d
                    .members
                    .iter()
                    .filter_map(|m| m.department_id.map(|dep| (m.user_id, dep)))
                    .collect();
                let dept_names: HashMap<Uuid, String> = departments
                    .get()
                    .and_then(Result::ok)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|x| (x.id, x.name))
                    .collect();
                let milestone_names: HashMap<Uuid, String> =
                    d.milestones.iter().map(|m| (m.id, m.name.clone())).collect();
                let pid = d.project.id;
                view! {
                    <ProjectHead p=d.project.clone() view=View::Gantt />
                    <WithTexts area="boards">
                        <Gantt project=pid can_edit=Signal::stored(can_edit) people=people.clone()
                            departments=dept_of.clone() department_names=dept_names.clone()
                            milestone_names=milestone_names.clone() />
                    </WithTexts>
                }.into_any()
            }
        }}
    }
}

/// B4: the management dashboard.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let i = use_i18n();
    set_title(i.t_untracked().dashboard);
    view! {
        <div class="page-head">
            <h1>{move || i.t().dashboard}</h1>
        </div>
        <WithTexts area="boards">
            <dashboard::Dashboard />
        </WithTexts>
    }
}
