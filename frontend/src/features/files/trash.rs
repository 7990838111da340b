//! The trash (what was deleted, when it goes for good, restore) and the storage bar (used of
//! the quota; project administrators set the quota).

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_dto::{NodeKind, ProjectRole};
use tandem_web_logic::files::size;
use tandem_web_logic::texts::Files as F;

use super::dialogs::Dialog;
use super::{use_lib, use_tx};
use crate::api;
use crate::components::{ErrorBox, Loading, fmt_time};
use crate::i18n::use_i18n;

/// F6: how much the project stores, against its quota.
#[component]
pub(super) fn StorageBar() -> impl IntoView {
    let lib = use_lib();
    let tx = use_tx();
    let storage = LocalResource::new(move || {
        lib.changed.track();
        api::files::storage(lib.project)
    });
    let admin = lib.role == Some(ProjectRole::Admin) && lib.active;
    view! {
        {move || storage.get().and_then(Result::ok).map(|s| {
            let pct = s
                .quota_bytes
                .filter(|q| *q > 0)
                .map(|q| ((s.used_bytes as f64 / q as f64) * 100.0).min(100.0));
            let (used, quota) = (size(s.used_bytes), s.quota_bytes.map(size));
            let full = pct.is_some_and(|p| p >= 90.0);
            let (files, versions) = (s.files.to_string(), s.versions.to_string());
            let current = s.quota_bytes;
            view! {
                <div class="storage">
                    <p class="small storage-title">{move || tx.get(F::storage)}</p>
                    {pct.map(|p| view! {
                        <div class="progress-bar" class:full=full role="meter" aria-valuemin="0" aria-valuemax="100"
                            aria-valuenow=p.round() aria-label=move || tx.get(F::storage)>
                            <span style:width=format!("{p:.1}%")></span>
                        </div>
                    })}
                    <p class="muted small">{move || match &quota {
                        Some(q) => tx.fill_tracked(F::storage_used, &[&used, q]),
                        None => tx.fill_tracked(F::storage_no_quota, &[&used]),
                    }}</p>
                    <p class="muted small">{move || tx.fill_tracked(F::storage_counts, &[&files, &versions])}</p>
                    {admin.then(|| view! {
                        <button type="button" class="btn small" on:click=move |_| lib.open(Dialog::Quota(current))>
                            {move || tx.get(F::set_quota)}
                        </button>
                    })}
                </div>
            }
        })}
    }
}

/// The trash: top-level deleted folders and files, with when they were deleted and when they
/// go for good; restoring puts them back where they were.
#[component]
pub(super) fn TrashView() -> impl IntoView {
    let lib = use_lib();
    let tx = use_tx();
    let i = use_i18n();
    let items = LocalResource::new(move || {
        lib.changed.track();
        api::files::trash_items(lib.project)
    });
    let restore = move |folder: bool, id: uuid::Uuid, name: String| {
        spawn_local(async move {
            match api::files::restore(folder, id).await {
                Ok(()) => {
                    lib.toaster.success(lib.tx.fill(F::restored, &[&name]));
                    lib.touch();
                }
                Err(e) => lib.fail(&e),
            }
        });
    };
    view! {
        <div class="lib-listing">
        <div class="lib-toolbar">
            <nav class="lib-crumbs" aria-label=move || tx.get(F::location)>
                <ol>
                    <li><a href=lib.folder_href(None)>{move || tx.get(F::all_files)}</a></li>
                    <li><span aria-current="page">{move || tx.get(F::trash)}</span></li>
                </ol>
            </nav>
        </div>
        {move || match items.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| items.refetch()) /> }.into_any(),
            Some(Ok(list)) if list.is_empty() => view! {
                <div class="empty">
                    <p class="empty-title">{move || tx.get(F::trash_empty)}</p>
                    <p class="muted">{move || tx.get(F::trash_empty_text)}</p>
                </div>
            }.into_any(),
            Some(Ok(list)) => view! {
                <table class="table lib-table trash-table">
                    <thead>
                        <tr>
                            <th scope="col">{move || tx.get(F::col_name)}</th>
                            <th scope="col" class="col-size">{move || tx.get(F::col_size)}</th>
                            <th scope="col" class="col-updated">{move || tx.get(F::deleted_at)}</th>
                            <th scope="col" class="col-updated">{move || tx.get(F::purge_at)}</th>
                            <th scope="col" class="col-actions"><span class="sr-only">{move || tx.get(F::restore)}</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {list.into_iter().map(|it| {
                            let folder = it.kind == NodeKind::Folder;
                            let (id, name) = (it.id, it.name.clone());
                            let (deleted, purge) = (it.deleted_at, it.purge_at);
                            // Its folder may be in the trash too (then it is not in the tree).
                            let place = match it.folder_id {
                                None => tx.untracked(F::all_files),
                                Some(f) => lib.folder_name(Some(f)).unwrap_or_else(|| "—".into()),
                            };
                            // Items in the trash carry no access of their own: restoring takes
                            // an editor's role (the server checks each item).
                            let can = lib.can_write_in(None);
                            let label = format!("{} {}", tx.untracked(F::restore), it.name);
                            view! {
                                <tr class="lib-row trash-row">
                                    <td class="col-name">
                                        <span class="lib-name">
                                            {if folder {
                                                view! { <span class="ic-folder big" aria-hidden="true"></span> }.into_any()
                                            } else {
                                                view! { <super::listing::FileIcon name=it.name.clone() content_type=String::new() /> }.into_any()
                                            }}
                                            <span class="name-text">{it.name.clone()}</span>
                                        </span>
                                        <span class="muted small row-meta-always">{move || tx.fill_tracked(F::location_is, &[&place])}</span>
                                        <span class="row-meta muted small">
                                            {move || tx.get(F::purge_at)} " " {move || fmt_time(&purge, i.lang.get())}
                                        </span>
                                    </td>
                                    <td class="col-size muted">{size(it.size)}</td>
                                    <td class="col-updated muted">{move || fmt_time(&deleted, i.lang.get())}</td>
                                    <td class="col-updated muted">{move || fmt_time(&purge, i.lang.get())}</td>
                                    <td class="col-actions">
                                        {can.then(|| view! {
                                            <button type="button" class="btn small" aria-label=label.clone()
                                                on:click=move |_| restore(folder, id, name.clone())>
                                                {move || tx.get(F::restore)}
                                            </button>
                                        })}
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
        }}
        </div>
    }
}
