//! Due-soon and overdue notices (C7): which tasks may need one, and the record that one went
//! out — once per task, kind and due date, however often the scan runs or restarts.

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, Set, Statement};
use uuid::Uuid;

use crate::entities::task_alerts;
use crate::error::RepoResult;

/// The notice (and notification kind) before the end of a due date…
pub const DUE_SOON: &str = "task.due_soon";
/// …and after it.
pub const OVERDUE: &str = "task.overdue";

/// An open, assigned task of an active project due within the scanned window.
#[derive(Debug, Clone, FromQueryResult)]
pub struct DueTask {
    pub id: Uuid,
    pub project_id: Uuid,
    pub title: String,
    pub assignee_id: Uuid,
    pub created_by: Uuid,
    pub due_date: NaiveDate,
    pub time_zone: String,
    /// Whether the due-soon notice for this due date went out (0 or 1).
    pub soon_sent: i64,
    /// Always 0 here: tasks whose overdue notice went out are not listed.
    pub overdue_sent: i64,
}

/// Open assigned tasks of active projects due in `[from, to]` whose overdue notice has not gone
/// out (with whether their due-soon one has), due date first, at most `limit`, after `(after_date, after_id)` (keyset: a scan walks them all).
pub async fn due_tasks(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
    after: Option<(NaiveDate, Uuid)>,
    limit: u64,
) -> RepoResult<Vec<DueTask>> {
    let backend = db.get_database_backend();
    // Numbered parameters on both engines (`$n`, SQLite's `?n`): bound in the order below,
    // whatever order they appear in.
    let p = |n: usize| match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => format!("?{n}"),
    };
    let (after_date, after_id) = after.unwrap_or((
        NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default(),
        Uuid::nil(),
    ));
    let sql = format!(
        "SELECT t.id, t.project_id, t.title, t.assignee_id, t.created_by, t.due_date, \
                p.time_zone, \
                (SELECT COUNT(*) FROM task_alerts a WHERE a.task_id = t.id \
                   AND a.due_date = t.due_date AND a.kind = {soon}) AS soon_sent, \
                CAST(0 AS BIGINT) AS overdue_sent \
         FROM tasks t JOIN projects p ON p.id = t.project_id \
         WHERE t.due_date >= {from} AND t.due_date <= {to} \
           AND t.assignee_id IS NOT NULL \
           AND t.status NOT IN ('done', 'archived') \
           AND p.status = 'active' \
           AND NOT EXISTS (SELECT 1 FROM task_alerts a WHERE a.task_id = t.id \
                   AND a.due_date = t.due_date AND a.kind = {overdue}) \
           AND (t.due_date > {after} OR (t.due_date = {after_again} AND t.id > {after_id})) \
         ORDER BY t.due_date, t.id LIMIT {limit}",
        soon = p(1),
        overdue = p(2),
        from = p(3),
        to = p(4),
        after = p(5),
        after_again = p(6),
        after_id = p(7),
    );
    Ok(DueTask::find_by_statement(Statement::from_sql_and_values(
        backend,
        sql,
        [
            DUE_SOON.into(),
            OVERDUE.into(),
            from.into(),
            to.into(),
            after_date.into(),
            after_date.into(),
            after_id.into(),
        ],
    ))
    .all(db)
    .await?)
}

/// Records that the `kind` notice for `task`'s `due_date` goes out, in the caller's
/// transaction; `false` when it already did (a concurrent or earlier scan won).
pub async fn claim(
    db: &impl ConnectionTrait,
    task: Uuid,
    kind: &str,
    due_date: NaiveDate,
) -> RepoResult<bool> {
    let n = task_alerts::Entity::insert(task_alerts::ActiveModel {
        task_id: Set(task),
        kind: Set(kind.to_owned()),
        due_date: Set(due_date),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([
            task_alerts::Column::TaskId,
            task_alerts::Column::Kind,
            task_alerts::Column::DueDate,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(n > 0)
}
