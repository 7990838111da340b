//! Tasks, their progress updates and activity log (T1–T3, T7, T9, T10).

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, Order,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set, TransactionTrait,
};
use tandem_dto::{ActivityResponse, Priority, ProgressResponse, TaskStatus};
use uuid::Uuid;

use tandem_domain::board;

use crate::accounts::escape_like;
use crate::entities::{task_activity, task_dependencies, task_progress, task_risks, tasks};
use crate::error::{RepoError, RepoResult, stale_or_gone};
use crate::pagination::{finish_page, oldest_first};

pub fn priority_rank(p: Priority) -> i16 {
    match p {
        Priority::High => 0,
        Priority::Medium => 1,
        Priority::Low => 2,
    }
}

/// On PostgreSQL, serializes structural changes inside one project (sub-task nesting) by locking
/// its row for the rest of the transaction; SQLite has a single writer anyway.
async fn lock_project(db: &impl ConnectionTrait, project_id: Uuid) -> RepoResult<()> {
    crate::projects::find_project_for_update(db, project_id).await?;
    Ok(())
}

/// Re-checks, inside the writing transaction, that `parent` may take `child` as a sub-task:
/// the checks before the transaction could have raced with another request.
async fn check_nesting(
    db: &impl ConnectionTrait,
    parent: Uuid,
    child: Option<Uuid>,
) -> RepoResult<()> {
    let p = find_task(db, parent).await?;
    let child_has_subtasks = match child {
        Some(c) => has_subtasks(db, c).await?,
        None => false,
    };
    if p.parent_id.is_some() || Some(parent) == child || child_has_subtasks {
        return Err(RepoError::Conflict("nested_subtask"));
    }
    Ok(())
}

/// Undated tasks sort after every dated one.
pub(crate) fn due_key(d: Option<NaiveDate>) -> NaiveDate {
    d.unwrap_or_else(|| NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX))
}

pub(crate) fn search_text(title: &str, description: &str) -> String {
    format!("{}\n{}", title, description).to_lowercase()
}

pub struct NewTask {
    pub project_id: Uuid,
    pub title: String,
    pub description: String,
    pub description_html: String,
    pub assignee_id: Option<Uuid>,
    pub priority: Priority,
    pub start_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub milestone_id: Option<Uuid>,
    pub parent_id: Option<Uuid>,
    pub estimate_hours: Option<f64>,
    pub created_by: Uuid,
}

/// Creates a task and its first activity entry, through `txn` (the caller's write
/// transaction).
pub async fn create_task(txn: &impl ConnectionTrait, t: NewTask) -> RepoResult<tasks::Model> {
    // Locked so two tasks created at once never share a rank (new cards go to the end).
    lock_project(txn, t.project_id).await?;
    if let Some(parent) = t.parent_id {
        check_nesting(txn, parent, None).await?;
    }
    let rank = board::rank_after(crate::board::last_rank(txn, t.project_id).await?.as_deref());
    let now = Utc::now();
    let task = tasks::ActiveModel {
        id: Set(Uuid::now_v7()),
        project_id: Set(t.project_id),
        search_text: Set(search_text(&t.title, &t.description)),
        title: Set(t.title),
        description: Set(t.description),
        description_html: Set(t.description_html),
        assignee_id: Set(t.assignee_id),
        priority: Set(t.priority.as_str().to_owned()),
        priority_rank: Set(priority_rank(t.priority)),
        status: Set(TaskStatus::Todo.as_str().to_owned()),
        start_date: Set(t.start_date),
        due_date: Set(t.due_date),
        due_key: Set(due_key(t.due_date)),
        milestone_id: Set(t.milestone_id),
        parent_id: Set(t.parent_id),
        estimate_hours: Set(t.estimate_hours),
        progress: Set(0),
        created_by: Set(t.created_by),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        risk_flags: Set(0),
        board_rank: Set(rank),
    }
    .insert(txn)
    .await?;
    record(
        txn,
        task.id,
        Some(t.created_by),
        vec![Change {
            field: "created",
            old: None,
            new: Some(task.title.clone()),
        }],
    )
    .await?;
    Ok(task)
}

/// Many tasks at once, without activity entries: for seeding large data sets (benchmarks,
/// imports). Batches keep every statement under the engines' bound-parameter limits.
pub async fn insert_bulk(db: &impl TransactionTrait, tasks_in: Vec<NewTask>) -> RepoResult<()> {
    let txn = crate::begin_write(db).await?;
    let now = Utc::now();
    let mut ranks = crate::board::ranks_for(&txn, tasks_in.iter().map(|t| t.project_id)).await?;
    let mut rows = Vec::with_capacity(500);
    for (n, t) in tasks_in.into_iter().enumerate() {
        rows.push(tasks::ActiveModel {
            id: Set(Uuid::now_v7()),
            project_id: Set(t.project_id),
            search_text: Set(search_text(&t.title, &t.description)),
            title: Set(t.title),
            description: Set(t.description),
            description_html: Set(t.description_html),
            assignee_id: Set(t.assignee_id),
            priority: Set(t.priority.as_str().to_owned()),
            priority_rank: Set(priority_rank(t.priority)),
            // Spread over the lifecycle so filters have something to do.
            status: Set(STATUS_CYCLE[n % STATUS_CYCLE.len()].as_str().to_owned()),
            start_date: Set(t.start_date),
            due_date: Set(t.due_date),
            due_key: Set(due_key(t.due_date)),
            milestone_id: Set(t.milestone_id),
            parent_id: Set(t.parent_id),
            estimate_hours: Set(t.estimate_hours),
            progress: Set(0),
            created_by: Set(t.created_by),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            risk_flags: Set(0),
            board_rank: Set(ranks.next_for(t.project_id)),
        });
        if rows.len() == 500 {
            tasks::Entity::insert_many(std::mem::take(&mut rows))
                .exec(&txn)
                .await?;
        }
    }
    tasks::Entity::insert_many(rows)
        .on_empty_do_nothing()
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

const STATUS_CYCLE: [TaskStatus; 4] = [
    TaskStatus::Todo,
    TaskStatus::InProgress,
    TaskStatus::InReview,
    TaskStatus::Done,
];

/// A task read to decide a change in the caller's transaction (who its assignee is now):
/// locked on PostgreSQL until the transaction ends.
pub async fn find_task_for_update(db: &impl ConnectionTrait, id: Uuid) -> RepoResult<tasks::Model> {
    crate::for_update(db, tasks::Entity::find_by_id(id))
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)
}

pub async fn find_task(db: &impl ConnectionTrait, id: Uuid) -> RepoResult<tasks::Model> {
    tasks::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)
}

/// A task with what its payload derives from other rows: the sub-task roll-up (total, done)
/// and whether an unfinished predecessor blocks it. Read in the same statement as the task.
#[derive(Debug, Clone)]
pub struct TaskRow {
    pub task: tasks::Model,
    pub subtasks_total: i64,
    pub subtasks_done: i64,
    pub blocked: bool,
    /// Its stored risk (`task_risks`): the reasons as JSON, `None` when not flagged.
    pub risk_reasons: Option<String>,
    pub risk_finish: Option<NaiveDate>,
}

/// A task row is read like the task itself.
impl std::ops::Deref for TaskRow {
    type Target = tasks::Model;
    fn deref(&self) -> &tasks::Model {
        &self.task
    }
}

impl FromQueryResult for TaskRow {
    fn from_query_result(res: &sea_orm::QueryResult, pre: &str) -> Result<Self, sea_orm::DbErr> {
        Ok(Self {
            task: tasks::Model::from_query_result(res, pre)?,
            subtasks_total: res.try_get(pre, "rollup_total")?,
            subtasks_done: res.try_get(pre, "rollup_done")?,
            blocked: res.try_get(pre, "rollup_blocked")?,
            risk_reasons: res.try_get(pre, "risk_reasons")?,
            risk_finish: res.try_get(pre, "risk_finish")?,
        })
    }
}

/// The roll-up of [`TaskRow`] as correlated sub-queries (index lookups on `parent_id` and the
/// dependency key per row), so it comes in the same statement as the task: on SQLite every
/// statement is a hop to the connection's worker thread, which costs more than the lookups.
/// Not for selects that sort many rows: SQLite computes result columns before sorting, so
/// lists pick their page first and ask for the page's roll-up after ([`list_tasks`]).
fn rollup_columns() -> [(sea_orm::sea_query::SimpleExpr, &'static str); 5] {
    use sea_orm::sea_query::{Alias, Query, SimpleExpr};
    let sub = Alias::new("sub");
    let subtasks = |done: bool| {
        let mut s = Query::select();
        s.expr(Expr::col((sub.clone(), tasks::Column::Id)).count())
            .from_as(tasks::Entity, sub.clone())
            .and_where(
                Expr::col((sub.clone(), tasks::Column::ParentId))
                    .equals((tasks::Entity, tasks::Column::Id)),
            );
        if done {
            s.and_where(
                Expr::col((sub.clone(), tasks::Column::Status))
                    .is_in([TaskStatus::Done.as_str(), TaskStatus::Archived.as_str()]),
            );
        }
        SimpleExpr::SubQuery(None, Box::new(s.into_sub_query_statement()))
    };
    let dep = Alias::new("dep");
    let pre = Alias::new("pre");
    let mut open_predecessor = Query::select();
    open_predecessor
        .expr(Expr::cust("1"))
        .from_as(task_dependencies::Entity, dep.clone())
        .join_as(
            sea_orm::JoinType::InnerJoin,
            tasks::Entity,
            pre.clone(),
            Expr::col((pre.clone(), tasks::Column::Id))
                .equals((dep.clone(), task_dependencies::Column::DependsOnId)),
        )
        .and_where(
            Expr::col((dep.clone(), task_dependencies::Column::TaskId))
                .equals((tasks::Entity, tasks::Column::Id)),
        )
        .and_where(
            Expr::col((pre.clone(), tasks::Column::Status))
                .is_not_in([TaskStatus::Done.as_str(), TaskStatus::Archived.as_str()]),
        );
    // The stored risk, by primary key.
    let risk = |col: task_risks::Column| {
        let mut s = Query::select();
        s.column((task_risks::Entity, col))
            .from(task_risks::Entity)
            .and_where(
                Expr::col((task_risks::Entity, task_risks::Column::TaskId))
                    .equals((tasks::Entity, tasks::Column::Id)),
            );
        SimpleExpr::SubQuery(None, Box::new(s.into_sub_query_statement()))
    };
    [
        (subtasks(false), "rollup_total"),
        (subtasks(true), "rollup_done"),
        (Expr::exists(open_predecessor), "rollup_blocked"),
        (risk(task_risks::Column::Reasons), "risk_reasons"),
        (risk(task_risks::Column::ProjectedFinish), "risk_finish"),
    ]
}

/// `q` with the roll-up columns, read as [`TaskRow`]s.
fn with_rollup(
    q: sea_orm::Select<tasks::Entity>,
) -> sea_orm::Selector<sea_orm::SelectModel<TaskRow>> {
    rollup_columns()
        .into_iter()
        .fold(q, |q, (expr, name)| q.column_as(expr, name))
        .into_model::<TaskRow>()
}

/// One task with its roll-up (see [`TaskRow`]).
pub async fn find_task_row(db: &impl ConnectionTrait, id: Uuid) -> RepoResult<TaskRow> {
    with_rollup(tasks::Entity::find_by_id(id))
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)
}

/// Several tasks with their roll-up, in one statement (those that exist).
pub async fn find_task_rows(db: &impl ConnectionTrait, ids: &[Uuid]) -> RepoResult<Vec<TaskRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(
        with_rollup(tasks::Entity::find().filter(tasks::Column::Id.is_in(ids.iter().copied())))
            .all(db)
            .await?,
    )
}

/// The tasks waiting for `id` (finish-to-start successors), with their roll-up.
pub async fn successor_rows(db: &impl ConnectionTrait, id: Uuid) -> RepoResult<Vec<TaskRow>> {
    use sea_orm::QueryTrait;
    let waiting = task_dependencies::Entity::find()
        .select_only()
        .column(task_dependencies::Column::TaskId)
        .filter(task_dependencies::Column::DependsOnId.eq(id))
        .into_query();
    Ok(
        with_rollup(tasks::Entity::find().filter(tasks::Column::Id.in_subquery(waiting)))
            .all(db)
            .await?,
    )
}

/// One field's change, for the activity log.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub field: &'static str,
    pub old: Option<String>,
    pub new: Option<String>,
}

pub(crate) async fn record(
    db: &impl ConnectionTrait,
    task_id: Uuid,
    actor: Option<Uuid>,
    changes: Vec<Change>,
) -> RepoResult<()> {
    let now = Utc::now();
    let rows = changes.into_iter().map(|c| task_activity::ActiveModel {
        id: Set(Uuid::now_v7()),
        task_id: Set(task_id),
        actor_id: Set(actor),
        field: Set(c.field.to_owned()),
        old_value: Set(c.old),
        new_value: Set(c.new),
        created_at: Set(now),
    });
    task_activity::Entity::insert_many(rows)
        .on_empty_do_nothing()
        .exec(db)
        .await?;
    Ok(())
}

/// The new values of a task; `None` leaves a field alone.
#[derive(Debug, Default)]
pub struct TaskChanges {
    pub title: Option<String>,
    /// The Markdown and its rendering.
    pub description: Option<(String, String)>,
    pub assignee_id: Option<Option<Uuid>>,
    pub priority: Option<Priority>,
    pub status: Option<TaskStatus>,
    pub start_date: Option<Option<NaiveDate>>,
    pub due_date: Option<Option<NaiveDate>>,
    pub milestone_id: Option<Option<Uuid>>,
    pub parent_id: Option<Option<Uuid>>,
    pub estimate_hours: Option<Option<f64>>,
    /// A new place on boards (not in the activity log: order is arrangement, not content).
    pub board_rank: Option<String>,
}

fn show<T: ToString>(v: &Option<T>) -> Option<String> {
    v.as_ref().map(T::to_string)
}

/// Applies changes conditional on the version read, recording each changed field.
pub async fn update_task(
    txn: &impl ConnectionTrait,
    t: tasks::Model,
    c: TaskChanges,
    actor: Uuid,
) -> RepoResult<tasks::Model> {
    if let Some(Some(parent)) = c.parent_id {
        lock_project(txn, t.project_id).await?;
        check_nesting(txn, parent, Some(t.id)).await?;
    }
    apply_changes(txn, t, c, actor).await
}

/// [`update_task`] without its nesting check, for a caller that checked sub-task nesting on
/// the final state of a whole batch, inside this transaction with the project locked: row by
/// row, a batch that moves a sub-task away and then makes its parent a sub-task would be
/// refused half-way.
pub async fn apply_changes(
    txn: &impl ConnectionTrait,
    t: tasks::Model,
    c: TaskChanges,
    actor: Uuid,
) -> RepoResult<tasks::Model> {
    let (id, version) = (t.id, t.version);
    let mut log = Vec::new();
    let mut am: tasks::ActiveModel = t.clone().into();
    if let Some(v) = c.title.filter(|v| *v != t.title) {
        log.push(Change {
            field: "title",
            old: Some(t.title.clone()),
            new: Some(v.clone()),
        });
        am.title = Set(v);
    }
    if let Some((v, html)) = c.description.filter(|(v, _)| *v != t.description) {
        // The text itself can be long: the log notes that it changed, not both versions.
        log.push(Change {
            field: "description",
            old: None,
            new: None,
        });
        am.description = Set(v);
        am.description_html = Set(html);
    }
    if let Some(v) = c.assignee_id.filter(|v| *v != t.assignee_id) {
        log.push(Change {
            // The assignee passing their own task on is a hand-over; anyone else (an
            // administrator, or an editor giving out unassigned work) assigns.
            field: if t.assignee_id.is_some() && t.assignee_id == Some(actor) {
                "handed_over"
            } else {
                "assignee_id"
            },
            old: show(&t.assignee_id),
            new: show(&v),
        });
        am.assignee_id = Set(v);
    }
    if let Some(v) = c.priority.filter(|v| v.as_str() != t.priority) {
        log.push(Change {
            field: "priority",
            old: Some(t.priority.clone()),
            new: Some(v.as_str().into()),
        });
        am.priority = Set(v.as_str().to_owned());
        am.priority_rank = Set(priority_rank(v));
    }
    if let Some(v) = c.status.filter(|v| v.as_str() != t.status) {
        log.push(Change {
            field: "status",
            old: Some(t.status.clone()),
            new: Some(v.as_str().into()),
        });
        am.status = Set(v.as_str().to_owned());
        if v == TaskStatus::Done {
            am.progress = Set(100);
        }
    }
    if let Some(v) = c.start_date.filter(|v| *v != t.start_date) {
        log.push(Change {
            field: "start_date",
            old: show(&t.start_date),
            new: show(&v),
        });
        am.start_date = Set(v);
    }
    if let Some(v) = c.due_date.filter(|v| *v != t.due_date) {
        log.push(Change {
            field: "due_date",
            old: show(&t.due_date),
            new: show(&v),
        });
        am.due_date = Set(v);
        am.due_key = Set(due_key(v));
    }
    if let Some(v) = c.milestone_id.filter(|v| *v != t.milestone_id) {
        log.push(Change {
            field: "milestone_id",
            old: show(&t.milestone_id),
            new: show(&v),
        });
        am.milestone_id = Set(v);
    }
    if let Some(v) = c.parent_id.filter(|v| *v != t.parent_id) {
        log.push(Change {
            field: "parent_id",
            old: show(&t.parent_id),
            new: show(&v),
        });
        am.parent_id = Set(v);
    }
    if let Some(v) = c.estimate_hours.filter(|v| *v != t.estimate_hours) {
        log.push(Change {
            field: "estimate_hours",
            old: show(&t.estimate_hours),
            new: show(&v),
        });
        am.estimate_hours = Set(v);
    }
    let rank_moved = match c.board_rank.filter(|r| *r != t.board_rank) {
        Some(r) => {
            am.board_rank = Set(r);
            true
        }
        None => false,
    };
    if log.is_empty() && !rank_moved {
        // Nothing changed: no new version, no activity.
        return Ok(t);
    }
    let title = match &am.title {
        sea_orm::ActiveValue::Set(v) => v.clone(),
        _ => t.title.clone(),
    };
    let description = match &am.description {
        sea_orm::ActiveValue::Set(v) => v.clone(),
        _ => t.description.clone(),
    };
    am.search_text = Set(search_text(&title, &description));
    am.updated_at = Set(Utc::now());
    am.version = Set(version + 1);
    let res = tasks::Entity::update_many()
        .set(am)
        .filter(tasks::Column::Id.eq(id))
        .filter(tasks::Column::Version.eq(version))
        .exec(txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(stale_or_gone(
            tasks::Entity::find_by_id(id).one(txn).await?.is_some(),
        ));
    }
    record(txn, id, Some(actor), log).await?;
    let out = find_task(txn, id).await?;
    Ok(out)
}

/// Deletes a task with its attachments, which must be exactly `checked_attachments` (the ones
/// the caller was allowed to remove): one added in the meantime is a conflict, not a loss.
/// The attachments' stored content is released (see `crate::files::release_blobs`); library
/// files linked to the task stay, unlinked.
pub async fn delete_task(
    txn: &impl ConnectionTrait,
    id: Uuid,
    checked_attachments: &[Uuid],
) -> RepoResult<()> {
    let attachment_ids: Vec<Uuid> = crate::attachments::list_for_task(txn, id)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    if attachment_ids
        .iter()
        .any(|a| !checked_attachments.contains(a))
    {
        return Err(RepoError::Conflict("attachments_changed"));
    }
    crate::files::purge_files(txn, &attachment_ids).await?;
    // Sub-tasks become top-level tasks rather than disappearing with their parent.
    tasks::Entity::update_many()
        .col_expr(tasks::Column::ParentId, Expr::value(Option::<Uuid>::None))
        .filter(tasks::Column::ParentId.eq(id))
        .exec(txn)
        .await?;
    // The task's external key and its comments' keys go with them (a seed run after this
    // creates the task anew); the comments' keys first, while the comments still exist.
    crate::external_keys::unbind_comments_of(txn, id).await?;
    crate::external_keys::unbind(txn, tandem_dto::ExternalKeyKind::Task, id).await?;
    tasks::Entity::delete_by_id(id).exec(txn).await?;
    Ok(())
}

/// How a list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TaskSort {
    /// Soonest due first, undated last.
    Due,
    /// High priority first.
    Priority,
    /// Most recently changed first.
    Updated,
    /// Board order (B1): by rank, the order people arranged the cards in.
    Rank,
    /// Newest first (the default: new tasks land before the cursor, so paging is stable).
    #[default]
    Created,
}

#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    /// Tasks of this project…
    pub project_id: Option<Uuid>,
    /// …or of any of these projects (`GET /me/tasks`).
    pub project_ids: Option<Vec<Uuid>>,
    pub status: Option<Vec<TaskStatus>>,
    pub assignee_id: Option<Uuid>,
    /// Assignees in this department (resolved by the caller into user ids).
    pub assignee_ids: Option<Vec<Uuid>>,
    pub priority: Option<Priority>,
    /// Open tasks due before "today" (true) or not (false). "Today" depends on the project's
    /// time zone: one (project ids, today) group per zone in play.
    pub overdue: Option<bool>,
    pub today: Vec<(Vec<Uuid>, NaiveDate)>,
    pub milestone_id: Option<Uuid>,
    pub parent_id: Option<Uuid>,
    /// Flagged tasks of one kind (their stored risk, see `crate::risks`).
    pub risk: Option<tandem_dto::RiskFilter>,
    pub due_before: Option<NaiveDate>,
    pub due_after: Option<NaiveDate>,
    /// Starts (or, without a start date, is due) strictly before this date.
    pub starts_before: Option<NaiveDate>,
    /// With an estimate of hours (true) or without (false).
    pub estimated: Option<bool>,
    /// With a due date (true) or without (false).
    pub dated: Option<bool>,
    pub q: Option<String>,
    pub sort: TaskSort,
    /// The cursor: the id of the last task of the previous page…
    pub after_id: Option<Uuid>,
    /// …and that task, when it belongs to the listed projects (the caller checks: its sort key
    /// must not tell anything about other projects). Sorts other than `Created` need it; without
    /// it they answer an empty page.
    pub after: Option<tasks::Model>,
    pub limit: u64,
}

fn open_condition() -> Condition {
    Condition::all()
        .add(tasks::Column::Status.ne(TaskStatus::Done.as_str()))
        .add(tasks::Column::Status.ne(TaskStatus::Archived.as_str()))
}

/// Rows after (`key`, `id`) in the order (column, id), ascending or descending: the keyset
/// condition of every sort but `Created`.
fn after_key(col: tasks::Column, key: sea_orm::Value, id: Uuid, desc: bool) -> Condition {
    let (past_key, past_id) = if desc {
        (col.lt(key.clone()), tasks::Column::Id.lt(id))
    } else {
        (col.gt(key.clone()), tasks::Column::Id.gt(id))
    };
    Condition::any()
        .add(past_key)
        .add(Condition::all().add(col.eq(key)).add(past_id))
}

/// The tasks a filter selects, unordered: task lists and board columns and counts share it.
pub(crate) fn filtered(f: &TaskFilter) -> sea_orm::Select<tasks::Entity> {
    let mut q = tasks::Entity::find();
    if let Some(p) = f.project_id {
        q = q.filter(tasks::Column::ProjectId.eq(p));
    }
    if let Some(ps) = &f.project_ids {
        q = q.filter(tasks::Column::ProjectId.is_in(ps.iter().copied()));
    }
    match &f.status {
        Some(s) => q = q.filter(tasks::Column::Status.is_in(s.iter().map(|s| s.as_str()))),
        // Archived tasks are put away: only listed when asked for.
        None => q = q.filter(tasks::Column::Status.ne(TaskStatus::Archived.as_str())),
    }
    if let Some(a) = f.assignee_id {
        q = q.filter(tasks::Column::AssigneeId.eq(a));
    }
    if let Some(ids) = &f.assignee_ids {
        q = q.filter(tasks::Column::AssigneeId.is_in(ids.iter().copied()));
    }
    if let Some(p) = f.priority {
        q = q.filter(tasks::Column::Priority.eq(p.as_str()));
    }
    if let Some(overdue) = f.overdue {
        let mut late = Condition::any();
        for (ids, today) in &f.today {
            late = late.add(
                Condition::all()
                    .add(tasks::Column::ProjectId.is_in(ids.iter().copied()))
                    // due_key, never NULL: NOT(...) keeps undated tasks.
                    .add(tasks::Column::DueKey.lt(*today)),
            );
        }
        let cond = open_condition().add(late);
        q = q.filter(if overdue { cond } else { cond.not() });
    }
    if let Some(m) = f.milestone_id {
        q = q.filter(tasks::Column::MilestoneId.eq(m));
    }
    if let Some(p) = f.parent_id {
        q = q.filter(tasks::Column::ParentId.eq(p));
    }
    if let Some(r) = f.risk {
        // The flags' copy on the row (`tasks.risk_flags`), as the dashboard counts them.
        use sea_orm::sea_query::ExprTrait;
        let bit = match r {
            tandem_dto::RiskFilter::AtRisk => crate::risks::AT_RISK,
            tandem_dto::RiskFilter::Blocked => crate::risks::BLOCKED,
            tandem_dto::RiskFilter::Overdue => crate::risks::OVERDUE,
        };
        q = q.filter(
            sea_orm::sea_query::Expr::col(tasks::Column::RiskFlags)
                .bit_and(bit)
                .ne(0),
        );
    }
    if let Some(d) = f.due_before {
        q = q.filter(tasks::Column::DueDate.lt(d));
    }
    if let Some(d) = f.due_after {
        q = q.filter(tasks::Column::DueDate.gt(d));
    }
    if let Some(d) = f.starts_before {
        q = q.filter(
            Condition::any().add(tasks::Column::StartDate.lt(d)).add(
                Condition::all()
                    .add(tasks::Column::StartDate.is_null())
                    .add(tasks::Column::DueDate.lt(d)),
            ),
        );
    }
    if let Some(e) = f.estimated {
        q = q.filter(if e {
            tasks::Column::EstimateHours.is_not_null()
        } else {
            tasks::Column::EstimateHours.is_null()
        });
    }
    if let Some(d) = f.dated {
        q = q.filter(if d {
            tasks::Column::DueDate.is_not_null()
        } else {
            tasks::Column::DueDate.is_null()
        });
    }
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
        q = q.filter(tasks::Column::SearchText.like(pattern));
    }
    q
}

/// One page of tasks. The cursor is the last task's id; its sort key is read back so the
/// next page continues exactly after it, however many tasks were created meanwhile.
pub async fn list_tasks(
    db: &impl ConnectionTrait,
    f: TaskFilter,
) -> RepoResult<(Vec<TaskRow>, Option<String>)> {
    let mut q = filtered(&f);
    let cursor = f.after;
    if f.after_id.is_some() && cursor.is_none() && f.sort != TaskSort::Created {
        return Ok((Vec::new(), None));
    }
    let order: Vec<(tasks::Column, Order)> = match (f.sort, &cursor) {
        // Ids are the keyset here: comparing with any id reveals nothing.
        (TaskSort::Created, _) => {
            if let Some(after) = f.after_id {
                q = q.filter(tasks::Column::Id.lt(after));
            }
            vec![(tasks::Column::Id, Order::Desc)]
        }
        (sort, c) => {
            let (col, desc) = match sort {
                TaskSort::Updated => (tasks::Column::UpdatedAt, true),
                TaskSort::Priority => (tasks::Column::PriorityRank, false),
                TaskSort::Rank => (tasks::Column::BoardRank, false),
                _ => (tasks::Column::DueKey, false),
            };
            if let Some(c) = c {
                let key: sea_orm::Value = match sort {
                    TaskSort::Updated => c.updated_at.into(),
                    TaskSort::Priority => c.priority_rank.into(),
                    TaskSort::Rank => c.board_rank.clone().into(),
                    _ => c.due_key.into(),
                };
                q = q.filter(after_key(col, key, c.id, desc));
            }
            let order = if desc { Order::Desc } else { Order::Asc };
            vec![(col, order.clone()), (tasks::Column::Id, order)]
        }
    };
    let sorted = |q: sea_orm::Select<tasks::Entity>| {
        order
            .iter()
            .fold(q, |q, (col, o)| q.order_by(*col, o.clone()))
    };
    // One statement: the page is picked by ids in a sub-query (index order, LIMIT), and only
    // its rows get the roll-up (see `rollup_columns`).
    let page = sorted(q)
        .select_only()
        .column(tasks::Column::Id)
        .limit(f.limit + 1)
        .into_query();
    let rows = with_rollup(sorted(
        tasks::Entity::find().filter(tasks::Column::Id.in_subquery(page)),
    ))
    .all(db)
    .await?;
    Ok(finish_page(rows, f.limit, |t| t.task.id))
}

/// `SUM(CASE WHEN cond THEN 1 ELSE 0 END)`: counts the rows of a group matching `cond`.
pub(crate) fn count_if(cond: Condition) -> sea_orm::sea_query::SimpleExpr {
    Func::sum(Expr::case(cond, 1).finally(0)).into()
}

/// Whether a task has sub-tasks (a sub-task cannot have its own).
pub async fn has_subtasks(db: &impl ConnectionTrait, id: Uuid) -> RepoResult<bool> {
    use sea_orm::PaginatorTrait;
    Ok(tasks::Entity::find()
        .filter(tasks::Column::ParentId.eq(id))
        .count(db)
        .await?
        > 0)
}

// ------------------------------------------------------------------------ progress

pub fn progress_dto(p: &task_progress::Model) -> ProgressResponse {
    ProgressResponse {
        id: p.id,
        task_id: p.task_id,
        user_id: p.user_id,
        percent: p.percent,
        note: p.note.clone(),
        created_at: p.created_at,
    }
}

/// Records a progress update and makes its percent the task's.
pub async fn add_progress(
    txn: &impl ConnectionTrait,
    task: &tasks::Model,
    user_id: Uuid,
    percent: i32,
    note: String,
) -> RepoResult<task_progress::Model> {
    let p = task_progress::ActiveModel {
        id: Set(Uuid::now_v7()),
        task_id: Set(task.id),
        user_id: Set(user_id),
        percent: Set(percent),
        note: Set(note),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    tasks::Entity::update_many()
        .col_expr(tasks::Column::Progress, Expr::value(percent))
        .col_expr(tasks::Column::UpdatedAt, Expr::value(p.created_at))
        .col_expr(
            tasks::Column::Version,
            Expr::col(tasks::Column::Version).add(1),
        )
        .filter(tasks::Column::Id.eq(task.id))
        .exec(txn)
        .await?;
    record(
        txn,
        task.id,
        Some(user_id),
        vec![Change {
            field: "progress",
            old: Some(task.progress.to_string()),
            new: Some(percent.to_string()),
        }],
    )
    .await?;
    Ok(p)
}

pub async fn list_progress(
    db: &impl ConnectionTrait,
    task_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> RepoResult<(Vec<task_progress::Model>, Option<String>)> {
    let q = task_progress::Entity::find().filter(task_progress::Column::TaskId.eq(task_id));
    oldest_first(db, q, task_progress::Column::Id, after, limit, |p| p.id).await
}

// ------------------------------------------------------------------------ activity

/// What an activity value names, by its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    Person,
    Milestone,
    Task,
}

pub fn named_by(field: &str) -> Option<Named> {
    match field {
        "assignee_id" | "handed_over" => Some(Named::Person),
        "milestone_id" => Some(Named::Milestone),
        "parent_id" | "dependency_added" | "dependency_removed" => Some(Named::Task),
        _ => None,
    }
}

/// Names for the ids a page of activity mentions (actors, assignees, milestones, tasks): three
/// queries whatever the page's size.
#[derive(Debug, Default)]
pub struct ActivityNames {
    pub people: HashMap<Uuid, String>,
    pub milestones: HashMap<Uuid, String>,
    /// Task id → (title, project id): the caller decides which projects' titles may be shown.
    pub tasks: HashMap<Uuid, (String, Uuid)>,
}

pub async fn activity_names(
    db: &impl ConnectionTrait,
    rows: &[task_activity::Model],
) -> RepoResult<ActivityNames> {
    let mut people: Vec<Uuid> = rows.iter().filter_map(|a| a.actor_id).collect();
    let mut milestones = Vec::new();
    let mut tasks_named = Vec::new();
    for a in rows {
        let Some(kind) = named_by(&a.field) else {
            continue;
        };
        let ids = [&a.old_value, &a.new_value]
            .into_iter()
            .filter_map(|v| v.as_deref().and_then(|v| v.parse::<Uuid>().ok()));
        match kind {
            Named::Person => people.extend(ids),
            Named::Milestone => milestones.extend(ids),
            Named::Task => tasks_named.extend(ids),
        }
    }
    let mut names = ActivityNames::default();
    if !people.is_empty() {
        names.people = crate::entities::users::Entity::find()
            .select_only()
            .column(crate::entities::users::Column::Id)
            .column(crate::entities::users::Column::Name)
            .filter(crate::entities::users::Column::Id.is_in(people))
            .into_tuple::<(Uuid, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect();
    }
    if !milestones.is_empty() {
        names.milestones = crate::entities::milestones::Entity::find()
            .select_only()
            .column(crate::entities::milestones::Column::Id)
            .column(crate::entities::milestones::Column::Name)
            .filter(crate::entities::milestones::Column::Id.is_in(milestones))
            .into_tuple::<(Uuid, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect();
    }
    if !tasks_named.is_empty() {
        names.tasks = tasks::Entity::find()
            .select_only()
            .column(tasks::Column::Id)
            .column(tasks::Column::Title)
            .column(tasks::Column::ProjectId)
            .filter(tasks::Column::Id.is_in(tasks_named))
            .into_tuple::<(Uuid, String, Uuid)>()
            .all(db)
            .await?
            .into_iter()
            .map(|(id, title, project)| (id, (title, project)))
            .collect();
    }
    Ok(names)
}

/// An activity record for the API; `label` names a referenced id the caller may see.
pub fn activity_dto(
    a: &task_activity::Model,
    names: &ActivityNames,
    label: impl Fn(Named, Uuid) -> Option<String>,
) -> ActivityResponse {
    let label_of = |v: &Option<String>| {
        let kind = named_by(&a.field)?;
        let id = v.as_deref()?.parse::<Uuid>().ok()?;
        label(kind, id)
    };
    ActivityResponse {
        id: a.id,
        task_id: a.task_id,
        actor_id: a.actor_id,
        field: a.field.clone(),
        old_value: a.old_value.clone(),
        new_value: a.new_value.clone(),
        actor_name: a.actor_id.and_then(|id| names.people.get(&id).cloned()),
        old_label: label_of(&a.old_value),
        new_label: label_of(&a.new_value),
        created_at: a.created_at,
    }
}

pub async fn list_activity(
    db: &impl ConnectionTrait,
    task_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> RepoResult<(Vec<task_activity::Model>, Option<String>)> {
    let q = task_activity::Entity::find().filter(task_activity::Column::TaskId.eq(task_id));
    oldest_first(db, q, task_activity::Column::Id, after, limit, |a| a.id).await
}

// -------------------------------------------------------------------- dependencies

/// Why a dependency cannot be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DependencyRefused {
    /// It would make the tasks wait for each other forever.
    Cycle,
    /// It exists already.
    Exists,
    /// The chain of predecessors is too long to check (a guard against pathological graphs).
    TooDeep,
}

/// How many predecessors a cycle check may walk.
const MAX_CHAIN: usize = 10_000;

/// Adds "`task_id` waits for `depends_on`" in the caller's write transaction, refusing
/// cycles: walks the predecessors of `depends_on` breadth-first (one query per level) looking
/// for `task_id`.
pub async fn add_dependency(
    txn: &impl ConnectionTrait,
    task_id: Uuid,
    depends_on: Uuid,
    by: Uuid,
) -> RepoResult<Result<task_dependencies::Model, DependencyRefused>> {
    if task_id == depends_on {
        return Ok(Err(DependencyRefused::Cycle));
    }
    // Dependencies cross projects: on PostgreSQL one transaction-scoped advisory lock makes
    // additions take turns, so two opposite ones can't both pass the cycle check.
    crate::serialize(txn, crate::Serialized::Dependencies).await?;
    if task_dependencies::Entity::find_by_id((task_id, depends_on))
        .one(txn)
        .await?
        .is_some()
    {
        return Ok(Err(DependencyRefused::Exists));
    }
    let mut seen = std::collections::HashSet::from([depends_on]);
    let mut frontier = vec![depends_on];
    while !frontier.is_empty() {
        let next: Vec<Uuid> = task_dependencies::Entity::find()
            .select_only()
            .column(task_dependencies::Column::DependsOnId)
            .filter(task_dependencies::Column::TaskId.is_in(frontier.iter().copied()))
            .into_tuple::<Uuid>()
            .all(txn)
            .await?;
        if next.contains(&task_id) {
            return Ok(Err(DependencyRefused::Cycle));
        }
        frontier = next.into_iter().filter(|id| seen.insert(*id)).collect();
        if seen.len() > MAX_CHAIN {
            return Ok(Err(DependencyRefused::TooDeep));
        }
    }
    let dep = task_dependencies::ActiveModel {
        task_id: Set(task_id),
        depends_on_id: Set(depends_on),
        created_by: Set(by),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    record(
        txn,
        task_id,
        Some(by),
        vec![Change {
            field: "dependency_added",
            old: None,
            new: Some(depends_on.to_string()),
        }],
    )
    .await?;
    Ok(Ok(dep))
}

/// Removes a dependency in the caller's write transaction.
pub async fn remove_dependency(
    txn: &impl ConnectionTrait,
    task_id: Uuid,
    depends_on: Uuid,
    by: Uuid,
) -> RepoResult<()> {
    let res = task_dependencies::Entity::delete_by_id((task_id, depends_on))
        .exec(txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(RepoError::NotFound);
    }
    record(
        txn,
        task_id,
        Some(by),
        vec![Change {
            field: "dependency_removed",
            old: Some(depends_on.to_string()),
            new: None,
        }],
    )
    .await?;
    Ok(())
}

/// A task's predecessors with the predecessor tasks themselves.
pub async fn list_dependencies(
    db: &impl ConnectionTrait,
    task_id: Uuid,
) -> RepoResult<Vec<(task_dependencies::Model, Option<tasks::Model>)>> {
    let deps = task_dependencies::Entity::find()
        .filter(task_dependencies::Column::TaskId.eq(task_id))
        .order_by_asc(task_dependencies::Column::CreatedAt)
        .all(db)
        .await?;
    let tasks: HashMap<Uuid, tasks::Model> = tasks::Entity::find()
        .filter(tasks::Column::Id.is_in(deps.iter().map(|d| d.depends_on_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    Ok(deps
        .into_iter()
        .map(|d| {
            let t = tasks.get(&d.depends_on_id).cloned();
            (d, t)
        })
        .collect())
}
