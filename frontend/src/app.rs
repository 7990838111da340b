//! The application: session bootstrap, routes, and the shell (top bar, navigation, language
//! switch, user menu) around every signed-in page.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, Outlet, ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::path;
use tandem_dto::{SystemRole, UserResponse};

use crate::api::{self, ApiError, session};
use crate::components::{Avatar, ErrorBox, Loading, ToastRegion, Toaster};
use crate::i18n::{I18n, Lang, use_i18n};
use crate::pages::{admin, login, notifications, people, profile, projects, tasks};

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

#[component]
pub fn App() -> impl IntoView {
    let i18n = I18n::init();
    provide_context(i18n);
    provide_context(Toaster::new(i18n));
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

    view! {
        <Router>
            <Routes fallback=|| view! { <NotFound /> }>
                <Route path=path!("/login") view=login::LoginPage />
                <Route path=path!("/register") view=login::RegisterPage />
                <Route path=path!("/pending") view=login::PendingPage />
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view=|| view! { <Redirect path="/projects" /> } />
                    <Route path=path!("projects") view=projects::ProjectCenterPage />
                    <Route path=path!("projects/new") view=projects::NewProjectPage />
                    <Route path=path!("projects/:id") view=projects::ProjectPage />
                    <Route path=path!("tasks/:id") view=tasks::TaskPage />
                    <Route path=path!("my-tasks") view=tasks::MyTasksPage />
                    <Route path=path!("me") view=profile::ProfilePage />
                    <Route path=path!("me/quick-replies") view=profile::QuickRepliesPage />
                    <Route path=path!("me/tokens") view=profile::TokensPage />
                    <Route path=path!("me/security") view=profile::SecurityPage />
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

/// Every signed-in page: sends visitors without a session to the login page (remembering where
/// they wanted to go) and draws the top bar and navigation.
#[component]
fn Shell() -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    let location = use_location();
    Effect::new(move || {
        if auth.ready.get()
            && auth.user.with(Option::is_none)
            && auth.boot_error.with(Option::is_none)
        {
            let here = format!(
                "{}{}",
                location.pathname.get_untracked(),
                location.search.get_untracked()
            );
            navigate(
                &format!("/login?next={}", api::enc(&here)),
                leptos_router::NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });
    let reload = Callback::new(|()| {
        if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    });
    view! {
        <Show
            when=move || auth.ready.get() && auth.user.with(Option::is_some)
            fallback=move || match auth.boot_error.get() {
                Some(e) => view! { <div class="page-center"><ErrorBox error=e retry=reload /></div> }.into_any(),
                None => view! { <div class="page-center"><Loading /></div> }.into_any(),
            }
        >
            // Handled here rather than by the router, which would treat `#main` as a navigation.
            <a class="skip-link" href="#main" on:click=|ev| {
                ev.prevent_default();
                if let Some(main) = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.get_element_by_id("main"))
                    .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
                {
                    let _ = main.focus();
                }
            }>{move || use_i18n().t().skip_to_content}</a>
            {crate::live::provide_live()}
            <TopBar />
            <main id="main" class="main" tabindex="-1">
                <Outlet />
            </main>
        </Show>
    }
}

#[component]
fn TopBar() -> impl IntoView {
    let i = use_i18n();
    let auth = use_auth();
    let menu_open = RwSignal::new(false);
    let navigate = use_navigate();
    let logout = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            api::logout().await;
            auth.notice.set(Some(Notice::LoggedOut));
            auth.user.set(None);
            navigate("/login", Default::default());
        });
    };
    let nav_item = move |href: &'static str,
                         label: fn(&'static crate::i18n::Tr) -> &'static str| {
        view! { <A href=href attr:class="nav-link">{move || label(i.t())}</A> }
    };
    view! {
        <header class="topbar">
            <a class="brand" href="/projects">
                <span class="brand-mark" aria-hidden="true">"T"</span>
                <span class="brand-name">{move || i.t().app_name}</span>
            </a>
            <nav class="nav" aria-label=move || i.t().nav_main>
                {nav_item("/projects", |t| t.nav_projects)}
                {nav_item("/my-tasks", |t| t.nav_my_tasks)}
                {nav_item("/people", |t| t.nav_directory)}
                <Show when=move || auth.is_admin()>
                    {nav_item("/admin/approvals", |t| t.nav_approvals)}
                    {nav_item("/admin/departments", |t| t.nav_departments)}
                    {nav_item("/admin/audit", |t| t.nav_audit)}
                </Show>
            </nav>
            <div class="topbar-right">
                <NotificationBell />
                <LangSwitch />
                <div
                    class="menu"
                    on:keydown=move |ev| {
                        if ev.key() == "Escape" {
                            menu_open.set(false);
                        }
                    }
                    on:focusout=move |ev: leptos::ev::FocusEvent| {
                        // Close when focus leaves the menu (Tab past its last item, a click elsewhere).
                        let inside = ev
                            .related_target()
                            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Node>(t).ok())
                            .zip(ev.current_target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Node>(t).ok()))
                            .is_some_and(|(to, menu)| menu.contains(Some(&to)));
                        if !inside {
                            menu_open.set(false);
                        }
                    }
                >
                    <button
                        class="menu-button"
                        aria-controls="user-menu"
                        aria-expanded=move || menu_open.get().to_string()
                        aria-label=move || i.t().user_menu
                        on:click=move |_| menu_open.update(|o| *o = !*o)
                    >
                        {move || {
                            auth.user
                                .get()
                                .map(|u| {
                                    view! {
                                        <Avatar
                                            user_id=u.id
                                            name=u.name.clone()
                                            has_avatar=u.has_avatar
                                            version=u.updated_at.to_rfc3339()
                                        />
                                        <span class="menu-name">{u.name}</span>
                                    }
                                })
                        }}
                    </button>
                    <Show when=move || menu_open.get()>
                        <div class="menu-list" id="user-menu" on:click=move |_| menu_open.set(false)>
                            <A href="/me" attr:class="menu-item">{move || i.t().nav_personal_center}</A>
                            <A href="/me/tokens" attr:class="menu-item">{move || i.t().tokens_title}</A>
                            <button class="menu-item" on:click=logout.clone()>{move || i.t().logout}</button>
                        </div>
                    </Show>
                </div>
            </div>
        </header>
    }
}

/// 简体中文 / English, remembered in the browser.
#[component]
pub fn LangSwitch() -> impl IntoView {
    let i = use_i18n();
    view! {
        <label class="lang">
            <span class="sr-only">{move || i.t().language}</span>
            <select
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    i.set(if v == "en" { Lang::En } else { Lang::Zh });
                }
                prop:value=move || i.lang.get().tag()
            >
                <option value="zh-CN">"简体中文"</option>
                <option value="en">"English"</option>
            </select>
        </label>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="page-center">
            <div class="card narrow">
                <h1>{move || i.t().not_found_title}</h1>
                <p class="muted">{move || i.t().not_found_text}</p>
                <a class="btn primary" href="/">{move || i.t().go_home}</a>
            </div>
        </div>
    }
}

/// Wraps administrator pages: other users see an explanation instead (the API refuses them too).
#[component]
pub fn AdminOnly(children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    let i = use_i18n();
    view! {
        <Show
            when=move || auth.is_admin()
            fallback=move || view! { <div class="card"><p>{move || i.t().err_forbidden}</p></div> }
        >
            {children()}
        </Show>
    }
}

/// Sets the browser tab's title.
pub fn set_title(title: &str) {
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        doc.set_title(&format!("{title} · Tandem"));
    }
}

/// Unread notifications (mentions, approvals) with a count in the top bar.
#[component]
fn NotificationBell() -> impl IntoView {
    use tandem_dto::{
        MarkNotificationsReadRequest, NotificationResponse, Page, UnreadCountResponse,
    };
    let i = use_i18n();
    let open = RwSignal::new(false);
    let tick = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        tick.track();
        api::get::<Page<NotificationResponse>>("/me/notifications?limit=20")
    });
    // The true count, not that of the newest twenty.
    let count = LocalResource::new(move || {
        tick.track();
        api::get::<UnreadCountResponse>("/me/notifications/unread-count")
    });
    // Live: a new notification or a gap refetches at once; the minute poll stays as the
    // fallback for when the socket is down.
    if let Some(live) = crate::live::use_live() {
        Effect::watch(
            move || {
                // New ones, and ones read in another tab.
                let fresh = live.event.with(|e| {
                    e.as_ref().is_some_and(|e| {
                        e.kind == "notification.created" || e.kind == "notification.read"
                    })
                });
                (fresh, live.gap.get())
            },
            move |now, before, _| {
                if now.0 || before.is_some_and(|b| b.1 != now.1) {
                    tick.try_update(|t| *t += 1);
                }
            },
            false,
        );
    }
    if let Ok(handle) = set_interval_with_handle(
        move || {
            tick.try_update(|t| *t += 1);
        },
        std::time::Duration::from_secs(60),
    ) {
        on_cleanup(move || handle.clear());
    }
    let unread = Signal::derive(move || {
        count
            .get()
            .and_then(Result::ok)
            .map(|c| c.count)
            .unwrap_or(0)
    });
    let navigate = use_navigate();
    let mark = move |ids: Option<Vec<uuid::Uuid>>| {
        spawn_local(async move {
            let _ = api::post_action_with::<_>(
                "/me/notifications/read",
                &MarkNotificationsReadRequest { ids },
            )
            .await;
            tick.update(|t| *t += 1);
        });
    };
    view! {
        <div class="menu" on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }>
            <button class="menu-button bell" aria-controls="notifications" aria-expanded=move || open.get().to_string()
                aria-label=move || format!("{} ({})", i.t().notifications, unread.get())
                on:click=move |_| { open.update(|o| *o = !*o); tick.update(|t| *t += 1); }>
                <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                    <path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6v-5a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1z" />
                </svg>
                <Show when=move || { unread.get() > 0 }>
                    <span class="count" aria-hidden="true">{move || unread.get()}</span>
                </Show>
            </button>
            <Show when=move || open.get()>
                <div class="menu-list notifications" id="notifications">
                    <div class="menu-head">
                        <strong>{move || i.t().notifications}</strong>
                        <button class="btn small" on:click=move |_| mark(None)>{move || i.t().mark_all_read}</button>
                    </div>
                    <a class="menu-item view-all" href="/me/notifications" on:click=move |_| open.set(false)>{move || i.t().notif_view_all}</a>
                    {
                        let navigate = navigate.clone();
                        move || {
                        let items = list.get().and_then(Result::ok).map(|p| p.items).unwrap_or_default();
                        if items.is_empty() {
                            return view! { <p class="muted small pad">{move || i.t().notifications_empty}</p> }.into_any();
                        }
                        let navigate = navigate.clone();
                        items.into_iter().map(move |n| {
                            let target = crate::components::notification_link(&n);
                            let nid = n.id;
                            let unread = n.read_at.is_none();
                            let at = n.created_at;
                            let navigate = navigate.clone();
                            let shown = n.clone();
                            let text = move || i.notification(&shown);
                            let text2 = text.clone();
                            view! {
                                <button class="menu-item notification" class:unread=unread on:click=move |_| {
                                    mark(Some(vec![nid]));
                                    open.set(false);
                                    if let Some(t) = &target { navigate(t, Default::default()); }
                                }>
                                    <span class="item-title">{move || text().0}</span>
                                    <span class="muted small">{move || text2().1}</span>
                                    <span class="muted small">{move || crate::components::fmt_time(&at, i.lang.get())}</span>
                                </button>
                            }
                        }).collect_view().into_any()
                    }}
                </div>
            </Show>
        </div>
    }
}
