//! The project half of the authorization policy, and the task lifecycle.
//!
//! Every project action is decided here from (system role, project role, the object's state):
//! non-members see nothing (404), viewers read, editors work on tasks, project administrators
//! also manage members and settings; system administrators act as administrators of every
//! project — with a credential that carries the administrator role (a session, or a token with
//! the `admin` scope). Token scopes bind on top of every role. Archived projects are read-only
//! until restored.

use tandem_dto::{ProjectRole, TaskStatus, TokenScope};

use crate::policy::Actor;

/// What someone wants to do inside a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectAction {
    /// Read the project, its members, milestones, tasks, comments, activity.
    View,
    /// Create or change tasks, dependencies, comments.
    EditTasks,
    /// Change who a task is assigned to. An unassigned task may be given to anyone by any
    /// editor; once a task is someone's, only they (handing it over) or a project administrator
    /// may reassign or unassign it — otherwise "only the assignee" (progress, assignee-only
    /// attachments, protected deletes) would mean "anyone who first assigns it to themselves".
    ReassignTask {
        /// The task has an assignee now.
        assigned: bool,
        /// The caller is that assignee.
        is_assignee: bool,
    },
    /// Post a progress update on a task; allowed to its assignee and to administrators.
    PostProgress {
        is_assignee: bool,
    },
    /// Change or delete a comment; allowed to its author (administrators may delete).
    EditComment {
        is_author: bool,
    },
    DeleteComment {
        is_author: bool,
    },
    /// See an attachment whose viewers may be restricted to a list (`listed`: the caller is on
    /// it, or uploaded it). Administrators always see it.
    ViewAttachment {
        restricted: bool,
        listed: bool,
    },
    /// Upload a new version or delete an attachment; `assignee_only` ones only by the task's
    /// assignee and administrators.
    EditAttachment {
        assignee_only: bool,
        is_assignee: bool,
    },
    /// Change who may see (`viewers`) or edit (`permission`) an attachment: a management
    /// action, for its uploader and project administrators only — a listed editor must not be
    /// able to open a restricted file to everyone.
    ManageAttachment {
        is_uploader: bool,
    },
    /// Delete a task. Its attachments go with it, so a task holding attachments the caller
    /// could not remove on their own (assignee-only, or hidden from them) takes a project
    /// administrator.
    DeleteTask {
        protected_attachments: bool,
    },
    /// Add, change and remove members.
    ManageMembers,
    /// Change settings and milestones, archive.
    ManageProject,
    /// Bring an archived project back (the only write an archived project accepts).
    Restore,
}

/// Why the policy said no.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProjectDenied {
    /// Not a member: the project does not exist for this caller (404).
    #[error("not found")]
    NotVisible,
    /// A member without the needed role (403).
    #[error("your role in this project does not allow this")]
    Role,
    /// The token lacks a scope (403).
    #[error("the access token lacks the `{0}` scope")]
    MissingScope(&'static str),
    /// The project is archived (409).
    #[error("the project is archived")]
    Archived,
    /// The task holds attachments only their assignee or an administrator may remove (403).
    #[error("the task holds attachments only its assignee or a project administrator may remove")]
    ProtectedAttachments,
    /// The task is someone's: only they or a project administrator may reassign it (403).
    #[error("only the current assignee or a project administrator may reassign this task")]
    Reassign,
    /// The caller's permission on this folder or file is too low (403).
    #[error("your permission on this folder or file does not allow this")]
    FileLevel,
}

impl ProjectDenied {
    pub fn code(self) -> &'static str {
        match self {
            ProjectDenied::NotVisible => "not_found",
            ProjectDenied::Role => "project_role",
            ProjectDenied::MissingScope(_) => "insufficient_scope",
            ProjectDenied::Archived => "project_archived",
            ProjectDenied::ProtectedAttachments => "attachments_protected",
            ProjectDenied::Reassign => "reassign_not_allowed",
            ProjectDenied::FileLevel => "file_permission",
        }
    }
}

/// The role the caller's credential effectively has: their membership, or administrator for a
/// system administrator whose credential carries that power (a session, or a token with the
/// `admin` scope — see [`Actor::acts_as_admin`]).
pub fn effective_role(actor: &Actor, membership: Option<ProjectRole>) -> Option<ProjectRole> {
    if actor.acts_as_admin() {
        Some(ProjectRole::Admin)
    } else {
        membership
    }
}

/// Whether the caller sees a project at all (lists that mention objects of several projects
/// use it to decide what to name).
pub fn may_see_project(actor: &Actor, membership: Option<ProjectRole>) -> bool {
    authorize_project(actor, membership, false, ProjectAction::View).is_ok()
}

/// Whether the caller sees every project, member or not (live events of all projects).
pub fn sees_every_project(actor: &Actor) -> bool {
    may_see_project(actor, None)
}

/// Decides whether `actor`, with `membership` in a project that is `archived` or not, may do
/// `action`.
pub fn authorize_project(
    actor: &Actor,
    membership: Option<ProjectRole>,
    archived: bool,
    action: ProjectAction,
) -> Result<(), ProjectDenied> {
    let Some(role) = effective_role(actor, membership) else {
        return Err(ProjectDenied::NotVisible);
    };
    let scope = |s: TokenScope| {
        if actor.has_scope(s) {
            Ok(())
        } else {
            Err(ProjectDenied::MissingScope(s.as_str()))
        }
    };
    let is_admin = role == ProjectRole::Admin;
    match action {
        ProjectAction::View => return scope(TokenScope::Read),
        ProjectAction::ViewAttachment { restricted, listed } => {
            scope(TokenScope::Read)?;
            // Not on the list: the attachment does not exist for the caller.
            return if !restricted || listed || is_admin {
                Ok(())
            } else {
                Err(ProjectDenied::NotVisible)
            };
        }
        _ => {}
    }
    scope(TokenScope::Write)?;
    let editor = role != ProjectRole::Viewer;
    let allowed = match action {
        ProjectAction::View | ProjectAction::ViewAttachment { .. } => true,
        ProjectAction::EditTasks => editor,
        ProjectAction::ReassignTask {
            assigned,
            is_assignee,
        } => {
            if !editor {
                false
            } else if archived || is_admin || !assigned || is_assignee {
                // Archived: the archive is the reason (409 below).
                true
            } else {
                return Err(ProjectDenied::Reassign);
            }
        }
        ProjectAction::PostProgress { is_assignee } => is_admin || (is_assignee && editor),
        ProjectAction::EditComment { is_author } => is_author && editor,
        ProjectAction::DeleteComment { is_author } => is_admin || (is_author && editor),
        ProjectAction::EditAttachment {
            assignee_only,
            is_assignee,
        } => editor && (!assignee_only || is_assignee || is_admin),
        ProjectAction::ManageAttachment { is_uploader } => is_admin || (is_uploader && editor),
        ProjectAction::DeleteTask {
            protected_attachments,
        } => {
            if !editor {
                false
            } else if archived {
                // Read-only project: that, not the attachments, is why (409 below).
                true
            } else if protected_attachments && !is_admin {
                return Err(ProjectDenied::ProtectedAttachments);
            } else {
                true
            }
        }
        ProjectAction::ManageMembers | ProjectAction::ManageProject | ProjectAction::Restore => {
            is_admin
        }
    };
    if !allowed {
        return Err(ProjectDenied::Role);
    }
    if archived && action != ProjectAction::Restore {
        return Err(ProjectDenied::Archived);
    }
    Ok(())
}

/// Which fields a project change touches, as far as the policy cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProjectUpdate {
    /// `status: active` is asked for.
    pub activates: bool,
    /// Any other field (name, goal, dates, departments, time zone, `status: archived`).
    pub changes_settings: bool,
}

/// The action a project change needs: restoring an archived project is its own action (the one
/// write an archived project accepts), and only when nothing else changes with it.
pub fn update_action(u: ProjectUpdate) -> ProjectAction {
    if u.activates && !u.changes_settings {
        ProjectAction::Restore
    } else {
        ProjectAction::ManageProject
    }
}

/// A membership change, as far as the "a project keeps an administrator" rule cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberChange {
    /// The member is an administrator of the project now.
    pub is_admin: bool,
    /// After the change they still are (false for a removal or a demotion).
    pub stays_admin: bool,
    /// Administrators of the project now, counted inside the writing transaction.
    pub admins: u64,
}

/// The change would leave the project without an administrator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a project keeps at least one administrator")]
pub struct LastProjectAdmin;

/// A project always keeps one administrator.
pub fn keeps_a_project_admin(c: MemberChange) -> Result<(), LastProjectAdmin> {
    if c.is_admin && !c.stays_admin && c.admins <= 1 {
        Err(LastProjectAdmin)
    } else {
        Ok(())
    }
}

/// Why a status change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a task cannot go from {from:?} to {to:?}")]
pub struct InvalidTransition {
    pub from: TaskStatus,
    pub to: TaskStatus,
}

/// The task lifecycle, as `tandem_dto::rules::transition_allowed` states it.
pub fn check_transition(from: TaskStatus, to: TaskStatus) -> Result<(), InvalidTransition> {
    // The rule itself lives in `dto::rules`, where the web app's menus read it too.
    if tandem_dto::rules::transition_allowed(from, to) {
        Ok(())
    } else {
        Err(InvalidTransition { from, to })
    }
}

/// The steps of the lifecycle from `from` to `to` (excluding `from`), each an allowed
/// transition: how a bulk write (an import, `tandem seed`) brings a task to the status it
/// names while the activity log still shows only moves the lifecycle allows.
pub fn lifecycle_path(from: TaskStatus, to: TaskStatus) -> Vec<TaskStatus> {
    use std::collections::{HashMap, VecDeque};
    if from == to {
        return Vec::new();
    }
    let mut came_from: HashMap<TaskStatus, TaskStatus> = HashMap::new();
    let mut queue = VecDeque::from([from]);
    while let Some(s) = queue.pop_front() {
        for &n in TaskStatus::ALL {
            if n != from && !came_from.contains_key(&n) && check_transition(s, n).is_ok() {
                came_from.insert(n, s);
                if n == to {
                    let mut path = vec![to];
                    let mut at = to;
                    while let Some(&p) = came_from.get(&at) {
                        if p == from {
                            break;
                        }
                        path.push(p);
                        at = p;
                    }
                    path.reverse();
                    return path;
                }
                queue.push_back(n);
            }
        }
    }
    vec![to]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_paths_take_only_allowed_steps() {
        use TaskStatus::*;
        assert_eq!(lifecycle_path(Todo, Done), [InProgress, Done]);
        assert_eq!(lifecycle_path(Archived, Todo), [Done, InProgress, Todo]);
        assert_eq!(lifecycle_path(InReview, InReview), Vec::<TaskStatus>::new());
        for &a in TaskStatus::ALL {
            for &b in TaskStatus::ALL {
                let mut at = a;
                for step in lifecycle_path(a, b) {
                    assert!(check_transition(at, step).is_ok(), "{a:?} -> {b:?}");
                    at = step;
                }
                assert_eq!(at, b);
            }
        }
    }
    use tandem_dto::SystemRole;
    use uuid::Uuid;

    fn actor(role: SystemRole, scopes: Option<Vec<TokenScope>>) -> Actor {
        Actor {
            user_id: Uuid::nil(),
            role,
            scopes,
        }
    }

    const ACTIONS: [ProjectAction; 9] = [
        ProjectAction::View,
        ProjectAction::EditTasks,
        ProjectAction::PostProgress { is_assignee: true },
        ProjectAction::PostProgress { is_assignee: false },
        ProjectAction::EditComment { is_author: true },
        ProjectAction::DeleteComment { is_author: false },
        ProjectAction::ManageMembers,
        ProjectAction::ManageProject,
        ProjectAction::Restore,
    ];

    #[test]
    fn deleting_a_task_with_protected_attachments_takes_an_administrator() {
        let m = actor(SystemRole::Member, None);
        let delete = |role, protected_attachments| {
            authorize_project(
                &m,
                Some(role),
                false,
                ProjectAction::DeleteTask {
                    protected_attachments,
                },
            )
        };
        assert_eq!(delete(ProjectRole::Editor, false), Ok(()));
        assert_eq!(
            delete(ProjectRole::Editor, true),
            Err(ProjectDenied::ProtectedAttachments)
        );
        assert_eq!(delete(ProjectRole::Admin, true), Ok(()));
        assert_eq!(delete(ProjectRole::Viewer, false), Err(ProjectDenied::Role));
        // In an archived project the archive is the reason.
        assert_eq!(
            authorize_project(
                &m,
                Some(ProjectRole::Editor),
                true,
                ProjectAction::DeleteTask {
                    protected_attachments: true
                }
            ),
            Err(ProjectDenied::Archived)
        );
    }

    #[test]
    fn the_role_matrix() {
        let m = actor(SystemRole::Member, None);
        let allowed = |role: Option<ProjectRole>| -> Vec<bool> {
            ACTIONS
                .iter()
                .map(|a| authorize_project(&m, role, false, *a).is_ok())
                .collect()
        };
        assert_eq!(allowed(None), [false; 9]);
        assert_eq!(
            allowed(Some(ProjectRole::Viewer)),
            [true, false, false, false, false, false, false, false, false]
        );
        assert_eq!(
            allowed(Some(ProjectRole::Editor)),
            [true, true, true, false, true, false, false, false, false]
        );
        assert_eq!(
            allowed(Some(ProjectRole::Admin)),
            [true, true, true, true, true, true, true, true, true]
        );
        // Non-members are told nothing exists; members without the role get 403.
        assert_eq!(
            authorize_project(&m, None, false, ProjectAction::View),
            Err(ProjectDenied::NotVisible)
        );
        assert_eq!(
            authorize_project(
                &m,
                Some(ProjectRole::Viewer),
                false,
                ProjectAction::EditTasks
            ),
            Err(ProjectDenied::Role)
        );
    }

    #[test]
    fn system_administrators_manage_every_project() {
        let a = actor(SystemRole::Admin, None);
        for action in ACTIONS {
            assert!(
                authorize_project(&a, None, false, action).is_ok(),
                "{action:?}"
            );
        }
    }

    #[test]
    fn archived_projects_are_read_only_until_restored() {
        let a = actor(SystemRole::Member, None);
        let admin = Some(ProjectRole::Admin);
        assert!(authorize_project(&a, admin, true, ProjectAction::View).is_ok());
        assert_eq!(
            authorize_project(&a, admin, true, ProjectAction::EditTasks),
            Err(ProjectDenied::Archived)
        );
        assert!(authorize_project(&a, admin, true, ProjectAction::Restore).is_ok());
        // A viewer learns it lacks the role before it learns about the archive.
        assert_eq!(
            authorize_project(&a, Some(ProjectRole::Viewer), true, ProjectAction::Restore),
            Err(ProjectDenied::Role)
        );
    }

    #[test]
    fn attachments_follow_their_own_permissions() {
        let m = actor(SystemRole::Member, None);
        let editor = Some(ProjectRole::Editor);
        let hidden = ProjectAction::ViewAttachment {
            restricted: true,
            listed: false,
        };
        assert_eq!(
            authorize_project(&m, editor, false, hidden),
            Err(ProjectDenied::NotVisible)
        );
        assert!(authorize_project(&m, Some(ProjectRole::Admin), false, hidden).is_ok());
        let mine = ProjectAction::EditAttachment {
            assignee_only: true,
            is_assignee: false,
        };
        assert_eq!(
            authorize_project(&m, editor, false, mine),
            Err(ProjectDenied::Role)
        );
        let assignee = ProjectAction::EditAttachment {
            assignee_only: true,
            is_assignee: true,
        };
        assert!(authorize_project(&m, editor, false, assignee).is_ok());
        assert_eq!(
            authorize_project(&m, Some(ProjectRole::Viewer), false, assignee),
            Err(ProjectDenied::Role)
        );
    }

    #[test]
    fn read_tokens_cannot_write() {
        let t = actor(SystemRole::Member, Some(vec![TokenScope::Read]));
        let admin = Some(ProjectRole::Admin);
        assert!(authorize_project(&t, admin, false, ProjectAction::View).is_ok());
        assert_eq!(
            authorize_project(&t, admin, false, ProjectAction::EditTasks),
            Err(ProjectDenied::MissingScope("write"))
        );
    }

    #[test]
    fn an_administrators_token_without_the_admin_scope_is_a_member() {
        let rw = actor(
            SystemRole::Admin,
            Some(vec![TokenScope::Read, TokenScope::Write]),
        );
        assert!(!sees_every_project(&rw));
        // Not a member: nothing exists.
        assert_eq!(
            authorize_project(&rw, None, false, ProjectAction::View),
            Err(ProjectDenied::NotVisible)
        );
        // A member: exactly the membership's rights.
        assert_eq!(
            authorize_project(
                &rw,
                Some(ProjectRole::Viewer),
                false,
                ProjectAction::EditTasks
            ),
            Err(ProjectDenied::Role)
        );
        let hidden = ProjectAction::ViewAttachment {
            restricted: true,
            listed: false,
        };
        assert_eq!(
            authorize_project(&rw, Some(ProjectRole::Editor), false, hidden),
            Err(ProjectDenied::NotVisible)
        );
        let full = actor(
            SystemRole::Admin,
            Some(vec![TokenScope::Read, TokenScope::Write, TokenScope::Admin]),
        );
        assert!(sees_every_project(&full));
        assert!(authorize_project(&full, None, false, ProjectAction::ManageMembers).is_ok());
        // The admin scope does not read or write by itself.
        let admin_only = actor(SystemRole::Admin, Some(vec![TokenScope::Admin]));
        assert!(!sees_every_project(&admin_only));
    }

    #[test]
    fn only_the_assignee_or_an_administrator_reassigns_an_assigned_task() {
        let m = actor(SystemRole::Member, None);
        let reassign = |role, assigned, is_assignee| {
            authorize_project(
                &m,
                Some(role),
                false,
                ProjectAction::ReassignTask {
                    assigned,
                    is_assignee,
                },
            )
        };
        // Unassigned work can be given out by any editor.
        assert_eq!(reassign(ProjectRole::Editor, false, false), Ok(()));
        // The assignee hands over.
        assert_eq!(reassign(ProjectRole::Editor, true, true), Ok(()));
        // Someone else's task: not by taking it.
        assert_eq!(
            reassign(ProjectRole::Editor, true, false),
            Err(ProjectDenied::Reassign)
        );
        assert_eq!(reassign(ProjectRole::Admin, true, false), Ok(()));
        assert_eq!(
            reassign(ProjectRole::Viewer, false, false),
            Err(ProjectDenied::Role)
        );
    }

    #[test]
    fn who_sees_an_attachment_is_managed_by_its_uploader_and_administrators() {
        let m = actor(SystemRole::Member, None);
        let manage = |role, is_uploader| {
            authorize_project(
                &m,
                Some(role),
                false,
                ProjectAction::ManageAttachment { is_uploader },
            )
        };
        assert_eq!(manage(ProjectRole::Editor, true), Ok(()));
        assert_eq!(manage(ProjectRole::Editor, false), Err(ProjectDenied::Role));
        assert_eq!(manage(ProjectRole::Admin, false), Ok(()));
        assert_eq!(manage(ProjectRole::Viewer, true), Err(ProjectDenied::Role));
    }

    #[test]
    fn restoring_is_its_own_action_only_when_alone() {
        let restore = ProjectUpdate {
            activates: true,
            changes_settings: false,
        };
        assert_eq!(update_action(restore), ProjectAction::Restore);
        assert_eq!(
            update_action(ProjectUpdate {
                activates: true,
                changes_settings: true
            }),
            ProjectAction::ManageProject
        );
        assert_eq!(
            update_action(ProjectUpdate::default()),
            ProjectAction::ManageProject
        );
    }

    #[test]
    fn a_project_keeps_an_administrator() {
        let change = |is_admin, stays_admin, admins| {
            keeps_a_project_admin(MemberChange {
                is_admin,
                stays_admin,
                admins,
            })
        };
        assert_eq!(change(true, false, 1), Err(LastProjectAdmin));
        assert_eq!(change(true, false, 2), Ok(()));
        assert_eq!(change(false, false, 1), Ok(()));
        assert_eq!(change(true, true, 1), Ok(()));
    }

    #[test]
    fn the_lifecycle() {
        use TaskStatus::*;
        assert!(check_transition(Todo, InProgress).is_ok());
        assert!(check_transition(InReview, Done).is_ok());
        assert!(check_transition(Done, InProgress).is_ok());
        assert!(check_transition(Done, Archived).is_ok());
        assert!(check_transition(Todo, Done).is_err());
        assert!(check_transition(Todo, Archived).is_err());
        assert!(check_transition(InProgress, Archived).is_err());
        assert!(check_transition(Archived, InProgress).is_err());
    }
}
