//! Delay risk (B3): which open tasks are overdue, at risk or blocked, and why — counted in the
//! project's working days. Pure: the caller reads tasks, dependencies and progress dates, this
//! decides. Milestones and the project roll their tasks up.
//!
//! The rules, for a task that is not done (done and archived tasks are never flagged):
//! - `overdue`: its due date is before today.
//! - `at_risk`, behind pace: progress was reported, and at the pace so far (working days since
//!   it began, divided by the share done) it finishes after its due date.
//! - `at_risk`, no progress: it has begun and nothing was reported for more than a share
//!   (`RiskSettings::stale_share`) of its planned span, counted from its last report or start.
//! - `blocked`: a predecessor is not done, and from that predecessor's (projected) finish the
//!   task has fewer working days before its due date than its planned span needs.

use std::collections::{BTreeSet, HashMap};

use chrono::{Datelike, Duration, NaiveDate};
use tandem_dto::{ProjectHealth, RiskReason, TaskStatus};
use uuid::Uuid;

/// Which days are worked: a work week and holidays. Days off in the work week can be made
/// working days again (调休: a Saturday worked to make a bridge holiday).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkCalendar {
    /// Monday first.
    week: [bool; 7],
    holidays: BTreeSet<NaiveDate>,
    extra_work_days: BTreeSet<NaiveDate>,
}

impl Default for WorkCalendar {
    /// Monday to Friday, no holidays.
    fn default() -> Self {
        Self {
            week: [true, true, true, true, true, false, false],
            holidays: BTreeSet::new(),
            extra_work_days: BTreeSet::new(),
        }
    }
}

/// Longest span the calendar walks day by day (a guard against absurd dates: 100 years).
const MAX_DAYS: i64 = 36_525;

impl WorkCalendar {
    /// A work week (Monday first; at least one day is worked, otherwise Monday to Friday),
    /// holidays, and days off worked anyway.
    pub fn new(
        week: [bool; 7],
        holidays: impl IntoIterator<Item = NaiveDate>,
        extra_work_days: impl IntoIterator<Item = NaiveDate>,
    ) -> Self {
        let week = if week.iter().any(|w| *w) {
            week
        } else {
            Self::default().week
        };
        Self {
            week,
            holidays: holidays.into_iter().collect(),
            extra_work_days: extra_work_days.into_iter().collect(),
        }
    }

    pub fn is_working(&self, d: NaiveDate) -> bool {
        if self.extra_work_days.contains(&d) {
            return true;
        }
        let weekday = d.weekday().num_days_from_monday() as usize;
        self.week[weekday] && !self.holidays.contains(&d)
    }

    /// Working days in `from..=to` (0 when `to` is before `from`).
    pub fn working_days(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to < from {
            return 0;
        }
        let days = (to - from).num_days().min(MAX_DAYS);
        // Whole weeks at once, then the rest day by day; holidays and extra days corrected.
        let per_week = self.week.iter().filter(|w| **w).count() as i64;
        let weeks = (days + 1) / 7;
        let mut n = weeks * per_week;
        let mut d = from + Duration::days(weeks * 7);
        while d <= to && (d - from).num_days() <= MAX_DAYS {
            if self.week[d.weekday().num_days_from_monday() as usize] {
                n += 1;
            }
            d += Duration::days(1);
        }
        let end = from + Duration::days(days);
        for h in self.holidays.range(from..=end) {
            if self.week[h.weekday().num_days_from_monday() as usize]
                && !self.extra_work_days.contains(h)
            {
                n -= 1;
            }
        }
        for e in self.extra_work_days.range(from..=end) {
            if !self.week[e.weekday().num_days_from_monday() as usize] {
                n += 1;
            }
        }
        n
    }

    /// The `n`-th working day after `from` (`from` itself not counted); `from` for `n <= 0`.
    pub fn add_working_days(&self, from: NaiveDate, n: i64) -> NaiveDate {
        let mut d = from;
        let mut left = n;
        let mut walked = 0;
        while left > 0 && walked < MAX_DAYS {
            d += Duration::days(1);
            walked += 1;
            if self.is_working(d) {
                left -= 1;
            }
        }
        d
    }

    /// `d` itself when worked, else the next working day.
    pub fn this_or_next_working_day(&self, d: NaiveDate) -> NaiveDate {
        if self.is_working(d) {
            d
        } else {
            self.add_working_days(d, 1)
        }
    }
}

/// What the rules read of one task.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskTask {
    pub id: Uuid,
    pub status: TaskStatus,
    pub start: Option<NaiveDate>,
    pub due: Option<NaiveDate>,
    /// The day it was created (its start when it has none).
    pub created: NaiveDate,
    /// Share done, 0–100.
    pub progress: u8,
    /// Days of its first and latest progress reports.
    pub first_progress: Option<NaiveDate>,
    pub last_progress: Option<NaiveDate>,
    /// Tasks it waits for (finish-to-start).
    pub predecessors: Vec<Uuid>,
    pub milestone_id: Option<Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RiskSettings {
    /// A begun task with no progress report for more than this share of its planned span is
    /// at risk.
    pub stale_share: f64,
}

impl Default for RiskSettings {
    fn default() -> Self {
        Self { stale_share: 0.5 }
    }
}

/// One task's flags and their reasons.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TaskRisk {
    pub overdue: bool,
    pub at_risk: bool,
    pub blocked: bool,
    /// When it will finish at the pace reported, or its due date without reports.
    pub projected_finish: Option<NaiveDate>,
    pub reasons: Vec<RiskReason>,
}

impl TaskRisk {
    pub fn flagged(&self) -> bool {
        self.overdue || self.at_risk || self.blocked
    }
}

fn open(s: TaskStatus) -> bool {
    !matches!(s, TaskStatus::Done | TaskStatus::Archived)
}

/// Working days the task's plan spans (start to due, both worked), at least one.
fn planned_span(t: &RiskTask, cal: &WorkCalendar) -> Option<i64> {
    let due = t.due?;
    let start = t.start.unwrap_or(t.created).min(due);
    Some(cal.working_days(start, due).max(1))
}

/// When the task finishes at the pace reported so far; its due date when nothing was reported.
fn projected_finish(t: &RiskTask, today: NaiveDate, cal: &WorkCalendar) -> Option<NaiveDate> {
    if !open(t.status) {
        return None;
    }
    if t.progress == 0 {
        return t.due;
    }
    let began = t.start.or(t.first_progress).unwrap_or(t.created).min(today);
    let elapsed = cal.working_days(began, today).max(1);
    let percent = i64::from(t.progress.min(100));
    // Whole working days the task needs at this pace, rounded up.
    let needed = (elapsed * 100 + percent - 1) / percent;
    let remaining = (needed - elapsed).max(0);
    Some(cal.add_working_days(cal.this_or_next_working_day(today), remaining))
}

/// Flags every open task of `tasks` (a project's). Predecessors outside `tasks` are ignored.
pub fn assess(
    tasks: &[RiskTask],
    today: NaiveDate,
    cal: &WorkCalendar,
    settings: RiskSettings,
) -> HashMap<Uuid, TaskRisk> {
    let by_id: HashMap<Uuid, &RiskTask> = tasks.iter().map(|t| (t.id, t)).collect();
    let finishes: HashMap<Uuid, Option<NaiveDate>> = tasks
        .iter()
        .map(|t| (t.id, projected_finish(t, today, cal)))
        .collect();
    let mut out = HashMap::with_capacity(tasks.len());
    for t in tasks {
        let mut r = TaskRisk::default();
        if !open(t.status) {
            out.insert(t.id, r);
            continue;
        }
        r.projected_finish = finishes.get(&t.id).copied().flatten();
        if let Some(due) = t.due {
            if due < today {
                r.overdue = true;
                r.reasons.push(RiskReason::Overdue {
                    due,
                    days_late: (today - due).num_days(),
                });
            }
            if t.progress > 0
                && let Some(finish) = r.projected_finish
                && finish > due
                && !r.overdue
            {
                r.at_risk = true;
                r.reasons.push(RiskReason::BehindPace {
                    projected_finish: finish,
                    due,
                    percent: t.progress.min(100),
                });
            }
            let span = planned_span(t, cal);
            let began = t.start.unwrap_or(t.created);
            if !r.overdue
                && began <= today
                && let Some(span) = span
            {
                let since = t.last_progress.unwrap_or(began).max(began);
                let silent = cal.working_days(since, today) - 1;
                if silent as f64 > settings.stale_share * span as f64 {
                    r.at_risk = true;
                    r.reasons.push(RiskReason::NoProgress {
                        since,
                        working_days: silent.max(0),
                        due,
                    });
                }
            }
            let needed = span.unwrap_or(1);
            for p in &t.predecessors {
                let Some(pred) = by_id.get(p) else { continue };
                if !open(pred.status) || *p == t.id {
                    continue;
                }
                let Some(pf) = finishes.get(p).copied().flatten() else {
                    continue;
                };
                // Working days left after the predecessor finishes, up to the due date.
                let available = cal.working_days(pf + Duration::days(1), due);
                if available < needed {
                    r.blocked = true;
                    r.reasons.push(RiskReason::Blocked {
                        predecessor_id: *p,
                        predecessor_finish: pf,
                        due,
                        needed_days: needed,
                        available_days: available,
                    });
                }
            }
        }
        out.insert(t.id, r);
    }
    out
}

/// A milestone is at risk when a flagged task belongs to it or is due on or before it; its
/// reasons name those tasks (in the order of `tasks`).
pub fn milestone_at_risk(
    milestone_id: Uuid,
    date: NaiveDate,
    tasks: &[RiskTask],
    risks: &HashMap<Uuid, TaskRisk>,
) -> Vec<RiskReason> {
    tasks
        .iter()
        .filter(|t| t.milestone_id == Some(milestone_id) || t.due.is_some_and(|d| d <= date))
        .filter(|t| risks.get(&t.id).is_some_and(TaskRisk::flagged))
        .map(|t| RiskReason::Task { task_id: t.id })
        .collect()
}

/// How a project stands: `late` when its end date or a milestone's date passed with tasks of
/// it still open, or a task is overdue; `at_risk` when a task is at risk or blocked; else on
/// track. With the reasons that made it so.
pub fn project_health(
    end: NaiveDate,
    milestones: &[(Uuid, NaiveDate)],
    tasks: &[RiskTask],
    risks: &HashMap<Uuid, TaskRisk>,
    today: NaiveDate,
) -> (ProjectHealth, Vec<RiskReason>) {
    let mut late = Vec::new();
    let open_tasks = tasks.iter().filter(|t| open(t.status)).count() as i64;
    if end < today && open_tasks > 0 {
        late.push(RiskReason::EndPassed { end, open_tasks });
    }
    for (id, date) in milestones {
        let missed = *date < today
            && tasks.iter().any(|t| {
                open(t.status) && (t.milestone_id == Some(*id) || t.due.is_some_and(|d| d <= *date))
            });
        if missed {
            late.push(RiskReason::MilestoneMissed {
                milestone_id: *id,
                date: *date,
            });
        }
    }
    for t in tasks {
        if risks.get(&t.id).is_some_and(|r| r.overdue) {
            late.push(RiskReason::Task { task_id: t.id });
        }
    }
    if !late.is_empty() {
        return (ProjectHealth::Late, late);
    }
    let at_risk: Vec<RiskReason> = tasks
        .iter()
        .filter(|t| risks.get(&t.id).is_some_and(TaskRisk::flagged))
        .map(|t| RiskReason::Task { task_id: t.id })
        .collect();
    if at_risk.is_empty() {
        (ProjectHealth::OnTrack, at_risk)
    } else {
        (ProjectHealth::AtRisk, at_risk)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn task(n: u128) -> RiskTask {
        RiskTask {
            id: Uuid::from_u128(n),
            status: TaskStatus::InProgress,
            start: Some(d("2026-11-23")),
            due: Some(d("2026-12-04")),
            created: d("2026-11-20"),
            progress: 0,
            first_progress: None,
            last_progress: None,
            predecessors: Vec::new(),
            milestone_id: None,
        }
    }

    #[test]
    fn weekends_and_holidays_are_not_worked_and_swapped_days_are() {
        let cal = WorkCalendar::new(
            [true, true, true, true, true, false, false],
            [d("2026-12-31")],
            [d("2026-12-26")],
        );
        // Mon 2026-11-30 … Sun 2026-12-06: five.
        assert_eq!(cal.working_days(d("2026-11-30"), d("2026-12-06")), 5);
        assert_eq!(cal.add_working_days(d("2026-12-04"), 1), d("2026-12-07"));
        // Thursday 31 December is a holiday; Saturday 26 December is worked.
        assert!(!cal.is_working(d("2026-12-31")));
        assert!(cal.is_working(d("2026-12-26")));
        assert_eq!(cal.working_days(d("2026-12-21"), d("2027-01-01")), 10);
    }

    #[test]
    fn behind_pace_is_explained_with_the_projected_finish() {
        let cal = WorkCalendar::default();
        // Began Monday 23 Nov, 20 % after six working days (to Mon 30 Nov): needs 30 days.
        let mut t = task(1);
        t.progress = 20;
        t.first_progress = Some(d("2026-11-25"));
        t.last_progress = Some(d("2026-11-30"));
        let r = &assess(&[t], d("2026-11-30"), &cal, RiskSettings::default())[&Uuid::from_u128(1)];
        assert!(r.at_risk && !r.overdue && !r.blocked);
        let Some(RiskReason::BehindPace {
            projected_finish,
            due,
            percent,
        }) = r.reasons.first().cloned()
        else {
            panic!("{:?}", r.reasons);
        };
        assert_eq!((due, percent), (d("2026-12-04"), 20));
        // 24 more working days from Monday 30 November.
        assert_eq!(projected_finish, d("2027-01-01"));
    }

    #[test]
    fn silence_for_more_than_half_the_span_is_a_risk() {
        let cal = WorkCalendar::default();
        let t = task(1); // ten working days from Monday 23 Nov, never reported
        // Friday: four silent working days; Monday 30 Nov: five, exactly half — not more.
        for quiet_day in ["2026-11-27", "2026-11-30"] {
            let r = assess(
                std::slice::from_ref(&t),
                d(quiet_day),
                &cal,
                RiskSettings::default(),
            );
            assert!(!r[&t.id].at_risk, "{quiet_day}");
        }
        let r = &assess(
            std::slice::from_ref(&t),
            d("2026-12-01"),
            &cal,
            RiskSettings::default(),
        )[&t.id];
        assert!(r.at_risk);
        assert!(matches!(
            r.reasons[0],
            RiskReason::NoProgress {
                working_days: 6,
                ..
            }
        ));
        // A report yesterday, at a pace that finishes on Thursday 3 Dec: nothing to say.
        let mut reported = t;
        reported.progress = 80;
        reported.last_progress = Some(d("2026-11-30"));
        let r = &assess(
            &[reported.clone()],
            d("2026-12-01"),
            &cal,
            RiskSettings::default(),
        )[&reported.id];
        assert!(!r.flagged(), "{:?}", r.reasons);
        assert_eq!(r.projected_finish, Some(d("2026-12-03")));
    }

    #[test]
    fn a_late_predecessor_blocks_and_a_done_one_does_not() {
        let cal = WorkCalendar::default();
        let mut first = task(1);
        first.due = Some(d("2026-12-10"));
        let mut second = task(2);
        second.start = Some(d("2026-12-07"));
        second.due = Some(d("2026-12-11")); // needs five working days
        second.predecessors = vec![first.id];
        let r = assess(
            &[first.clone(), second.clone()],
            d("2026-11-30"),
            &cal,
            RiskSettings::default(),
        );
        assert!(r[&second.id].blocked);
        assert!(matches!(
            r[&second.id].reasons[0],
            RiskReason::Blocked {
                needed_days: 5,
                available_days: 1,
                ..
            }
        ));
        first.status = TaskStatus::Done;
        let r = assess(
            &[first, second.clone()],
            d("2026-11-30"),
            &cal,
            RiskSettings::default(),
        );
        assert!(!r[&second.id].blocked);
    }

    #[test]
    fn reasons_are_the_wire_shape_the_issue_names() {
        let v = serde_json::to_value(RiskReason::BehindPace {
            projected_finish: d("2026-12-03"),
            due: d("2026-11-30"),
            percent: 30,
        })
        .unwrap();
        assert_eq!(
            v,
            serde_json::json!({"code":"behind_pace","projected_finish":"2026-12-03","due":"2026-11-30","percent":30})
        );
    }

    #[test]
    fn health_is_late_when_a_milestone_passed_with_open_tasks() {
        let cal = WorkCalendar::default();
        let m = Uuid::from_u128(50);
        let mut t = task(1);
        t.milestone_id = Some(m);
        t.last_progress = Some(d("2026-11-27"));
        let today = d("2026-11-30");
        let risks = assess(
            std::slice::from_ref(&t),
            today,
            &cal,
            RiskSettings::default(),
        );
        let (h, _) = project_health(
            d("2027-01-31"),
            &[(m, d("2026-12-15"))],
            &[t.clone()],
            &risks,
            today,
        );
        assert_eq!(h, ProjectHealth::OnTrack);
        let (h, why) = project_health(
            d("2027-01-31"),
            &[(m, d("2026-11-27"))],
            &[t],
            &risks,
            today,
        );
        assert_eq!(h, ProjectHealth::Late);
        assert!(matches!(why[0], RiskReason::MilestoneMissed { .. }));
    }
}

#[cfg(test)]
mod properties {
    // The properties state the rules in their own words (not through the module's helpers),
    // so a broken helper cannot make them agree with it.
    use super::{
        Duration, NaiveDate, ProjectHealth, RiskSettings, RiskTask, TaskStatus, Uuid, WorkCalendar,
        assess, milestone_at_risk, project_health,
    };
    use proptest::prelude::*;

    fn day(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default() + Duration::days(n)
    }

    fn status() -> impl Strategy<Value = TaskStatus> {
        prop_oneof![
            Just(TaskStatus::Todo),
            Just(TaskStatus::InProgress),
            Just(TaskStatus::InReview),
            Just(TaskStatus::Done),
            Just(TaskStatus::Archived),
        ]
    }

    /// Random projects: tasks whose predecessors are earlier tasks (a DAG), with random
    /// dates, progress and statuses.
    fn project() -> impl Strategy<Value = Vec<RiskTask>> {
        prop::collection::vec(
            (
                status(),
                prop::option::of(0i64..400),
                prop::option::of(0i64..60),
                0i64..400,
                0u8..=100,
                prop::option::of(0i64..400),
                prop::collection::vec(any::<prop::sample::Index>(), 0..3),
                prop::option::of(0u128..3),
            ),
            1..30,
        )
        .prop_map(|rows| {
            let mut out: Vec<RiskTask> = Vec::with_capacity(rows.len());
            for (i, (status, start, len, created, progress, last, preds, ms)) in
                rows.into_iter().enumerate()
            {
                let predecessors = if i == 0 {
                    Vec::new()
                } else {
                    preds.iter().map(|ix| out[ix.index(i)].id).collect()
                };
                out.push(RiskTask {
                    id: Uuid::from_u128(i as u128 + 1),
                    status,
                    start: start.map(day),
                    due: start.zip(len).map(|(s, l)| day(s + l)),
                    created: day(created),
                    progress,
                    first_progress: last.map(|l| day(l.saturating_sub(5))),
                    last_progress: last.map(day),
                    predecessors,
                    milestone_id: ms.map(|m| Uuid::from_u128(1000 + m)),
                });
            }
            out
        })
    }

    fn calendar() -> impl Strategy<Value = WorkCalendar> {
        (
            prop::array::uniform7(any::<bool>()),
            prop::collection::vec(0i64..400, 0..10),
            prop::collection::vec(0i64..400, 0..5),
        )
            .prop_map(|(week, h, e)| {
                WorkCalendar::new(week, h.into_iter().map(day), e.into_iter().map(day))
            })
    }

    proptest! {
        #[test]
        fn counting_and_adding_working_days_agree(cal in calendar(), from in 0i64..400, n in 0i64..60) {
            let start = day(from);
            let end = cal.add_working_days(start, n);
            prop_assert!(end >= start);
            // The n-th working day after `start`: n working days in (start, end].
            prop_assert_eq!(cal.working_days(start + Duration::days(1), end), n);
            prop_assert!(n == 0 || cal.is_working(end));
        }

        #[test]
        fn the_rules_hold_on_random_projects(tasks in project(), cal in calendar(), today in 0i64..420) {
            let today = day(today);
            let risks = assess(&tasks, today, &cal, RiskSettings::default());
            prop_assert_eq!(risks.len(), tasks.len());
            for t in &tasks {
                let r = &risks[&t.id];
                if matches!(t.status, TaskStatus::Done | TaskStatus::Archived) {
                    // A done task is never at risk, late or blocked.
                    prop_assert!(!r.flagged() && r.reasons.is_empty());
                    continue;
                }
                prop_assert_eq!(r.overdue, t.due.is_some_and(|d| d < today));
                // Every flag comes with a reason, and every reason with a flag.
                prop_assert_eq!(r.flagged(), !r.reasons.is_empty());
                if let Some(f) = r.projected_finish && t.progress > 0 {
                    prop_assert!(f >= today);
                }
            }
            // Roll-ups agree with their tasks.
            for m in 0..3u128 {
                let id = Uuid::from_u128(1000 + m);
                let date = day(200);
                let why = milestone_at_risk(id, date, &tasks, &risks);
                let expected = tasks.iter().filter(|t| {
                    (t.milestone_id == Some(id) || t.due.is_some_and(|d| d <= date))
                        && risks[&t.id].flagged()
                }).count();
                prop_assert_eq!(why.len(), expected);
            }
            let (health, why) = project_health(day(300), &[], &tasks, &risks, today);
            let any_flag = tasks.iter().any(|t| risks[&t.id].flagged());
            let open_after_end = today > day(300)
                && tasks.iter().any(|t| !matches!(t.status, TaskStatus::Done | TaskStatus::Archived));
            match health {
                ProjectHealth::OnTrack => prop_assert!(!any_flag && !open_after_end && why.is_empty()),
                ProjectHealth::AtRisk => prop_assert!(any_flag && !why.is_empty()),
                ProjectHealth::Late => prop_assert!(!why.is_empty()),
            }
        }
    }
}

/// A project's reasons as stored for overviews: its own (end passed, milestones missed) and the
/// first `tasks` of the tasks that make it so. A late project of thousands of tasks names them
/// all; the overview needs a few, and `GET /projects/{id}/risks` lists every one.
pub fn summary(reasons: &[RiskReason], tasks: usize) -> Vec<RiskReason> {
    let mut named = 0;
    reasons
        .iter()
        .filter(|r| {
            if matches!(r, RiskReason::Task { .. }) {
                named += 1;
                named <= tasks
            } else {
                true
            }
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod summary_tests {
    use super::*;

    #[test]
    fn a_summary_keeps_the_projects_own_reasons_and_a_few_tasks() {
        let task = |n: u128| RiskReason::Task {
            task_id: uuid::Uuid::from_u128(n),
        };
        let end = RiskReason::EndPassed {
            end: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            open_tasks: 9,
        };
        let all: Vec<RiskReason> = (0..10).map(task).chain([end.clone()]).collect();
        let s = summary(&all, 3);
        assert_eq!(s, vec![task(0), task(1), task(2), end]);
    }
}
