//! The management dashboard (B4): project health, milestones of the next two weeks, departments,
//! the workload heatmap with a drill-down to people, cross-department hand-offs and the flagged
//! tasks with their reasons. SVG drawn here (no chart service), every figure a link, live.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use tandem_dto::{DashboardResponse, ProjectHealth};
use tandem_web_logic::texts::Boards as B;
use uuid::Uuid;

use crate::api;
use crate::components::{ErrorBox, Loading, date_or_dash};
use crate::i18n::texts::use_texts;
use crate::i18n::use_i18n;

fn health_class(h: Option<ProjectHealth>) -> &'static str {
    match h {
        Some(ProjectHealth::OnTrack) => "badge badge-ok",
        Some(ProjectHealth::AtRisk) => "badge badge-warn",
        Some(ProjectHealth::Late) => "badge badge-danger",
        None => "badge badge-muted",
    }
}

/// A heatmap cell's shade for `hours` in a week (a full week, 40 h, is the darkest).
fn shade(hours: f64) -> String {
    let t = (hours / 40.0).clamp(0.0, 1.0);
    if hours <= 0.0 {
        return "#f5f6f8".into();
    }
    // From a light to a dark blue.
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(233.0, 33.0),
        mix(240.0, 75.0),
        mix(255.0, 176.0)
    )
}

/// The task list across the projects the dashboard covers (`GET /tasks`), with `filters`: where
/// its figures lead.
fn all_tasks(filters: &str) -> String {
    format!("/my-tasks?scope=all&{filters}")
}

#[component]
pub fn Dashboard() -> impl IntoView {
    let i = use_i18n();
    let b = use_texts();
    let query = use_query_map();
    let department = Memo::new(move |_| {
        query.with(|q| q.get("department").and_then(|d| d.parse::<Uuid>().ok()))
    });
    let version = RwSignal::new(0u32);
    let data = LocalResource::new(move || {
        version.track();
        let d = department.get();
        async move {
            let path = match d {
                Some(d) => format!("/dashboard?workload_department={d}"),
                None => "/dashboard".to_owned(),
            };
            api::get::<DashboardResponse>(&path).await
        }
    });
    let shown = RwSignal::new(None::<DashboardResponse>);
    Effect::new(move || {
        if let Some(Ok(d)) = data.get() {
            shown.set(Some(d));
        }
    });
    // Live: any task or risk change reads the figures again, once per burst.
    crate::state::live::reread_on(version, 800, |ev| {
        ev.kind.starts_with("task.") || ev.kind == "risk.changed" || ev.kind.starts_with("project.")
    });
    let health = move |h: Option<ProjectHealth>| match h {
        Some(ProjectHealth::OnTrack) => b.get(B::health_on_track as usize),
        Some(ProjectHealth::AtRisk) => b.get(B::health_at_risk as usize),
        Some(ProjectHealth::Late) => b.get(B::health_late as usize),
        None => b.get(B::health_unknown as usize),
    };
    let num_link = |n: i64, href: String, class: &'static str| {
        if n == 0 {
            view! { <span class="num zero">"0"</span> }.into_any()
        } else {
            view! { <a class=format!("num {class}") href=href>{n}</a> }.into_any()
        }
    };

    let body = move || {
        let Some(d) = shown.get() else {
            return match data.get() {
                Some(Err(e)) => {
                    view! { <ErrorBox error=e retry=Callback::new(move |()| data.refetch()) /> }
                        .into_any()
                }
                _ => view! { <Loading /> }.into_any(),
            };
        };
        if d.projects.is_empty() {
            return view! { <p class="card empty">{move || b.get(B::dash_empty as usize)}</p> }
                .into_any();
        }
        let projects = d.projects.clone();
        let project_rows = projects
            .iter()
            .map(|p| {
                let id = p.id;
                let h = p.health;
                let reasons = p.reasons.iter().map(|r| i.risk_reason(r)).collect::<Vec<_>>().join("; ");
                let milestones = p.milestones.clone();
                view! {
                    <tr>
                        <td><a href=format!("/projects/{id}")>{p.name.clone()}</a></td>
                        <td><span class=health_class(h) title=reasons>{move || health(h)}</span></td>
                        <td>
                            <svg class="meter" width="120" height="10" role="img" aria-label=format!("{}%", p.progress)>
                                <rect class="meter-track" width="120" height="10" rx="5"></rect>
                                <rect class="meter-fill" width=(120 * p.progress.clamp(0, 100) / 100).to_string() height="10" rx="5"></rect>
                            </svg>
                            " " {p.progress} "%"
                        </td>
                        <td>{num_link(p.total, format!("/projects/{id}"), "")}</td>
                        <td>{num_link(p.overdue, format!("/projects/{id}?risk=overdue"), "danger")}</td>
                        <td>{num_link(p.at_risk, format!("/projects/{id}?risk=at_risk"), "warn")}</td>
                        <td>{num_link(p.blocked, format!("/projects/{id}?risk=blocked"), "warn")}</td>
                        <td class="milestones">
                            {milestones.into_iter().map(|m| view! {
                                <span class="milestone-chip" class:at-risk=m.at_risk>
                                    <span class="diamond" aria-hidden="true">"◆"</span>
                                    {m.name.clone()} " " <span class="muted">{m.date.format("%m-%d").to_string()}</span>
                                    {m.at_risk.then(|| view! { " " <span class="badge badge-warn">{move || i.t().at_risk}</span> })}
                                </span>
                            }).collect_view()}
                        </td>
                    </tr>
                }
            })
            .collect_view();

        // Departments: open and done as a stacked bar, the overdue and at-risk counts beside.
        let max_total = d
            .departments
            .iter()
            .map(|x| x.open + x.done)
            .max()
            .unwrap_or(1)
            .max(1);
        let dept_rows = d
            .departments
            .iter()
            .map(|x| {
                let name = x.name.clone().unwrap_or_else(|| b.get_untracked(B::no_department as usize));
                let w = |n: i64| (240 * n / max_total) as f64;
                let (open_w, done_w) = (w(x.open), w(x.done));
                let drill = x.id.map(|id| format!("/dashboard?department={id}"));
                // Each figure opens the tasks it counts, across the projects shown (zero, and
                // tasks of no department, which cannot be asked for, are plain numbers).
                let dept = x.id;
                let count = move |n: i64, filter: &str| match dept {
                    Some(id) if n > 0 => view! {
                        <a href=all_tasks(&format!("department_id={id}&{filter}"))>{n}</a>
                    }
                    .into_any(),
                    _ => view! { <span>{n}</span> }.into_any(),
                };
                view! {
                    <tr>
                        <td>{match drill.clone() {
                            Some(h) => view! { <a href=h>{name.clone()}</a> }.into_any(),
                            None => view! { <span>{name.clone()}</span> }.into_any(),
                        }}</td>
                        <td>
                            <svg class="stack" width="244" height="14" role="img"
                                aria-label=format!("{} {} / {} {}", x.open, b.get_untracked(B::open as usize), x.done, b.get_untracked(B::done_count as usize))>
                                <rect class="stack-done" x="0" y="2" width=done_w height="10"></rect>
                                <rect class="stack-open" x=done_w y="2" width=open_w height="10"></rect>
                            </svg>
                        </td>
                        <td class="num">{count(x.open, "open=true")}</td>
                        <td class="num">{count(x.done, "status=done")}</td>
                        <td class="num" class:danger={x.overdue > 0}>{count(x.overdue, "risk=overdue")}</td>
                        <td class="num" class:warn={x.at_risk > 0}>{count(x.at_risk, "risk=at_risk")}</td>
                    </tr>
                }
            })
            .collect_view();

        // The workload heatmap: rows by department (or person), columns by week.
        let wl = d.workload.clone();
        let cell_w = 64.0;
        let label_w = 150.0;
        let heat_w = label_w + cell_w * (wl.weeks.len() as f64 + 2.0) + 40.0;
        let no_work = wl.rows.is_empty();
        let heat_h = 28.0 + 30.0 * wl.rows.len() as f64;
        let drilled = wl.department_id.is_some();
        let heads = wl
            .weeks
            .iter()
            .enumerate()
            .map(|(n, w)| view! { <text class="head" x=label_w + cell_w * n as f64 + 6.0 y="18">{w.format("%m-%d").to_string()}</text> })
            .collect_view();
        let later_x = label_w + cell_w * wl.weeks.len() as f64;
        let cells = wl
            .rows
            .iter()
            .enumerate()
            .map(|(r, row)| {
                let y = 28.0 + 30.0 * r as f64;
                let name = row.name.clone().unwrap_or_else(|| {
                    if drilled { i.t_untracked().unassigned.to_owned() } else { b.get_untracked(B::no_department as usize) }
                });
                let label = match (drilled, row.id) {
                    // In a <g>: an <a> on its own is taken for HTML's, which an <svg> does not draw.
                    (false, Some(id)) => view! {
                        <g><a href=format!("/dashboard?department={id}")><text class="row-label" x="4" y=y + 19.0>{name.clone()}</text></a></g>
                    }.into_any(),
                    _ => view! { <text class="row-label" x="4" y=y + 19.0>{name.clone()}</text> }.into_any(),
                };
                // Each figure opens the open, estimated tasks it sums: those under way in its
                // week (the first week also holds what is overdue), due after the weeks shown,
                // or undated. The tasks of no department or person cannot be asked for.
                let who = match (drilled, row.id) {
                    (false, Some(id)) => Some(format!("department_id={id}")),
                    (true, Some(id)) => Some(format!("assignee_id={id}")),
                    _ => None,
                };
                let row_name = name.clone();
                let figure = move |hours: f64, x: f64, class: &'static str, dark: bool, filter: String, when: String| {
                    let text = if hours > 0.0 { format!("{hours}") } else { String::new() };
                    match who.clone().filter(|_| hours > 0.0) {
                        Some(who) => view! {
                            <g><a href=all_tasks(&format!("open=true&estimated=true&sort=due&{who}&{filter}"))
                                aria-label=format!("{row_name} · {when} · {hours} h")>
                                <text class=class class:light=dark x=x y=y + 19.0>{text}</text>
                            </a></g>
                        }.into_any(),
                        None => view! { <text class=class class:light=dark x=x y=y + 19.0>{text}</text> }.into_any(),
                    }
                };
                let day = chrono::Duration::days(1);
                let week_cells = row
                    .hours
                    .iter()
                    .enumerate()
                    .map(|(n, h)| {
                        let cx = label_w + cell_w * n as f64;
                        let monday = wl.weeks[n];
                        let mut filter = format!("starts_before={}", monday + day * 7);
                        if n > 0 {
                            filter.push_str(&format!("&due_after={}", monday - day));
                        }
                        view! {
                            <rect x=cx + 1.0 y=y width=cell_w - 2.0 height="28" rx="3" fill=shade(*h)>
                                <title>{format!("{name} · {monday} · {h} h")}</title>
                            </rect>
                            {figure(*h, cx + cell_w / 2.0, "cell", *h > 20.0, filter, monday.to_string())}
                        }
                    })
                    .collect_view();
                let last_sunday = wl.weeks.last().map(|w| *w + day * 6);
                view! {
                    {label}
                    {week_cells}
                    {figure(row.later, later_x + cell_w / 2.0, "cell muted", false,
                        last_sunday.map(|d| format!("due_after={d}")).unwrap_or_default(),
                        b.get_untracked(B::later as usize))}
                    {figure(row.unscheduled, later_x + cell_w * 1.5, "cell muted", false, "dated=false".to_owned(),
                        b.get_untracked(B::undated as usize))}
                }
            })
            .collect_view();

        let handoffs = d.handoffs.clone();
        let handoffs_total = d.handoffs_total;
        let flagged = d.flagged.clone();
        let project_name = move |id: Uuid| {
            projects
                .iter()
                .find(|p| p.id == id)
                .map(|p| p.name.clone())
                .unwrap_or_default()
        };
        let project_name2 = project_name.clone();
        view! {
            <section class="card dash-section">
                <h2>{move || b.get(B::projects_title as usize)}</h2>
                <div class="table-wrap">
                    <table class="table dash-projects">
                        <thead><tr>
                            <th>{move || b.get(B::project as usize)}</th>
                            <th>{move || b.get(B::health as usize)}</th>
                            <th>{move || i.t().progress}</th>
                            <th>{move || i.t().tasks}</th>
                            <th>{move || i.t().overdue}</th>
                            <th>{move || i.t().at_risk}</th>
                            <th>{move || i.t().blocked}</th>
                            <th>{move || b.get(B::milestones_soon as usize)}</th>
                        </tr></thead>
                        <tbody>{project_rows}</tbody>
                    </table>
                </div>
            </section>
            <section class="card dash-section">
                <h2>{move || b.get(B::flagged_title as usize)}</h2>
                {if flagged.is_empty() {
                    view! { <p class="muted">{move || b.get(B::no_flagged as usize)}</p> }.into_any()
                } else {
                    view! {
                        <ul class="list flagged">
                            {flagged.into_iter().map(|f| {
                                let reasons = f.reasons.clone();
                                view! {
                                    <li class="list-item flagged-task">
                                        <div class="grow">
                                            <a class="item-title" href=format!("/tasks/{}", f.task_id)>{f.title.clone()}</a>
                                            <p class="badges">
                                                {f.overdue.then(|| view! { <span class="badge badge-danger">{move || i.t().overdue}</span> })}
                                                {f.at_risk.then(|| view! { <span class="badge badge-warn">{move || i.t().at_risk}</span> })}
                                                {f.blocked.then(|| view! { <span class="badge badge-warn">{move || i.t().blocked}</span> })}
                                                <span class="badge badge-muted">{project_name2(f.project_id)}</span>
                                                <span class="muted small">{move || i.t().due} ": " {date_or_dash(f.due_date)}</span>
                                            </p>
                                            <ul class="reasons">
                                                {move || reasons.iter().map(|r| view! { <li>{i.risk_reason(r)}</li> }).collect_view()}
                                            </ul>
                                        </div>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
            <div class="grid-2">
                <section class="card dash-section dash-departments">
                    <h2>{move || b.get(B::departments_title as usize)}</h2>
                    <div class="table-wrap">
                        <table class="table">
                            <thead><tr>
                                <th>{move || i.t().department}</th>
                                <th></th>
                                <th>{move || b.get(B::open as usize)}</th>
                                <th>{move || b.get(B::done_count as usize)}</th>
                                <th>{move || i.t().overdue}</th>
                                <th>{move || i.t().at_risk}</th>
                            </tr></thead>
                            <tbody>{dept_rows}</tbody>
                        </table>
                    </div>
                </section>
                <section class="card dash-section">
                    <h2>
                        {move || b.get(B::handoffs_title as usize)}
                        {(handoffs_total > handoffs.len() as i64).then(|| view! {
                            <span class="muted small">{format!("{} / {}", handoffs.len(), handoffs_total)}</span>
                        })}
                    </h2>
                    {if handoffs.is_empty() {
                        view! { <p class="muted">{move || b.get(B::no_handoffs as usize)}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="list handoffs">
                                {handoffs.into_iter().map(|h| view! {
                                    <li class="list-item">
                                        <div class="grow">
                                            <p class="handoff-route">
                                                <span class="badge">{h.predecessor_department_name.clone()}</span>
                                                " → "
                                                <span class="badge">{h.department_name.clone()}</span>
                                                " · " <span class="muted small">{project_name(h.project_id)}</span>
                                            </p>
                                            <p class="small">
                                                <a href=format!("/tasks/{}", h.predecessor_id)>{h.predecessor_title.clone()}</a>
                                                " → "
                                                <a href=format!("/tasks/{}", h.task_id)>{h.title.clone()}</a>
                                            </p>
                                        </div>
                                        <div class="handoff-wait">
                                            <span class=if h.ready { "badge badge-ok" } else { "badge badge-muted" }>
                                                {move || if h.ready { b.get(B::ready as usize) } else { b.get(B::waiting_pred as usize) }}
                                            </span>
                                            <span class="num" class:warn={h.waiting_days >= 3}>
                                                {move || format!("{} {} {}", b.get(B::waiting as usize), h.waiting_days, b.get(B::days as usize))}
                                            </span>
                                        </div>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </section>
            </div>
            <section class="card dash-section">
                <h2>
                    {move || if drilled { b.get(B::workload_people as usize) } else { b.get(B::workload_title as usize) }}
                    {drilled.then(|| view! { " · " <a class="small" href="/dashboard">{move || b.get(B::back_to_departments as usize)}</a> })}
                </h2>
                <p class="muted small">{move || b.get(B::workload_help as usize)}</p>
                {no_work.then(|| view! { <p class="muted">{move || b.get(B::no_workload as usize)}</p> })}
                <div class="heatmap-wrap" class:sr-only=no_work>
                    <svg class="heatmap" width=heat_w height=heat_h role="group" aria-label=move || b.get(B::workload_title as usize)>
                        {heads}
                        <text class="head" x=later_x + 6.0 y="18">{move || b.get(B::later as usize)}</text>
                        <text class="head" x=later_x + cell_w + 6.0 y="18">{move || b.get(B::undated as usize)}</text>
                        {cells}
                    </svg>
                </div>
            </section>
        }
        .into_any()
    };
    view! { <div class="dashboard">{body}</div> }
}
