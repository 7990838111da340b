//! The router: which page answers which address. Everything else lives in `shell`, `state`
//! and `features`.
//!
//! Every page except the project center (a signed-in person's start page) is a lazy route: its
//! code is split out of the main wasm by scripts/build-web.sh (wasm-split) and fetched the first
//! time the page is opened, so the first screen downloads the shell and the page it shows, not
//! every area. The project center stays in the main module: split out, it cost that screen
//! 49 KiB in 43 small chunks against 24 KiB inside. Signing in is split out (with the form
//! fields only it and other pages use): 17 KiB less for the start page, which people load
//! far more often than the sign-in screen.

use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{Lazy, LazyRoute, lazy_route, path};

use crate::components::{ConfirmRegion, Confirmer, ToastRegion, Toaster};
use crate::features::{
    admin, auth, boards, docs, files, me, notifications, people, projects, tasks,
};
use crate::i18n::I18n;
use crate::shell::{NotFound, Shell};

#[component]
pub fn App() -> impl IntoView {
    let i18n = I18n::init();
    provide_context(i18n);
    provide_context(Toaster::new(i18n));
    provide_context(Confirmer::new());
    crate::state::auth::provide_auth();
    // True while the next page's code (and its route data) is on its way.
    let (routing, set_routing) = signal(false);

    view! {
        <div class="route-progress" class:active=routing aria-hidden="true"></div>
        <Router set_is_routing=set_routing>
            <Routes fallback=|| view! { <NotFound /> }>
                <Route path=path!("/login") view={Lazy::<Login>::new()} />
                <Route path=path!("/register") view={Lazy::<Register>::new()} />
                <Route path=path!("/pending") view={Lazy::<Pending>::new()} />
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view=|| view! { <Redirect path="/projects" /> } />
                    <Route path=path!("projects") view=projects::ProjectCenterPage />
                    <Route path=path!("projects/new") view={Lazy::<NewProject>::new()} />
                    <Route path=path!("projects/:id") view={Lazy::<Project>::new()} />
                    <Route path=path!("projects/:id/board") view={Lazy::<ProjectBoard>::new()} />
                    <Route path=path!("projects/:id/gantt") view={Lazy::<ProjectGantt>::new()} />
                    <Route path=path!("projects/:id/files") view={Lazy::<ProjectFiles>::new()} />
                    <Route path=path!("my-board") view={Lazy::<MyBoard>::new()} />
                    <Route path=path!("dashboard") view={Lazy::<Dashboard>::new()} />
                    <Route path=path!("tasks/:id") view={Lazy::<Task>::new()} />
                    // Two segments, like `tasks/:id`: a route of a new shape costs the first
                    // screen the router's code for that shape (README, "Web app size").
                    <Route path=path!("docs/:id") view={Lazy::<Doc>::new()} />
                    <Route path=path!("my-tasks") view={Lazy::<MyTasks>::new()} />
                    <Route path=path!("me") view={Lazy::<Profile>::new()} />
                    <Route path=path!("me/quick-replies") view={Lazy::<QuickReplies>::new()} />
                    <Route path=path!("me/tokens") view={Lazy::<Tokens>::new()} />
                    <Route path=path!("me/security") view={Lazy::<Security>::new()} />
                    <Route path=path!("me/notifications") view={Lazy::<Notifications>::new()} />
                    <Route path=path!("people") view={Lazy::<Directory>::new()} />
                    <Route path=path!("people/:id") view={Lazy::<Person>::new()} />
                    <Route path=path!("admin/approvals") view={Lazy::<Approvals>::new()} />
                    <Route path=path!("admin/departments") view={Lazy::<Departments>::new()} />
                    <Route path=path!("admin/audit") view={Lazy::<Audit>::new()} />
                </ParentRoute>
            </Routes>
        </Router>
        <ToastRegion />
        <ConfirmRegion />
    }
}

/// A page whose code is loaded on first visit. Pages read their parameters themselves
/// (`use_params_map`), so the route carries no data of its own.
macro_rules! lazy_page {
    ($($route:ident => $page:expr;)*) => {$(
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                $page.into_any()
            }
        }
    )*};
}

lazy_page! {
    Login => view! { <auth::LoginPage /> };
    Register => view! { <auth::RegisterPage /> };
    Pending => view! { <auth::PendingPage /> };
    NewProject => view! { <projects::NewProjectPage /> };
    Project => view! { <projects::ProjectPage tasks=tasks::project_tasks /> };
    Task => view! { <tasks::TaskPage /> };
    MyTasks => view! { <tasks::MyTasksPage /> };
    ProjectBoard => view! { <boards::ProjectBoardPage /> };
    ProjectGantt => view! { <boards::ProjectGanttPage /> };
    ProjectFiles => view! { <files::LibraryPage /> };
    Doc => view! { <docs::DocPage /> };
    MyBoard => view! { <boards::MyBoardPage /> };
    Dashboard => view! { <boards::DashboardPage /> };
    Profile => view! { <me::ProfilePage /> };
    QuickReplies => view! { <me::QuickRepliesPage /> };
    Tokens => view! { <me::TokensPage /> };
    Security => view! { <me::SecurityPage /> };
    Notifications => view! { <notifications::NotificationsPage /> };
    Directory => view! { <people::DirectoryPage /> };
    Person => view! { <people::PersonPage /> };
    Approvals => view! { <admin::ApprovalsPage /> };
    Departments => view! { <admin::DepartmentsPage /> };
    Audit => view! { <admin::AuditPage /> };
}
