//! A task's progress: the latest percent, posting an update, the history.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_dto::{CreateProgressRequest, ProgressResponse};
use tandem_web_logic::texts::Tasks as T;
use uuid::Uuid;

use crate::api::{self};
use crate::components::{ErrorBox, Loading, fmt_time, use_toaster};
use crate::i18n::use_i18n;
use crate::state::tasks::use_tasks;

#[component]
pub(crate) fn Progress(
    task: Uuid,
    /// The task's percent, from the task store (live).
    current: Signal<i32>,
    can_post: Signal<bool>,
    names: Signal<HashMap<Uuid, String>>,
) -> impl IntoView {
    let i = use_i18n();
    let tt = super::use_tt();
    let toaster = use_toaster();
    let tasks = use_tasks();
    let id = task;
    let history = LocalResource::new(move || async move {
        api::all::<ProgressResponse>(&format!("/tasks/{id}/progress")).await
    });
    crate::state::live::on_task_event(task, &["progress.created"], move || history.refetch());
    let percent = RwSignal::new(current.get_untracked());
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
                    toaster.success(tt.untracked(T::progress_posted));
                    note.set(String::new());
                    // The task's percent changed with it: read the new copy into the store.
                    if let Ok(t) = api::tasks::get(id).await {
                        tasks.put(t);
                    }
                }
                Err(e) => toaster.error(&e),
            }
        });
    };
    view! {
        <section class="card">
            <h2>{move || i.t().progress} " " <span class="muted">{move || current.get()} "%"</span></h2>
            <div class="progress-bar" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=move || current.get()>
                <span style:width=move || format!("{}%", current.get())></span>
            </div>
            <Show when=move || can_post.get()>
                <form on:submit=post>
                    <div class="field">
                        <label for="progress-percent">{move || tt.get(T::progress_percent)} ": " {move || percent.get()} "%"</label>
                        <input id="progress-percent" type="range" min="0" max="100" step="5"
                            prop:value=move || percent.get().to_string()
                            on:input=move |ev| percent.set(event_target_value(&ev).parse().unwrap_or(0)) />
                    </div>
                    <div class="field">
                        <label for="progress-note">{move || tt.get(T::progress_note)}</label>
                        <textarea id="progress-note" rows=2 prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                    </div>
                    <button class="btn primary" type="submit">{move || tt.get(T::post_progress)}</button>
                </form>
            </Show>
            {move || match history.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| history.refetch()) /> }.into_any(),
                Some(Ok(items)) if items.is_empty() => view! { <p class="muted small">{move || tt.get(T::progress_empty)}</p> }.into_any(),
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
