//! The management dashboard's figures (B4): grouped queries over the visible projects, their
//! tasks and the stored risk (`task_risks`), never a query per project.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, Func, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, JoinType, QueryFilter,
    QuerySelect, QueryTrait,
};
use tandem_dto::TaskStatus;
use uuid::Uuid;

use crate::entities::{task_dependencies, task_risks, tasks, users};
use crate::error::RepoResult;
use crate::tasks::count_if;

fn not_archived() -> Condition {
    Condition::all().add(tasks::Column::Status.ne(TaskStatus::Archived.as_str()))
}

fn open() -> Condition {
    Condition::all()
        .add(tasks::Column::Status.ne(TaskStatus::Done.as_str()))
        .add(tasks::Column::Status.ne(TaskStatus::Archived.as_str()))
}

/// `None`: every project (system administrators).
fn in_projects(
    q: sea_orm::Select<tasks::Entity>,
    ids: Option<&[Uuid]>,
) -> sea_orm::Select<tasks::Entity> {
    match ids {
        Some(ids) => q.filter(tasks::Column::ProjectId.is_in(ids.iter().copied())),
        None => q,
    }
}

/// A project's task figures.
#[derive(Debug, Clone, FromQueryResult)]
pub struct ProjectFigures {
    pub project_id: Uuid,
    pub total: i64,
    pub done: i64,
    /// Sum of the tasks' progress (done tasks count 100): the average is this over `total`.
    pub progress_sum: i64,
    pub overdue: i64,
    pub at_risk: i64,
    pub blocked: i64,
}

/// Figures per project, one grouped query (tasks joined with their stored risk).
pub async fn project_figures(
    db: &impl ConnectionTrait,
    ids: Option<&[Uuid]>,
) -> RepoResult<Vec<ProjectFigures>> {
    let flag = |c: task_risks::Column| {
        count_if(Condition::all().add(Expr::col((task_risks::Entity, c)).eq(true)))
    };
    let mut q = in_projects(tasks::Entity::find(), ids)
        .select_only()
        .column(tasks::Column::ProjectId)
        .column_as(
            Expr::col((tasks::Entity, tasks::Column::Id)).count(),
            "total",
        )
        .column_as(
            count_if(Condition::all().add(tasks::Column::Status.eq(TaskStatus::Done.as_str()))),
            "done",
        )
        .column_as(
            sea_orm::sea_query::SimpleExpr::from(Func::coalesce([
                Func::sum(Expr::col((tasks::Entity, tasks::Column::Progress))).into(),
                Expr::val(0).into(),
            ])),
            "progress_sum",
        )
        .column_as(flag(task_risks::Column::Overdue), "overdue")
        .column_as(flag(task_risks::Column::AtRisk), "at_risk")
        .column_as(flag(task_risks::Column::Blocked), "blocked")
        .filter(not_archived())
        .group_by(tasks::Column::ProjectId);
    join_risk(&mut q);
    Ok(q.into_model::<ProjectFigures>().all(db).await?)
}

fn join_risk(q: &mut sea_orm::Select<tasks::Entity>) {
    QueryTrait::query(q).join(
        JoinType::LeftJoin,
        task_risks::Entity,
        Expr::col((task_risks::Entity, task_risks::Column::TaskId))
            .equals((tasks::Entity, tasks::Column::Id)),
    );
}

fn join_assignee(q: &mut sea_orm::Select<tasks::Entity>, alias: &Alias) {
    QueryTrait::query(q).join_as(
        JoinType::LeftJoin,
        users::Entity,
        alias.clone(),
        Expr::col((alias.clone(), users::Column::Id))
            .equals((tasks::Entity, tasks::Column::AssigneeId)),
    );
}

/// A department's task figures (a task belongs to its assignee's department; `None`: tasks
/// without an assignee or whose assignee has no department).
#[derive(Debug, Clone, FromQueryResult)]
pub struct DepartmentFigures {
    pub department_id: Option<Uuid>,
    pub open: i64,
    pub done: i64,
    pub overdue: i64,
    pub at_risk: i64,
}

pub async fn department_figures(
    db: &impl ConnectionTrait,
    ids: Option<&[Uuid]>,
) -> RepoResult<Vec<DepartmentFigures>> {
    let who = Alias::new("who");
    let flag = |c: task_risks::Column| {
        count_if(Condition::all().add(Expr::col((task_risks::Entity, c)).eq(true)))
    };
    let mut q = in_projects(tasks::Entity::find(), ids)
        .select_only()
        .column_as(
            Expr::col((who.clone(), users::Column::DepartmentId)),
            "department_id",
        )
        .column_as(count_if(open()), "open")
        .column_as(
            count_if(Condition::all().add(tasks::Column::Status.eq(TaskStatus::Done.as_str()))),
            "done",
        )
        .column_as(flag(task_risks::Column::Overdue), "overdue")
        .column_as(flag(task_risks::Column::AtRisk), "at_risk")
        .filter(not_archived())
        .group_by(Expr::col((who.clone(), users::Column::DepartmentId)));
    join_assignee(&mut q, &who);
    join_risk(&mut q);
    Ok(q.into_model::<DepartmentFigures>().all(db).await?)
}

/// An open task's estimated work, where and when it falls.
#[derive(Debug, Clone, FromQueryResult)]
pub struct OpenWork {
    pub assignee_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
    pub estimate_hours: f64,
    pub start_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
}

/// The open, estimated tasks (of one department's people when `department` is given).
pub async fn open_work(
    db: &impl ConnectionTrait,
    ids: Option<&[Uuid]>,
    department: Option<Uuid>,
) -> RepoResult<Vec<OpenWork>> {
    let who = Alias::new("who");
    let mut q = in_projects(tasks::Entity::find(), ids)
        .select_only()
        .column(tasks::Column::AssigneeId)
        .column_as(
            Expr::col((who.clone(), users::Column::DepartmentId)),
            "department_id",
        )
        .column(tasks::Column::EstimateHours)
        .column(tasks::Column::StartDate)
        .column(tasks::Column::DueDate)
        .filter(open())
        .filter(tasks::Column::EstimateHours.is_not_null());
    if let Some(d) = department {
        q = q.filter(Expr::col((who.clone(), users::Column::DepartmentId)).eq(d));
    }
    join_assignee(&mut q, &who);
    Ok(q.into_model::<OpenWork>().all(db).await?)
}

/// A dependency whose two tasks belong to different departments, the successor not started.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Handoff {
    pub task_id: Uuid,
    pub project_id: Uuid,
    pub title: String,
    pub start_date: Option<NaiveDate>,
    pub department_id: Uuid,
    pub predecessor_id: Uuid,
    pub predecessor_title: String,
    pub predecessor_status: String,
    /// When the predecessor last changed: for a done one, when it was finished.
    pub predecessor_updated_at: DateTime<Utc>,
    pub predecessor_department_id: Uuid,
}

/// Cross-department hand-offs whose successor is still to do, one query.
pub async fn handoffs(db: &impl ConnectionTrait, ids: Option<&[Uuid]>) -> RepoResult<Vec<Handoff>> {
    let (s, p, su, pu) = (
        Alias::new("s"),
        Alias::new("p"),
        Alias::new("su"),
        Alias::new("pu"),
    );
    let mut q: SelectStatement = Query::select();
    q.expr_as(
        Expr::col((s.clone(), tasks::Column::Id)),
        Alias::new("task_id"),
    )
    .expr_as(
        Expr::col((s.clone(), tasks::Column::ProjectId)),
        Alias::new("project_id"),
    )
    .expr_as(
        Expr::col((s.clone(), tasks::Column::Title)),
        Alias::new("title"),
    )
    .expr_as(
        Expr::col((s.clone(), tasks::Column::StartDate)),
        Alias::new("start_date"),
    )
    .expr_as(
        Expr::col((su.clone(), users::Column::DepartmentId)),
        Alias::new("department_id"),
    )
    .expr_as(
        Expr::col((p.clone(), tasks::Column::Id)),
        Alias::new("predecessor_id"),
    )
    .expr_as(
        Expr::col((p.clone(), tasks::Column::Title)),
        Alias::new("predecessor_title"),
    )
    .expr_as(
        Expr::col((p.clone(), tasks::Column::Status)),
        Alias::new("predecessor_status"),
    )
    .expr_as(
        Expr::col((p.clone(), tasks::Column::UpdatedAt)),
        Alias::new("predecessor_updated_at"),
    )
    .expr_as(
        Expr::col((pu.clone(), users::Column::DepartmentId)),
        Alias::new("predecessor_department_id"),
    )
    .from(task_dependencies::Entity)
    .join_as(
        JoinType::InnerJoin,
        tasks::Entity,
        s.clone(),
        Expr::col((s.clone(), tasks::Column::Id))
            .equals((task_dependencies::Entity, task_dependencies::Column::TaskId)),
    )
    .join_as(
        JoinType::InnerJoin,
        tasks::Entity,
        p.clone(),
        Expr::col((p.clone(), tasks::Column::Id)).equals((
            task_dependencies::Entity,
            task_dependencies::Column::DependsOnId,
        )),
    )
    .join_as(
        JoinType::InnerJoin,
        users::Entity,
        su.clone(),
        Expr::col((su.clone(), users::Column::Id)).equals((s.clone(), tasks::Column::AssigneeId)),
    )
    .join_as(
        JoinType::InnerJoin,
        users::Entity,
        pu.clone(),
        Expr::col((pu.clone(), users::Column::Id)).equals((p.clone(), tasks::Column::AssigneeId)),
    )
    .and_where(Expr::col((s.clone(), tasks::Column::Status)).eq(TaskStatus::Todo.as_str()))
    .and_where(Expr::col((p.clone(), tasks::Column::Status)).ne(TaskStatus::Archived.as_str()))
    .and_where(Expr::col((su.clone(), users::Column::DepartmentId)).is_not_null())
    .and_where(Expr::col((pu.clone(), users::Column::DepartmentId)).is_not_null())
    .and_where(
        Expr::col((su.clone(), users::Column::DepartmentId))
            .ne(Expr::col((pu.clone(), users::Column::DepartmentId))),
    );
    if let Some(ids) = ids {
        q.and_where(Expr::col((s.clone(), tasks::Column::ProjectId)).is_in(ids.iter().copied()));
    }
    let backend = db.get_database_backend();
    let rows = db.query_all(backend.build(&q)).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(Handoff::from_query_result(&r, "")?);
    }
    Ok(out)
}

/// A flagged task for the dashboard's list.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Flagged {
    pub task_id: Uuid,
    pub project_id: Uuid,
    pub title: String,
    pub due_date: Option<NaiveDate>,
    pub overdue: bool,
    pub at_risk: bool,
    pub blocked: bool,
    pub reasons: String,
}

/// The `limit` flagged tasks due first (undated last).
pub async fn flagged(
    db: &impl ConnectionTrait,
    ids: Option<&[Uuid]>,
    limit: u64,
) -> RepoResult<Vec<Flagged>> {
    let mut q = task_risks::Entity::find()
        .select_only()
        .column(task_risks::Column::TaskId)
        .column(task_risks::Column::ProjectId)
        .column_as(Expr::col((tasks::Entity, tasks::Column::Title)), "title")
        .column_as(
            Expr::col((tasks::Entity, tasks::Column::DueDate)),
            "due_date",
        )
        .column(task_risks::Column::Overdue)
        .column(task_risks::Column::AtRisk)
        .column(task_risks::Column::Blocked)
        .column(task_risks::Column::Reasons);
    if let Some(ids) = ids {
        q = q.filter(task_risks::Column::ProjectId.is_in(ids.iter().copied()));
    }
    QueryTrait::query(&mut q)
        .join(
            JoinType::InnerJoin,
            tasks::Entity,
            Expr::col((tasks::Entity, tasks::Column::Id))
                .equals((task_risks::Entity, task_risks::Column::TaskId)),
        )
        .order_by((tasks::Entity, tasks::Column::DueKey), sea_orm::Order::Asc)
        .order_by((tasks::Entity, tasks::Column::Id), sea_orm::Order::Asc);
    Ok(q.limit(limit).into_model::<Flagged>().all(db).await?)
}

/// Per project and milestone, the earliest due date of a task at risk or overdue: a milestone
/// is at risk when such a task belongs to it or is due on or before it.
pub async fn flagged_due(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> RepoResult<Vec<(Uuid, Option<Uuid>, NaiveDate)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = tasks::Entity::find()
        .select_only()
        .column(tasks::Column::ProjectId)
        .column(tasks::Column::MilestoneId)
        .column_as(tasks::Column::DueKey.min(), "due")
        .filter(tasks::Column::ProjectId.is_in(ids.iter().copied()))
        .filter(
            Condition::any()
                .add(Expr::col((task_risks::Entity, task_risks::Column::AtRisk)).eq(true))
                .add(Expr::col((task_risks::Entity, task_risks::Column::Overdue)).eq(true)),
        )
        .group_by(tasks::Column::ProjectId)
        .group_by(tasks::Column::MilestoneId);
    QueryTrait::query(&mut q).join(
        JoinType::InnerJoin,
        task_risks::Entity,
        Expr::col((task_risks::Entity, task_risks::Column::TaskId))
            .equals((tasks::Entity, tasks::Column::Id)),
    );
    Ok(q.into_tuple().all(db).await?)
}

/// The projects a dashboard covers: the active ones the user belongs to, or every active
/// project (`member` None: system administrators).
pub async fn active_projects(
    db: &impl ConnectionTrait,
    member: Option<Uuid>,
) -> RepoResult<Vec<crate::entities::projects::Model>> {
    use crate::entities::{project_members, projects};
    use sea_orm::QueryOrder;
    let mut q = projects::Entity::find()
        .filter(projects::Column::Status.eq(tandem_dto::ProjectStatus::Active.as_str()));
    if let Some(user) = member {
        q = q.filter(
            projects::Column::Id.in_subquery(
                Query::select()
                    .column(project_members::Column::ProjectId)
                    .from(project_members::Entity)
                    .and_where(project_members::Column::UserId.eq(user))
                    .to_owned(),
            ),
        );
    }
    Ok(q.order_by_asc(projects::Column::Name).all(db).await?)
}

/// Milestones of these projects dated within `[from, to]`.
pub async fn milestones_between(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    from: NaiveDate,
    to: NaiveDate,
) -> RepoResult<Vec<crate::entities::milestones::Model>> {
    use crate::entities::milestones;
    use sea_orm::QueryOrder;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(milestones::Entity::find()
        .filter(milestones::Column::ProjectId.is_in(ids.iter().copied()))
        .filter(milestones::Column::Date.between(from, to))
        .order_by_asc(milestones::Column::Date)
        .all(db)
        .await?)
}

/// Names of departments and people by id.
pub async fn names(
    db: &impl ConnectionTrait,
    departments: &[Uuid],
    people: &[Uuid],
) -> RepoResult<std::collections::HashMap<Uuid, String>> {
    use crate::entities::departments;
    let mut out = std::collections::HashMap::new();
    if !departments.is_empty() {
        let rows: Vec<(Uuid, String)> = departments::Entity::find()
            .select_only()
            .columns([departments::Column::Id, departments::Column::Name])
            .filter(departments::Column::Id.is_in(departments.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(rows);
    }
    if !people.is_empty() {
        let rows: Vec<(Uuid, String)> = users::Entity::find()
            .select_only()
            .columns([users::Column::Id, users::Column::Name])
            .filter(users::Column::Id.is_in(people.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// Stored project health and reasons (JSON).
pub async fn project_health(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> RepoResult<Vec<crate::entities::project_risks::Model>> {
    use crate::entities::project_risks;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(project_risks::Entity::find()
        .filter(project_risks::Column::ProjectId.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}
