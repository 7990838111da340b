//! Who is signed in.

use leptos::prelude::*;
use tandem_dto::{SystemRole, UserResponse};

use leptos::task::spawn_local;

use crate::api::{self, ApiError, session};

/// Why the user is looking at the login page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    SessionExpired,
    LoggedOut,
}

/// Who is signed in. `ready` turns true once the stored session has been checked, so guards
/// never bounce a signed-in user to the login page during start-up.
#[derive(Clone, Copy)]
pub struct Auth {
    pub user: RwSignal<Option<UserResponse>>,
    pub ready: RwSignal<bool>,
    pub notice: RwSignal<Option<Notice>>,
    /// Start-up could not ask the server who is signed in (network or server error).
    pub boot_error: RwSignal<Option<ApiError>>,
}

impl Auth {
    pub fn is_admin(&self) -> bool {
        self.user
            .with(|u| u.as_ref().is_some_and(|u| u.role == SystemRole::Admin))
    }
}

pub fn use_auth() -> Auth {
    expect_context()
}

/// Provides [`Auth`] and checks the stored session in the background; a session that can no
/// longer be refreshed signs the user out with a notice.
pub fn provide_auth() -> Auth {
    let auth = Auth {
        user: RwSignal::new(None),
        ready: RwSignal::new(false),
        notice: RwSignal::new(None),
        boot_error: RwSignal::new(None),
    };
    provide_context(auth);
    api::on_session_expired(move || {
        if auth.user.get_untracked().is_some() {
            auth.notice.set(Some(Notice::SessionExpired));
        }
        auth.user.set(None);
    });
    spawn_local(async move {
        if session::load().is_some() {
            match api::get::<UserResponse>("/me").await {
                Ok(me) => auth.user.set(Some(me)),
                // The session is over: the login page.
                Err(ApiError::SessionExpired) => {}
                Err(e) if e.status() == Some(401) => {}
                // The server is unreachable or failing: that is not a reason to sign out.
                Err(e) => auth.boot_error.set(Some(e)),
            }
        }
        auth.ready.set(true);
    });

    auth
}
