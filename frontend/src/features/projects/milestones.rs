//! A project's milestones.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_dto::{CreateMilestoneRequest, MilestoneResponse};
use uuid::Uuid;

use crate::api::{self};
use crate::components::confirm;
use crate::components::{FormErrors, TextField, use_toaster};
use crate::i18n::use_i18n;

#[component]
pub(crate) fn Milestones(
    project: Uuid,
    milestones: Signal<Vec<MilestoneResponse>>,
    manage: bool,
    reload: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let toaster = use_toaster();
    let name = RwSignal::new(String::new());
    let date = RwSignal::new(String::new());
    let errors = FormErrors::new();
    errors.clear_on_change("name", name);
    errors.clear_on_change("date", date);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(d) = date.get_untracked().parse::<chrono::NaiveDate>() else {
            errors.set(vec![tandem_dto::FieldError::new(
                "date",
                "required",
                String::new(),
            )]);
            return;
        };
        let req = CreateMilestoneRequest {
            external_key: None,
            name: name.get_untracked().trim().to_owned(),
            date: d,
            description: None,
        };
        spawn_local(async move {
            match api::post::<_, MilestoneResponse>(
                &format!("/projects/{project}/milestones"),
                &req,
            )
            .await
            {
                Ok(_) => {
                    name.set(String::new());
                    date.set(String::new());
                    errors.set(Vec::new());
                    let _ = reload.try_run(());
                }
                Err(e) => {
                    errors.set(e.field_errors().to_vec());
                    toaster.error(&e);
                }
            }
        });
    };
    let remove = move |id: Uuid| {
        if !confirm(i.t_untracked().confirm_delete) {
            return;
        }
        spawn_local(async move {
            match api::delete(&format!("/milestones/{id}")).await {
                Ok(()) => {
                    let _ = reload.try_run(());
                }
                Err(e) => toaster.error(&e),
            }
        });
    };
    view! {
        <div class="grid-2">
            <section class="card">
                <h2>{move || i.t().milestones}</h2>
                {move || {
                    let list = milestones.get();
                    if list.is_empty() {
                        return view! { <p class="muted">{move || i.t().milestones_empty}</p> }.into_any();
                    }
                    view! {
                        <ol class="timeline">
                            {list.into_iter().map(|m| {
                                let id = m.id;
                                view! {
                                    <li>
                                        <p class="item-title">{m.name} " " <span class="muted small">{m.date.to_string()}</span></p>
                                        {m.description.map(|d| view! { <p class="muted small">{d}</p> })}
                                        {manage.then(|| view! { <button class="btn small danger" on:click=move |_| remove(id)>{move || i.t().delete}</button> })}
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                    }.into_any()
                }}
            </section>
            {manage.then(|| view! {
                <form class="card" on:submit=add novalidate=true>
                    <h2>{move || i.t().milestone_add}</h2>
                    <TextField id="milestone-name" label=|t| t.milestone_name value=name error=errors.for_field("name") required=true />
                    <TextField id="milestone-date" label=|t| t.date value=date kind="date" error=errors.for_field("date") required=true />
                    <button class="btn primary" type="submit">{move || i.t().add}</button>
                </form>
            })}
        </div>
    }
}
