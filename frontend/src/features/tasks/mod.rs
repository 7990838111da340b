//! 任务中心: task lists (a project's, and "my tasks" across projects) with filters kept in the
//! URL, and the task page: fields, description with preview, progress, comments with
//! @-mentions and quick replies, sub-tasks and the activity log.

mod activity;
mod attachments;
mod comments;
mod dependencies;
mod list;
mod my_tasks;
mod new_task;
mod page;
mod progress;
mod subtasks;

pub use list::TaskList;
pub use my_tasks::MyTasksPage;
pub use new_task::NewTaskForm;
pub use page::TaskPage;

use tandem_dto::{Priority, TaskStatus};

pub const STATUSES: [TaskStatus; 5] = [
    TaskStatus::Todo,
    TaskStatus::InProgress,
    TaskStatus::InReview,
    TaskStatus::Done,
    TaskStatus::Archived,
];
pub const PRIORITIES: [Priority; 3] = [Priority::High, Priority::Medium, Priority::Low];

fn status_class(s: TaskStatus) -> &'static str {
    match s {
        TaskStatus::Todo => "badge",
        TaskStatus::InProgress => "badge badge-accent",
        TaskStatus::InReview => "badge badge-warn",
        TaskStatus::Done | TaskStatus::Archived => "badge badge-ok",
    }
}

fn priority_class(p: Priority) -> &'static str {
    match p {
        Priority::High => "badge badge-danger",
        Priority::Medium => "badge",
        Priority::Low => "badge badge-muted",
    }
}
