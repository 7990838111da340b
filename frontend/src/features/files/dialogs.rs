//! The library's dialogs: a name (new folder, rename), a folder to move or copy into, a new
//! version with its note, the quota, and permissions (grants.rs). One is open at a time
//! ([`Lib::dialog`]); each is a native modal `<dialog>`: the page behind is inert, Escape
//! closes it, Enter in a field submits, and focus returns to what opened it.

use std::collections::HashSet;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_dto::{FileResponse, FolderResponse, UpdateFileRequest, UpdateFolderRequest};
use tandem_web_logic::files::{children, parse_quota_gb, quota_gb, subtree};
use tandem_web_logic::texts::Files as F;
use uuid::Uuid;
use wasm_bindgen::JsCast;

use super::{Lib, Node, grants, use_lib, use_tx};
use crate::api::{self, ApiError};
use crate::i18n::use_i18n;

/// Which dialog is open.
#[derive(Clone, Default, PartialEq)]
pub(crate) enum Dialog {
    #[default]
    None,
    /// A new folder in this one (`None`: the top).
    NewFolder(Option<Uuid>),
    /// A new co-edited document in this folder (`None`: the top).
    NewDoc(Option<Uuid>),
    Rename(Node),
    Move(Node),
    Copy(Node),
    Grants(Node),
    /// A new version of this file.
    NewVersion(FileResponse),
    /// The project's quota (its current value).
    Quota(Option<i64>),
}

impl Lib {
    /// Opens a dialog, remembering what had focus to give it back on closing.
    pub fn open(&self, d: Dialog) {
        let active = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        self.opener.set_value(active);
        self.dialog.set(d);
    }

    pub fn close_dialog(&self) {
        self.dialog.set(Dialog::None);
        if let Some(el) = self.opener.try_update_value(Option::take).flatten()
            && el.is_connected()
        {
            let _ = el.focus();
        }
    }
}

#[component]
pub(super) fn Dialogs() -> impl IntoView {
    let lib = use_lib();
    move || match lib.dialog.get() {
        Dialog::None => ().into_any(),
        Dialog::NewFolder(parent) => view! { <NameDialog target=None parent=parent /> }.into_any(),
        Dialog::NewDoc(folder) => view! { <NewDocDialog folder=folder /> }.into_any(),
        Dialog::Rename(node) => view! { <NameDialog target=Some(node) parent=None /> }.into_any(),
        Dialog::Move(node) => view! { <FolderPicker node=node copy=false /> }.into_any(),
        Dialog::Copy(node) => view! { <FolderPicker node=node copy=true /> }.into_any(),
        Dialog::Grants(node) => view! { <grants::GrantsDialog node=node /> }.into_any(),
        Dialog::NewVersion(file) => view! { <NewVersionDialog file=file /> }.into_any(),
        Dialog::Quota(current) => view! { <QuotaDialog current=current /> }.into_any(),
    }
}

/// A modal dialog with a title; shown as soon as it is drawn, its first field focused.
#[component]
pub(super) fn Modal(
    #[prop(into)] title: Signal<String>,
    children: Children,
    #[prop(optional)] wide: bool,
) -> impl IntoView {
    let lib = use_lib();
    let node: NodeRef<leptos::html::Dialog> = NodeRef::new();
    node.on_load(move |d| {
        let _ = d.show_modal();
        let first = d
            .query_selector("[autofocus], input:not([type=hidden]):not(.sr-only-file), select, textarea, button.primary")
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(el) = first {
            let _ = el.focus();
        }
    });
    view! {
        <dialog node_ref=node class="confirm lib-dialog" class:wide=wide aria-labelledby="lib-dialog-title"
            on:cancel=move |ev: leptos::ev::Event| { ev.prevent_default(); lib.close_dialog(); }>
            <h2 id="lib-dialog-title">{move || title.get()}</h2>
            {children()}
        </dialog>
    }
}

/// The dialog's Cancel and submit buttons.
#[component]
pub(super) fn Buttons(
    #[prop(into)] ok: Signal<String>,
    busy: RwSignal<bool>,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    let lib = use_lib();
    let i = use_i18n();
    view! {
        <div class="confirm-actions">
            <button type="button" class="btn" on:click=move |_| lib.close_dialog()>{move || i.t().cancel}</button>
            <button type="submit" class="btn primary" disabled=move || busy.get() || disabled.get()>{move || ok.get()}</button>
        </div>
    }
}

/// A new folder (`target` None) or a new name for a folder or file.
#[component]
fn NameDialog(target: Option<Node>, parent: Option<Uuid>) -> impl IntoView {
    let lib = use_lib();
    let tx = use_tx();
    let i = use_i18n();
    let renaming = target.is_some();
    let initial = target
        .as_ref()
        .map(|n| n.name().to_owned())
        .unwrap_or_default();
    let name = RwSignal::new(initial.clone());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let target = StoredValue::new(target);
    let title = move || {
        if renaming {
            tx.get(F::rename)
        } else {
            tx.get(F::new_folder)
        }
    };
    let label = move || match target.with_value(|t| t.as_ref().map(Node::is_folder)) {
        Some(false) => tx.get(F::file_name),
        _ => tx.get(F::folder_name),
    };
    let input: NodeRef<leptos::html::Input> = NodeRef::new();
    // Renaming a file selects its name without the extension, the part people change.
    input.on_load(move |el| {
        let stem = match initial.rfind('.') {
            Some(dot)
                if dot > 0
                    && renaming
                    && !target.with_value(|t| t.as_ref().is_some_and(Node::is_folder)) =>
            {
                initial[..dot].encode_utf16().count()
            }
            _ => initial.encode_utf16().count(),
        };
        let _ = el.set_selection_range(0, stem as u32);
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = name.get_untracked().trim().to_owned();
        if !tandem_dto::valid_file_name(&value) {
            error.set(Some(tx.untracked(F::err_name_invalid)));
            return;
        }
        busy.set(true);
        let target = target.get_value();
        spawn_local(async move {
            let res: Result<(), ApiError> = match &target {
                None => api::files::create_folder(lib.project, value, parent)
                    .await
                    .map(drop),
                Some(Node::Folder(f)) => {
                    let body = UpdateFolderRequest {
                        name: Some(value),
                        ..Default::default()
                    };
                    api::files::update_folder(f.id, f.version, &body)
                        .await
                        .map(drop)
                }
                Some(Node::File(f)) => {
                    let body = UpdateFileRequest {
                        name: Some(value),
                        ..Default::default()
                    };
                    api::files::update_file(f.id, f.version, &body)
                        .await
                        .map(drop)
                }
            };
            busy.try_set(false);
            match res {
                Ok(()) => {
                    lib.toaster.success(if target.is_some() {
                        lib.tx.untracked(F::renamed)
                    } else {
                        lib.tx.untracked(F::folder_created)
                    });
                    lib.touch();
                    lib.close_dialog();
                }
                // Someone changed it meanwhile: read it again; the next try uses that.
                Err(e) if e.status() == Some(412) => {
                    lib.fail(&e);
                    lib.touch();
                    lib.close_dialog();
                }
                Err(e) => {
                    error.try_set(Some(lib.tx.error(lib.i, &e)));
                }
            }
        });
    };
    view! {
        <Modal title=Signal::derive(title)>
            <form on:submit=submit novalidate>
                <div class="field" class:invalid=move || error.with(Option::is_some)>
                    <label for="lib-name">{label}</label>
                    <input id="lib-name" type="text" node_ref=input maxlength="255" autocomplete="off"
                        prop:value=move || name.get()
                        on:input=move |ev| { name.set(event_target_value(&ev)); error.set(None); }
                        aria-invalid=move || if error.with(Option::is_some) { "true" } else { "false" }
                        aria-describedby="lib-name-error" />
                    <p class="field-error" id="lib-name-error" role="alert">{move || error.get()}</p>
                </div>
                <Buttons ok=Signal::derive(move || if renaming { i.t().save.to_owned() } else { tx.get(F::new_folder) }) busy=busy />
            </form>
        </Modal>
    }
}

/// A new co-edited document: its name (".md" added when it has no extension), then its
/// editor opens.
#[component]
fn NewDocDialog(folder: Option<Uuid>) -> impl IntoView {
    let lib = use_lib();
    let tx = use_tx();
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = leptos_router::hooks::use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = doc_file_name(&name.get_untracked());
        if !tandem_dto::valid_file_name(&value) {
            error.set(Some(tx.untracked(F::err_name_invalid)));
            return;
        }
        busy.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::docs::create(lib.project, value, folder).await {
                Ok(d) => {
                    lib.toaster
                        .success(lib.tx.fill(F::doc_created, &[&d.file.name]));
                    lib.touch();
                    lib.dialog.set(Dialog::None);
                    navigate(&crate::components::doc_href(d.file.id), Default::default());
                }
                Err(e) => {
                    busy.try_set(false);
                    error.try_set(Some(lib.tx.error(lib.i, &e)));
                }
            }
        });
    };
    view! {
        <Modal title=Signal::derive(move || tx.get(F::new_doc))>
            <form on:submit=submit novalidate>
                <div class="field" class:invalid=move || error.with(Option::is_some)>
                    <label for="lib-doc-name">{move || tx.get(F::doc_name)}</label>
                    <input id="lib-doc-name" type="text" maxlength="255" autocomplete="off"
                        placeholder="README.md"
                        prop:value=move || name.get()
                        on:input=move |ev| { name.set(event_target_value(&ev)); error.set(None); }
                        aria-invalid=move || if error.with(Option::is_some) { "true" } else { "false" }
                        aria-describedby="lib-doc-name-error" />
                    <p class="field-error" id="lib-doc-name-error" role="alert">{move || error.get()}</p>
                </div>
                <Buttons ok=Signal::derive(move || tx.get(F::new_doc)) busy=busy />
            </form>
        </Modal>
    }
}

/// A document's file name: as typed, trimmed, with ".md" when it has no extension of its own.
fn doc_file_name(typed: &str) -> String {
    let t = typed.trim();
    let has_ext = t
        .rsplit_once('.')
        .is_some_and(|(stem, ext)| !stem.is_empty() && !ext.is_empty() && !ext.contains(' '));
    if t.is_empty() || has_ext {
        t.to_owned()
    } else {
        format!("{t}.md")
    }
}

/// The folders in tree order with their depth, for a picker.
fn in_tree_order(folders: &[FolderResponse]) -> Vec<(FolderResponse, usize)> {
    fn walk(
        all: &[FolderResponse],
        parent: Option<Uuid>,
        depth: usize,
        out: &mut Vec<(FolderResponse, usize)>,
    ) {
        for f in children(all, parent) {
            let id = f.id;
            out.push((f, depth));
            walk(all, Some(id), depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(folders, None, 1, &mut out);
    out
}

/// Where to move a folder or file, or copy a file: the tree as radio buttons (arrow keys move
/// between them). A folder cannot go into itself or below itself, and only folders the
/// caller may add to are offered.
#[component]
fn FolderPicker(node: Node, copy: bool) -> impl IntoView {
    let lib = use_lib();
    let tx = use_tx();
    let from = node.parent();
    let chosen = RwSignal::new(from);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let excluded: HashSet<Uuid> = match &node {
        Node::Folder(f) => lib.folders.with_untracked(|fs| subtree(fs, f.id)),
        Node::File(_) => HashSet::new(),
    };
    let options = lib.folders.with_untracked(|fs| in_tree_order(fs));
    let node = StoredValue::new(node);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let to = chosen.get_untracked();
        let node = node.get_value();
        busy.set(true);
        spawn_local(async move {
            let res: Result<(), ApiError> = match (&node, copy) {
                (Node::File(f), true) => api::files::copy(f.id, to).await.map(drop),
                (Node::File(f), false) => {
                    let body = UpdateFileRequest {
                        folder_id: Some(to),
                        ..Default::default()
                    };
                    api::files::update_file(f.id, f.version, &body)
                        .await
                        .map(drop)
                }
                (Node::Folder(f), _) => {
                    let body = UpdateFolderRequest {
                        parent_id: Some(to),
                        ..Default::default()
                    };
                    api::files::update_folder(f.id, f.version, &body)
                        .await
                        .map(drop)
                }
            };
            busy.try_set(false);
            match res {
                Ok(()) => {
                    let place = lib
                        .folder_name(to)
                        .unwrap_or_else(|| lib.tx.untracked(F::all_files));
                    let k = if copy { F::copied } else { F::moved };
                    lib.toaster.success(lib.tx.fill(k, &[&place]));
                    lib.touch();
                    lib.close_dialog();
                }
                Err(e) => {
                    error.try_set(Some(lib.tx.error(lib.i, &e)));
                }
            }
        });
    };
    let option = move |id: Option<Uuid>, name: String, depth: usize, disabled: bool| {
        let input_id = format!(
            "pick-{}",
            id.map(|i| i.to_string()).unwrap_or_else(|| "top".into())
        );
        let label_for = input_id.clone();
        view! {
            <li style=("--depth", depth.to_string())>
                <label for=label_for class="check" class:disabled=disabled>
                    <input type="radio" name="lib-target" id=input_id disabled=disabled
                        prop:checked=move || chosen.get() == id
                        on:change=move |_| { chosen.set(id); error.set(None); } />
                    <span class="ic-folder" aria-hidden="true"></span>
                    <span>{name}</span>
                </label>
            </li>
        }
    };
    let top_ok = lib.can_write_in(None);
    let title = move || {
        let n = node.with_value(|n| n.name().to_owned());
        format!(
            "{} · {n}",
            tx.get(if copy { F::copy_to } else { F::move_to })
        )
    };
    view! {
        <Modal title=Signal::derive(title)>
            <form on:submit=submit>
                <fieldset class="plain">
                    <legend class="muted small">{move || tx.get(F::choose_folder)}</legend>
                    <ul class="folder-pick" role="list">
                        {option(None, tx.untracked(F::all_files), 0, !top_ok)}
                        {options.into_iter().map(|(f, depth)| {
                            let writable = f.access.level.rank() >= tandem_dto::FileLevel::Edit.rank();
                            option(Some(f.id), f.name, depth, excluded.contains(&f.id) || !writable)
                        }).collect_view()}
                    </ul>
                </fieldset>
                <p class="field-error" role="alert">{move || error.get()}</p>
                <Buttons ok=Signal::derive(move || tx.get(if copy { F::copy_here } else { F::move_here }))
                    busy=busy disabled=Signal::derive(move || !copy && chosen.get() == from) />
            </form>
        </Modal>
    }
}

/// F2: a new version of a file, with a note on what changed.
#[component]
fn NewVersionDialog(file: FileResponse) -> impl IntoView {
    let lib = use_lib();
    let tx = use_tx();
    let i = use_i18n();
    let note = RwSignal::new(String::new());
    let chosen = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let input: NodeRef<leptos::html::Input> = NodeRef::new();
    let name = file.name.clone();
    let target = file.id;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(f) = input
            .get_untracked()
            .and_then(|el| el.files())
            .and_then(|l| l.get(0))
        else {
            return;
        };
        lib.uploads
            .add_version(lib, f, target, note.get_untracked());
        lib.close_dialog();
    };
    view! {
        <Modal title=Signal::derive(move || tx.fill_tracked(F::new_version_of, &[&name]))>
            <form on:submit=submit>
                <div class="field">
                    <label for="lib-version-file">{move || tx.get(F::choose_file)}</label>
                    <input id="lib-version-file" type="file" node_ref=input required
                        on:change=move |_| chosen.set(input.get_untracked().and_then(|el| el.files()).and_then(|l| l.get(0)).map(|f| f.name())) />
                </div>
                <div class="field">
                    <label for="lib-version-note">{move || tx.get(F::note)}</label>
                    <textarea id="lib-version-note" rows="3" maxlength="1000"
                        placeholder=move || tx.get(F::note_hint)
                        prop:value=move || note.get()
                        on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                </div>
                <Buttons ok=Signal::derive(move || i.t().new_version.to_owned()) busy=busy
                    disabled=Signal::derive(move || chosen.with(Option::is_none)) />
            </form>
        </Modal>
    }
}

/// F6: the project's storage quota, in GB (empty: none). Project administrators only.
#[component]
fn QuotaDialog(current: Option<i64>) -> impl IntoView {
    let lib = use_lib();
    let tx = use_tx();
    let i = use_i18n();
    let value = RwSignal::new(current.map(quota_gb).unwrap_or_default());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(bytes) = parse_quota_gb(&value.get_untracked()) else {
            error.set(Some(tx.untracked(F::quota_invalid)));
            return;
        };
        busy.set(true);
        spawn_local(async move {
            let res = api::files::set_quota(lib.project, bytes).await;
            busy.try_set(false);
            match res {
                Ok(_) => {
                    lib.toaster.success(lib.tx.untracked(F::quota_saved));
                    lib.touch();
                    lib.close_dialog();
                }
                Err(e) => {
                    error.try_set(Some(lib.tx.error(lib.i, &e)));
                }
            }
        });
    };
    view! {
        <Modal title=Signal::derive(move || tx.get(F::set_quota))>
            <form on:submit=submit novalidate>
                <div class="field" class:invalid=move || error.with(Option::is_some)>
                    <label for="lib-quota">{move || tx.get(F::quota_gb)}</label>
                    <input id="lib-quota" type="text" inputmode="decimal" autocomplete="off"
                        prop:value=move || value.get()
                        on:input=move |ev| { value.set(event_target_value(&ev)); error.set(None); }
                        aria-invalid=move || if error.with(Option::is_some) { "true" } else { "false" }
                        aria-describedby="lib-quota-hint lib-quota-error" />
                    <p class="hint" id="lib-quota-hint">{move || tx.get(F::quota_hint)}</p>
                    <p class="field-error" id="lib-quota-error" role="alert">{move || error.get()}</p>
                </div>
                <Buttons ok=Signal::derive(move || i.t().save.to_owned()) busy=busy />
            </form>
        </Modal>
    }
}
