//! I3: `POST /projects/{id}/tasks/batch` — up to 1000 tasks created or updated by external
//! key in one transaction, all or nothing; and the whole-project reads an export needs.

use std::collections::{HashMap, HashSet};

use actix_web::{HttpResponse, web};
use chrono::Utc;
use tandem_db::entities::tasks;
use tandem_db::external_keys::{self as keys, NewKey};
use tandem_db::task_batch::{self as repo, BatchTask};
use tandem_db::tasks::{self as task_repo, TaskChanges};
use tandem_db::{comments as comment_repo, projects as project_repo};
use tandem_domain::markdown;
use tandem_domain::projects::{ProjectAction, lifecycle_path};
use tandem_dto::{
    BatchOutcome, CommentResponse, DependencyEdgeResponse, ExternalKeyKind, FieldError, Page,
    Priority, Problem, TASK_BATCH_MAX, TaskBatchItem, TaskBatchRequest, TaskBatchResponse,
    TaskBatchResult, TaskStatus, WsEventKind, external_key_ok,
};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Json, PageQuery};
use crate::features::access;
use crate::features::projects::today_in;
use crate::features::tasks::task_dto;
use crate::outbox::Outbox;
use crate::state::AppState;

/// How many tasks a cycle check may walk beyond a batch (as for single dependencies).
const MAX_CHAIN: usize = 10_000;

/// Checks what can be checked without the database; errors name `tasks[i].field`.
fn check_items(items: &[TaskBatchItem], errors: &mut Vec<FieldError>) {
    let mut seen = HashSet::new();
    for (i, t) in items.iter().enumerate() {
        let f = |name: &str| format!("tasks[{i}].{name}");
        let key_error = |field: String| {
            FieldError::new(
                field,
                "external_key",
                "1–200 characters, no leading or trailing spaces, no control characters",
            )
        };
        if !external_key_ok(&t.key) {
            errors.push(key_error(f("key")));
        } else if !seen.insert(t.key.as_str()) {
            errors.push(FieldError::new(
                f("key"),
                "duplicate",
                format!("the key {} appears twice in the batch", t.key),
            ));
        }
        if let Some(title) = &t.title {
            if title.trim().is_empty() {
                errors.push(FieldError::new(f("title"), "required", "must not be blank"));
            } else if title.chars().count() > 300 {
                errors.push(FieldError::new(
                    f("title"),
                    "length",
                    "at most 300 characters",
                ));
            }
        }
        if t.description
            .as_ref()
            .is_some_and(|d| d.chars().count() > 20000)
        {
            errors.push(FieldError::new(
                f("description"),
                "length",
                "at most 20000 characters",
            ));
        }
        for (name, d) in [("start_date", t.start_date), ("due_date", t.due_date)] {
            if let Some(Some(d)) = d {
                let mut e = Vec::new();
                crate::features::projects::check_date_range(&f(name), d, &mut e);
                errors.extend(e);
            }
        }
        if let Some(Some(h)) = t.estimate_hours
            && !(0.0..=10000.0).contains(&h)
        {
            errors.push(FieldError::new(
                f("estimate_hours"),
                "range",
                "must be between 0 and 10000",
            ));
        }
        if let Some(p) = t.progress
            && !(0..=100).contains(&p)
        {
            errors.push(FieldError::new(f("progress"), "range", "must be 0–100"));
        }
        for (name, k) in [("milestone", &t.milestone), ("parent", &t.parent)] {
            if let Some(Some(k)) = k
                && !external_key_ok(k)
            {
                errors.push(key_error(f(name)));
            }
        }
        if let Some(deps) = &t.depends_on {
            if deps.len() > 100 {
                errors.push(FieldError::new(
                    f("depends_on"),
                    "length",
                    "at most 100 predecessors",
                ));
            }
            if deps.iter().any(|d| !external_key_ok(d)) {
                errors.push(key_error(f("depends_on")));
            } else if deps.contains(&t.key) {
                errors.push(FieldError::new(
                    f("depends_on"),
                    "cycle",
                    "a task cannot wait for itself",
                ));
            }
        }
    }
}

/// One item's resolved target state.
struct Planned {
    id: Uuid,
    existing: Option<tasks::Model>,
    title: String,
    parent: Option<Uuid>,
    milestone: Option<Uuid>,
    assignee: Option<Uuid>,
    start: Option<chrono::NaiveDate>,
    due: Option<chrono::NaiveDate>,
}

/// Whether the graph `edges` (task → predecessors) has a cycle through any of `from`;
/// returns the tasks on it, in order.
fn find_cycle(edges: &HashMap<Uuid, Vec<Uuid>>, from: &[Uuid]) -> Option<Vec<Uuid>> {
    // Iterative three-colour depth-first search.
    let mut state: HashMap<Uuid, u8> = HashMap::new(); // 1 = on the stack, 2 = done
    for &root in from {
        if state.contains_key(&root) {
            continue;
        }
        let mut stack: Vec<(Uuid, usize)> = vec![(root, 0)];
        state.insert(root, 1);
        while let Some((node, i)) = stack.pop() {
            let next = edges.get(&node).and_then(|v| v.get(i)).copied();
            match next {
                Some(n) => {
                    stack.push((node, i + 1));
                    match state.get(&n) {
                        Some(1) => {
                            // The stack holds the path from the root; the cycle is its part
                            // from `n` on.
                            let path: Vec<Uuid> = stack.iter().map(|(v, _)| *v).collect();
                            let start = path.iter().position(|v| *v == n).unwrap_or(0);
                            return Some(path[start..].to_vec());
                        }
                        Some(_) => {}
                        None => {
                            state.insert(n, 1);
                            stack.push((n, 0));
                        }
                    }
                }
                None => {
                    state.insert(node, 2);
                }
            }
        }
    }
    None
}

/// I3: create or update up to 1000 tasks by external key, in one transaction — all of them
/// or none. A key the project knows updates its task (only the fields given, and only where
/// they differ: an unchanged item writes nothing); a new key creates a task. Answers each
/// item's id and what happened to it, in request order. `dry_run` answers the same without
/// writing. Bulk changes record activity like single ones but send no assignment
/// notifications (as an importer); live clients get `task.created` / `task.updated`.
#[utoipa::path(post, path = "/api/v1/projects/{id}/tasks/batch", tag = "tasks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    request_body = TaskBatchRequest,
    responses(
        (status = 200, description = "Written (or planned, in a dry run)", body = TaskBatchResponse),
        (status = 403, description = "Viewer, or a progress/assignee change the caller may not make", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Project archived", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn batch_tasks(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Json<TaskBatchRequest>,
) -> ApiResult<HttpResponse> {
    let a = access::project(&state, &auth, path.into_inner(), ProjectAction::EditTasks).await?;
    let body = body.into_inner()?;
    let items = body.tasks;
    let mut errors = Vec::new();
    if items.is_empty() || items.len() > TASK_BATCH_MAX {
        return Err(ApiError::validation(
            "tasks",
            "length",
            format!("between 1 and {TASK_BATCH_MAX} tasks per batch"),
        ));
    }
    check_items(&items, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let me = auth.user.id;
    let pid = a.project.id;
    let _turn = state
        .bulk_writes
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let txn = tandem_db::begin_write(&state.db).await?;
    let project = project_repo::find_project_for_update(&txn, pid).await?;
    a.check_now(&auth, &project, ProjectAction::EditTasks)?;
    let with_deps = items.iter().any(|t| t.depends_on.is_some());
    if with_deps {
        tandem_db::serialize(&txn, tandem_db::Serialized::Dependencies).await?;
    }

    // Every task key the batch names, resolved once.
    let mut named: HashSet<String> = HashSet::new();
    for t in &items {
        named.insert(t.key.clone());
        if let Some(Some(p)) = &t.parent {
            named.insert(p.clone());
        }
        for d in t.depends_on.iter().flatten() {
            named.insert(d.clone());
        }
    }
    let mut by_key = keys::resolve(&txn, ExternalKeyKind::Task, pid, named).await?;
    let ids: Vec<Uuid> = by_key.values().copied().collect();
    let mut existing = repo::tasks_in(&txn, pid, &ids).await?;
    // A key naming a task that is gone is forgotten; its item creates the task anew.
    let stale: Vec<String> = by_key
        .iter()
        .filter(|(_, id)| !existing.contains_key(id))
        .map(|(k, _)| k.clone())
        .collect();
    for k in &stale {
        by_key.remove(k);
    }
    if !stale.is_empty() && !body.dry_run {
        keys::forget(&txn, ExternalKeyKind::Task, pid, stale).await?;
    }
    // A key that is a task's own id names that task when it has no key yet (an export of
    // tasks made in the web app, seeded back): it is adopted rather than copied.
    let by_id: Vec<(String, Uuid)> = items
        .iter()
        .filter(|t| !by_key.contains_key(&t.key))
        .filter_map(|t| Some((t.key.clone(), t.key.parse::<Uuid>().ok()?)))
        .collect();
    let mut adopted: Vec<NewKey> = Vec::new();
    if !by_id.is_empty() {
        let ids: Vec<Uuid> = by_id.iter().map(|(_, id)| *id).collect();
        let found = repo::tasks_in(&txn, pid, &ids).await?;
        let keyed = keys::keyed_among(&txn, ExternalKeyKind::Task, &ids).await?;
        for (key, id) in by_id {
            if let Some(t) = found.get(&id).filter(|_| !keyed.contains(&id)) {
                by_key.insert(key.clone(), id);
                existing.insert(id, t.clone());
                adopted.push(NewKey {
                    kind: ExternalKeyKind::Task,
                    scope: pid,
                    key,
                    object_id: id,
                });
            }
        }
    }
    let milestone_keys: HashSet<String> = items
        .iter()
        .filter_map(|t| t.milestone.clone().flatten())
        .collect();
    let milestones = keys::resolve(&txn, ExternalKeyKind::Milestone, pid, milestone_keys).await?;
    let members: HashSet<Uuid> = project_repo::list_members(&txn, pid)
        .await?
        .into_iter()
        .map(|(m, _)| m.user_id)
        .collect();

    // Ids for new tasks, so references inside the batch resolve.
    for t in &items {
        if !by_key.contains_key(&t.key) {
            by_key.insert(t.key.clone(), Uuid::now_v7());
        }
    }
    let batch_ids: HashSet<Uuid> = items.iter().map(|t| by_key[&t.key]).collect();

    let mut plans = Vec::with_capacity(items.len());
    for (i, t) in items.iter().enumerate() {
        let f = |name: &str| format!("tasks[{i}].{name}");
        let id = by_key[&t.key];
        let ex = existing.get(&id).cloned();
        let title = match (&t.title, &ex) {
            (Some(v), _) => v.trim().to_owned(),
            (None, Some(e)) => e.title.clone(),
            (None, None) => {
                errors.push(FieldError::new(
                    f("title"),
                    "required",
                    format!("a new task needs a title (key {})", t.key),
                ));
                String::new()
            }
        };
        let parent = match &t.parent {
            Some(Some(k)) => match by_key.get(k) {
                Some(p) if *p == id => {
                    errors.push(FieldError::new(
                        f("parent"),
                        "self",
                        "a task cannot be its own parent",
                    ));
                    None
                }
                Some(p) => Some(*p),
                None => {
                    errors.push(FieldError::new(
                        f("parent"),
                        "not_found",
                        format!("no task with key {k} in this project"),
                    ));
                    None
                }
            },
            Some(None) => None,
            None => ex.as_ref().and_then(|e| e.parent_id),
        };
        let milestone = match &t.milestone {
            Some(Some(k)) => match milestones.get(k) {
                Some(m) => Some(*m),
                None => {
                    errors.push(FieldError::new(
                        f("milestone"),
                        "not_found",
                        format!("no milestone with key {k} in this project"),
                    ));
                    None
                }
            },
            Some(None) => None,
            None => ex.as_ref().and_then(|e| e.milestone_id),
        };
        let assignee = match t.assignee_id {
            Some(v) => v,
            None => ex.as_ref().and_then(|e| e.assignee_id),
        };
        if let Some(u) = assignee
            && t.assignee_id.is_some()
            && !members.contains(&u)
        {
            errors.push(FieldError::new(
                f("assignee_id"),
                "not_member",
                "the assignee must be a member of the project",
            ));
        }
        let start = t
            .start_date
            .unwrap_or(ex.as_ref().and_then(|e| e.start_date));
        let due = t.due_date.unwrap_or(ex.as_ref().and_then(|e| e.due_date));
        if let (Some(s), Some(d)) = (start, due)
            && d < s
        {
            errors.push(FieldError::new(
                f("due_date"),
                "before_start",
                "must be on or after start_date",
            ));
        }
        for d in t.depends_on.iter().flatten() {
            if !by_key.contains_key(d) {
                errors.push(FieldError::new(
                    f("depends_on"),
                    "not_found",
                    format!("no task with key {d} in this project"),
                ));
            }
        }
        plans.push(Planned {
            id,
            existing: ex,
            title,
            parent,
            milestone,
            assignee,
            start,
            due,
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }

    // Sub-tasks, one level: a parent stays top-level, a task with sub-tasks gets no parent.
    let final_parent: HashMap<Uuid, Option<Uuid>> =
        plans.iter().map(|p| (p.id, p.parent)).collect();
    let outside_parents: Vec<Uuid> = plans
        .iter()
        .filter_map(|p| p.parent)
        .filter(|p| !batch_ids.contains(p))
        .collect();
    let outside = repo::tasks_in(&txn, pid, &outside_parents).await?;
    let with_parent: Vec<Uuid> = plans
        .iter()
        .filter(|p| p.parent.is_some())
        .map(|p| p.id)
        .collect();
    let mut has_children: HashSet<Uuid> = repo::children_of(&txn, &with_parent)
        .await?
        .into_iter()
        .filter(|(child, parent)| {
            final_parent
                .get(child)
                .is_none_or(|fp| *fp == Some(*parent))
        })
        .map(|(_, parent)| parent)
        .collect();
    has_children.extend(plans.iter().filter_map(|p| p.parent));
    for (i, p) in plans.iter().enumerate() {
        let Some(parent) = p.parent else { continue };
        let parent_is_sub = match final_parent.get(&parent) {
            Some(fp) => fp.is_some(),
            None => outside.get(&parent).is_some_and(|t| t.parent_id.is_some()),
        };
        if parent_is_sub || has_children.contains(&p.id) {
            errors.push(FieldError::new(
                format!("tasks[{i}].parent"),
                "nested_subtask",
                "sub-tasks cannot have sub-tasks of their own",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }

    // Dependencies inside the project: the listed ones replace the current ones.
    let listed: Vec<Uuid> = items
        .iter()
        .filter(|t| t.depends_on.is_some())
        .map(|t| by_key[&t.key])
        .filter(|id| existing.contains_key(id))
        .collect();
    let current = repo::predecessors_in_project(&txn, pid, &listed).await?;
    let mut add = Vec::new();
    let mut adding: HashSet<(Uuid, Uuid)> = HashSet::new();
    let mut remove = Vec::new();
    let mut deps_changed: HashSet<Uuid> = HashSet::new();
    for t in &items {
        let Some(deps) = &t.depends_on else { continue };
        let id = by_key[&t.key];
        let want: HashSet<Uuid> = deps.iter().map(|d| by_key[d]).collect();
        let have: HashSet<Uuid> = current.get(&id).into_iter().flatten().copied().collect();
        for d in deps {
            let d = by_key[d];
            if !have.contains(&d) && adding.insert((id, d)) {
                add.push((id, d));
                deps_changed.insert(id);
            }
        }
        for d in have.difference(&want) {
            remove.push((id, *d));
            deps_changed.insert(id);
        }
    }
    if !add.is_empty() {
        let start: HashSet<Uuid> = add.iter().flat_map(|(t, d)| [*t, *d]).collect();
        let Some(known) = repo::reachable_edges(&txn, start, MAX_CHAIN).await? else {
            return Err(ApiError::validation(
                "tasks",
                "too_deep",
                "the dependency chain is too long to check",
            ));
        };
        let removed: HashSet<(Uuid, Uuid)> = remove.iter().copied().collect();
        let mut graph: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for e in known
            .into_iter()
            .filter(|e| !removed.contains(e))
            .chain(add.iter().copied())
        {
            graph.entry(e.0).or_default().push(e.1);
        }
        let sources: Vec<Uuid> = add.iter().map(|(t, _)| *t).collect();
        if let Some(cycle) = find_cycle(&graph, &sources) {
            let key_of: HashMap<Uuid, &str> =
                by_key.iter().map(|(k, v)| (*v, k.as_str())).collect();
            // Blame the item whose new dependency closes the cycle.
            let on: HashSet<Uuid> = cycle.iter().copied().collect();
            let at = items.iter().position(|t| {
                let id = by_key[&t.key];
                on.contains(&id) && add.iter().any(|(s, d)| *s == id && on.contains(d))
            });
            let names: Vec<&str> = cycle
                .iter()
                .map(|id| {
                    key_of
                        .get(id)
                        .copied()
                        .unwrap_or("(a task this batch does not name)")
                })
                .collect();
            return Err(ApiError::validation(
                &format!("tasks[{}].depends_on", at.unwrap_or(0)),
                "cycle",
                format!("the dependencies would form a cycle: {}", names.join(" → ")),
            ));
        }
    }

    // Rights that depend on the task: reassigning someone's task, reporting progress. A done
    // task is 100 % (as everywhere): a batch cannot set another percent on one.
    for (i, (t, p)) in items.iter().zip(&plans).enumerate() {
        if let (Some(ex), Some(to)) = (&p.existing, t.assignee_id)
            && to != ex.assignee_id
        {
            a.check_now(
                &auth,
                &project,
                ProjectAction::ReassignTask {
                    assigned: ex.assignee_id.is_some(),
                    is_assignee: ex.assignee_id == Some(me),
                },
            )?;
        }
        let done = final_status(t, p) == TaskStatus::Done;
        if done && t.progress.is_some_and(|v| v != 100) {
            errors.push(FieldError::new(
                format!("tasks[{i}].progress"),
                "done_is_complete",
                format!("task {} is done, so its progress is 100", t.key),
            ));
        }
        if progress_write(t, p).is_some() {
            a.check_now(
                &auth,
                &project,
                ProjectAction::PostProgress {
                    is_assignee: p.assignee == Some(me),
                },
            )?;
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }

    // The plan: what each item creates or changes.
    let now = Utc::now();
    let mut results = Vec::with_capacity(items.len());
    let mut new_tasks = Vec::new();
    let mut new_keys = adopted;
    let mut updates = Vec::new();
    let (mut created, mut updated, mut unchanged) = (0u32, 0u32, 0u32);
    for (i, (t, p)) in items.iter().zip(plans).enumerate() {
        let mut changed: Vec<String> = Vec::new();
        let outcome = match &p.existing {
            None => {
                let description = t.description.clone().unwrap_or_default();
                let status = t.status.unwrap_or(TaskStatus::Todo);
                new_tasks.push(BatchTask {
                    id: p.id,
                    project_id: pid,
                    title: p.title.clone(),
                    description_html: markdown::render(&description),
                    description,
                    assignee_id: p.assignee,
                    priority: t.priority.unwrap_or(Priority::Medium),
                    status,
                    start_date: p.start,
                    due_date: p.due,
                    milestone_id: p.milestone,
                    parent_id: p.parent,
                    estimate_hours: t.estimate_hours.flatten(),
                    progress: if status == TaskStatus::Done {
                        100
                    } else {
                        t.progress.unwrap_or(0)
                    },
                });
                new_keys.push(NewKey {
                    kind: ExternalKeyKind::Task,
                    scope: pid,
                    key: t.key.clone(),
                    object_id: p.id,
                });
                created += 1;
                BatchOutcome::Created
            }
            Some(ex) => {
                let c = changes_of(t, ex, &p, &mut changed);
                let progress = progress_write(t, &p);
                if progress.is_some() {
                    changed.push("progress".into());
                }
                if deps_changed.contains(&p.id) {
                    changed.push("depends_on".into());
                }
                if changed.is_empty() {
                    unchanged += 1;
                    BatchOutcome::Unchanged
                } else {
                    updates.push((i, ex.clone(), c, progress));
                    updated += 1;
                    BatchOutcome::Updated
                }
            }
        };
        results.push(TaskBatchResult {
            key: t.key.clone(),
            id: p.id,
            outcome,
            changed,
        });
    }
    if body.dry_run {
        txn.rollback().await?;
        return Ok(HttpResponse::Ok().json(TaskBatchResponse {
            dry_run: true,
            created,
            updated,
            unchanged,
            items: results,
        }));
    }

    // Write: new tasks first (parents before their sub-tasks: a multi-row insert is checked
    // per statement, and rows go in several), so changes may refer to them; then changes,
    // keys, dependencies. Nesting was checked above on the batch's final state.
    new_tasks.sort_by_key(|t| t.parent_id.is_some_and(|p| batch_ids.contains(&p)));
    repo::insert_tasks(&txn, new_tasks, me, now).await?;
    let mut reopened_or_closed = Vec::new();
    for (i, ex, c, progress) in updates {
        let key = &items[i].key;
        let mut row = ex;
        if let Some(mut c) = c {
            if let Some(to) = c.status {
                // Through the lifecycle, each step logged, as a person would have moved it.
                let from = TaskStatus::parse(&row.status).unwrap_or(TaskStatus::Todo);
                let steps = lifecycle_path(from, to);
                for step in steps.iter().take(steps.len().saturating_sub(1)) {
                    let only_status = TaskChanges {
                        status: Some(*step),
                        ..Default::default()
                    };
                    row = task_repo::apply_changes(&txn, row, only_status, me)
                        .await
                        .map_err(|e| item_failed(i, key, e))?;
                }
                c.status = Some(to);
                reopened_or_closed.push(row.id);
            }
            row = task_repo::apply_changes(&txn, row, c, me)
                .await
                .map_err(|e| item_failed(i, key, e))?;
        }
        if let Some(v) = progress {
            task_repo::add_progress(&txn, &row, me, v, String::new())
                .await
                .map_err(|e| item_failed(i, key, e))?;
        }
    }
    keys::insert_many(&txn, new_keys, me)
        .await
        .map_err(crate::features::keys::key_taken)?;
    repo::change_dependencies(&txn, &add, &remove, me, now).await?;
    // What live clients get: the written tasks as they are now, and the tasks waiting for
    // those that were finished or reopened (their blocked flag follows).
    let mut written: Vec<Uuid> = results
        .iter()
        .filter(|r| r.outcome != BatchOutcome::Unchanged)
        .map(|r| r.id)
        .collect();
    let mut successors = Vec::new();
    for id in reopened_or_closed {
        successors.extend(task_repo::successor_rows(&txn, id).await?);
    }
    let batch_written: HashSet<Uuid> = written.iter().copied().collect();
    successors.retain(|r| !batch_written.contains(&r.id));
    written.sort();
    let mut rows = Vec::with_capacity(written.len());
    for chunk in written.chunks(500) {
        rows.extend(task_repo::find_task_rows(&txn, chunk).await?);
    }
    let successors = crate::features::tasks::successor_dtos(&txn, successors).await?;
    let today = today_in(&project.time_zone);
    let created_ids: HashSet<Uuid> = results
        .iter()
        .filter(|r| r.outcome == BatchOutcome::Created)
        .map(|r| r.id)
        .collect();
    let mut out = Outbox::by(&state, auth.user.id);
    for row in &rows {
        let kind = if created_ids.contains(&row.id) {
            WsEventKind::TaskCreated
        } else {
            WsEventKind::TaskUpdated
        };
        out.task(kind, &task_dto(row, today));
    }
    for dto in &successors {
        out.task(WsEventKind::TaskUpdated, dto);
    }
    out.commit(&state, txn).await?;
    Ok(HttpResponse::Ok().json(TaskBatchResponse {
        dry_run: false,
        created,
        updated,
        unchanged,
        items: results,
    }))
}

/// The status an item leaves its task in.
fn final_status(t: &TaskBatchItem, p: &Planned) -> TaskStatus {
    t.status.unwrap_or_else(|| {
        p.existing
            .as_ref()
            .and_then(|e| TaskStatus::parse(&e.status))
            .unwrap_or(TaskStatus::Todo)
    })
}

/// The progress update an item makes on an existing task: its percent when it differs from
/// what the task will have anyway (a status change that passes through done sets 100).
fn progress_write(t: &TaskBatchItem, p: &Planned) -> Option<i32> {
    let ex = p.existing.as_ref()?;
    let from = TaskStatus::parse(&ex.status).unwrap_or(TaskStatus::Todo);
    let through_done = t
        .status
        .is_some_and(|to| lifecycle_path(from, to).contains(&TaskStatus::Done));
    let after = if through_done { 100 } else { ex.progress };
    t.progress.filter(|v| *v != after)
}

/// A write refused for one item (a conflict found while writing), naming it.
fn item_failed(i: usize, key: &str, e: tandem_db::RepoError) -> ApiError {
    match ApiError::from(e) {
        ApiError::Conflict { code, detail, .. } => ApiError::Conflict {
            code,
            detail: format!("task {key}: {detail}"),
            context: Some(serde_json::json!({ "index": i, "key": key })),
        },
        ApiError::PreconditionFailed => ApiError::Conflict {
            code: "changed_meanwhile",
            detail: format!("task {key} changed while the batch was written; send it again"),
            context: Some(serde_json::json!({ "index": i, "key": key })),
        },
        other => other,
    }
}

/// The fields of `t` that differ from `ex`, named into `changed`; `None` when none does.
fn changes_of(
    t: &TaskBatchItem,
    ex: &tasks::Model,
    p: &Planned,
    changed: &mut Vec<String>,
) -> Option<TaskChanges> {
    let mut c = TaskChanges::default();
    let mut note = |name: &str| changed.push(name.to_owned());
    if t.title.is_some() && p.title != ex.title {
        c.title = Some(p.title.clone());
        note("title");
    }
    if let Some(d) = &t.description
        && *d != ex.description
    {
        c.description = Some((d.clone(), markdown::render(d)));
        note("description");
    }
    if t.assignee_id.is_some() && p.assignee != ex.assignee_id {
        c.assignee_id = Some(p.assignee);
        note("assignee_id");
    }
    if let Some(v) = t.priority
        && v.as_str() != ex.priority
    {
        c.priority = Some(v);
        note("priority");
    }
    if let Some(v) = t.status
        && v.as_str() != ex.status
    {
        c.status = Some(v);
        note("status");
    }
    if t.start_date.is_some() && p.start != ex.start_date {
        c.start_date = Some(p.start);
        note("start_date");
    }
    if t.due_date.is_some() && p.due != ex.due_date {
        c.due_date = Some(p.due);
        note("due_date");
    }
    if t.milestone.is_some() && p.milestone != ex.milestone_id {
        c.milestone_id = Some(p.milestone);
        note("milestone");
    }
    if t.parent.is_some() && p.parent != ex.parent_id {
        c.parent_id = Some(p.parent);
        note("parent");
    }
    if let Some(v) = t.estimate_hours
        && v != ex.estimate_hours
    {
        c.estimate_hours = Some(v);
        note("estimate_hours");
    }
    (!changed.is_empty()).then_some(c)
}

/// Cursor of the dependency list: the last edge seen, as two ids.
fn edge_cursor(task: Uuid, dep: Uuid) -> String {
    use base64::Engine;
    let mut b = task.as_bytes().to_vec();
    b.extend_from_slice(dep.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// Filters of the dependency list.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EdgeQuery {
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Opaque cursor from the previous page's `next_cursor`.
    #[param(pattern = r"^[A-Za-z0-9_-]{43}$")]
    pub cursor: Option<String>,
}

/// T8/I3: every dependency of the project's tasks, one page at a time (for exports and
/// Gantt-like views; one task's are at `/tasks/{id}/dependencies`).
#[utoipa::path(get, path = "/api/v1/projects/{id}/dependencies", tag = "tasks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id"), EdgeQuery),
    responses((status = 200, description = "Dependencies", body = Page<DependencyEdgeResponse>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_project_dependencies(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    query: web::Query<EdgeQuery>,
) -> ApiResult<HttpResponse> {
    use base64::Engine;
    let a = access::project(&state, &auth, path.into_inner(), ProjectAction::View).await?;
    let limit = crate::extract::page_limit(query.limit)?;
    let after = match query.cursor.as_deref() {
        None => None,
        Some(c) => {
            let b = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(c)
                .ok()
                .filter(|b| b.len() == 32)
                .ok_or_else(|| {
                    ApiError::validation("cursor", "invalid", "not a cursor from this API")
                })?;
            let t = Uuid::from_slice(&b[..16]).map_err(|_| ApiError::NotFound)?;
            let d = Uuid::from_slice(&b[16..]).map_err(|_| ApiError::NotFound)?;
            Some((t, d))
        }
    };
    let rows = repo::project_edges(&state.db, a.project.id, after, limit).await?;
    // A predecessor in a project the caller may not see is named by its id only, as on
    // `/tasks/{id}/dependencies`: its project stays hidden.
    let others: Vec<Uuid> = rows
        .iter()
        .map(|(_, p)| *p)
        .filter(|p| *p != a.project.id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let roles = project_repo::roles_of(&state.db, auth.user.id, &others).await?;
    let visible = |p: Uuid| {
        p == a.project.id
            || tandem_domain::projects::may_see_project(&auth.actor, roles.get(&p).copied())
    };
    let next_cursor = (rows.len() as u64 == limit)
        .then(|| {
            rows.last()
                .map(|(e, _)| edge_cursor(e.task_id, e.depends_on_id))
        })
        .flatten();
    Ok(HttpResponse::Ok().json(Page {
        items: rows
            .into_iter()
            .map(|(e, p)| DependencyEdgeResponse {
                task_id: e.task_id,
                depends_on_id: e.depends_on_id,
                depends_on_project_id: visible(p).then_some(p),
                created_at: e.created_at,
            })
            .collect::<Vec<_>>(),
        next_cursor,
    }))
}

/// T4/I3: every comment in the project, oldest first, one page at a time (for exports; one
/// task's are at `/tasks/{id}/comments`).
#[utoipa::path(get, path = "/api/v1/projects/{id}/comments", tag = "tasks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id"), PageQuery),
    responses((status = 200, description = "Comments", body = Page<CommentResponse>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_project_comments(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let a = access::project(&state, &auth, path.into_inner(), ProjectAction::View).await?;
    let (rows, next_cursor) =
        comment_repo::list_in_project(&state.db, a.project.id, page.cursor()?, page.limit()?)
            .await?;
    let members = project_repo::list_members(&state.db, a.project.id).await?;
    Ok(HttpResponse::Ok().json(Page {
        items: rows
            .iter()
            .map(|c| crate::features::collaboration::comment_dto_with(c, &members))
            .collect::<Vec<_>>(),
        next_cursor,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_are_found_through_any_start() {
        let [a, b, c, d] = [0u128, 1, 2, 3].map(Uuid::from_u128);
        let mut g: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        g.insert(a, vec![b]);
        g.insert(b, vec![c]);
        assert_eq!(find_cycle(&g, &[a]), None);
        g.insert(c, vec![d, a]);
        assert!(find_cycle(&g, &[a]).is_some());
        assert!(find_cycle(&g, &[d, c]).is_some());
        let mut dag: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        dag.insert(a, vec![b, c]);
        dag.insert(b, vec![d]);
        dag.insert(c, vec![d]);
        assert_eq!(find_cycle(&dag, &[a, b, c, d]), None);
    }

    #[test]
    fn batch_checks_name_the_item() {
        let items = vec![
            TaskBatchItem {
                key: "t1".into(),
                title: Some(" ".into()),
                ..Default::default()
            },
            TaskBatchItem {
                key: "t1".into(),
                progress: Some(101),
                depends_on: Some(vec!["t1".into()]),
                ..Default::default()
            },
        ];
        let mut errors = Vec::new();
        check_items(&items, &mut errors);
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "tasks[0].title",
                "tasks[1].key",
                "tasks[1].progress",
                "tasks[1].depends_on"
            ]
        );
    }
}
