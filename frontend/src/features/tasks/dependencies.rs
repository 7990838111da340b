//! T8 in the browser: what a task waits for.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_dto::{Page, TaskResponse};
use tandem_web_logic::texts::Tasks as T;
use uuid::Uuid;

use crate::api::{self};
use crate::components::{ErrorBox, LoadFailed, Loading, use_toaster};
use crate::i18n::use_i18n;

/// T8 in the browser: what this task waits for.
#[component]
pub fn Dependencies(task: Uuid, project: Uuid, can_edit: Signal<bool>) -> impl IntoView {
    use tandem_dto::{CreateDependencyRequest, DependencyResponse};
    let i = use_i18n();
    let tt = super::use_tt();
    let toaster = use_toaster();
    let list = LocalResource::new(move || async move {
        api::all::<DependencyResponse>(&format!("/tasks/{task}/dependencies")).await
    });
    crate::state::live::on_task_event(task, &["task.updated"], move || list.refetch());
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
                tt.untracked(T::choose_task),
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
                Some(Ok(items)) if items.is_empty() => view! { <p class="muted small">{move || tt.get(T::dependencies_empty)}</p> }.into_any(),
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
                                            None => view! { <span class="muted">{move || tt.get(T::hidden_task)}</span> }.into_any(),
                                        }}
                                        " "
                                        {if blocking {
                                            view! { <span class="badge badge-warn">{move || tt.get(T::blocking)}</span> }.into_any()
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
                <LoadFailed resource=candidates />
                <form class="actions" on:submit=add>
                    <label class="sr-only" for="dependency-task">{move || i.t().depends_on}</label>
                    <select id="dependency-task" prop:value=move || chosen.get() on:change=move |ev| chosen.set(event_target_value(&ev))>
                        <option value="">{move || tt.get(T::choose_task)}</option>
                        {move || candidates.get().and_then(Result::ok).map(|p| p.items).unwrap_or_default().into_iter()
                            .filter(|t| t.id != task)
                            .map(|t| view! { <option value=t.id.to_string()>{t.title}</option> })
                            .collect_view()}
                    </select>
                    <button class="btn" type="submit">{move || tt.get(T::add_dependency)}</button>
                </form>
            </Show>
        </section>
    }
}
