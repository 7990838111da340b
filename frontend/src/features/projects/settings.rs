//! A project's settings: name, goal, period, archiving.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_dto::{ProjectResponse, ProjectStatus, UpdateProjectRequest};

use crate::api::{self};
use crate::components::{ConfirmKind, use_confirmer};
use crate::components::{FormErrors, LoadFailed, TextArea, TextField, use_toaster};
use crate::i18n::use_i18n;

#[component]
pub(crate) fn Settings(project: ProjectResponse, reload: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let toaster = use_toaster();
    let confirmer = use_confirmer();
    let pid = project.id;
    let name = RwSignal::new(project.name.clone());
    let goal = RwSignal::new(project.goal.clone());
    let start = RwSignal::new(project.start_date.to_string());
    let end = RwSignal::new(project.end_date.to_string());
    let chosen = RwSignal::new(project.department_ids.clone());
    let departments = crate::state::directory::use_directory().departments;
    let errors = FormErrors::new();
    errors.clear_on_change("name", name);
    errors.clear_on_change("start_date", start);
    errors.clear_on_change("end_date", end);
    // "ends before it starts" is fixed from either side.
    errors.clear_on_change("end_date", start);
    errors.clear_on_change("department_ids", chosen);
    let active = project.status == ProjectStatus::Active;
    let send = move |req: UpdateProjectRequest| {
        spawn_local(async move {
            match api::patch::<_, ProjectResponse>(&format!("/projects/{pid}"), &req, None).await {
                Ok(_) => {
                    toaster.success(i.t_untracked().saved);
                    let _ = reload.try_run(());
                }
                Err(e) => {
                    errors.set(e.field_errors().to_vec());
                    toaster.error(&e);
                }
            }
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let departments = chosen.get_untracked();
        if departments.is_empty() {
            errors.set(vec![tandem_dto::FieldError::new(
                "department_ids",
                "required",
                String::new(),
            )]);
            return;
        }
        send(UpdateProjectRequest {
            name: Some(name.get_untracked().trim().to_owned()),
            goal: Some(goal.get_untracked()),
            start_date: start.get_untracked().parse().ok(),
            end_date: end.get_untracked().parse().ok(),
            department_ids: Some(departments),
            ..Default::default()
        });
    };
    let toggle = move |_| {
        // Archiving makes the project read-only for everyone: marked like a destructive action.
        let (status, yes) = if active {
            let yes = confirmer.ask(
                |t| t.confirm_archive,
                |t| t.archive_project,
                ConfirmKind::Danger,
            );
            (ProjectStatus::Archived, yes)
        } else {
            let yes = confirmer.ask(
                |t| t.confirm_restore,
                |t| t.restore_project,
                ConfirmKind::Normal,
            );
            (ProjectStatus::Active, yes)
        };
        spawn_local(async move {
            if yes.await {
                send(UpdateProjectRequest {
                    status: Some(status),
                    ..Default::default()
                });
            }
        });
    };
    view! {
        <div class="grid-2">
            <form class="card" on:submit=save>
                <h2>{move || i.t().settings}</h2>
                <fieldset class="plain" disabled=!active>
                    <TextField id="settings-name" label=|t| t.project_name value=name error=errors.for_field("name") required=true />
                    <TextArea id="settings-goal" label=|t| t.project_goal value=goal error=errors.for_field("goal") rows=3 />
                    <div class="row">
                        <TextField id="settings-start" label=|t| t.start_date value=start kind="date" error=errors.for_field("start_date") />
                        <TextField id="settings-end" label=|t| t.end_date value=end kind="date" error=errors.for_field("end_date") />
                    </div>
                    <fieldset class="field" class:invalid=move || errors.for_field("department_ids").get().is_some()>
                        <legend>{move || i.t().project_departments}</legend>
                        <LoadFailed resource=departments />
                        <div class="checks">
                            {move || departments.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|d| {
                                let id = d.id;
                                let input_id = format!("settings-dept-{id}");
                                let label_for = input_id.clone();
                                view! {
                                    <label class="check" for=label_for>
                                        <input id=input_id type="checkbox"
                                            prop:checked=move || chosen.with(|c| c.contains(&id))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                chosen.update(|c| {
                                                    c.retain(|x| *x != id);
                                                    if on { c.push(id); }
                                                });
                                            } />
                                        <span>{d.name}</span>
                                    </label>
                                }
                            }).collect_view()}
                        </div>
                        <p class="field-error">{move || errors.for_field("department_ids").get()}</p>
                    </fieldset>
                    <button class="btn primary" type="submit">{move || i.t().save}</button>
                </fieldset>
            </form>
            <section class="card">
                <h2>{move || if active { i.t().archive_project } else { i.t().restore_project }}</h2>
                <p class="muted">{move || if active { i.t().archive_explain } else { i.t().restore_explain }}</p>
                <button class="btn" class:danger=active on:click=toggle>
                    {move || if active { i.t().archive_project } else { i.t().restore_project }}
                </button>
            </section>
        </div>
    }
}
