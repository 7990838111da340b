//! 任务中心: task lists (a project's, and "my tasks" across projects) with filters kept in the
//! URL, and the task page: fields, description with preview, progress, comments with
//! @-mentions and quick replies, sub-tasks and the activity log.

mod activity;
mod attachments;
mod comments;
mod dependencies;
mod draft;
mod list;
mod my_tasks;
mod new_task;
mod page;
mod progress;
mod subtasks;

pub use my_tasks::MyTasksPage;
pub use page::TaskPage;

use leptos::prelude::*;
use list::TaskList;
use new_task::NewTaskForm;

use crate::components::ProjectTasks;
use crate::i18n::texts::{Texts, WithTexts, use_texts};
use tandem_web_logic::texts::Tasks as T;

/// The task center's own texts (`frontend/areas/tasks.json`), fetched with its first page
/// so the first screen does not carry them; read with [`use_tt`] under a
/// `<WithTexts area="tasks">`.
#[derive(Clone, Copy)]
pub(crate) struct Tt(Texts);

impl Tt {
    pub fn get(self, k: T) -> String {
        self.0.get(k as usize)
    }

    pub fn untracked(self, k: T) -> String {
        self.0.get_untracked(k as usize)
    }
}

pub(crate) fn use_tt() -> Tt {
    Tt(use_texts())
}

/// A project's tasks on its page: the form for a new one (for editors) above the list.
pub fn project_tasks(p: ProjectTasks) -> AnyView {
    let reload = RwSignal::new(0u32);
    view! {
        <WithTexts area="tasks">
            {p.can_edit.then(|| view! {
                <NewTaskForm project=p.project members=p.members milestones=p.milestones
                    on_created=Callback::new(move |()| reload.update(|v| *v += 1)) />
            })}
            <TaskList project=Some(p.project) names=p.names can_edit=p.can_edit reload=reload
                filter_people=p.filter_people filter_milestones=p.filter_milestones
                filter_departments=p.filter_departments />
        </WithTexts>
    }
    .into_any()
}

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
