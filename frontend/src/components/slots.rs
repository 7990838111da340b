//! Places where one feature shows another's view without depending on it: the page holds a
//! slot, the router (`app.rs`) plugs the other feature's view into it.

use std::collections::HashMap;

use leptos::prelude::*;
use tandem_dto::{MemberResponse, MilestoneResponse};
use uuid::Uuid;

/// What a project page hands to the task list it shows (the tasks feature draws it).
#[derive(Clone, Copy)]
pub struct ProjectTasks {
    pub project: Uuid,
    pub members: Signal<Vec<MemberResponse>>,
    pub milestones: Signal<Vec<MilestoneResponse>>,
    /// Names of the project's people by id.
    pub names: Signal<HashMap<Uuid, String>>,
    pub can_edit: bool,
    /// Choices for the list's filters.
    pub filter_people: Signal<Vec<(Uuid, String)>>,
    pub filter_milestones: Signal<Vec<(Uuid, String)>>,
    pub filter_departments: Signal<Vec<(Uuid, String)>>,
}

/// The view for a project's tasks.
pub type ProjectTasksView = fn(ProjectTasks) -> AnyView;
