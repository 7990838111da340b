//! Projects, their departments, members and milestones (P1–P5).

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use tandem_dto::{MilestoneResponse, ProjectRole, ProjectStatus, TaskStatus};
use uuid::Uuid;

use crate::entities::{
    milestones, project_departments, project_members, projects, task_risks, tasks, users,
};
use crate::error::{RepoError, RepoResult, stale_or_gone};
use crate::pagination::finish_page;
use crate::tasks::count_if;

/// Everything `POST /projects` creates, in one transaction.
pub struct NewProject {
    pub name: String,
    pub goal: String,
    pub department_ids: Vec<Uuid>,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub time_zone: String,
    pub created_by: Uuid,
    pub milestones: Vec<NewMilestone>,
    /// An external key to bind to it (I3).
    pub external_key: Option<String>,
}

pub struct NewMilestone {
    pub name: String,
    pub date: NaiveDate,
    pub description: Option<String>,
    /// An external key to bind to it, unique in the project (I3).
    pub external_key: Option<String>,
}

/// Creates a project with its departments, its creator as administrator and its milestones,
/// through `txn` (the caller's write transaction).
pub async fn create_project(
    txn: &impl ConnectionTrait,
    p: NewProject,
) -> RepoResult<projects::Model> {
    let now = Utc::now();
    let project = projects::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(p.name),
        goal: Set(p.goal),
        status: Set(ProjectStatus::Active.as_str().to_owned()),
        start_date: Set(p.start_date),
        end_date: Set(p.end_date),
        time_zone: Set(p.time_zone),
        work_week: Set(tandem_dto::WorkWeek::default().code()),
        file_quota_bytes: Set(None),
        created_by: Set(p.created_by),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(txn)
    .await?;
    set_departments(txn, project.id, &p.department_ids).await?;
    project_members::ActiveModel {
        project_id: Set(project.id),
        user_id: Set(p.created_by),
        role: Set(ProjectRole::Admin.as_str().to_owned()),
        added_at: Set(now),
    }
    .insert(txn)
    .await?;
    for m in p.milestones {
        insert_milestone(txn, project.id, m, p.created_by).await?;
    }
    if let Some(key) = p.external_key {
        let k = crate::external_keys::NewKey {
            kind: tandem_dto::ExternalKeyKind::Project,
            scope: crate::external_keys::GLOBAL,
            key,
            object_id: project.id,
        };
        crate::external_keys::bind(txn, k, p.created_by).await?;
    }
    Ok(project)
}

/// Replaces a project's departments.
pub async fn set_departments(
    db: &impl ConnectionTrait,
    project_id: Uuid,
    department_ids: &[Uuid],
) -> RepoResult<()> {
    project_departments::Entity::delete_many()
        .filter(project_departments::Column::ProjectId.eq(project_id))
        .exec(db)
        .await?;
    let mut ids = department_ids.to_vec();
    ids.sort();
    ids.dedup();
    let rows = ids.into_iter().map(|d| project_departments::ActiveModel {
        project_id: Set(project_id),
        department_id: Set(d),
    });
    project_departments::Entity::insert_many(rows)
        .on_empty_do_nothing()
        .exec(db)
        .await?;
    Ok(())
}

pub async fn find_project(db: &impl ConnectionTrait, id: Uuid) -> RepoResult<projects::Model> {
    projects::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)
}

/// A project read to be changed (or to check something against) in the caller's transaction:
/// locked on PostgreSQL until it ends, so changes of the project and of what must fit inside
/// it (milestones in its period) take turns. SQLite's write transaction is alone anyway.
pub async fn find_project_for_update(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> RepoResult<projects::Model> {
    crate::for_update(db, projects::Entity::find_by_id(id))
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)
}

/// The caller's role in a project, if a member.
pub async fn membership(
    db: &impl ConnectionTrait,
    project_id: Uuid,
    user_id: Uuid,
) -> RepoResult<Option<ProjectRole>> {
    Ok(project_members::Entity::find_by_id((project_id, user_id))
        .one(db)
        .await?
        .and_then(|m| ProjectRole::parse(&m.role)))
}

/// Which of `users` belong to the project.
pub async fn members_among(
    db: &impl ConnectionTrait,
    project_id: Uuid,
    users: &[Uuid],
) -> RepoResult<std::collections::HashSet<Uuid>> {
    if users.is_empty() {
        return Ok(Default::default());
    }
    Ok(project_members::Entity::find()
        .select_only()
        .column(project_members::Column::UserId)
        .filter(project_members::Column::ProjectId.eq(project_id))
        .filter(project_members::Column::UserId.is_in(users.iter().copied()))
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// Every project a user belongs to.
pub async fn projects_of_member(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> RepoResult<Vec<projects::Model>> {
    Ok(projects::Entity::find()
        .filter(
            projects::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(project_members::Column::ProjectId)
                    .from(project_members::Entity)
                    .and_where(project_members::Column::UserId.eq(user_id))
                    .to_owned(),
            ),
        )
        .all(db)
        .await?)
}

/// Departments of several projects at once.
pub async fn departments_of(
    db: &impl ConnectionTrait,
    project_ids: &[Uuid],
) -> RepoResult<HashMap<Uuid, Vec<Uuid>>> {
    let rows = project_departments::Entity::find()
        .filter(project_departments::Column::ProjectId.is_in(project_ids.iter().copied()))
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for r in rows {
        out.entry(r.project_id).or_default().push(r.department_id);
    }
    Ok(out)
}

/// Roles of one user in several projects.
pub async fn roles_of(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    project_ids: &[Uuid],
) -> RepoResult<HashMap<Uuid, ProjectRole>> {
    let rows = project_members::Entity::find()
        .filter(project_members::Column::UserId.eq(user_id))
        .filter(project_members::Column::ProjectId.is_in(project_ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|m| ProjectRole::parse(&m.role).map(|r| (m.project_id, r)))
        .collect())
}

pub struct ProjectFilter {
    /// `None`: every project (system administrators); else the projects this user belongs to.
    pub member: Option<Uuid>,
    pub department_id: Option<Uuid>,
    pub status: Option<ProjectStatus>,
    pub after: Option<Uuid>,
    pub limit: u64,
}

/// Projects in creation order (ids are UUIDv7), one page.
pub async fn list_projects(
    db: &impl ConnectionTrait,
    f: ProjectFilter,
) -> RepoResult<(Vec<projects::Model>, Option<String>)> {
    let mut q = projects::Entity::find();
    if let Some(user) = f.member {
        q = q.filter(
            projects::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(project_members::Column::ProjectId)
                    .from(project_members::Entity)
                    .and_where(project_members::Column::UserId.eq(user))
                    .to_owned(),
            ),
        );
    }
    if let Some(d) = f.department_id {
        q = q.filter(
            projects::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(project_departments::Column::ProjectId)
                    .from(project_departments::Entity)
                    .and_where(project_departments::Column::DepartmentId.eq(d))
                    .to_owned(),
            ),
        );
    }
    if let Some(s) = f.status {
        q = q.filter(projects::Column::Status.eq(s.as_str()));
    }
    if let Some(after) = f.after {
        q = q.filter(projects::Column::Id.gt(after));
    }
    let rows = q
        .order_by_asc(projects::Column::Id)
        .limit(f.limit + 1)
        .all(db)
        .await?;
    Ok(finish_page(rows, f.limit, |p| p.id))
}

/// Task figures of a project for the project center.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProjectStats {
    pub total: i64,
    pub done: i64,
    pub overdue: i64,
    pub at_risk: i64,
}

#[derive(FromQueryResult)]
struct StatsRow {
    project_id: Uuid,
    total: i64,
    done: i64,
    overdue: i64,
}

/// Figures for several projects sharing one "today" (callers group projects by time zone, so
/// a page of projects costs one query per zone in use, normally one).
pub async fn stats(
    db: &impl ConnectionTrait,
    project_ids: &[Uuid],
    today: NaiveDate,
) -> RepoResult<HashMap<Uuid, ProjectStats>> {
    if project_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let open = Condition::all()
        .add(tasks::Column::Status.ne(TaskStatus::Done.as_str()))
        .add(tasks::Column::Status.ne(TaskStatus::Archived.as_str()));
    let rows = tasks::Entity::find()
        .select_only()
        .column(tasks::Column::ProjectId)
        .column_as(Expr::col(tasks::Column::Id).count(), "total")
        .column_as(
            count_if(Condition::all().add(tasks::Column::Status.eq(TaskStatus::Done.as_str()))),
            "done",
        )
        .column_as(
            count_if(open.add(tasks::Column::DueDate.lt(today))),
            "overdue",
        )
        .filter(tasks::Column::ProjectId.is_in(project_ids.iter().copied()))
        .filter(tasks::Column::Status.ne(TaskStatus::Archived.as_str()))
        .group_by(tasks::Column::ProjectId)
        .into_model::<StatsRow>()
        .all(db)
        .await?;
    // At risk as the last risk evaluation found (B3's rule, `crate::risks`), one grouped query.
    let at_risk: HashMap<Uuid, i64> = task_risks::Entity::find()
        .select_only()
        .column(task_risks::Column::ProjectId)
        .column_as(Expr::col(task_risks::Column::TaskId).count(), "n")
        .filter(task_risks::Column::ProjectId.is_in(project_ids.iter().copied()))
        .filter(task_risks::Column::AtRisk.eq(true))
        .group_by(task_risks::Column::ProjectId)
        .into_tuple::<(Uuid, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.project_id,
                ProjectStats {
                    total: r.total,
                    done: r.done,
                    overdue: r.overdue,
                    at_risk: at_risk.get(&r.project_id).copied().unwrap_or(0),
                },
            )
        })
        .collect())
}

/// The next milestone (on or after `today`) of each project.
pub async fn next_milestones(
    db: &impl ConnectionTrait,
    project_ids: &[Uuid],
    today: NaiveDate,
) -> RepoResult<HashMap<Uuid, milestones::Model>> {
    let rows = milestones::Entity::find()
        .filter(milestones::Column::ProjectId.is_in(project_ids.iter().copied()))
        .filter(milestones::Column::Date.gte(today))
        .order_by_asc(milestones::Column::Date)
        .order_by_asc(milestones::Column::Id)
        .all(db)
        .await?;
    let mut out = HashMap::new();
    for m in rows {
        out.entry(m.project_id).or_insert(m);
    }
    Ok(out)
}

#[derive(Default)]
pub struct ProjectChanges {
    pub name: Option<String>,
    pub goal: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub time_zone: Option<String>,
    pub status: Option<ProjectStatus>,
    pub department_ids: Option<Vec<Uuid>>,
}

/// Applies changes conditional on the version read (a concurrent change is a conflict),
/// through `txn` (the caller's write transaction).
pub async fn update_project(
    txn: &impl ConnectionTrait,
    p: projects::Model,
    c: ProjectChanges,
) -> RepoResult<projects::Model> {
    let (id, version) = (p.id, p.version);
    let mut am: projects::ActiveModel = p.into();
    if let Some(v) = c.name {
        am.name = Set(v);
    }
    if let Some(v) = c.goal {
        am.goal = Set(v);
    }
    if let Some(v) = c.start_date {
        am.start_date = Set(v);
    }
    if let Some(v) = c.end_date {
        am.end_date = Set(v);
    }
    if let Some(v) = c.time_zone {
        am.time_zone = Set(v);
    }
    if let Some(v) = c.status {
        am.status = Set(v.as_str().to_owned());
    }
    am.updated_at = Set(Utc::now());
    am.version = Set(version + 1);
    let res = projects::Entity::update_many()
        .set(am)
        .filter(projects::Column::Id.eq(id))
        .filter(projects::Column::Version.eq(version))
        .exec(txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(stale_or_gone(
            projects::Entity::find_by_id(id).one(txn).await?.is_some(),
        ));
    }
    if let Some(d) = c.department_ids {
        set_departments(txn, id, &d).await?;
    }
    find_project(txn, id).await
}

// ------------------------------------------------------------------------ members

/// Members with their profiles, ordered by when they joined.
pub async fn list_members(
    db: &impl ConnectionTrait,
    project_id: Uuid,
) -> RepoResult<Vec<(project_members::Model, users::Model)>> {
    let rows = project_members::Entity::find()
        .filter(project_members::Column::ProjectId.eq(project_id))
        .order_by_asc(project_members::Column::AddedAt)
        .order_by_asc(project_members::Column::UserId)
        .all(db)
        .await?;
    let people: HashMap<Uuid, users::Model> = crate::accounts::users_without_avatars()
        .filter(users::Column::Id.is_in(rows.iter().map(|m| m.user_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|m| {
            let u = people.get(&m.user_id)?.clone();
            Some((m, u))
        })
        .collect())
}

pub async fn find_member(
    db: &impl ConnectionTrait,
    project_id: Uuid,
    user_id: Uuid,
) -> RepoResult<project_members::Model> {
    project_members::Entity::find_by_id((project_id, user_id))
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)
}

pub async fn add_member(
    db: &impl ConnectionTrait,
    project_id: Uuid,
    user_id: Uuid,
    role: ProjectRole,
) -> RepoResult<project_members::Model> {
    let m = project_members::ActiveModel {
        project_id: Set(project_id),
        user_id: Set(user_id),
        role: Set(role.as_str().to_owned()),
        added_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .map_err(|e| match RepoError::from(e) {
        RepoError::Conflict(_) => RepoError::Conflict("already_member"),
        other => other,
    })?;
    Ok(m)
}

/// Changes a member's role (the caller checked the last-administrator rule in the same
/// transaction, see [`count_admins`]).
pub async fn set_member_role(
    db: &impl ConnectionTrait,
    m: project_members::Model,
    role: ProjectRole,
) -> RepoResult<project_members::Model> {
    let mut am: project_members::ActiveModel = m.into();
    am.role = Set(role.as_str().to_owned());
    Ok(am.update(db).await?)
}

pub async fn remove_member(
    db: &impl ConnectionTrait,
    project_id: Uuid,
    user_id: Uuid,
) -> RepoResult<()> {
    let res = project_members::Entity::delete_by_id((project_id, user_id))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(RepoError::NotFound);
    }
    Ok(())
}

/// The project's administrators, counted for a change that could remove the last one. On
/// PostgreSQL the project row is locked first, so two administrators demoting each other at
/// once run one after the other and the second sees the first's change; SQLite's write
/// transaction already holds the only writer lock.
pub async fn count_admins(db: &impl ConnectionTrait, project_id: Uuid) -> RepoResult<u64> {
    use sea_orm::PaginatorTrait;
    find_project_for_update(db, project_id).await?;
    Ok(project_members::Entity::find()
        .filter(project_members::Column::ProjectId.eq(project_id))
        .filter(project_members::Column::Role.eq(ProjectRole::Admin.as_str()))
        .count(db)
        .await?)
}

// --------------------------------------------------------------------- milestones

pub fn milestone_dto(m: &milestones::Model) -> MilestoneResponse {
    MilestoneResponse {
        id: m.id,
        project_id: m.project_id,
        name: m.name.clone(),
        date: m.date,
        description: m.description.clone(),
        created_at: m.created_at,
        updated_at: m.updated_at,
        version: m.version,
    }
}

pub async fn insert_milestone(
    db: &impl ConnectionTrait,
    project_id: Uuid,
    m: NewMilestone,
    by: Uuid,
) -> RepoResult<milestones::Model> {
    let now = Utc::now();
    let created = milestones::ActiveModel {
        id: Set(Uuid::now_v7()),
        project_id: Set(project_id),
        name: Set(m.name),
        date: Set(m.date),
        description: Set(m.description),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(db)
    .await?;
    if let Some(key) = m.external_key {
        let k = crate::external_keys::NewKey {
            kind: tandem_dto::ExternalKeyKind::Milestone,
            scope: project_id,
            key,
            object_id: created.id,
        };
        crate::external_keys::bind(db, k, by).await?;
    }
    Ok(created)
}

pub async fn list_milestones(
    db: &impl ConnectionTrait,
    project_id: Uuid,
) -> RepoResult<Vec<milestones::Model>> {
    Ok(milestones::Entity::find()
        .filter(milestones::Column::ProjectId.eq(project_id))
        .order_by_asc(milestones::Column::Date)
        .order_by_asc(milestones::Column::Id)
        .all(db)
        .await?)
}

pub async fn find_milestone(db: &impl ConnectionTrait, id: Uuid) -> RepoResult<milestones::Model> {
    milestones::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)
}

pub async fn update_milestone(
    db: &impl ConnectionTrait,
    m: milestones::Model,
    name: Option<String>,
    date: Option<NaiveDate>,
    description: Option<Option<String>>,
) -> RepoResult<milestones::Model> {
    let (id, version) = (m.id, m.version);
    let mut am: milestones::ActiveModel = m.into();
    if let Some(v) = name {
        am.name = Set(v);
    }
    if let Some(v) = date {
        am.date = Set(v);
    }
    if let Some(v) = description {
        am.description = Set(v);
    }
    am.updated_at = Set(Utc::now());
    am.version = Set(version + 1);
    let res = milestones::Entity::update_many()
        .set(am)
        .filter(milestones::Column::Id.eq(id))
        .filter(milestones::Column::Version.eq(version))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(stale_or_gone(
            milestones::Entity::find_by_id(id).one(db).await?.is_some(),
        ));
    }
    find_milestone(db, id).await
}

/// Deletes a milestone; its tasks lose the link.
/// Deletes a milestone in the caller's write transaction; its tasks keep going without one.
pub async fn delete_milestone(txn: &impl ConnectionTrait, id: Uuid) -> RepoResult<()> {
    tasks::Entity::update_many()
        .col_expr(
            tasks::Column::MilestoneId,
            Expr::value(Option::<Uuid>::None),
        )
        .filter(tasks::Column::MilestoneId.eq(id))
        .exec(txn)
        .await?;
    milestones::Entity::delete_by_id(id).exec(txn).await?;
    crate::external_keys::unbind(txn, tandem_dto::ExternalKeyKind::Milestone, id).await?;
    Ok(())
}
