//! 文件共享库: a project's file library (F1–F4, F6) — folders, uploads with progress (big
//! files resumable), versions, previews, comparisons, permission tiers, the trash and storage;
//! new co-edited documents (F5), which open in their editor (`features::docs`, by its route).
//! One lazy route, `/projects/:id/files`; where the reader is lives in the query (`?folder=`,
//! `?file=`, `?view=trash`), so back, forward and shared links work. Its texts and styles
//! come with its first page (`frontend/areas/files.{json,css}`).

mod dialogs;
mod file_page;
mod grants;
mod library;
mod listing;
mod preview;
mod trash;
mod tray;
mod tree;
mod uploads;
mod versions;

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use tandem_dto::{
    FileAccess, FileKind, FileLevel, FileResponse, FolderResponse, MemberResponse, ProjectResponse,
    ProjectRole, ProjectStatus,
};
use tandem_web_logic::files::{AccessWords, access_reason, fill};
use tandem_web_logic::texts::Files as F;
use uuid::Uuid;

use crate::api::{self, ApiError};
use crate::components::{ErrorBox, Loading, ToastKind, Toaster, use_toaster};
use crate::i18n::texts::{Texts, WithTexts, use_texts};
use crate::i18n::{I18n, use_i18n};
use crate::shell::set_title;
use crate::state::use_auth;

/// The area's texts by key.
#[derive(Clone, Copy)]
pub(crate) struct Tx(Texts);

impl Tx {
    pub fn get(self, k: F) -> String {
        self.0.get(k as usize)
    }

    pub fn untracked(self, k: F) -> String {
        self.0.get_untracked(k as usize)
    }

    /// A text with its `{0}`, `{1}` … filled in (untracked: for toasts and one-off strings).
    pub fn fill(self, k: F, args: &[&str]) -> String {
        fill(&self.untracked(k), args)
    }

    /// A text with its placeholders filled in, following the language.
    pub fn fill_tracked(self, k: F, args: &[&str]) -> String {
        fill(&self.get(k), args)
    }

    pub fn level(self, l: FileLevel) -> String {
        self.get(match l {
            FileLevel::View => F::lv_view,
            FileLevel::Edit => F::lv_edit,
            FileLevel::Manage => F::lv_manage,
        })
    }

    /// Why the caller has their access, in words.
    pub fn reason(self, a: &FileAccess) -> String {
        let w = |k| self.get(k);
        let (admin, editor, viewer, system) = (
            w(F::src_admin),
            w(F::src_editor),
            w(F::src_viewer),
            w(F::src_system),
        );
        let (folder, file, you, attachment) = (
            w(F::src_grant_folder),
            w(F::src_grant_file),
            w(F::you),
            w(F::src_attachment),
        );
        access_reason(
            a,
            &AccessWords {
                role_admin: &admin,
                role_editor: &editor,
                role_viewer: &viewer,
                system_admin: &system,
                grant_folder: &folder,
                grant_file: &file,
                you: &you,
                attachment: &attachment,
            },
        )
    }

    /// An error in words: the library's own conflicts by code, the rest as everywhere else.
    pub fn error(self, i: I18n, e: &ApiError) -> String {
        let own = match e.code() {
            Some("name_taken") => Some(F::err_name_taken),
            Some("quota_exceeded") => Some(F::err_quota),
            Some("folder_cycle") => Some(F::err_cycle),
            Some("folder_in_trash") => Some(F::err_folder_in_trash),
            Some("not_text") => Some(F::err_not_text),
            _ if e.field_errors().iter().any(|f| f.code == "invalid_name") => {
                Some(F::err_name_invalid)
            }
            _ => None,
        };
        match own {
            Some(k) => self.untracked(k),
            None => i.api_error_untracked(e),
        }
    }
}

/// "Your access: Can edit · granted on folder 设计稿 to 设计部".
#[component]
pub(crate) fn AccessLine(access: FileAccess) -> impl IntoView {
    let tx = use_tx();
    view! {
        <span class="lib-access-text">
            {move || format!("{}{} · {}", tx.get(F::your_access), tx.level(access.level), tx.reason(&access))}
        </span>
    }
}

pub(crate) fn use_tx() -> Tx {
    Tx(use_texts())
}

/// A folder or a file, where one action serves both.
#[derive(Clone, PartialEq)]
pub(crate) enum Node {
    Folder(FolderResponse),
    File(FileResponse),
}

impl Node {
    pub fn id(&self) -> Uuid {
        match self {
            Node::Folder(f) => f.id,
            Node::File(f) => f.id,
        }
    }
    pub fn name(&self) -> &str {
        match self {
            Node::Folder(f) => &f.name,
            Node::File(f) => &f.name,
        }
    }
    pub fn is_folder(&self) -> bool {
        matches!(self, Node::Folder(_))
    }
    pub fn access(&self) -> &FileAccess {
        match self {
            Node::Folder(f) => &f.access,
            Node::File(f) => &f.access,
        }
    }
    /// The folder it is in.
    pub fn parent(&self) -> Option<Uuid> {
        match self {
            Node::Folder(f) => f.parent_id,
            Node::File(f) => f.folder_id,
        }
    }
}

/// What the library's parts share: the project, the caller's rights, the folders (one list,
/// kept current by live events), people's names, and the signals that make parts read again.
#[derive(Clone, Copy)]
pub(crate) struct Lib {
    pub project: Uuid,
    /// The caller's role (system administrators act as project administrators).
    pub role: Option<ProjectRole>,
    /// Archived projects are read-only.
    pub active: bool,
    pub folders: RwSignal<Vec<FolderResponse>>,
    pub folders_failed: RwSignal<Option<ApiError>>,
    pub members: Signal<Vec<MemberResponse>>,
    /// Bumped when the open listing, file or trash should be read again.
    pub changed: RwSignal<u32>,
    pub dialog: RwSignal<dialogs::Dialog>,
    /// What had focus when the dialog opened, to give it back.
    pub opener: StoredValue<Option<web_sys::HtmlElement>, LocalStorage>,
    pub uploads: uploads::Uploads,
    /// The folder of the file whose page is open (the tree marks it).
    pub file_folder: RwSignal<Option<Uuid>>,
    /// "Moved to the trash — Undo", for a few seconds.
    pub undo: RwSignal<Option<(String, Node)>>,
    // Kept here for what runs after an `await` or in an event handler, where there is no
    // context to look them up in.
    pub tx: Tx,
    pub i: I18n,
    pub toaster: Toaster,
}

impl Lib {
    /// Whether the caller may add to `folder` (`None`: the top, where the project role rules).
    pub fn can_write_in(&self, folder: Option<Uuid>) -> bool {
        if !self.active {
            return false;
        }
        match folder {
            None => matches!(self.role, Some(ProjectRole::Admin | ProjectRole::Editor)),
            Some(id) => self.folders.with(|fs| {
                fs.iter()
                    .find(|f| f.id == id)
                    .is_some_and(|f| f.access.level.rank() >= FileLevel::Edit.rank())
            }),
        }
    }

    pub fn may(&self, node: &Node, level: FileLevel) -> bool {
        self.active && node.access().level.rank() >= level.rank()
    }

    pub fn name_of(&self, user: Uuid) -> String {
        self.members.with(|ms| {
            ms.iter()
                .find(|m| m.user_id == user)
                .map(|m| m.name.clone())
                .unwrap_or_else(|| "—".into())
        })
    }

    pub fn folder_name(&self, id: Option<Uuid>) -> Option<String> {
        let id = id?;
        self.folders
            .with_untracked(|fs| fs.iter().find(|f| f.id == id).map(|f| f.name.clone()))
    }

    pub fn reload_folders(&self) {
        let (folders, failed, project) = (self.folders, self.folders_failed, self.project);
        leptos::task::spawn_local(async move {
            match api::files::folders(project).await {
                Ok(list) => {
                    folders.try_set(list);
                    failed.try_set(None);
                }
                Err(e) => {
                    failed.try_set(Some(e));
                }
            }
        });
    }

    /// Says what went wrong, in the library's words where it has its own.
    pub fn fail(&self, e: &ApiError) {
        if *e != ApiError::SessionExpired {
            self.toaster
                .push(ToastKind::Error, self.tx.error(self.i, e));
        }
    }

    pub fn touch(&self) {
        self.changed.update(|v| *v += 1);
    }

    /// Where the library shows `folder`.
    pub fn folder_href(&self, folder: Option<Uuid>) -> String {
        match folder {
            Some(f) => format!("/projects/{}/files?folder={f}", self.project),
            None => format!("/projects/{}/files", self.project),
        }
    }

    pub fn file_href(&self, file: Uuid) -> String {
        format!("/projects/{}/files?file={file}", self.project)
    }

    /// Where a file opens from a listing: a document in its editor, any other file on its page.
    pub fn open_href(&self, f: &FileResponse) -> String {
        if f.kind == FileKind::Doc {
            crate::components::doc_href(f.id)
        } else {
            self.file_href(f.id)
        }
    }
}

/// Moves keyboard focus to the first element matching `selector` once it is drawn (a menu
/// or dialog that just opened).
pub(crate) fn focus_first(selector: String) {
    use wasm_bindgen::JsCast;
    gloo_timers::callback::Timeout::new(0, move || {
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector(&selector).ok().flatten())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    })
    .forget();
}

pub(crate) fn use_lib() -> Lib {
    expect_context()
}

/// The project's head with its tabs, the library's marked as open.
#[component]
fn Head(p: ProjectResponse, is_admin: bool) -> impl IntoView {
    let i = use_i18n();
    let pid = p.id;
    view! {
        <p class="crumbs"><a href="/projects">{move || i.t().nav_projects}</a> " / "</p>
        <div class="page-head">
            <div>
                <h1>{p.name.clone()}</h1>
                <p class="muted small">{p.start_date.to_string()} " – " {p.end_date.to_string()}</p>
            </div>
        </div>
        <nav class="tabs" aria-label=move || i.t().project_sections>
            <a class="tab" href=format!("/projects/{pid}")>{move || i.t().tasks}</a>
            <a class="tab" href=format!("/projects/{pid}/board")>{move || i.t().board}</a>
            <a class="tab" href=format!("/projects/{pid}/gantt")>{move || i.t().gantt}</a>
            <a class="tab" href=format!("/projects/{pid}/files") aria-current="page">{move || i.t().files}</a>
            <a class="tab" href=format!("/projects/{pid}?tab=members")>{move || i.t().members}</a>
            <a class="tab" href=format!("/projects/{pid}?tab=milestones")>{move || i.t().milestones}</a>
            {is_admin.then(|| view! {
                <a class="tab" href=format!("/projects/{pid}?tab=settings")>{move || i.t().settings}</a>
            })}
        </nav>
    }
}

/// F1–F4, F6: a project's file library.
#[component]
pub fn LibraryPage() -> impl IntoView {
    let auth = use_auth();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|s| s.parse::<Uuid>().ok())));
    let project = LocalResource::new(move || {
        let id = id.get();
        async move {
            match id {
                Some(id) => api::get::<ProjectResponse>(&format!("/projects/{id}")).await,
                None => Err(ApiError::Network("bad id".into())),
            }
        }
    });
    let members = LocalResource::new(move || {
        let id = id.get();
        async move {
            match id {
                Some(id) => api::all::<MemberResponse>(&format!("/projects/{id}/members")).await,
                None => Ok(Vec::new()),
            }
        }
    });
    let member_list =
        Signal::derive(move || members.get().and_then(Result::ok).unwrap_or_default());
    view! {
        {move || match project.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| project.refetch()) /> }.into_any(),
            Some(Ok(p)) => {
                set_title(&p.name);
                let role = if auth.is_admin() { Some(ProjectRole::Admin) } else { p.my_role };
                let active = p.status == ProjectStatus::Active;
                let pid = p.id;
                view! {
                    <Head p=p.clone() is_admin=role == Some(ProjectRole::Admin) />
                    <WithTexts area="files">
                        <Library project=pid role=role active=active members=member_list />
                    </WithTexts>
                }.into_any()
            }
        }}
    }
}

/// Sets up what the parts share, then draws them.
#[component]
fn Library(
    project: Uuid,
    role: Option<ProjectRole>,
    active: bool,
    members: Signal<Vec<MemberResponse>>,
) -> impl IntoView {
    let tx = use_tx();
    let lib = Lib {
        project,
        role,
        active,
        folders: RwSignal::new(Vec::new()),
        folders_failed: RwSignal::new(None),
        members,
        changed: RwSignal::new(0),
        dialog: RwSignal::new(dialogs::Dialog::None),
        opener: StoredValue::new_local(None),
        uploads: uploads::Uploads::new(),
        file_folder: RwSignal::new(None),
        undo: RwSignal::new(None),
        tx,
        i: use_i18n(),
        toaster: use_toaster(),
    };
    provide_context(lib);
    provide_context(tx);
    lib.reload_folders();
    lib.uploads.watch_connection(lib);
    library::follow_live(lib);
    let query = use_query_map();
    let folder =
        Memo::new(move |_| query.with(|q| q.get("folder").and_then(|s| s.parse::<Uuid>().ok())));
    let file =
        Memo::new(move |_| query.with(|q| q.get("file").and_then(|s| s.parse::<Uuid>().ok())));
    let trash = Memo::new(move |_| query.with(|q| q.get("view").as_deref() == Some("trash")));
    view! { <library::Frame folder=folder file=file trash=trash /> }
}
