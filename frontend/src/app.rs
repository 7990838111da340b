//! The router: which page answers which address. Everything else lives in `shell`, `state`
//! and `features`.

use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::path;

use crate::components::{ToastRegion, Toaster};
use crate::features::{admin, auth, me, notifications, people, projects, tasks};
use crate::i18n::I18n;
use crate::shell::{NotFound, Shell};

#[component]
pub fn App() -> impl IntoView {
    let i18n = I18n::init();
    provide_context(i18n);
    provide_context(Toaster::new(i18n));
    crate::state::auth::provide_auth();

    view! {
        <Router>
            <Routes fallback=|| view! { <NotFound /> }>
                <Route path=path!("/login") view=auth::LoginPage />
                <Route path=path!("/register") view=auth::RegisterPage />
                <Route path=path!("/pending") view=auth::PendingPage />
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view=|| view! { <Redirect path="/projects" /> } />
                    <Route path=path!("projects") view=projects::ProjectCenterPage />
                    <Route path=path!("projects/new") view=projects::NewProjectPage />
                    <Route path=path!("projects/:id") view=|| view! { <projects::ProjectPage tasks=tasks::project_tasks /> } />
                    <Route path=path!("tasks/:id") view=tasks::TaskPage />
                    <Route path=path!("my-tasks") view=tasks::MyTasksPage />
                    <Route path=path!("me") view=me::ProfilePage />
                    <Route path=path!("me/quick-replies") view=me::QuickRepliesPage />
                    <Route path=path!("me/tokens") view=me::TokensPage />
                    <Route path=path!("me/security") view=me::SecurityPage />
                    <Route path=path!("me/notifications") view=notifications::NotificationsPage />
                    <Route path=path!("people") view=people::DirectoryPage />
                    <Route path=path!("people/:id") view=people::PersonPage />
                    <Route path=path!("admin/approvals") view=admin::ApprovalsPage />
                    <Route path=path!("admin/departments") view=admin::DepartmentsPage />
                    <Route path=path!("admin/audit") view=admin::AuditPage />
                </ParentRoute>
            </Routes>
        </Router>
        <ToastRegion />
    }
}
