//! A document's versions: saving the live text as one (with a note), the list (who, when,
//! the note), two of them compared line by line, and restoring one — which edits the live text,
//! so everyone in the document sees it change, and keeps the text as it was in the history.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_dto::FileVersionResponse;
use tandem_web_logic::files::size;
use tandem_web_logic::texts::Docs as D;
use uuid::Uuid;
use wasm_bindgen::JsCast;

use super::{Ctx, use_ctx, use_tx};
use crate::api;
use crate::components::{CompareText, ErrorBox, Loading, VersionCompare, fmt_time};
use crate::i18n::use_i18n;

/// A modal dialog: the page behind is inert, Escape closes it, focus starts on its first
/// field (or its primary button) and goes back to what opened it.
#[component]
fn Modal(
    #[prop(into)] title: Signal<String>,
    on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let node: NodeRef<leptos::html::Dialog> = NodeRef::new();
    let opener = StoredValue::new_local(
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()),
    );
    node.on_load(move |d| {
        let _ = d.show_modal();
        if let Some(el) = d
            .query_selector("textarea, input, .btn.safe, button.primary")
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    });
    on_cleanup(move || {
        if let Some(el) = opener.try_get_value().flatten()
            && el.is_connected()
        {
            let _ = el.focus();
        }
    });
    view! {
        <dialog node_ref=node class="confirm doc-dialog" aria-labelledby="doc-dialog-title"
            on:cancel=move |ev: leptos::ev::Event| { ev.prevent_default(); on_close.run(()); }>
            <h2 id="doc-dialog-title">{move || title.get()}</h2>
            {children()}
        </dialog>
    }
}

/// "Save version": a note, then the live text becomes the newest version.
#[component]
pub(super) fn SaveDialog(open: RwSignal<bool>) -> impl IntoView {
    let ctx = use_ctx();
    let tx = use_tx();
    let i = use_i18n();
    let note = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let close = Callback::new(move |()| open.set(false));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        let text = note.get_untracked().trim().to_owned();
        let before = ctx.current.get_untracked();
        spawn_local(async move {
            let r = api::docs::save_version(ctx.doc, (!text.is_empty()).then_some(text)).await;
            busy.try_set(false);
            match r {
                Ok(f) => {
                    let n = f.current_version.to_string();
                    let said = if f.current_version == before {
                        tx.fill(D::no_changes, &[&n])
                    } else {
                        tx.fill(D::saved_version, &[&n])
                    };
                    ctx.toaster.success(said);
                    ctx.current.try_set(f.current_version);
                    ctx.versions_changed.try_update(|v| *v += 1);
                    open.try_set(false);
                }
                Err(e) => ctx.fail(&e),
            }
        });
    };
    view! {
        <Modal title=Signal::derive(move || tx.get(D::save_title)) on_close=close>
            <form on:submit=submit>
                <div class="field">
                    <label for="doc-version-note">{move || tx.get(D::note)}</label>
                    <textarea id="doc-version-note" rows="3" maxlength="1000"
                        prop:value=move || note.get()
                        on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                </div>
                <div class="confirm-actions">
                    <button type="button" class="btn" on:click=move |_| close.run(())>{move || i.t().cancel}</button>
                    <button type="submit" id="doc-save-ok" class="btn primary" disabled=move || busy.get()>{move || tx.get(D::save_version)}</button>
                </div>
            </form>
        </Modal>
    }
}

/// The versions, newest first, and the comparison of two.
#[component]
pub(super) fn History() -> impl IntoView {
    let ctx = use_ctx();
    let tx = use_tx();
    let versions = LocalResource::new(move || {
        ctx.versions_changed.track();
        api::files::versions(ctx.doc)
    });
    view! {
        <section class="card doc-history" aria-labelledby="doc-history-title">
            <h2 id="doc-history-title">{move || tx.get(D::history)}</h2>
            {move || match versions.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| versions.refetch()) /> }.into_any(),
                Some(Ok(list)) => view! { <Versions list=list /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Versions(list: Vec<FileVersionResponse>) -> impl IntoView {
    let ctx = use_ctx();
    let tx = use_tx();
    let i = use_i18n();
    let newest = list.first().map(|v| v.number).unwrap_or(1);
    let numbers: Vec<i32> = list.iter().map(|v| v.number).collect();
    // The version waiting for "restore?" to be answered.
    let asking = RwSignal::new(None::<i32>);
    view! {
        <ol class="doc-versions" reversed>
            {list.into_iter().map(|v| {
                let n = v.number;
                let at = v.created_at;
                let by = v.created_by;
                let current = n == newest;
                view! {
                    <li class="doc-version" data-version=n>
                        <div class="doc-version-head">
                            <span class="badge" class:badge-accent=current>"v" {n}</span>
                            {current.then(|| view! { <span class="muted small">{move || tx.get(D::current)}</span> })}
                            <span class="muted small">
                                {move || tx.fill_tracked(D::version_by, &[&ctx.name_of(by), &fmt_time(&at, i.lang.get())])}
                                " · " {size(v.size)}
                            </span>
                        </div>
                        {v.note.clone().map(|note| view! { <p class="doc-version-note pre">{note}</p> })}
                        {(!current).then(|| view! {
                            <Show when=move || ctx.can_edit.get()>
                                <button type="button" class="btn small doc-restore" on:click=move |_| asking.set(Some(n))
                                    aria-label=move || format!("{} v{n}", tx.get(D::restore))>
                                    {move || tx.get(D::restore)}
                                </button>
                            </Show>
                        })}
                    </li>
                }
            }).collect_view()}
        </ol>
        {move || asking.get().map(|n| view! { <RestoreDialog n=n asking=asking /> })}
        {(numbers.len() > 1).then(|| view! { <Compare numbers=numbers /> })}
    }
}

/// "Restore version n?", with what it does to everyone's text.
#[component]
fn RestoreDialog(n: i32, asking: RwSignal<Option<i32>>) -> impl IntoView {
    let ctx = use_ctx();
    let tx = use_tx();
    let i = use_i18n();
    let busy = RwSignal::new(false);
    let close = Callback::new(move |()| asking.set(None));
    let ns = n.to_string();
    let restore = move |_| {
        busy.set(true);
        spawn_local(async move {
            let r = api::docs::restore_version(ctx.doc, n).await;
            busy.try_set(false);
            match r {
                Ok(d) => {
                    ctx.toaster.success(tx.fill(D::restored, &[&n.to_string()]));
                    ctx.current.try_set(d.file.current_version);
                    ctx.versions_changed.try_update(|v| *v += 1);
                    asking.try_set(None);
                }
                Err(e) => ctx.fail(&e),
            }
        });
    };
    view! {
        <Modal title=Signal::derive(move || tx.fill_tracked(D::restore_title, &[&ns])) on_close=close>
            <p>{move || tx.get(D::restore_text)}</p>
            <div class="confirm-actions">
                <button type="button" id="doc-restore-cancel" class="btn safe" on:click=move |_| close.run(())>{move || i.t().cancel}</button>
                <button type="button" id="doc-restore-ok" class="btn primary" disabled=move || busy.get() on:click=restore>{move || tx.get(D::restore)}</button>
            </div>
        </Modal>
    }
}

/// Two versions compared: the server's hunks.
#[component]
fn Compare(numbers: Vec<i32>) -> impl IntoView {
    let ctx = use_ctx();
    let tx = use_tx();
    let text = Callback::new(
        move |(t, ins, del): (CompareText, String, String)| match t {
            CompareText::From => tx.get(D::compare_from),
            CompareText::To => tx.get(D::compare_to),
            CompareText::Go => tx.get(D::compare_go),
            CompareText::Same => tx.get(D::diff_same),
            CompareText::Summary => tx.fill_tracked(D::diff_summary, &[&ins, &del]),
            CompareText::Truncated => tx.get(D::diff_truncated),
            CompareText::NotText => tx.get(D::err_not_text),
        },
    );
    view! {
        <div class="doc-compare">
            <h3>{move || tx.get(D::compare)}</h3>
            <VersionCompare file=ctx.doc numbers=numbers ids="doc-compare" text=text />
        </div>
    }
}

impl Ctx {
    pub fn name_of(&self, user: Uuid) -> String {
        self.members.with(|ms| {
            ms.iter()
                .find(|m| m.user_id == user)
                .map(|m| m.name.clone())
                .unwrap_or_else(|| "—".into())
        })
    }
}
