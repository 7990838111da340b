//! The text: a plain textarea (the browser's own editing, input methods, spell checking and
//! accessibility) with a layer over it that draws the others' selections and carets. The layer
//! repeats the text in the textarea's font, size, padding and wrapping, transparent, so each
//! mark falls on the character the textarea draws there. The layer also gives the box its
//! height — the textarea fills it — so the editor grows with the text, neither scrolls on its
//! own, and no script measures anything.

use leptos::prelude::*;
use tandem_web_logic::coedit::overlay::{Piece, pieces};
use tandem_web_logic::texts::Docs as D;

use super::conn::Link;
use super::use_tx;

#[component]
pub(super) fn Editor(link: Link, #[prop(into)] on_save: Callback<()>) -> impl IntoView {
    let tx = use_tx();
    let area: NodeRef<leptos::html::Textarea> = NodeRef::new();
    area.on_load(move |el| {
        let el: web_sys::HtmlTextAreaElement = el;
        link.attach(el);
    });
    let editable = move || link.synced.get() && link.can_edit.get();
    let keydown = move |ev: leptos::ev::KeyboardEvent| {
        // Ctrl/⌘+S saves a version, as people expect of an editor (not the browser's "save
        // page").
        if (ev.ctrl_key() || ev.meta_key()) && !ev.alt_key() && ev.key().eq_ignore_ascii_case("s") {
            ev.prevent_default();
            if link.can_edit.get_untracked() {
                on_save.run(());
            }
        }
    };
    view! {
        <div class="doc-editor">
            <label for="doc-text" class="sr-only">{move || tx.get(D::editor_label)}</label>
            <textarea id="doc-text" class="doc-input" node_ref=area spellcheck="false"
                readonly=move || !editable()
                aria-describedby="doc-status"
                // Mid-composition states are not edits (the session knows from
                // compositionstart): the committed text is.
                on:input=move |_| link.input()
                on:compositionstart=move |_| link.composition_start()
                on:compositionend=move |_| link.composition_end()
                on:keyup=move |_| link.selection_changed()
                on:mouseup=move |_| link.selection_changed()
                on:select=move |_| link.selection_changed()
                on:focus=move |_| link.selection_changed()
                on:blur=move |_| link.selection_changed()
                on:keydown=keydown
            ></textarea>
            <Marks link=link />
        </div>
    }
}

/// The others' selections and carets over the text.
#[component]
fn Marks(link: Link) -> impl IntoView {
    let tx = use_tx();
    let layer = Memo::new(move |_| {
        let peers = link.peers.get();
        let marks: Vec<_> = peers.iter().map(|p| p.selection).collect();
        let drawn = link.text.with(|t| pieces(t, &marks));
        (drawn, peers)
    });
    move || {
        let (drawn, peers) = layer.get();
        let someone = tx.get(D::someone);
        view! {
            <div class="doc-marks" aria-hidden="true">
                {drawn.into_iter().map(|p| match p {
                    Piece::Text { text, marked: None } => text.into_any(),
                    // Colours go through the style object, never a style attribute: the app's
                    // Content-Security-Policy (style-src 'self') refuses those.
                    Piece::Text { text, marked: Some(i) } => {
                        let light = peers.get(i).map(|p| p.color_light.clone()).unwrap_or_default();
                        view! { <span class="rc-sel" style:background-color=light>{text}</span> }.into_any()
                    }
                    Piece::Caret(i) => {
                        let (color, name) = peers
                            .get(i)
                            .map(|p| (p.color.clone(), p.name.clone()))
                            .unwrap_or_default();
                        let name = if name.is_empty() { someone.clone() } else { name };
                        let label = color.clone();
                        // U+2060 WORD JOINER: gives the caret a line box without a break
                        // opportunity, so the layer wraps exactly as the textarea does.
                        view! {
                            <span class="rc-caret" style:color=color>
                                "\u{2060}"<span class="rc-name" style:background-color=label>{name}</span>
                            </span>
                        }.into_any()
                    }
                }).collect_view()}
                // A trailing line break starts a line in the textarea; in the layer only if
                // something follows it.
                "\u{200b}"
            </div>
        }
    }
}
