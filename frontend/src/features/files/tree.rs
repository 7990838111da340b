//! The folder tree beside the listing, and the breadcrumb above it. Both read the one list of
//! folders the library keeps current.

use std::collections::HashSet;

use leptos::prelude::*;
use tandem_web_logic::files::{children, path_to};
use tandem_web_logic::texts::Files as F;
use uuid::Uuid;

use super::{use_lib, use_tx};

/// Nested folders, each opening in the listing; a branch folds with its arrow button. The
/// open folder's ancestors unfold by themselves, so where one is stays in view.
#[component]
pub(super) fn FolderTree(
    /// The folder to mark (`Some(None)`: the top; `None`: none, e.g. in the trash).
    current: Signal<Option<Option<Uuid>>>,
) -> impl IntoView {
    let lib = use_lib();
    let tx = use_tx();
    let i = crate::i18n::use_i18n();
    let expanded = RwSignal::new(HashSet::<Uuid>::new());
    Effect::new(move || {
        let path = lib.folders.with(|fs| path_to(fs, current.get().flatten()));
        expanded.update(|e| e.extend(path.into_iter().map(|(id, _)| id)));
    });
    view! {
        <nav class="tree" aria-label=move || tx.get(F::folders)>
            <a class="tree-link tree-root" href=lib.folder_href(None)
                aria-current=move || (current.get() == Some(None)).then_some("page")>
                <span class="ic-folder" aria-hidden="true"></span>
                {move || tx.get(F::all_files)}
            </a>
            {move || level(None, 1, current, expanded)}
            {move || lib.folders_failed.get().map(|_| view! {
                <button type="button" class="btn small" on:click=move |_| lib.reload_folders()>
                    {move || i.t().retry}
                </button>
            })}
        </nav>
    }
}

/// One level of the tree: the folders in `parent`, each with its own level below when open.
fn level(
    parent: Option<Uuid>,
    depth: usize,
    current: Signal<Option<Option<Uuid>>>,
    expanded: RwSignal<HashSet<Uuid>>,
) -> AnyView {
    let lib = use_lib();
    let tx = use_tx();
    let list = lib.folders.with(|fs| children(fs, parent));
    if list.is_empty() {
        return ().into_any();
    }
    view! {
        <ul class="tree-level" role="list">
            {list.into_iter().map(|f| {
                let id = f.id;
                let has_children = lib.folders.with_untracked(|fs| fs.iter().any(|c| c.parent_id == Some(id)));
                let open = move || expanded.with(|e| e.contains(&id));
                let name = f.name.clone();
                let toggle_label = name.clone();
                view! {
                    <li>
                        <div class="tree-row" style=("--depth", depth.to_string())>
                            {if has_children {
                                view! {
                                    <button type="button" class="tree-toggle" aria-expanded=move || if open() { "true" } else { "false" }
                                        aria-label=move || tx.fill_tracked(F::toggle_folder, &[&toggle_label])
                                        on:click=move |_| expanded.update(|e| if !e.remove(&id) { e.insert(id); })>
                                        <span aria-hidden="true">{move || if open() { "▾" } else { "▸" }}</span>
                                    </button>
                                }.into_any()
                            } else {
                                view! { <span class="tree-toggle-space" aria-hidden="true"></span> }.into_any()
                            }}
                            <a class="tree-link" href=lib.folder_href(Some(id))
                                aria-current=move || (current.get() == Some(Some(id))).then_some("page")>
                                <span class="ic-folder" class:restricted=f.restricted aria-hidden="true"></span>
                                <span class="tree-name">{name}</span>
                            </a>
                        </div>
                        {move || open().then(|| level(Some(id), depth + 1, current, expanded))}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// "全部文件 / 设计稿 / 海报": where the listing is, each step a link.
#[component]
pub(super) fn Breadcrumb(
    folder: Option<Uuid>,
    /// A file at the end (its page), not a link.
    #[prop(optional, into)]
    file_name: Option<String>,
) -> impl IntoView {
    let lib = use_lib();
    let tx = use_tx();
    let path = Memo::new(move |_| lib.folders.with(|fs| path_to(fs, folder)));
    let last_is_folder = file_name.is_none();
    view! {
        <nav class="lib-crumbs" aria-label=move || tx.get(F::location)>
            <ol>
                <li>
                    {if folder.is_none() && last_is_folder {
                        view! { <span aria-current="page">{move || tx.get(F::all_files)}</span> }.into_any()
                    } else {
                        view! { <a href=lib.folder_href(None)>{move || tx.get(F::all_files)}</a> }.into_any()
                    }}
                </li>
                {move || {
                    let steps = path.get();
                    let n = steps.len();
                    steps.into_iter().enumerate().map(|(k, (id, name))| {
                        let here = k + 1 == n && last_is_folder;
                        view! {
                            <li>
                                {if here {
                                    view! { <span aria-current="page">{name}</span> }.into_any()
                                } else {
                                    view! { <a href=lib.folder_href(Some(id))>{name}</a> }.into_any()
                                }}
                            </li>
                        }
                    }).collect_view()
                }}
                {file_name.map(|n| view! { <li><span aria-current="page">{n}</span></li> })}
            </ol>
        </nav>
    }
}
