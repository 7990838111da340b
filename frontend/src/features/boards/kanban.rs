//! The Kanban board (B1): a project's, or the caller's own across projects. Cards are the task
//! store's copies, so a colleague's move arrives live; a card is moved with the pointer (drag)
//! or the keyboard (Space, arrows, Space), shown at once and put back when the server refuses.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};
use tandem_dto::{
    BoardLimits, BoardResponse, MoveTaskRequest, Priority, Swimlane, TaskResponse, TaskStatus,
    WipLimit,
};
use tandem_web_logic::board::{COLUMNS, Pending, Spot, Step, column, live_count, neighbours, step};
use uuid::Uuid;
use wasm_bindgen::JsCast;

use crate::api::{self, ApiError};
use crate::components::{
    Avatar, ErrorBox, Loading, date_or_dash, filter_query, replace, use_toaster, with_filter,
};
use crate::i18n::texts::use_texts;
use crate::i18n::use_i18n;
use crate::state::tasks::use_tasks;
use tandem_web_logic::texts::Boards as B;

/// What the board read last, besides the cards (those are in the task store).
#[derive(Clone, Default)]
struct Meta {
    counts: HashMap<TaskStatus, i64>,
    limits: HashMap<TaskStatus, i32>,
    next: HashMap<TaskStatus, String>,
    board: Option<BoardResponse>,
}

/// A card being dragged with the pointer.
#[derive(Clone, Copy, PartialEq)]
struct Drag {
    task: Uuid,
    start: (i32, i32),
    at: (i32, i32),
    /// Past the few pixels that tell a drag from a click.
    moving: bool,
}

const FILTERS: [&str; 6] = [
    "swimlane",
    "q",
    "priority",
    "risk",
    "assignee_id",
    "milestone_id",
];

fn priority_class(p: Priority) -> &'static str {
    match p {
        Priority::High => "badge badge-danger",
        Priority::Medium => "badge badge-warn",
        Priority::Low => "badge badge-muted",
    }
}

fn column_index(s: TaskStatus) -> usize {
    COLUMNS.iter().position(|c| *c == s).unwrap_or(0)
}

#[component]
pub fn Kanban(
    /// A project's board, or (None) the caller's own across their projects.
    project: Option<Uuid>,
    /// People by id: name and whether they have a picture.
    #[prop(into)]
    people: Signal<HashMap<Uuid, (String, bool)>>,
    /// Lanes' and filters' choices (milestones of the project).
    #[prop(into, optional)]
    milestones: Signal<Vec<(Uuid, String)>>,
    #[prop(into)] can_edit: Signal<bool>,
    #[prop(optional)] can_manage: bool,
) -> impl IntoView {
    let i = use_i18n();
    let b = use_texts();
    let toaster = use_toaster();
    let tasks = use_tasks();
    let query = use_query_map();
    let navigate = use_navigate();
    let mine = project.is_none();
    let param =
        move |k: &'static str| Memo::new(move |_| query.with(|q| q.get(k).unwrap_or_default()));
    let swimlane = param("swimlane");
    let text = param("q");
    let priority = param("priority");
    let risk = param("risk");
    let assignee = param("assignee_id");
    let milestone = param("milestone_id");
    let draft = RwSignal::new(text.get_untracked());

    let ids = RwSignal::new(Vec::<Uuid>::new());
    let read_as = StoredValue::new(HashMap::<Uuid, TaskStatus>::new());
    let meta = RwSignal::new(Meta::default());
    let loading = RwSignal::new(true);
    let failed = RwSignal::new(None::<ApiError>);
    let pending = RwSignal::new(None::<Pending>);
    let drag = RwSignal::new(None::<Drag>);
    let grabbed = RwSignal::new(None::<(Uuid, Pending)>);
    let announce = RwSignal::new(String::new());
    let busy = RwSignal::new(false);

    let base = move || match project {
        Some(p) => format!("/projects/{p}/board"),
        None => "/me/board".to_owned(),
    };
    let filters = move |extra: Vec<(&'static str, String)>| {
        let mut pairs: Vec<(&str, String)> = vec![("limit", "50".to_owned())];
        pairs.extend(extra);
        for (k, m) in [
            ("swimlane", swimlane),
            ("q", text),
            ("priority", priority),
            ("risk", risk),
            ("assignee_id", assignee),
            ("milestone_id", milestone),
        ] {
            pairs.push((k, m.get_untracked()));
        }
        filter_query(pairs)
    };
    let load = move || {
        loading.set(true);
        let url = format!("{}{}", base(), filters(Vec::new()));
        spawn_local(async move {
            match api::get::<BoardResponse>(&url).await {
                Ok(b) => {
                    let mut m = Meta::default();
                    let mut all = Vec::new();
                    let mut seen = HashMap::new();
                    for c in &b.columns {
                        m.counts.insert(c.status, c.count);
                        if let Some(l) = c.wip_limit {
                            m.limits.insert(c.status, l);
                        }
                        if let Some(n) = &c.next_cursor {
                            m.next.insert(c.status, n.clone());
                        }
                        for t in &c.cards {
                            all.push(t.id);
                            seen.insert(t.id, t.status);
                        }
                    }
                    tasks.put_all(b.columns.iter().flat_map(|c| c.cards.iter().cloned()));
                    m.board = Some(b);
                    read_as.set_value(seen);
                    ids.set(all);
                    meta.set(m);
                    failed.set(None);
                }
                Err(e) => failed.set(Some(e)),
            }
            loading.set(false);
        });
    };
    let load_more = move |s: TaskStatus| {
        let Some(cursor) = meta.with_untracked(|m| m.next.get(&s).cloned()) else {
            return;
        };
        let url = format!(
            "{}{}",
            base(),
            filters(vec![("column", s.as_str().to_owned()), ("cursor", cursor)])
        );
        spawn_local(async move {
            match api::get::<BoardResponse>(&url).await {
                Ok(b) => {
                    let cards: Vec<TaskResponse> = b
                        .columns
                        .iter()
                        .flat_map(|c| c.cards.iter().cloned())
                        .collect();
                    read_as.update_value(|r| {
                        for t in &cards {
                            r.insert(t.id, t.status);
                        }
                    });
                    ids.update(|v| v.extend(cards.iter().map(|t| t.id)));
                    tasks.put_all(cards);
                    meta.update(|m| {
                        match b.columns.first().and_then(|c| c.next_cursor.clone()) {
                            Some(n) => m.next.insert(s, n),
                            None => m.next.remove(&s),
                        };
                    });
                }
                Err(e) => toaster.error(&e),
            }
        });
    };
    Effect::new(move || {
        for m in [swimlane, text, priority, risk, assignee, milestone] {
            m.track();
        }
        load();
    });
    // Live: the cards are the task store's copies, so moves made elsewhere show by themselves;
    // a new task joins the board, and with filters set any change reloads (it may enter or
    // leave what the filters select).
    let me = crate::state::use_auth()
        .user
        .with_untracked(|u| u.as_ref().map(|u| u.id));
    if let Some(live) = crate::state::live::use_live() {
        // Events may have been missed: read the board again.
        Effect::watch(move || live.gap.get(), move |_, _, _| load(), false);
        Effect::watch(
            move || live.event.get(),
            move |ev, _, _| {
                let Some(ev) = ev else { return };
                if !ev.kind.starts_with("task.") {
                    return;
                }
                let id = ev
                    .data
                    .get("id")
                    .and_then(|v| v.as_str())
                    .and_then(|s| s.parse::<Uuid>().ok());
                let in_view = match project {
                    Some(p) => ev.project_id == Some(p),
                    None => {
                        ev.data
                            .get("assignee_id")
                            .and_then(|a| a.as_str())
                            .map(str::to_owned)
                            == me.map(|m| m.to_string())
                            || id.is_some_and(|id| ids.with_untracked(|v| v.contains(&id)))
                    }
                };
                if !in_view {
                    return;
                }
                let filtered = FILTERS
                    .iter()
                    .filter(|k| **k != "swimlane")
                    .any(|k| query.with_untracked(|q| q.get(k).is_some_and(|v| !v.is_empty())));
                if filtered {
                    load();
                    return;
                }
                if ev.kind == "task.created"
                    && let Some(id) = id
                    && !ids.with_untracked(|v| v.contains(&id))
                {
                    ids.update(|v| v.push(id));
                }
            },
            false,
        );
    }

    // The cards shown: the store's copies of the loaded ids (on "my board", still mine).
    let cards = Memo::new(move |_| {
        let list = tasks.rows(&ids.get());
        if mine {
            list.into_iter().filter(|t| t.assignee_id == me).collect()
        } else {
            list
        }
    });
    // The swimlane a card belongs to.
    let lane_of = move |t: &TaskResponse| -> Option<Uuid> {
        match meta.with(|m| m.board.as_ref().and_then(|b| b.swimlane)) {
            Some(Swimlane::Assignee) => t.assignee_id,
            Some(Swimlane::Milestone) => t.milestone_id,
            Some(Swimlane::Project) => Some(t.project_id),
            Some(Swimlane::Department) => t.assignee_id.and_then(|a| {
                meta.with(|m| {
                    m.board.as_ref().and_then(|b| {
                        b.lanes
                            .iter()
                            .find(|l| l.members.contains(&a))
                            .and_then(|l| l.id)
                    })
                })
            }),
            None => None,
        }
    };
    // A column's cards within a lane (`lane` None with no swimlanes: every card).
    let column_ids = move |s: TaskStatus, lane: Option<Option<Uuid>>| -> Vec<Uuid> {
        let list = cards.get();
        let p = pending.get();
        column(&list, s, p)
            .into_iter()
            .filter(|id| match lane {
                None => true,
                Some(l) => list
                    .iter()
                    .find(|t| t.id == *id)
                    .is_some_and(|t| lane_of(t) == l),
            })
            .collect()
    };
    let title_of = move |id: Uuid| tasks.get_untracked(id).map(|t| t.title).unwrap_or_default();
    // Where the card is now, as announced: its column and place among the column's cards.
    let position_text = move |p: Pending, lane: Option<Option<Uuid>>| {
        let col = column_ids(p.status, lane);
        let n = col
            .iter()
            .position(|x| *x == p.task)
            .map(|n| n + 1)
            .unwrap_or(1);
        format!(
            "{} · {} {n}/{}",
            i.task_status(p.status),
            b.get_untracked(B::kb_position as usize),
            col.len()
        )
    };

    // Saves a move shown as `p`; puts the card back when the server refuses.
    // `refocus`: the keyboard was on the card, and its redrawn copy should have it again.
    let commit = move |p: Pending, refocus: bool| {
        let Some(t) = tasks.get_untracked(p.task) else {
            return;
        };
        pending.set(Some(p));
        busy.set(true);
        let body = MoveTaskRequest {
            status: (p.status != t.status).then_some(p.status),
            after_id: p.after,
            before_id: p.before,
        };
        spawn_local(async move {
            let res = api::tasks::move_card(p.task, Some(t.version), &body, mine).await;
            busy.set(false);
            match res {
                Ok(moved) => {
                    tasks.put(moved);
                    pending.set(None);
                    if refocus {
                        focus_card(p.task);
                    }
                }
                Err(e) => {
                    pending.set(None);
                    announce.set(format!(
                        "{} {}",
                        b.get_untracked(B::kb_put_back as usize),
                        t.title
                    ));
                    toaster.error(&e);
                    if e.code() == Some("board_changed") {
                        load();
                    }
                    if refocus {
                        focus_card(p.task);
                    }
                }
            }
        });
    };
    // Where a card is among the other cards of its lane, for keyboard steps.
    let spot_of = move |p: Pending, lane: Option<Option<Uuid>>| -> Spot {
        let col = column_ids(p.status, lane);
        Spot {
            column: column_index(p.status),
            index: col.iter().position(|x| *x == p.task).unwrap_or(0),
        }
    };
    let pending_at = move |task: Uuid, s: Spot, lane: Option<Option<Uuid>>| -> Pending {
        let status = COLUMNS[s.column];
        let others: Vec<Uuid> = {
            let list = cards.get_untracked();
            column(&list, status, None)
                .into_iter()
                .filter(|id| *id != task)
                .filter(|id| match lane {
                    None => true,
                    Some(l) => list
                        .iter()
                        .find(|t| t.id == *id)
                        .is_some_and(|t| lane_of(t) == l),
                })
                .collect()
        };
        let (after, before) = neighbours(&others, task, s.index);
        Pending {
            task,
            status,
            after,
            before,
        }
    };
    let lane_key = move |task: Uuid| -> Option<Option<Uuid>> {
        meta.with_untracked(|m| m.board.as_ref().and_then(|b| b.swimlane))?;
        let t = tasks.get_untracked(task)?;
        Some(lane_of(&t))
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent, task: Uuid| {
        if !can_edit.get_untracked() || busy.get_untracked() {
            return;
        }
        let lane = lane_key(task);
        let key = ev.key();
        match (grabbed.get_untracked(), key.as_str()) {
            (None, " ") => {
                ev.prevent_default();
                let Some(t) = tasks.get_untracked(task) else {
                    return;
                };
                let here = pending_at(
                    task,
                    spot_of(
                        Pending {
                            task,
                            status: t.status,
                            after: None,
                            before: None,
                        },
                        lane,
                    ),
                    lane,
                );
                grabbed.set(Some((task, here)));
                pending.set(Some(here));
                announce.set(format!(
                    "{} {}. {}. {}",
                    b.get_untracked(B::kb_picked as usize),
                    t.title,
                    position_text(here, lane),
                    b.get_untracked(B::kb_help as usize)
                ));
            }
            (Some((g, from)), k) if g == task => {
                let s = match k {
                    "ArrowUp" => Some(Step::Up),
                    "ArrowDown" => Some(Step::Down),
                    "ArrowLeft" => Some(Step::Left),
                    "ArrowRight" => Some(Step::Right),
                    _ => None,
                };
                if let Some(s) = s {
                    ev.prevent_default();
                    let Some(cur) = pending.get_untracked() else {
                        return;
                    };
                    let here = spot_of(cur, lane);
                    let len = |c: usize| {
                        column_ids(COLUMNS[c], lane)
                            .into_iter()
                            .filter(|x| *x != task)
                            .count()
                    };
                    let next = step(here, s, len);
                    let p = pending_at(task, next, lane);
                    pending.set(Some(p));
                    announce.set(position_text(p, lane));
                    focus_card(task);
                } else if k == " " || k == "Enter" {
                    ev.prevent_default();
                    grabbed.set(None);
                    let Some(p) = pending.get_untracked() else {
                        return;
                    };
                    let unchanged = tasks
                        .get_untracked(task)
                        .is_some_and(|t| t.status == p.status)
                        && p == from;
                    if unchanged {
                        pending.set(None);
                        announce.set(format!(
                            "{} {}",
                            b.get_untracked(B::kb_cancelled as usize),
                            title_of(task)
                        ));
                    } else {
                        announce.set(format!(
                            "{} {}. {}",
                            b.get_untracked(B::kb_dropped as usize),
                            title_of(task),
                            position_text(p, lane)
                        ));
                        commit(p, true);
                    }
                    focus_card(task);
                } else if k == "Escape" {
                    ev.prevent_default();
                    grabbed.set(None);
                    pending.set(None);
                    announce.set(format!(
                        "{} {}",
                        b.get_untracked(B::kb_cancelled as usize),
                        title_of(task)
                    ));
                    focus_card(task);
                }
            }
            _ => {}
        }
    };

    // Pointer dragging: the card follows as a ghost, its place shows where it would land.
    let drop_target = move |x: i32, y: i32, task: Uuid| -> Option<Pending> {
        let doc = web_sys::window()?.document()?;
        let el = doc.element_from_point(x as f32, y as f32)?;
        let col = el.closest("[data-col]").ok()??;
        let status = TaskStatus::parse(&col.get_attribute("data-col")?)?;
        let lane = lane_key(task);
        // Cards of that column (and lane), without the dragged one: the first whose middle is
        // below the pointer is where it goes.
        let others: Vec<Uuid> = column_ids(status, lane)
            .into_iter()
            .filter(|x| *x != task)
            .collect();
        let mut index = others.len();
        for (n, id) in others.iter().enumerate() {
            if let Some(card) = doc.get_element_by_id(&format!("card-{id}")) {
                let r = card.get_bounding_client_rect();
                if (y as f64) < r.top() + r.height() / 2.0 {
                    index = n;
                    break;
                }
            }
        }
        let (after, before) = neighbours(&others, task, index);
        Some(Pending {
            task,
            status,
            after,
            before,
        })
    };
    let on_pointer_down = move |ev: leptos::ev::PointerEvent, task: Uuid| {
        if !can_edit.get_untracked() || busy.get_untracked() || ev.button() != 0 {
            return;
        }
        // Links inside the card still open the task.
        if ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("a").ok().flatten())
            .is_some()
        {
            return;
        }
        drag.set(Some(Drag {
            task,
            start: (ev.client_x(), ev.client_y()),
            at: (ev.client_x(), ev.client_y()),
            moving: false,
        }));
    };
    let on_pointer_move = move |ev: leptos::ev::PointerEvent| {
        let Some(d) = drag.get_untracked() else {
            return;
        };
        let at = (ev.client_x(), ev.client_y());
        let moving = d.moving || (at.0 - d.start.0).abs() + (at.1 - d.start.1).abs() > 6;
        if moving {
            ev.prevent_default();
            if let Some(p) = drop_target(at.0, at.1, d.task)
                && pending.get_untracked() != Some(p)
            {
                pending.set(Some(p));
            }
        }
        drag.set(Some(Drag { at, moving, ..d }));
    };
    let on_pointer_up = move |_ev: leptos::ev::PointerEvent| {
        let Some(d) = drag.get_untracked() else {
            return;
        };
        drag.set(None);
        if !d.moving {
            return;
        }
        if let Some(p) = pending.get_untracked() {
            commit(p, false);
        }
    };
    let cancel_drag = move || {
        if drag.get_untracked().is_some() {
            drag.set(None);
            pending.set(None);
        }
    };
    // The pointer may be released anywhere on the page.
    let up = window_event_listener(leptos::ev::pointerup, on_pointer_up);
    let mv = window_event_listener(leptos::ev::pointermove, on_pointer_move);
    let cancel = window_event_listener(leptos::ev::pointercancel, move |_| cancel_drag());
    on_cleanup(move || {
        up.remove();
        mv.remove();
        cancel.remove();
    });

    let set_filter = move |key: &'static str, value: String| {
        let to = query.with_untracked(|q| with_filter(q, &FILTERS, key, &value));
        navigate(&to, replace());
    };

    let card_view = move |t: TaskResponse| {
        let id = t.id;
        let person = t
            .assignee_id
            .and_then(|a| people.with(|p| p.get(&a).cloned()).map(|p| (a, p)));
        let at_risk = t.risk.as_ref().is_some_and(|r| r.at_risk);
        let why = t
            .risk
            .clone()
            .map(|r| {
                r.reasons
                    .iter()
                    .map(|x| i.risk_reason(x))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default();
        let due = t.due_date;
        view! {
            <li
                id=format!("card-{id}")
                class="kanban-card"
                class:dragging=move || drag.with(|d| d.is_some_and(|d| d.moving && d.task == id))
                class:grabbed=move || grabbed.with(|g| g.is_some_and(|(g, _)| g == id))
                class:pending=move || busy.get() && pending.with(|p| p.is_some_and(|p| p.task == id))
                tabindex="0"
                aria-roledescription=move || b.get(B::kb_card as usize)
                aria-describedby="kanban-help"
                on:pointerdown=move |ev| on_pointer_down(ev, id)
                on:keydown=move |ev| on_key(ev, id)
            >
                <a class="card-title" href=format!("/tasks/{id}") draggable="false">{t.title.clone()}</a>
                <div class="card-meta">
                    <span class=priority_class(t.priority)>{move || i.priority(t.priority)}</span>
                    {t.blocked.then(|| view! { <span class="badge badge-warn" title=move || i.t().blocked>"⛔ "{move || i.t().blocked}</span> })}
                    {due.map(|_| {
                        let tip = why.clone();
                        let why = why.clone();
                        view! {
                            <span class="due" class:overdue=t.overdue class:at-risk=at_risk && !t.overdue
                                title=tip>
                                {date_or_dash(due)}
                                {(at_risk && !t.overdue).then(|| view! { <span class="sr-only">{move || format!(" {}: {}", i.t().at_risk, why)}</span> })}
                            </span>
                        }
                    })}
                    <span class="grow"></span>
                    {person.map(|(a, (name, has))| {
                        let tip = name.clone();
                        view! { <span class="card-avatar" title=tip><Avatar user_id=a name=name has_avatar=has /></span> }
                    })}
                </div>
                <div class="card-progress" role="progressbar" aria-valuemin="0" aria-valuemax="100"
                    aria-valuenow=t.progress.to_string() aria-label=move || i.t().progress>
                    <span style:width=format!("{}%", t.progress.clamp(0, 100))></span>
                </div>
                {(t.subtasks_total > 0).then(|| view! {
                    <p class="muted small">{move || i.t().subtasks} " " {t.subtasks_done} "/" {t.subtasks_total}</p>
                })}
            </li>
        }
    };

    let column_view = move |s: TaskStatus, lane: Option<Option<Uuid>>| {
        let shown = move || column_ids(s, lane);
        let count = move || {
            meta.with(|m| {
                let counted = m.counts.get(&s).copied().unwrap_or(0);
                read_as.with_value(|r| cards.with(|c| live_count(s, counted, r, c)))
            })
        };
        let limit = move || meta.with(|m| m.limits.get(&s).copied());
        let over = move || limit().is_some_and(|l| count() > l as i64);
        view! {
            <div class="kanban-col" data-col=s.as_str() class:over=over>
                {lane.is_none().then(|| view! {
                    <h2 class="kanban-col-head">
                        <span>{move || i.task_status(s)}</span>
                        <span class="count" title=move || if over() { b.get(B::wip_over as usize) } else { String::new() }>
                            {count}
                            {move || limit().map(|l| format!(" / {l}"))}
                        </span>
                    </h2>
                })}
                <ul class="kanban-cards" aria-label=move || i.task_status(s)>
                    <For each=shown key=|id| *id let:id>
                        {
                            // Redrawn when this card's copy changes, not when others do.
                            let copy = tasks.watch(id);
                            move || copy.get().map(card_view)
                        }
                    </For>
                </ul>
                {move || (lane.is_none() && meta.with(|m| m.next.contains_key(&s))).then(|| view! {
                    <button class="btn small" on:click=move |_| load_more(s)>{move || i.t().load_more}</button>
                })}
            </div>
        }
    };

    let lanes_view = move || {
        let read = meta.with(|m| m.board.clone());
        let Some(read) = read.filter(|r| r.swimlane.is_some()) else {
            return view! {
                <div class="kanban">
                    {COLUMNS.map(|s| column_view(s, None)).collect_view()}
                </div>
            }
            .into_any();
        };
        view! {
            <div class="kanban kanban-heads" aria-hidden="true">
                {COLUMNS.map(|s| view! { <h2 class="kanban-col-head"><span>{move || i.task_status(s)}</span></h2> }).collect_view()}
            </div>
            {read.lanes.into_iter().map(|l| {
                let lane = Some(l.id);
                let total: i64 = l.counts.iter().map(|c| c.count).sum();
                let name = l.name.clone();
                view! {
                    <section class="lane">
                        <h3 class="lane-head">
                            {move || name.clone().unwrap_or_else(|| b.get(B::no_lane as usize).to_owned())}
                            <span class="muted small">" · " {total}</span>
                        </h3>
                        <div class="kanban">
                            {COLUMNS.map(|s| column_view(s, lane)).collect_view()}
                        </div>
                    </section>
                }
            }).collect_view()}
        }
        .into_any()
    };

    // Work-in-progress limits, for project administrators.
    let editing = RwSignal::new(false);
    let limit_inputs: [RwSignal<String>; 4] = std::array::from_fn(|_| RwSignal::new(String::new()));
    let open_limits = move |_| {
        meta.with_untracked(|m| {
            for (n, s) in COLUMNS.iter().enumerate() {
                limit_inputs[n].set(m.limits.get(s).map(|l| l.to_string()).unwrap_or_default());
            }
        });
        editing.set(true);
    };
    let save_limits = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(p) = project else { return };
        let limits: Vec<WipLimit> = COLUMNS
            .iter()
            .enumerate()
            .filter_map(|(n, s)| {
                let limit = limit_inputs[n].get_untracked().trim().parse::<i32>().ok()?;
                Some(WipLimit { status: *s, limit })
            })
            .collect();
        spawn_local(async move {
            match api::put::<_, BoardLimits>(
                &format!("/projects/{p}/board/limits"),
                &BoardLimits { limits },
            )
            .await
            {
                Ok(saved) => {
                    meta.update(|m| {
                        m.limits = saved.limits.iter().map(|l| (l.status, l.limit)).collect();
                    });
                    editing.set(false);
                    toaster.success(i.t_untracked().saved);
                }
                Err(e) => toaster.error(&e),
            }
        });
    };

    let sf = set_filter.clone();
    let sf2 = set_filter.clone();
    let sf3 = set_filter.clone();
    let sf4 = set_filter.clone();
    let sf5 = set_filter.clone();
    view! {
        <form class="filters card" role="search" on:submit=move |ev| {
            ev.prevent_default();
            sf("q", draft.get_untracked());
        }>
            <div class="field grow-2">
                <label for="board-q">{move || i.t().search}</label>
                <input id="board-q" type="search" placeholder=move || i.t().search_tasks_placeholder
                    prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev)) />
            </div>
            <div class="field">
                <label for="board-lanes">{move || b.get(B::swimlanes as usize)}</label>
                <select id="board-lanes" prop:value=move || swimlane.get() on:change=move |ev| sf2("swimlane", event_target_value(&ev))>
                    <option value="">{move || b.get(B::lanes_none as usize)}</option>
                    {if mine {
                        view! { <option value="project">{move || b.get(B::lanes_project as usize)}</option> }.into_any()
                    } else {
                        view! {
                            <option value="assignee">{move || b.get(B::lanes_assignee as usize)}</option>
                            <option value="department">{move || b.get(B::lanes_department as usize)}</option>
                            <option value="milestone">{move || b.get(B::lanes_milestone as usize)}</option>
                        }.into_any()
                    }}
                </select>
            </div>
            <div class="field">
                <label for="board-priority">{move || i.t().priority}</label>
                <select id="board-priority" prop:value=move || priority.get() on:change=move |ev| sf3("priority", event_target_value(&ev))>
                    <option value="">{move || i.t().all}</option>
                    {[Priority::High, Priority::Medium, Priority::Low].map(|p| view! {
                        <option value=p.as_str()>{move || i.priority(p)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="board-risk">{move || i.t().risk_reasons}</label>
                <select id="board-risk" prop:value=move || risk.get() on:change=move |ev| sf4("risk", event_target_value(&ev))>
                    <option value="">{move || i.t().all}</option>
                    <option value="at_risk">{move || i.t().at_risk}</option>
                    <option value="blocked">{move || i.t().blocked}</option>
                    <option value="overdue">{move || i.t().overdue}</option>
                </select>
            </div>
            {(!mine).then(|| view! {
                <div class="field">
                    <label for="board-milestone">{move || i.t().milestone}</label>
                    <select id="board-milestone" prop:value=move || milestone.get() on:change=move |ev| sf5("milestone_id", event_target_value(&ev))>
                        <option value="">{move || i.t().all}</option>
                        {move || milestones.get().into_iter().map(|(id, name)| view! {
                            <option value=id.to_string()>{name}</option>
                        }).collect_view()}
                    </select>
                </div>
            })}
            <button class="btn primary" type="submit">{move || i.t().search}</button>
            {can_manage.then(|| view! {
                <button class="btn" type="button" on:click=open_limits>{move || b.get(B::wip_limits as usize)}</button>
            })}
        </form>
        <Show when=move || editing.get()>
            <form class="card wip-form" on:submit=save_limits>
                <h2>{move || b.get(B::wip_limits as usize)}</h2>
                <p class="muted small">{move || b.get(B::wip_limits_help as usize)}</p>
                <div class="filters-row">
                    {COLUMNS.iter().enumerate().map(|(n, s)| {
                        let s = *s;
                        let field = format!("wip-{}", s.as_str());
                        view! {
                            <div class="field">
                                <label for=field.clone()>{move || i.task_status(s)}</label>
                                <input id=field type="number" min="1" max="999" inputmode="numeric"
                                    prop:value=move || limit_inputs[n].get()
                                    on:input=move |ev| limit_inputs[n].set(event_target_value(&ev)) />
                            </div>
                        }
                    }).collect_view()}
                </div>
                <div class="actions">
                    <button class="btn primary" type="submit">{move || i.t().save}</button>
                    <button class="btn" type="button" on:click=move |_| editing.set(false)>{move || i.t().cancel}</button>
                </div>
            </form>
        </Show>
        <p id="kanban-help" class="sr-only">{move || b.get(B::kb_help as usize)}</p>
        <div class="sr-only" role="status" aria-live="assertive">{move || announce.get()}</div>
        {move || {
            if let Some(e) = failed.get() {
                return view! { <ErrorBox error=e retry=Callback::new(move |()| load()) /> }.into_any();
            }
            if loading.get() && meta.with(|m| m.board.is_none()) {
                return view! { <Loading /> }.into_any();
            }
            view! { <div class="board" class:dragging=move || drag.with(|d| d.is_some_and(|d| d.moving))>{lanes_view}</div> }.into_any()
        }}
        // The card under the pointer while dragging.
        {move || drag.get().filter(|d| d.moving).map(|d| view! {
            <div class="drag-ghost" aria-hidden="true"
                style:left=format!("{}px", d.at.0 + 8) style:top=format!("{}px", d.at.1 + 8)>
                {title_of(d.task)}
            </div>
        })}
    }
}

fn focus_card(id: Uuid) {
    // After the card moved in the DOM, give it the keyboard again.
    crate::components::focus_later(format!("card-{id}"));
}
