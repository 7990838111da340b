//! The task page: its fields, edited as a draft that survives colleagues' changes, and the
//! cards around them. The task itself is read from the task store, so a change made anywhere
//! (this tab, another tab, another person) shows here without a reload, field by field.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map};
use tandem_dto::{
    MarkdownRequest, MarkdownResponse, MemberResponse, MilestoneResponse, ProjectResponse,
    ProjectRole, TaskResponse, TaskStatus,
};
use tandem_web_logic::draft::{Field, TaskDraft, is_empty, rebase, take_theirs};
use tandem_web_logic::texts::Tasks as T;
use uuid::Uuid;

use super::draft::{Conflict, DraftChoice, DraftCtx, DraftInput, Theirs, field_label, merge};
use super::{PRIORITIES, priority_class, status_class};
use super::{
    activity::Activity, attachments::Attachments, comments::Comments, dependencies::Dependencies,
    progress::Progress, subtasks::SubTasks,
};
use crate::api::{self, ApiError};
use crate::components::{
    ConfirmKind, ErrorBox, LoadFailed, Loading, MarkdownEditor, SettledSelect, fmt_time,
    use_confirmer, use_toaster,
};
use crate::i18n::texts::WithTexts;
use crate::i18n::use_i18n;
use crate::shell::set_title;
use crate::state::tasks::{Tasks, use_tasks};
use crate::state::use_auth;
// The statuses a task may move to: the server's own rule (`dto::rules`), so the menu never
// offers a change that would be refused.
use tandem_dto::rules::next_statuses;

/// One task: everything about it on one page.
#[component]
pub fn TaskPage() -> impl IntoView {
    let params = use_params_map();
    let tasks = use_tasks();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|s| s.parse::<Uuid>().ok())));
    let load = LocalResource::new(move || {
        let id = id.get();
        async move {
            match id {
                Some(id) => api::tasks::get(id).await.map(|t| {
                    let id = t.id;
                    tasks.put(t);
                    id
                }),
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
    // Events may have been missed (the socket connected after the read, or reconnected after
    // a gap): read the task again into the store, which takes it when it tells more.
    if let Some(live) = crate::state::live::use_live() {
        Effect::watch(
            move || live.gap.get(),
            move |_, _, _| {
                if let Some(id) = id.get_untracked() {
                    leptos::task::spawn_local(async move {
                        if let Ok(t) = api::tasks::get(id).await {
                            tasks.put(t);
                        }
                    });
                }
            },
            false,
        );
    }
    view! {
        {move || match load.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| load.refetch()) /> }.into_any(),
            // Drawn once per task: later changes flow through the store into its parts.
            Some(Ok(id)) => view! { <WithTexts area="tasks"><TaskView id=id /></WithTexts> }.into_any(),
        }}
    }
}

#[component]
fn TaskView(id: Uuid) -> impl IntoView {
    let tasks = use_tasks();
    let task = tasks.watch(id);
    let Some(initial) = tasks.get_untracked(id) else {
        return view! { <Loading /> }.into_any();
    };
    let deleted = Signal::derive(move || tasks.is_deleted(id));
    let project_id = initial.project_id;
    let tt = super::use_tt();
    view! {
        <Show
            when=move || !deleted.get()
            // Back to its project: the most likely next step.
            fallback=move || view! { <div class="card"><p>{move || tt.get(T::task_deleted_notice)}</p>
                <a class="btn" href=format!("/projects/{project_id}")>{move || use_i18n().t().nav_projects}</a></div> }
        >
            <TaskBody initial=initial.clone() task=task tasks=tasks />
        </Show>
    }
    .into_any()
}

#[component]
fn TaskBody(
    initial: TaskResponse,
    task: Memo<Option<TaskResponse>>,
    tasks: Tasks,
) -> impl IntoView {
    let i = use_i18n();
    let tt = super::use_tt();
    let auth = use_auth();
    let toaster = use_toaster();
    let confirmer = use_confirmer();
    let navigate = use_navigate();
    let id = initial.id;
    let project_id = initial.project_id;
    let project = LocalResource::new(move || async move {
        api::get::<ProjectResponse>(&format!("/projects/{project_id}")).await
    });
    let members = LocalResource::new(move || async move {
        api::all::<MemberResponse>(&format!("/projects/{project_id}/members")).await
    });
    // Someone joining or leaving the project changes who can be assigned or mentioned.
    if let Some(live) = crate::state::live::use_live() {
        Effect::watch(
            move || {
                live.event.with(|e| {
                    e.as_ref().is_some_and(|e| {
                        e.kind.starts_with("member.") && e.project_id == Some(project_id)
                    })
                })
            },
            move |now, _, _| {
                if *now {
                    members.refetch();
                }
            },
            false,
        );
    }
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
    let assignee_now = Memo::new(move |_| task.with(|t| t.as_ref().and_then(|t| t.assignee_id)));
    let can_progress = Signal::derive(move || {
        can_edit.get() && (is_admin.get() || (assignee_now.get() == me && me.is_some()))
    });
    // The server's rule (ProjectAction::ReassignTask): an assigned task changes hands only by
    // its assignee or a project administrator; unassigned work can be given out by editors.
    let can_reassign = Signal::derive(move || {
        let a = assignee_now.get();
        can_edit.get() && (is_admin.get() || a.is_none() || a == me)
    });
    let title_now = Memo::new(move |_| task.with(|t| t.as_ref().map(|t| t.title.clone())));
    Effect::new(move || {
        if let Some(t) = title_now.get() {
            set_title(&t);
        }
    });

    // The draft: the fields as typed, descending from `base` (the copy they started from,
    // whose version goes out as If-Match).
    let base = RwSignal::new(initial.clone());
    let draft = RwSignal::new(TaskDraft::of(&initial));
    let conflict = RwSignal::new(None::<Conflict>);
    let invalid = RwSignal::new(None::<Field>);
    let saving = RwSignal::new(false);

    // A newer copy in the store (a colleague, another tab, our own save seen live) is merged
    // into the draft: untouched fields follow it, typing is kept, and fields both changed are
    // put to the user. Not while a save is on its way (its answer is merged then).
    let reading = StoredValue::new(0i64);
    Effect::new(move || {
        let busy = saving.get();
        let Some(held) = tasks.held(id) else { return };
        if busy || held.task.version <= base.with_untracked(|b| b.version) {
            return;
        }
        if !held.description_current {
            // Events do not carry the description: read the task once per version.
            if reading.get_value() < held.task.version {
                reading.set_value(held.task.version);
                spawn_local(async move {
                    if let Ok(t) = api::tasks::get(id).await {
                        tasks.put(t);
                    }
                });
            }
            return;
        }
        // Whose change it was, when it was heard live and they are a member.
        let by = held.changed_by.and_then(|u| {
            member_list
                .with_untracked(|ms| ms.iter().find(|m| m.user_id == u).map(|m| m.name.clone()))
        });
        merge(held.task, by, base, draft, conflict);
    });

    let send = move |overwrite: bool| {
        let b = base.get_untracked();
        let sent = draft.get_untracked();
        let body = match sent.request(&b) {
            Ok(r) => r,
            Err(f) => {
                invalid.set(Some(f));
                return;
            }
        };
        invalid.set(None);
        if is_empty(&body) {
            toaster.success(tt.untracked(T::nothing_to_save));
            return;
        }
        if conflict.with_untracked(Option::is_some) && !overwrite {
            return;
        }
        saving.set(true);
        spawn_local(async move {
            let mut res = api::tasks::update(id, b.version, &body).await;
            if matches!(&res, Err(e) if e.status() == Some(412)) {
                // Someone saved first. Merge their copy; when they changed other fields only,
                // send ours again on top of theirs, once. Otherwise the user chooses.
                if let Ok(fresh) = api::tasks::get(id).await {
                    tasks.put(fresh.clone());
                    if merge(fresh, None, base, draft, conflict) {
                        let again = draft.get_untracked();
                        let b = base.get_untracked();
                        if let Ok(body) = again.request(&b) {
                            res = api::tasks::update(id, b.version, &body).await;
                        }
                    } else {
                        saving.set(false);
                        return;
                    }
                }
            }
            match res {
                Ok(t) => {
                    // What was typed while the save was on its way stays.
                    let now = draft.get_untracked();
                    draft.set(rebase(&sent, &now, &TaskDraft::of(&t)).draft);
                    base.set(t.clone());
                    conflict.set(None);
                    tasks.put(t);
                    toaster.success(i.t_untracked().saved);
                }
                Err(e) => toaster.error(&e),
            }
            saving.set(false);
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        send(false);
    };
    let take_theirs_now = move |_| {
        if let Some(c) = conflict.get_untracked() {
            let theirs = TaskDraft::of(&c.theirs);
            draft.update(|d| *d = take_theirs(d, &theirs, &c.fields));
            base.set(c.theirs);
            conflict.set(None);
        }
    };
    let overwrite = move |_| {
        if let Some(c) = conflict.get_untracked() {
            // Our draft now descends from their copy: the PATCH carries its ETag.
            base.set(c.theirs);
            conflict.set(None);
            send(true);
        }
    };
    let status = Memo::new(move |_| task.with(|t| t.as_ref().map(|t| t.status)));
    let status_select = SettledSelect::new(move |v| {
        let Some(to) = TaskStatus::parse(&v) else {
            return;
        };
        if Some(to) == status.get_untracked() {
            return;
        }
        let version = tasks.get_untracked(id).map(|t| t.version);
        spawn_local(async move {
            match api::tasks::change_status(id, version, to).await {
                Ok(t) => {
                    tasks.put(t);
                    toaster.success(i.t_untracked().saved);
                }
                Err(e) => toaster.error(&e),
            }
        });
    });
    let remove = move |_| {
        let yes = confirmer.ask(|t| t.confirm_delete_task, |t| t.delete, ConfirmKind::Danger);
        let navigate = navigate.clone();
        spawn_local(async move {
            if !yes.await {
                return;
            }
            match api::tasks::delete(id).await {
                Ok(()) => {
                    toaster.success(tt.untracked(T::task_deleted));
                    navigate(&format!("/projects/{project_id}"), Default::default());
                    tasks.remove(id);
                }
                Err(e) => toaster.error(&e),
            }
        });
    };
    let ctx = DraftCtx {
        draft,
        conflict,
        invalid,
        names,
        milestones,
    };
    // Choices as (value, label): one select component serves all three.
    let assignee_options = Signal::derive(move || {
        std::iter::once((String::new(), i.t().unassigned.to_owned()))
            .chain(
                member_list
                    .get()
                    .into_iter()
                    .map(|m| (m.user_id.to_string(), m.name)),
            )
            .collect::<Vec<_>>()
    });
    let priority_options = Signal::derive(move || {
        PRIORITIES
            .into_iter()
            .map(|p| (p.as_str().to_owned(), i.priority(p).to_owned()))
            .collect::<Vec<_>>()
    });
    let milestone_options = Signal::derive(move || {
        std::iter::once((String::new(), i.t().none.to_owned()))
            .chain(
                milestones
                    .get()
                    .and_then(Result::ok)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|m| (m.id.to_string(), m.name)),
            )
            .collect::<Vec<_>>()
    });
    let created_at = initial.created_at;
    let top_level = initial.parent_id.is_none();
    let overdue = move || task.with(|t| t.as_ref().is_some_and(|t| t.overdue));
    let blocked = move || task.with(|t| t.as_ref().is_some_and(|t| t.blocked));
    let priority = move || task.with(|t| t.as_ref().map(|t| t.priority));
    let risk = move || task.with(|t| t.as_ref().and_then(|t| t.risk.clone()));
    let at_risk = move || risk().is_some_and(|r| r.at_risk);
    view! {
        <p class="crumbs">
            <a href="/projects">{move || i.t().nav_projects}</a> " / "
            <a href=format!("/projects/{project_id}")>{move || project.get().and_then(Result::ok).map(|p| p.name).unwrap_or_default()}</a>
        </p>
        <div class="page-head task-head">
            <div>
                <h1>{move || title_now.get()}</h1>
                <p class="badges">
                    {move || status.get().map(|s| view! { <span class=status_class(s)>{move || i.task_status(s)}</span> })}
                    {move || priority().map(|p| view! { <span class=priority_class(p)>{move || i.priority(p)}</span> })}
                    <Show when=overdue><span class="badge badge-danger">{move || i.t().overdue}</span></Show>
                    <Show when=blocked><span class="badge badge-warn">{move || i.t().blocked}</span></Show>
                    <Show when=at_risk><span class="badge badge-warn">{move || i.t().at_risk}</span></Show>
                </p>
                // B3: why it is flagged, in words; follows the live risk evaluation.
                {move || risk().map(|r| view! {
                    <div class="risk-reasons" role="note">
                        <strong>{move || i.t().risk_reasons}</strong>
                        <ul>
                            {r.reasons.into_iter().map(|x| view! { <li>{move || i.risk_reason(&x)}</li> }).collect_view()}
                        </ul>
                    </div>
                })}
            </div>
            <Show when=move || can_edit.get()>
                <div class="task-actions">
                <div class="field inline">
                    <label for="task-status">{move || i.t().status}</label>
                    // Redrawn when the status changes, so the choices follow the rule.
                    {move || status.get().map(|current| view! {
                        <select id="task-status"
                            on:keydown=move |ev| status_select.keydown(&ev)
                            on:pointerdown=move |_| status_select.pointerdown()
                            on:change=move |ev| status_select.change(&ev)
                            on:blur=move |_| status_select.blur()>
                            {next_statuses(current).into_iter().map(|s| view! {
                                <option value=s.as_str() selected=s == current>{move || i.task_status(s)}</option>
                            }).collect_view()}
                        </select>
                    })}
                </div>
                <button class="btn danger" id="task-delete" on:click=remove.clone()>{move || tt.get(T::delete_task)}</button>
                </div>
            </Show>
        </div>
        <div class="grid-2">
            <div class="stack-cards">
                <form class="card" on:submit=save>
                    <h2>{move || tt.get(T::details)}</h2>
                    {move || conflict.get().map(|c| {
                        let who = c.by.clone().unwrap_or_else(|| tt.get(T::someone_else));
                        let fields = c.fields.iter().map(|f| field_label(i, *f)).collect::<Vec<_>>().join(&tt.get(T::list_separator));
                        view! {
                            <div class="conflict" role="alert">
                                <p><strong>{who}</strong> " " {tt.get(T::conflict_changed)} " " {fields}</p>
                                <p class="muted small">{tt.get(T::conflict_kept)}</p>
                                <div class="actions">
                                    <button type="button" class="btn" id="conflict-take" on:click=take_theirs_now>{tt.get(T::conflict_take_theirs)}</button>
                                    <button type="button" class="btn primary" id="conflict-overwrite" on:click=overwrite>{tt.get(T::conflict_overwrite)}</button>
                                </div>
                            </div>
                        }
                    })}
                    <LoadFailed resource=members />
                    <LoadFailed resource=milestones />
                    <fieldset class="plain" disabled=move || !can_edit.get()>
                        <DraftInput ctx=ctx f=Field::Title id="task-title" label=|t| t.title />
                        <div class="row">
                            <DraftChoice ctx=ctx f=Field::Assignee id="task-assignee" label=|t| t.assignee searchable=true
                                options=assignee_options disabled=Signal::derive(move || !can_reassign.get())
                                hint=Signal::derive(move || (can_edit.get() && !can_reassign.get()).then(|| tt.get(T::reassign_hint))) />
                            <DraftChoice ctx=ctx f=Field::Priority id="task-priority" label=|t| t.priority options=priority_options />
                            <DraftInput ctx=ctx f=Field::Estimate id="task-estimate" label=|t| t.estimate_hours kind="number" />
                        </div>
                        <div class="row">
                            <DraftInput ctx=ctx f=Field::Start id="task-start" label=|t| t.start_date kind="date" />
                            <DraftInput ctx=ctx f=Field::Due id="task-due" label=|t| t.due kind="date" />
                            <DraftChoice ctx=ctx f=Field::Milestone id="task-milestone" label=|t| t.milestone options=milestone_options />
                        </div>
                        <div class="field" class:conflicted=move || ctx.clashing(Field::Description)>
                            <MarkdownEditor id="task-description" label=|t| t.description
                                value=Signal::derive(move || ctx.value(Field::Description))
                                on_change=Callback::new(move |v| ctx.draft.update(|d| d.set(Field::Description, v)))
                                render=|text| async move {
                                    api::post::<_, MarkdownResponse>("/markdown", &MarkdownRequest { text }).await.map(|r| r.html)
                                } />
                            <p class="hint">{move || tt.get(T::markdown_hint)}</p>
                            <Theirs ctx=ctx f=Field::Description />
                        </div>
                        <button class="btn primary" type="submit" disabled=move || saving.get() || conflict.with(Option::is_some)>{move || i.t().save}</button>
                    </fieldset>
                </form>
                <Comments task=id members=member_list can_comment=can_edit is_admin=is_admin names=names />
            </div>
            <div class="stack-cards">
                <Progress task=id current=Signal::derive(move || task.with(|t| t.as_ref().map_or(0, |t| t.progress))) can_post=can_progress names=names />
                <Attachments task=id can_upload=can_edit members=member_list names=names />
                <Dependencies task=id project=project_id can_edit=can_edit />
                // One level of sub-tasks: a sub-task has none of its own.
                {top_level.then(|| view! { <SubTasks task=id project=project_id can_add=can_edit /> })}
                <Activity task=id names=names />
                <p class="muted small">{move || i.t().created_at} " " {move || fmt_time(&created_at, i.lang.get())}</p>
            </div>
        </div>
    }
}
