//! The library's frame: the folder tree (folded away on a phone), the storage bar and the way
//! to the trash beside whichever view is open — a folder's listing, a file's page or the
//! trash — with the upload list, the dialogs and the undo bar over them. Also what keeps it
//! current: colleagues' changes arrive as live events.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_web_logic::texts::Files as F;
use uuid::Uuid;

use super::{Lib, Node, dialogs, file_page, listing, trash, tray, tree, use_lib, use_tx};
use crate::api;
use crate::i18n::use_i18n;

/// Reads the library again when a colleague changes something in it (or events were missed),
/// once per burst of changes.
pub(super) fn follow_live(lib: Lib) {
    let project = lib.project;
    crate::state::live::reread_on(lib.changed, 150, move |e| {
        e.kind == "library.changed" && e.project_id == Some(project)
    });
    // The tree follows every change: a folder renamed, moved, trashed or restored elsewhere.
    Effect::watch(
        move || lib.changed.get(),
        move |_, _, _| lib.reload_folders(),
        false,
    );
}

#[component]
pub(super) fn Frame(
    folder: Memo<Option<Uuid>>,
    file: Memo<Option<Uuid>>,
    trash: Memo<bool>,
) -> impl IntoView {
    let lib = use_lib();
    let tx = use_tx();
    // On a phone the tree is folded behind a button, and folds again once a folder is chosen.
    let side_open = RwSignal::new(false);
    Effect::watch(
        move || (folder.get(), file.get(), trash.get()),
        move |_, _, _| side_open.set(false),
        false,
    );
    let trash_href = format!("/projects/{}/files?view=trash", lib.project);
    // Where the tree marks the reader: the folder shown, the open file's folder, or (in the
    // trash) nowhere.
    let here = Signal::derive(move || {
        if trash.get() {
            None
        } else if file.get().is_some() {
            Some(lib.file_folder.get())
        } else {
            Some(folder.get())
        }
    });
    view! {
        <div class="lib">
            <aside class="lib-side" class:open=move || side_open.get()>
                <button type="button" class="btn small lib-side-toggle" aria-controls="lib-side-body"
                    aria-expanded=move || if side_open.get() { "true" } else { "false" }
                    on:click=move |_| side_open.update(|o| *o = !*o)>
                    <span class="ic-folder" aria-hidden="true"></span>
                    {move || tx.get(F::folders)}
                    <span aria-hidden="true">{move || if side_open.get() { " ▴" } else { " ▾" }}</span>
                </button>
                <div id="lib-side-body" class="lib-side-body">
                    <tree::FolderTree current=here />
                    <a class="tree-link lib-trash-link" href=trash_href
                        aria-current=move || trash.get().then_some("page")>
                        <span class="ic-trash" aria-hidden="true"></span>
                        {move || tx.get(F::trash)}
                    </a>
                    <trash::StorageBar />
                </div>
            </aside>
            <section class="lib-main">
                {move || {
                    if trash.get() {
                        view! { <trash::TrashView /> }.into_any()
                    } else if let Some(id) = file.get() {
                        view! { <file_page::FilePage id=id /> }.into_any()
                    } else {
                        view! { <listing::Listing folder=folder.get() /> }.into_any()
                    }
                }}
            </section>
        </div>
        <tray::Tray />
        <dialogs::Dialogs />
        <UndoBar />
    }
}

/// Puts a folder or file into the trash and offers to take it back for a few seconds.
pub(super) fn to_trash(lib: Lib, node: Node) {
    spawn_local(async move {
        match api::files::trash(node.is_folder(), node.id()).await {
            Ok(()) => {
                let text = lib.tx.fill(F::trashed, &[node.name()]);
                lib.undo.set(Some((text, node)));
                lib.touch();
            }
            Err(e) => lib.fail(&e),
        }
    });
}

/// "Moved to the trash — Undo": a bar at the bottom, announced politely, gone after a while
/// or once used.
#[component]
fn UndoBar() -> impl IntoView {
    let lib = use_lib();
    let tx = use_tx();
    let i = use_i18n();
    // Each new message restarts the clock; an older timer finding a newer message leaves it.
    let shown = StoredValue::new(0u32);
    Effect::watch(
        move || lib.undo.with(Option::is_some),
        move |on, _, _| {
            if !*on {
                return;
            }
            let n = shown.get_value() + 1;
            shown.set_value(n);
            gloo_timers::callback::Timeout::new(8000, move || {
                if shown.try_get_value() == Some(n) {
                    lib.undo.try_set(None);
                }
            })
            .forget();
        },
        false,
    );
    let undo = move |_| {
        let Some((_, node)) = lib.undo.get_untracked() else {
            return;
        };
        lib.undo.set(None);
        spawn_local(async move {
            match api::files::restore(node.is_folder(), node.id()).await {
                Ok(()) => {
                    lib.toaster.success(tx.fill(F::restored, &[node.name()]));
                    lib.touch();
                }
                Err(e) => lib.fail(&e),
            }
        });
    };
    view! {
        <div class="undo-bar" role="status" aria-live="polite">
            {move || lib.undo.get().map(|(text, _)| view! {
                <div class="undo-inner">
                    <span>{text}</span>
                    <button type="button" class="btn small" on:click=undo>{move || tx.get(F::undo)}</button>
                    <button type="button" class="icon-btn" aria-label=move || i.t().close
                        on:click=move |_| lib.undo.set(None)>"×"</button>
                </div>
            })}
        </div>
    }
}
