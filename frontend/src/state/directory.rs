//! Departments and people, as lists and pages show them.

use tandem_dto::DepartmentResponse;

/// Departments by id, for showing names next to people.
pub fn department_name(list: &[DepartmentResponse], id: Option<uuid::Uuid>) -> String {
    id.and_then(|id| list.iter().find(|d| d.id == id))
        .map(|d| d.name.clone())
        .unwrap_or_else(|| "—".into())
}
