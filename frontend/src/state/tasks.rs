//! Tasks the tab has seen.

use tandem_dto::{TaskEvent, TaskResponse};

/// A live `task.updated` applied to a task held in a list: every field the event carries,
/// when it is newer than the copy (events can arrive after a newer read). The description
/// is not in events and lists do not show it.
pub(crate) fn apply_event(t: &mut TaskResponse, e: &TaskEvent) {
    if e.version <= t.version {
        return;
    }
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
    t.updated_at = e.updated_at;
    t.version = e.version;
}
