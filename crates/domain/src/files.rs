//! The file library's half of the policy (F3): what a person may do with a folder or file,
//! and why.
//!
//! Project roles give everyone a base level throughout the library: administrators manage,
//! editors edit, viewers view. Grants on folders and files add to it, for one person or a
//! whole department (and its sub-departments): a grant holds for everything below where it is
//! set, and a grant for the same person or department further down replaces it there (it may
//! give more or less). A *restricted* folder cuts off both the project roles and the grants
//! from above: inside it, only its own grants (and those below) count. Project administrators
//! (and system administrators acting as one) manage everything, restricted or not, so nothing
//! can be locked away from the project's owners. Token scopes bind on top, as everywhere.

use tandem_dto::{FileLevel, GrantSubjectKind, NodeKind, ProjectRole, TokenScope};
use uuid::Uuid;

use crate::policy::Actor;
use crate::projects::{ProjectDenied, effective_role};

/// A grant as the policy sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub subject_kind: GrantSubjectKind,
    pub subject_id: Uuid,
    pub level: FileLevel,
}

/// One folder (or the file itself, last) on the way from the top of the library down.
#[derive(Debug, Clone)]
pub struct PathNode<'a> {
    pub kind: NodeKind,
    pub id: Uuid,
    pub name: &'a str,
    pub restricted: bool,
    pub grants: &'a [Grant],
}

/// Who is asking: the user, their project role (already combined with a system administrator's
/// powers, see [`effective_role`]), and their department with the departments above it.
#[derive(Debug, Clone, Copy)]
pub struct Person<'a> {
    pub user_id: Uuid,
    pub role: Option<ProjectRole>,
    /// A system administrator acting as one, without being a member.
    pub system_admin: bool,
    pub departments: &'a [Uuid],
}

impl<'a> Person<'a> {
    /// The caller behind `actor`, with their `membership` of the project.
    pub fn caller(actor: &Actor, membership: Option<ProjectRole>, departments: &'a [Uuid]) -> Self {
        let role = effective_role(actor, membership);
        Person {
            user_id: actor.user_id,
            role,
            system_admin: membership != Some(ProjectRole::Admin)
                && role == Some(ProjectRole::Admin),
            departments,
        }
    }

    /// A member, as far as their role goes (for deciding who hears of a change).
    pub fn member(user_id: Uuid, role: ProjectRole, departments: &'a [Uuid]) -> Self {
        Person {
            user_id,
            role: Some(role),
            system_admin: false,
            departments,
        }
    }
}

/// Where a level comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Role(ProjectRole),
    /// A task attachment: decided by the task's rules (`crate::projects::ProjectAction::
    /// ViewAttachment` / `EditAttachment`), not by the library's.
    Attachment,
    SystemAdmin,
    Grant {
        on_kind: NodeKind,
        on_id: Uuid,
        on_name: String,
        subject_kind: GrantSubjectKind,
        subject_id: Uuid,
    },
}

/// A person's level on a folder or file, and its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub level: FileLevel,
    pub source: Source,
}

fn role_level(role: ProjectRole) -> FileLevel {
    match role {
        ProjectRole::Admin => FileLevel::Manage,
        ProjectRole::Editor => FileLevel::Edit,
        ProjectRole::Viewer => FileLevel::View,
    }
}

fn applies(g: &Grant, who: &Person<'_>) -> bool {
    match g.subject_kind {
        GrantSubjectKind::User => g.subject_id == who.user_id,
        GrantSubjectKind::Department => who.departments.contains(&g.subject_id),
    }
}

/// The level `who` has on the last node of `path` (the top of the library when `path` is
/// empty); `None`: they do not see it.
pub fn access(who: &Person<'_>, path: &[PathNode<'_>]) -> Option<Access> {
    let role = who.role?;
    if role == ProjectRole::Admin {
        return Some(Access {
            level: FileLevel::Manage,
            source: if who.system_admin {
                Source::SystemAdmin
            } else {
                Source::Role(role)
            },
        });
    }
    let mut base = Some(role_level(role));
    // Per person or department: the nearest grant in force, and where it is set.
    let mut held: Vec<(&Grant, &PathNode<'_>)> = Vec::new();
    for node in path {
        if node.restricted {
            base = None;
            held.clear();
        }
        for g in node.grants.iter().filter(|g| applies(g, who)) {
            match held
                .iter_mut()
                .find(|(h, _)| h.subject_kind == g.subject_kind && h.subject_id == g.subject_id)
            {
                Some(slot) => *slot = (g, node),
                None => held.push((g, node)),
            }
        }
    }
    let mut best = base.map(|level| Access {
        level,
        source: Source::Role(role),
    });
    for (g, node) in held {
        // On a tie the role explains it more simply than a grant.
        if best
            .as_ref()
            .is_none_or(|b| g.level.rank() > b.level.rank())
        {
            best = Some(Access {
                level: g.level,
                source: Source::Grant {
                    on_kind: node.kind,
                    on_id: node.id,
                    on_name: node.name.to_owned(),
                    subject_kind: g.subject_kind,
                    subject_id: g.subject_id,
                },
            });
        }
    }
    best
}

/// Whether the caller (with `access` from [`access`]) may act at `want` on a folder or file of
/// a project that is `archived` or not: unseen objects are 404, a level too low 403, a write
/// to an archived project 409.
pub fn authorize(
    actor: &Actor,
    access: Option<&Access>,
    archived: bool,
    want: FileLevel,
) -> Result<(), ProjectDenied> {
    let Some(access) = access else {
        return Err(ProjectDenied::NotVisible);
    };
    let scope = if want == FileLevel::View {
        TokenScope::Read
    } else {
        TokenScope::Write
    };
    if !actor.has_scope(scope) {
        return Err(ProjectDenied::MissingScope(scope.as_str()));
    }
    if access.level.rank() < want.rank() {
        return Err(ProjectDenied::FileLevel);
    }
    if archived && want != FileLevel::View {
        return Err(ProjectDenied::Archived);
    }
    Ok(())
}

/// Whether the credential may change anything at all: an upload is refused before its bytes
/// are read when it could never be stored.
pub fn may_write(actor: &Actor) -> Result<(), ProjectDenied> {
    if actor.has_scope(TokenScope::Write) {
        Ok(())
    } else {
        Err(ProjectDenied::MissingScope(TokenScope::Write.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tandem_dto::SystemRole;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn node<'a>(n: u128, restricted: bool, grants: &'a [Grant]) -> PathNode<'a> {
        PathNode {
            kind: NodeKind::Folder,
            id: id(n),
            name: "设计稿",
            restricted,
            grants,
        }
    }

    fn user_grant(user: u128, level: FileLevel) -> Grant {
        Grant {
            subject_kind: GrantSubjectKind::User,
            subject_id: id(user),
            level,
        }
    }

    fn dept_grant(dept: u128, level: FileLevel) -> Grant {
        Grant {
            subject_kind: GrantSubjectKind::Department,
            subject_id: id(dept),
            level,
        }
    }

    fn level(who: &Person<'_>, path: &[PathNode<'_>]) -> Option<FileLevel> {
        access(who, path).map(|a| a.level)
    }

    #[test]
    fn project_roles_give_the_base_level_everywhere() {
        let path = [node(10, false, &[])];
        for (role, want) in [
            (ProjectRole::Viewer, FileLevel::View),
            (ProjectRole::Editor, FileLevel::Edit),
            (ProjectRole::Admin, FileLevel::Manage),
        ] {
            let who = Person::member(id(1), role, &[]);
            assert_eq!(level(&who, &path), Some(want));
            assert_eq!(level(&who, &[]), Some(want));
        }
        let outsider = Person {
            user_id: id(1),
            role: None,
            system_admin: false,
            departments: &[],
        };
        assert_eq!(level(&outsider, &path), None);
    }

    #[test]
    fn grants_add_to_the_role_and_are_inherited() {
        let grants = [dept_grant(50, FileLevel::Manage)];
        let path = [node(10, false, &grants), node(11, false, &[])];
        let d50 = [id(50)];
        let viewer = Person::member(id(1), ProjectRole::Viewer, &d50);
        let a = access(&viewer, &path).unwrap();
        assert_eq!(a.level, FileLevel::Manage);
        assert!(
            matches!(a.source, Source::Grant { on_id, subject_id, .. } if on_id == id(10) && subject_id == id(50))
        );
        // Not in the department: the role alone.
        let d51 = [id(51)];
        let other = Person::member(id(2), ProjectRole::Viewer, &d51);
        assert_eq!(level(&other, &path), Some(FileLevel::View));
    }

    #[test]
    fn a_grant_further_down_replaces_the_same_subjects_grant_from_above() {
        let top = [user_grant(1, FileLevel::Manage)];
        let below = [user_grant(1, FileLevel::View)];
        let path = [node(10, true, &top), node(11, false, &below)];
        let who = Person::member(id(1), ProjectRole::Viewer, &[]);
        assert_eq!(level(&who, &path[..1]), Some(FileLevel::Manage));
        assert_eq!(level(&who, &path), Some(FileLevel::View));
    }

    #[test]
    fn restricted_folders_are_seen_only_by_their_grantees_and_administrators() {
        let above = [user_grant(2, FileLevel::Edit)];
        let inside = [dept_grant(50, FileLevel::Edit)];
        let path = [
            node(10, false, &above),
            node(11, true, &inside),
            node(12, false, &[]),
        ];
        let editor = Person::member(id(1), ProjectRole::Editor, &[]);
        assert_eq!(level(&editor, &path[..1]), Some(FileLevel::Edit));
        assert_eq!(level(&editor, &path), None);
        // A grant above the restricted folder does not reach into it.
        let granted_above = Person::member(id(2), ProjectRole::Viewer, &[]);
        assert_eq!(level(&granted_above, &path), None);
        let d50 = [id(50)];
        let in_dept = Person::member(id(3), ProjectRole::Viewer, &d50);
        assert_eq!(level(&in_dept, &path), Some(FileLevel::Edit));
        let admin = Person::member(id(4), ProjectRole::Admin, &[]);
        assert_eq!(level(&admin, &path), Some(FileLevel::Manage));
    }

    #[test]
    fn system_administrators_manage_with_an_admin_credential_only() {
        let path = [node(10, true, &[])];
        let session = Actor {
            user_id: id(9),
            role: SystemRole::Admin,
            scopes: None,
        };
        let who = Person::caller(&session, None, &[]);
        let a = access(&who, &path).unwrap();
        assert_eq!(
            (a.level, a.source),
            (FileLevel::Manage, Source::SystemAdmin)
        );
        let narrow = Actor {
            scopes: Some(vec![TokenScope::Read]),
            ..session
        };
        assert_eq!(level(&Person::caller(&narrow, None, &[]), &path), None);
    }

    #[test]
    fn scopes_levels_and_archives_bind_in_that_order() {
        let edit = Access {
            level: FileLevel::Edit,
            source: Source::Role(ProjectRole::Editor),
        };
        let reader = Actor {
            user_id: id(1),
            role: SystemRole::Member,
            scopes: Some(vec![TokenScope::Read]),
        };
        let session = Actor {
            scopes: None,
            ..reader.clone()
        };
        assert_eq!(
            authorize(&session, None, false, FileLevel::View),
            Err(ProjectDenied::NotVisible)
        );
        assert_eq!(
            authorize(&reader, Some(&edit), false, FileLevel::View),
            Ok(())
        );
        assert_eq!(
            authorize(&reader, Some(&edit), false, FileLevel::Edit),
            Err(ProjectDenied::MissingScope("write"))
        );
        assert_eq!(
            authorize(&session, Some(&edit), false, FileLevel::Manage),
            Err(ProjectDenied::FileLevel)
        );
        assert_eq!(
            authorize(&session, Some(&edit), true, FileLevel::Edit),
            Err(ProjectDenied::Archived)
        );
        assert_eq!(
            authorize(&session, Some(&edit), true, FileLevel::View),
            Ok(())
        );
    }
}
