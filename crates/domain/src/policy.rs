//! The one authorization policy. Every handler asks it; none decides ad hoc.
//!
//! A credential's power is the user's role intersected with the credential's scopes: a session
//! (JWT) carries every right of its user, a personal access token only the scopes it was given.
//! So a system administrator's token without the `admin` scope acts exactly like a member's.
//! The project half lives in [`crate::projects`].

use tandem_dto::{SystemRole, TokenScope, UserStatus};
use uuid::Uuid;

/// Who is calling, as far as authorization cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Uuid,
    pub role: SystemRole,
    /// `None` for a session (JWT) — full rights of the user; `Some` for a personal access token.
    pub scopes: Option<Vec<TokenScope>>,
}

impl Actor {
    /// Whether the credential carries `scope` (a session carries all of them).
    pub fn has_scope(&self, scope: TokenScope) -> bool {
        match &self.scopes {
            None => true,
            Some(s) => s.contains(&scope),
        }
    }

    /// Whether this credential may exercise the administrator role: the user is one, and the
    /// credential is a session or a token with the `admin` scope.
    pub fn acts_as_admin(&self) -> bool {
        self.role == SystemRole::Admin && self.has_scope(TokenScope::Admin)
    }
}

/// Everything the accounts area lets someone do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read one's own profile, tokens, replies, notifications.
    ReadSelf,
    /// Change one's own profile, replies, notifications.
    WriteSelf,
    /// Create or revoke personal access tokens.
    ManageOwnTokens,
    /// Browse the people directory and departments.
    ReadDirectory,
    /// Look at the registration queue and at accounts that are not active.
    ReadAccounts,
    /// Approve or reject registrations, change users' role or status.
    ManageUsers,
    /// Create, change and delete departments.
    ManageDepartments,
    /// Read the audit log.
    ReadAuditLog,
    /// List one's projects and tasks (what is inside a project is the project policy's call).
    ListProjects,
    /// List every project, member or not (`GET /projects?scope=all`).
    ListAllProjects,
    /// Start a new project (any active user).
    CreateProject,
    /// Give a department, an account or a project an external key: the keys share one
    /// namespace across the instance, which CI scripts trust to name *their* objects, so
    /// only administrators name things in it (a member could otherwise claim a key a seed
    /// file uses and have the seed fill their project).
    NameInstanceObjects,
}

/// Why the policy said no.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The user lacks the system role.
    #[error("requires the administrator role")]
    NotAdmin,
    /// The token lacks a scope.
    #[error("the access token lacks the `{0}` scope")]
    MissingScope(&'static str),
    /// A token asked to create a token with a scope it does not have itself.
    #[error("a token cannot create a token with more scopes than itself")]
    ScopeEscalation,
}

impl Denied {
    pub fn code(self) -> &'static str {
        match self {
            Denied::NotAdmin => "not_admin",
            Denied::MissingScope(_) | Denied::ScopeEscalation => "insufficient_scope",
        }
    }
}

fn require_scope(actor: &Actor, scope: TokenScope) -> Result<(), Denied> {
    if actor.has_scope(scope) {
        Ok(())
    } else {
        Err(Denied::MissingScope(scope.as_str()))
    }
}

fn require_admin(actor: &Actor) -> Result<(), Denied> {
    if actor.role != SystemRole::Admin {
        return Err(Denied::NotAdmin);
    }
    require_scope(actor, TokenScope::Admin)
}

/// Decides whether `actor` may perform `action`.
pub fn authorize(actor: &Actor, action: Action) -> Result<(), Denied> {
    match action {
        Action::ReadSelf | Action::ReadDirectory | Action::ListProjects => {
            require_scope(actor, TokenScope::Read)
        }
        Action::CreateProject => require_scope(actor, TokenScope::Write),
        Action::WriteSelf => require_scope(actor, TokenScope::Write),
        // A token must not mint more tokens unless it was explicitly given write rights.
        Action::ManageOwnTokens => require_scope(actor, TokenScope::Write),
        // Administration takes the administrator role, the `admin` scope, and the scope of
        // what is done: a token with `read` and `admin` may audit, not change.
        Action::ReadAccounts | Action::ReadAuditLog | Action::ListAllProjects => {
            require_admin(actor)?;
            require_scope(actor, TokenScope::Read)
        }
        Action::ManageUsers | Action::ManageDepartments | Action::NameInstanceObjects => {
            require_admin(actor)?;
            require_scope(actor, TokenScope::Write)
        }
    }
}

/// Whether `actor` may create a personal access token with `requested` scopes: a token never
/// gets more than the credential that creates it.
pub fn may_create_token(actor: &Actor, requested: &[TokenScope]) -> Result<(), Denied> {
    authorize(actor, Action::ManageOwnTokens)?;
    if requested.iter().all(|s| actor.has_scope(*s)) {
        Ok(())
    } else {
        Err(Denied::ScopeEscalation)
    }
}

/// Whether `actor` may look at the account `user` (profile, avatar). Active and deactivated
/// people are the directory (a deactivated colleague's past work keeps a name); registrations
/// nobody approved are their owner's and the administrators' business only.
pub fn may_see_account(actor: &Actor, user: Uuid, status: Option<UserStatus>) -> bool {
    if authorize(actor, Action::ReadDirectory).is_err() {
        return false;
    }
    let unapproved = matches!(status, Some(UserStatus::Pending | UserStatus::Rejected));
    !unapproved || user == actor.user_id || authorize(actor, Action::ReadAccounts).is_ok()
}

/// A change to a user's system role or status, as far as the "at least one active
/// administrator" rule cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdminChange {
    /// The user is an active administrator now.
    pub is_active_admin: bool,
    /// After the change they are still an active administrator.
    pub stays_active_admin: bool,
    /// Active administrators now, counted inside the writing transaction.
    pub active_admins: u64,
}

/// The change would leave the system without an active administrator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("this is the last active administrator")]
pub struct LastAdmin;

/// The system always keeps one active administrator: nobody can demote or deactivate the last.
pub fn keeps_an_admin(c: AdminChange) -> Result<(), LastAdmin> {
    if c.is_active_admin && !c.stays_active_admin && c.active_admins <= 1 {
        Err(LastAdmin)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: SystemRole, scopes: Option<Vec<TokenScope>>) -> Actor {
        Actor {
            user_id: Uuid::nil(),
            role,
            scopes,
        }
    }

    #[test]
    fn members_cannot_administer() {
        let m = actor(SystemRole::Member, None);
        assert_eq!(authorize(&m, Action::ManageUsers), Err(Denied::NotAdmin));
        assert_eq!(authorize(&m, Action::ReadAuditLog), Err(Denied::NotAdmin));
        assert_eq!(
            authorize(&m, Action::ListAllProjects),
            Err(Denied::NotAdmin)
        );
        assert!(authorize(&m, Action::ReadDirectory).is_ok());
    }

    #[test]
    fn an_admin_token_needs_the_admin_scope() {
        let t = actor(
            SystemRole::Admin,
            Some(vec![TokenScope::Read, TokenScope::Write]),
        );
        assert!(!t.acts_as_admin());
        for a in [
            Action::ManageDepartments,
            Action::ManageUsers,
            Action::ListAllProjects,
        ] {
            assert_eq!(authorize(&t, a), Err(Denied::MissingScope("admin")));
        }
        let t = actor(
            SystemRole::Admin,
            Some(vec![TokenScope::Write, TokenScope::Admin]),
        );
        assert!(t.acts_as_admin());
        assert!(authorize(&t, Action::ManageDepartments).is_ok());
        // Listing is a read: the admin scope alone does not read.
        assert_eq!(
            authorize(&t, Action::ListAllProjects),
            Err(Denied::MissingScope("read"))
        );
        // An auditor's token reads, and changes nothing.
        let auditor = actor(
            SystemRole::Admin,
            Some(vec![TokenScope::Read, TokenScope::Admin]),
        );
        assert!(authorize(&auditor, Action::ReadAuditLog).is_ok());
        assert!(authorize(&auditor, Action::ReadAccounts).is_ok());
        assert_eq!(
            authorize(&auditor, Action::ManageUsers),
            Err(Denied::MissingScope("write"))
        );
    }

    #[test]
    fn admin_scope_does_not_make_a_member_an_admin() {
        let t = actor(SystemRole::Member, Some(vec![TokenScope::Admin]));
        assert!(!t.acts_as_admin());
        assert_eq!(authorize(&t, Action::ManageUsers), Err(Denied::NotAdmin));
    }

    #[test]
    fn a_read_token_cannot_write() {
        let t = actor(SystemRole::Member, Some(vec![TokenScope::Read]));
        assert!(authorize(&t, Action::ReadSelf).is_ok());
        assert_eq!(
            authorize(&t, Action::WriteSelf),
            Err(Denied::MissingScope("write"))
        );
    }

    #[test]
    fn tokens_never_mint_broader_tokens() {
        let session = actor(SystemRole::Member, None);
        assert!(may_create_token(&session, &[TokenScope::Read, TokenScope::Admin]).is_ok());
        let rw = actor(
            SystemRole::Member,
            Some(vec![TokenScope::Read, TokenScope::Write]),
        );
        assert!(may_create_token(&rw, &[TokenScope::Read]).is_ok());
        assert_eq!(
            may_create_token(&rw, &[TokenScope::Admin]),
            Err(Denied::ScopeEscalation)
        );
        let read = actor(SystemRole::Member, Some(vec![TokenScope::Read]));
        assert_eq!(
            may_create_token(&read, &[TokenScope::Read]),
            Err(Denied::MissingScope("write"))
        );
    }

    #[test]
    fn registrations_nobody_approved_are_not_in_the_directory() {
        let member = actor(SystemRole::Member, None);
        let other = Uuid::now_v7();
        assert!(may_see_account(&member, other, Some(UserStatus::Active)));
        assert!(may_see_account(
            &member,
            other,
            Some(UserStatus::Deactivated)
        ));
        assert!(!may_see_account(&member, other, Some(UserStatus::Pending)));
        assert!(!may_see_account(&member, other, Some(UserStatus::Rejected)));
        // Their own, and the administrators'.
        assert!(may_see_account(
            &member,
            member.user_id,
            Some(UserStatus::Pending)
        ));
        let admin = actor(SystemRole::Admin, None);
        assert!(may_see_account(&admin, other, Some(UserStatus::Pending)));
        // An administrator's token without the admin scope is a member's.
        let scoped = actor(SystemRole::Admin, Some(vec![TokenScope::Read]));
        assert!(!may_see_account(&scoped, other, Some(UserStatus::Pending)));
    }

    #[test]
    fn the_last_active_administrator_stays() {
        let demote = |active_admins| {
            keeps_an_admin(AdminChange {
                is_active_admin: true,
                stays_active_admin: false,
                active_admins,
            })
        };
        assert_eq!(demote(1), Err(LastAdmin));
        assert_eq!(demote(2), Ok(()));
        // Members come and go freely; an admin keeping the role is no loss.
        assert!(
            keeps_an_admin(AdminChange {
                is_active_admin: false,
                stays_active_admin: false,
                active_admins: 1
            })
            .is_ok()
        );
        assert!(
            keeps_an_admin(AdminChange {
                is_active_admin: true,
                stays_active_admin: true,
                active_admins: 1
            })
            .is_ok()
        );
    }
}

/// What naming an object with an external key (I3) takes: the right to change that object.
/// Keys of departments and accounts are administration; keys inside a project follow the
/// project's roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRight {
    Instance(Action),
    /// The instance-wide right, and this right on the project the key's object is in.
    Project(crate::projects::ProjectAction),
    /// Both: an instance-wide name for a project.
    Both(Action, crate::projects::ProjectAction),
}

pub fn key_right(kind: tandem_dto::ExternalKeyKind) -> KeyRight {
    use crate::projects::ProjectAction;
    use tandem_dto::ExternalKeyKind as K;
    match kind {
        K::Department => KeyRight::Instance(Action::ManageDepartments),
        K::User => KeyRight::Instance(Action::ManageUsers),
        K::Project => KeyRight::Both(Action::NameInstanceObjects, ProjectAction::ManageProject),
        K::Milestone => KeyRight::Project(ProjectAction::ManageProject),
        K::Task | K::Comment => KeyRight::Project(ProjectAction::EditTasks),
        // Seeing the project; the library's own tiers then ask for edit on the item.
        K::Folder | K::File => KeyRight::Project(ProjectAction::View),
    }
}
