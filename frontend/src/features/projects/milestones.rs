//! A project's milestones.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_dto::{CreateMilestoneRequest, MilestoneResponse, UpdateMilestoneRequest};
use uuid::Uuid;

use crate::api::{self};
use crate::components::{ConfirmKind, use_confirmer};
use crate::components::{FormErrors, TextArea, TextField, focus_later, use_toaster};
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
    let confirmer = use_confirmer();
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
        let yes = confirmer.ask(|t| t.confirm_delete, |t| t.delete, ConfirmKind::Danger);
        spawn_local(async move {
            if !yes.await {
                return;
            }
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
                            {list.into_iter().map(|m| view! {
                                <MilestoneItem milestone=m manage=manage remove=Callback::new(remove) reload=reload />
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

/// One milestone of the timeline; administrators edit it in place.
#[component]
fn MilestoneItem(
    milestone: MilestoneResponse,
    manage: bool,
    remove: Callback<Uuid>,
    reload: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let toaster = use_toaster();
    let m = milestone;
    let id = m.id;
    let editing = RwSignal::new(false);
    let name = RwSignal::new(m.name.clone());
    let date = RwSignal::new(m.date.to_string());
    let description = RwSignal::new(m.description.clone().unwrap_or_default());
    let errors = FormErrors::new();
    errors.clear_on_change("name", name);
    errors.clear_on_change("date", date);
    let original = m.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let o = &original;
        let Ok(d) = date.get_untracked().parse::<chrono::NaiveDate>() else {
            errors.set(vec![tandem_dto::FieldError::new(
                "date",
                "required",
                String::new(),
            )]);
            return;
        };
        let new_name = name.get_untracked().trim().to_owned();
        let text = description.get_untracked();
        let new_description = Some(text.trim().to_owned()).filter(|t| !t.is_empty());
        // Only what changed, like every other edit form.
        let body = UpdateMilestoneRequest {
            name: (new_name != o.name).then_some(new_name),
            date: (d != o.date).then_some(d),
            description: (new_description != o.description).then_some(new_description),
        };
        let version = o.version;
        spawn_local(async move {
            match api::projects::update_milestone(id, version, &body).await {
                Ok(_) => {
                    editing.set(false);
                    toaster.success(i.t_untracked().saved);
                    reload.run(());
                }
                Err(e) => {
                    errors.set(e.field_errors().to_vec());
                    toaster.error(&e);
                    // Someone changed it meanwhile: show theirs (the form is redrawn).
                    if e.status() == Some(412) {
                        reload.run(());
                    }
                }
            }
        });
    };
    let form_name = format!("milestone-name-{id}");
    let focus = form_name.clone();
    view! {
        <li class="milestone">
            <Show when=move || editing.get() fallback={
                let m = m.clone();
                let focus = focus.clone();
                move || {
                    let focus = focus.clone();
                    view! {
                        <p class="item-title">{m.name.clone()} " " <span class="muted small">{m.date.to_string()}</span></p>
                        {m.description.clone().map(|d| view! { <p class="muted small">{d}</p> })}
                        {manage.then(|| view! {
                            <div class="actions">
                                <button class="btn small milestone-edit" on:click=move |_| {
                                    editing.set(true);
                                    focus_later(focus.clone());
                                }>{move || i.t().edit}</button>
                                <button class="btn small danger" on:click=move |_| remove.run(id)>{move || i.t().delete}</button>
                            </div>
                        })}
                    }
                }
            }>
                <form class="milestone-form" on:submit=save.clone() novalidate=true aria-label=move || i.t().milestone_edit>
                    <TextField id=form_name.clone() label=|t| t.milestone_name value=name error=errors.for_field("name") required=true />
                    <TextField id=format!("milestone-date-{id}") label=|t| t.date value=date kind="date" error=errors.for_field("date") required=true />
                    <TextArea id=format!("milestone-description-{id}") label=|t| t.description value=description error=errors.for_field("description") rows=2 />
                    <div class="actions">
                        <button class="btn small primary" type="submit">{move || i.t().save}</button>
                        <button class="btn small" type="button" on:click=move |_| editing.set(false)>{move || i.t().cancel}</button>
                    </div>
                </form>
            </Show>
        </li>
    }
}
