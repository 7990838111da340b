//! The task page's draft: the form's fields as typed, what a colleague's newer copy does to
//! them (merged, or put to the user as a conflict), and the field components that show both.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_dto::{ActivityResponse, MilestoneResponse, TaskResponse};
use tandem_web_logic::draft::{Field, TaskDraft, rebase};
use tandem_web_logic::texts::Tasks as T;
use uuid::Uuid;

use crate::api::{self, ApiError};
use crate::components::Combobox;
use crate::i18n::{I18n, use_i18n};

/// A colleague's newer copy that changed fields the user is also editing.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Conflict {
    pub(super) theirs: TaskResponse,
    pub(super) fields: Vec<Field>,
    /// Who made the change: the live event names them; after a 412, the activity log does.
    pub(super) by: Option<String>,
}

/// What every field of the draft form shares.
#[derive(Clone, Copy)]
pub(super) struct DraftCtx {
    pub(super) draft: RwSignal<TaskDraft>,
    pub(super) conflict: RwSignal<Option<Conflict>>,
    pub(super) invalid: RwSignal<Option<Field>>,
    /// For their copy's values as the user reads them (names, not ids).
    pub(super) names: Signal<HashMap<Uuid, String>>,
    pub(super) milestones: LocalResource<Result<Vec<MilestoneResponse>, ApiError>>,
}

impl DraftCtx {
    pub(super) fn value(&self, f: Field) -> String {
        self.draft.with(|d| d.get(f).to_owned())
    }
    pub(super) fn set(&self, f: Field, ev: &leptos::ev::Event) {
        self.draft.update(|d| d.set(f, event_target_value(ev)));
    }
    pub(super) fn clashing(&self, f: Field) -> bool {
        self.conflict
            .with(|c| c.as_ref().is_some_and(|c| c.fields.contains(&f)))
    }
    fn theirs(&self, f: Field) -> Option<String> {
        let t = self.conflict.with(|c| {
            c.as_ref()
                .filter(|c| c.fields.contains(&f))
                .map(|c| c.theirs.clone())
        })?;
        Some(theirs_text(f, &t, use_i18n(), self.names, self.milestones))
    }
}

/// Their value of a conflicting field, under it.
#[component]
pub(super) fn Theirs(ctx: DraftCtx, f: Field) -> impl IntoView {
    let tt = super::use_tt();
    move || {
        ctx.theirs(f).map(|v| {
            view! { <p class="theirs small">{tt.get(T::conflict_theirs_value)} <span class="theirs-value">{v}</span></p> }
        })
    }
}

/// A text, number or date field of the draft. One component for all of them keeps the wasm
/// small (each distinct view is compiled separately).
#[component]
pub(super) fn DraftInput(
    ctx: DraftCtx,
    f: Field,
    id: &'static str,
    label: fn(&'static crate::i18n::Tr) -> &'static str,
    #[prop(optional)] kind: Option<&'static str>,
) -> impl IntoView {
    let i = use_i18n();
    let tt = super::use_tt();
    let err_id = format!("{id}-error");
    let bad = move || ctx.invalid.get() == Some(f);
    view! {
        <div class="field" class:conflicted=move || ctx.clashing(f) class:invalid=bad>
            <label for=id>{move || label(i.t())}</label>
            <input id=id type=kind.unwrap_or("text") min=kind.map(|_| "0") step=(kind == Some("number")).then_some("0.5")
                prop:value=move || ctx.value(f) on:input=move |ev| ctx.set(f, &ev)
                aria-invalid=move || bad().to_string() aria-describedby=err_id.clone() />
            <p class="field-error" id=err_id>{move || bad().then(|| match f {
                Field::Estimate => tt.get(T::err_hours),
                _ => i.t().err_required.to_owned(),
            })}</p>
            <Theirs ctx=ctx f=f />
        </div>
    }
}

/// A choice of the draft, its options as (value, label): a select, or a searchable combobox
/// for long lists (people). One component for both keeps the label, hint and their value
/// together.
#[component]
pub(super) fn DraftChoice(
    ctx: DraftCtx,
    f: Field,
    id: &'static str,
    label: fn(&'static crate::i18n::Tr) -> &'static str,
    options: Signal<Vec<(String, String)>>,
    #[prop(optional)] searchable: bool,
    #[prop(optional, into)] disabled: Signal<bool>,
    #[prop(optional, into)] hint: Signal<Option<String>>,
) -> impl IntoView {
    let i = use_i18n();
    let hint_id = format!("{id}-hint");
    let described = Signal::derive({
        let hint_id = hint_id.clone();
        move || hint.get().map(|_| hint_id.clone())
    });
    let control = if searchable {
        view! {
            <Combobox id=id options=options value=Signal::derive(move || ctx.value(f))
                on_pick=Callback::new(move |v: String| ctx.draft.update(|d| d.set(f, v)))
                disabled=disabled described_by=described />
        }
        .into_any()
    } else {
        view! {
            <select id=id prop:value=move || ctx.value(f) disabled=move || disabled.get()
                aria-describedby=move || described.get()
                on:change=move |ev| ctx.set(f, &ev)>
                {move || options.get().into_iter().map(|(v, text)| {
                    let sel = ctx.draft.with_untracked(|d| d.get(f) == v);
                    view! { <option value=v selected=sel>{text}</option> }
                }).collect_view()}
            </select>
        }
        .into_any()
    };
    view! {
        <div class="field" class:conflicted=move || ctx.clashing(f)>
            <label for=id>{move || label(i.t())}</label>
            {control}
            {move || hint.get().map(|h| view! { <p id=hint_id.clone() class="muted small">{h}</p> })}
            <Theirs ctx=ctx f=f />
        </div>
    }
}

/// Merges a newer copy into the draft; returns true when nothing conflicts (the draft now
/// descends from it), false when the user must choose (the conflict is shown).
pub(super) fn merge(
    theirs: TaskResponse,
    by: Option<String>,
    base: RwSignal<TaskResponse>,
    draft: RwSignal<TaskDraft>,
    conflict: RwSignal<Option<Conflict>>,
) -> bool {
    let b = base.get_untracked();
    if theirs.version <= b.version {
        return true;
    }
    let r = rebase(
        &TaskDraft::of(&b),
        &draft.get_untracked(),
        &TaskDraft::of(&theirs),
    );
    draft.set(r.draft);
    if r.conflicts.is_empty() {
        base.set(theirs);
        conflict.set(None);
        return true;
    }
    let id = theirs.id;
    let version = theirs.version;
    let known = by.is_some();
    conflict.set(Some(Conflict {
        theirs,
        fields: r.conflicts,
        by,
    }));
    if known {
        return false;
    }
    // Not heard live (a save refused with 412): the newest entry of the activity log names
    // whose change it was.
    spawn_local(async move {
        if let Ok(log) = api::all::<ActivityResponse>(&format!("/tasks/{id}/activity")).await
            && let Some(name) = log.iter().rev().find_map(|a| a.actor_name.clone())
        {
            conflict.try_update(|c| {
                if let Some(c) = c.as_mut().filter(|c| c.theirs.version == version) {
                    c.by = Some(name);
                }
            });
        }
    });
    false
}

pub(super) fn field_label(i: I18n, f: Field) -> &'static str {
    let t = i.t_untracked();
    match f {
        Field::Title => t.title,
        Field::Description => t.description,
        Field::Assignee => t.assignee,
        Field::Priority => t.priority,
        Field::Start => t.start_date,
        Field::Due => t.due,
        Field::Milestone => t.milestone,
        Field::Estimate => t.estimate_hours,
    }
}

/// A field of their copy as the user reads it (names, not ids).
fn theirs_text(
    f: Field,
    t: &TaskResponse,
    i: I18n,
    names: Signal<HashMap<Uuid, String>>,
    milestones: LocalResource<Result<Vec<MilestoneResponse>, ApiError>>,
) -> String {
    let d = TaskDraft::of(t);
    let dash = || "—".to_owned();
    match f {
        Field::Assignee => t.assignee_id.map_or_else(
            || i.t_untracked().unassigned.to_owned(),
            |a| {
                names
                    .with_untracked(|n| n.get(&a).cloned())
                    .unwrap_or_else(dash)
            },
        ),
        Field::Priority => i.priority(t.priority).to_owned(),
        Field::Milestone => t.milestone_id.map_or_else(dash, |m| {
            milestones
                .get_untracked()
                .and_then(Result::ok)
                .and_then(|ms| ms.into_iter().find(|x| x.id == m).map(|x| x.name))
                .unwrap_or_else(dash)
        }),
        other => {
            let v = d.get(other);
            if v.is_empty() { dash() } else { v.to_owned() }
        }
    }
}
