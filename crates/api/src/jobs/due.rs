//! The due scan (C7): a due-soon notice to a task's assignee when the end of its due date (in
//! the project's time zone) is less than `TANDEM_DUE_SOON_HOURS` away, and an overdue notice
//! to its assignee and creator once it has passed — each once per task, kind and due date
//! (moving the due date makes a new one possible), however often the scan runs, on however
//! many instances, across restarts. Overdue notices are only sent for due dates of the last
//! week: a task overdue for months is old news, not a notification.

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use serde_json::json;
use tandem_db::alerts::{self, DueTask};
use uuid::Uuid;

use crate::error::ApiError;
use crate::outbox::Outbox;
use crate::state::AppState;

pub use tandem_db::alerts::{DUE_SOON, OVERDUE};
/// Overdue notices go out for due dates at most this many days back.
const OVERDUE_RECENT_DAYS: u64 = 7;
const PAGE: u64 = 500;

/// What a task is owed now.
#[derive(Debug, PartialEq, Eq)]
pub enum Owed {
    Nothing,
    DueSoon,
    Overdue,
}

/// The moment a due date ends in `time_zone` (midnight after it; the date is "by the end of
/// that day").
pub fn due_end(due: NaiveDate, time_zone: &str) -> DateTime<Utc> {
    let tz: chrono_tz::Tz = time_zone.parse().unwrap_or(chrono_tz::Asia::Shanghai);
    let next = due.checked_add_days(Days::new(1)).unwrap_or(due);
    let midnight = next.and_hms_opt(0, 0, 0).unwrap_or_default();
    // A midnight skipped by a clock change falls back to the UTC reading.
    tz.from_local_datetime(&midnight)
        .earliest()
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
}

/// What `t` is owed at `now` with a due-soon lead of `lead`.
pub fn owed(t: &DueTask, now: DateTime<Utc>, lead: chrono::Duration) -> Owed {
    let end = due_end(t.due_date, &t.time_zone);
    if now >= end {
        let recent = now
            .date_naive()
            .checked_sub_days(Days::new(OVERDUE_RECENT_DAYS + 1));
        if t.overdue_sent == 0 && recent.is_none_or(|r| t.due_date >= r) {
            Owed::Overdue
        } else {
            Owed::Nothing
        }
    } else if now >= end - lead && t.soon_sent == 0 {
        Owed::DueSoon
    } else {
        Owed::Nothing
    }
}

/// One scan; returns how many notices went out.
pub async fn scan(state: &AppState) -> Result<usize, String> {
    let now = Utc::now();
    let lead = chrono::Duration::from_std(state.config.live.due_soon)
        .unwrap_or(chrono::Duration::hours(24));
    let today = now.date_naive();
    // Wide enough for every time zone (±14 h) and the lead.
    let from = today
        .checked_sub_days(Days::new(OVERDUE_RECENT_DAYS + 2))
        .unwrap_or(today);
    let lead_days = u64::try_from(lead.num_days()).unwrap_or(0) + 2;
    let to = today
        .checked_add_days(Days::new(lead_days))
        .unwrap_or(today);
    let mut after = None;
    let mut sent = 0;
    loop {
        let page = alerts::due_tasks(&state.db, from, to, after, PAGE)
            .await
            .map_err(|e| e.to_string())?;
        for t in &page {
            let kind = match owed(t, now, lead) {
                Owed::Nothing => continue,
                Owed::DueSoon => DUE_SOON,
                Owed::Overdue => OVERDUE,
            };
            sent += notify(state, t, kind).await.map_err(|e| e.to_string())?;
        }
        match page.last() {
            Some(last) if page.len() as u64 == PAGE => after = Some((last.due_date, last.id)),
            _ => return Ok(sent),
        }
    }
}

/// Sends one notice in its own transaction with its record; 0 when another scan sent it.
async fn notify(state: &AppState, t: &DueTask, kind: &str) -> Result<usize, ApiError> {
    let txn = tandem_db::begin_write(&state.db).await?;
    if !alerts::claim(&txn, t.id, kind, t.due_date).await? {
        return Ok(0);
    }
    let mut to: Vec<Uuid> = vec![t.assignee_id];
    if kind == OVERDUE && t.created_by != t.assignee_id {
        to.push(t.created_by);
    }
    let data = json!({ "task_id": t.id, "project_id": t.project_id, "task_title": t.title,
                       "due_date": t.due_date.to_string() });
    let title = crate::features::notify::english_title(kind, &data);
    let mut out = Outbox::new(state);
    let mut n = 0;
    for user in to {
        if let Some(note) =
            tandem_db::accounts::notify(&txn, user, kind, &title, "", data.clone(), out.mail)
                .await?
        {
            out.notification(&note);
            n += 1;
        }
    }
    out.commit(state, txn).await?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(due: &str, tz: &str) -> DueTask {
        DueTask {
            id: Uuid::nil(),
            project_id: Uuid::nil(),
            title: "t".into(),
            assignee_id: Uuid::nil(),
            created_by: Uuid::nil(),
            due_date: due.parse().unwrap(),
            time_zone: tz.into(),
            soon_sent: 0,
            overdue_sent: 0,
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn due_dates_end_at_local_midnight() {
        // 2026-12-01 ends at 2026-12-02 00:00 in Shanghai = 2026-12-01 16:00 UTC.
        assert_eq!(
            due_end("2026-12-01".parse().unwrap(), "Asia/Shanghai"),
            at("2026-12-01T16:00:00Z")
        );
    }

    #[test]
    fn each_notice_comes_at_its_time_and_once() {
        let lead = chrono::Duration::hours(24);
        let mut t = task("2026-12-01", "Asia/Shanghai");
        assert_eq!(owed(&t, at("2026-11-30T15:59:00Z"), lead), Owed::Nothing);
        assert_eq!(owed(&t, at("2026-11-30T16:00:00Z"), lead), Owed::DueSoon);
        t.soon_sent = 1;
        assert_eq!(owed(&t, at("2026-12-01T15:00:00Z"), lead), Owed::Nothing);
        assert_eq!(owed(&t, at("2026-12-01T16:00:00Z"), lead), Owed::Overdue);
        t.overdue_sent = 1;
        assert_eq!(owed(&t, at("2026-12-03T00:00:00Z"), lead), Owed::Nothing);
        // Long overdue: not news.
        let old = task("2026-10-01", "Asia/Shanghai");
        assert_eq!(owed(&old, at("2026-12-01T00:00:00Z"), lead), Owed::Nothing);
    }
}
