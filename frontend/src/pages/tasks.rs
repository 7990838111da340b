//! 任务中心: task lists (a project's, and "my tasks" across projects) with filters kept in the
//! URL, and the task page: fields, description with preview, progress, comments with
//! @-mentions and quick replies, sub-tasks and the activity log.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use tandem_dto::{
    ActivityResponse, CommentRequest, CommentResponse, CreateProgressRequest, CreateTaskRequest,
    MarkdownRequest, MarkdownResponse, MemberResponse, MilestoneResponse, Page, Priority,
    ProgressResponse, ProjectResponse, ProjectRole, QuickReplyResponse, TaskEvent, TaskResponse,
    TaskStatus, UpdateTaskRequest,
};
use uuid::Uuid;

use crate::api::{self, ApiError};
use crate::app::{set_title, use_auth};
use crate::components::{
    Empty, ErrorBox, Loading, Paged, filter_query, fmt_time, replace, use_toaster,
};
use crate::i18n::use_i18n;

pub const STATUSES: [TaskStatus; 5] = [
    TaskStatus::Todo,
    TaskStatus::InProgress,
    TaskStatus::InReview,
    TaskStatus::Done,
    TaskStatus::Archived,
];
pub const PRIORITIES: [Priority; 3] = [Priority::High, Priority::Medium, Priority::Low];

// The statuses a task may move to: the server's own rule (`dto::rules`), so the menu never
// offers a change that would be refused.
use tandem_dto::rules::next_statuses;

fn status_class(s: TaskStatus) -> &'static str {
    match s {
        TaskStatus::Todo => "badge",
        TaskStatus::InProgress => "badge badge-accent",
        TaskStatus::InReview => "badge badge-warn",
        TaskStatus::Done | TaskStatus::Archived => "badge badge-ok",
    }
}

fn priority_class(p: Priority) -> &'static str {
    match p {
        Priority::High => "badge badge-danger",
        Priority::Medium => "badge",
        Priority::Low => "badge badge-muted",
    }
}

/// Changes a task's status: reads its current ETag, then PATCHes with `If-Match`.
pub async fn change_status(id: Uuid, to: TaskStatus) -> Result<TaskResponse, ApiError> {
    let (_, tag) = api::get_tagged::<TaskResponse>(&format!("/tasks/{id}")).await?;
    let body = UpdateTaskRequest {
        status: Some(to),
        ..Default::default()
    };
    api::patch::<_, TaskResponse>(&format!("/tasks/{id}"), &body, tag.as_deref())
        .await
        .map(|(t, _)| t)
}

/// A filterable, pageable task list. Filters live in the URL (`?status=…&q=…`), so a filtered
/// view can be bookmarked and survives a reload.
#[component]
pub fn TaskList(
    /// A project's tasks, or (None) the caller's tasks across projects.
    project: Option<Uuid>,
    /// Names of people by id (assignees).
    #[prop(into)]
    names: Signal<HashMap<Uuid, String>>,
    /// Project names by id (for "my tasks").
    #[prop(into, optional)]
    project_names: Signal<HashMap<Uuid, String>>,
    #[prop(optional)] can_edit: bool,
    /// Bumped by the parent after it created a task.
    #[prop(optional)]
    reload: Option<RwSignal<u32>>,
    /// Choices for the "more filters" of a project's list (empty: not offered).
    #[prop(into, optional)]
    filter_people: Signal<Vec<(Uuid, String)>>,
    #[prop(into, optional)] filter_departments: Signal<Vec<(Uuid, String)>>,
    #[prop(into, optional)] filter_milestones: Signal<Vec<(Uuid, String)>>,
) -> impl IntoView {
    let i = use_i18n();
    let toaster = use_toaster();
    let query = use_query_map();
    let navigate = use_navigate();
    let keys = [
        "status",
        "priority",
        "overdue",
        "assignee_id",
        "department_id",
        "milestone_id",
        "due_after",
        "due_before",
        "q",
        "sort",
    ];
    let param =
        move |k: &'static str| Memo::new(move |_| query.with(|q| q.get(k).unwrap_or_default()));
    let status = param("status");
    let priority = param("priority");
    let overdue = param("overdue");
    let assignee = param("assignee_id");
    let department = param("department_id");
    let milestone = param("milestone_id");
    let due_after = param("due_after");
    let due_before = param("due_before");
    let text = param("q");
    let sort = param("sort");
    let draft = RwSignal::new(text.get_untracked());
    let paged = Paged::<TaskResponse>::new(true);
    let (items, next, loading, failed) = (paged.items, paged.next, paged.loading, paged.failed);

    let load = move |more: bool| {
        let base = match project {
            Some(p) => format!("/projects/{p}/tasks"),
            None => "/me/tasks".to_owned(),
        };
        let filters = filter_query([
            ("limit", "50".to_owned()),
            ("status", status.get_untracked()),
            ("priority", priority.get_untracked()),
            ("overdue", overdue.get_untracked()),
            ("assignee_id", assignee.get_untracked()),
            ("department_id", department.get_untracked()),
            ("milestone_id", milestone.get_untracked()),
            ("due_after", due_after.get_untracked()),
            ("due_before", due_before.get_untracked()),
            ("q", text.get_untracked()),
            ("sort", sort.get_untracked()),
        ]);
        paged.load(format!("{base}{filters}"), more);
    };
    Effect::new(move || {
        status.track();
        priority.track();
        overdue.track();
        assignee.track();
        department.track();
        milestone.track();
        due_after.track();
        due_before.track();
        text.track();
        sort.track();
        if let Some(r) = reload {
            r.track();
        }
        load(false);
    });
    // Live: what colleagues change shows without a reload. With no filter set, an update is
    // applied in place (newer versions only) and a deletion removes the row; a new task, or
    // any change while filters are set (it may enter or leave the filtered set), reloads the
    // first page.
    if let Some(live) = crate::live::use_live() {
        let me = use_auth().user.with_untracked(|u| u.as_ref().map(|u| u.id));
        Effect::watch(
            move || live.event.get(),
            move |ev, _, _| {
                let Some(ev) = ev else { return };
                if !ev.kind.starts_with("task.") {
                    return;
                }
                let in_view = match project {
                    Some(p) => ev.project_id == Some(p),
                    // My tasks: those assigned to me, or one I hold that changed hands.
                    None => {
                        ev.data
                            .get("assignee_id")
                            .and_then(|a| a.as_str())
                            .map(str::to_owned)
                            == me.map(|m| m.to_string())
                            || items.with_untracked(|v| {
                                ev.data
                                    .get("id")
                                    .and_then(|i| i.as_str())
                                    .is_some_and(|id| v.iter().any(|t| t.id.to_string() == id))
                            })
                    }
                };
                if !in_view {
                    return;
                }
                let filtered = keys
                    .iter()
                    .any(|k| query.with_untracked(|q| q.get(k).is_some_and(|v| !v.is_empty())));
                match ev.kind.as_str() {
                    "task.updated" if !filtered && project.is_some() => {
                        if let Ok(e) = serde_json::from_value::<TaskEvent>(ev.data.clone()) {
                            items.update(|v| {
                                if let Some(t) = v.iter_mut().find(|t| t.id == e.id) {
                                    apply_event(t, &e);
                                }
                            });
                        }
                    }
                    "task.deleted" if !filtered => {
                        if let Ok(e) =
                            serde_json::from_value::<tandem_dto::TaskDeletedEvent>(ev.data.clone())
                        {
                            items.update(|v| v.retain(|t| t.id != e.id));
                        }
                    }
                    _ => load(false),
                }
            },
            false,
        );
    }
    let set_filter = move |key: &'static str, value: String| {
        let qs = query.with_untracked(|q| {
            filter_query(keys.map(|k| {
                let v = if k == key {
                    value.clone()
                } else {
                    q.get(k).unwrap_or_default()
                };
                (k, v)
            }))
        });
        let path = web_sys::window()
            .and_then(|w| w.location().pathname().ok())
            .unwrap_or_default();
        navigate(&format!("{path}{qs}"), replace());
    };
    let sf = set_filter.clone();
    let sf2 = set_filter.clone();
    let sf3 = set_filter.clone();
    let sf4 = set_filter.clone();
    let sf5 = set_filter.clone();
    let sf6 = set_filter.clone();
    // A select whose choices arrive with the page's data (people, departments, milestones).
    let choice = move |id: &'static str,
                       label: fn(&'static crate::i18n::Tr) -> &'static str,
                       key: &'static str,
                       current: Memo<String>,
                       options: Signal<Vec<(Uuid, String)>>| {
        let sf = sf6.clone();
        view! {
            <div class="field">
                <label for=id>{move || label(i.t())}</label>
                <select id=id on:change=move |ev| sf(key, event_target_value(&ev))>
                    <option value="" selected=move || current.get().is_empty()>{move || i.t().all}</option>
                    {move || options.get().into_iter().map(|(v, text)| {
                        let v = v.to_string();
                        let here = v.clone();
                        view! { <option value=v selected=move || current.get() == here>{text}</option> }
                    }).collect_view()}
                </select>
            </div>
        }
    };
    let sf7 = set_filter.clone();
    let date = move |id: &'static str,
                     label: fn(&'static crate::i18n::Tr) -> &'static str,
                     key: &'static str,
                     current: Memo<String>| {
        let sf = sf7.clone();
        view! {
            <div class="field">
                <label for=id>{move || label(i.t())}</label>
                <input id=id type="date" prop:value=move || current.get()
                    on:change=move |ev| sf(key, event_target_value(&ev)) />
            </div>
        }
    };
    let more_offered = move || {
        !(filter_people.with(Vec::is_empty)
            && filter_departments.with(Vec::is_empty)
            && filter_milestones.with(Vec::is_empty))
    };
    // Opened by itself when the URL already narrows by one of them.
    let more_open = move || {
        [assignee, department, milestone, due_after, due_before]
            .iter()
            .any(|m| !m.get().is_empty())
    };
    let select = move |id: &'static str,
                       label: fn(&'static crate::i18n::Tr) -> &'static str,
                       current: Memo<String>,
                       options: Vec<(String, Signal<String>)>,
                       on: Callback<String>| {
        view! {
            <div class="field">
                <label for=id>{move || label(i.t())}</label>
                <select id=id prop:value=move || current.get() on:change=move |ev| on.run(event_target_value(&ev))>
                    {options.into_iter().map(|(v, text)| {
                        let sel = current.get_untracked() == v;
                        view! { <option value=v selected=sel>{move || text.get()}</option> }
                    }).collect_view()}
                </select>
            </div>
        }
    };
    let all = move || Signal::derive(move || i.t().all.to_owned());
    let status_options = std::iter::once((String::new(), all()))
        .chain(STATUSES.map(|s| {
            (
                s.as_str().to_owned(),
                Signal::derive(move || i.task_status(s).to_owned()),
            )
        }))
        .collect::<Vec<_>>();
    let priority_options = std::iter::once((String::new(), all()))
        .chain(PRIORITIES.map(|p| {
            (
                p.as_str().to_owned(),
                Signal::derive(move || i.priority(p).to_owned()),
            )
        }))
        .collect::<Vec<_>>();
    let overdue_options = vec![
        (String::new(), all()),
        (
            "true".to_owned(),
            Signal::derive(move || i.t().only_overdue.to_owned()),
        ),
        (
            "false".to_owned(),
            Signal::derive(move || i.t().not_overdue.to_owned()),
        ),
    ];
    let sort_options = vec![
        (
            String::new(),
            Signal::derive(move || i.t().sort_created.to_owned()),
        ),
        (
            "due".to_owned(),
            Signal::derive(move || i.t().sort_due.to_owned()),
        ),
        (
            "priority".to_owned(),
            Signal::derive(move || i.t().sort_priority.to_owned()),
        ),
        (
            "updated".to_owned(),
            Signal::derive(move || i.t().sort_updated.to_owned()),
        ),
    ];
    let change = move |id: Uuid, to: TaskStatus| {
        spawn_local(async move {
            match change_status(id, to).await {
                Ok(t) => {
                    items.update(|v| {
                        if let Some(x) = v.iter_mut().find(|x| x.id == id) {
                            *x = t;
                        }
                    });
                    toaster.success(i.t_untracked().saved);
                }
                Err(e) => toaster.error(&e),
            }
        });
    };
    view! {
        <form class="filters card" role="search" on:submit=move |ev| {
            ev.prevent_default();
            sf("q", draft.get_untracked());
        }>
            <div class="field grow-2">
                <label for="task-q">{move || i.t().search}</label>
                <input id="task-q" type="search" placeholder=move || i.t().search_tasks_placeholder
                    prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev)) />
            </div>
            {select("filter-status", |t| t.status, status, status_options, Callback::new(move |v| sf2("status", v)))}
            {select("filter-priority", |t| t.priority, priority, priority_options, Callback::new(move |v| sf3("priority", v)))}
            {select("filter-overdue", |t| t.overdue_filter, overdue, overdue_options, Callback::new(move |v| sf4("overdue", v)))}
            {select("filter-sort", |t| t.sort_by, sort, sort_options, Callback::new(move |v| sf5("sort", v)))}
            <button class="btn primary" type="submit">{move || i.t().search}</button>
            <Show when=more_offered>
                <details class="more-filters" prop:open=more_open>
                    <summary>{move || i.t().more_filters}</summary>
                    <div class="filters-row">
                        {choice("filter-assignee", |t| t.assignee, "assignee_id", assignee, filter_people)}
                        {choice("filter-department", |t| t.assignee_department, "department_id", department, filter_departments)}
                        {choice("filter-milestone", |t| t.milestone, "milestone_id", milestone, filter_milestones)}
                        {date("filter-due-after", |t| t.due_after, "due_after", due_after)}
                        {date("filter-due-before", |t| t.due_before, "due_before", due_before)}
                    </div>
                </details>
            </Show>
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
                        view! { <Empty title=|t| t.tasks_empty text=|t| t.tasks_empty_text /> }.into_any()
                    };
                }
                view! {
                    <ul class="list tasks">
                        {items.get().into_iter().map(|t| {
                            let id = t.id;
                            let assignee = t.assignee_id.and_then(|a| names.with(|n| n.get(&a).cloned()));
                            let project_name = project_names.with(|n| n.get(&t.project_id).cloned());
                            let status = t.status;
                            let due = t.due_date;
                            view! {
                                <li class="list-item task-row" class:overdue=t.overdue>
                                    <div class="grow">
                                        <a class="item-title" href=format!("/tasks/{id}")>{t.title.clone()}</a>
                                        <p class="badges">
                                            <span class=priority_class(t.priority)>{move || i.priority(t.priority)}</span>
                                            {t.overdue.then(|| view! { <span class="badge badge-danger">{move || i.t().overdue}</span> })}
                                            {t.blocked.then(|| view! { <span class="badge badge-warn">{move || i.t().blocked}</span> })}
                                            {project_name.map(|n| view! { <span class="badge badge-muted">{n}</span> })}
                                        </p>
                                        <p class="muted small">
                                            {move || i.t().assignee} ": " {assignee.clone().unwrap_or_else(|| "—".into())}
                                            " · " {move || i.t().due} ": " {due.map(|d| d.to_string()).unwrap_or_else(|| "—".into())}
                                            " · " {move || i.t().progress} ": " {t.progress} "%"
                                            {(t.subtasks_total > 0).then(|| view! { " · " {move || i.t().subtasks} ": " {t.subtasks_done} "/" {t.subtasks_total} })}
                                        </p>
                                    </div>
                                    {if can_edit {
                                        view! {
                                            <label class="sr-only" for=format!("status-{id}")>{move || i.t().status}</label>
                                            <select id=format!("status-{id}") class="status-select" prop:value=status.as_str()
                                                on:change=move |ev| {
                                                    if let Some(to) = TaskStatus::parse(&event_target_value(&ev)) {
                                                        change(id, to);
                                                    }
                                                }>
                                                {next_statuses(status).into_iter().map(|s| view! {
                                                    <option value=s.as_str() selected=s == status>{move || i.task_status(s)}</option>
                                                }).collect_view()}
                                            </select>
                                        }.into_any()
                                    } else {
                                        view! { <span class=status_class(status)>{move || i.task_status(status)}</span> }.into_any()
                                    }}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <Show when=move || next.get().is_some()>
                        <button class="btn" on:click=move |_| load(true) disabled=move || loading.get()>{move || i.t().load_more}</button>
                    </Show>
                }.into_any()
            }}
        </section>
    }
}

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
        <TaskList project=None names=names project_names=project_names can_edit=true />
    }
}

/// The inline "new task" form of a project page.
#[component]
pub fn NewTaskForm(
    project: Uuid,
    members: Signal<Vec<MemberResponse>>,
    milestones: Signal<Vec<MilestoneResponse>>,
    on_created: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let toaster = use_toaster();
    let title = RwSignal::new(String::new());
    let assignee = RwSignal::new(String::new());
    let priority = RwSignal::new("medium".to_owned());
    let due = RwSignal::new(String::new());
    let milestone = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if title.with_untracked(|t| t.trim().is_empty()) {
            error.set(Some(i.t_untracked().err_required.to_owned()));
            return;
        }
        error.set(None);
        busy.set(true);
        let req = CreateTaskRequest {
            external_key: None,
            title: title.get_untracked().trim().to_owned(),
            description: String::new(),
            assignee_id: assignee.get_untracked().parse().ok(),
            priority: Priority::parse(&priority.get_untracked()),
            start_date: None,
            due_date: due.get_untracked().parse().ok(),
            milestone_id: milestone.get_untracked().parse().ok(),
            parent_id: None,
            estimate_hours: None,
        };
        spawn_local(async move {
            match api::post::<_, TaskResponse>(&format!("/projects/{project}/tasks"), &req).await {
                Ok(_) => {
                    title.set(String::new());
                    due.set(String::new());
                    toaster.success(i.t_untracked().task_created);
                    let _ = on_created.try_run(());
                }
                Err(e) => toaster.error(&e),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="card new-task" on:submit=submit novalidate=true>
            <h2>{move || i.t().task_new}</h2>
            <div class="row">
                <div class="field grow-2" class:invalid=move || error.get().is_some()>
                    <label for="new-task-title">{move || i.t().title}</label>
                    <input id="new-task-title" prop:value=move || title.get()
                        aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                        on:input=move |ev| title.set(event_target_value(&ev)) />
                    <p class="field-error">{move || error.get()}</p>
                </div>
                <div class="field">
                    <label for="new-task-assignee">{move || i.t().assignee}</label>
                    <select id="new-task-assignee" on:change=move |ev| assignee.set(event_target_value(&ev))>
                        <option value="">{move || i.t().unassigned}</option>
                        {move || members.get().into_iter().map(|m| view! {
                            <option value=m.user_id.to_string()>{m.name}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="new-task-priority">{move || i.t().priority}</label>
                    <select id="new-task-priority" prop:value=move || priority.get() on:change=move |ev| priority.set(event_target_value(&ev))>
                        {PRIORITIES.into_iter().map(|p| view! {
                            <option value=p.as_str() selected=p == Priority::Medium>{move || i.priority(p)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="new-task-due">{move || i.t().due}</label>
                    <input id="new-task-due" type="date" prop:value=move || due.get() on:input=move |ev| due.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="new-task-milestone">{move || i.t().milestone}</label>
                    <select id="new-task-milestone" on:change=move |ev| milestone.set(event_target_value(&ev))>
                        <option value="">{move || i.t().none}</option>
                        {move || milestones.get().into_iter().map(|m| view! {
                            <option value=m.id.to_string()>{m.name}</option>
                        }).collect_view()}
                    </select>
                </div>
                <button class="btn primary" type="submit" disabled=move || busy.get()>{move || i.t().add}</button>
            </div>
        </form>
    }
}

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
fn TaskView(task: TaskResponse, etag: Option<String>, reload: Callback<()>) -> impl IntoView {
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

#[component]
fn Progress(
    task: TaskResponse,
    can_post: Signal<bool>,
    names: Signal<HashMap<Uuid, String>>,
    reload: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let toaster = use_toaster();
    let id = task.id;
    let history = LocalResource::new(move || async move {
        api::all::<ProgressResponse>(&format!("/tasks/{id}/progress")).await
    });
    crate::live::on_task_event(task.id, &["progress.created"], move || history.refetch());
    let percent = RwSignal::new(task.progress);
    let note = RwSignal::new(String::new());
    let post = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = CreateProgressRequest {
            percent: percent.get_untracked(),
            note: note.get_untracked(),
        };
        spawn_local(async move {
            match api::post::<_, ProgressResponse>(&format!("/tasks/{id}/progress"), &req).await {
                Ok(_) => {
                    toaster.success(i.t_untracked().progress_posted);
                    note.set(String::new());
                    let _ = reload.try_run(());
                }
                Err(e) => toaster.error(&e),
            }
        });
    };
    view! {
        <section class="card">
            <h2>{move || i.t().progress} " " <span class="muted">{task.progress} "%"</span></h2>
            <div class="progress-bar" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=task.progress>
                <span style:width=format!("{}%", task.progress)></span>
            </div>
            <Show when=move || can_post.get()>
                <form on:submit=post>
                    <div class="field">
                        <label for="progress-percent">{move || i.t().progress_percent} ": " {move || percent.get()} "%"</label>
                        <input id="progress-percent" type="range" min="0" max="100" step="5"
                            prop:value=move || percent.get().to_string()
                            on:input=move |ev| percent.set(event_target_value(&ev).parse().unwrap_or(0)) />
                    </div>
                    <div class="field">
                        <label for="progress-note">{move || i.t().progress_note}</label>
                        <textarea id="progress-note" rows=2 prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                    </div>
                    <button class="btn primary" type="submit">{move || i.t().post_progress}</button>
                </form>
            </Show>
            {move || match history.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| history.refetch()) /> }.into_any(),
                Some(Ok(items)) if items.is_empty() => view! { <p class="muted small">{move || i.t().progress_empty}</p> }.into_any(),
                Some(Ok(items)) => view! {
                    <ul class="list compact">
                        {items.into_iter().rev().map(|p| {
                            let who = names.with(|n| n.get(&p.user_id).cloned()).unwrap_or_default();
                            let at = p.created_at;
                            view! {
                                <li class="list-item">
                                    <div class="grow">
                                        <p><strong>{p.percent} "%"</strong> " " {p.note}</p>
                                        <p class="muted small">{who} " · " {move || fmt_time(&at, i.lang.get())}</p>
                                    </div>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn SubTasks(task: Uuid, project: Uuid) -> impl IntoView {
    let i = use_i18n();
    let subs = LocalResource::new(move || async move {
        api::all::<TaskResponse>(&format!("/projects/{project}/tasks?parent_id={task}")).await
    });
    view! {
        {move || match subs.get() {
            Some(Ok(items)) if !items.is_empty() => view! {
                <section class="card">
                    <h2>{move || i.t().subtasks}</h2>
                    <ul class="list compact">
                        {items.into_iter().map(|s| {
                            let st = s.status;
                            view! {
                                <li class="list-item">
                                    <a class="grow" href=format!("/tasks/{}", s.id)>{s.title}</a>
                                    <span class=status_class(st)>{move || i.task_status(st)}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
            }.into_any(),
            _ => ().into_any(),
        }}
    }
}

#[component]
fn Activity(task: Uuid, names: Signal<HashMap<Uuid, String>>) -> impl IntoView {
    let i = use_i18n();
    let log = LocalResource::new(move || async move {
        api::all::<ActivityResponse>(&format!("/tasks/{task}/activity")).await
    });
    crate::live::on_task_event(
        task,
        &[
            "task.updated",
            "progress.created",
            "comment.created",
            "attachment.created",
        ],
        move || log.refetch(),
    );
    let field_name = move |f: &str| -> String {
        let t = i.t();
        match f {
            "created" => t.act_created,
            "title" => t.title,
            "description" => t.description,
            "assignee_id" => t.assignee,
            "handed_over" => t.act_handed_over,
            "priority" => t.priority,
            "status" => t.status,
            "start_date" => t.start_date,
            "due_date" => t.due,
            "milestone_id" => t.milestone,
            "progress" => t.progress,
            "dependency_added" => t.act_dependency_added,
            "dependency_removed" => t.act_dependency_removed,
            other => return other.to_owned(),
        }
        .to_owned()
    };
    // The server names what an id refers to when the caller may see it; an id it could not
    // name (a task of a project the caller is not in, something deleted) is never shown raw.
    let value = move |field: &str, v: Option<String>, label: Option<String>| -> String {
        let Some(v) = v else { return "—".into() };
        if let Some(l) = label {
            return l;
        }
        match field {
            "status" => TaskStatus::parse(&v)
                .map(|s| i.task_status(s).to_owned())
                .unwrap_or(v),
            "priority" => Priority::parse(&v)
                .map(|p| i.priority(p).to_owned())
                .unwrap_or(v),
            "assignee_id" | "handed_over" | "milestone_id" | "parent_id" | "dependency_added"
            | "dependency_removed" => i.t().act_unnamed.to_owned(),
            "progress" => format!("{v}%"),
            _ => v,
        }
    };
    view! {
        <section class="card">
            <h2>{move || i.t().activity}</h2>
            {move || match log.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| log.refetch()) /> }.into_any(),
                Some(Ok(items)) => view! {
                    <ul class="list compact activity">
                        {items.into_iter().rev().map(|a| {
                            let who = a.actor_name.clone().or_else(|| a.actor_id.and_then(|id| names.with(|n| n.get(&id).cloned()))).unwrap_or_default();
                            let at = a.created_at;
                            let f = a.field.clone();
                            let f2 = a.field.clone();
                            let f3 = a.field.clone();
                            let (old, new) = (a.old_value.clone(), a.new_value.clone());
                            let (old_label, new_label) = (a.old_label.clone(), a.new_label.clone());
                            let created = a.field == "created";
                            view! {
                                <li class="list-item">
                                    <div class="grow">
                                        <p>
                                            <strong>{who}</strong> " " {move || field_name(&f)}
                                            {(!created).then(|| view! { ": " {move || value(&f2, old.clone(), old_label.clone())} " → " {move || value(&f3, new.clone(), new_label.clone())} })}
                                        </p>
                                        <p class="muted small">{move || fmt_time(&at, i.lang.get())}</p>
                                    </div>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}

/// The word being typed after an `@`, if the caret is in one.
fn mention_prefix(text: &str) -> Option<String> {
    let at = text.rfind('@')?;
    let word = &text[at + 1..];
    (!word.contains(char::is_whitespace) && word.chars().count() <= 20).then(|| word.to_owned())
}

#[component]
fn Comments(
    task: Uuid,
    members: Signal<Vec<MemberResponse>>,
    can_comment: Signal<bool>,
    is_admin: Signal<bool>,
    names: Signal<HashMap<Uuid, String>>,
) -> impl IntoView {
    let i = use_i18n();
    let auth = use_auth();
    let toaster = use_toaster();
    let list = LocalResource::new(move || async move {
        api::all::<CommentResponse>(&format!("/tasks/{task}/comments")).await
    });
    crate::live::on_task_event(task, &["comment.created"], move || list.refetch());
    let replies = LocalResource::new(|| api::all::<QuickReplyResponse>("/me/quick-replies"));
    let text = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let me = auth.user.with_untracked(|u| u.as_ref().map(|u| u.id));
    let suggestions = Signal::derive(move || {
        let Some(prefix) = text.with(|t| mention_prefix(t)) else {
            return Vec::new();
        };
        members
            .get()
            .into_iter()
            .filter(|m| m.name.to_lowercase().contains(&prefix.to_lowercase()))
            .take(6)
            .collect::<Vec<_>>()
    });
    let pick = move |name: String| {
        text.update(|t| {
            if let Some(at) = t.rfind('@') {
                t.truncate(at + 1);
                t.push_str(&name);
                t.push(' ');
            }
        });
        // Back to typing, after the inserted name.
        gloo_timers::callback::Timeout::new(0, || {
            if let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("comment-body"))
                .and_then(|e| {
                    wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlTextAreaElement>(e).ok()
                })
            {
                let end = el.value().encode_utf16().count() as u32;
                let _ = el.focus();
                let _ = el.set_selection_range(end, end);
            }
        })
        .forget();
    };
    let post = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if text.with_untracked(|t| t.trim().is_empty()) {
            return;
        }
        busy.set(true);
        let req = CommentRequest {
            external_key: None,
            body: text.get_untracked(),
        };
        spawn_local(async move {
            match api::post::<_, CommentResponse>(&format!("/tasks/{task}/comments"), &req).await {
                Ok(_) => {
                    text.set(String::new());
                    list.refetch();
                }
                Err(e) => toaster.error(&e),
            }
            busy.set(false);
        });
    };
    let remove = move |cid: Uuid| {
        if !crate::pages::profile::confirm(i.t_untracked().confirm_delete) {
            return;
        }
        spawn_local(async move {
            match api::delete(&format!("/comments/{cid}")).await {
                Ok(()) => list.refetch(),
                Err(e) => toaster.error(&e),
            }
        });
    };
    view! {
        <section class="card">
            <h2>{move || i.t().comments}</h2>
            {move || match list.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| list.refetch()) /> }.into_any(),
                Some(Ok(items)) if items.is_empty() => view! { <p class="muted small">{move || i.t().comments_empty}</p> }.into_any(),
                Some(Ok(items)) => view! {
                    <ul class="list comments">
                        {items.into_iter().map(|c| {
                            let who = names.with(|n| n.get(&c.author_id).cloned()).unwrap_or_default();
                            let at = c.created_at;
                            let cid = c.id;
                            let mine = Some(c.author_id) == me;
                            view! {
                                <li class="list-item comment">
                                    <div class="grow">
                                        <p class="muted small"><strong>{who}</strong> " · " {move || fmt_time(&at, i.lang.get())}
                                            {c.edited.then(|| view! { " · " {move || i.t().edited} })}</p>
                                        <div class="markdown" inner_html=c.body_html></div>
                                    </div>
                                    <Show when=move || mine || is_admin.get()>
                                        <button class="btn small danger" on:click=move |_| remove(cid)>{move || i.t().delete}</button>
                                    </Show>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            <Show when=move || can_comment.get()>
                <form class="comment-form" on:submit=post>
                    <div class="field">
                        <label for="comment-body">{move || i.t().comment_new}</label>
                        <textarea id="comment-body" rows=3 prop:value=move || text.get()
                            placeholder=move || i.t().comment_placeholder
                            on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                        <Show when=move || !suggestions.get().is_empty()>
                            <ul class="suggestions" role="listbox" aria-label=move || i.t().mention_someone>
                                {move || suggestions.get().into_iter().map(|m| {
                                    let name = m.name.clone();
                                    view! {
                                        <li role="option">
                                            <button type="button" class="suggestion" on:click=move |_| pick(name.clone())>
                                                "@" {m.name.clone()}
                                            </button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </Show>
                    </div>
                    <div class="actions">
                        <label class="sr-only" for="quick-reply">{move || i.t().quick_replies_title}</label>
                        <select id="quick-reply" on:change=move |ev| {
                            let v = event_target_value(&ev);
                            if let Some(r) = replies.get_untracked().and_then(Result::ok).and_then(|rs| rs.into_iter().find(|r| r.id.to_string() == v)) {
                                text.update(|t| {
                                    if !t.is_empty() && !t.ends_with('\n') { t.push('\n'); }
                                    t.push_str(&r.body);
                                });
                            }
                        }>
                            <option value="">{move || i.t().insert_quick_reply}</option>
                            {move || replies.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|r| view! {
                                <option value=r.id.to_string()>{r.title}</option>
                            }).collect_view()}
                        </select>
                        <button class="btn primary" type="submit" disabled=move || busy.get()>{move || i.t().comment_post}</button>
                    </div>
                </form>
            </Show>
        </section>
    }
}

fn human_size(bytes: i64) -> String {
    let b = bytes as f64;
    if b >= 1024.0 * 1024.0 {
        format!("{:.1} MB", b / 1024.0 / 1024.0)
    } else if b >= 1024.0 {
        format!("{:.0} KB", b / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

/// T5 in the browser: files of the task, uploaded with progress, with who may replace them.
#[component]
pub fn Attachments(
    task: Uuid,
    can_upload: Signal<bool>,
    members: Signal<Vec<MemberResponse>>,
) -> impl IntoView {
    use tandem_dto::{AttachmentPermission, AttachmentResponse, UpdateAttachmentRequest};
    let i = use_i18n();
    let toaster = use_toaster();
    let list = LocalResource::new(move || async move {
        api::all::<AttachmentResponse>(&format!("/tasks/{task}/attachments")).await
    });
    crate::live::on_task_event(task, &["attachment.created"], move || list.refetch());
    let progress = RwSignal::new(None::<f64>);
    let permission = RwSignal::new("project".to_owned());
    let input: NodeRef<leptos::html::Input> = NodeRef::new();
    let send = move |path: String, file: web_sys::File, with_permission: bool| {
        let Ok(form) = web_sys::FormData::new() else {
            return;
        };
        let _ = form.append_with_blob_and_filename("file", &file, &file.name());
        if with_permission {
            let _ = form.append_with_str("permission", &permission.get_untracked());
        }
        progress.set(Some(0.0));
        spawn_local(async move {
            let res = api::upload::<AttachmentResponse>(&path, &form, move |p| {
                progress.try_set(Some(p));
            })
            .await;
            progress.set(None);
            match res {
                Ok(_) => {
                    toaster.success(i.t_untracked().uploaded);
                    list.refetch();
                }
                Err(e) => toaster.error(&e),
            }
        });
    };
    let pick = move |_| {
        let Some(file) = input.get().and_then(|el| el.files()).and_then(|f| f.get(0)) else {
            return;
        };
        send(format!("/tasks/{task}/attachments"), file, true);
        if let Some(el) = input.get() {
            el.set_value("");
        }
    };
    view! {
        <section class="card">
            <h2>{move || i.t().attachments}</h2>
            {move || match list.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| list.refetch()) /> }.into_any(),
                Some(Ok(items)) if items.is_empty() => view! { <p class="muted small">{move || i.t().attachments_empty}</p> }.into_any(),
                Some(Ok(items)) => view! {
                    <ul class="list compact">
                        {items.into_iter().map(|a| {
                            let id = a.id;
                            let name = a.name.clone();
                            let download = move |_| {
                                let name = name.clone();
                                spawn_local(async move {
                                    if let Err(e) = api::download(&format!("/attachments/{id}"), &name).await {
                                        toaster.error(&e);
                                    }
                                });
                            };
                            let version_input: NodeRef<leptos::html::Input> = NodeRef::new();
                            let new_version = move |_| {
                                if let Some(file) = version_input.get().and_then(|el| el.files()).and_then(|f| f.get(0)) {
                                    send(format!("/attachments/{id}/versions"), file, false);
                                }
                            };
                            let set_permission = move |p: String| {
                                let body = UpdateAttachmentRequest { permission: AttachmentPermission::parse(&p), viewers: None };
                                spawn_local(async move {
                                    match api::patch::<_, AttachmentResponse>(&format!("/attachments/{id}"), &body, None).await {
                                        Ok(_) => toaster.success(i.t_untracked().saved),
                                        Err(e) => toaster.error(&e),
                                    }
                                    list.refetch();
                                });
                            };
                            let remove = move |_| {
                                if !crate::pages::profile::confirm(i.t_untracked().confirm_delete) { return; }
                                spawn_local(async move {
                                    match api::delete(&format!("/attachments/{id}")).await {
                                        Ok(()) => list.refetch(),
                                        Err(e) => toaster.error(&e),
                                    }
                                });
                            };
                            let perm = a.permission;
                            let viewers = a.viewers.clone();
                            let restricted_to = {
                                let viewers = viewers.clone();
                                move || {
                                    viewers.as_ref().map(|v| {
                                        let names = members.with(|ms| {
                                            v.iter()
                                                .filter_map(|u| ms.iter().find(|m| m.user_id == *u).map(|m| m.name.clone()))
                                                .collect::<Vec<_>>()
                                        });
                                        format!("{}{}", i.t().visible_only, names.join(i.t().list_separator))
                                    })
                                }
                            };
                            let file_id = format!("version-{id}");
                            let file_for = file_id.clone();
                            view! {
                                <li class="list-item attachment">
                                    <div class="grow">
                                        <button class="link" on:click=download>{a.name.clone()}</button>
                                        <p class="muted small">
                                            {human_size(a.size)} " · v" {a.current_version}
                                            " · " {move || if perm == AttachmentPermission::AssigneeOnly { i.t().perm_assignee_only } else { i.t().perm_project }}
                                            {move || restricted_to().map(|r| view! { " · " <span class="badge">{r}</span> })}
                                        </p>
                                        {a.can_manage.then(|| view! { <ViewerPicker attachment=id current=viewers.clone() members=members saved=Callback::new(move |()| list.refetch()) /> })}
                                    </div>
                                    // Who sees or changes a file is its uploader's and the
                                    // administrators' call; editing it is anyone's who may.
                                    {a.can_manage.then(|| view! {
                                        <label class="sr-only" for=format!("perm-{id}")>{move || i.t().who_can_edit}</label>
                                        <select id=format!("perm-{id}") on:change=move |ev| set_permission(event_target_value(&ev))>
                                            <option value="project" selected=perm == AttachmentPermission::Project>{move || i.t().perm_project}</option>
                                            <option value="assignee_only" selected=perm == AttachmentPermission::AssigneeOnly>{move || i.t().perm_assignee_only}</option>
                                        </select>
                                    })}
                                    {a.can_edit.then(|| view! {
                                        <input id=file_id class="sr-only-file" type="file" node_ref=version_input on:change=new_version />
                                        <label class="btn small" for=file_for>{move || i.t().new_version}</label>
                                        <button class="btn small danger" on:click=remove>{move || i.t().delete}</button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            {move || progress.get().map(|p| view! {
                <div class="progress-bar" role="progressbar" aria-label=move || i.t().uploading
                    aria-valuemin="0" aria-valuemax="100" aria-valuenow=(p * 100.0) as i32>
                    <span style:width=format!("{}%", (p * 100.0) as i32)></span>
                </div>
            })}
            <Show when=move || can_upload.get()>
                <div class="actions">
                    <label class="sr-only" for="attachment-permission">{move || i.t().who_can_edit}</label>
                    <select id="attachment-permission" prop:value=move || permission.get() on:change=move |ev| permission.set(event_target_value(&ev))>
                        <option value="project">{move || i.t().perm_project}</option>
                        <option value="assignee_only">{move || i.t().perm_assignee_only}</option>
                    </select>
                    <input id="attachment-file" class="sr-only-file" type="file" node_ref=input on:change=pick />
                    <label class="btn" for="attachment-file">{move || i.t().upload_file}</label>
                </div>
            </Show>
        </section>
    }
}

/// Who may see an attachment: everyone who sees the task, or only the members ticked here
/// (the uploader and project administrators always do). A `<details>` disclosure, so it is
/// keyboard-usable without extra code.
#[component]
fn ViewerPicker(
    attachment: Uuid,
    current: Option<Vec<Uuid>>,
    members: Signal<Vec<MemberResponse>>,
    saved: Callback<()>,
) -> impl IntoView {
    use tandem_dto::{AttachmentResponse, UpdateAttachmentRequest};
    let i = use_i18n();
    let toaster = use_toaster();
    let restricted = RwSignal::new(current.is_some());
    let chosen = RwSignal::new(current.unwrap_or_default());
    let busy = RwSignal::new(false);
    let group = format!("viewers-{attachment}");
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let viewers = restricted.get_untracked().then(|| chosen.get_untracked());
        let body = UpdateAttachmentRequest {
            permission: None,
            viewers: Some(viewers),
        };
        busy.set(true);
        spawn_local(async move {
            let res = api::patch::<_, AttachmentResponse>(
                &format!("/attachments/{attachment}"),
                &body,
                None,
            )
            .await;
            busy.set(false);
            match res {
                Ok(_) => {
                    toaster.success(i.t_untracked().saved);
                    saved.try_run(());
                }
                Err(e) => toaster.error(&e),
            }
        });
    };
    let (all_id, all_for) = (format!("{group}-all"), format!("{group}-all"));
    let (listed_id, listed_for) = (format!("{group}-listed"), format!("{group}-listed"));
    let group2 = group.clone();
    view! {
        <details class="viewer-picker">
            <summary class="small">{move || i.t().visible_to}</summary>
            <form on:submit=save>
                <fieldset>
                    <legend class="sr-only">{move || i.t().visible_to}</legend>
                    <label for=all_for>
                        <input type="radio" id=all_id name=group
                            prop:checked=move || !restricted.get() on:change=move |_| restricted.set(false) />
                        {move || i.t().visible_all}
                    </label>
                    <label for=listed_for>
                        <input type="radio" id=listed_id name=group2
                            prop:checked=move || restricted.get() on:change=move |_| restricted.set(true) />
                        {move || i.t().visible_listed}
                    </label>
                </fieldset>
                <Show when=move || restricted.get()>
                    <ul class="checklist">
                        {move || members.get().into_iter().map(|m| {
                            let uid = m.user_id;
                            let box_id = format!("{attachment}-{uid}");
                                            let label_for = box_id.clone();
                            view! {
                                <li>
                                    <label for=label_for>
                                        <input type="checkbox" id=box_id
                                            prop:checked=move || chosen.with(|c| c.contains(&uid))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                chosen.update(|c| {
                                                    c.retain(|x| *x != uid);
                                                    if on { c.push(uid); }
                                                });
                                            } />
                                        {m.name.clone()}
                                    </label>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <p class="muted small">{move || i.t().visible_listed_hint}</p>
                </Show>
                <button class="btn small primary" type="submit" disabled=move || busy.get()>{move || i.t().save}</button>
            </form>
        </details>
    }
}

/// T8 in the browser: what this task waits for.
#[component]
pub fn Dependencies(task: Uuid, project: Uuid, can_edit: Signal<bool>) -> impl IntoView {
    use tandem_dto::{CreateDependencyRequest, DependencyResponse};
    let i = use_i18n();
    let toaster = use_toaster();
    let list = LocalResource::new(move || async move {
        api::all::<DependencyResponse>(&format!("/tasks/{task}/dependencies")).await
    });
    crate::live::on_task_event(task, &["task.updated"], move || list.refetch());
    let candidates = LocalResource::new(move || async move {
        api::get::<Page<TaskResponse>>(&format!("/projects/{project}/tasks?limit=200&sort=due"))
            .await
    });
    let chosen = RwSignal::new(String::new());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(depends_on) = chosen.get_untracked().trim().parse::<Uuid>() else {
            toaster.push(
                crate::components::ToastKind::Error,
                i.t_untracked().choose_task,
            );
            return;
        };
        spawn_local(async move {
            match api::post::<_, DependencyResponse>(
                &format!("/tasks/{task}/dependencies"),
                &CreateDependencyRequest { depends_on },
            )
            .await
            {
                Ok(_) => {
                    chosen.set(String::new());
                    list.refetch();
                }
                Err(e) => toaster.error(&e),
            }
        });
    };
    let remove = move |dep: Uuid| {
        spawn_local(async move {
            match api::delete(&format!("/tasks/{task}/dependencies/{dep}")).await {
                Ok(()) => list.refetch(),
                Err(e) => toaster.error(&e),
            }
        });
    };
    view! {
        <section class="card">
            <h2>{move || i.t().dependencies}</h2>
            {move || match list.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| list.refetch()) /> }.into_any(),
                Some(Ok(items)) if items.is_empty() => view! { <p class="muted small">{move || i.t().dependencies_empty}</p> }.into_any(),
                Some(Ok(items)) => view! {
                    <ul class="list compact">
                        {items.into_iter().map(|d| {
                            let dep = d.depends_on_id;
                            let blocking = d.blocking;
                            view! {
                                <li class="list-item">
                                    <div class="grow">
                                        {match d.depends_on.clone() {
                                            Some(t) => view! { <a href=format!("/tasks/{}", t.id)>{t.title}</a> }.into_any(),
                                            None => view! { <span class="muted">{move || i.t().hidden_task}</span> }.into_any(),
                                        }}
                                        " "
                                        {if blocking {
                                            view! { <span class="badge badge-warn">{move || i.t().blocking}</span> }.into_any()
                                        } else {
                                            view! { <span class="badge badge-ok">{move || i.t().ts_done}</span> }.into_any()
                                        }}
                                    </div>
                                    <Show when=move || can_edit.get()>
                                        <button class="btn small danger" on:click=move |_| remove(dep)>{move || i.t().remove}</button>
                                    </Show>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            <Show when=move || can_edit.get()>
                <form class="actions" on:submit=add>
                    <label class="sr-only" for="dependency-task">{move || i.t().depends_on}</label>
                    <select id="dependency-task" prop:value=move || chosen.get() on:change=move |ev| chosen.set(event_target_value(&ev))>
                        <option value="">{move || i.t().choose_task}</option>
                        {move || candidates.get().and_then(Result::ok).map(|p| p.items).unwrap_or_default().into_iter()
                            .filter(|t| t.id != task)
                            .map(|t| view! { <option value=t.id.to_string()>{t.title}</option> })
                            .collect_view()}
                    </select>
                    <button class="btn" type="submit">{move || i.t().add_dependency}</button>
                </form>
            </Show>
        </section>
    }
}

/// A live `task.updated` applied to a task held in a list: every field the event carries,
/// when it is newer than the copy (events can arrive after a newer read). The description
/// is not in events and lists do not show it.
pub(crate) fn apply_event(t: &mut TaskResponse, e: &TaskEvent) {
    if e.version <= t.version {
        return;
    }
    t.title = e.title.clone();
    t.assignee_id = e.assignee_id;
    t.priority = e.priority;
    t.status = e.status;
    t.start_date = e.start_date;
    t.due_date = e.due_date;
    t.milestone_id = e.milestone_id;
    t.parent_id = e.parent_id;
    t.estimate_hours = e.estimate_hours;
    t.progress = e.progress;
    t.overdue = e.overdue;
    t.blocked = e.blocked;
    t.subtasks_total = e.subtasks_total;
    t.subtasks_done = e.subtasks_done;
    t.updated_at = e.updated_at;
    t.version = e.version;
}
