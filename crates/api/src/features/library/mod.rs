//! F1–F6: the project file library. Handlers load the project's tree (folders and grants) once
//! per request and ask the policy (`tandem_domain::files`) about the whole path of what they
//! touch; objects the caller may not see are 404 everywhere, listings and events included.

pub mod docs;
pub mod files;
pub mod folders;
pub mod grants;
pub mod preview;
pub mod resumable;
pub mod upload;

use std::collections::HashMap;

use tandem_db::entities::{file_grants, files as file_rows, folders as folder_rows};
use tandem_db::files::{self as repo, Tree};
use tandem_domain::files::{self as policy, Access, Grant, PathNode, Person, Source};
use tandem_dto::{
    AccessSource, FileAccess, FileLevel, GrantSubjectKind, LibraryChange, LibraryChangedEvent,
    NodeKind, ProjectRole, WsEventKind,
};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::events::Audience;
use crate::extract::AuthUser;
use crate::features::access::{self, ProjectAccess};
use crate::outbox::Outbox;
use crate::state::AppState;

/// Items in the trash are removed for good after this long.
pub const TRASH_DAYS: i64 = 30;

/// One project's library as the caller sees it.
pub struct Library {
    pub access: ProjectAccess,
    pub tree: Tree,
    departments: Vec<Uuid>,
    by_id: HashMap<Uuid, usize>,
    folder_grants: HashMap<Uuid, Vec<Grant>>,
    file_grants: HashMap<Uuid, Vec<Grant>>,
}

fn to_grant(g: &file_grants::Model) -> Option<Grant> {
    Some(Grant {
        subject_kind: GrantSubjectKind::parse(&g.subject_kind)?,
        subject_id: g.subject_id,
        level: FileLevel::parse(&g.level)?,
    })
}

/// The caller's departments (with those above), read only when some grant of the project
/// is to a department: most libraries have none, and this is every request's path.
async fn departments_for(
    db: &impl tandem_db::ConnectionTrait,
    tree: &Tree,
    auth: &AuthUser,
) -> ApiResult<Vec<Uuid>> {
    let department_grants = tree
        .grants
        .iter()
        .any(|g| g.subject_kind == GrantSubjectKind::Department.as_str());
    if department_grants {
        Ok(repo::departments_of(db, auth.user.id).await?)
    } else {
        Ok(Vec::new())
    }
}

/// A folder or a file, as announced.
#[derive(Clone, Copy)]
pub enum Node<'a> {
    Folder(&'a folder_rows::Model),
    File(&'a file_rows::Model),
}

impl Library {
    /// The library of `project_id`, if the caller sees the project (404 otherwise).
    pub async fn load(state: &AppState, auth: &AuthUser, project_id: Uuid) -> ApiResult<Self> {
        let access = access::project(
            state,
            auth,
            project_id,
            tandem_domain::projects::ProjectAction::View,
        )
        .await?;
        let tree = repo::tree(&state.db, project_id).await?;
        let departments = departments_for(&state.db, &tree, auth).await?;
        Ok(Self::new(access, tree, departments))
    }

    /// Read again inside a writing transaction, so the decision holds for the write.
    pub async fn reload(
        &self,
        txn: &impl tandem_db::ConnectionTrait,
        auth: &AuthUser,
    ) -> ApiResult<Self> {
        let project = tandem_db::projects::find_project(txn, self.access.project.id).await?;
        let membership = tandem_db::projects::membership(txn, project.id, auth.user.id).await?;
        let access = ProjectAccess {
            project: std::sync::Arc::new(project),
            membership,
        };
        access.check(auth, tandem_domain::projects::ProjectAction::View)?;
        let tree = repo::tree(txn, access.project.id).await?;
        let departments = departments_for(txn, &tree, auth).await?;
        Ok(Self::new(access, tree, departments))
    }

    fn new(access: ProjectAccess, tree: Tree, departments: Vec<Uuid>) -> Self {
        let by_id = tree
            .folders
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id, i))
            .collect();
        let mut folder_grants: HashMap<Uuid, Vec<Grant>> = HashMap::new();
        let mut file_grants: HashMap<Uuid, Vec<Grant>> = HashMap::new();
        for g in &tree.grants {
            let Some(grant) = to_grant(g) else { continue };
            match (g.folder_id, g.file_id) {
                (Some(f), _) => folder_grants.entry(f).or_default().push(grant),
                (None, Some(f)) => file_grants.entry(f).or_default().push(grant),
                (None, None) => {}
            }
        }
        Library {
            access,
            tree,
            departments,
            by_id,
            folder_grants,
            file_grants,
        }
    }

    pub fn project_id(&self) -> Uuid {
        self.access.project.id
    }

    pub fn folder(&self, id: Uuid) -> Option<&folder_rows::Model> {
        self.by_id.get(&id).map(|&i| &self.tree.folders[i])
    }

    /// The folders from the top down to `folder` (empty for the top).
    pub fn chain(&self, folder: Option<Uuid>) -> Vec<&folder_rows::Model> {
        let mut out = Vec::new();
        let mut at = folder;
        while let Some(id) = at {
            let Some(f) = self.folder(id) else { break };
            if out.iter().any(|x: &&folder_rows::Model| x.id == f.id) || out.len() > 256 {
                break;
            }
            out.push(f);
            at = f.parent_id;
        }
        out.reverse();
        out
    }

    /// Whether `folder` or a folder above it is in the trash.
    pub fn in_trash(&self, folder: Option<Uuid>) -> bool {
        self.chain(folder).iter().any(|f| f.deleted_at.is_some())
    }

    fn person<'a>(&'a self, auth: &AuthUser) -> Person<'a> {
        Person::caller(&auth.actor, self.access.membership, &self.departments)
    }

    fn nodes<'a>(&'a self, chain: &[&'a folder_rows::Model]) -> Vec<PathNode<'a>> {
        chain
            .iter()
            .map(|f| PathNode {
                kind: NodeKind::Folder,
                id: f.id,
                name: &f.name,
                restricted: f.restricted,
                grants: self.folder_grants.get(&f.id).map_or(&[], Vec::as_slice),
            })
            .collect()
    }

    /// The caller's level on a folder (`None`: the top of the library).
    pub fn folder_access(&self, auth: &AuthUser, folder: Option<Uuid>) -> Option<Access> {
        let chain = self.chain(folder);
        policy::access(&self.person(auth), &self.nodes(&chain))
    }

    /// The caller's level on a library file.
    pub fn file_access(&self, auth: &AuthUser, f: &file_rows::Model) -> Option<Access> {
        self.file_access_for(&self.person(auth), f)
    }

    fn file_access_for(&self, who: &Person<'_>, f: &file_rows::Model) -> Option<Access> {
        let chain = self.chain(f.folder_id);
        let mut nodes = self.nodes(&chain);
        nodes.push(PathNode {
            kind: NodeKind::File,
            id: f.id,
            name: &f.name,
            restricted: false,
            grants: self.file_grants.get(&f.id).map_or(&[], Vec::as_slice),
        });
        policy::access(who, &nodes)
    }

    /// Asks the policy whether the caller may act at `want` with `access`.
    pub fn check(
        &self,
        auth: &AuthUser,
        access: Option<&Access>,
        want: FileLevel,
    ) -> ApiResult<()> {
        policy::authorize(&auth.actor, access, self.access.archived(), want)?;
        Ok(())
    }

    /// A folder the caller sees (live, or in the trash when `trashed`), with their level.
    pub fn visible_folder(
        &self,
        auth: &AuthUser,
        id: Uuid,
        trashed: bool,
    ) -> ApiResult<(&folder_rows::Model, Access)> {
        let f = self.folder(id).ok_or(ApiError::NotFound)?;
        if !trashed && self.in_trash(Some(id)) {
            return Err(ApiError::NotFound);
        }
        let a = self.folder_access(auth, Some(id));
        self.check(auth, a.as_ref(), FileLevel::View)?;
        a.map(|a| (f, a)).ok_or(ApiError::NotFound)
    }

    /// The place a new entry goes: a live folder the caller may edit, or the top.
    pub fn writable_place(&self, auth: &AuthUser, folder: Option<Uuid>) -> ApiResult<()> {
        if let Some(id) = folder {
            // An unknown or unseen folder is a field error, not a missing resource.
            let seen = self.folder(id).is_some()
                && !self.in_trash(Some(id))
                && self.folder_access(auth, Some(id)).is_some();
            if !seen {
                return Err(ApiError::validation(
                    "folder_id",
                    "not_found",
                    "no such folder in this project",
                ));
            }
        }
        let a = self.folder_access(auth, folder);
        self.check(auth, a.as_ref(), FileLevel::Edit)
    }

    /// Who hears of a change to something at `folder` (and, for a file, the file itself):
    /// everyone in the project unless a restricted folder or a grant narrows it.
    pub async fn audience(
        &self,
        db: &impl tandem_db::ConnectionTrait,
        folder: Option<Uuid>,
        file: Option<&file_rows::Model>,
    ) -> ApiResult<Audience> {
        let chain = self.chain(folder);
        if !chain.iter().any(|f| f.restricted) {
            // Project roles reach it: every member sees it.
            return Ok(Audience::Project);
        }
        let members = repo::members_with_departments(db, self.project_id()).await?;
        let mut users = Vec::new();
        for (user, role, depts) in &members {
            let Some(role) = ProjectRole::parse(role) else {
                continue;
            };
            let who = Person::member(*user, role, depts);
            let seen = match file {
                Some(f) => self.file_access_for(&who, f).is_some(),
                None => policy::access(&who, &self.nodes(&chain)).is_some(),
            };
            if seen {
                users.push(*user);
            }
        }
        Ok(Audience::Users(users))
    }

    /// Queues `library.changed` for those who may see the node.
    pub async fn announce(
        &self,
        db: &impl tandem_db::ConnectionTrait,
        events: &mut Outbox,
        node: Node<'_>,
        change: LibraryChange,
    ) -> ApiResult<()> {
        let (kind, id, folder_id, audience) = match node {
            Node::Folder(f) => (
                NodeKind::Folder,
                f.id,
                f.parent_id,
                self.audience(db, Some(f.id), None).await?,
            ),
            Node::File(f) => (
                NodeKind::File,
                f.id,
                f.folder_id,
                self.audience(db, f.folder_id, Some(f)).await?,
            ),
        };
        events.event(
            WsEventKind::LibraryChanged,
            Some(self.project_id()),
            audience,
            None,
            &LibraryChangedEvent {
                node: kind,
                id,
                folder_id,
                change,
            },
        );
        Ok(())
    }
}

/// Explains levels: the names of the people and departments grants were given to.
pub async fn access_dtos(
    db: &impl tandem_db::ConnectionTrait,
    list: &[&Access],
) -> ApiResult<Vec<FileAccess>> {
    let (mut users, mut depts) = (Vec::new(), Vec::new());
    for a in list {
        if let Source::Grant {
            subject_kind,
            subject_id,
            ..
        } = &a.source
        {
            match subject_kind {
                GrantSubjectKind::User => users.push(*subject_id),
                GrantSubjectKind::Department => depts.push(*subject_id),
            }
        }
    }
    users.sort();
    users.dedup();
    depts.sort();
    depts.dedup();
    let names = repo::subject_names(db, &users, &depts).await?;
    Ok(list.iter().map(|a| access_dto(a, &names)).collect())
}

pub fn access_dto(a: &Access, names: &HashMap<Uuid, String>) -> FileAccess {
    let mut out = FileAccess {
        level: a.level,
        source: AccessSource::ProjectRole,
        role: None,
        on_kind: None,
        on_id: None,
        on_name: None,
        subject_kind: None,
        subject_id: None,
        subject_name: None,
    };
    match &a.source {
        Source::Role(r) => out.role = Some(*r),
        Source::SystemAdmin => out.source = AccessSource::SystemAdmin,
        Source::Attachment => out.source = AccessSource::Attachment,
        Source::Grant {
            on_kind,
            on_id,
            on_name,
            subject_kind,
            subject_id,
        } => {
            out.source = AccessSource::Grant;
            out.on_kind = Some(*on_kind);
            out.on_id = Some(*on_id);
            out.on_name = Some(on_name.clone());
            out.subject_kind = Some(*subject_kind);
            out.subject_id = Some(*subject_id);
            out.subject_name = names.get(subject_id).cloned();
        }
    }
    out
}

/// A name for an entry in `place` that no live entry has yet: `name`, or `name (2)`,
/// `name (3)` … before the extension.
pub async fn free_name(
    db: &impl tandem_db::ConnectionTrait,
    project_id: Uuid,
    place: Uuid,
    name: &str,
    folder: bool,
) -> ApiResult<String> {
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 && !folder => (&name[..i], &name[i..]),
        _ => (name, ""),
    };
    for n in 1..1000 {
        let candidate = if n == 1 {
            name.to_owned()
        } else {
            let suffix = format!(" ({n}){ext}");
            // Stay within 255 characters, cutting the stem.
            let room = 255usize.saturating_sub(suffix.chars().count());
            let stem: String = stem.chars().take(room).collect();
            format!("{stem}{suffix}")
        };
        let taken = if folder {
            repo::folder_named(db, project_id, place, &candidate)
                .await?
                .is_some()
        } else {
            repo::file_named(db, project_id, place, &candidate)
                .await?
                .is_some()
        };
        if !taken {
            return Ok(candidate);
        }
    }
    Err(ApiError::conflict(
        "name_taken",
        "too many entries share this name",
    ))
}

/// 409 naming the entry that already has the name.
pub fn name_taken(kind: NodeKind, existing: Uuid) -> ApiError {
    ApiError::Conflict {
        code: "name_taken",
        detail: format!("a {} of this name is already in this folder", kind.as_str()),
        context: Some(serde_json::json!({ "kind": kind.as_str(), "id": existing })),
    }
}

/// Checks a name given in a request body.
pub fn check_name(field: &str, name: &str) -> ApiResult<()> {
    if tandem_dto::valid_file_name(name) {
        Ok(())
    } else {
        Err(ApiError::validation(
            field,
            "invalid_name",
            "1 to 255 characters, no / or \\ or control characters, not . or ..",
        ))
    }
}
