//! A project's task list and "my tasks": filters kept in the URL, paging, live updates.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};
use tandem_dto::{TaskResponse, TaskStatus};
use tandem_web_logic::texts::Tasks as T;
use uuid::Uuid;

use super::{PRIORITIES, STATUSES, priority_class, status_class};
use crate::components::{
    Empty, ErrorBox, Loading, Paged, SettledSelect, date_or_dash, filter_query, replace,
    use_toaster, with_filter, with_filters,
};
use crate::i18n::use_i18n;
use crate::state::use_auth;
// The statuses a task may move to: the server's own rule (`dto::rules`), so the menu never
// offers a change that would be refused.
use crate::api::tasks::change_status;
use crate::state::tasks::use_tasks;
use tandem_dto::rules::next_statuses;

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
    let tt = super::use_tt();
    let toaster = use_toaster();
    let query = use_query_map();
    let navigate = use_navigate();
    let status_nav = navigate.clone();
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
        "risk",
        "open",
        // The dashboard's workload cells: tasks under way in a week, estimated, (un)dated.
        "starts_before",
        "estimated",
        "dated",
        // `all`: every visible task across projects (`GET /tasks`), where the dashboard's
        // figures lead; otherwise the caller's own (`GET /me/tasks`). Kept like a filter.
        "scope",
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
    // B3: flagged tasks only (`at_risk`, `blocked`, `overdue`), as the dashboard links them.
    let risk = param("risk");
    // `true`: neither done nor archived (offered as a status choice).
    let open = param("open");
    let scope = param("scope");
    // What the server is asked: every filter in the URL as it is (the scope picks the path).
    let filters = Memo::new(move |_| {
        query.with(|q| {
            filter_query(
                std::iter::once(("limit", "50".to_owned())).chain(
                    keys.iter()
                        .filter(|k| **k != "scope")
                        .map(|k| (*k, q.get(k).unwrap_or_default())),
                ),
            )
        })
    });
    let draft = RwSignal::new(text.get_untracked());
    let paged = Paged::<TaskResponse>::new(true);
    let (items, next, loading, failed) = (paged.items, paged.next, paged.loading, paged.failed);
    // Every row read goes to the task store (kept only when newer than the copy held); the
    // list shows the store's copies in the order the server gave.
    let tasks = use_tasks();
    Effect::new(move || items.with(|v| tasks.put_all(v.iter().cloned())));
    let rows = move || {
        let ids = items.with(|v| v.iter().map(|t| t.id).collect::<Vec<_>>());
        tasks.rows(&ids)
    };
    // Only whether there are rows redraws the list; the rows themselves update one by one.
    let empty = Memo::new(move |_| rows().is_empty());

    let load = move |more: bool| {
        let base = match project {
            Some(p) => format!("/projects/{p}/tasks"),
            None if scope.get_untracked() == "all" => "/tasks".to_owned(),
            None => "/me/tasks".to_owned(),
        };
        let filters = filters.get_untracked();
        paged.load(format!("{base}{filters}"), more);
    };
    Effect::new(move || {
        filters.track();
        scope.track();
        if let Some(r) = reload {
            r.track();
        }
        load(false);
    });
    // Live: what colleagues change shows without a reload. With no filter set, an update is
    // applied in place (newer versions only) and a deletion removes the row; a new task, or
    // any change while filters are set (it may enter or leave the filtered set), reloads the
    // first page.
    if let Some(live) = crate::state::live::use_live() {
        // Events may have been missed: read the first page again.
        Effect::watch(move || live.gap.get(), move |_, _, _| load(false), false);
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
                    // The rows are read from the task store, which already holds the new
                    // copy or has dropped the deleted task.
                    "task.updated" if !filtered && project.is_some() => {}
                    "task.deleted" => {}
                    _ => load(false),
                }
            },
            false,
        );
    }
    let set_filter = move |key: &'static str, value: String| {
        let to = query.with_untracked(|q| with_filter(q, &keys, key, &value));
        navigate(&to, replace());
    };
    let sf = set_filter.clone();
    let status_choice = Memo::new(move |_| {
        if open.get() == "true" {
            "open".to_owned()
        } else {
            status.get()
        }
    });
    let sf3 = set_filter.clone();
    let sf4 = set_filter.clone();
    let sf_risk = set_filter.clone();
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
        .chain(std::iter::once((
            "open".to_owned(),
            Signal::derive(move || tt.get(T::open_tasks).to_owned()),
        )))
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
            Signal::derive(move || tt.get(T::only_overdue).to_owned()),
        ),
        (
            "false".to_owned(),
            Signal::derive(move || tt.get(T::not_overdue).to_owned()),
        ),
    ];
    // B3: the last risk evaluation's flags (as the dashboard's figures link them).
    let risk_options = vec![
        (String::new(), all()),
        (
            "at_risk".to_owned(),
            Signal::derive(move || i.t().at_risk.to_owned()),
        ),
        (
            "blocked".to_owned(),
            Signal::derive(move || i.t().blocked.to_owned()),
        ),
        (
            "overdue".to_owned(),
            Signal::derive(move || i.t().overdue.to_owned()),
        ),
    ];
    let sort_options = vec![
        (
            String::new(),
            Signal::derive(move || tt.get(T::sort_created).to_owned()),
        ),
        (
            "due".to_owned(),
            Signal::derive(move || tt.get(T::sort_due).to_owned()),
        ),
        (
            "priority".to_owned(),
            Signal::derive(move || tt.get(T::sort_priority).to_owned()),
        ),
        (
            "updated".to_owned(),
            Signal::derive(move || tt.get(T::sort_updated).to_owned()),
        ),
    ];
    let change = move |id: Uuid, to: TaskStatus| {
        spawn_local(async move {
            let version = tasks.get_untracked(id).map(|t| t.version);
            match change_status(id, version, to).await {
                Ok(t) => {
                    tasks.put(t);
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
            {select("filter-status", |t| t.status, status_choice, status_options, Callback::new(move |v: String| {
                // "Open" is its own parameter (`open=true`), exclusive with one status.
                let to = if v == "open" {
                    query.with_untracked(|q| with_filters(q, &keys, &[("open", "true"), ("status", "")]))
                } else {
                    query.with_untracked(|q| with_filters(q, &keys, &[("status", &v), ("open", "")]))
                };
                status_nav(&to, replace());
            }))}
            {select("filter-priority", |t| t.priority, priority, priority_options, Callback::new(move |v| sf3("priority", v)))}
            {select("filter-overdue", |t| t.overdue_filter, overdue, overdue_options, Callback::new(move |v| sf4("overdue", v)))}
            {select("filter-risk", |t| t.risk_filter, risk, risk_options, Callback::new(move |v| sf_risk("risk", v)))}
            {select("filter-sort", |t| t.sort_by, sort, sort_options, Callback::new(move |v| sf5("sort", v)))}
            <button class="btn primary" type="submit">{move || i.t().search}</button>
            <Show when=more_offered>
                <details class="more-filters" prop:open=more_open>
                    <summary>{move || tt.get(T::more_filters)}</summary>
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
                if empty.get() {
                    return if loading.get() {
                        view! { <Loading /> }.into_any()
                    } else {
                        view! { <Empty title=|t| t.tasks_empty text=|t| t.tasks_empty_text /> }.into_any()
                    };
                }
                view! {
                    <ul class="list tasks">
                        {move || rows().into_iter().map(|t| {
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
                                            {t.risk.clone().filter(|r| r.at_risk).map(|r| {
                                                // The reasons as the badge's tooltip and for screen readers.
                                                let why = move || r.reasons.iter().map(|x| i.risk_reason(x)).collect::<Vec<_>>().join("; ");
                                                view! { <span class="badge badge-warn risk" title=why.clone() aria-label=move || format!("{}: {}", i.t().at_risk, why())>{move || i.t().at_risk}</span> }
                                            })}
                                            {project_name.map(|n| view! { <span class="badge badge-muted">{n}</span> })}
                                        </p>
                                        <p class="muted small">
                                            {move || i.t().assignee} ": " {assignee.clone().unwrap_or_else(|| "—".into())}
                                            " · " {move || i.t().due} ": " {date_or_dash(due)}
                                            " · " {move || i.t().progress} ": " {t.progress} "%"
                                            {(t.subtasks_total > 0).then(|| view! { " · " {move || i.t().subtasks} ": " {t.subtasks_done} "/" {t.subtasks_total} })}
                                        </p>
                                    </div>
                                    {if can_edit {
                                        // Saves once the choice settles, not per arrow key.
                                        let status_select = SettledSelect::new(move |v| {
                                            if let Some(to) = TaskStatus::parse(&v).filter(|to| *to != status) {
                                                change(id, to);
                                            }
                                        });
                                        view! {
                                            <label class="sr-only" for=format!("status-{id}")>{move || i.t().status}</label>
                                            <select id=format!("status-{id}") class="status-select" prop:value=status.as_str()
                                                on:keydown=move |ev| status_select.keydown(&ev)
                                                on:pointerdown=move |_| status_select.pointerdown()
                                                on:change=move |ev| status_select.change(&ev)
                                                on:blur=move |_| status_select.blur()>
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
