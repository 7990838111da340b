//! A task's sub-tasks.

use leptos::prelude::*;
use tandem_dto::TaskResponse;
use uuid::Uuid;

use super::status_class;
use crate::api::{self};
use crate::i18n::use_i18n;

#[component]
pub(crate) fn SubTasks(task: Uuid, project: Uuid) -> impl IntoView {
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
