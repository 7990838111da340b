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

/// Figures per project: two grouped queries without joins (tasks by project, then the stored
/// flags by project), each reading one table's index.
pub async fn project_figures(
    db: &impl ConnectionTrait,
    ids: Option<&[Uuid]>,
) -> RepoResult<Vec<ProjectFigures>> {
    #[derive(FromQueryResult)]
    struct Counts {
        project_id: Uuid,
        total: i64,
        done: i64,
        progress_sum: i64,
    }
    let counts = in_projects(tasks::Entity::find(), ids)
        .select_only()
        .column(tasks::Column::ProjectId)
        // COUNT(*), not COUNT(id): the id is not in the covering index `ix_tasks_dashboard`.
        .column_as(Expr::cust("COUNT(*)"), "total")
        .column_as(
            count_if(Condition::all().add(tasks::Column::Status.eq(TaskStatus::Done.as_str()))),
            "done",
        )
        .column_as(
            sea_orm::sea_query::SimpleExpr::from(Func::coalesce([
                Func::sum(Expr::col(tasks::Column::Progress)).into(),
                Expr::val(0).into(),
            ])),
            "progress_sum",
        )
        .filter(not_archived())
        .group_by(tasks::Column::ProjectId)
        .into_model::<Counts>()
        .all(db)
        .await?;
    let flags = flag_counts(db, ids, task_risks::Column::ProjectId).await?;
    Ok(counts
        .into_iter()
        .map(|c| {
            let f = flags.get(&Some(c.project_id)).copied().unwrap_or_default();
            ProjectFigures {
                project_id: c.project_id,
                total: c.total,
                done: c.done,
                progress_sum: c.progress_sum,
                overdue: f.0,
                at_risk: f.1,
                blocked: f.2,
            }
        })
        .collect())
}

/// The stored flags (overdue, at risk, blocked) counted by `by`: a `task_risks` column, or
/// with `by` = `AssigneeId` of the flagged tasks (joined).
async fn flag_counts(
    db: &impl ConnectionTrait,
    ids: Option<&[Uuid]>,
    by: task_risks::Column,
) -> RepoResult<std::collections::HashMap<Option<Uuid>, (i64, i64, i64)>> {
    let flag = |c: task_risks::Column| count_if(Condition::all().add(c.eq(true)));
    let mut q = task_risks::Entity::find()
        .select_only()
        .column_as(by, "key")
        .column_as(flag(task_risks::Column::Overdue), "overdue")
        .column_as(flag(task_risks::Column::AtRisk), "at_risk")
        .column_as(flag(task_risks::Column::Blocked), "blocked")
        .group_by(by);
    if let Some(ids) = ids {
        q = q.filter(task_risks::Column::ProjectId.is_in(ids.iter().copied()));
    }
    let rows: Vec<(Option<Uuid>, i64, i64, i64)> = q.into_tuple().all(db).await?;
    Ok(rows
        .into_iter()
        .map(|(k, a, b, c)| (k, (a, b, c)))
        .collect())
}

/// The stored flags grouped by the flagged tasks' assignee, project and milestone, with the
/// earliest due date among those at risk or overdue: one pass over `task_risks` serves both the
/// departments' counts and the milestones' roll-up.
#[derive(Debug, Clone, FromQueryResult)]
pub struct FlagGroup {
    pub assignee_id: Option<Uuid>,
    pub project_id: Uuid,
    pub milestone_id: Option<Uuid>,
    pub overdue: i64,
    pub at_risk: i64,
    /// How many are at risk or overdue (a task can be both).
    pub late: i64,
    pub first_due: Option<NaiveDate>,
}

pub async fn flag_groups(
    db: &impl ConnectionTrait,
    ids: Option<&[Uuid]>,
) -> RepoResult<Vec<FlagGroup>> {
    let flag = |c: task_risks::Column| {
        count_if(Condition::all().add(Expr::col((task_risks::Entity, c)).eq(true)))
    };
    let late = Condition::any()
        .add(Expr::col((task_risks::Entity, task_risks::Column::AtRisk)).eq(true))
        .add(Expr::col((task_risks::Entity, task_risks::Column::Overdue)).eq(true));
    let first_due: sea_orm::sea_query::SimpleExpr = Func::min(
        Expr::case(
            late.clone(),
            Expr::col((tasks::Entity, tasks::Column::DueDate)),
        )
        .finally(Expr::cust("NULL")),
    )
    .into();
    let t = |c: tasks::Column| Expr::col((tasks::Entity, c));
    let mut q = task_risks::Entity::find()
        .select_only()
        .column_as(t(tasks::Column::AssigneeId), "assignee_id")
        .column_as(t(tasks::Column::ProjectId), "project_id")
        .column_as(t(tasks::Column::MilestoneId), "milestone_id")
        .column_as(flag(task_risks::Column::Overdue), "overdue")
        .column_as(flag(task_risks::Column::AtRisk), "at_risk")
        .column_as(count_if(late), "late")
        .column_as(first_due, "first_due")
        .group_by(t(tasks::Column::AssigneeId))
        .group_by(t(tasks::Column::ProjectId))
        .group_by(t(tasks::Column::MilestoneId));
    if let Some(ids) = ids {
        q = q.filter(task_risks::Column::ProjectId.is_in(ids.iter().copied()));
    }
    QueryTrait::query(&mut q).join(
        JoinType::InnerJoin,
        tasks::Entity,
        Expr::col((tasks::Entity, tasks::Column::Id))
            .equals((task_risks::Entity, task_risks::Column::TaskId)),
    );
    Ok(q.into_model::<FlagGroup>().all(db).await?)
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

/// Open and done tasks per assignee: an index-only grouping, summed into departments by
/// [`department_figures`] (joining users on every task costs more than the few hundred people
/// it groups into). Independent of [`flag_groups`], so the two run side by side.
pub async fn assignee_figures(
    db: &impl ConnectionTrait,
    ids: Option<&[Uuid]>,
) -> RepoResult<Vec<(Option<Uuid>, i64, i64)>> {
    Ok(in_projects(tasks::Entity::find(), ids)
        .select_only()
        .column(tasks::Column::AssigneeId)
        .column_as(count_if(open()), "open")
        .column_as(
            count_if(Condition::all().add(tasks::Column::Status.eq(TaskStatus::Done.as_str()))),
            "done",
        )
        .filter(not_archived())
        .group_by(tasks::Column::AssigneeId)
        .into_tuple()
        .all(db)
        .await?)
}

/// The departments' figures from the assignees' and the flags' groups.
pub async fn department_figures(
    db: &impl ConnectionTrait,
    rows: Vec<(Option<Uuid>, i64, i64)>,
    groups: &[FlagGroup],
) -> RepoResult<Vec<DepartmentFigures>> {
    let mut flags: std::collections::HashMap<Option<Uuid>, (i64, i64)> =
        std::collections::HashMap::new();
    for g in groups {
        let f = flags.entry(g.assignee_id).or_default();
        f.0 += g.overdue;
        f.1 += g.at_risk;
    }
    let people: Vec<Uuid> = rows.iter().filter_map(|r| r.0).collect();
    let dept_of = departments_of(db, &people).await?;
    let mut by_dept: std::collections::HashMap<Option<Uuid>, DepartmentFigures> =
        std::collections::HashMap::new();
    for (person, open, done) in rows {
        let d = person.and_then(|p| dept_of.get(&p).copied().flatten());
        let f = flags.get(&person).copied().unwrap_or_default();
        let e = by_dept.entry(d).or_insert(DepartmentFigures {
            department_id: d,
            open: 0,
            done: 0,
            overdue: 0,
            at_risk: 0,
        });
        e.open += open;
        e.done += done;
        e.overdue += f.0;
        e.at_risk += f.1;
    }
    Ok(by_dept.into_values().collect())
}

/// Open tasks' estimated work with the same assignee and dates, and the assignee's department.
#[derive(Debug, Clone)]
pub struct OpenWork {
    pub assignee_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
    pub estimate_hours: f64,
    pub start_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
}

/// The open, estimated tasks (of one department's people when `department` is given). Read from
/// the covering index `ix_tasks_dashboard` alone; the departments come from one small query on
/// the people involved rather than a join per task.
pub async fn open_work(
    db: &impl ConnectionTrait,
    ids: Option<&[Uuid]>,
    department: Option<Uuid>,
) -> RepoResult<Vec<OpenWork>> {
    // Summed per person and (start, due): tasks share dates (a sprint's end, a milestone), so
    // this is a tenth of the rows, each of which costs a hop from sqlx's SQLite worker thread.
    let rows: Vec<(Option<Uuid>, f64, Option<NaiveDate>, NaiveDate)> =
        in_projects(tasks::Entity::find(), ids)
            .select_only()
            .column(tasks::Column::AssigneeId)
            .column_as(tasks::Column::EstimateHours.sum(), "hours")
            .column(tasks::Column::StartDate)
            .column(tasks::Column::DueKey)
            .filter(open())
            .filter(tasks::Column::EstimateHours.is_not_null())
            .group_by(tasks::Column::AssigneeId)
            .group_by(tasks::Column::StartDate)
            .group_by(tasks::Column::DueKey)
            .into_tuple()
            .all(db)
            .await?;
    let mut people: Vec<Uuid> = rows.iter().filter_map(|r| r.0).collect();
    people.sort();
    people.dedup();
    let dept_of = departments_of(db, &people).await?;
    let undated = crate::tasks::due_key(None);
    Ok(rows
        .into_iter()
        .map(|(a, h, start, due)| OpenWork {
            assignee_id: a,
            department_id: a.and_then(|a| dept_of.get(&a).copied().flatten()),
            estimate_hours: h,
            start_date: start,
            due_date: (due != undated).then_some(due),
        })
        .filter(|w| department.is_none() || w.department_id == department)
        .collect())
}

/// The departments of these people.
async fn departments_of(
    db: &impl ConnectionTrait,
    people: &[Uuid],
) -> RepoResult<std::collections::HashMap<Uuid, Option<Uuid>>> {
    let mut out = std::collections::HashMap::new();
    for chunk in people.chunks(500) {
        let found: Vec<(Uuid, Option<Uuid>)> = users::Entity::find()
            .select_only()
            .columns([users::Column::Id, users::Column::DepartmentId])
            .filter(users::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(found);
    }
    Ok(out)
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
