//! Form fields with their labels and errors.

use leptos::prelude::*;
use tandem_dto::FieldError;

use crate::i18n::{Tr, use_i18n};

/// A label, an input tied to it, and the field's error below (announced to screen readers).
#[component]
pub fn TextField(
    #[prop(into)] id: String,
    label: fn(&'static Tr) -> &'static str,
    value: RwSignal<String>,
    #[prop(into, optional)] error: Signal<Option<String>>,
    #[prop(optional)] kind: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] hint: Option<fn(&'static Tr) -> &'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] on_blur: Option<Callback<()>>,
) -> impl IntoView {
    let i = use_i18n();
    let err_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described = if hint.is_some() {
        format!("{err_id} {hint_id}")
    } else {
        err_id.clone()
    };
    view! {
        <div class="field" class:invalid=move || error.get().is_some()>
            <label for=id.clone()>
                {move || label(i.t())}
                {required.then(|| view! { <span class="req" aria-hidden="true">" *"</span> })}
            </label>
            <input
                id=id.clone()
                name=id
                type=kind.unwrap_or("text")
                autocomplete=autocomplete.unwrap_or("off")
                required=required
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                on:blur=move |_| {
                    if let Some(cb) = on_blur {
                        cb.run(());
                    }
                }
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=described
            />
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{move || h(i.t())}</p> })}
            <p class="field-error" id=err_id>{move || error.get()}</p>
        </div>
    }
}

/// A multi-line text field.
#[component]
pub fn TextArea(
    #[prop(into)] id: String,
    label: fn(&'static Tr) -> &'static str,
    value: RwSignal<String>,
    #[prop(into, optional)] error: Signal<Option<String>>,
    #[prop(optional)] rows: Option<u32>,
) -> impl IntoView {
    let i = use_i18n();
    let err_id = format!("{id}-error");
    view! {
        <div class="field" class:invalid=move || error.get().is_some()>
            <label for=id.clone()>{move || label(i.t())}</label>
            <textarea
                id=id.clone()
                name=id
                rows=rows.unwrap_or(3)
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=err_id.clone()
            ></textarea>
            <p class="field-error" id=err_id>{move || error.get()}</p>
        </div>
    }
}

/// Field errors of the last attempt, by field name, shown in the user's language.
#[derive(Clone, Copy)]
pub struct FormErrors(pub RwSignal<Vec<FieldError>>);

impl FormErrors {
    pub fn new() -> Self {
        Self(RwSignal::new(Vec::new()))
    }
    pub fn set(&self, errors: Vec<FieldError>) {
        self.0.set(errors);
    }
    pub fn is_empty(&self) -> bool {
        self.0.with(Vec::is_empty)
    }
    /// Replaces the errors of one field (checked on blur).
    pub fn set_field(&self, field: &str, errors: Vec<FieldError>) {
        self.0.update(|all| {
            all.retain(|e| e.field != field);
            all.extend(errors.into_iter().filter(|e| e.field == field));
        });
    }
    /// Takes a field's error away as soon as its value changes: a corrected field should not
    /// stay red until the next submit.
    pub fn clear_on_change<T>(&self, field: &'static str, value: RwSignal<T>)
    where
        T: Clone + PartialEq + Send + Sync + 'static,
    {
        let errors = self.0;
        Effect::watch(
            move || value.get(),
            move |_, _, _| {
                if errors.with_untracked(|all| all.iter().any(|e| e.field == field)) {
                    errors.update(|all| all.retain(|e| e.field != field));
                }
            },
            false,
        );
    }
    pub fn for_field(&self, field: &'static str) -> Signal<Option<String>> {
        let errors = self.0;
        let i = use_i18n();
        Signal::derive(move || {
            errors.with(|all| {
                all.iter()
                    .find(|e| e.field == field)
                    .map(|e| i.field_error(e))
            })
        })
    }
}

impl Default for FormErrors {
    fn default() -> Self {
        Self::new()
    }
}
