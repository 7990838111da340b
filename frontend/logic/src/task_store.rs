//! The tasks a tab has seen, keyed by id, and how live events change them. One copy per task,
//! so every view of a task (lists, the project page, the task page) shows the same one.
//!
//! Versions decide: a copy or event is taken only when its `version` is newer than the one
//! held, because an event can arrive after a newer read of the same task.

use std::collections::{HashMap, HashSet};

use tandem_dto::{RiskChangedEvent, TaskDeletedEvent, TaskEvent, TaskResponse};
use uuid::Uuid;

/// One task as held: the last copy, and whether its description is current (events do not
/// carry the description, so after one the page that shows it must read the task again).
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    pub task: TaskResponse,
    pub description_current: bool,
    /// Who made the change to this copy, when it was heard live (`None` after a read of an
    /// older or newer version, or for the server's own work): a page names them.
    pub changed_by: Option<Uuid>,
}

/// What an event did to the store, for the views that react to more than the copy itself
/// (a list reloads for a new task; a project's figures are read again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Not about tasks, or not readable.
    Ignored,
    /// Older than, or the same as, the copy held.
    Stale,
    /// A task of `project` appeared.
    Created {
        id: Uuid,
        project: Uuid,
    },
    /// The copy of `id` changed (or was taken for the first time).
    Updated {
        id: Uuid,
        project: Uuid,
    },
    Deleted {
        id: Uuid,
        project: Uuid,
    },
    /// Something hanging off the task changed (a comment, progress, a file): the task's own
    /// fields may follow in a `task.updated`, views of the task's parts refetch.
    Touched {
        task: Uuid,
    },
    /// A risk evaluation of `project` changed tasks' `risk` (held copies updated in place: the
    /// risk is not part of the task's version) or the project's health.
    RiskChanged {
        project: Uuid,
    },
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskStore {
    tasks: HashMap<Uuid, Held>,
    /// Deleted tasks stay known, so a late event or read does not bring them back.
    deleted: HashSet<Uuid>,
}

impl TaskStore {
    pub fn get(&self, id: Uuid) -> Option<&Held> {
        self.tasks.get(&id)
    }

    pub fn task(&self, id: Uuid) -> Option<&TaskResponse> {
        self.tasks.get(&id).map(|h| &h.task)
    }

    pub fn is_deleted(&self, id: Uuid) -> bool {
        self.deleted.contains(&id)
    }

    /// Takes a copy read from the API (it has its description). Returns whether the store
    /// changed: a copy no newer than the one held is dropped, unless it brings the
    /// description the held copy lacks.
    pub fn put(&mut self, task: TaskResponse) -> bool {
        if self.deleted.contains(&task.id) {
            return false;
        }
        let changed_by = match self.tasks.get(&task.id) {
            Some(h) if h.task.version > task.version => return false,
            // Same version, same risk: nothing new. The risk is derived (the server's
            // evaluation changes it without a new version), so a read that brings another one
            // is taken.
            Some(h)
                if h.task.version == task.version
                    && h.description_current
                    && h.task.risk == task.risk =>
            {
                return false;
            }
            // The full copy of the version an event announced: still that person's change.
            Some(h) if h.task.version == task.version => h.changed_by,
            _ => None,
        };
        self.tasks.insert(
            task.id,
            Held {
                task,
                description_current: true,
                changed_by,
            },
        );
        true
    }

    /// Takes the copies of a list page (the list's rows are then read from the store).
    pub fn put_all(&mut self, tasks: impl IntoIterator<Item = TaskResponse>) -> bool {
        let mut changed = false;
        for t in tasks {
            changed |= self.put(t);
        }
        changed
    }

    /// Forgets a task the caller deleted or may no longer see.
    pub fn remove(&mut self, id: Uuid) {
        self.tasks.remove(&id);
        self.deleted.insert(id);
    }

    /// Applies one live event (`kind` and its `data`, as the socket delivers them).
    pub fn apply(&mut self, kind: &str, data: &serde_json::Value, actor: Option<Uuid>) -> Outcome {
        match kind {
            "task.created" | "task.updated" => {
                let Ok(e) = serde_json::from_value::<TaskEvent>(data.clone()) else {
                    return Outcome::Ignored;
                };
                if self.deleted.contains(&e.id) {
                    return Outcome::Stale;
                }
                let (id, project) = (e.id, e.project_id);
                let created = kind == "task.created";
                match self.tasks.get_mut(&id) {
                    Some(h) => {
                        if e.version <= h.task.version {
                            return Outcome::Stale;
                        }
                        apply_event(&mut h.task, &e);
                        h.description_current = false;
                        h.changed_by = actor;
                    }
                    None => {
                        self.tasks.insert(
                            id,
                            Held {
                                task: from_event(e),
                                description_current: false,
                                changed_by: actor,
                            },
                        );
                    }
                }
                if created {
                    Outcome::Created { id, project }
                } else {
                    Outcome::Updated { id, project }
                }
            }
            "task.deleted" => {
                let Ok(e) = serde_json::from_value::<TaskDeletedEvent>(data.clone()) else {
                    return Outcome::Ignored;
                };
                self.remove(e.id);
                Outcome::Deleted {
                    id: e.id,
                    project: e.project_id,
                }
            }
            "risk.changed" => {
                let Ok(e) = serde_json::from_value::<RiskChangedEvent>(data.clone()) else {
                    return Outcome::Ignored;
                };
                for c in e.tasks {
                    if let Some(h) = self.tasks.get_mut(&c.task_id) {
                        h.task.risk = c.risk;
                    }
                }
                Outcome::RiskChanged {
                    project: e.project_id,
                }
            }
            "comment.created" | "progress.created" | "attachment.created" => data
                .get("task_id")
                .and_then(|v| v.as_str())
                .and_then(|s| s.parse().ok())
                .map_or(Outcome::Ignored, |task| Outcome::Touched { task }),
            _ => Outcome::Ignored,
        }
    }

    /// The held tasks of `ids`, in that order, leaving out deleted and unknown ones (a list
    /// keeps the order the server gave and reads the rows from here).
    pub fn rows(&self, ids: &[Uuid]) -> Vec<TaskResponse> {
        ids.iter()
            .filter_map(|id| self.task(*id).cloned())
            .collect()
    }
}

/// Every field a `task.updated` carries, onto a copy (the caller has checked the version).
pub fn apply_event(t: &mut TaskResponse, e: &TaskEvent) {
    t.title = e.title.clone();
    t.assignee_id = e.assignee_id;
    t.priority = e.priority;
    t.status = e.status;
    t.start_date = e.start_date;
    t.due_date = e.due_date;
    t.milestone_id = e.milestone_id;
    t.parent_id = e.parent_id;
    t.estimate_hours = e.estimate_hours;
    t.progress = e.progress;
    t.overdue = e.overdue;
    t.blocked = e.blocked;
    t.subtasks_total = e.subtasks_total;
    t.subtasks_done = e.subtasks_done;
    t.risk = e.risk.clone();
    t.updated_at = e.updated_at;
    t.version = e.version;
    t.board_rank = e.board_rank.clone();
}

/// A task first seen in an event: everything but the description.
fn from_event(e: TaskEvent) -> TaskResponse {
    TaskResponse {
        id: e.id,
        project_id: e.project_id,
        title: e.title,
        description: String::new(),
        description_html: String::new(),
        assignee_id: e.assignee_id,
        priority: e.priority,
        status: e.status,
        start_date: e.start_date,
        due_date: e.due_date,
        milestone_id: e.milestone_id,
        parent_id: e.parent_id,
        estimate_hours: e.estimate_hours,
        progress: e.progress,
        overdue: e.overdue,
        blocked: e.blocked,
        subtasks_total: e.subtasks_total,
        subtasks_done: e.subtasks_done,
        risk: e.risk,
        created_by: e.created_by,
        created_at: e.created_at,
        updated_at: e.updated_at,
        version: e.version,
        board_rank: e.board_rank,
    }
}

/// The `If-Match` value for a copy: the server's ETag is the version in quotes.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use tandem_dto::{Priority, TaskStatus};

    pub(crate) fn task(version: i64) -> TaskResponse {
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        TaskResponse {
            id: Uuid::from_u128(1),
            project_id: Uuid::from_u128(9),
            title: format!("v{version}"),
            description: "about".into(),
            description_html: "<p>about</p>".into(),
            assignee_id: None,
            priority: Priority::Medium,
            status: TaskStatus::Todo,
            start_date: None,
            due_date: None,
            milestone_id: None,
            parent_id: None,
            estimate_hours: None,
            progress: 0,
            overdue: false,
            blocked: false,
            subtasks_total: 0,
            subtasks_done: 0,
            risk: None,
            created_by: Uuid::from_u128(5),
            created_at: at,
            updated_at: at,
            version,
            board_rank: String::new(),
        }
    }

    fn event(version: i64, title: &str) -> serde_json::Value {
        let mut t = task(version);
        t.title = title.into();
        serde_json::to_value(TaskEvent::from(&t)).unwrap_or_default()
    }

    #[test]
    fn a_read_of_the_same_version_with_another_risk_is_taken() {
        let mut s = TaskStore::default();
        assert!(s.put(task(3)));
        assert!(!s.put(task(3)), "nothing new");
        let mut flagged = task(3);
        flagged.risk = Some(tandem_dto::TaskRiskSummary::from_reasons(Vec::new(), None));
        assert!(s.put(flagged.clone()));
        assert_eq!(s.task(flagged.id).map(|t| t.risk.is_some()), Some(true));
        assert!(!s.put(task(2)), "older versions never replace");
    }

    #[test]
    fn a_newer_update_replaces_the_fields_and_marks_the_description_stale() {
        let mut s = TaskStore::default();
        s.put(task(1));
        let out = s.apply("task.updated", &event(2, "renamed"), None);
        assert_eq!(
            out,
            Outcome::Updated {
                id: Uuid::from_u128(1),
                project: Uuid::from_u128(9)
            }
        );
        let held = s.get(Uuid::from_u128(1)).cloned().expect("held");
        assert_eq!(held.task.title, "renamed");
        assert_eq!(held.task.version, 2);
        assert_eq!(held.task.description, "about");
        assert!(!held.description_current);
    }

    #[test]
    fn an_event_older_than_the_copy_held_is_dropped() {
        let mut s = TaskStore::default();
        s.put(task(5));
        assert_eq!(
            s.apply("task.updated", &event(4, "old"), None),
            Outcome::Stale
        );
        assert_eq!(
            s.apply("task.updated", &event(5, "same"), None),
            Outcome::Stale
        );
        assert_eq!(
            s.task(Uuid::from_u128(1)).map(|t| t.title.as_str()),
            Some("v5")
        );
    }

    #[test]
    fn who_made_a_change_heard_live_survives_the_read_of_its_version_only() {
        let tom = Uuid::from_u128(77);
        let mut s = TaskStore::default();
        s.put(task(1));
        s.apply("task.updated", &event(2, "by tom"), Some(tom));
        let by = |s: &TaskStore| s.get(Uuid::from_u128(1)).and_then(|h| h.changed_by);
        assert_eq!(by(&s), Some(tom));
        // The page reads the full copy of that version: still Tom's change.
        assert!(s.put(task(2)));
        assert_eq!(by(&s), Some(tom));
        // A newer copy read from the server: nobody known.
        assert!(s.put(task(3)));
        assert_eq!(by(&s), None);
    }

    #[test]
    fn an_older_read_does_not_replace_a_newer_copy() {
        let mut s = TaskStore::default();
        s.put(task(3));
        assert!(!s.put(task(2)));
        assert_eq!(s.task(Uuid::from_u128(1)).map(|t| t.version), Some(3));
    }

    #[test]
    fn a_read_of_the_same_version_brings_back_the_description() {
        let mut s = TaskStore::default();
        s.put(task(1));
        s.apply("task.updated", &event(2, "x"), None);
        let mut fresh = task(2);
        fresh.description = "new text".into();
        assert!(s.put(fresh));
        let held = s.get(Uuid::from_u128(1)).cloned().expect("held");
        assert!(held.description_current);
        assert_eq!(held.task.description, "new text");
        // Now current: the same version again changes nothing.
        assert!(!s.put(task(2)));
    }

    #[test]
    fn a_created_event_adds_a_task_without_description() {
        let mut s = TaskStore::default();
        let out = s.apply("task.created", &event(1, "new"), None);
        assert!(matches!(out, Outcome::Created { .. }));
        let held = s.get(Uuid::from_u128(1)).cloned().expect("held");
        assert!(!held.description_current);
        assert_eq!(held.task.description, "");
    }

    #[test]
    fn a_deleted_task_stays_gone_even_when_a_late_event_or_read_arrives() {
        let mut s = TaskStore::default();
        s.put(task(1));
        let gone = serde_json::json!({"id": Uuid::from_u128(1), "project_id": Uuid::from_u128(9)});
        assert!(matches!(
            s.apply("task.deleted", &gone, None),
            Outcome::Deleted { .. }
        ));
        assert!(s.task(Uuid::from_u128(1)).is_none());
        assert_eq!(
            s.apply("task.updated", &event(7, "late"), None),
            Outcome::Stale
        );
        assert!(!s.put(task(8)));
        assert!(s.is_deleted(Uuid::from_u128(1)));
    }

    #[test]
    fn comments_progress_and_files_touch_their_task() {
        let mut s = TaskStore::default();
        let data = serde_json::json!({"task_id": Uuid::from_u128(1), "id": Uuid::from_u128(2)});
        assert_eq!(
            s.apply("comment.created", &data, None),
            Outcome::Touched {
                task: Uuid::from_u128(1)
            }
        );
        assert_eq!(s.apply("member.added", &data, None), Outcome::Ignored);
        assert_eq!(
            s.apply("task.updated", &serde_json::json!({"id": 1}), None),
            Outcome::Ignored
        );
    }

    #[test]
    fn rows_keep_the_list_order_and_leave_out_deleted_tasks() {
        let mut s = TaskStore::default();
        let mut a = task(1);
        a.id = Uuid::from_u128(10);
        let mut b = task(1);
        b.id = Uuid::from_u128(11);
        s.put_all([a, b]);
        s.remove(Uuid::from_u128(10));
        let rows = s.rows(&[
            Uuid::from_u128(11),
            Uuid::from_u128(10),
            Uuid::from_u128(12),
        ]);
        assert_eq!(
            rows.iter().map(|t| t.id).collect::<Vec<_>>(),
            vec![Uuid::from_u128(11)]
        );
    }

    #[test]
    fn the_etag_is_the_version_in_quotes() {
        assert_eq!(etag(12), "\"12\"");
    }

    #[test]
    fn a_risk_change_sets_the_held_copies_risk_without_touching_its_version() {
        let mut s = TaskStore::default();
        s.put(task(3));
        let risk = tandem_dto::TaskRiskSummary::from_reasons(
            vec![tandem_dto::RiskReason::Overdue {
                due: chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default(),
                days_late: 3,
            }],
            None,
        );
        let change = |risk: Option<tandem_dto::TaskRiskSummary>| {
            serde_json::json!({ "project_id": Uuid::from_u128(9), "health": "late",
                "tasks": [{ "task_id": Uuid::from_u128(1), "risk": risk },
                          { "task_id": Uuid::from_u128(77), "risk": null }] })
        };
        let out = s.apply("risk.changed", &change(Some(risk.clone())), None);
        assert_eq!(
            out,
            Outcome::RiskChanged {
                project: Uuid::from_u128(9)
            }
        );
        let held = s.task(Uuid::from_u128(1)).cloned().expect("held");
        assert_eq!(held.risk, Some(risk));
        assert_eq!(held.version, 3);
        assert!(
            s.task(Uuid::from_u128(77)).is_none(),
            "an unknown task is not made up"
        );
        s.apply("risk.changed", &change(None), None);
        assert_eq!(
            s.task(Uuid::from_u128(1)).and_then(|t| t.risk.clone()),
            None
        );
    }
}
