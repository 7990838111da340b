//! A task's activity log, in the reader's language.

use std::collections::HashMap;

use leptos::prelude::*;
use tandem_dto::{ActivityResponse, Priority, TaskStatus};
use tandem_web_logic::texts::Tasks as T;
use uuid::Uuid;

use crate::api::{self};
use crate::components::{ErrorBox, Loading, fmt_time};
use crate::i18n::use_i18n;

#[component]
pub(crate) fn Activity(task: Uuid, names: Signal<HashMap<Uuid, String>>) -> impl IntoView {
    let i = use_i18n();
    let tt = super::use_tt();
    let log = LocalResource::new(move || async move {
        api::all::<ActivityResponse>(&format!("/tasks/{task}/activity")).await
    });
    crate::state::live::on_task_event(
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
        let own = match f {
            "created" => Some(T::act_created),
            "handed_over" => Some(T::act_handed_over),
            "parent_id" => Some(T::parent_task),
            "dependency_added" => Some(T::act_dependency_added),
            "dependency_removed" => Some(T::act_dependency_removed),
            _ => None,
        };
        if let Some(k) = own {
            return tt.get(k);
        }
        match f {
            "title" => t.title,
            "description" => t.description,
            "assignee_id" => t.assignee,
            "priority" => t.priority,
            "status" => t.status,
            "start_date" => t.start_date,
            "due_date" => t.due,
            "milestone_id" => t.milestone,
            "progress" => t.progress,
            "estimate_hours" => t.estimate_hours,
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
            | "dependency_removed" => tt.get(T::act_unnamed),
            "progress" => format!("{v}%"),
            _ => v,
        }
    };
    view! {
        <section class="card">
            <h2>{move || tt.get(T::activity)}</h2>
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
                            // The log does not keep long texts: a description change is named,
                            // not shown as "— → —".
                            let text_only = a.field == "description";
                            view! {
                                <li class="list-item">
                                    <div class="grow">
                                        <p>
                                            <strong>{who}</strong> " " {move || field_name(&f)}
                                            {text_only.then(|| view! { " " {move || tt.get(T::edited)} })}
                                            {(!created && !text_only).then(|| view! { ": " {move || value(&f2, old.clone(), old_label.clone())} " → " {move || value(&f3, new.clone(), new_label.clone())} })}
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
