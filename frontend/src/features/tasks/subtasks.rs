//! A task's sub-tasks: listed from the task store (so their status is live) and added in
//! place.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_dto::{CreateTaskRequest, TaskResponse};
use tandem_web_logic::task_store::Outcome;
use tandem_web_logic::texts::Tasks as T;
use uuid::Uuid;

use super::status_class;
use crate::api;
use crate::components::{ErrorBox, Loading, use_toaster};
use crate::i18n::use_i18n;
use crate::state::tasks::use_tasks;

#[component]
pub(crate) fn SubTasks(task: Uuid, project: Uuid, can_add: Signal<bool>) -> impl IntoView {
    let i = use_i18n();
    let tt = super::use_tt();
    let toaster = use_toaster();
    let tasks = use_tasks();
    let subs = LocalResource::new(move || async move {
        let list = api::all::<TaskResponse>(&format!("/projects/{project}/tasks?parent_id={task}"))
            .await?;
        tasks.put_all(list.clone());
        Ok::<_, api::ApiError>(list)
    });
    // A sub-task made elsewhere: read the list again.
    Effect::watch(
        move || tasks.last.get(),
        move |last, _, _| {
            if let Some(Outcome::Created { id, .. }) = last
                && tasks
                    .get_untracked(*id)
                    .is_some_and(|t| t.parent_id == Some(task))
            {
                subs.refetch();
            }
        },
        false,
    );
    let title = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = title.get_untracked().trim().to_owned();
        if text.is_empty() {
            return;
        }
        let req = CreateTaskRequest {
            external_key: None,
            title: text,
            description: String::new(),
            assignee_id: None,
            priority: None,
            start_date: None,
            due_date: None,
            milestone_id: None,
            parent_id: Some(task),
            estimate_hours: None,
        };
        busy.set(true);
        spawn_local(async move {
            match api::tasks::create(project, &req).await {
                Ok(t) => {
                    tasks.put(t);
                    title.set(String::new());
                    toaster.success(tt.untracked(T::task_created));
                    subs.refetch();
                }
                Err(e) => toaster.error(&e),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card subtasks">
            <h2>{move || i.t().subtasks}</h2>
            {move || match subs.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| subs.refetch()) /> }.into_any(),
                Some(Ok(list)) => {
                    let ids = list.iter().map(|t| t.id).collect::<Vec<_>>();
                    let rows = move || tasks.rows(&ids);
                    view! {
                        <Show when={let rows = rows.clone(); move || !rows().is_empty()}
                            fallback=move || view! { <p class="muted small">{move || tt.get(T::subtasks_empty)}</p> }>
                            <ul class="list compact">
                                {let rows = rows.clone(); move || rows().into_iter().map(|s| {
                                    let st = s.status;
                                    view! {
                                        <li class="list-item subtask">
                                            <a class="grow" href=format!("/tasks/{}", s.id)>{s.title}</a>
                                            <span class=status_class(st)>{move || i.task_status(st)}</span>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </Show>
                    }.into_any()
                }
            }}
            <Show when=move || can_add.get()>
                <form class="actions" on:submit=add>
                    <label class="sr-only" for="subtask-title">{move || tt.get(T::subtask_title)}</label>
                    <input id="subtask-title" placeholder=move || tt.get(T::subtask_title)
                        prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev)) />
                    <button class="btn" type="submit" disabled=move || busy.get()>{move || tt.get(T::subtask_new)}</button>
                </form>
            </Show>
        </section>
    }
}
