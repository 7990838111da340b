//! Delay risk (B3) as the wire carries it: each flag with its reasons as data, which the web
//! app turns into a sentence in the reader's language. Computed by `tandem_domain::risk`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
#[cfg(feature = "validate")]
use validator::Validate;

/// Why a task (or milestone, or project) is flagged. `code` names the case; the other fields
/// are what a sentence about it needs.
// Read through `RawReason` (one flat struct) rather than serde's derive for internally tagged
// enums, which buffers every value and cost the web app's first screen 5 KiB.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "code", rename_all = "snake_case", try_from = "RawReason")]
pub enum RiskReason {
    /// Past its due date and not done.
    Overdue { due: NaiveDate, days_late: i64 },
    /// At the pace reported so far it finishes after its due date.
    BehindPace {
        projected_finish: NaiveDate,
        due: NaiveDate,
        percent: u8,
    },
    /// No progress reported for longer than the project allows (a share of the planned span).
    NoProgress {
        since: NaiveDate,
        working_days: i64,
        due: NaiveDate,
    },
    /// A predecessor is not done, and from its (projected) finish the task has fewer working
    /// days before its due date than it needs.
    Blocked {
        predecessor_id: Uuid,
        predecessor_finish: NaiveDate,
        due: NaiveDate,
        needed_days: i64,
        available_days: i64,
    },
    /// Roll-ups: a task that makes a milestone or project at risk or late.
    Task { task_id: Uuid },
    /// A milestone whose date passed with tasks still open.
    MilestoneMissed { milestone_id: Uuid, date: NaiveDate },
    /// The project's end date passed with tasks still open.
    EndPassed { end: NaiveDate, open_tasks: i64 },
}

/// Every field any [`RiskReason`] has, with its `code`: what a reason is read from.
#[derive(Deserialize)]
pub struct RawReason {
    code: String,
    due: Option<NaiveDate>,
    days_late: Option<i64>,
    projected_finish: Option<NaiveDate>,
    percent: Option<u8>,
    since: Option<NaiveDate>,
    working_days: Option<i64>,
    predecessor_id: Option<Uuid>,
    predecessor_finish: Option<NaiveDate>,
    needed_days: Option<i64>,
    available_days: Option<i64>,
    task_id: Option<Uuid>,
    milestone_id: Option<Uuid>,
    date: Option<NaiveDate>,
    end: Option<NaiveDate>,
    open_tasks: Option<i64>,
}

impl TryFrom<RawReason> for RiskReason {
    type Error = String;

    fn try_from(r: RawReason) -> Result<Self, String> {
        fn need<T>(v: Option<T>, field: &str) -> Result<T, String> {
            v.ok_or_else(|| format!("missing field `{field}`"))
        }
        Ok(match r.code.as_str() {
            "overdue" => Self::Overdue {
                due: need(r.due, "due")?,
                days_late: need(r.days_late, "days_late")?,
            },
            "behind_pace" => Self::BehindPace {
                projected_finish: need(r.projected_finish, "projected_finish")?,
                due: need(r.due, "due")?,
                percent: need(r.percent, "percent")?,
            },
            "no_progress" => Self::NoProgress {
                since: need(r.since, "since")?,
                working_days: need(r.working_days, "working_days")?,
                due: need(r.due, "due")?,
            },
            "blocked" => Self::Blocked {
                predecessor_id: need(r.predecessor_id, "predecessor_id")?,
                predecessor_finish: need(r.predecessor_finish, "predecessor_finish")?,
                due: need(r.due, "due")?,
                needed_days: need(r.needed_days, "needed_days")?,
                available_days: need(r.available_days, "available_days")?,
            },
            "task" => Self::Task {
                task_id: need(r.task_id, "task_id")?,
            },
            "milestone_missed" => Self::MilestoneMissed {
                milestone_id: need(r.milestone_id, "milestone_id")?,
                date: need(r.date, "date")?,
            },
            "end_passed" => Self::EndPassed {
                end: need(r.end, "end")?,
                open_tasks: need(r.open_tasks, "open_tasks")?,
            },
            other => return Err(format!("unknown risk reason `{other}`")),
        })
    }
}

/// How a project stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProjectHealth {
    OnTrack,
    AtRisk,
    Late,
}

impl ProjectHealth {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OnTrack => "on_track",
            Self::AtRisk => "at_risk",
            Self::Late => "late",
        }
    }
}

/// A task's delay risk as task responses carry it (`risk`, `null` when not flagged), from the
/// last evaluation: the server re-evaluates a project moments after each change to its tasks,
/// and every project once a day for the passage of time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskRiskSummary {
    pub overdue: bool,
    pub at_risk: bool,
    pub blocked: bool,
    pub projected_finish: Option<NaiveDate>,
    pub reasons: Vec<RiskReason>,
}

impl TaskRiskSummary {
    /// Flags read back from the reasons they come with.
    pub fn from_reasons(reasons: Vec<RiskReason>, projected_finish: Option<NaiveDate>) -> Self {
        let has = |f: fn(&RiskReason) -> bool| reasons.iter().any(f);
        Self {
            overdue: has(|r| matches!(r, RiskReason::Overdue { .. })),
            at_risk: has(|r| {
                matches!(
                    r,
                    RiskReason::BehindPace { .. } | RiskReason::NoProgress { .. }
                )
            }),
            blocked: has(|r| matches!(r, RiskReason::Blocked { .. })),
            projected_finish,
            reasons,
        }
    }

    /// A risk as stored (`task_risks`: the reasons as JSON). A row that cannot be read shows
    /// no reasons rather than failing the response that carries it.
    pub fn from_stored(reasons_json: &str, projected_finish: Option<NaiveDate>) -> Self {
        Self::from_reasons(
            serde_json::from_str(reasons_json).unwrap_or_default(),
            projected_finish,
        )
    }
}

/// `?risk=` of task lists: flagged tasks of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RiskFilter {
    AtRisk,
    Blocked,
    Overdue,
}

/// `risk.changed`: a project's evaluation changed these tasks' risk (`risk` null: no longer
/// flagged) or the project's health.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RiskChangedEvent {
    pub project_id: Uuid,
    pub health: ProjectHealth,
    pub tasks: Vec<TaskRiskChange>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskRiskChange {
    pub task_id: Uuid,
    pub risk: Option<TaskRiskSummary>,
}

/// A flagged task of `GET /projects/{id}/risks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskRiskResponse {
    pub task_id: Uuid,
    pub title: String,
    pub due_date: Option<NaiveDate>,
    pub overdue: bool,
    pub at_risk: bool,
    pub blocked: bool,
    /// When it finishes at the pace reported so far (its due date without reports).
    pub projected_finish: Option<NaiveDate>,
    pub reasons: Vec<RiskReason>,
}

/// `GET /projects/{id}/risks`: how the project stands and why, and its flagged tasks (due
/// first, undated last).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectRisksResponse {
    pub health: ProjectHealth,
    pub reasons: Vec<RiskReason>,
    pub items: Vec<TaskRiskResponse>,
    /// Every milestone, by date: at risk when a flagged task belongs to it or is due on or
    /// before it (its reasons name those tasks).
    #[serde(default)]
    pub milestones: Vec<MilestoneRiskResponse>,
}

/// A milestone's roll-up in `GET /projects/{id}/risks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MilestoneRiskResponse {
    pub milestone_id: Uuid,
    pub name: String,
    pub date: NaiveDate,
    pub at_risk: bool,
    pub reasons: Vec<RiskReason>,
}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    pub const ALL: [Weekday; 7] = [
        Self::Mon,
        Self::Tue,
        Self::Wed,
        Self::Thu,
        Self::Fri,
        Self::Sat,
        Self::Sun,
    ];

    /// Monday is 0.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Which weekdays a project works, Monday first; stored as `1111100`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkWeek(pub [bool; 7]);

impl Default for WorkWeek {
    /// Monday to Friday.
    fn default() -> Self {
        Self([true, true, true, true, true, false, false])
    }
}

impl WorkWeek {
    /// `1111100`: one digit per weekday, Monday first.
    pub fn code(self) -> String {
        self.0.iter().map(|w| if *w { '1' } else { '0' }).collect()
    }

    /// Reads [`code`](Self::code); anything else is the default week.
    pub fn parse(code: &str) -> Self {
        let mut week = [false; 7];
        if code.len() != 7 {
            return Self::default();
        }
        for (i, c) in code.chars().enumerate() {
            match c {
                '1' => week[i] = true,
                '0' => {}
                _ => return Self::default(),
            }
        }
        Self(week)
    }

    pub fn days(self) -> Vec<Weekday> {
        Weekday::ALL
            .into_iter()
            .filter(|d| self.0[d.index()])
            .collect()
    }

    pub fn from_days(days: &[Weekday]) -> Self {
        let mut week = [false; 7];
        for d in days {
            week[d.index()] = true;
        }
        Self(week)
    }
}

/// A dated entry of a project calendar: a holiday, or a day off worked anyway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
pub struct CalendarDay {
    pub date: NaiveDate,
    /// What it is ("国庆节", "Company offsite"); may be empty.
    #[serde(default)]
    #[cfg_attr(feature = "validate", validate(length(max = 100)))]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub name: String,
}

/// B3: the days a project works, which delay risk counts in. `GET` and `PUT
/// /projects/{id}/calendar` (PUT replaces it whole).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
pub struct ProjectCalendar {
    /// The worked weekdays (default Monday to Friday); at least one.
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 7)))]
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 7))]
    pub work_days: Vec<Weekday>,
    /// Days not worked although their weekday is (public holidays).
    #[serde(default)]
    #[cfg_attr(feature = "validate", validate(length(max = 400), nested))]
    #[cfg_attr(feature = "openapi", schema(max_items = 400))]
    pub holidays: Vec<CalendarDay>,
    /// Days worked although their weekday is not (调休: a Saturday worked to bridge a holiday).
    #[serde(default)]
    #[cfg_attr(feature = "validate", validate(length(max = 400), nested))]
    #[cfg_attr(feature = "openapi", schema(max_items = 400))]
    pub extra_work_days: Vec<CalendarDay>,
}

impl ProjectCalendar {
    /// The calendar as it is kept: weekdays once each, Monday first; days by date; names
    /// trimmed. (What `PUT` saves and `GET` answers, so a copy can be compared with it.)
    pub fn normalized(mut self) -> Self {
        self.work_days.sort();
        self.work_days.dedup();
        self.holidays.sort_by_key(|d| d.date);
        self.extra_work_days.sort_by_key(|d| d.date);
        for d in self
            .holidays
            .iter_mut()
            .chain(self.extra_work_days.iter_mut())
        {
            d.name = d.name.trim().to_owned();
        }
        self
    }
}

/// One reason of every kind, for tests.
#[cfg(test)]
pub(crate) fn example_reasons() -> Vec<RiskReason> {
    let d = |s: &str| s.parse::<NaiveDate>().unwrap_or_default();
    let id = Uuid::from_u128(7);
    vec![
        RiskReason::Overdue {
            due: d("2026-11-27"),
            days_late: 3,
        },
        RiskReason::BehindPace {
            projected_finish: d("2026-12-03"),
            due: d("2026-11-30"),
            percent: 30,
        },
        RiskReason::NoProgress {
            since: d("2026-11-20"),
            working_days: 6,
            due: d("2026-12-10"),
        },
        RiskReason::Blocked {
            predecessor_id: id,
            predecessor_finish: d("2026-12-04"),
            due: d("2026-12-08"),
            needed_days: 5,
            available_days: 2,
        },
        RiskReason::Task { task_id: id },
        RiskReason::MilestoneMissed {
            milestone_id: id,
            date: d("2026-11-28"),
        },
        RiskReason::EndPassed {
            end: d("2026-11-29"),
            open_tasks: 1,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_reads_back_what_it_wrote() {
        for r in example_reasons() {
            let json = serde_json::to_value(&r).unwrap();
            assert!(json["code"].is_string(), "{json}");
            assert_eq!(
                serde_json::from_value::<RiskReason>(json.clone()).unwrap(),
                r,
                "{json}"
            );
        }
        assert!(
            serde_json::from_str::<RiskReason>(r#"{"code":"overdue","due":"2026-11-27"}"#).is_err()
        );
        assert!(serde_json::from_str::<RiskReason>(r#"{"code":"late"}"#).is_err());
    }
}
