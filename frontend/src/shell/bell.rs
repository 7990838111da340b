//! The bell in the top bar: unread notifications with a count.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use crate::api;
use crate::components::{ErrorBox, Loading};
use crate::i18n::use_i18n;

/// Unread notifications (mentions, approvals) with a count in the top bar.
#[component]
pub(crate) fn NotificationBell() -> impl IntoView {
    use tandem_dto::{
        MarkNotificationsReadRequest, NotificationResponse, Page, UnreadCountResponse,
    };
    let i = use_i18n();
    let open = RwSignal::new(false);
    let bell_button: NodeRef<leptos::html::Button> = NodeRef::new();
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
    if let Some(live) = crate::state::live::use_live() {
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
        <div class="menu" on:keydown=move |ev| {
            // Escape closes the list and gives the keyboard back to the bell.
            if ev.key() == "Escape" && open.get_untracked() {
                open.set(false);
                if let Some(b) = bell_button.get_untracked() {
                    let _ = b.focus();
                }
            }
        }>
            <button class="menu-button bell" aria-controls="notifications" aria-expanded=move || open.get().to_string()
                aria-label=move || format!("{} ({})", i.t().notifications, unread.get())
                node_ref=bell_button
                on:click=move |_| {
                    open.update(|o| *o = !*o);
                    tick.update(|t| *t += 1);
                    if open.get_untracked() {
                        crate::components::focus_first_in("notifications");
                    }
                }>
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
                        let items = match list.get() {
                            None => return view! { <Loading /> }.into_any(),
                            // A failed read says so, with a retry: not "no notifications".
                            Some(Err(e)) => return view! { <ErrorBox error=e retry=Callback::new(move |()| tick.update(|t| *t += 1)) /> }.into_any(),
                            Some(Ok(p)) => p.items,
                        };
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
