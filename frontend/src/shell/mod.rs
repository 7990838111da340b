//! The frame around every page: the route guard, the top bar (navigation, bell, language,
//! user menu), the personal-center tabs, and what shows for unknown addresses.

mod bell;
mod tabs;

pub use tabs::Tabs;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, Outlet};
use leptos_router::hooks::{use_location, use_navigate};

use crate::api;
use crate::components::{Avatar, ErrorBox, Loading};
use crate::i18n::{Lang, use_i18n};
use crate::state::{Notice, use_auth};

use bell::NotificationBell;

/// Every signed-in page: sends visitors without a session to the login page (remembering where
/// they wanted to go) and draws the top bar and navigation.
#[component]
pub fn Shell() -> impl IntoView {
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
            {crate::state::live::provide_live();
                crate::state::tasks::Tasks::provide();
                crate::state::directory::Directory::provide();}
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
    let menu_button: NodeRef<leptos::html::Button> = NodeRef::new();
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
                {nav_item("/dashboard", |t| t.dashboard)}
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
                        // Escape closes the menu and gives the keyboard back to its button.
                        if ev.key() == "Escape" && menu_open.get_untracked() {
                            menu_open.set(false);
                            if let Some(b) = menu_button.get_untracked() {
                                let _ = b.focus();
                            }
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
                        node_ref=menu_button
                        aria-controls="user-menu"
                        aria-expanded=move || menu_open.get().to_string()
                        aria-label=move || i.t().user_menu
                        on:click=move |_| {
                            menu_open.update(|o| *o = !*o);
                            if menu_open.get_untracked() {
                                crate::components::focus_first_in("user-menu");
                            }
                        }
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

/// 简体中文 / English, remembered in the browser — and, for a signed-in user, on the server,
/// where it decides the language of their notification mail.
#[component]
pub fn LangSwitch() -> impl IntoView {
    let i = use_i18n();
    let auth = use_auth();
    Effect::new(move || {
        let want = match i.lang.get() {
            Lang::Zh => tandem_dto::Locale::ZhCn,
            Lang::En => tandem_dto::Locale::En,
        };
        let Some(version) = auth
            .user
            .with(|u| u.as_ref().filter(|u| u.locale != want).map(|u| u.version))
        else {
            return;
        };
        let body = tandem_dto::UpdateMeRequest {
            locale: Some(want),
            ..Default::default()
        };
        spawn_local(async move {
            let tag = format!("\"{version}\"");
            // Quietly: a failure only leaves mail in the previous language.
            if let Ok((me, _)) =
                api::patch::<_, tandem_dto::UserResponse>("/me", &body, Some(&tag)).await
            {
                auth.user.set(Some(me));
            }
        });
    });
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
pub fn NotFound() -> impl IntoView {
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
