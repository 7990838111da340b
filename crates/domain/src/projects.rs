//! The project half of the authorization policy, and the task lifecycle.
//!
//! Every project action is decided here from (system role, project role, the object's state):
//! non-members see nothing (404), viewers read, editors work on tasks, project administrators
//! also manage members and settings; system administrators act as administrators of every
//! project. Archived projects are read-only until restored.

use tandem_dto::{ProjectRole, SystemRole, TaskStatus, TokenScope};

use crate::policy::Actor;

/// What someone wants to do inside a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectAction {
    /// Read the project, its members, milestones, tasks, comments, activity.
    View,
    /// Create or change tasks, dependencies, comments.
    EditTasks,
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
    /// Upload a new version, change permissions or delete an attachment; `assignee_only` ones
    /// only by the task's assignee and administrators.
    EditAttachment {
        assignee_only: bool,
        is_assignee: bool,
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
}

impl ProjectDenied {
    pub fn code(self) -> &'static str {
        match self {
            ProjectDenied::NotVisible => "not_found",
            ProjectDenied::Role => "project_role",
            ProjectDenied::MissingScope(_) => "insufficient_scope",
            ProjectDenied::Archived => "project_archived",
            ProjectDenied::ProtectedAttachments => "attachments_protected",
        }
    }
}

/// The role the caller effectively has: their membership, or administrator for a system
/// administrator.
pub fn effective_role(actor: &Actor, membership: Option<ProjectRole>) -> Option<ProjectRole> {
    if actor.role == SystemRole::Admin {
        Some(ProjectRole::Admin)
    } else {
        membership
    }
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
    let scope = |s: TokenScope| match &actor.scopes {
        Some(scopes) if !scopes.contains(&s) => Err(ProjectDenied::MissingScope(s.as_str())),
        _ => Ok(()),
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
    let allowed = match action {
        ProjectAction::View | ProjectAction::ViewAttachment { .. } => true,
        ProjectAction::EditTasks => role != ProjectRole::Viewer,
        ProjectAction::PostProgress { is_assignee } => {
            is_admin || (is_assignee && role != ProjectRole::Viewer)
        }
        ProjectAction::EditComment { is_author } => is_author && role != ProjectRole::Viewer,
        ProjectAction::DeleteComment { is_author } => {
            is_admin || (is_author && role != ProjectRole::Viewer)
        }
        ProjectAction::EditAttachment {
            assignee_only,
            is_assignee,
        } => role != ProjectRole::Viewer && (!assignee_only || is_assignee || is_admin),
        ProjectAction::DeleteTask {
            protected_attachments,
        } => {
            if role == ProjectRole::Viewer {
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

/// Why a status change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a task cannot go from {from:?} to {to:?}")]
pub struct InvalidTransition {
    pub from: TaskStatus,
    pub to: TaskStatus,
}

/// The task lifecycle: todo → in_progress → in_review → done, reopen (done or in_review →
/// in_progress), archive done tasks. Moving back from in_progress to todo is allowed (work not
/// started after all), skipping review (in_progress → done) too: small teams often have none.
pub fn check_transition(from: TaskStatus, to: TaskStatus) -> Result<(), InvalidTransition> {
    use TaskStatus::*;
    let ok = from == to
        || matches!(
            (from, to),
            (Todo, InProgress)
                | (InProgress, Todo)
                | (InProgress, InReview)
                | (InProgress, Done)
                | (InReview, InProgress)
                | (InReview, Done)
                | (Done, InProgress)
                | (Done, Archived)
                | (Archived, Done)
        );
    if ok {
        Ok(())
    } else {
        Err(InvalidTransition { from, to })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
