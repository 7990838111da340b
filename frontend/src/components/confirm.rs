//! "Are you sure?" before destructive or far-reaching actions, drawn by the app rather than the
//! browser's `window.confirm`: that one cannot mark a destructive action as such, titles itself
//! with the site's address, and freezes the whole tab (live updates included) while it is open.
//!
//! A native `<dialog>` opened with `showModal()`: the browser makes the rest of the page inert
//! and puts the dialog in the top layer; Tab is additionally kept between its two buttons (the
//! browser would otherwise let it wander into its own toolbar).
//!
//! ```ignore
//! let confirmer = use_confirmer();
//! let remove = move |_| {
//!     let yes = confirmer.ask(|t| t.confirm_delete, |t| t.delete, ConfirmKind::Danger);
//!     spawn_local(async move {
//!         if !yes.await { return; }
//!         // … delete
//!     });
//! };
//! ```

use std::future::Future;

use futures::channel::oneshot;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::i18n::{Tr, use_i18n};

/// How the confirming button looks: `Danger` (red) for what cannot be undone or cuts someone
/// off (deleting, revoking, deactivating); `Normal` for reversible changes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ConfirmKind {
    Danger,
    Normal,
}

type Text = fn(&'static Tr) -> &'static str;

/// The open question. Texts are looked up when drawn, so switching language updates them.
#[derive(Clone, Copy)]
struct Question {
    text: Text,
    ok: Text,
    kind: ConfirmKind,
}

const OK_ID: &str = "confirm-ok";
const CANCEL_ID: &str = "confirm-cancel";

/// The app's one confirmation dialog, provided in `app.rs` and drawn by [`ConfirmRegion`].
#[derive(Clone, Copy)]
pub struct Confirmer {
    question: RwSignal<Option<Question>>,
    answer: StoredValue<Option<oneshot::Sender<bool>>>,
    // Where focus goes back to when the dialog closes: the button that asked.
    opener: StoredValue<Option<web_sys::HtmlElement>, LocalStorage>,
    dialog: NodeRef<leptos::html::Dialog>,
}

impl Default for Confirmer {
    fn default() -> Self {
        Self::new()
    }
}

impl Confirmer {
    pub fn new() -> Self {
        Self {
            question: RwSignal::new(None),
            answer: StoredValue::new(None),
            opener: StoredValue::new_local(None),
            dialog: NodeRef::new(),
        }
    }

    /// Opens the dialog now (so the element that has focus is the one that asked) and resolves
    /// to whether the user confirmed. Escape, Cancel, or a newer question answer no.
    pub fn ask(self, text: Text, ok: Text, kind: ConfirmKind) -> impl Future<Output = bool> {
        let (tx, rx) = oneshot::channel();
        // Replacing an unanswered question drops its sender, which answers it no.
        self.answer.set_value(Some(tx));
        let active = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if active
            .as_ref()
            .and_then(|e| e.closest("dialog.confirm").ok().flatten())
            .is_none()
        {
            self.opener.set_value(active);
        }
        self.question.set(Some(Question { text, ok, kind }));
        if let Some(d) = self.dialog.get_untracked() {
            if !d.open() {
                let _ = d.show_modal();
            }
            // The safe choice first: Enter or Space right after opening must not destroy anything.
            focus_by_id(CANCEL_ID);
        }
        async move { rx.await.unwrap_or(false) }
    }

    fn answer(&self, yes: bool) {
        if let Some(tx) = self.answer.try_update_value(Option::take).flatten() {
            let _ = tx.send(yes);
        }
        if let Some(d) = self.dialog.get_untracked()
            && d.open()
        {
            d.close();
        }
        if let Some(el) = self.opener.try_update_value(Option::take).flatten()
            && el.is_connected()
        {
            let _ = el.focus();
        }
    }
}

pub fn use_confirmer() -> Confirmer {
    expect_context()
}

fn focus_by_id(id: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// Keeps Tab between the dialog's two buttons.
fn keep_tab_inside(ev: &leptos::ev::KeyboardEvent) {
    if ev.key() != "Tab" {
        return;
    }
    let current = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
        .map(|e| e.id())
        .unwrap_or_default();
    let next = match (ev.shift_key(), current.as_str()) {
        (false, OK_ID) => CANCEL_ID,
        (true, CANCEL_ID) => OK_ID,
        (_, OK_ID | CANCEL_ID) => return,
        // Focus somewhere else inside (the text, after a click): back to the safe button.
        _ => CANCEL_ID,
    };
    ev.prevent_default();
    focus_by_id(next);
}

/// Draws the dialog; placed once, at the app's root.
#[component]
pub fn ConfirmRegion() -> impl IntoView {
    let c = use_confirmer();
    let i = use_i18n();
    let danger = move || {
        c.question
            .with(|q| q.is_some_and(|q| q.kind == ConfirmKind::Danger))
    };
    view! {
        <dialog
            node_ref=c.dialog
            class="confirm"
            role="alertdialog"
            aria-modal="true"
            aria-labelledby="confirm-title"
            aria-describedby="confirm-text"
            // Escape: the browser fires `cancel` and would close the dialog itself.
            on:cancel=move |ev: leptos::ev::Event| {
                ev.prevent_default();
                c.answer(false);
            }
            on:keydown=move |ev| keep_tab_inside(&ev)
        >
            <h2 id="confirm-title">{move || i.t().confirm_title}</h2>
            <p id="confirm-text">{move || c.question.get().map(|q| (q.text)(i.t()))}</p>
            <div class="confirm-actions">
                <button type="button" id=CANCEL_ID class="btn" on:click=move |_| c.answer(false)>
                    {move || i.t().cancel}
                </button>
                <button
                    type="button"
                    id=OK_ID
                    class="btn primary"
                    class:danger=danger
                    on:click=move |_| c.answer(true)
                >
                    {move || c.question.get().map(|q| (q.ok)(i.t()))}
                </button>
            </div>
        </dialog>
    }
}
