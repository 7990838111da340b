//! The new-project form: basics, departments, milestones.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use tandem_dto::{CreateMilestoneRequest, CreateProjectRequest, ProjectResponse};
use uuid::Uuid;

use crate::api::{self};
use crate::components::{FormErrors, LoadFailed, TextArea, TextField, use_toaster};
use crate::i18n::use_i18n;
use crate::shell::set_title;

struct MilestoneDraft {
    name: RwSignal<String>,
    date: RwSignal<String>,
    description: RwSignal<String>,
}

#[component]
pub fn NewProjectPage() -> impl IntoView {
    let i = use_i18n();
    let navigate = use_navigate();
    let toaster = use_toaster();
    Effect::new(move || set_title(i.t().project_new));
    let departments = crate::state::directory::use_directory().departments;
    let name = RwSignal::new(String::new());
    let goal = RwSignal::new(String::new());
    let start = RwSignal::new(String::new());
    let end = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<Uuid>::new());
    let milestones = RwSignal::new(Vec::<(u32, MilestoneDraft)>::new());
    let seq = StoredValue::new(0u32);
    let errors = FormErrors::new();
    errors.clear_on_change("name", name);
    errors.clear_on_change("start_date", start);
    errors.clear_on_change("end_date", end);
    // "ends before it starts" is fixed from either side.
    errors.clear_on_change("end_date", start);
    errors.clear_on_change("department_ids", chosen);
    let busy = RwSignal::new(false);
    let add_milestone = move |_| {
        let n = seq.get_value() + 1;
        seq.set_value(n);
        milestones.update(|m| {
            m.push((
                n,
                MilestoneDraft {
                    name: RwSignal::new(String::new()),
                    date: RwSignal::new(String::new()),
                    description: RwSignal::new(String::new()),
                },
            ))
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut errs = Vec::new();
        errs.extend(tandem_dto::rules::required_text(
            "name",
            &name.get_untracked(),
            200,
        ));
        let start_d = start.get_untracked().parse::<chrono::NaiveDate>().ok();
        let end_d = end.get_untracked().parse::<chrono::NaiveDate>().ok();
        let err = |field: &str, code: &str| tandem_dto::FieldError::new(field, code, String::new());
        if start_d.is_none() {
            errs.push(err("start_date", "required"));
        }
        if end_d.is_none() {
            errs.push(err("end_date", "required"));
        }
        if let (Some(s), Some(e)) = (start_d, end_d)
            && e < s
        {
            errs.push(err("end_date", "before_start"));
        }
        if chosen.with_untracked(Vec::is_empty) {
            errs.push(err("department_ids", "required"));
        }
        let mut ms = Vec::new();
        milestones.with_untracked(|list| {
            for (idx, (_, m)) in list.iter().enumerate() {
                let d = m.date.get_untracked().parse::<chrono::NaiveDate>().ok();
                if m.name.with_untracked(|n| n.trim().is_empty()) || d.is_none() {
                    errs.push(err(&format!("milestones[{idx}]"), "required"));
                    continue;
                }
                if let (Some(d), Some(s), Some(e)) = (d, start_d, end_d)
                    && (d < s || d > e)
                {
                    errs.push(err(&format!("milestones[{idx}]"), "out_of_period"));
                }
                if let Some(d) = d {
                    ms.push(CreateMilestoneRequest {
                        external_key: None,
                        name: m.name.get_untracked().trim().to_owned(),
                        date: d,
                        description: Some(m.description.get_untracked())
                            .filter(|s| !s.trim().is_empty()),
                    });
                }
            }
        });
        errors.set(errs);
        if !errors.is_empty() {
            crate::components::focus_first_invalid();
            return;
        }
        let (Some(start_date), Some(end_date)) = (start_d, end_d) else {
            return;
        };
        let req = CreateProjectRequest {
            external_key: None,
            name: name.get_untracked().trim().to_owned(),
            goal: goal.get_untracked(),
            department_ids: chosen.get_untracked(),
            start_date,
            end_date,
            time_zone: None,
            milestones: ms,
        };
        busy.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::post::<_, ProjectResponse>("/projects", &req).await {
                Ok(p) => {
                    toaster.success(i.t_untracked().project_created);
                    navigate(&format!("/projects/{}", p.id), Default::default());
                }
                Err(e) => {
                    errors.set(e.field_errors().to_vec());
                    toaster.error(&e);
                }
            }
            busy.set(false);
        });
    };
    let milestone_rows = move || {
        milestones.with(|list| {
            list.iter()
                .enumerate()
                .map(|(idx, (k, m))| (idx, *k, m.name, m.date, m.description))
                .collect::<Vec<_>>()
        })
    };
    let milestone_error = move |idx: usize| {
        let key = format!("milestones[{idx}]");
        errors.0.with(|e| {
            e.iter()
                .find(|e| e.field.starts_with(&key))
                .map(|e| i.field_error(e))
        })
    };
    view! {
        <p class="crumbs"><a href="/projects">{move || i.t().nav_projects}</a> " / "</p>
        <div class="page-head"><h1>{move || i.t().project_new}</h1></div>
        <form class="card wizard" on:submit=submit novalidate=true>
            <h2>"1. " {move || i.t().project_basics}</h2>
            <TextField id="name" label=|t| t.project_name value=name error=errors.for_field("name") required=true />
            <TextArea id="goal" label=|t| t.project_goal value=goal error=errors.for_field("goal") rows=3 />
            <div class="row">
                <TextField id="start_date" label=|t| t.start_date value=start kind="date" error=errors.for_field("start_date") required=true />
                <TextField id="end_date" label=|t| t.end_date value=end kind="date" error=errors.for_field("end_date") required=true />
            </div>
            <h2>"2. " {move || i.t().project_departments}</h2>
            <fieldset class="field" class:invalid=move || errors.for_field("department_ids").get().is_some()>
                <legend>{move || i.t().project_departments_hint}</legend>
                <LoadFailed resource=departments />
                <div class="checks">
                    {move || departments.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|d| {
                        let id = d.id;
                        let input_id = format!("dept-{id}");
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
            <h2>"3. " {move || i.t().milestones}</h2>
            <p class="muted small">{move || i.t().milestones_hint}</p>
            <For
                each=milestone_rows
                key=|(_, k, ..)| *k
                children=move |(idx, k, mname, mdate, mdesc)| {
                    view! {
                        <div class="milestone-row" class:invalid=move || milestone_error(idx).is_some()>
                            <div class="field">
                                <label for=format!("ms-name-{k}")>{move || i.t().milestone_name}</label>
                                <input id=format!("ms-name-{k}") prop:value=move || mname.get() on:input=move |ev| mname.set(event_target_value(&ev)) />
                            </div>
                            <div class="field">
                                <label for=format!("ms-date-{k}")>{move || i.t().date}</label>
                                <input id=format!("ms-date-{k}") type="date" prop:value=move || mdate.get() on:input=move |ev| mdate.set(event_target_value(&ev)) />
                            </div>
                            <div class="field grow-2">
                                <label for=format!("ms-desc-{k}")>{move || i.t().description}</label>
                                <input id=format!("ms-desc-{k}") prop:value=move || mdesc.get() on:input=move |ev| mdesc.set(event_target_value(&ev)) />
                            </div>
                            <button type="button" class="btn small danger" on:click=move |_| milestones.update(|m| m.retain(|(x, _)| *x != k))>
                                {move || i.t().remove}
                            </button>
                            <p class="field-error">{move || milestone_error(idx)}</p>
                        </div>
                    }
                }
            />
            <button type="button" class="btn" on:click=add_milestone>{move || i.t().milestone_add}</button>
            <hr />
            <button class="btn primary" type="submit" disabled=move || busy.get()>{move || i.t().project_create}</button>
        </form>
    }
}
