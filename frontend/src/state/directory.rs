//! The directory: departments and people, read once per signed-in tab and shared by every page
//! that names or offers them (filters, member and assignee pickers, people lists). A page that
//! changes them reads them again through the same resource (`refetch`).

use leptos::prelude::*;
use tandem_dto::{DepartmentResponse, UserResponse, UserStatus};

use crate::api::{self, ApiError};

type People = LocalResource<Result<Vec<UserResponse>, ApiError>>;

#[derive(Clone, Copy)]
pub struct Directory {
    pub departments: LocalResource<Result<Vec<DepartmentResponse>, ApiError>>,
    // Everyone, all pages of GET /users. Created on first use rather than at sign-in: most
    // screens never pick a person, and the list grows with the organisation.
    people: StoredValue<Option<People>>,
    // The shell's owner, so the people resource outlives the page that first asked for it.
    owner: StoredValue<Owner>,
}

impl Directory {
    pub fn provide() -> Self {
        let d = Self {
            departments: LocalResource::new(|| api::all::<DepartmentResponse>("/departments")),
            people: StoredValue::new(None),
            owner: StoredValue::new(Owner::current().unwrap_or_default()),
        };
        provide_context(d);
        d
    }

    /// Everyone the signed-in user may see (administrators also see pending and deactivated
    /// accounts: pickers use [`active_people`]).
    pub fn people(&self) -> People {
        if let Some(r) = self.people.get_value() {
            return r;
        }
        let r = self
            .owner
            .with_value(|o| o.with(|| LocalResource::new(|| api::all::<UserResponse>("/users"))));
        self.people.set_value(Some(r));
        r
    }

    /// Reads the people again (after someone was approved, moved or deactivated). Does nothing
    /// if no page has asked for them yet: the first one to ask reads them fresh.
    pub fn refetch_people(&self) {
        if let Some(r) = self.people.get_value() {
            r.refetch();
        }
    }
}

pub fn use_directory() -> Directory {
    expect_context()
}

/// People who can be given work or membership: active accounts only.
pub fn active_people(list: &[UserResponse]) -> impl Iterator<Item = &UserResponse> {
    list.iter().filter(|u| u.status == UserStatus::Active)
}

/// Departments by id, for showing names next to people.
pub fn department_name(list: &[DepartmentResponse], id: Option<uuid::Uuid>) -> String {
    id.and_then(|id| list.iter().find(|d| d.id == id))
        .map(|d| d.name.clone())
        .unwrap_or_else(|| "—".into())
}
