//! Gantt chart geometry the web app needs without a browser: the time scale at each zoom, the
//! rows (grouped, parents with their sub-tasks, collapsible), which rows a scrolled viewport
//! shows, where dragging a bar puts its dates, the date ticks, and the chart as a standalone
//! SVG document and the task table as CSV for export.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use tandem_dto::{GanttResponse, GanttTask, TaskStatus};
use uuid::Uuid;

/// Row height and the header's height, in pixels.
pub const ROW: f64 = 32.0;
pub const HEAD: f64 = 44.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zoom {
    Day,
    Week,
    Month,
    Quarter,
}

impl Zoom {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "day" => Self::Day,
            "week" => Self::Week,
            "month" => Self::Month,
            "quarter" => Self::Quarter,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
            Self::Quarter => "quarter",
        }
    }

    /// Pixels per day.
    pub fn px(self) -> f64 {
        match self {
            Self::Day => 36.0,
            Self::Week => 14.0,
            Self::Month => 4.0,
            Self::Quarter => 1.5,
        }
    }
}

/// The days the chart spans: from a week before the earliest date to a fortnight after the
/// latest (today and milestones included), from a Monday.
pub fn span(g: &GanttResponse) -> (NaiveDate, NaiveDate) {
    let dates = g
        .tasks
        .iter()
        .flat_map(|t| [t.start_date, t.due_date])
        .flatten()
        .chain(g.milestones.iter().map(|m| m.date))
        .chain([g.today]);
    let (mut lo, mut hi) = (g.today, g.today);
    for d in dates {
        lo = lo.min(d);
        hi = hi.max(d);
    }
    let lo = lo - Duration::days(7);
    let lo = lo - Duration::days(lo.weekday().num_days_from_monday() as i64);
    (lo, hi + Duration::days(14))
}

/// The x of the start of `d`.
pub fn x(origin: NaiveDate, zoom: Zoom, d: NaiveDate) -> f64 {
    (d - origin).num_days() as f64 * zoom.px()
}

/// A bar's extent: from the start of its first day to the end of its last. A task with only a
/// due date is one day long; one without dates has no bar.
pub fn bar(origin: NaiveDate, zoom: Zoom, t: &GanttTask) -> Option<(f64, f64)> {
    let due = t.due_date.or(t.start_date)?;
    let start = t.start_date.unwrap_or(due).min(due);
    let x0 = x(origin, zoom, start);
    let x1 = x(origin, zoom, due + Duration::days(1));
    Some((x0, (x1 - x0).max(3.0)))
}

/// How rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    None,
    Milestone,
    Department,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    /// A group's heading: its id (`None`: without one).
    Heading(Option<Uuid>),
    /// A task, indented when it is a sub-task; `parent` when it has sub-tasks.
    Task { id: Uuid, depth: u8, parent: bool },
}

/// The rows in order: by group (groups in order of first appearance, the one without last),
/// each top-level task followed by its sub-tasks unless collapsed. `dept` gives a person's
/// department.
pub fn rows(
    g: &GanttResponse,
    group: Group,
    collapsed: &HashSet<Uuid>,
    dept: &HashMap<Uuid, Uuid>,
) -> Vec<Row> {
    let ids: HashSet<Uuid> = g.tasks.iter().map(|t| t.id).collect();
    let mut children: HashMap<Uuid, Vec<&GanttTask>> = HashMap::new();
    for t in &g.tasks {
        if let Some(p) = t.parent_id.filter(|p| ids.contains(p)) {
            children.entry(p).or_default().push(t);
        }
    }
    let key = |t: &GanttTask| match group {
        Group::None => None,
        Group::Milestone => t.milestone_id,
        Group::Department => t.assignee_id.and_then(|a| dept.get(&a).copied()),
    };
    let tops: Vec<&GanttTask> = g
        .tasks
        .iter()
        .filter(|t| t.parent_id.is_none_or(|p| !ids.contains(&p)))
        .collect();
    let mut order: Vec<Option<Uuid>> = Vec::new();
    for t in &tops {
        let k = key(t);
        if !order.contains(&k) {
            order.push(k);
        }
    }
    // The group without a milestone or department last.
    order.sort_by_key(|k| k.is_none());
    let mut out = Vec::with_capacity(g.tasks.len() + order.len());
    for k in order {
        if group != Group::None {
            out.push(Row::Heading(k));
        }
        for t in tops.iter().filter(|t| key(t) == k) {
            let kids = children.get(&t.id);
            out.push(Row::Task {
                id: t.id,
                depth: 0,
                parent: kids.is_some(),
            });
            if !collapsed.contains(&t.id) {
                for c in kids.into_iter().flatten() {
                    out.push(Row::Task {
                        id: c.id,
                        depth: 1,
                        parent: false,
                    });
                }
            }
        }
    }
    out
}

/// The rows a viewport shows (`first..last`), with a few more either side so scrolling does
/// not show gaps.
pub fn window(scroll_top: f64, height: f64, rows: usize) -> (usize, usize) {
    const OVERSCAN: usize = 8;
    let first = (scroll_top.max(0.0) / ROW) as usize;
    let count = (height.max(0.0) / ROW).ceil() as usize + 1;
    (
        first.saturating_sub(OVERSCAN).min(rows),
        (first + count + OVERSCAN).min(rows),
    )
}

/// What a drag grabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grip {
    /// The whole bar: both dates move.
    Move,
    Start,
    Due,
}

/// The dates after dragging by `days`. An end never passes the other; a task with one date
/// gets both when its start is dragged.
pub fn dragged(
    start: Option<NaiveDate>,
    due: Option<NaiveDate>,
    grip: Grip,
    days: i64,
) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let shift = |d: Option<NaiveDate>| d.map(|d| d + Duration::days(days));
    let (s0, d0) = match (start, due) {
        (Some(s), Some(d)) => (s, d),
        (Some(s), None) => (s, s),
        (None, Some(d)) => (d, d),
        (None, None) => return (None, None),
    };
    match grip {
        Grip::Move => (shift(start), shift(due)),
        Grip::Start => (Some((s0 + Duration::days(days)).min(d0)), Some(d0)),
        Grip::Due => (start, Some((d0 + Duration::days(days)).max(s0))),
    }
}

/// Date ticks for the header: (x, date, label kind) — days at the day zoom, Mondays at the
/// week zoom, first days of months at the month and quarter zooms.
pub fn ticks(origin: NaiveDate, end: NaiveDate, zoom: Zoom) -> Vec<(f64, NaiveDate)> {
    origin
        .iter_days()
        .take_while(|d| *d <= end)
        .filter(|d| match zoom {
            Zoom::Day => true,
            Zoom::Week => d.weekday() == Weekday::Mon,
            Zoom::Month => d.day() == 1,
            Zoom::Quarter => d.day() == 1 && d.month0() % 3 == 0,
        })
        .map(|d| (x(origin, zoom, d), d))
        .collect()
}

/// A tick's label: `12-01` for days and weeks, `2026-12` for months, `2026 Q4` for quarters.
pub fn tick_label(d: NaiveDate, zoom: Zoom) -> String {
    match zoom {
        Zoom::Day | Zoom::Week => format!("{:02}-{:02}", d.month(), d.day()),
        Zoom::Month => format!("{}-{:02}", d.year(), d.month()),
        Zoom::Quarter => format!("{} Q{}", d.year(), d.month0() / 3 + 1),
    }
}

/// Whether `d` is worked in the project's calendar.
pub fn worked(g: &GanttResponse, d: NaiveDate) -> bool {
    if g.calendar.holidays.iter().any(|h| h.date == d) {
        return false;
    }
    if g.calendar.extra_work_days.iter().any(|h| h.date == d) {
        return true;
    }
    let wd = d.weekday().num_days_from_monday() as usize;
    g.calendar
        .work_days
        .iter()
        .any(|w| tandem_dto::Weekday::ALL.iter().position(|x| x == w) == Some(wd))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A bar's colour class: done, late, at risk, on the critical path, or plain.
pub fn bar_class(t: &GanttTask) -> &'static str {
    let risk = t.risk.as_ref();
    if matches!(t.status, TaskStatus::Done | TaskStatus::Archived) {
        "done"
    } else if risk.is_some_and(|r| r.overdue) {
        "late"
    } else if risk.is_some_and(|r| r.at_risk || r.blocked) {
        "risk"
    } else if t.critical {
        "critical"
    } else {
        "plain"
    }
}

fn fill(class: &str) -> (&'static str, &'static str) {
    match class {
        "done" => ("#b7e1c4", "#1f7a3d"),
        "late" => ("#f6c2bd", "#c2261b"),
        "risk" => ("#ffe0a8", "#b36b00"),
        "critical" => ("#c9d7fb", "#c2261b"),
        _ => ("#c9d7fb", "#2b5fd9"),
    }
}

/// The whole chart (every row, no scrolling) as a standalone SVG document: what "Export SVG"
/// saves and "Export PNG" draws. `label` names a group heading.
pub fn export_svg(
    g: &GanttResponse,
    rows: &[Row],
    zoom: Zoom,
    label: impl Fn(Option<Uuid>) -> String,
) -> String {
    use std::fmt::Write;
    let (origin, end) = span(g);
    let table = 260.0;
    let width = table + x(origin, zoom, end + Duration::days(1));
    let height = HEAD + ROW * rows.len() as f64;
    let by_id: HashMap<Uuid, &GanttTask> = g.tasks.iter().map(|t| (t.id, t)).collect();
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="system-ui, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif" font-size="12">"#
    );
    let _ = write!(
        s,
        r##"<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#5b6270"/></marker></defs><rect width="{width}" height="{height}" fill="#ffffff"/>"##
    );
    // Days off, shaded.
    if zoom.px() >= 4.0 {
        for d in origin.iter_days().take_while(|d| *d <= end) {
            if !worked(g, d) {
                let _ = write!(
                    s,
                    r##"<rect x="{}" y="{HEAD}" width="{}" height="{}" fill="#f2f3f5"/>"##,
                    table + x(origin, zoom, d),
                    zoom.px(),
                    height - HEAD
                );
            }
        }
    }
    for (tx, d) in ticks(origin, end, zoom) {
        let _ = write!(
            s,
            r##"<line x1="{0}" y1="{1}" x2="{0}" y2="{height}" stroke="#eceef2"/><text x="{2}" y="18" fill="#5b6270">{3}</text>"##,
            table + tx,
            HEAD - 16.0,
            table + tx + 3.0,
            tick_label(d, zoom)
        );
    }
    let mut y_of: HashMap<Uuid, f64> = HashMap::new();
    for (n, r) in rows.iter().enumerate() {
        let y = HEAD + ROW * n as f64;
        match r {
            Row::Heading(k) => {
                let _ = write!(
                    s,
                    r##"<rect x="0" y="{y}" width="{width}" height="{ROW}" fill="#f5f6f8"/><text x="8" y="{}" font-weight="600">{}</text>"##,
                    y + 21.0,
                    esc(&label(*k))
                );
            }
            Row::Task { id, depth, .. } => {
                let Some(t) = by_id.get(id) else { continue };
                y_of.insert(*id, y);
                let _ = write!(
                    s,
                    r##"<text x="{}" y="{}" fill="#1f2329">{}</text>"##,
                    8.0 + 16.0 * *depth as f64,
                    y + 21.0,
                    esc(&t.title.chars().take(22).collect::<String>())
                );
                if let Some((bx, bw)) = bar(origin, zoom, t) {
                    let (light, dark) = fill(bar_class(t));
                    let stroke = if t.critical { "#c2261b" } else { dark };
                    let _ = write!(
                        s,
                        r#"<rect x="{0}" y="{1}" width="{2}" height="18" rx="4" fill="{light}" stroke="{stroke}"/><rect x="{0}" y="{1}" width="{3}" height="18" rx="4" fill="{dark}" opacity=".55"/>"#,
                        table + bx,
                        y + 7.0,
                        bw,
                        bw * t.progress.clamp(0, 100) as f64 / 100.0
                    );
                }
            }
        }
    }
    for d in &g.dependencies {
        let (Some(from), Some(to)) = (by_id.get(&d.depends_on), by_id.get(&d.task_id)) else {
            continue;
        };
        let (Some(y1), Some(y2)) = (y_of.get(&from.id), y_of.get(&to.id)) else {
            continue;
        };
        let (Some((fx, fw)), Some((tx, _))) = (bar(origin, zoom, from), bar(origin, zoom, to))
        else {
            continue;
        };
        let _ = write!(
            s,
            r##"<path d="{}" fill="none" stroke="#5b6270" marker-end="url(#arrow)"/>"##,
            arrow(table + fx + fw, y1 + 16.0, table + tx, y2 + 16.0)
        );
    }
    for m in &g.milestones {
        let mx = table + x(origin, zoom, m.date) + zoom.px() / 2.0;
        let _ = write!(
            s,
            r##"<line x1="{mx}" y1="{HEAD}" x2="{mx}" y2="{height}" stroke="#7b4ddb" stroke-dasharray="4 3"/><path d="M{mx},{0} l6,6 l-6,6 l-6,-6 z" fill="#7b4ddb"><title>{1}</title></path>"##,
            HEAD - 14.0,
            esc(&m.name)
        );
    }
    let tx = table + x(origin, zoom, g.today) + zoom.px() / 2.0;
    let _ = write!(
        s,
        r##"<line x1="{tx}" y1="{}" x2="{tx}" y2="{height}" stroke="#c2261b" stroke-width="2"/><line x1="{table}" y1="0" x2="{table}" y2="{height}" stroke="#dee0e3"/></svg>"##,
        HEAD - 18.0
    );
    s
}

/// A finish-to-start arrow from a predecessor's end to a successor's start: out to the right,
/// down (or up) between the rows, and into the successor.
pub fn arrow(x1: f64, y1: f64, x2: f64, y2: f64) -> String {
    let out = x1 + 8.0;
    if x2 - 8.0 >= out {
        format!("M{x1},{y1} H{out} V{y2} H{x2}")
    } else {
        // The successor starts before the predecessor ends: go round.
        let mid = (y1 + y2) / 2.0;
        format!("M{x1},{y1} H{out} V{mid} H{} V{y2} H{x2}", x2 - 8.0)
    }
}

/// The task table as CSV (UTF-8 with a byte-order mark, which Excel needs to read Chinese).
pub fn export_csv(
    g: &GanttResponse,
    rows: &[Row],
    header: &[&str],
    name: impl Fn(Option<Uuid>) -> String,
    status: impl Fn(TaskStatus) -> String,
) -> String {
    fn cell(s: &str) -> String {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    }
    let by_id: HashMap<Uuid, &GanttTask> = g.tasks.iter().map(|t| (t.id, t)).collect();
    let mut out = String::from("\u{feff}");
    out.push_str(&header.iter().map(|h| cell(h)).collect::<Vec<_>>().join(","));
    out.push_str("\r\n");
    for r in rows {
        let Row::Task { id, .. } = r else { continue };
        let Some(t) = by_id.get(id) else { continue };
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        let line = [
            t.title.clone(),
            name(t.assignee_id),
            status(t.status),
            date(t.start_date),
            date(t.due_date),
            t.progress.to_string(),
            if t.critical {
                "✓".into()
            } else {
                String::new()
            },
        ];
        out.push_str(&line.iter().map(|c| cell(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tandem_dto::{GanttDependency, GanttMilestone, ProjectCalendar, Weekday as W};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn task(n: u128, start: Option<&str>, due: Option<&str>) -> GanttTask {
        GanttTask {
            id: Uuid::from_u128(n),
            title: format!("任务{n}"),
            status: TaskStatus::Todo,
            assignee_id: None,
            parent_id: None,
            milestone_id: None,
            start_date: start.map(d),
            due_date: due.map(d),
            progress: 50,
            version: 1,
            critical: false,
            risk: None,
        }
    }

    fn chart(tasks: Vec<GanttTask>) -> GanttResponse {
        GanttResponse {
            tasks,
            dependencies: Vec::new(),
            milestones: Vec::new(),
            critical_path: Vec::new(),
            calendar: ProjectCalendar {
                work_days: vec![W::Mon, W::Tue, W::Wed, W::Thu, W::Fri],
                holidays: Vec::new(),
                extra_work_days: Vec::new(),
            },
            today: d("2026-12-02"),
        }
    }

    #[test]
    fn the_span_starts_on_a_monday_before_everything() {
        let g = chart(vec![task(1, Some("2026-12-10"), Some("2026-12-20"))]);
        let (lo, hi) = span(&g);
        assert_eq!(lo, d("2026-11-23"));
        assert_eq!(lo.weekday(), Weekday::Mon);
        assert_eq!(hi, d("2027-01-03"));
    }

    #[test]
    fn bars_cover_whole_days() {
        let o = d("2026-11-30");
        assert_eq!(
            bar(
                o,
                Zoom::Day,
                &task(1, Some("2026-12-01"), Some("2026-12-02"))
            ),
            Some((36.0, 72.0))
        );
        assert_eq!(
            bar(o, Zoom::Week, &task(1, None, Some("2026-12-01"))),
            Some((14.0, 14.0))
        );
        assert_eq!(bar(o, Zoom::Day, &task(1, None, None)), None);
    }

    #[test]
    fn rows_group_and_nest_and_collapse() {
        let mut a = task(1, None, None);
        a.milestone_id = Some(Uuid::from_u128(100));
        let mut sub = task(2, None, None);
        sub.parent_id = Some(a.id);
        let b = task(3, None, None);
        let g = chart(vec![b.clone(), a.clone(), sub.clone()]);
        let plain = rows(&g, Group::None, &HashSet::new(), &HashMap::new());
        assert_eq!(
            plain,
            [
                Row::Task {
                    id: b.id,
                    depth: 0,
                    parent: false
                },
                Row::Task {
                    id: a.id,
                    depth: 0,
                    parent: true
                },
                Row::Task {
                    id: sub.id,
                    depth: 1,
                    parent: false
                },
            ]
        );
        let grouped = rows(
            &g,
            Group::Milestone,
            &HashSet::from([a.id]),
            &HashMap::new(),
        );
        assert_eq!(
            grouped,
            [
                Row::Heading(Some(Uuid::from_u128(100))),
                Row::Task {
                    id: a.id,
                    depth: 0,
                    parent: true
                },
                Row::Heading(None),
                Row::Task {
                    id: b.id,
                    depth: 0,
                    parent: false
                },
            ]
        );
    }

    #[test]
    fn the_window_covers_the_viewport_with_overscan() {
        assert_eq!(window(0.0, 320.0, 1000), (0, 19));
        assert_eq!(window(3200.0, 320.0, 1000), (92, 119));
        assert_eq!(window(99_999.0, 320.0, 1000), (1000, 1000));
    }

    #[test]
    fn dragging_moves_or_stretches_without_crossing() {
        let (s, e) = (Some(d("2026-12-01")), Some(d("2026-12-05")));
        assert_eq!(
            dragged(s, e, Grip::Move, 3),
            (Some(d("2026-12-04")), Some(d("2026-12-08")))
        );
        assert_eq!(dragged(s, e, Grip::Start, 10), (Some(d("2026-12-05")), e));
        assert_eq!(dragged(s, e, Grip::Due, -10), (s, Some(d("2026-12-01"))));
        assert_eq!(
            dragged(None, e, Grip::Start, -2),
            (Some(d("2026-12-03")), e)
        );
        assert_eq!(dragged(None, None, Grip::Move, 2), (None, None));
    }

    #[test]
    fn weekends_and_holidays_are_not_worked() {
        let mut g = chart(Vec::new());
        g.calendar.holidays.push(tandem_dto::CalendarDay {
            date: d("2026-12-02"),
            name: "x".into(),
        });
        g.calendar.extra_work_days.push(tandem_dto::CalendarDay {
            date: d("2026-12-05"),
            name: "y".into(),
        });
        assert!(worked(&g, d("2026-12-01")));
        assert!(!worked(&g, d("2026-12-02")));
        assert!(worked(&g, d("2026-12-05")), "a Saturday worked (调休)");
        assert!(!worked(&g, d("2026-12-06")));
    }

    #[test]
    fn the_export_is_a_whole_svg_and_a_csv_excel_reads() {
        let mut a = task(1, Some("2026-12-01"), Some("2026-12-03"));
        a.title = "设计 <草图> & \"定稿\"".into();
        let b = task(2, Some("2026-12-04"), Some("2026-12-08"));
        let mut g = chart(vec![a.clone(), b.clone()]);
        g.dependencies.push(GanttDependency {
            task_id: b.id,
            depends_on: a.id,
        });
        g.milestones.push(GanttMilestone {
            id: Uuid::from_u128(9),
            name: "评审".into(),
            date: d("2026-12-09"),
        });
        let r = rows(&g, Group::None, &HashSet::new(), &HashMap::new());
        let svg = export_svg(&g, &r, Zoom::Day, |_| String::new());
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains("设计 &lt;草图&gt; &amp; &quot;定稿&quot;"));
        assert!(svg.contains("marker-end"));
        assert!(svg.contains("<title>评审</title>"));
        let csv = export_csv(
            &g,
            &r,
            &["任务", "负责人", "状态", "开始", "截止", "进度", "关键"],
            |_| "—".into(),
            |s| s.as_str().into(),
        );
        assert!(csv.starts_with('\u{feff}'));
        let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(
            lines[1],
            "\"设计 <草图> & \"\"定稿\"\"\",—,todo,2026-12-01,2026-12-03,50,"
        );
    }

    #[test]
    fn arrows_go_round_when_the_successor_starts_early() {
        assert_eq!(arrow(10.0, 5.0, 40.0, 37.0), "M10,5 H18 V37 H40");
        assert!(arrow(50.0, 5.0, 20.0, 37.0).contains("V21"));
    }
}
