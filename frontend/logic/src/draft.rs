//! The task page's draft: the fields as the user is typing them, what a save sends, and how a
//! colleague's newer copy is merged in without losing what the user typed.

use tandem_dto::{Priority, TaskResponse, UpdateTaskRequest};
use uuid::Uuid;

/// The fields the task page edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Title,
    Description,
    Assignee,
    Priority,
    Start,
    Due,
    Milestone,
    Estimate,
}

pub const FIELDS: [Field; 8] = [
    Field::Title,
    Field::Description,
    Field::Assignee,
    Field::Priority,
    Field::Start,
    Field::Due,
    Field::Milestone,
    Field::Estimate,
];

/// Every field as the text its input holds (empty: none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskDraft {
    pub title: String,
    pub description: String,
    pub assignee: String,
    pub priority: String,
    pub start: String,
    pub due: String,
    pub milestone: String,
    pub estimate: String,
}

impl TaskDraft {
    pub fn of(t: &TaskResponse) -> Self {
        let text = |v: Option<String>| v.unwrap_or_default();
        Self {
            title: t.title.clone(),
            description: t.description.clone(),
            assignee: text(t.assignee_id.map(|a| a.to_string())),
            priority: t.priority.as_str().to_owned(),
            start: text(t.start_date.map(|d| d.to_string())),
            due: text(t.due_date.map(|d| d.to_string())),
            milestone: text(t.milestone_id.map(|m| m.to_string())),
            estimate: text(t.estimate_hours.map(crate::format::hours)),
        }
    }

    pub fn get(&self, f: Field) -> &str {
        match f {
            Field::Title => &self.title,
            Field::Description => &self.description,
            Field::Assignee => &self.assignee,
            Field::Priority => &self.priority,
            Field::Start => &self.start,
            Field::Due => &self.due,
            Field::Milestone => &self.milestone,
            Field::Estimate => &self.estimate,
        }
    }

    pub fn set(&mut self, f: Field, v: String) {
        *match f {
            Field::Title => &mut self.title,
            Field::Description => &mut self.description,
            Field::Assignee => &mut self.assignee,
            Field::Priority => &mut self.priority,
            Field::Start => &mut self.start,
            Field::Due => &mut self.due,
            Field::Milestone => &mut self.milestone,
            Field::Estimate => &mut self.estimate,
        } = v;
    }

    /// The fields that differ from `other`.
    pub fn differs(&self, other: &TaskDraft) -> Vec<Field> {
        FIELDS
            .into_iter()
            .filter(|f| self.get(*f) != other.get(*f))
            .collect()
    }

    /// The PATCH body for what changed since `base` (only that, so the activity log stays
    /// meaningful and a save does not undo a colleague's change to another field), or the
    /// field whose text is not a valid value.
    pub fn request(&self, base: &TaskResponse) -> Result<UpdateTaskRequest, Field> {
        let uuid = |s: &str, f: Field| -> Result<Option<Uuid>, Field> {
            if s.trim().is_empty() {
                Ok(None)
            } else {
                s.trim().parse().map(Some).map_err(|_| f)
            }
        };
        let date = |s: &str, f: Field| -> Result<Option<chrono::NaiveDate>, Field> {
            if s.trim().is_empty() {
                Ok(None)
            } else {
                s.trim().parse().map(Some).map_err(|_| f)
            }
        };
        let title = self.title.trim().to_owned();
        if title.is_empty() {
            return Err(Field::Title);
        }
        let assignee = uuid(&self.assignee, Field::Assignee)?;
        let milestone = uuid(&self.milestone, Field::Milestone)?;
        let start = date(&self.start, Field::Start)?;
        let due = date(&self.due, Field::Due)?;
        let priority = Priority::parse(&self.priority).ok_or(Field::Priority)?;
        let estimate = crate::format::parse_hours(&self.estimate).ok_or(Field::Estimate)?;
        Ok(UpdateTaskRequest {
            title: (title != base.title).then_some(title),
            description: (self.description != base.description).then(|| self.description.clone()),
            assignee_id: (assignee != base.assignee_id).then_some(assignee),
            priority: (priority != base.priority).then_some(priority),
            status: None,
            start_date: (start != base.start_date).then_some(start),
            due_date: (due != base.due_date).then_some(due),
            milestone_id: (milestone != base.milestone_id).then_some(milestone),
            parent_id: None,
            estimate_hours: (estimate != base.estimate_hours).then_some(estimate),
        })
    }
}

/// Whether a PATCH body changes anything.
pub fn is_empty(r: &UpdateTaskRequest) -> bool {
    r.title.is_none()
        && r.description.is_none()
        && r.assignee_id.is_none()
        && r.priority.is_none()
        && r.status.is_none()
        && r.start_date.is_none()
        && r.due_date.is_none()
        && r.milestone_id.is_none()
        && r.parent_id.is_none()
        && r.estimate_hours.is_none()
}

/// A draft merged with a newer copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebased {
    pub draft: TaskDraft,
    /// Fields both the user and the colleague changed, to different values: the draft keeps
    /// the user's text, and the page asks which one wins.
    pub conflicts: Vec<Field>,
}

/// Merges `theirs` (a newer copy) into `mine` (the draft), both descending from `base`: a field
/// the user did not touch follows theirs; a field they did not touch keeps the user's text; a
/// field both changed alike is settled; a field both changed differently is a conflict.
pub fn rebase(base: &TaskDraft, mine: &TaskDraft, theirs: &TaskDraft) -> Rebased {
    let mut draft = mine.clone();
    let mut conflicts = Vec::new();
    for f in FIELDS {
        let (b, m, t) = (base.get(f), mine.get(f), theirs.get(f));
        if m == b {
            draft.set(f, t.to_owned());
        } else if t != b && t != m {
            conflicts.push(f);
        }
    }
    Rebased { draft, conflicts }
}

/// "Take theirs" for the conflicting fields: the draft gets the newer copy's values there.
pub fn take_theirs(mine: &TaskDraft, theirs: &TaskDraft, fields: &[Field]) -> TaskDraft {
    let mut d = mine.clone();
    for f in fields {
        d.set(*f, theirs.get(*f).to_owned());
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task_store::tests::task;

    #[test]
    fn untouched_fields_follow_the_newer_copy_and_typing_is_kept() {
        let base = TaskDraft::of(&task(1));
        let mut mine = base.clone();
        mine.description = "my long text".into();
        let mut theirs = base.clone();
        theirs.title = "their title".into();
        let r = rebase(&base, &mine, &theirs);
        assert!(r.conflicts.is_empty());
        assert_eq!(r.draft.title, "their title");
        assert_eq!(r.draft.description, "my long text");
    }

    #[test]
    fn the_same_field_changed_differently_is_a_conflict_that_keeps_my_text() {
        let base = TaskDraft::of(&task(1));
        let mut mine = base.clone();
        mine.title = "mine".into();
        let mut theirs = base.clone();
        theirs.title = "theirs".into();
        let r = rebase(&base, &mine, &theirs);
        assert_eq!(r.conflicts, vec![Field::Title]);
        assert_eq!(r.draft.title, "mine");
        assert_eq!(take_theirs(&r.draft, &theirs, &r.conflicts).title, "theirs");
    }

    #[test]
    fn the_same_change_on_both_sides_is_no_conflict() {
        let base = TaskDraft::of(&task(1));
        let mut mine = base.clone();
        mine.due = "2026-12-01".into();
        let theirs = mine.clone();
        assert!(rebase(&base, &mine, &theirs).conflicts.is_empty());
    }

    #[test]
    fn a_save_sends_only_what_changed() {
        let base = task(1);
        let mut d = TaskDraft::of(&base);
        d.title = "  New title ".into();
        d.estimate = "2.5".into();
        let r = d.request(&base).expect("a valid draft");
        assert_eq!(r.title.as_deref(), Some("New title"));
        assert_eq!(r.estimate_hours, Some(Some(2.5)));
        assert!(r.description.is_none() && r.priority.is_none() && r.due_date.is_none());
        assert!(is_empty(
            &TaskDraft::of(&base).request(&base).expect("unchanged")
        ));
    }

    #[test]
    fn clearing_a_field_sends_null_and_bad_values_name_their_field() {
        let mut base = task(1);
        base.due_date = chrono::NaiveDate::from_ymd_opt(2026, 1, 2);
        let mut d = TaskDraft::of(&base);
        d.due = String::new();
        assert_eq!(d.request(&base).map(|r| r.due_date), Ok(Some(None)));
        d.estimate = "soon".into();
        assert_eq!(d.request(&base).map(|_| ()), Err(Field::Estimate));
        d.estimate = String::new();
        d.title = "   ".into();
        assert_eq!(d.request(&base).map(|_| ()), Err(Field::Title));
    }
}
