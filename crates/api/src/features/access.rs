//! Loading a project or task together with the caller's right to act on it: the bridge between
//! handlers and the project policy (`tandem_domain::projects::authorize_project`).

use std::sync::Arc;

use tandem_db::entities::{projects, tasks};
use tandem_db::tasks::TaskRow;
use tandem_db::{projects as repo, tasks as task_repo};
use tandem_domain::projects::{ProjectAction, authorize_project};
use tandem_dto::{ProjectRole, ProjectStatus};
use uuid::Uuid;

use crate::error::ApiResult;
use crate::extract::AuthUser;
use crate::state::AppState;

/// A project the caller may act on, with their membership (None for a system administrator
/// who is not a member).
pub struct ProjectAccess {
    pub project: Arc<projects::Model>,
    pub membership: Option<ProjectRole>,
}

impl ProjectAccess {
    pub fn archived(&self) -> bool {
        self.project.status == ProjectStatus::Archived.as_str()
    }

    /// Asks the policy about another action on the same project.
    pub fn check(&self, auth: &AuthUser, action: ProjectAction) -> ApiResult<()> {
        authorize_project(&auth.actor, self.membership, self.archived(), action)?;
        Ok(())
    }

    /// Asks the policy again about the project as it is now (`current`, read inside the
    /// writing transaction): it may have been archived or restored since it was loaded.
    pub fn check_now(
        &self,
        auth: &AuthUser,
        current: &projects::Model,
        action: ProjectAction,
    ) -> ApiResult<()> {
        let archived = current.status == ProjectStatus::Archived.as_str();
        authorize_project(&auth.actor, self.membership, archived, action)?;
        Ok(())
    }
}

/// The project, if the caller may do `action` on it: 404 when it does not exist or the caller
/// is not a member, 403 when their role is not enough, 409 when it is archived.
pub async fn project(
    state: &AppState,
    auth: &AuthUser,
    id: Uuid,
    action: ProjectAction,
) -> ApiResult<ProjectAccess> {
    let cache = &state.cache;
    let project = cache
        .get_or_load(
            auth.cacheable,
            &cache.projects,
            id,
            repo::find_project(&state.db, id),
        )
        .await?;
    let user = auth.user.id;
    let membership = *cache
        .get_or_load(
            auth.cacheable,
            &cache.memberships,
            (id, user),
            repo::membership(&state.db, id, user),
        )
        .await?;
    let access = ProjectAccess {
        project,
        membership,
    };
    access.check(auth, action)?;
    Ok(access)
}

/// A task (with its roll-up, see `TaskRow`) and its project, if the caller may do `action`
/// (decided with the task at hand, e.g. whether the caller is its assignee).
pub async fn task(
    state: &AppState,
    auth: &AuthUser,
    id: Uuid,
    action: impl FnOnce(&tasks::Model) -> ProjectAction,
) -> ApiResult<(Arc<TaskRow>, ProjectAccess)> {
    let cache = &state.cache;
    let task = cache
        .get_or_load(
            auth.cacheable,
            &cache.tasks,
            id,
            task_repo::find_task_row(&state.db, id),
        )
        .await?;
    // Visibility first: a non-member learns nothing, not even that the action is refused.
    let access = project(state, auth, task.project_id, ProjectAction::View).await?;
    access.check(auth, action(&task))?;
    Ok((task, access))
}
