//! What a part of a page shows while it loads, when it is empty, or when loading failed.

use leptos::prelude::*;

use crate::api::ApiError;
use crate::i18n::{Tr, use_i18n};

#[component]
pub fn Loading() -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="loading" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            <span>{move || i.t().loading}</span>
        </div>
    }
}

/// What a list shows when it has nothing yet: what belongs here and how to add it.
#[component]
pub fn Empty(
    title: fn(&'static Tr) -> &'static str,
    text: fn(&'static Tr) -> &'static str,
) -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="empty">
            <p class="empty-title">{move || title(i.t())}</p>
            <p class="muted">{move || text(i.t())}</p>
        </div>
    }
}

/// A failed load with a retry button.
#[component]
pub fn ErrorBox(error: ApiError, retry: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="error-box" role="alert">
            <p>{move || i.api_error(&error)}</p>
            <button class="btn" on:click=move |_| retry.run(())>{move || i.t().retry}</button>
        </div>
    }
}

/// Says so, with a retry, when a supporting list (departments, members) failed to load, so a
/// form's empty choices are never mistaken for "there are none".
#[component]
pub fn LoadFailed<T: Clone + Send + Sync + 'static>(
    resource: LocalResource<Result<T, ApiError>>,
) -> impl IntoView {
    move || match resource.get() {
        Some(Err(e)) => {
            Some(view! { <ErrorBox error=e retry=Callback::new(move |()| resource.refetch()) /> })
        }
        _ => None,
    }
}
