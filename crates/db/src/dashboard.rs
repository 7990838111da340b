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
use crate::json_rows::{Col, read};
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

/// The tasks that are not archived counted per project, status, assignee and milestone, with
/// their stored flags (`tasks.risk_flags`): everything the dashboard shows per project, per
/// department and per milestone comes from this one grouping, read from the covering index
/// `ix_tasks_figures` alone, in its order (so without sorting). Read folded
/// ([`crate::json_rows`], the fields in this order): a couple of thousand groups.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct TaskGroup {
    pub project_id: Uuid,
    pub status: String,
    pub assignee_id: Option<Uuid>,
    pub milestone_id: Option<Uuid>,
    pub tasks: i64,
    /// Sum of the tasks' progress (done tasks count 100).
    pub progress_sum: i64,
    pub overdue: i64,
    pub at_risk: i64,
    pub blocked: i64,
    /// How many are at risk or overdue (a task can be both).
    pub late: i64,
    /// The earliest due date among those at risk or overdue.
    pub first_late_due: Option<NaiveDate>,
}

pub async fn task_groups(
    db: &impl ConnectionTrait,
    ids: Option<&[Uuid]>,
) -> RepoResult<Vec<TaskGroup>> {
    use crate::risks::{AT_RISK, BLOCKED, OVERDUE};
    use sea_orm::sea_query::ExprTrait;
    let has = |bits: i16| {
        count_if(Condition::all().add(Expr::col(tasks::Column::RiskFlags).bit_and(bits).ne(0)))
    };
    let first_late_due: sea_orm::sea_query::SimpleExpr = Func::min(
        Expr::case(
            Expr::col(tasks::Column::RiskFlags)
                .bit_and(OVERDUE | AT_RISK)
                .ne(0),
            Expr::col(tasks::Column::DueKey),
        )
        .finally(Expr::cust("NULL")),
    )
    .into();
    let q = in_projects(tasks::Entity::find(), ids)
        .select_only()
        .columns([
            tasks::Column::ProjectId,
            tasks::Column::Status,
            tasks::Column::AssigneeId,
            tasks::Column::MilestoneId,
        ])
        // COUNT(*), not COUNT(id): the count needs no column.
        .column_as(Expr::cust("COUNT(*)"), "tasks")
        .column_as(tasks::Column::Progress.sum(), "progress_sum")
        .column_as(has(OVERDUE), "overdue")
        .column_as(has(AT_RISK), "at_risk")
        .column_as(has(BLOCKED), "blocked")
        .column_as(has(OVERDUE | AT_RISK), "late")
        .column_as(first_late_due, "first_late_due")
        .filter(not_archived())
        .group_by(tasks::Column::ProjectId)
        .group_by(tasks::Column::Status)
        .group_by(tasks::Column::AssigneeId)
        .group_by(tasks::Column::MilestoneId);
    let mut groups: Vec<TaskGroup> = read(
        db,
        &q.into_query(),
        &[
            ("project_id", Col::Id),
            ("status", Col::Value),
            ("assignee_id", Col::Id),
            ("milestone_id", Col::Id),
            ("tasks", Col::Value),
            ("progress_sum", Col::Value),
            ("overdue", Col::Value),
            ("at_risk", Col::Value),
            ("blocked", Col::Value),
            ("late", Col::Value),
            ("first_late_due", Col::Value),
        ],
    )
    .await?;
    let undated = crate::tasks::due_key(None);
    for g in &mut groups {
        if g.first_late_due == Some(undated) {
            g.first_late_due = None;
        }
    }
    Ok(groups)
}

/// A department's task figures (a task belongs to its assignee's department; `None`: tasks
/// without an assignee or whose assignee has no department).
#[derive(Debug, Clone)]
pub struct DepartmentFigures {
    pub department_id: Option<Uuid>,
    pub open: i64,
    pub done: i64,
    pub overdue: i64,
    pub at_risk: i64,
}

/// The departments' figures from [`task_groups`]: summed per person, then per department
/// (joining users on every task costs more than the few hundred people it groups into).
pub async fn department_figures(
    db: &impl ConnectionTrait,
    groups: &[TaskGroup],
) -> RepoResult<Vec<DepartmentFigures>> {
    let done = TaskStatus::Done.as_str();
    // Per person: open, done, overdue, at risk.
    let mut per_person: std::collections::HashMap<Option<Uuid>, [i64; 4]> =
        std::collections::HashMap::new();
    for g in groups {
        let f = per_person.entry(g.assignee_id).or_default();
        if g.status == done {
            f[1] += g.tasks;
        } else {
            f[0] += g.tasks;
        }
        f[2] += g.overdue;
        f[3] += g.at_risk;
    }
    let people: Vec<Uuid> = per_person.keys().filter_map(|p| *p).collect();
    let dept_of = departments_of(db, &people).await?;
    let mut by_dept: std::collections::HashMap<Option<Uuid>, DepartmentFigures> =
        std::collections::HashMap::new();
    for (person, [open, done, overdue, at_risk]) in per_person {
        let d = person.and_then(|p| dept_of.get(&p).copied().flatten());
        let e = by_dept.entry(d).or_insert(DepartmentFigures {
            department_id: d,
            open: 0,
            done: 0,
            overdue: 0,
            at_risk: 0,
        });
        e.open += open;
        e.done += done;
        e.overdue += overdue;
        e.at_risk += at_risk;
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
/// the covering index `ix_tasks_figures` alone; the departments come from one small query on
/// the people involved rather than a join per task.
pub async fn open_work(
    db: &impl ConnectionTrait,
    ids: Option<&[Uuid]>,
    department: Option<Uuid>,
) -> RepoResult<Vec<OpenWork>> {
    // Summed per person and (start, due): tasks share dates (a sprint's end, a milestone), so
    // this is a tenth of the rows, still a couple of thousand: read folded.
    let q = in_projects(tasks::Entity::find(), ids)
        .select_only()
        .column(tasks::Column::AssigneeId)
        .column_as(tasks::Column::EstimateHours.sum(), "hours")
        .column(tasks::Column::StartDate)
        .column(tasks::Column::DueKey)
        .filter(open())
        .filter(tasks::Column::EstimateHours.is_not_null())
        .group_by(tasks::Column::AssigneeId)
        .group_by(tasks::Column::StartDate)
        .group_by(tasks::Column::DueKey);
    let rows: Vec<(Option<Uuid>, f64, Option<NaiveDate>, NaiveDate)> = read(
        db,
        &q.into_query(),
        &[
            ("assignee_id", Col::Id),
            ("hours", Col::Value),
            ("start_date", Col::Value),
            ("due_key", Col::Value),
        ],
    )
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
/// Read folded ([`crate::json_rows`], the fields in this order).
#[derive(Debug, Clone, serde::Deserialize)]
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
    read(
        db,
        &q,
        &[
            ("task_id", Col::Id),
            ("project_id", Col::Id),
            ("title", Col::Value),
            ("start_date", Col::Value),
            ("department_id", Col::Id),
            ("predecessor_id", Col::Id),
            ("predecessor_title", Col::Value),
            ("predecessor_status", Col::Value),
            ("predecessor_updated_at", Col::Value),
            ("predecessor_department_id", Col::Id),
        ],
    )
    .await
}

/// A flagged task for the dashboard's list.
#[derive(Debug, Clone)]
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

/// The `limit` flagged tasks due first (undated last): chosen from the covering index
/// (`risk_flags`, `due_key` and `id` are in `ix_tasks_figures`), then only those rows read
/// with their reasons — sorting every flagged task's whole row was most of this query.
pub async fn flagged(
    db: &impl ConnectionTrait,
    ids: Option<&[Uuid]>,
    limit: u64,
) -> RepoResult<Vec<Flagged>> {
    use crate::risks::{AT_RISK, BLOCKED, OVERDUE};
    use sea_orm::QueryOrder;
    #[derive(FromQueryResult)]
    struct Row {
        id: Uuid,
        project_id: Uuid,
        title: String,
        due_date: Option<NaiveDate>,
        risk_flags: i16,
        reasons: String,
    }
    let first = in_projects(tasks::Entity::find(), ids)
        .select_only()
        .column(tasks::Column::Id)
        .filter(not_archived())
        .filter(tasks::Column::RiskFlags.ne(0))
        .order_by_asc(tasks::Column::DueKey)
        .order_by_asc(tasks::Column::Id)
        .limit(limit)
        .into_query();
    let mut q = tasks::Entity::find()
        .select_only()
        .columns([
            tasks::Column::Id,
            tasks::Column::ProjectId,
            tasks::Column::Title,
            tasks::Column::DueDate,
            tasks::Column::RiskFlags,
        ])
        .column_as(
            Expr::col((task_risks::Entity, task_risks::Column::Reasons)),
            "reasons",
        )
        .filter(tasks::Column::Id.in_subquery(first))
        .order_by_asc(tasks::Column::DueKey)
        .order_by_asc(tasks::Column::Id);
    QueryTrait::query(&mut q).join(
        JoinType::InnerJoin,
        task_risks::Entity,
        Expr::col((task_risks::Entity, task_risks::Column::TaskId))
            .equals((tasks::Entity, tasks::Column::Id)),
    );
    let rows = q.into_model::<Row>().all(db).await?;
    Ok(rows
        .into_iter()
        .map(|r| Flagged {
            task_id: r.id,
            project_id: r.project_id,
            title: r.title,
            due_date: r.due_date,
            overdue: r.risk_flags & OVERDUE != 0,
            at_risk: r.risk_flags & AT_RISK != 0,
            blocked: r.risk_flags & BLOCKED != 0,
            reasons: r.reasons,
        })
        .collect())
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
