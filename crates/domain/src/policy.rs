//! The one authorization policy. Every handler asks it; none decides ad hoc.

use tandem_dto::{SystemRole, TokenScope};
use uuid::Uuid;

/// Who is calling, as far as authorization cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Uuid,
    pub role: SystemRole,
    /// `None` for a session (JWT) — full rights of the user; `Some` for a personal access token.
    pub scopes: Option<Vec<TokenScope>>,
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
    /// Approve or reject registrations, change users' role or status.
    ManageUsers,
    /// Create, change and delete departments.
    ManageDepartments,
    /// Read the audit log.
    ReadAuditLog,
    /// List one's projects and tasks (what is inside a project is the project policy's call).
    ListProjects,
    /// Start a new project (any active user).
    CreateProject,
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
}

impl Denied {
    pub fn code(self) -> &'static str {
        match self {
            Denied::NotAdmin => "not_admin",
            Denied::MissingScope(_) => "insufficient_scope",
        }
    }
}

fn has_scope(actor: &Actor, scope: TokenScope) -> bool {
    match &actor.scopes {
        None => true,
        Some(s) => s.contains(&scope),
    }
}

fn require_scope(actor: &Actor, scope: TokenScope) -> Result<(), Denied> {
    if has_scope(actor, scope) {
        Ok(())
    } else {
        Err(Denied::MissingScope(scope.as_str()))
    }
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
        Action::ManageUsers | Action::ManageDepartments | Action::ReadAuditLog => {
            if actor.role != SystemRole::Admin {
                return Err(Denied::NotAdmin);
            }
            require_scope(actor, TokenScope::Admin)
        }
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
        assert!(authorize(&m, Action::ReadDirectory).is_ok());
    }

    #[test]
    fn an_admin_token_needs_the_admin_scope() {
        let t = actor(
            SystemRole::Admin,
            Some(vec![TokenScope::Read, TokenScope::Write]),
        );
        assert_eq!(
            authorize(&t, Action::ManageDepartments),
            Err(Denied::MissingScope("admin"))
        );
        let t = actor(SystemRole::Admin, Some(vec![TokenScope::Admin]));
        assert!(authorize(&t, Action::ManageDepartments).is_ok());
    }

    #[test]
    fn admin_scope_does_not_make_a_member_an_admin() {
        let t = actor(SystemRole::Member, Some(vec![TokenScope::Admin]));
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
}
