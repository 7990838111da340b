//! I3: writing many tasks in one transaction (`POST /projects/{id}/tasks/batch`): multi-row
//! inserts for what is new, and the graph reads a batch's checks need, a few statements per
//! batch rather than a few per task.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
};
use tandem_dto::{Priority, TaskStatus};
use uuid::Uuid;

use crate::entities::{task_activity, task_dependencies, task_progress, tasks};
use crate::error::RepoResult;
use crate::tasks::{due_key, priority_rank, search_text};

/// Rows per multi-row insert: tasks have 21 columns, and SQLite allows 32 766 parameters.
const ROWS: usize = 500;
/// Ids per `IN (…)` list.
const IDS: usize = 500;

/// A task a batch creates, with the id the batch chose for it.
pub struct BatchTask {
    pub id: Uuid,
    pub project_id: Uuid,
    pub title: String,
    pub description: String,
    pub description_html: String,
    pub assignee_id: Option<Uuid>,
    pub priority: Priority,
    pub status: TaskStatus,
    pub start_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub milestone_id: Option<Uuid>,
    pub parent_id: Option<Uuid>,
    pub estimate_hours: Option<f64>,
    pub progress: i32,
}

/// Inserts new tasks with their "created" activity entry and, for a progress above zero, the
/// progress update that set it — what creating them one by one would have recorded.
pub async fn insert_tasks(
    db: &impl ConnectionTrait,
    new: Vec<BatchTask>,
    by: Uuid,
    now: DateTime<Utc>,
) -> RepoResult<()> {
    let mut activity = Vec::with_capacity(new.len());
    let mut progress = Vec::new();
    let mut ranks = crate::board::ranks_for(db, new.iter().map(|t| t.project_id)).await?;
    let mut rows = Vec::with_capacity(ROWS);
    for t in new {
        activity.push(task_activity::ActiveModel {
            id: Set(Uuid::now_v7()),
            task_id: Set(t.id),
            actor_id: Set(Some(by)),
            field: Set("created".to_owned()),
            old_value: Set(None),
            new_value: Set(Some(t.title.clone())),
            created_at: Set(now),
        });
        if t.progress > 0 {
            progress.push(task_progress::ActiveModel {
                id: Set(Uuid::now_v7()),
                task_id: Set(t.id),
                user_id: Set(by),
                percent: Set(t.progress),
                note: Set(String::new()),
                created_at: Set(now),
            });
        }
        rows.push(tasks::ActiveModel {
            id: Set(t.id),
            project_id: Set(t.project_id),
            search_text: Set(search_text(&t.title, &t.description)),
            title: Set(t.title),
            description: Set(t.description),
            description_html: Set(t.description_html),
            assignee_id: Set(t.assignee_id),
            priority: Set(t.priority.as_str().to_owned()),
            priority_rank: Set(priority_rank(t.priority)),
            status: Set(t.status.as_str().to_owned()),
            start_date: Set(t.start_date),
            due_date: Set(t.due_date),
            due_key: Set(due_key(t.due_date)),
            milestone_id: Set(t.milestone_id),
            parent_id: Set(t.parent_id),
            estimate_hours: Set(t.estimate_hours),
            progress: Set(t.progress),
            created_by: Set(by),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            risk_flags: Set(0),
            board_rank: Set(ranks.next_for(t.project_id)),
        });
        if rows.len() == ROWS {
            tasks::Entity::insert_many(std::mem::take(&mut rows))
                .exec(db)
                .await?;
        }
    }
    tasks::Entity::insert_many(rows)
        .on_empty_do_nothing()
        .exec(db)
        .await?;
    insert_chunked(db, activity).await?;
    for chunk in progress.chunks(ROWS) {
        task_progress::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    Ok(())
}

async fn insert_chunked(
    db: &impl ConnectionTrait,
    rows: Vec<task_activity::ActiveModel>,
) -> RepoResult<()> {
    for chunk in rows.chunks(ROWS) {
        task_activity::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The tasks of `ids` that exist in `project_id`.
pub async fn tasks_in(
    db: &impl ConnectionTrait,
    project_id: Uuid,
    ids: &[Uuid],
) -> RepoResult<HashMap<Uuid, tasks::Model>> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(IDS) {
        let rows = tasks::Entity::find()
            .filter(tasks::Column::ProjectId.eq(project_id))
            .filter(tasks::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        out.extend(rows.into_iter().map(|t| (t.id, t)));
    }
    Ok(out)
}

/// The sub-tasks of `ids`, as `(child, parent)`.
pub async fn children_of(db: &impl ConnectionTrait, ids: &[Uuid]) -> RepoResult<Vec<(Uuid, Uuid)>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(IDS) {
        let rows: Vec<(Uuid, Option<Uuid>)> = tasks::Entity::find()
            .select_only()
            .column(tasks::Column::Id)
            .column(tasks::Column::ParentId)
            .filter(tasks::Column::ParentId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(rows.into_iter().filter_map(|(c, p)| Some((c, p?))));
    }
    Ok(out)
}

/// The predecessors of `ids` inside `project_id` (`task → [depends_on]`). Two indexed reads
/// rather than one with `IN (SELECT … FROM tasks)`: SQLite's plan for that one scans the
/// project's tasks per edge.
pub async fn predecessors_in_project(
    db: &impl ConnectionTrait,
    project_id: Uuid,
    ids: &[Uuid],
) -> RepoResult<HashMap<Uuid, Vec<Uuid>>> {
    let edges = edges_from(db, ids).await?;
    let preds: Vec<Uuid> = edges.iter().map(|(_, d)| *d).collect();
    let projects = projects_of(db, &preds).await?;
    let mut out: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (t, d) in edges {
        if projects.get(&d) == Some(&project_id) {
            out.entry(t).or_default().push(d);
        }
    }
    Ok(out)
}

/// The dependencies of `ids` (`(task, predecessor)`), in index-sized reads.
async fn edges_from(db: &impl ConnectionTrait, ids: &[Uuid]) -> RepoResult<Vec<(Uuid, Uuid)>> {
    let mut edges = Vec::new();
    for chunk in ids.chunks(IDS) {
        let rows: Vec<(Uuid, Uuid)> = task_dependencies::Entity::find()
            .select_only()
            .column(task_dependencies::Column::TaskId)
            .column(task_dependencies::Column::DependsOnId)
            .filter(task_dependencies::Column::TaskId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        edges.extend(rows);
    }
    Ok(edges)
}

/// The project of each of `ids` that exists.
async fn projects_of(db: &impl ConnectionTrait, ids: &[Uuid]) -> RepoResult<HashMap<Uuid, Uuid>> {
    let unique: Vec<Uuid> = ids
        .iter()
        .copied()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut out = HashMap::with_capacity(unique.len());
    for chunk in unique.chunks(IDS) {
        let rows: Vec<(Uuid, Uuid)> = tasks::Entity::find()
            .select_only()
            .column(tasks::Column::Id)
            .column(tasks::Column::ProjectId)
            .filter(tasks::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// Every dependency reachable from `start` by following predecessors, breadth-first (one
/// statement per level and chunk), up to `max` tasks: the part of the graph a set of new
/// edges into `start` could close a cycle through. `None` when there are more than `max`.
pub async fn reachable_edges(
    db: &impl ConnectionTrait,
    start: impl IntoIterator<Item = Uuid>,
    max: usize,
) -> RepoResult<Option<Vec<(Uuid, Uuid)>>> {
    let mut seen: HashSet<Uuid> = start.into_iter().collect();
    let mut frontier: Vec<Uuid> = seen.iter().copied().collect();
    let mut edges = Vec::new();
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for (t, d) in edges_from(db, &frontier).await? {
            edges.push((t, d));
            if seen.insert(d) {
                next.push(d);
            }
        }
        if seen.len() > max {
            return Ok(None);
        }
        frontier = next;
    }
    Ok(Some(edges))
}

/// Adds and removes dependencies ("task waits for predecessor"), recording each in the
/// task's activity like the single-edge endpoints do.
pub async fn change_dependencies(
    db: &impl ConnectionTrait,
    add: &[(Uuid, Uuid)],
    remove: &[(Uuid, Uuid)],
    by: Uuid,
    now: DateTime<Utc>,
) -> RepoResult<()> {
    let mut activity = Vec::with_capacity(add.len() + remove.len());
    for chunk in remove.chunks(IDS / 2) {
        let mut any = Condition::any();
        for (t, d) in chunk {
            any = any.add(
                Condition::all()
                    .add(task_dependencies::Column::TaskId.eq(*t))
                    .add(task_dependencies::Column::DependsOnId.eq(*d)),
            );
        }
        task_dependencies::Entity::delete_many()
            .filter(any)
            .exec(db)
            .await?;
    }
    for (t, d) in remove {
        activity.push(entry(
            *t,
            by,
            "dependency_removed",
            Some(d.to_string()),
            None,
            now,
        ));
    }
    let rows: Vec<_> = add
        .iter()
        .map(|(t, d)| task_dependencies::ActiveModel {
            task_id: Set(*t),
            depends_on_id: Set(*d),
            created_by: Set(by),
            created_at: Set(now),
        })
        .collect();
    for chunk in rows.chunks(ROWS) {
        task_dependencies::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    for (t, d) in add {
        activity.push(entry(
            *t,
            by,
            "dependency_added",
            None,
            Some(d.to_string()),
            now,
        ));
    }
    insert_chunked(db, activity).await
}

fn entry(
    task: Uuid,
    by: Uuid,
    field: &str,
    old: Option<String>,
    new: Option<String>,
    now: DateTime<Utc>,
) -> task_activity::ActiveModel {
    task_activity::ActiveModel {
        id: Set(Uuid::now_v7()),
        task_id: Set(task),
        actor_id: Set(Some(by)),
        field: Set(field.to_owned()),
        old_value: Set(old),
        new_value: Set(new),
        created_at: Set(now),
    }
}

/// One page of a project's dependencies (tasks of the project waiting for any task), in
/// (task, predecessor) order after `after`.
pub async fn project_edges(
    db: &impl ConnectionTrait,
    project_id: Uuid,
    after: Option<(Uuid, Uuid)>,
    limit: u64,
) -> RepoResult<Vec<(task_dependencies::Model, Uuid)>> {
    use sea_orm::QueryOrder;
    let mut q = task_dependencies::Entity::find().filter(
        task_dependencies::Column::TaskId.in_subquery(sea_orm::QueryTrait::into_query(
            tasks::Entity::find()
                .select_only()
                .column(tasks::Column::Id)
                .filter(tasks::Column::ProjectId.eq(project_id)),
        )),
    );
    if let Some((t, d)) = after {
        q = q.filter(
            Condition::any()
                .add(task_dependencies::Column::TaskId.gt(t))
                .add(
                    Condition::all()
                        .add(task_dependencies::Column::TaskId.eq(t))
                        .add(task_dependencies::Column::DependsOnId.gt(d)),
                ),
        );
    }
    let edges = q
        .order_by_asc(task_dependencies::Column::TaskId)
        .order_by_asc(task_dependencies::Column::DependsOnId)
        .limit(limit)
        .all(db)
        .await?;
    let pred: Vec<Uuid> = edges.iter().map(|e| e.depends_on_id).collect();
    let projects = projects_of(db, &pred).await?;
    Ok(edges
        .into_iter()
        .filter_map(|e| {
            let p = projects.get(&e.depends_on_id).copied()?;
            Some((e, p))
        })
        .collect())
}

/// What the delay-risk rules read of a project (B3): every task's dates, status and progress
/// (not its text), the dependencies between them, and each task's first and latest progress
/// report. Three queries whatever the project's size.
#[derive(Debug, Clone)]
pub struct RiskData {
    pub tasks: Vec<RiskTaskRow>,
    /// (task, the task it waits for), both of this project.
    pub edges: Vec<(Uuid, Uuid)>,
    /// Task → (first, latest) progress report.
    pub reports: HashMap<Uuid, (DateTime<Utc>, DateTime<Utc>)>,
}

#[derive(Debug, Clone, sea_orm::FromQueryResult)]
pub struct RiskTaskRow {
    pub id: Uuid,
    pub title: String,
    pub status: String,
    pub start_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub progress: i32,
    pub milestone_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub version: i64,
    pub parent_id: Option<Uuid>,
}

pub async fn risk_data(db: &impl ConnectionTrait, project_id: Uuid) -> RepoResult<RiskData> {
    use sea_orm::QueryOrder;
    let in_project = || {
        sea_orm::QueryTrait::into_query(
            tasks::Entity::find()
                .select_only()
                .column(tasks::Column::Id)
                .filter(tasks::Column::ProjectId.eq(project_id)),
        )
    };
    let tasks_of = tasks::Entity::find()
        .select_only()
        .columns([
            tasks::Column::Id,
            tasks::Column::Title,
            tasks::Column::Status,
            tasks::Column::StartDate,
            tasks::Column::DueDate,
            tasks::Column::CreatedAt,
            tasks::Column::Progress,
            tasks::Column::MilestoneId,
            tasks::Column::AssigneeId,
            tasks::Column::Version,
            tasks::Column::ParentId,
        ])
        .filter(tasks::Column::ProjectId.eq(project_id))
        .order_by_asc(tasks::Column::Id)
        .into_model::<RiskTaskRow>()
        .all(db)
        .await?;
    let edges = dependency_pairs(db, project_id).await?;
    type Reports = (Uuid, Option<DateTime<Utc>>, Option<DateTime<Utc>>);
    let reports: Vec<Reports> = task_progress::Entity::find()
        .select_only()
        .column(task_progress::Column::TaskId)
        .column_as(task_progress::Column::CreatedAt.min(), "first")
        .column_as(task_progress::Column::CreatedAt.max(), "latest")
        .filter(task_progress::Column::TaskId.in_subquery(in_project()))
        .group_by(task_progress::Column::TaskId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(RiskData {
        tasks: tasks_of,
        edges,
        reports: reports
            .into_iter()
            .filter_map(|(t, f, l)| Some((t, (f?, l?))))
            .collect(),
    })
}

/// A project's task ids in creation order (ids are UUIDv7): for seeding benchmarks.
pub async fn project_task_ids(
    db: &impl ConnectionTrait,
    project_id: Uuid,
) -> RepoResult<Vec<Uuid>> {
    use sea_orm::QueryOrder;
    Ok(tasks::Entity::find()
        .select_only()
        .column(tasks::Column::Id)
        .filter(tasks::Column::ProjectId.eq(project_id))
        .order_by_asc(tasks::Column::Id)
        .into_tuple()
        .all(db)
        .await?)
}

/// Inserts finish-to-start dependencies `(task, depends_on)` as they are, unchecked: for
/// seeding benchmarks (the API checks cycles and projects).
pub async fn insert_dependencies_unchecked(
    db: &impl ConnectionTrait,
    edges: &[(Uuid, Uuid)],
    by: Uuid,
) -> RepoResult<()> {
    let now = Utc::now();
    for chunk in edges.chunks(ROWS) {
        let rows = chunk.iter().map(|(t, on)| task_dependencies::ActiveModel {
            task_id: Set(*t),
            depends_on_id: Set(*on),
            created_by: Set(by),
            created_at: Set(now),
        });
        task_dependencies::Entity::insert_many(rows)
            .exec(db)
            .await?;
    }
    Ok(())
}

/// A task as the Gantt chart draws it, with its stored risk (`task_risks`) in the same row.
/// Read folded ([`crate::json_rows`], the fields in this order).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct GanttRow {
    pub id: Uuid,
    pub title: String,
    pub status: String,
    pub start_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub progress: i32,
    pub milestone_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub version: i64,
    pub parent_id: Option<Uuid>,
    pub risk_reasons: Option<String>,
    pub risk_finish: Option<NaiveDate>,
}

/// A project's tasks that are not archived, each with its stored risk, and the dependencies
/// between them: two statements of one row each (a 5 000-task chart read row by row spent
/// most of its time handing rows between threads, see [`crate::json_rows`]).
pub async fn gantt_data(
    db: &impl ConnectionTrait,
    project_id: Uuid,
) -> RepoResult<(Vec<GanttRow>, Vec<(Uuid, Uuid)>)> {
    use crate::entities::task_risks;
    use crate::json_rows::{Col, read};
    use sea_orm::sea_query::Expr;
    use sea_orm::{JoinType, QueryTrait};
    let mut q = tasks::Entity::find()
        .select_only()
        .columns([
            tasks::Column::Id,
            tasks::Column::Title,
            tasks::Column::Status,
            tasks::Column::StartDate,
            tasks::Column::DueDate,
            tasks::Column::Progress,
            tasks::Column::MilestoneId,
            tasks::Column::AssigneeId,
            tasks::Column::Version,
            tasks::Column::ParentId,
        ])
        .column_as(
            Expr::col((task_risks::Entity, task_risks::Column::Reasons)),
            "risk_reasons",
        )
        .column_as(
            Expr::col((task_risks::Entity, task_risks::Column::ProjectedFinish)),
            "risk_finish",
        )
        .filter(tasks::Column::ProjectId.eq(project_id))
        .filter(tasks::Column::Status.ne(TaskStatus::Archived.as_str()));
    QueryTrait::query(&mut q).join(
        JoinType::LeftJoin,
        task_risks::Entity,
        Expr::col((task_risks::Entity, task_risks::Column::TaskId))
            .equals((tasks::Entity, tasks::Column::Id)),
    );
    let (id, value) = (Col::Id, Col::Value);
    let rows: Vec<GanttRow> = read(
        db,
        &q.into_query(),
        &[
            ("id", id),
            ("title", value),
            ("status", value),
            ("start_date", value),
            ("due_date", value),
            ("progress", value),
            ("milestone_id", id),
            ("assignee_id", id),
            ("version", value),
            ("parent_id", id),
            ("risk_reasons", value),
            ("risk_finish", value),
        ],
    )
    .await?;
    Ok((rows, dependency_pairs(db, project_id).await?))
}

/// The dependencies `(task, waits for)` of a project's tasks, in that order, read folded.
/// Joined rather than `IN (subquery)`, which SQLite answers through a temporary table.
async fn dependency_pairs(
    db: &impl ConnectionTrait,
    project_id: Uuid,
) -> RepoResult<Vec<(Uuid, Uuid)>> {
    use crate::json_rows::{Col, read};
    use sea_orm::sea_query::{Expr, Query};
    let edges = Query::select()
        .column((task_dependencies::Entity, task_dependencies::Column::TaskId))
        .column((
            task_dependencies::Entity,
            task_dependencies::Column::DependsOnId,
        ))
        .from(task_dependencies::Entity)
        .inner_join(
            tasks::Entity,
            Expr::col((tasks::Entity, tasks::Column::Id))
                .equals((task_dependencies::Entity, task_dependencies::Column::TaskId)),
        )
        .and_where(Expr::col((tasks::Entity, tasks::Column::ProjectId)).eq(project_id))
        .to_owned();
    let mut edges: Vec<(Uuid, Uuid)> = read(
        db,
        &edges,
        &[("task_id", Col::Id), ("depends_on_id", Col::Id)],
    )
    .await?;
    edges.sort_unstable();
    Ok(edges)
}
