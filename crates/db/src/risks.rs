//! Delay risk's storage (B3): a project's work calendar, and what the last risk evaluation
//! found (each flagged task's risk, the project's health). The rules are
//! `tandem_domain::risk`; the API evaluates and writes here.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use tandem_dto::{CalendarDay, ProjectCalendar, WorkWeek};
use uuid::Uuid;

use crate::entities::{project_calendar_days as days, project_risks, projects, task_risks, tasks};
use crate::error::RepoResult;

/// `tasks.risk_flags`: a task's stored flags as bits, 0 when it is not flagged.
pub const OVERDUE: i16 = 1;
pub const AT_RISK: i16 = 2;
pub const BLOCKED: i16 = 4;

/// The bits of `tasks.risk_flags` for these flags.
pub fn flag_bits(overdue: bool, at_risk: bool, blocked: bool) -> i16 {
    (if overdue { OVERDUE } else { 0 })
        | (if at_risk { AT_RISK } else { 0 })
        | (if blocked { BLOCKED } else { 0 })
}

pub const HOLIDAY: &str = "holiday";
pub const WORKDAY: &str = "workday";

/// A project's calendar as stored: its work week and its dated exceptions.
pub async fn calendar(
    db: &impl ConnectionTrait,
    project: &projects::Model,
) -> RepoResult<ProjectCalendar> {
    let rows = days::Entity::find()
        .filter(days::Column::ProjectId.eq(project.id))
        .order_by_asc(days::Column::Day)
        .all(db)
        .await?;
    let (mut holidays, mut extra_work_days) = (Vec::new(), Vec::new());
    for r in rows {
        let day = CalendarDay {
            date: r.day,
            name: r.name,
        };
        if r.kind == WORKDAY {
            extra_work_days.push(day);
        } else {
            holidays.push(day);
        }
    }
    Ok(ProjectCalendar {
        work_days: WorkWeek::parse(&project.work_week).days(),
        holidays,
        extra_work_days,
    })
}

/// Replaces a project's calendar (the caller has checked that no date is both kinds).
pub async fn set_calendar(
    txn: &impl ConnectionTrait,
    project_id: Uuid,
    c: &ProjectCalendar,
) -> RepoResult<()> {
    projects::Entity::update_many()
        .col_expr(
            projects::Column::WorkWeek,
            sea_orm::sea_query::Expr::value(WorkWeek::from_days(&c.work_days).code()),
        )
        .filter(projects::Column::Id.eq(project_id))
        .exec(txn)
        .await?;
    days::Entity::delete_many()
        .filter(days::Column::ProjectId.eq(project_id))
        .exec(txn)
        .await?;
    let rows: Vec<days::ActiveModel> = c
        .holidays
        .iter()
        .map(|d| (d, HOLIDAY))
        .chain(c.extra_work_days.iter().map(|d| (d, WORKDAY)))
        .map(|(d, kind)| days::ActiveModel {
            project_id: Set(project_id),
            day: Set(d.date),
            kind: Set(kind.to_owned()),
            name: Set(d.name.trim().to_owned()),
        })
        .collect();
    // In slices: SQLite allows at most 32 766 bound values per statement.
    for chunk in rows.chunks(500) {
        days::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// The stored risk of each flagged task among `task_ids` (absent: not flagged).
pub async fn task_risks_of(
    db: &impl ConnectionTrait,
    task_ids: &[Uuid],
) -> RepoResult<HashMap<Uuid, task_risks::Model>> {
    let mut out = HashMap::new();
    for chunk in task_ids.chunks(500) {
        for r in task_risks::Entity::find()
            .filter(task_risks::Column::TaskId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            out.insert(r.task_id, r);
        }
    }
    Ok(out)
}

/// The stored risk of every flagged task of a project.
pub async fn project_task_risks(
    db: &impl ConnectionTrait,
    project_id: Uuid,
) -> RepoResult<HashMap<Uuid, task_risks::Model>> {
    Ok(task_risks::Entity::find()
        .filter(task_risks::Column::ProjectId.eq(project_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.task_id, r))
        .collect())
}

/// One task's new risk, as an evaluation found it.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundRisk {
    pub task_id: Uuid,
    pub overdue: bool,
    pub at_risk: bool,
    pub blocked: bool,
    pub projected_finish: Option<NaiveDate>,
    pub reasons: String,
}

/// Writes an evaluation's result: flagged tasks upserted (keeping `changed_at` when the flags
/// did not change), the others' rows removed, and the project's health.
#[allow(clippy::too_many_arguments)]
pub async fn save_evaluation(
    txn: &impl ConnectionTrait,
    project_id: Uuid,
    before: &HashMap<Uuid, task_risks::Model>,
    found: &[FoundRisk],
    health: &str,
    reasons: &str,
    evaluated_on: NaiveDate,
    now: DateTime<Utc>,
) -> RepoResult<()> {
    let flagged: std::collections::HashSet<Uuid> = found.iter().map(|f| f.task_id).collect();
    let gone: Vec<Uuid> = before
        .keys()
        .filter(|id| !flagged.contains(id))
        .copied()
        .collect();
    for chunk in gone.chunks(500) {
        task_risks::Entity::delete_many()
            .filter(task_risks::Column::TaskId.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
    }
    // The flags' copy on the tasks (`tasks.risk_flags`), one update per value that changes:
    // no longer flagged is 0.
    let mut bits: HashMap<i16, Vec<Uuid>> = HashMap::new();
    if !gone.is_empty() {
        bits.insert(0, gone.clone());
    }
    for f in found {
        let now_bits = flag_bits(f.overdue, f.at_risk, f.blocked);
        let was = before
            .get(&f.task_id)
            .map(|o| flag_bits(o.overdue, o.at_risk, o.blocked));
        if was != Some(now_bits) {
            bits.entry(now_bits).or_default().push(f.task_id);
        }
    }
    for (value, ids) in &bits {
        for chunk in ids.chunks(500) {
            tasks::Entity::update_many()
                .col_expr(tasks::Column::RiskFlags, (*value).into())
                .filter(tasks::Column::Id.is_in(chunk.iter().copied()))
                .exec(txn)
                .await?;
        }
    }
    let changed: Vec<task_risks::ActiveModel> = found
        .iter()
        .filter_map(|f| {
            let old = before.get(&f.task_id);
            let same_flags = old.is_some_and(|o| {
                (o.overdue, o.at_risk, o.blocked) == (f.overdue, f.at_risk, f.blocked)
            });
            if same_flags
                && old.is_some_and(|o| {
                    o.projected_finish == f.projected_finish && o.reasons == f.reasons
                })
            {
                return None;
            }
            Some(task_risks::ActiveModel {
                task_id: Set(f.task_id),
                project_id: Set(project_id),
                overdue: Set(f.overdue),
                at_risk: Set(f.at_risk),
                blocked: Set(f.blocked),
                projected_finish: Set(f.projected_finish),
                reasons: Set(f.reasons.clone()),
                changed_at: Set(match old {
                    Some(o) if same_flags => o.changed_at,
                    _ => now,
                }),
            })
        })
        .collect();
    for chunk in changed.chunks(200) {
        task_risks::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(task_risks::Column::TaskId)
                    .update_columns([
                        task_risks::Column::Overdue,
                        task_risks::Column::AtRisk,
                        task_risks::Column::Blocked,
                        task_risks::Column::ProjectedFinish,
                        task_risks::Column::Reasons,
                        task_risks::Column::ChangedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
    }
    project_risks::Entity::insert(project_risks::ActiveModel {
        project_id: Set(project_id),
        health: Set(health.to_owned()),
        reasons: Set(reasons.to_owned()),
        evaluated_on: Set(evaluated_on),
        evaluated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(project_risks::Column::ProjectId)
            .update_columns([
                project_risks::Column::Health,
                project_risks::Column::Reasons,
                project_risks::Column::EvaluatedOn,
                project_risks::Column::EvaluatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// Active projects with the local date of their last evaluation (`None`: never), after
/// `after` by id, for the daily scan.
pub async fn projects_to_scan(
    db: &impl ConnectionTrait,
    after: Option<Uuid>,
    limit: u64,
) -> RepoResult<Vec<(Uuid, String, Option<NaiveDate>)>> {
    use sea_orm::QuerySelect;
    let mut q = projects::Entity::find()
        .filter(projects::Column::Status.ne(tandem_dto::ProjectStatus::Archived.as_str()))
        .order_by_asc(projects::Column::Id)
        .limit(limit);
    if let Some(a) = after {
        q = q.filter(projects::Column::Id.gt(a));
    }
    let ps = q.all(db).await?;
    let ids: Vec<Uuid> = ps.iter().map(|p| p.id).collect();
    let evaluated: HashMap<Uuid, NaiveDate> = project_risks::Entity::find()
        .filter(project_risks::Column::ProjectId.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.project_id, r.evaluated_on))
        .collect();
    Ok(ps
        .into_iter()
        .map(|p| {
            let on = evaluated.get(&p.id).copied();
            (p.id, p.time_zone, on)
        })
        .collect())
}

/// The project's administrators (who hear of tasks turning at risk).
pub async fn admins_of(db: &impl ConnectionTrait, project_id: Uuid) -> RepoResult<Vec<Uuid>> {
    use crate::entities::project_members;
    Ok(project_members::Entity::find()
        .filter(project_members::Column::ProjectId.eq(project_id))
        .filter(project_members::Column::Role.eq(tandem_dto::ProjectRole::Admin.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect())
}

/// The health stored by the project's last evaluation (`None`: never evaluated).
pub async fn stored_health(
    db: &impl ConnectionTrait,
    project_id: Uuid,
) -> RepoResult<Option<String>> {
    Ok(project_risks::Entity::find_by_id(project_id)
        .one(db)
        .await?
        .map(|r| r.health))
}
