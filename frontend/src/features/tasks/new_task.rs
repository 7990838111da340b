//! The inline "new task" form of a project page.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_dto::{CreateTaskRequest, MemberResponse, MilestoneResponse, Priority, TaskResponse};
use tandem_web_logic::texts::Tasks as T;
use uuid::Uuid;

use super::PRIORITIES;
use crate::api::{self};
use crate::components::{Combobox, use_toaster};
use crate::i18n::use_i18n;

/// The inline "new task" form of a project page.
#[component]
pub fn NewTaskForm(
    project: Uuid,
    members: Signal<Vec<MemberResponse>>,
    milestones: Signal<Vec<MilestoneResponse>>,
    on_created: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let tt = super::use_tt();
    let toaster = use_toaster();
    let title = RwSignal::new(String::new());
    let assignee = RwSignal::new(String::new());
    let priority = RwSignal::new("medium".to_owned());
    let due = RwSignal::new(String::new());
    let milestone = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let assignee_options = Signal::derive(move || {
        std::iter::once((String::new(), i.t().unassigned.to_owned()))
            .chain(
                members
                    .get()
                    .into_iter()
                    .map(|m| (m.user_id.to_string(), m.name)),
            )
            .collect::<Vec<_>>()
    });
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
                    toaster.success(tt.untracked(T::task_created));
                    let _ = on_created.try_run(());
                }
                Err(e) => toaster.error(&e),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="card new-task" on:submit=submit novalidate=true>
            <h2>{move || tt.get(T::task_new)}</h2>
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
                    <Combobox id="new-task-assignee" options=assignee_options value=assignee
                        on_pick=Callback::new(move |v| assignee.set(v)) />
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
