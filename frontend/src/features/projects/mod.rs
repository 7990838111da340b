//! 项目中心: the caller's projects with their figures, the new-project form (departments and
//! milestones), and a project's page: tasks, members (picked by department), milestones,
//! settings.

mod center;
mod members;
mod milestones;
mod new_project;
mod page;
mod settings;

pub use center::ProjectCenterPage;
pub use new_project::NewProjectPage;
pub use page::ProjectPage;
