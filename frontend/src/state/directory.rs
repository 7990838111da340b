//! The directory: departments, read once per signed-in tab and shared by every page that
//! names or offers them (filters, member pickers, people lists). A page that changes
//! departments reads them again through the same resource.

use leptos::prelude::*;
use tandem_dto::DepartmentResponse;

use crate::api::{self, ApiError};

#[derive(Clone, Copy)]
pub struct Directory {
    pub departments: LocalResource<Result<Vec<DepartmentResponse>, ApiError>>,
}

impl Directory {
    pub fn provide() -> Self {
        let d = Self {
            departments: LocalResource::new(|| api::all::<DepartmentResponse>("/departments")),
        };
        provide_context(d);
        d
    }
}

pub fn use_directory() -> Directory {
    expect_context()
}

/// Departments by id, for showing names next to people.
pub fn department_name(list: &[DepartmentResponse], id: Option<uuid::Uuid>) -> String {
    id.and_then(|id| list.iter().find(|d| d.id == id))
        .map(|d| d.name.clone())
        .unwrap_or_else(|| "—".into())
}
