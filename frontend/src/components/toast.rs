//! Toasts: short confirmations and errors in the corner of the screen.

use leptos::prelude::*;

use crate::api::ApiError;
use crate::i18n::{I18n, use_i18n};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ToastKind {
    Success,
    Error,
}

#[derive(Clone)]
struct Toast {
    id: u64,
    kind: ToastKind,
    text: String,
}

/// Short confirmations and errors in the corner of the screen. It keeps its own handle on the
/// translations: it is mostly called after an `await`, where there is no context to look in.
#[derive(Clone, Copy)]
pub struct Toaster {
    items: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
    i18n: I18n,
}

impl Toaster {
    pub fn new(i18n: I18n) -> Self {
        Self {
            items: RwSignal::new(Vec::new()),
            next: StoredValue::new(0),
            i18n,
        }
    }

    pub fn push(&self, kind: ToastKind, text: impl Into<String>) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.items.update(|v| {
            // A burst of actions shouldn't bury the page: the newest three stay.
            if v.len() >= 3 {
                v.remove(0);
            }
            v.push(Toast {
                id,
                kind,
                text: text.into(),
            })
        });
        let items = self.items;
        // Errors stay longer: they usually need reading.
        let ms = if kind == ToastKind::Error { 8000 } else { 4000 };
        gloo_timers::callback::Timeout::new(ms, move || {
            items.try_update(|v| v.retain(|t| t.id != id));
        })
        .forget();
    }

    pub fn success(&self, text: impl Into<String>) {
        self.push(ToastKind::Success, text);
    }

    /// Shows an API error in the user's language.
    pub fn error(&self, e: &ApiError) {
        if *e != ApiError::SessionExpired {
            self.push(ToastKind::Error, self.i18n.api_error_untracked(e));
        }
    }
}

pub fn use_toaster() -> Toaster {
    expect_context()
}

#[component]
pub fn ToastRegion() -> impl IntoView {
    let toaster = use_toaster();
    let i = use_i18n();
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For
                each=move || toaster.items.get()
                key=|t| t.id
                children=move |t| {
                    let id = t.id;
                    view! {
                        <div class="toast" class:toast-error=t.kind == ToastKind::Error>
                            <span>{t.text}</span>
                            <button
                                class="icon-btn"
                                aria-label=move || i.t().close
                                on:click=move |_| toaster.items.update(|v| v.retain(|x| x.id != id))
                            >
                                "×"
                            </button>
                        </div>
                    }
                }
            />
        </div>
    }
}
