//! 协作文档: a co-edited Markdown document (issue 13, F5) — the text edited by several people
//! at once over the Yjs protocol (`conn`, with the protocol itself in
//! `tandem_web_logic::coedit`), who is in it and where their cursors are (`editor`), a live
//! preview (`preview`), and its versions (`history`). One lazy route,
//! `/docs/:id`; the library links documents here. Texts and styles come with the
//! page (`frontend/areas/docs.{json,css}`).

mod conn;
mod editor;
mod history;
mod preview;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use tandem_dto::{DocResponse, MemberResponse, ProjectResponse};
use tandem_web_logic::coedit::User;
use tandem_web_logic::coedit::presence::colors_for;
use tandem_web_logic::files::fill;
use tandem_web_logic::texts::Docs as D;
use uuid::Uuid;

use conn::{Link, Status};

use crate::api::{self, ApiError};
use crate::components::{ErrorBox, Loading, Toaster, use_toaster};
use crate::i18n::texts::{Texts, WithTexts, use_texts};
use crate::i18n::use_i18n;
use crate::shell::set_title;
use crate::state::use_auth;

/// The area's texts by key.
#[derive(Clone, Copy)]
pub(crate) struct Tx(Texts);

impl Tx {
    pub fn get(self, k: D) -> String {
        self.0.get(k as usize)
    }

    /// A text with its `{0}`, `{1}` … filled in (untracked: for toasts).
    pub fn fill(self, k: D, args: &[&str]) -> String {
        fill(&self.0.get_untracked(k as usize), args)
    }

    /// A text with its placeholders filled in, following the language.
    pub fn fill_tracked(self, k: D, args: &[&str]) -> String {
        fill(&self.get(k), args)
    }
}

pub(crate) fn use_tx() -> Tx {
    Tx(use_texts())
}

/// What the page's parts share.
#[derive(Clone, Copy)]
pub(crate) struct Ctx {
    pub doc: Uuid,
    /// The newest version (a save that answers the same number saved nothing).
    pub current: RwSignal<i32>,
    /// Bumped when the versions should be read again.
    pub versions_changed: RwSignal<u32>,
    pub can_edit: RwSignal<bool>,
    pub members: Signal<Vec<MemberResponse>>,
    pub toaster: Toaster,
}

impl Ctx {
    pub fn fail(&self, e: &ApiError) {
        self.toaster.error(e);
    }
}

pub(crate) fn use_ctx() -> Ctx {
    expect_context()
}

/// F5: a document open for co-editing.
#[component]
pub fn DocPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|s| s.parse::<Uuid>().ok())));
    let data = LocalResource::new(move || {
        let id = id.get();
        async move {
            let Some(id) = id else {
                return Err(ApiError::Network("bad id".into()));
            };
            let doc = api::docs::get(id).await?;
            let project =
                api::get::<ProjectResponse>(&format!("/projects/{}", doc.file.project_id)).await?;
            Ok((doc, project))
        }
    });
    let i = use_i18n();
    view! {
        {move || match data.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(e)) if e.status() == Some(404) => view! {
                <WithTexts area="docs"><Gone project=None /></WithTexts>
            }.into_any(),
            Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| data.refetch()) /> }.into_any(),
            Some(Ok((doc, project))) => {
                set_title(&doc.file.name);
                let pid = project.id;
                view! {
                    <p class="crumbs">
                        <a href="/projects">{move || i.t().nav_projects}</a> " / "
                        <a href=format!("/projects/{pid}")>{project.name.clone()}</a> " / "
                        <a href=folder_href(pid, doc.file.folder_id)>{move || i.t().files}</a> " / "
                    </p>
                    <WithTexts area="docs"><Workspace doc=doc.clone() /></WithTexts>
                }.into_any()
            }
        }}
    }
}

fn folder_href(project: Uuid, folder: Option<Uuid>) -> String {
    match folder {
        Some(f) => format!("/projects/{project}/files?folder={f}"),
        None => format!("/projects/{project}/files"),
    }
}

/// The document is gone, or the reader may no longer see it.
#[component]
fn Gone(project: Option<Uuid>) -> impl IntoView {
    let tx = use_tx();
    view! {
        <div class="empty" role="alert">
            <p class="empty-title">{move || tx.get(D::gone_title)}</p>
            <p class="muted">{move || tx.get(D::gone_text)}</p>
            <a class="btn" href=project.map(|p| format!("/projects/{p}/files")).unwrap_or_else(|| "/projects".into())>
                {move || tx.get(D::back_to_files)}
            </a>
        </div>
    }
}

/// Which half a phone shows (a wide screen shows both).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pane {
    Edit,
    Preview,
}

#[component]
fn Workspace(doc: DocResponse) -> impl IntoView {
    let tx = use_tx();
    let auth = use_auth();
    let project = doc.file.project_id;
    let id = doc.file.id;
    let members = LocalResource::new(move || async move {
        api::all::<MemberResponse>(&format!("/projects/{project}/members")).await
    });
    let ctx = Ctx {
        doc: id,
        current: RwSignal::new(doc.file.current_version),
        versions_changed: RwSignal::new(0),
        can_edit: RwSignal::new(doc.can_edit),
        members: Signal::derive(move || members.get().and_then(Result::ok).unwrap_or_default()),
        toaster: use_toaster(),
    };
    provide_context(ctx);
    let (name, seed) = auth
        .user
        .with_untracked(|u| u.as_ref().map(|u| (u.name.clone(), u.id.as_u128())))
        .unwrap_or_default();
    let (color, color_light) = colors_for(seed);
    let link = Link::start(
        id,
        doc.can_edit,
        User {
            name,
            color,
            color_light,
        },
    );
    // The text as last read, until the first sync brings the live one.
    link.text.set(doc.text.clone());
    // Rights are read again at every reconnect.
    Effect::new(move |_| ctx.can_edit.set(link.can_edit.get()));
    // Versions others save (and the automatic ones) show up without a reload.
    crate::state::live::reread_on(ctx.versions_changed, 300, move |e| {
        e.kind == "library.changed" && e.project_id == Some(project)
    });
    let pane = RwSignal::new(Pane::Edit);
    let history = RwSignal::new(false);
    let saving = RwSignal::new(false);
    let file_name = doc.file.name.clone();
    let folder = doc.file.folder_id;
    view! {
        {move || (link.status.get() == Status::Gone).then(|| view! { <Gone project=Some(project) /> })}
        <Show when=move || link.status.get() != Status::Gone>
            <div class="page-head doc-head">
                <div class="grow">
                    <h1 class="doc-title">{file_name.clone()}</h1>
                    <p class="doc-status-line">
                        <StatusPill link=link />
                        <Show when=move || !link.can_edit.get()>
                            <span class="badge badge-warn doc-readonly">{move || tx.get(D::read_only)}</span>
                        </Show>
                    </p>
                </div>
                <People link=link />
            </div>
            <Show when=move || !link.can_edit.get()>
                <p class="muted small doc-readonly-hint">{move || tx.get(D::read_only_hint)}</p>
            </Show>
            <div class="doc-bar" role="toolbar" aria-label=move || tx.get(D::editor_label)>
                <div class="doc-panes" role="group">
                    <button type="button" class="btn small" aria-pressed=move || (pane.get() == Pane::Edit).to_string()
                        on:click=move |_| pane.set(Pane::Edit)>{move || tx.get(D::edit)}</button>
                    <button type="button" class="btn small" aria-pressed=move || (pane.get() == Pane::Preview).to_string()
                        on:click=move |_| pane.set(Pane::Preview)>{move || tx.get(D::preview)}</button>
                </div>
                <div class="actions">
                    <Show when=move || link.can_edit.get()>
                        <button type="button" id="doc-save" class="btn small primary" title=move || tx.get(D::shortcut_save)
                            on:click=move |_| saving.set(true)>{move || tx.get(D::save_version)}</button>
                    </Show>
                    <button type="button" id="doc-history-toggle" class="btn small" aria-controls="doc-history"
                        aria-expanded=move || history.get().to_string()
                        on:click=move |_| history.update(|h| *h = !*h)>{move || tx.get(D::history)}</button>
                    <a class="btn small" href=folder_href(project, folder)>{move || tx.get(D::back_to_files)}</a>
                </div>
            </div>
            <div class="doc-split" data-pane=move || if pane.get() == Pane::Edit { "edit" } else { "preview" }>
                <section class="doc-pane doc-edit-pane" aria-label=move || tx.get(D::edit)>
                    <editor::Editor link=link on_save=Callback::new(move |()| saving.set(true)) />
                </section>
                <section class="doc-pane doc-preview-pane card" aria-label=move || tx.get(D::preview)>
                    <preview::Preview link=link />
                </section>
            </div>
            <div id="doc-history">
                <Show when=move || history.get()>
                    <history::History />
                </Show>
            </div>
            <Show when=move || saving.get()>
                <history::SaveDialog open=saving />
            </Show>
        </Show>
    }
}

/// Connecting / live / offline, announced politely as it changes.
#[component]
fn StatusPill(link: Link) -> impl IntoView {
    let tx = use_tx();
    let text = move || match link.status.get() {
        Status::Connecting if link.synced.get() => tx.get(D::connecting),
        Status::Connecting => format!("{} · {}", tx.get(D::connecting), tx.get(D::not_synced)),
        Status::Live => tx.get(D::live),
        Status::Offline => tx.get(D::offline),
        Status::Gone => tx.get(D::gone_title),
    };
    let state = move || match link.status.get() {
        Status::Connecting => "connecting",
        Status::Live => "live",
        Status::Offline => "offline",
        Status::Gone => "gone",
    };
    view! {
        <span id="doc-status" class="doc-status" data-state=state role="status" aria-live="polite">
            <span class="doc-status-dot" aria-hidden="true"></span>{text}
        </span>
    }
}

/// Who else is here: a chip per person in their colour, and ourselves first.
#[component]
fn People(link: Link) -> impl IntoView {
    let tx = use_tx();
    let auth = use_auth();
    let me = auth
        .user
        .with_untracked(|u| u.as_ref().map(|u| (u.name.clone(), u.id.as_u128())))
        .unwrap_or_default();
    let (my_color, _) = colors_for(me.1);
    let chip = |name: String, color: String, you: Option<String>| {
        let initial: String = name.chars().take(1).collect();
        let title = name.clone();
        let dot = color.clone();
        view! {
            <li class="doc-person" style:border-color=color title=title>
                <span class="doc-person-dot" style:background-color=dot aria-hidden="true">{initial}</span>
                <span class="doc-person-name">{name}</span>
                {you.map(|y| view! { <span class="muted small">" (" {y} ")"</span> })}
            </li>
        }
    };
    view! {
        <div class="doc-people">
            <ul class="doc-people-list" aria-label=move || tx.get(D::people)>
                {move || chip(me.0.clone(), my_color.clone(), Some(tx.get(D::you)))}
                {move || {
                    let someone = tx.get(D::someone);
                    link.peers.get().into_iter().map(|p| {
                        let name = if p.name.is_empty() { someone.clone() } else { p.name };
                        chip(name, p.color, None)
                    }).collect_view()
                }}
            </ul>
            <Show when=move || link.peers.with(Vec::is_empty)>
                <p class="muted small doc-alone">{move || tx.get(D::only_you)}</p>
            </Show>
        </div>
    }
}
