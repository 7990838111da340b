//! Boards (B1): card ranks, column counts per swimlane, work-in-progress limits, moves.

use std::collections::{HashMap, VecDeque};

use sea_orm::sea_query::{Alias, Expr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, JoinType, Order,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set,
};
use tandem_domain::board;
use tandem_dto::TaskStatus;
use uuid::Uuid;

use crate::entities::{board_limits, tasks, users};
use crate::error::{RepoError, RepoResult};
use crate::tasks::{TaskChanges, TaskFilter};

/// The greatest rank in a project (new cards go after it).
pub async fn last_rank(db: &impl ConnectionTrait, project_id: Uuid) -> RepoResult<Option<String>> {
    let r: Option<Option<String>> = tasks::Entity::find()
        .select_only()
        .column_as(tasks::Column::BoardRank.max(), "r")
        .filter(tasks::Column::ProjectId.eq(project_id))
        .into_tuple()
        .one(db)
        .await?;
    Ok(r.flatten().filter(|r| !r.is_empty()))
}

/// Ranks handed out to many new tasks in order, per project, each after the project's last.
pub struct Ranks(HashMap<Uuid, VecDeque<String>>);

impl Ranks {
    /// The next rank for a task of `project` (the ranks were counted for exactly these tasks).
    pub fn next_for(&mut self, project: Uuid) -> String {
        self.0
            .get_mut(&project)
            .and_then(VecDeque::pop_front)
            .unwrap_or_default()
    }
}

/// Ranks for new tasks of the given projects (one entry per task), spread after each
/// project's last rank so bulk inserts keep keys short.
pub async fn ranks_for(
    db: &impl ConnectionTrait,
    projects: impl Iterator<Item = Uuid>,
) -> RepoResult<Ranks> {
    let mut counts: HashMap<Uuid, usize> = HashMap::new();
    for p in projects {
        *counts.entry(p).or_default() += 1;
    }
    let mut out = HashMap::with_capacity(counts.len());
    for (p, n) in counts {
        let last = last_rank(db, p).await?;
        out.insert(p, board::spread(last.as_deref(), n).into());
    }
    Ok(Ranks(out))
}

/// What a board's lanes group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    Assignee,
    Department,
    Milestone,
    Project,
}

/// Tasks counted per column (status) and lane (`None`: no assignee, department, milestone).
#[derive(Debug, Clone, FromQueryResult)]
pub struct Count {
    pub status: String,
    pub lane: Option<Uuid>,
    pub n: i64,
}

/// Counts of the tasks `f` selects per status, and per lane when asked: one grouped query.
pub async fn counts(
    db: &impl ConnectionTrait,
    f: &TaskFilter,
    lane: Option<Lane>,
) -> RepoResult<Vec<Count>> {
    let mut q = crate::tasks::filtered(f)
        .select_only()
        .column(tasks::Column::Status)
        .column_as(tasks::Column::Id.count(), "n")
        .group_by(tasks::Column::Status);
    let lane_col =
        |q: sea_orm::Select<tasks::Entity>, c: tasks::Column| q.column_as(c, "lane").group_by(c);
    q = match lane {
        None => q.column_as(Expr::cust("NULL"), "lane"),
        Some(Lane::Assignee) => lane_col(q, tasks::Column::AssigneeId),
        Some(Lane::Milestone) => lane_col(q, tasks::Column::MilestoneId),
        Some(Lane::Project) => lane_col(q, tasks::Column::ProjectId),
        Some(Lane::Department) => {
            let who = Alias::new("who");
            QueryTrait::query(&mut q).join_as(
                JoinType::LeftJoin,
                users::Entity,
                who.clone(),
                Expr::col((who.clone(), users::Column::Id))
                    .equals((tasks::Entity, tasks::Column::AssigneeId)),
            );
            q.column_as(
                Expr::col((who.clone(), users::Column::DepartmentId)),
                "lane",
            )
            .group_by(Expr::col((who, users::Column::DepartmentId)))
        }
    };
    Ok(q.into_model::<Count>().all(db).await?)
}

/// A project's work-in-progress limits, per status.
pub async fn limits(
    db: &impl ConnectionTrait,
    project_id: Uuid,
) -> RepoResult<HashMap<String, i32>> {
    Ok(board_limits::Entity::find()
        .filter(board_limits::Column::ProjectId.eq(project_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.status, l.wip_limit))
        .collect())
}

/// Replaces a project's limits with `set` (statuses without a limit have none).
pub async fn set_limits(
    db: &impl ConnectionTrait,
    project_id: Uuid,
    set: &[(TaskStatus, i32)],
) -> RepoResult<()> {
    board_limits::Entity::delete_many()
        .filter(board_limits::Column::ProjectId.eq(project_id))
        .exec(db)
        .await?;
    let rows = set.iter().map(|(s, n)| board_limits::ActiveModel {
        project_id: Set(project_id),
        status: Set(s.as_str().to_owned()),
        wip_limit: Set(*n),
    });
    board_limits::Entity::insert_many(rows)
        .on_empty_do_nothing()
        .exec(db)
        .await?;
    Ok(())
}

/// The cards a move is placed among: one column of a project's board, or of someone's board
/// across their projects.
#[derive(Debug, Clone)]
pub struct Column {
    pub project_ids: Vec<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub status: TaskStatus,
}

/// Where a card goes: into `column`, right after the card `after` and/or right before the card
/// `before` (as the mover saw them; neither: the end of the column).
#[derive(Debug, Clone)]
pub struct Placement {
    pub column: Column,
    pub after: Option<Uuid>,
    pub before: Option<Uuid>,
}

/// The column's cards in board order, without the moving card.
fn column_query(c: &Column, moving: Uuid) -> sea_orm::Select<tasks::Entity> {
    let mut q = tasks::Entity::find()
        .filter(tasks::Column::ProjectId.is_in(c.project_ids.iter().copied()))
        .filter(tasks::Column::Status.eq(c.status.as_str()))
        .filter(tasks::Column::Id.ne(moving));
    if let Some(a) = c.assignee_id {
        q = q.filter(tasks::Column::AssigneeId.eq(a));
    }
    q
}

fn after_card(t: &tasks::Model) -> Condition {
    Condition::any()
        .add(tasks::Column::BoardRank.gt(t.board_rank.clone()))
        .add(
            Condition::all()
                .add(tasks::Column::BoardRank.eq(t.board_rank.clone()))
                .add(tasks::Column::Id.gt(t.id)),
        )
}

fn before_card(t: &tasks::Model) -> Condition {
    Condition::any()
        .add(tasks::Column::BoardRank.lt(t.board_rank.clone()))
        .add(
            Condition::all()
                .add(tasks::Column::BoardRank.eq(t.board_rank.clone()))
                .add(tasks::Column::Id.lt(t.id)),
        )
}

async fn neighbour(
    db: &impl ConnectionTrait,
    c: &Column,
    id: Option<Uuid>,
    moving: Uuid,
) -> RepoResult<Option<tasks::Model>> {
    let Some(id) = id else { return Ok(None) };
    if id == moving {
        return Err(RepoError::Conflict("board_changed"));
    }
    let found = tasks::Entity::find_by_id(id).one(db).await?;
    // A neighbour outside the column the mover sees (deleted, or in a project they cannot
    // see) means their board is out of date: they reload rather than guess.
    match found {
        Some(t) if c.project_ids.contains(&t.project_id) => Ok(Some(t)),
        _ => Err(RepoError::Conflict("board_changed")),
    }
}

/// Moves a card: its new status (the caller checked the transition) and a rank between its
/// new neighbours, in the caller's transaction with the project locked. Neighbours the mover
/// did not see (the column is paged) are taken into account: the card lands right after
/// `after` (or right before `before`). Only when two neighbours share a rank — tasks created at
/// the same moment by two servers — are the tied cards after it re-ranked; their ids are
/// returned with the moved task.
pub async fn move_task(
    txn: &impl ConnectionTrait,
    t: tasks::Model,
    p: Placement,
    actor: Uuid,
) -> RepoResult<(tasks::Model, Vec<Uuid>)> {
    crate::projects::find_project_for_update(txn, t.project_id).await?;
    let col = &p.column;
    let after = neighbour(txn, col, p.after, t.id).await?;
    let before = neighbour(txn, col, p.before, t.id).await?;
    let in_col = column_query(col, t.id);
    let (prev, next) = match (after, before) {
        (Some(a), _) => {
            let next = in_col
                .clone()
                .filter(after_card(&a))
                .order_by(tasks::Column::BoardRank, Order::Asc)
                .order_by(tasks::Column::Id, Order::Asc)
                .one(txn)
                .await?;
            (Some(a), next)
        }
        (None, Some(b)) => {
            let prev = in_col
                .clone()
                .filter(before_card(&b))
                .order_by(tasks::Column::BoardRank, Order::Desc)
                .order_by(tasks::Column::Id, Order::Desc)
                .one(txn)
                .await?;
            (prev, Some(b))
        }
        (None, None) => {
            let last = in_col
                .clone()
                .order_by(tasks::Column::BoardRank, Order::Desc)
                .order_by(tasks::Column::Id, Order::Desc)
                .one(txn)
                .await?;
            (last, None)
        }
    };
    let mut reranked = Vec::new();
    let rank = match board::rank_between(
        prev.as_ref().map(|t| t.board_rank.as_str()),
        next.as_ref().map(|t| t.board_rank.as_str()),
    ) {
        Some(r) => r,
        None => {
            // No room: the card goes right after `prev`, and the cards after it that now do
            // not sort after their predecessor are given ranks that do, one by one.
            let rank = board::rank_after(prev.as_ref().map(|t| t.board_rank.as_str()));
            let mut last = rank.clone();
            let mut following = in_col.clone();
            if let Some(p) = &prev {
                following = following.filter(after_card(p));
            }
            let following = following
                .order_by(tasks::Column::BoardRank, Order::Asc)
                .order_by(tasks::Column::Id, Order::Asc)
                .limit(1000)
                .all(txn)
                .await?;
            for f in following {
                if f.board_rank > last {
                    break;
                }
                let r = board::rank_after(Some(&last));
                last = r.clone();
                reranked.push(f.id);
                let c = TaskChanges {
                    board_rank: Some(r),
                    ..Default::default()
                };
                crate::tasks::apply_changes(txn, f, c, actor).await?;
            }
            rank
        }
    };
    let c = TaskChanges {
        status: Some(col.status),
        board_rank: Some(rank),
        ..Default::default()
    };
    let moved = crate::tasks::apply_changes(txn, t, c, actor).await?;
    Ok((moved, reranked))
}

/// The names of a lane kind's ids (people, departments, milestones, projects).
pub async fn lane_names(
    db: &impl ConnectionTrait,
    lane: Lane,
    ids: &[Uuid],
) -> RepoResult<HashMap<Uuid, String>> {
    use crate::entities::{departments, milestones, projects};
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let ids = ids.iter().copied();
    let rows: Vec<(Uuid, String)> = match lane {
        Lane::Assignee => {
            users::Entity::find()
                .select_only()
                .columns([users::Column::Id, users::Column::Name])
                .filter(users::Column::Id.is_in(ids))
                .into_tuple()
                .all(db)
                .await?
        }
        Lane::Department => {
            departments::Entity::find()
                .select_only()
                .columns([departments::Column::Id, departments::Column::Name])
                .filter(departments::Column::Id.is_in(ids))
                .into_tuple()
                .all(db)
                .await?
        }
        Lane::Milestone => {
            milestones::Entity::find()
                .select_only()
                .columns([milestones::Column::Id, milestones::Column::Name])
                .filter(milestones::Column::Id.is_in(ids))
                .into_tuple()
                .all(db)
                .await?
        }
        Lane::Project => {
            projects::Entity::find()
                .select_only()
                .columns([projects::Column::Id, projects::Column::Name])
                .filter(projects::Column::Id.is_in(ids))
                .into_tuple()
                .all(db)
                .await?
        }
    };
    Ok(rows.into_iter().collect())
}

/// The departments of the assignees of the tasks `f` selects (`(assignee, department)`).
pub async fn assignee_departments(
    db: &impl ConnectionTrait,
    f: &TaskFilter,
) -> RepoResult<Vec<(Uuid, Uuid)>> {
    let who = Alias::new("who");
    let mut q = crate::tasks::filtered(f)
        .select_only()
        .column(tasks::Column::AssigneeId)
        .column_as(Expr::col((who.clone(), users::Column::DepartmentId)), "d")
        .distinct();
    QueryTrait::query(&mut q).join_as(
        JoinType::InnerJoin,
        users::Entity,
        who.clone(),
        Expr::col((who.clone(), users::Column::Id))
            .equals((tasks::Entity, tasks::Column::AssigneeId)),
    );
    let rows: Vec<(Option<Uuid>, Option<Uuid>)> = q
        .filter(Expr::col((who, users::Column::DepartmentId)).is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(a, d)| Some((a?, d?)))
        .collect())
}
