//! A file's page: where it is, what it is, who may do what with it and why, its preview (any
//! version), its versions with their notes, and the comparison of two of them.

use leptos::prelude::*;
use tandem_dto::{FileLevel, FileResponse, FileVersionResponse};
use tandem_web_logic::files::size;
use tandem_web_logic::texts::Files as F;
use uuid::Uuid;

use super::dialogs::Dialog;
use super::listing::FileIcon;
use super::{AccessLine, Node, library, preview, tree, use_lib, use_tx, versions};
use crate::api::{self, ApiError};
use crate::components::{ErrorBox, Loading, fmt_time};
use crate::i18n::use_i18n;

#[component]
pub(super) fn FilePage(id: Uuid) -> impl IntoView {
    let lib = use_lib();
    let tx = use_tx();
    // The file and its versions are read together and again after any change to the library
    // (a colleague's new version shows up here without a reload).
    let data = LocalResource::new(move || {
        lib.changed.track();
        async move {
            let (file, versions) = futures::join!(api::files::file(id), api::files::versions(id));
            Ok::<_, ApiError>((file?, versions?))
        }
    });
    // Redrawn only when what it shows changed, not for every change elsewhere in the library.
    let shown = Memo::new(move |_| data.get());
    // Which version the preview shows (`None`: the current one).
    let viewing = RwSignal::new(None::<i32>);
    view! {
        {move || match shown.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(e)) if e.status() == Some(404) => view! {
                <div class="empty">
                    <p class="empty-title">{move || tx.get(F::file_gone)}</p>
                    <a class="btn" href=lib.folder_href(None)>{move || tx.get(F::back_to_files)}</a>
                </div>
            }.into_any(),
            Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| data.refetch()) /> }.into_any(),
            Some(Ok((file, list))) => {
                crate::shell::set_title(&file.name);
                lib.file_folder.set(file.folder_id);
                view! { <Page file=file versions=list viewing=viewing /> }.into_any()
            }
        }}
    }
}

#[component]
fn Page(
    file: FileResponse,
    versions: Vec<FileVersionResponse>,
    viewing: RwSignal<Option<i32>>,
) -> impl IntoView {
    let lib = use_lib();
    let tx = use_tx();
    let i = use_i18n();
    let node = Node::File(file.clone());
    let can_edit = lib.may(&node, FileLevel::Edit);
    let can_manage = lib.may(&node, FileLevel::Manage);
    let current = file.current_version;
    let shown = Signal::derive(move || viewing.get().unwrap_or(current));
    let at = file.updated_at;
    let by_id = file.created_by;
    let access = file.access.clone();
    let node = StoredValue::new(node);
    let f = StoredValue::new(file.clone());
    let download = move |_| {
        let f = f.get_value();
        let v = shown.get_untracked();
        leptos::task::spawn_local(async move {
            if let Err(e) = api::files::download(f.id, v, &f.name).await {
                lib.fail(&e);
            }
        });
    };
    let shown_name = {
        let versions = versions.clone();
        let name = file.name.clone();
        move || {
            let v = shown.get();
            versions
                .iter()
                .find(|x| x.number == v)
                .map(|x| x.name.clone())
                .unwrap_or_else(|| name.clone())
        }
    };
    let file_id = file.id;
    view! {
        <div class="card file-card">
        <div class="lib-toolbar">
            <tree::Breadcrumb folder=file.folder_id file_name=file.name.clone() />
        </div>
        <div class="file-head">
            <FileIcon name=file.name.clone() content_type=file.content_type.clone() />
            <div class="grow">
                <h2 class="file-title">{file.name.clone()}</h2>
                <p class="muted small">
                    {size(file.size)} " · v" {current} " · " {move || fmt_time(&at, i.lang.get())}
                    " · " {move || tx.fill_tracked(F::uploaded_by, &[&lib.name_of(by_id)])}
                </p>
                <p class="muted small lib-access"><AccessLine access=access /></p>
            </div>
        </div>
        <div class="actions file-actions">
            {(file.kind == tandem_dto::FileKind::Doc).then(|| view! {
                <a class="btn small primary" href=crate::components::doc_href(file_id)>{move || tx.get(F::open_editor)}</a>
            })}
            <button type="button" class="btn small" class:primary=file.kind != tandem_dto::FileKind::Doc on:click=download>
                {move || if viewing.get().is_some() { tx.fill_tracked(F::download_version, &[&shown.get().to_string()]) } else { i.t().download.to_owned() }}
            </button>
            {can_edit.then(|| view! {
                <button type="button" class="btn small" on:click=move |_| lib.open(Dialog::NewVersion(f.get_value()))>{move || i.t().new_version}</button>
                <button type="button" class="btn small" on:click=move |_| lib.open(Dialog::Rename(node.get_value()))>{move || tx.get(F::rename)}</button>
                <button type="button" class="btn small" on:click=move |_| lib.open(Dialog::Move(node.get_value()))>{move || tx.get(F::move_to)}</button>
            })}
            {lib.active.then(|| view! {
                <button type="button" class="btn small" on:click=move |_| lib.open(Dialog::Copy(node.get_value()))>{move || tx.get(F::copy_to)}</button>
            })}
            {can_manage.then(|| view! {
                <button type="button" class="btn small" on:click=move |_| lib.open(Dialog::Grants(node.get_value()))>{move || tx.get(F::permissions)}</button>
            })}
            {can_edit.then(|| view! {
                <button type="button" class="btn small danger" on:click=move |_| library::to_trash(lib, node.get_value())>{move || i.t().delete}</button>
            })}
        </div>
        </div>
        <div class="file-body">
            <section class="card file-preview" aria-labelledby="preview-title">
                <div class="section-head">
                    <h2 id="preview-title">{move || i.t().preview}</h2>
                    {move || viewing.get().map(|v| view! {
                        <span class="badge badge-accent">{move || tx.fill_tracked(F::viewing_version, &[&v.to_string()])}</span>
                        <button type="button" class="btn small" on:click=move |_| viewing.set(None)>{move || tx.get(F::show_current)}</button>
                    })}
                </div>
                {move || {
                    let v = shown.get();
                    view! { <preview::Preview file=file_id version=v name=shown_name() /> }
                }}
            </section>
            <versions::Versions file=file versions=versions viewing=viewing can_edit=can_edit />
        </div>
    }
}
