//! A folder's contents: its folders, then its files (by name, in keyset pages), with upload by
//! button or by dropping files anywhere on the list, and each item's actions.

use std::collections::HashMap;

use leptos::prelude::*;
use tandem_dto::{FileKind, FileLevel, FileResponse, FolderResponse};
use tandem_web_logic::files::{Icon, children, size};
use tandem_web_logic::texts::Files as F;
use uuid::Uuid;
use wasm_bindgen::JsCast;

use super::dialogs::Dialog;
use super::{AccessLine, Lib, Node, library, tree, use_lib, use_tx};
use crate::api;
use crate::components::{ErrorBox, Paged, fmt_time};
use crate::i18n::use_i18n;

const PAGE: usize = 50;

/// The icon of a file: a coloured tile with its kind's short label.
#[component]
pub(super) fn FileIcon(name: String, content_type: String) -> impl IntoView {
    let (class, label) = Icon::of(&name, &content_type).class_and_label();
    view! { <span class=format!("file-icon {class}") aria-hidden="true">{label}</span> }
}

/// The files of a `DataTransfer` or a file input, as a list.
pub(super) fn file_list(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length()).filter_map(|n| list.get(n)).collect()
}

#[component]
pub(super) fn Listing(folder: Option<Uuid>) -> impl IntoView {
    let lib = use_lib();
    let tx = use_tx();
    let i = use_i18n();
    let paged = Paged::<FileResponse>::new(true);
    let url = move |n: usize| api::files::files_url(lib.project, folder, n);
    paged.load(url(PAGE), false);
    // Read again after a change (ours or a colleague's), keeping as many rows as were shown.
    Effect::watch(
        move || lib.changed.get(),
        move |_, _, _| {
            let n = paged.items.with_untracked(Vec::len).clamp(PAGE, 200);
            paged.load(url(n), false);
        },
        false,
    );
    let subfolders = Memo::new(move |_| lib.folders.with(|fs| children(fs, folder)));
    let here = Memo::new(move |_| {
        folder.and_then(|id| {
            lib.folders
                .with(|fs| fs.iter().find(|f| f.id == id).cloned())
        })
    });
    let can_write = Signal::derive(move || lib.can_write_in(folder));
    // What is here already, by lower-cased name (as the server compares): a file dropped
    // under one of these names is asked about before it is sent.
    let taken = move || -> HashMap<String, Option<Uuid>> {
        let mut m: HashMap<String, Option<Uuid>> = subfolders
            .with_untracked(|fs| fs.iter().map(|f| (f.name.to_lowercase(), None)).collect());
        paged.items.with_untracked(|fs| {
            m.extend(fs.iter().map(|f| (f.name.to_lowercase(), Some(f.id))));
        });
        m
    };
    let add = move |files: Vec<web_sys::File>| {
        if !files.is_empty() {
            lib.uploads.add(lib, files, folder, taken());
        }
    };
    let input: NodeRef<leptos::html::Input> = NodeRef::new();
    let picked = move |_| {
        let Some(el) = input.get() else { return };
        add(file_list(el.files()));
        // Choosing the same files again must fire `change` again.
        el.set_value("");
    };
    // Drag and drop: the list lights up while files are over it. Entering a child fires
    // `dragenter` before the parent's `dragleave`, hence the count.
    let depth = StoredValue::new(0i32);
    let over = RwSignal::new(false);
    let enter = move |ev: leptos::ev::DragEvent| {
        if !can_write.get_untracked() {
            return;
        }
        ev.prevent_default();
        depth.update_value(|d| *d += 1);
        over.set(true);
    };
    let leave = move |_: leptos::ev::DragEvent| {
        depth.update_value(|d| *d -= 1);
        if depth.get_value() <= 0 {
            depth.set_value(0);
            over.set(false);
        }
    };
    let dragover = move |ev: leptos::ev::DragEvent| {
        if can_write.get_untracked() {
            ev.prevent_default();
        }
    };
    let drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        depth.set_value(0);
        over.set(false);
        if can_write.get_untracked() {
            add(file_list(ev.data_transfer().and_then(|d| d.files())));
        }
    };
    let new_folder = move |_| lib.open(Dialog::NewFolder(folder));
    let empty = move || {
        !paged.loading.get()
            && paged.failed.with(Option::is_none)
            && paged.items.with(Vec::is_empty)
            && subfolders.with(Vec::is_empty)
    };
    view! {
        <div class="lib-listing" class:drop-over=move || over.get()
            on:dragenter=enter on:dragleave=leave on:dragover=dragover on:drop=drop>
            <div class="lib-toolbar">
                <tree::Breadcrumb folder=folder />
                <div class="actions">
                    {move || here.get().map(|f| view! { <RowMenu node=Node::Folder(f) standalone=true /> })}
                    <Show when=move || can_write.get()>
                        <button type="button" class="btn" on:click=new_folder>
                            <span class="ic-folder" aria-hidden="true"></span>{move || tx.get(F::new_folder)}
                        </button>
                        <button type="button" class="btn" id="lib-new-doc" on:click=move |_| lib.open(Dialog::NewDoc(folder))>
                            {move || tx.get(F::new_doc)}
                        </button>
                        <input id="lib-upload" class="sr-only-file" type="file" multiple node_ref=input on:change=picked />
                        <label for="lib-upload" class="btn primary">{move || tx.get(F::upload)}</label>
                    </Show>
                </div>
            </div>
            {move || here.get().map(|f| view! {
                <p class="muted small lib-access">
                    {f.restricted.then(|| view! { <span class="badge badge-warn">{move || tx.get(F::restricted_badge)}</span> " " })}
                    <AccessLine access=f.access.clone() />
                </p>
            })}
            <Show when=move || can_write.get()>
                <p class="muted small lib-drop-hint">{move || tx.get(F::drop_hint)}</p>
            </Show>
            <div class="drop-overlay" aria-hidden="true">{move || tx.get(F::drop_here)}</div>
            {move || empty().then(|| view! {
                <div class="empty">
                    <p class="empty-title">{move || tx.get(F::empty_title)}</p>
                    <p class="muted">{move || if can_write.get() { tx.get(F::empty_text) } else { tx.get(F::empty_text_view) }}</p>
                </div>
            })}
            <Show when=move || !(paged.items.with(Vec::is_empty) && subfolders.with(Vec::is_empty))>
                <table class="table lib-table">
                    <thead>
                        <tr>
                            <th scope="col">{move || tx.get(F::col_name)}</th>
                            <th scope="col" class="col-size">{move || tx.get(F::col_size)}</th>
                            <th scope="col" class="col-version">{move || tx.get(F::col_version)}</th>
                            <th scope="col" class="col-updated">{move || tx.get(F::col_updated)}</th>
                            <th scope="col" class="col-by">{move || tx.get(F::col_by)}</th>
                            <th scope="col" class="col-actions"><span class="sr-only">{move || tx.get(F::more_actions)}</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        // A grant changes what the reader may do without changing the item's
                        // version: the key has both.
                        <For each=move || subfolders.get() key=|f| (f.id, f.version, f.restricted, f.access.level, f.access.source)
                            children=move |f| view! { <FolderRow f=f /> } />
                        <For each=move || paged.items.get() key=|f| (f.id, f.version, f.access.level, f.access.source)
                            children=move |f| view! { <FileRow f=f /> } />
                    </tbody>
                </table>
            </Show>
            {move || paged.failed.get().map(|e| if e.status() == Some(404) {
                // A folder deleted meanwhile, or one the reader may not see (a restricted one).
                view! {
                    <div class="empty">
                        <p class="empty-title">{move || tx.get(F::folder_gone)}</p>
                        <a class="btn" href=lib.folder_href(None)>{move || tx.get(F::back_to_files)}</a>
                    </div>
                }.into_any()
            } else {
                view! { <ErrorBox error=e retry=Callback::new(move |()| paged.load(url(PAGE), false)) /> }.into_any()
            })}
            // Reading again after a change keeps the rows shown: no spinner for that.
            {move || (paged.loading.get() && paged.items.with(Vec::is_empty)).then(|| view! { <crate::components::Loading /> })}
            {move || (paged.next.with(Option::is_some) && !paged.loading.get()).then(|| view! {
                <button type="button" class="btn lib-more" on:click=move |_| paged.load(url(PAGE), true)>
                    {move || i.t().load_more}
                </button>
            })}
        </div>
    }
}

#[component]
fn FolderRow(f: FolderResponse) -> impl IntoView {
    let lib = use_lib();
    let tx = use_tx();
    let i = use_i18n();
    let at = f.updated_at;
    let by_id = f.created_by;
    let reason = f.access.clone();
    let granted = reason.source == tandem_dto::AccessSource::Grant;
    view! {
        <tr class="lib-row folder-row">
            <td class="col-name">
                <a class="lib-name" href=lib.folder_href(Some(f.id))>
                    <span class="ic-folder big" class:restricted=f.restricted aria-hidden="true"></span>
                    <span class="name-text">{f.name.clone()}</span>
                </a>
                {f.restricted.then(|| view! { <span class="badge badge-warn">{move || tx.get(F::restricted_badge)}</span> })}
                <AccessNote access=reason granted=granted />
            </td>
            <td class="col-size muted">"—"</td>
            <td class="col-version muted">"—"</td>
            <td class="col-updated muted">{move || fmt_time(&at, i.lang.get())}</td>
            <td class="col-by muted">{move || lib.name_of(by_id)}</td>
            <td class="col-actions"><RowMenu node=Node::Folder(f) /></td>
        </tr>
    }
}

#[component]
fn FileRow(f: FileResponse) -> impl IntoView {
    let lib = use_lib();
    let i = use_i18n();
    let at = f.updated_at;
    let by_id = f.created_by;
    let reason = f.access.clone();
    let granted = reason.source == tandem_dto::AccessSource::Grant;
    let (size_text, version) = (size(f.size), f.current_version);
    let is_doc = f.kind == FileKind::Doc;
    view! {
        <tr class="lib-row file-row" class:doc-row=is_doc>
            <td class="col-name">
                <a class="lib-name" href=lib.open_href(&f)>
                    <FileIcon name=f.name.clone() content_type=f.content_type.clone() />
                    <span class="name-text">{f.name.clone()}</span>
                </a>
                <AccessNote access=reason granted=granted />
                // On a phone the columns fold into one line under the name.
                <span class="row-meta muted small">
                    {size_text.clone()} " · v" {version} " · " {move || fmt_time(&at, i.lang.get())}
                </span>
            </td>
            <td class="col-size muted">{size_text}</td>
            <td class="col-version muted">"v" {version}</td>
            <td class="col-updated muted">{move || fmt_time(&at, i.lang.get())}</td>
            <td class="col-by muted">{move || lib.name_of(by_id)}</td>
            <td class="col-actions"><RowMenu node=Node::File(f) /></td>
        </tr>
    }
}

/// The caller's level on an item and why — shown in words when a grant gives it (the
/// exception worth seeing), on hover otherwise.
#[component]
fn AccessNote(access: tandem_dto::FileAccess, granted: bool) -> impl IntoView {
    let tx = use_tx();
    let a = access.clone();
    let title = move || format!("{} · {}", tx.level(a.level), tx.reason(&a));
    let hover = title.clone();
    view! {
        <span class="access-note muted small" class:shown=granted title=hover>
            <span class="sr-only">{move || tx.get(F::your_access)}</span>
            {move || if granted { title() } else { tx.level(access.level) }}
        </span>
    }
}

/// An item's actions behind a "⋯" button: open, download, rename, move, copy, permissions,
/// delete — each only when the caller's level allows it. Escape or focus leaving closes it.
#[component]
pub(super) fn RowMenu(
    node: Node,
    /// Drawn in a toolbar (the open folder's own menu) rather than a row.
    #[prop(optional)]
    standalone: bool,
) -> impl IntoView {
    let lib = use_lib();
    let tx = use_tx();
    let i = use_i18n();
    let open = RwSignal::new(false);
    let menu_id = format!("menu-{}", node.id());
    let (menu_for_focus, menu_for_list) = (menu_id.clone(), menu_id.clone());
    let button_id = format!("menu-btn-{}", node.id());
    let node = StoredValue::new(node);
    let can = move |l: FileLevel| node.with_value(|n| lib.may(n, l));
    let close = {
        let button_id = button_id.clone();
        move |refocus: bool| {
            open.set(false);
            if refocus {
                crate::components::focus_later(button_id.clone());
            }
        }
    };
    // An action closes the menu and hands focus back to its button first, so a dialog it
    // opens returns focus there.
    let act = {
        let button_id = button_id.clone();
        move |what: fn(Lib, Node)| {
            let button_id = button_id.clone();
            move |_| {
                open.set(false);
                if let Some(b) = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.get_element_by_id(&button_id))
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    let _ = b.focus();
                }
                what(lib, node.get_value());
            }
        }
    };
    // Escape closes the menu; the arrow keys move between its items, as in any menu.
    let keydown = {
        let close = close.clone();
        move |ev: leptos::ev::KeyboardEvent| {
            let step: i32 = match ev.key().as_str() {
                "Escape" => {
                    ev.stop_propagation();
                    close(true);
                    return;
                }
                "ArrowDown" => 1,
                "ArrowUp" => -1,
                _ => return,
            };
            let Some(menu) = ev
                .current_target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            else {
                return;
            };
            ev.prevent_default();
            let active = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.active_element())
                .filter(|a| a.get_attribute("role").as_deref() == Some("menuitem"));
            // The items are siblings: the next or previous one, wrapping round; from the
            // button, the first.
            let next = match active {
                Some(a) if step > 0 => a
                    .next_element_sibling()
                    .or_else(|| a.parent_element().and_then(|p| p.first_element_child())),
                Some(a) => a
                    .previous_element_sibling()
                    .or_else(|| a.parent_element().and_then(|p| p.last_element_child())),
                None => menu.query_selector("[role=menuitem]").ok().flatten(),
            };
            if let Some(el) = next.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = el.focus();
            }
        }
    };
    // Focus moving out of the menu (Tab, a click elsewhere) closes it.
    let focusout = {
        let close = close.clone();
        move |ev: leptos::ev::FocusEvent| {
            let inside = ev
                .related_target()
                .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
                .zip(
                    ev.current_target()
                        .and_then(|t| t.dyn_into::<web_sys::Node>().ok()),
                )
                .is_some_and(|(to, menu)| menu.contains(Some(&to)));
            if !inside {
                close(false);
            }
        }
    };
    let is_file = node.with_value(|n| !n.is_folder());
    // A document opens in its editor; its file page (versions, permissions) stays reachable.
    let doc = node.with_value(|n| match n {
        Node::File(f) if f.kind == FileKind::Doc => Some(lib.open_href(f)),
        _ => None,
    });
    let name = node.with_value(|n| n.name().to_owned());
    let label = move || format!("{} · {}", tx.get(F::more_actions), name);
    view! {
        <div class="row-menu" class:standalone=standalone on:keydown=keydown on:focusout=focusout>
            <button type="button" id=button_id class="btn small menu-dots" aria-haspopup="menu"
                aria-expanded=move || if open.get() { "true" } else { "false" }
                aria-controls=menu_id.clone() aria-label=label.clone() title=label
                on:click=move |_| {
                    let now = !open.get_untracked();
                    open.set(now);
                    if now {
                        super::focus_first(format!("#{menu_for_focus} [role=menuitem]"));
                    }
                }>
                "⋯"
            </button>
            <Show when=move || open.get()>
                <div class="menu-list row-menu-list" role="menu" id=menu_for_list.clone()>
                    {doc.clone().map(|href| view! {
                        <a role="menuitem" class="menu-item" href=href>{move || tx.get(F::open_editor)}</a>
                    })}
                    {is_file.then(|| view! {
                        <a role="menuitem" class="menu-item" href=lib.file_href(node.with_value(Node::id))>{move || i.t().preview}</a>
                        <button type="button" role="menuitem" class="menu-item" on:click=act(download)>{move || i.t().download}</button>
                    })}
                    {can(FileLevel::Edit).then(|| view! {
                        <button type="button" role="menuitem" class="menu-item" on:click=act(|lib, n| lib.open(Dialog::Rename(n)))>{move || tx.get(F::rename)}</button>
                        <button type="button" role="menuitem" class="menu-item" on:click=act(|lib, n| lib.open(Dialog::Move(n)))>{move || tx.get(F::move_to)}</button>
                    })}
                    {(is_file && can(FileLevel::View) && lib.active).then(|| view! {
                        <button type="button" role="menuitem" class="menu-item" on:click=act(|lib, n| lib.open(Dialog::Copy(n)))>{move || tx.get(F::copy_to)}</button>
                    })}
                    {can(FileLevel::Manage).then(|| view! {
                        <button type="button" role="menuitem" class="menu-item" on:click=act(|lib, n| lib.open(Dialog::Grants(n)))>{move || tx.get(F::permissions)}</button>
                    })}
                    {can(FileLevel::Edit).then(|| view! {
                        <button type="button" role="menuitem" class="menu-item danger-text" on:click=act(library::to_trash)>{move || i.t().delete}</button>
                    })}
                </div>
            </Show>
        </div>
    }
}

/// Downloads a file's current version.
pub(super) fn download(lib: Lib, node: Node) {
    if let Node::File(f) = node {
        leptos::task::spawn_local(async move {
            if let Err(e) = api::files::download(f.id, f.current_version, &f.name).await {
                lib.fail(&e);
            }
        });
    }
}
