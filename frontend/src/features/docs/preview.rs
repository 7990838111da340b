//! The live preview: the text rendered as the server renders Markdown everywhere in the app
//! (sanitised HTML, `POST /markdown`), a moment after typing pauses. A long document is
//! rendered in pieces (`tandem_web_logic::coedit::preview`); a piece whose text did not change
//! keeps its HTML, so a keystroke costs one small request whatever the document's length.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_web_logic::coedit::preview::{MAX_CHARS, chunks};
use tandem_web_logic::texts::Docs as D;

use super::conn::Link;
use super::use_tx;
use crate::api::{self, ApiError};
use crate::components::{ErrorBox, Loading};

/// How long typing must pause before the preview follows (ms).
const SETTLE_MS: u32 = 300;

#[component]
pub(super) fn Preview(link: Link) -> impl IntoView {
    let tx = use_tx();
    let i = crate::i18n::use_i18n();
    // The last preview made, and why the newest text could not be (offline, say): the last
    // one stays on screen meanwhile.
    let html = RwSignal::new(None::<String>);
    let failed = RwSignal::new(None::<ApiError>);
    // HTML by piece of text, kept between renders (only pieces still in the text).
    let cache = StoredValue::new(HashMap::<String, String>::new());
    // Each render has a number; a slower, older one that finishes late is dropped.
    let generation = StoredValue::new(0u32);
    let render = move || {
        let g = generation.get_value() + 1;
        generation.set_value(g);
        let text = link.text.get_untracked();
        spawn_local(async move {
            let pieces: Vec<String> = chunks(&text, MAX_CHARS)
                .into_iter()
                .map(str::to_owned)
                .collect();
            let missing: Vec<String> = cache.with_value(|c| {
                pieces
                    .iter()
                    .filter(|p| !p.trim().is_empty() && !c.contains_key(*p))
                    .cloned()
                    .collect()
            });
            let got = futures::future::join_all(missing.iter().map(|p| api::docs::render(p))).await;
            if generation.try_get_value() != Some(g) {
                return;
            }
            let mut error = None;
            cache.update_value(|c| {
                for (p, r) in missing.into_iter().zip(got) {
                    match r {
                        Ok(html) => {
                            c.insert(p, html);
                        }
                        Err(e) => error = Some(e),
                    }
                }
            });
            if let Some(e) = error {
                failed.try_set(Some(e));
                return;
            }
            let made = cache.with_value(|c| {
                pieces
                    .iter()
                    .filter_map(|p| c.get(p).map(String::as_str))
                    .collect::<String>()
            });
            cache.update_value(|c| c.retain(|k, _| pieces.contains(k)));
            failed.try_set(None);
            html.try_set(Some(made));
        });
    };
    // After each burst of changes, once typing pauses.
    let pending = StoredValue::new(0u32);
    Effect::watch(
        move || link.text.track(),
        move |_, _, _| {
            let n = pending.get_value() + 1;
            pending.set_value(n);
            gloo_timers::callback::Timeout::new(SETTLE_MS, move || {
                if pending.try_get_value() == Some(n) {
                    render();
                }
            })
            .forget();
        },
        true,
    );
    view! {
        {move || match (html.get(), failed.get()) {
            (None, None) => view! { <Loading /> }.into_any(),
            (None, Some(e)) => view! {
                <p class="muted small">{move || tx.get(D::preview_failed)}</p>
                <ErrorBox error=e retry=Callback::new(move |()| render()) />
            }.into_any(),
            (Some(h), stale) => view! {
                {stale.map(|_| view! {
                    <p class="muted small doc-preview-stale" role="status">
                        {move || tx.get(D::preview_stale)} " "
                        <button type="button" class="btn small" on:click=move |_| render()>{move || i.t().retry}</button>
                    </p>
                })}
                {if h.trim().is_empty() {
                    view! { <p class="muted doc-preview-empty">{move || tx.get(D::preview_empty)}</p> }.into_any()
                } else {
                    view! { <div class="markdown doc-preview" inner_html=h></div> }.into_any()
                }}
            }.into_any(),
        }}
    }
}
