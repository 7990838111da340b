//! The Gantt chart (B2): bars from start to due with their progress, milestones as diamonds,
//! finish-to-start arrows, today, days off shaded, four zooms, grouping, collapsible parents,
//! and rows drawn only where the viewport is (a thousand tasks scroll smoothly). Dragging a bar
//! (or its ends; or the arrow keys on a focused bar) proposes new dates: when successors would
//! start before it ends, a preview lists what shifts and by how much before anything is saved.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};
use tandem_dto::{
    GanttResponse, RescheduleItem, RescheduleMove, RescheduleRequest, RescheduleResponse,
    TaskVersion, UpdateTaskRequest,
};
use tandem_web_logic::gantt::{
    Grip, Group, HEAD, ROW, Row, Zoom, arrow, bar, bar_class, dragged, export_csv, export_svg,
    rows, span, tick_label, ticks, window, worked, x,
};
use tandem_web_logic::texts::Boards as B;
use uuid::Uuid;
use wasm_bindgen::JsCast;

use crate::api;
use crate::components::{ErrorBox, Loading, replace, use_toaster};
use crate::i18n::texts::use_texts;
use crate::i18n::use_i18n;

/// The left-hand table's width.
const TABLE: f64 = 280.0;

/// A bar being dragged.
#[derive(Clone, Copy, PartialEq)]
struct Drag {
    task: Uuid,
    grip: Grip,
    from_x: i32,
    days: i64,
}

/// A change offered for confirmation: the successors it shifts.
#[derive(Clone)]
struct Proposal {
    task: Uuid,
    start: Option<NaiveDate>,
    due: Option<NaiveDate>,
    items: Vec<RescheduleItem>,
}

#[component]
pub fn Gantt(
    project: Uuid,
    #[prop(into)] can_edit: Signal<bool>,
    /// People's names, and their departments (for grouping).
    people: HashMap<Uuid, String>,
    departments: HashMap<Uuid, Uuid>,
    department_names: HashMap<Uuid, String>,
    milestone_names: HashMap<Uuid, String>,
) -> impl IntoView {
    let i = use_i18n();
    let b = use_texts();
    let toaster = use_toaster();
    let query = use_query_map();
    let navigate = use_navigate();
    let zoom = Memo::new(move |_| {
        query
            .with(|q| q.get("zoom").and_then(|z| Zoom::parse(&z)))
            .unwrap_or(Zoom::Week)
    });
    let group = Memo::new(move |_| match query.with(|q| q.get("group")).as_deref() {
        Some("milestone") => Group::Milestone,
        Some("department") => Group::Department,
        _ => Group::None,
    });
    let version = RwSignal::new(0u32);
    let data = LocalResource::new(move || {
        version.track();
        async move { api::get::<GanttResponse>(&format!("/projects/{project}/gantt")).await }
    });
    // The last chart read stays on screen while the next one loads (no flash on every change).
    let chart = RwSignal::new(None::<GanttResponse>);
    Effect::new(move || {
        if let Some(Ok(g)) = data.get() {
            chart.set(Some(g));
        }
    });
    // Live: a task of this project changed (here or elsewhere): read the chart again.
    crate::state::live::reread_on(version, 300, move |ev| {
        ev.project_id == Some(project)
            && (ev.kind.starts_with("task.")
                || ev.kind.starts_with("milestone.")
                || ev.kind == "risk.changed")
    });
    let collapsed = RwSignal::new(HashSet::<Uuid>::new());
    let departments = StoredValue::new(departments);
    let row_list = Memo::new(move |_| {
        chart.with(|g| {
            g.as_ref()
                .map(|g| departments.with_value(|d| rows(g, group.get(), &collapsed.get(), d)))
                .unwrap_or_default()
        })
    });
    let scroll_top = RwSignal::new(0.0f64);
    let view_height = RwSignal::new(600.0f64);
    let scroller = NodeRef::<html::Div>::new();
    let measure = move || {
        if let Some(el) = scroller.get_untracked() {
            scroll_top.set((el.scroll_top() as f64 - HEAD).max(0.0));
            view_height.set(el.client_height() as f64);
        }
    };
    Effect::new(move || {
        if scroller.get().is_some() {
            measure();
        }
    });
    // Opened on today (a little of the past to its left); zooming keeps today in view.
    Effect::watch(
        move || {
            (
                chart.with(|g| g.as_ref().map(|g| (span(g).0, g.today))),
                zoom.get(),
                scroller.get().is_some(),
            )
        },
        move |(dates, z, mounted), _, _| {
            let (Some((origin, today)), true) = (*dates, *mounted) else {
                return;
            };
            let z = *z;
            gloo_timers::callback::Timeout::new(0, move || {
                if let Some(el) = scroller.get_untracked() {
                    let left = x(origin, z, today) - (2.0 * z.px()).max(60.0);
                    el.set_scroll_left(left.max(0.0) as i32);
                }
            })
            .forget();
        },
        false,
    );
    let shown = Memo::new(move |_| {
        let n = row_list.with(Vec::len);
        window(scroll_top.get(), view_height.get(), n)
    });

    let drag = RwSignal::new(None::<Drag>);
    let proposal = RwSignal::new(None::<Proposal>);
    let dialog = NodeRef::<html::Dialog>::new();
    let busy = RwSignal::new(false);
    let people = StoredValue::new(people);
    let department_names = StoredValue::new(department_names);
    let milestone_names = StoredValue::new(milestone_names);
    let heading = move |k: Option<Uuid>| -> String {
        match (group.get_untracked(), k) {
            (Group::Milestone, Some(m)) => milestone_names
                .with_value(|n| n.get(&m).cloned())
                .unwrap_or_default(),
            (Group::Milestone, None) => b.get_untracked(B::no_milestone as usize),
            (Group::Department, Some(d)) => department_names
                .with_value(|n| n.get(&d).cloned())
                .unwrap_or_default(),
            (Group::Department, None) => b.get_untracked(B::no_department as usize),
            (Group::None, _) => String::new(),
        }
    };

    // Proposes new dates: a preview from the server (nothing saved) tells whether successors
    // would have to move; if none do, the change is saved at once.
    let propose = move |task: Uuid, start: Option<NaiveDate>, due: Option<NaiveDate>| {
        busy.set(true);
        spawn_local(async move {
            let req = RescheduleRequest {
                moves: vec![RescheduleMove {
                    task_id: task,
                    start_date: start,
                    due_date: due,
                }],
                dry_run: true,
                versions: None,
            };
            let res = api::post::<_, RescheduleResponse>(
                &format!("/projects/{project}/reschedule"),
                &req,
            )
            .await;
            busy.set(false);
            match res {
                Ok(r) if r.items.iter().any(|it| !it.requested) => {
                    proposal.set(Some(Proposal {
                        task,
                        start,
                        due,
                        items: r.items,
                    }));
                    if let Some(d) = dialog.get_untracked() {
                        let _ = d.show_modal();
                    }
                }
                Ok(_) => save_dates(task, start, due, chart, version, busy, toaster, b),
                Err(e) => {
                    toaster.error(&e);
                    version.update(|v| *v += 1);
                }
            }
        });
    };
    let close = move || {
        if let Some(d) = dialog.get_untracked() {
            d.close();
        }
        proposal.set(None);
    };
    let accept = move |_| {
        let Some(p) = proposal.get_untracked() else {
            return;
        };
        close();
        busy.set(true);
        spawn_local(async move {
            let req = RescheduleRequest {
                moves: vec![RescheduleMove {
                    task_id: p.task,
                    start_date: p.start,
                    due_date: p.due,
                }],
                dry_run: false,
                versions: Some(
                    p.items
                        .iter()
                        .map(|it| TaskVersion {
                            task_id: it.task_id,
                            version: it.version,
                        })
                        .collect(),
                ),
            };
            match api::post::<_, RescheduleResponse>(
                &format!("/projects/{project}/reschedule"),
                &req,
            )
            .await
            {
                Ok(r) => toaster.success(format!(
                    "{} ({})",
                    b.get_untracked(B::dates_saved as usize),
                    r.items.len()
                )),
                Err(e) => toaster.error(&e),
            }
            busy.set(false);
            version.update(|v| *v += 1);
        });
    };
    let only_this = move |_| {
        let Some(p) = proposal.get_untracked() else {
            return;
        };
        close();
        save_dates(p.task, p.start, p.due, chart, version, busy, toaster, b);
    };

    let task_of = move |id: Uuid| {
        chart.with(|g| {
            g.as_ref()
                .and_then(|g| g.tasks.iter().find(|t| t.id == id).cloned())
        })
    };
    let on_bar_down = move |ev: leptos::ev::PointerEvent, id: Uuid| {
        if !can_edit.get_untracked() || busy.get_untracked() || ev.button() != 0 {
            return;
        }
        ev.prevent_default();
        let Some(t) = task_of(id) else { return };
        let Some((bx, bw)) = chart
            .with_untracked(|g| g.as_ref().map(span))
            .and_then(|(o, _)| bar(o, zoom.get_untracked(), &t))
        else {
            return;
        };
        // Where on the bar: its first or last few pixels stretch it, the rest moves it.
        let at = svg_point_x(&ev).unwrap_or(bx + bw / 2.0);
        let grip = if at - bx < 7.0 {
            Grip::Start
        } else if bx + bw - at < 7.0 {
            Grip::Due
        } else {
            Grip::Move
        };
        drag.set(Some(Drag {
            task: id,
            grip,
            from_x: ev.client_x(),
            days: 0,
        }));
    };
    let on_move = move |ev: leptos::ev::PointerEvent| {
        let Some(d) = drag.get_untracked() else {
            return;
        };
        let days = ((ev.client_x() - d.from_x) as f64 / zoom.get_untracked().px()).round() as i64;
        if days != d.days {
            drag.set(Some(Drag { days, ..d }));
        }
    };
    let on_up = move |_ev: leptos::ev::PointerEvent| {
        let Some(d) = drag.get_untracked() else {
            return;
        };
        drag.set(None);
        if d.days == 0 {
            return;
        }
        let Some(t) = chart.with_untracked(|g| {
            g.as_ref()
                .and_then(|g| g.tasks.iter().find(|t| t.id == d.task).cloned())
        }) else {
            return;
        };
        let (s, e) = dragged(t.start_date, t.due_date, d.grip, d.days);
        propose(d.task, s, e);
    };
    let up = window_event_listener(leptos::ev::pointerup, on_up);
    let mv = window_event_listener(leptos::ev::pointermove, on_move);
    on_cleanup(move || {
        up.remove();
        mv.remove();
    });
    let on_bar_key = move |ev: leptos::ev::KeyboardEvent, id: Uuid| {
        if !can_edit.get_untracked() || busy.get_untracked() {
            return;
        }
        let days = match ev.key().as_str() {
            "ArrowLeft" => -1,
            "ArrowRight" => 1,
            _ => return,
        };
        ev.prevent_default();
        let Some(t) = task_of(id) else { return };
        let grip = if ev.shift_key() {
            Grip::Due
        } else {
            Grip::Move
        };
        let (s, e) = dragged(t.start_date, t.due_date, grip, days);
        propose(id, s, e);
    };

    let set_param = Callback::new(move |(key, value): (&'static str, &'static str)| {
        let mut pairs: Vec<(&str, String)> = vec![
            ("zoom", zoom.get_untracked().as_str().to_owned()),
            (
                "group",
                match group.get_untracked() {
                    Group::None => String::new(),
                    Group::Milestone => "milestone".into(),
                    Group::Department => "department".into(),
                },
            ),
        ];
        for p in pairs.iter_mut() {
            if p.0 == key {
                p.1 = value.to_owned();
            }
        }
        let qs = crate::components::filter_query(pairs);
        navigate(&format!("/projects/{project}/gantt{qs}"), replace());
    });

    let export = move |kind: &'static str| {
        let Some(g) = chart.get_untracked() else {
            return;
        };
        let all = departments.with_value(|d| rows(&g, group.get_untracked(), &HashSet::new(), d));
        match kind {
            "csv" => {
                let t = i.t_untracked();
                let header = [
                    t.title,
                    t.assignee,
                    t.status,
                    t.start_date,
                    t.due,
                    t.progress,
                    &b.get_untracked(B::critical_path as usize),
                ];
                let header: Vec<&str> = header.to_vec();
                let csv = export_csv(
                    &g,
                    &all,
                    &header,
                    |a| {
                        a.and_then(|a| people.with_value(|p| p.get(&a).cloned()))
                            .unwrap_or_default()
                    },
                    |s| i.task_status(s).to_owned(),
                );
                save_text("tasks.csv", "text/csv;charset=utf-8", &csv);
            }
            kind => {
                let svg = export_svg(&g, &all, zoom.get_untracked(), heading);
                if kind == "svg" {
                    save_text("gantt.svg", "image/svg+xml", &svg);
                } else {
                    save_png(svg);
                }
            }
        }
    };

    let body = move || {
        let Some(g) = chart.get() else {
            return match data.get() {
                Some(Err(e)) => {
                    view! { <ErrorBox error=e retry=Callback::new(move |()| data.refetch()) /> }
                        .into_any()
                }
                _ => view! { <Loading /> }.into_any(),
            };
        };
        if g.tasks.is_empty() {
            return view! { <p class="card empty">{move || b.get(B::gantt_empty as usize)}</p> }
                .into_any();
        }
        let z = zoom.get();
        let (origin, end) = span(&g);
        let width = x(origin, z, end + Duration::days(1));
        let list = row_list.get();
        let height = ROW * list.len() as f64;
        let by_id: HashMap<Uuid, tandem_dto::GanttTask> =
            g.tasks.iter().map(|t| (t.id, t.clone())).collect();
        let y_of: HashMap<Uuid, f64> = list
            .iter()
            .enumerate()
            .filter_map(|(n, r)| match r {
                Row::Task { id, .. } => Some((*id, ROW * n as f64)),
                Row::Heading(_) => None,
            })
            .collect();
        let day_w = z.px();
        let shading = (day_w >= 4.0).then(|| {
            origin
                .iter_days()
                .take_while(|d| *d <= end)
                .filter(|d| !worked(&g, *d))
                .map(|d| view! { <rect class="off" x=x(origin, z, d) y="0" width=day_w height=height></rect> })
                .collect_view()
        });
        let tick_list = ticks(origin, end, z);
        let grid = tick_list
            .iter()
            .map(|(tx, _)| view! { <line class="grid" x1=*tx y1="0" x2=*tx y2=height></line> })
            .collect_view();
        let head_ticks = tick_list
            .into_iter()
            .map(|(tx, d)| {
                view! {
                    <line class="tick" x1=tx y1="26" x2=tx y2=HEAD></line>
                    <text x=tx + 3.0 y="40">{tick_label(d, z)}</text>
                }
            })
            .collect_view();
        let diamonds = g
            .milestones
            .iter()
            .map(|m| {
                let mx = x(origin, z, m.date) + day_w / 2.0;
                let name = m.name.clone();
                view! {
                    <path class="milestone" d=format!("M{mx},2 l7,7 l-7,7 l-7,-7 z")>
                        <title>{format!("{} · {}", name, m.date)}</title>
                    </path>
                }
            })
            .collect_view();
        let milestone_lines = g
            .milestones
            .iter()
            .map(|m| {
                let mx = x(origin, z, m.date) + day_w / 2.0;
                view! { <line class="milestone-line" x1=mx y1="0" x2=mx y2=height></line> }
            })
            .collect_view();
        let today_x = x(origin, z, g.today) + day_w / 2.0;
        let deps = g.dependencies.clone();
        let rows_view = move || {
            let (first, last) = shown.get();
            let list = row_list.get();
            let d = drag.get();
            let mut table = Vec::new();
            let mut bars = Vec::new();
            for (n, row) in list.iter().enumerate().take(last).skip(first) {
                let y = ROW * n as f64;
                match row {
                    Row::Heading(k) => {
                        let label = heading(*k);
                        table.push(view! {
                            <div class="gantt-row heading" style:top=format!("{y}px")>{label}</div>
                        }.into_any());
                        bars.push(view! { <rect class="heading-band" x="0" y=y width=width height=ROW></rect> }.into_any());
                    }
                    Row::Task { id, depth, parent } => {
                        let Some(t) = by_id.get(id).cloned() else {
                            continue;
                        };
                        let id = *id;
                        let open = !collapsed.with(|c| c.contains(&id));
                        let toggle = parent.then(|| view! {
                            <button class="twisty" type="button" aria-expanded=open.to_string()
                                aria-label=move || b.get(B::toggle_subtasks as usize)
                                on:click=move |_| collapsed.update(|c| if !c.remove(&id) { c.insert(id); })>
                                {if open { "▾" } else { "▸" }}
                            </button>
                        });
                        let dates = match (t.start_date, t.due_date) {
                            (None, None) => b.get_untracked(B::undated as usize),
                            (s, e) => format!(
                                "{} – {}",
                                s.map(|d| d.format("%m-%d").to_string()).unwrap_or_default(),
                                e.map(|d| d.format("%m-%d").to_string()).unwrap_or_default()
                            ),
                        };
                        let sub = *depth > 0;
                        table.push(view! {
                            <div class="gantt-row" class:sub=sub style:top=format!("{y}px")>
                                {toggle}
                                <a href=format!("/tasks/{id}") title=t.title.clone()>{t.title.clone()}</a>
                                <span class="dates">{dates}</span>
                            </div>
                        }.into_any());
                        // The bar where a drag would put it.
                        let (s, e) = match d.filter(|d| d.task == id) {
                            Some(d) => dragged(t.start_date, t.due_date, d.grip, d.days),
                            None => (t.start_date, t.due_date),
                        };
                        let shown_task = tandem_dto::GanttTask {
                            start_date: s,
                            due_date: e,
                            ..t.clone()
                        };
                        if let Some((bx, bw)) = bar(origin, z, &shown_task) {
                            let class = format!(
                                "bar {}{}",
                                bar_class(&t),
                                if t.critical { " on-path" } else { "" }
                            );
                            let done_w = bw * t.progress.clamp(0, 100) as f64 / 100.0;
                            let why = t
                                .risk
                                .as_ref()
                                .map(|r| {
                                    r.reasons
                                        .iter()
                                        .map(|x| i.risk_reason(x))
                                        .collect::<Vec<_>>()
                                        .join("; ")
                                })
                                .unwrap_or_default();
                            let label = format!(
                                "{} · {} · {}%{}",
                                t.title,
                                dates_label(s, e),
                                t.progress,
                                if why.is_empty() {
                                    String::new()
                                } else {
                                    format!(" · {why}")
                                }
                            );
                            bars.push(view! {
                                <g class=class class:dragging=d.is_some_and(|d| d.task == id)
                                    tabindex=move || if can_edit.get() { "0" } else { "-1" }
                                    role="img" aria-label=label.clone() data-task=id.to_string()
                                    on:pointerdown=move |ev| on_bar_down(ev, id)
                                    on:keydown=move |ev| on_bar_key(ev, id)>
                                    <title>{label.clone()}</title>
                                    <rect class="track" x=bx y=y + 7.0 width=bw height="18" rx="4"></rect>
                                    <rect class="done" x=bx y=y + 7.0 width=done_w height="18" rx="4"></rect>
                                    <rect class="grip" x=bx y=y + 7.0 width="6" height="18"></rect>
                                    <rect class="grip" x=bx + bw - 6.0 y=y + 7.0 width="6" height="18"></rect>
                                </g>
                            }.into_any());
                        }
                    }
                }
            }
            // Arrows whose either end is in view.
            let in_view = |id: &Uuid| {
                y_of.get(id)
                    .is_some_and(|y| *y >= ROW * first as f64 && *y < ROW * last as f64)
            };
            let arrows = deps
                .iter()
                .filter(|dep| in_view(&dep.task_id) || in_view(&dep.depends_on))
                .filter_map(|dep| {
                    let from = by_id.get(&dep.depends_on)?;
                    let to = by_id.get(&dep.task_id)?;
                    let (fx, fw) = bar(origin, z, from)?;
                    let (tx, _) = bar(origin, z, to)?;
                    let (y1, y2) = (y_of.get(&from.id)?, y_of.get(&to.id)?);
                    let late = to.start_date.zip(from.due_date).is_some_and(|(s, e)| s <= e);
                    Some(view! {
                        <path class="dep" class:violated=late d=arrow(fx + fw, y1 + 16.0, tx, y2 + 16.0) marker-end="url(#gantt-arrow)"></path>
                    })
                })
                .collect_view();
            view! {
                <div class="gantt-table" style:height=format!("{height}px")>{table}</div>
                <svg class="gantt-body" width=width height=height>
                    {arrows}
                    {bars}
                </svg>
            }
        };
        view! {
            <div class="gantt" node_ref=scroller on:scroll=move |_| measure()>
                <div class="gantt-grid" style:grid-template-columns=format!("{TABLE}px {width}px")>
                    <div class="gantt-corner">{move || i.t().title}</div>
                    <svg class="gantt-head" width=width height=HEAD>
                        {head_ticks}
                        {diamonds}
                        <line class="today" x1=today_x y1="18" x2=today_x y2=HEAD></line>
                    </svg>
                    <div class="gantt-rows">
                        <svg class="gantt-back" width=width height=height>
                            <defs>
                                <marker id="gantt-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto">
                                    <path d="M0,0 L8,4 L0,8 z"></path>
                                </marker>
                            </defs>
                            {shading}
                            {grid}
                            {milestone_lines}
                            <line class="today" x1=today_x y1="0" x2=today_x y2=height></line>
                        </svg>
                        {rows_view}
                    </div>
                </div>
            </div>
        }
        .into_any()
    };

    let zoom_button = move |z: Zoom, key: B| {
        view! {
            <button type="button" class="btn small" aria-pressed=move || (zoom.get() == z).to_string()
                on:click=move |_| set_param.run(("zoom", z.as_str()))>{move || b.get(key as usize)}</button>
        }
    };
    view! {
        <div class="gantt-toolbar card">
            <div class="segmented" role="group" aria-label=move || b.get(B::zoom as usize)>
                {zoom_button(Zoom::Day, B::zoom_day)}
                {zoom_button(Zoom::Week, B::zoom_week)}
                {zoom_button(Zoom::Month, B::zoom_month)}
                {zoom_button(Zoom::Quarter, B::zoom_quarter)}
            </div>
            <div class="field inline">
                <label for="gantt-group">{move || b.get(B::group_by as usize)}</label>
                <select id="gantt-group" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    set_param.run(("group", match v.as_str() { "milestone" => "milestone", "department" => "department", _ => "" }));
                }>
                    <option value="" selected=move || group.get() == Group::None>{move || b.get(B::group_none as usize)}</option>
                    <option value="milestone" selected=move || group.get() == Group::Milestone>{move || b.get(B::lanes_milestone as usize)}</option>
                    <option value="department" selected=move || group.get() == Group::Department>{move || b.get(B::lanes_department as usize)}</option>
                </select>
            </div>
            <span class="grow"></span>
            <button type="button" class="btn small" on:click=move |_| export("png")>{move || b.get(B::export_png as usize)}</button>
            <button type="button" class="btn small" on:click=move |_| export("svg")>{move || b.get(B::export_svg as usize)}</button>
            <button type="button" class="btn small" on:click=move |_| export("csv")>{move || b.get(B::export_csv as usize)}</button>
        </div>
        <p class="muted small legend">
            <span class="key plain"></span>{move || b.get(B::legend_plan as usize)}
            <span class="key critical"></span>{move || b.get(B::critical_path as usize)}
            <span class="key risk"></span>{move || i.t().at_risk}
            <span class="key late"></span>{move || i.t().overdue}
            <span class="key done"></span>{move || i.task_status(tandem_dto::TaskStatus::Done)}
        </p>
        {move || can_edit.get().then(|| view! { <p class="muted small">{b.get(B::gantt_help as usize)}</p> })}
        <div class:busy=move || busy.get()>{body}</div>
        <dialog node_ref=dialog class="confirm gantt-preview" aria-labelledby="preview-title"
            on:cancel=move |ev: leptos::ev::Event| { ev.prevent_default(); close(); }>
            <h2 id="preview-title">{move || b.get(B::preview_title as usize)}</h2>
            <p>{move || b.get(B::preview_intro as usize)}</p>
            <table class="table">
                <thead><tr>
                    <th>{move || i.t().title}</th>
                    <th>{move || i.t().start_date}</th>
                    <th>{move || i.t().due}</th>
                    <th>{move || b.get(B::shift as usize)}</th>
                </tr></thead>
                <tbody>
                    {move || proposal.get().map(|p| p.items.into_iter().map(|it| {
                        let shift = it.start_date.zip(it.old_start_date).map(|(n, o)| (n - o).num_days())
                            .or_else(|| it.due_date.zip(it.old_due_date).map(|(n, o)| (n - o).num_days()))
                            .unwrap_or(0);
                        view! {
                            <tr class:requested=it.requested>
                                <td>{it.title.clone()}</td>
                                <td>{fmt_change(it.old_start_date, it.start_date)}</td>
                                <td>{fmt_change(it.old_due_date, it.due_date)}</td>
                                <td class="num">{format!("{:+} {}", shift, b.get_untracked(B::days as usize))}</td>
                            </tr>
                        }
                    }).collect_view())}
                </tbody>
            </table>
            <div class="confirm-actions">
                <button type="button" class="btn" on:click=move |_| close()>{move || i.t().cancel}</button>
                <button type="button" class="btn" on:click=only_this>{move || b.get(B::only_this as usize)}</button>
                <button type="button" class="btn primary" id="preview-accept" on:click=accept>{move || b.get(B::shift_all as usize)}</button>
            </div>
        </dialog>
    }
}

fn dates_label(s: Option<NaiveDate>, e: Option<NaiveDate>) -> String {
    format!(
        "{} – {}",
        s.map(|d| d.to_string()).unwrap_or_default(),
        e.map(|d| d.to_string()).unwrap_or_default()
    )
}

fn fmt_change(old: Option<NaiveDate>, new: Option<NaiveDate>) -> String {
    let show = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_else(|| "—".into());
    if old == new {
        show(new)
    } else {
        format!("{} → {}", show(old), show(new))
    }
}

/// The pointer's x in the chart's coordinates (the SVG the bar is drawn in).
fn svg_point_x(ev: &leptos::ev::PointerEvent) -> Option<f64> {
    let target = ev.target()?.dyn_into::<web_sys::Element>().ok()?;
    let svg = target.closest("svg").ok()??;
    let r = svg.get_bounding_client_rect();
    Some(ev.client_x() as f64 - r.left())
}

/// Saves one task's new dates as a plain edit (If-Match on the version the chart read).
#[allow(clippy::too_many_arguments)]
fn save_dates(
    task: Uuid,
    start: Option<NaiveDate>,
    due: Option<NaiveDate>,
    chart: RwSignal<Option<GanttResponse>>,
    version: RwSignal<u32>,
    busy: RwSignal<bool>,
    toaster: crate::components::Toaster,
    b: crate::i18n::texts::Texts,
) {
    let Some(v) = chart.with_untracked(|g| {
        g.as_ref()
            .and_then(|g| g.tasks.iter().find(|t| t.id == task).map(|t| t.version))
    }) else {
        return;
    };
    busy.set(true);
    spawn_local(async move {
        let body = UpdateTaskRequest {
            start_date: Some(start),
            due_date: Some(due),
            ..Default::default()
        };
        match api::tasks::update(task, v, &body).await {
            Ok(_) => toaster.success(b.get_untracked(B::dates_saved as usize)),
            Err(e) => toaster.error(&e),
        }
        busy.set(false);
        version.update(|n| *n += 1);
    });
}

/// Offers `text` as a file download.
fn save_text(name: &str, mime: &str, text: &str) {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    if let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)
        && let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob)
    {
        save_url(name, &url);
        let _ = web_sys::Url::revoke_object_url(&url);
    }
}

fn save_url(name: &str, url: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Ok(a) = doc.create_element("a")
        && let Ok(a) = a.dyn_into::<web_sys::HtmlAnchorElement>()
    {
        a.set_href(url);
        a.set_download(name);
        a.click();
    }
}

/// Draws the SVG on a canvas and offers it as a PNG (scaled down when larger than a canvas
/// may be).
fn save_png(svg: String) {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(&svg));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("image/svg+xml");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let Ok(img) = web_sys::HtmlImageElement::new() else {
        return;
    };
    let img2 = img.clone();
    let url2 = url.clone();
    let onload = wasm_bindgen::closure::Closure::once_into_js(move || {
        let (w, h) = (img2.natural_width() as f64, img2.natural_height() as f64);
        let scale = (16_000.0 / w.max(h)).min(1.0);
        let doc = web_sys::window().and_then(|w| w.document());
        let canvas = doc
            .and_then(|d| d.create_element("canvas").ok())
            .and_then(|c| c.dyn_into::<web_sys::HtmlCanvasElement>().ok());
        if let Some(canvas) = canvas {
            canvas.set_width((w * scale) as u32);
            canvas.set_height((h * scale) as u32);
            if let Ok(Some(ctx)) = canvas.get_context("2d")
                && let Ok(ctx) = ctx.dyn_into::<web_sys::CanvasRenderingContext2d>()
            {
                let _ = ctx.scale(scale, scale);
                let _ = ctx.draw_image_with_html_image_element(&img2, 0.0, 0.0);
                if let Ok(data) = canvas.to_data_url_with_type("image/png") {
                    save_url("gantt.png", &data);
                }
            }
        }
        let _ = web_sys::Url::revoke_object_url(&url2);
    });
    img.set_onload(Some(onload.unchecked_ref()));
    img.set_src(&url);
}
