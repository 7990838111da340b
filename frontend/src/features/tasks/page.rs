//! The task page: its fields, and the cards around them.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use tandem_dto::{
    MarkdownRequest, MarkdownResponse, MemberResponse, MilestoneResponse, Priority,
    ProjectResponse, ProjectRole, TaskResponse, TaskStatus, UpdateTaskRequest,
};
use uuid::Uuid;

use super::{PRIORITIES, priority_class, status_class};
use crate::api::{self, ApiError};
use crate::components::{ErrorBox, Loading, fmt_time, use_toaster};
use crate::i18n::use_i18n;
use crate::shell::set_title;
use crate::state::use_auth;
// The statuses a task may move to: the server's own rule (`dto::rules`), so the menu never
// offers a change that would be refused.
use super::{
    activity::Activity, attachments::Attachments, comments::Comments, dependencies::Dependencies,
    progress::Progress, subtasks::SubTasks,
};
use crate::api::tasks::change_status;
use tandem_dto::rules::next_statuses;

/// One task: everything about it on one page.
#[component]
pub fn TaskPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|s| s.parse::<Uuid>().ok())));
    let version = RwSignal::new(0u32);
    let task = LocalResource::new(move || {
        let id = id.get();
        version.track();
        async move {
            match id {
                Some(id) => api::get_tagged::<TaskResponse>(&format!("/tasks/{id}")).await,
                None => Err(ApiError::Problem(tandem_dto::Problem {
                    kind: "about:blank".into(),
                    title: "Not Found".into(),
                    status: 404,
                    detail: None,
                    code: None,
                    errors: Vec::new(),
                    context: None,
                })),
            }
        }
    });
    view! {
        {move || match task.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| task.refetch()) /> }.into_any(),
            Some(Ok((t, tag))) => {
                set_title(&t.title);
                view! { <TaskView task=t etag=tag reload=Callback::new(move |()| version.update(|v| *v += 1)) /> }.into_any()
            }
        }}
    }
}

#[component]
pub(crate) fn TaskView(
    task: TaskResponse,
    etag: Option<String>,
    reload: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let auth = use_auth();
    let toaster = use_toaster();
    let id = task.id;
    let project_id = task.project_id;
    let project = LocalResource::new(move || async move {
        api::get::<ProjectResponse>(&format!("/projects/{project_id}")).await
    });
    let members = LocalResource::new(move || async move {
        api::all::<MemberResponse>(&format!("/projects/{project_id}/members")).await
    });
    let milestones = LocalResource::new(move || async move {
        api::all::<MilestoneResponse>(&format!("/projects/{project_id}/milestones")).await
    });
    let member_list =
        Signal::derive(move || members.get().and_then(Result::ok).unwrap_or_default());
    let names = Signal::derive(move || {
        member_list
            .get()
            .into_iter()
            .map(|m| (m.user_id, m.name))
            .collect::<HashMap<_, _>>()
    });
    let me = auth.user.with_untracked(|u| u.as_ref().map(|u| u.id));
    let role = Signal::derive(move || {
        if auth.is_admin() {
            Some(ProjectRole::Admin)
        } else {
            project.get().and_then(Result::ok).and_then(|p| p.my_role)
        }
    });
    let can_edit = Signal::derive(move || {
        matches!(role.get(), Some(ProjectRole::Admin | ProjectRole::Editor))
            && project
                .get()
                .and_then(Result::ok)
                .is_some_and(|p| p.status == tandem_dto::ProjectStatus::Active)
    });
    let is_admin = Signal::derive(move || role.get() == Some(ProjectRole::Admin));
    let can_progress =
        Signal::derive(move || can_edit.get() && (is_admin.get() || task.assignee_id == me));
    // The server's rule (ProjectAction::ReassignTask): an assigned task changes hands only by
    // its assignee or a project administrator; unassigned work can be given out by editors.
    let can_reassign = Signal::derive(move || {
        can_edit.get() && (is_admin.get() || task.assignee_id.is_none() || task.assignee_id == me)
    });

    // Editable fields, saved together with If-Match.
    let etag = StoredValue::new(etag);
    let title = RwSignal::new(task.title.clone());
    let assignee = RwSignal::new(task.assignee_id.map(|a| a.to_string()).unwrap_or_default());
    let priority = RwSignal::new(task.priority.as_str().to_owned());
    let start = RwSignal::new(task.start_date.map(|d| d.to_string()).unwrap_or_default());
    let due = RwSignal::new(task.due_date.map(|d| d.to_string()).unwrap_or_default());
    let milestone = RwSignal::new(task.milestone_id.map(|m| m.to_string()).unwrap_or_default());
    let description = RwSignal::new(task.description.clone());
    let preview = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let original = task.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let o = original.clone();
        let opt_uuid = |s: String| s.parse::<Uuid>().ok();
        let opt_date = |s: String| s.parse::<chrono::NaiveDate>().ok();
        let new_assignee = opt_uuid(assignee.get_untracked());
        let new_start = opt_date(start.get_untracked());
        let new_due = opt_date(due.get_untracked());
        let new_milestone = opt_uuid(milestone.get_untracked());
        let new_priority = Priority::parse(&priority.get_untracked());
        let new_title = title.get_untracked().trim().to_owned();
        let new_description = description.get_untracked();
        // Only what changed is sent, so the activity log stays meaningful.
        let body = UpdateTaskRequest {
            title: (new_title != o.title).then_some(new_title),
            description: (new_description != o.description).then_some(new_description),
            assignee_id: (new_assignee != o.assignee_id).then_some(new_assignee),
            priority: new_priority.filter(|p| *p != o.priority),
            status: None,
            start_date: (new_start != o.start_date).then_some(new_start),
            due_date: (new_due != o.due_date).then_some(new_due),
            milestone_id: (new_milestone != o.milestone_id).then_some(new_milestone),
            parent_id: None,
            estimate_hours: None,
        };
        saving.set(true);
        let tag = etag.get_value();
        spawn_local(async move {
            match api::patch::<_, TaskResponse>(&format!("/tasks/{id}"), &body, tag.as_deref())
                .await
            {
                Ok(_) => {
                    toaster.success(i.t_untracked().saved);
                    let _ = reload.try_run(());
                }
                Err(e) => {
                    toaster.error(&e);
                    if e.status() == Some(412) {
                        let _ = reload.try_run(());
                    }
                }
            }
            saving.set(false);
        });
    };
    let show_preview = move |_| {
        if preview.get_untracked().is_some() {
            preview.set(None);
            return;
        }
        let text = description.get_untracked();
        spawn_local(async move {
            match api::post::<_, MarkdownResponse>("/markdown", &MarkdownRequest { text }).await {
                Ok(r) => preview.set(Some(r.html)),
                Err(e) => toaster.error(&e),
            }
        });
    };
    let status = task.status;
    let set_status = move |to: TaskStatus| {
        spawn_local(async move {
            match change_status(id, to).await {
                Ok(_) => {
                    toaster.success(i.t_untracked().saved);
                    let _ = reload.try_run(());
                }
                Err(e) => toaster.error(&e),
            }
        });
    };
    let created_at = task.created_at;
    view! {
        <p class="crumbs">
            <a href="/projects">{move || i.t().nav_projects}</a> " / "
            <a href=format!("/projects/{project_id}")>{move || project.get().and_then(Result::ok).map(|p| p.name).unwrap_or_default()}</a>
        </p>
        <div class="page-head task-head">
            <div>
                <h1>{task.title.clone()}</h1>
                <p class="badges">
                    <span class=status_class(status)>{move || i.task_status(status)}</span>
                    <span class=priority_class(task.priority)>{move || i.priority(task.priority)}</span>
                    {task.overdue.then(|| view! { <span class="badge badge-danger">{move || i.t().overdue}</span> })}
                    {task.blocked.then(|| view! { <span class="badge badge-warn">{move || i.t().blocked}</span> })}
                </p>
            </div>
            <Show when=move || can_edit.get()>
                <div class="field inline">
                    <label for="task-status">{move || i.t().status}</label>
                    <select id="task-status" on:change=move |ev| {
                        if let Some(to) = TaskStatus::parse(&event_target_value(&ev)) { set_status(to); }
                    }>
                        {next_statuses(status).into_iter().map(|s| view! {
                            <option value=s.as_str() selected=s == status>{move || i.task_status(s)}</option>
                        }).collect_view()}
                    </select>
                </div>
            </Show>
        </div>
        <div class="grid-2">
            <div class="stack-cards">
                <form class="card" on:submit=save>
                    <h2>{move || i.t().details}</h2>
                    <fieldset class="plain" disabled=move || !can_edit.get()>
                        <div class="field">
                            <label for="task-title">{move || i.t().title}</label>
                            <input id="task-title" prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev)) />
                        </div>
                        <div class="row">
                            <div class="field">
                                <label for="task-assignee">{move || i.t().assignee}</label>
                                <select id="task-assignee" prop:value=move || assignee.get()
                                    disabled=move || !can_reassign.get()
                                    aria-describedby="task-assignee-hint"
                                    on:change=move |ev| assignee.set(event_target_value(&ev))>
                                    <option value="">{move || i.t().unassigned}</option>
                                    {move || member_list.get().into_iter().map(|m| {
                                        let v = m.user_id.to_string();
                                        let sel = assignee.get_untracked() == v;
                                        view! { <option value=v selected=sel>{m.name}</option> }
                                    }).collect_view()}
                                </select>
                                <Show when=move || can_edit.get() && !can_reassign.get()>
                                    <p id="task-assignee-hint" class="muted small">{move || i.t().reassign_hint}</p>
                                </Show>
                            </div>
                            <div class="field">
                                <label for="task-priority">{move || i.t().priority}</label>
                                <select id="task-priority" prop:value=move || priority.get() on:change=move |ev| priority.set(event_target_value(&ev))>
                                    {PRIORITIES.into_iter().map(|p| {
                                        let sel = priority.get_untracked() == p.as_str();
                                        view! { <option value=p.as_str() selected=sel>{move || i.priority(p)}</option> }
                                    }).collect_view()}
                                </select>
                            </div>
                        </div>
                        <div class="row">
                            <div class="field">
                                <label for="task-start">{move || i.t().start_date}</label>
                                <input id="task-start" type="date" prop:value=move || start.get() on:input=move |ev| start.set(event_target_value(&ev)) />
                            </div>
                            <div class="field">
                                <label for="task-due">{move || i.t().due}</label>
                                <input id="task-due" type="date" prop:value=move || due.get() on:input=move |ev| due.set(event_target_value(&ev)) />
                            </div>
                            <div class="field">
                                <label for="task-milestone">{move || i.t().milestone}</label>
                                <select id="task-milestone" prop:value=move || milestone.get() on:change=move |ev| milestone.set(event_target_value(&ev))>
                                    <option value="">{move || i.t().none}</option>
                                    {move || milestones.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|m| {
                                        let v = m.id.to_string();
                                        let sel = milestone.get_untracked() == v;
                                        view! { <option value=v selected=sel>{m.name}</option> }
                                    }).collect_view()}
                                </select>
                            </div>
                        </div>
                        <div class="field">
                            <div class="label-row">
                                <label for="task-description">{move || i.t().description}</label>
                                <button type="button" class="btn small" on:click=show_preview>
                                    {move || if preview.get().is_some() { i.t().edit } else { i.t().preview }}
                                </button>
                            </div>
                            {move || match preview.get() {
                                Some(html) => view! { <div class="markdown preview" inner_html=html></div> }.into_any(),
                                None => view! {
                                    <textarea id="task-description" rows=6 prop:value=move || description.get()
                                        on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                                }.into_any(),
                            }}
                            <p class="hint">{move || i.t().markdown_hint}</p>
                        </div>
                        <button class="btn primary" type="submit" disabled=move || saving.get()>{move || i.t().save}</button>
                    </fieldset>
                </form>
                <Comments task=id members=member_list can_comment=can_edit is_admin=is_admin names=names />
            </div>
            <div class="stack-cards">
                <Progress task=task.clone() can_post=can_progress names=names reload=reload />
                <Attachments task=id can_upload=can_edit members=member_list />
                <Dependencies task=id project=project_id can_edit=can_edit />
                <SubTasks task=id project=project_id />
                <Activity task=id names=names />
                <p class="muted small">{move || i.t().created_at} " " {move || fmt_time(&created_at, i.lang.get())}</p>
            </div>
        </div>
    }
}
