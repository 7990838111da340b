//! The upload list: a panel in the corner with each upload's progress, its state in words and
//! what can be done with it — cancel, resume, retry, or answer a name clash.

use leptos::prelude::*;
use tandem_web_logic::files::size;
use tandem_web_logic::texts::Files as F;

use super::uploads::{Item, UpState};
use super::{use_lib, use_tx};
use crate::i18n::use_i18n;

/// What needs the reader first: a question (name taken), a failure, a pause; then what is
/// under way; what is finished last.
fn attention_first(mut v: Vec<Item>) -> Vec<Item> {
    let rank = |s: &UpState| match s {
        UpState::Clash(_) => 0,
        UpState::Failed(_) => 1,
        UpState::Paused => 2,
        UpState::Retrying => 3,
        UpState::Sending => 4,
        UpState::Waiting => 5,
        UpState::Done(_) => 6,
        UpState::Cancelled => 7,
    };
    v.sort_by_key(|it| (rank(&it.state), it.id));
    v
}

/// The upload list: a panel in the corner with each upload's progress and what can be done
/// with it; folds to its title.
#[component]
pub(super) fn Tray() -> impl IntoView {
    let lib = use_lib();
    let tx = use_tx();
    let u = lib.uploads;
    let count = move || u.items.with(Vec::len);
    let finished = move || {
        u.items.with(|v| {
            v.iter()
                .filter(|it| matches!(it.state, UpState::Done(_) | UpState::Cancelled))
                .count()
        })
    };
    view! {
        <Show when=move || { count() > 0 }>
            <section class="upload-tray" aria-labelledby="upload-tray-title">
                <div class="tray-head">
                    <h2 id="upload-tray-title">{move || tx.get(F::uploads)} " " <span class="muted">{move || format!("{}/{}", finished(), count())}</span></h2>
                    <Show when=move || { finished() > 0 }>
                        <button type="button" class="btn small" on:click=move |_| u.clear_finished()>{move || tx.get(F::clear_done)}</button>
                    </Show>
                    <button type="button" class="icon-btn" aria-controls="upload-tray-list"
                        aria-expanded=move || if u.open.get() { "true" } else { "false" }
                        aria-label=move || if u.open.get() { tx.get(F::hide) } else { tx.get(F::show) }
                        on:click=move |_| u.open.update(|o| *o = !*o)>
                        {move || if u.open.get() { "▾" } else { "▴" }}
                    </button>
                </div>
                <Show when=move || !u.online.get()>
                    <p class="tray-offline small" role="status">{move || tx.get(F::offline)}</p>
                </Show>
                <ul id="upload-tray-list" class="tray-list" hidden=move || !u.open.get()>
                    <For each=move || attention_first(u.items.get()) key=|it| it.id children=move |it| view! { <Row id=it.id /> } />
                </ul>
            </section>
        </Show>
    }
}

/// One upload in the list.
#[component]
fn Row(id: u64) -> impl IntoView {
    let lib = use_lib();
    let tx = use_tx();
    let i = use_i18n();
    let u = lib.uploads;
    let item = Memo::new(move |_| u.items.with(|v| v.iter().find(|it| it.id == id).cloned()));
    let pct = move || {
        item.with(|it| {
            it.as_ref()
                .map(|it| (it.progress * 100.0).floor() as i32)
                .unwrap_or(0)
        })
    };
    let state = Memo::new(move |_| item.with(|it| it.as_ref().map(|it| it.state.clone())));
    let name = move || item.with(|it| it.as_ref().map(|it| it.name.clone()).unwrap_or_default());
    let status_text = move || match state.get() {
        Some(UpState::Waiting) => tx.get(F::up_waiting),
        Some(UpState::Sending) => format!("{}%", pct()),
        // Only a resumable upload goes on from where it stopped; a plain one starts again.
        Some(UpState::Paused) if item.with(|it| it.as_ref().is_some_and(|it| it.resumable)) => {
            tx.get(F::up_paused)
        }
        Some(UpState::Paused) => tx.get(F::up_paused_restart),
        Some(UpState::Retrying) => tx.get(F::up_retrying),
        Some(UpState::Done(_)) => tx.get(F::up_done),
        Some(UpState::Cancelled) => tx.get(F::up_cancelled),
        Some(UpState::Failed(e)) => tx.error(i, &e),
        Some(UpState::Clash(_)) => tx.fill_tracked(F::up_clash, &[&name()]),
        None => String::new(),
    };
    let can_cancel = move || {
        matches!(
            state.get(),
            Some(
                UpState::Waiting
                    | UpState::Sending
                    | UpState::Paused
                    | UpState::Retrying
                    | UpState::Clash(_)
            )
        )
    };
    let moving = move || {
        matches!(
            state.get(),
            Some(UpState::Waiting | UpState::Sending | UpState::Paused | UpState::Retrying)
        )
    };
    view! {
        <li class="tray-item" data-state=move || match state.get() {
            Some(UpState::Waiting) => "waiting",
            Some(UpState::Sending) => "sending",
            Some(UpState::Paused) => "paused",
            Some(UpState::Retrying) => "retrying",
            Some(UpState::Done(_)) => "done",
            Some(UpState::Cancelled) => "cancelled",
            Some(UpState::Failed(_)) => "failed",
            Some(UpState::Clash(_)) => "clash",
            None => "",
        }>
            <div class="tray-line">
                <span class="tray-name" title=name>{name}</span>
                {move || item.with(|it| it.as_ref().is_some_and(|it| it.resumable)).then(|| view! {
                    <span class="badge" title=move || tx.get(F::resumable)>"tus"</span>
                })}
                <span class="muted small nowrap">{move || item.with(|it| it.as_ref().map(|it| size(it.size as i64)).unwrap_or_default())}</span>
            </div>
            <Show when=moving>
                <div class="progress-bar" role="progressbar" aria-valuemin="0" aria-valuemax="100"
                    aria-valuenow=pct aria-label=name>
                    <span style:width=move || format!("{}%", pct())></span>
                </div>
            </Show>
            <div class="tray-line tray-foot">
                <span class="small tray-status" class:danger-text=move || matches!(state.get(), Some(UpState::Failed(_)))
                    role=move || matches!(state.get(), Some(UpState::Failed(_) | UpState::Clash(_))).then_some("alert")>
                    {status_text}
                </span>
                <span class="actions tray-actions">
                    {move || match state.get() {
                        Some(UpState::Clash(existing)) => view! {
                            {existing.map(|file| view! {
                                <button type="button" class="btn small primary" on:click=move |_| u.as_version(lib, id, file)>{move || tx.get(F::as_new_version)}</button>
                            })}
                            <button type="button" class="btn small" on:click=move |_| u.keep_both(lib, id)>{move || tx.get(F::keep_both)}</button>
                        }.into_any(),
                        Some(UpState::Paused) => view! {
                            <button type="button" class="btn small primary" on:click=move |_| u.retry(lib, id)>{move || tx.get(F::up_resume)}</button>
                        }.into_any(),
                        Some(UpState::Failed(_)) => view! {
                            <button type="button" class="btn small" on:click=move |_| u.retry(lib, id)>{move || i.t().retry}</button>
                        }.into_any(),
                        Some(UpState::Done(file)) => view! {
                            <a class="btn small" href=lib.file_href(file)>{move || tx.get(F::open)}</a>
                        }.into_any(),
                        _ => ().into_any(),
                    }}
                    <Show when=can_cancel>
                        <button type="button" class="btn small" on:click=move |_| u.cancel(id)>{move || i.t().cancel}</button>
                    </Show>
                </span>
            </div>
        </li>
    }
}
