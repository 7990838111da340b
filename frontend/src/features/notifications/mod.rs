//! 个人中心 · 通知: every notification (filtered by kind, unread only), and which kinds to get
//! in the app and by e-mail.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use tandem_dto::{
    MarkNotificationsReadRequest, NotificationResponse, NotificationSetting,
    NotificationSettingsResponse, Page, UpdateNotificationSettingsRequest,
};

use crate::api;
use crate::components::{Empty, ErrorBox, Loading, fmt_time, notification_link, use_toaster};
use crate::i18n::use_i18n;
use crate::shell::Tabs;
use crate::shell::set_title;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let i = use_i18n();
    Effect::new(move || set_title(i.t().notifications));
    let kind = RwSignal::new(String::new());
    let unread_only = RwSignal::new(false);
    let tick = RwSignal::new(0u32);
    // Pages loaded so far (newest first) and where the next one starts.
    let items = RwSignal::new(Vec::<NotificationResponse>::new());
    let next = RwSignal::new(None::<String>);
    let query = move |cursor: Option<String>| {
        let mut q = format!(
            "/me/notifications?limit=50&unread={}",
            unread_only.get_untracked()
        );
        let k = kind.get_untracked();
        if !k.is_empty() {
            q.push_str(&format!("&kind={}", api::enc(&k)));
        }
        if let Some(c) = cursor {
            q.push_str(&format!("&cursor={}", api::enc(&c)));
        }
        q
    };
    let first = LocalResource::new(move || {
        tick.track();
        kind.track();
        unread_only.track();
        let q = query(None);
        async move { api::get::<Page<NotificationResponse>>(&q).await }
    });
    Effect::new(move || {
        if let Some(Ok(p)) = first.get() {
            items.set(p.items);
            next.set(p.next_cursor);
        }
    });
    // New ones and ones read elsewhere show without a reload.
    if let Some(live) = crate::state::live::use_live() {
        Effect::watch(
            move || {
                live.event.with(|e| {
                    e.as_ref().is_some_and(|e| {
                        e.kind == "notification.created" || e.kind == "notification.read"
                    })
                })
            },
            move |now, _, _| {
                if *now {
                    tick.try_update(|t| *t += 1);
                }
            },
            false,
        );
    }
    let more = move |_| {
        let q = query(next.get_untracked());
        spawn_local(async move {
            if let Ok(p) = api::get::<Page<NotificationResponse>>(&q).await {
                items.update(|v| v.extend(p.items));
                next.set(p.next_cursor);
            }
        });
    };
    let mark = move |ids: Option<Vec<uuid::Uuid>>| {
        spawn_local(async move {
            let _ = api::post_action_with(
                "/me/notifications/read",
                &MarkNotificationsReadRequest { ids },
            )
            .await;
            tick.update(|t| *t += 1);
        });
    };
    let navigate = use_navigate();
    view! {
        <Tabs />
        <div class="grid-2">
            <section class="card">
                <div class="toolbar">
                    <label class="field inline">
                        <span class="sr-only">{move || i.t().notif_kind}</span>
                        <select id="notification-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                            <option value="">{move || i.t().notif_kind_all}</option>
                            {tandem_dto::NOTIFICATION_KINDS.iter().map(|k| {
                                let k = *k;
                                view! { <option value=k>{move || i.notification_kind(k)}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                    <label class="check">
                        <input type="checkbox" id="notification-unread" on:change=move |ev| unread_only.set(event_target_checked(&ev)) />
                        {move || i.t().notif_unread_only}
                    </label>
                    <button class="btn small" on:click=move |_| mark(None)>{move || i.t().mark_all_read}</button>
                </div>
                {move || match first.get() {
                    None => view! { <Loading /> }.into_any(),
                    Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| tick.update(|t| *t += 1)) /> }.into_any(),
                    Some(Ok(_)) if items.with(Vec::is_empty) => view! {
                        <Empty title=|t| t.notifications_empty text=|t| t.notif_empty_hint />
                    }.into_any(),
                    Some(Ok(_)) => {
                        let navigate = navigate.clone();
                        view! {
                            <ul class="list notification-list">
                                {move || items.get().into_iter().map(|n| {
                                    let navigate = navigate.clone();
                                    let target = notification_link(&n);
                                    let id = n.id;
                                    let unread = n.read_at.is_none();
                                    let at = n.created_at;
                                    let shown = n.clone();
                                    let text = move || i.notification(&shown);
                                    let text2 = text.clone();
                                    view! {
                                        <li>
                                            <button class="list-item notification" class:unread=unread on:click=move |_| {
                                                if unread { mark(Some(vec![id])); }
                                                if let Some(t) = &target { navigate(t, Default::default()); }
                                            }>
                                                <span class="item-title">{move || text().0}</span>
                                                <span class="muted small">{move || text2().1}</span>
                                                <span class="muted small">{move || fmt_time(&at, i.lang.get())}</span>
                                            </button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                            <Show when=move || next.with(Option::is_some)>
                                <button class="btn" on:click=more>{move || i.t().load_more}</button>
                            </Show>
                        }.into_any()
                    }
                }}
            </section>
            <Settings />
        </div>
    }
}

/// Which kinds to get, in the app and by e-mail; each switch saves at once.
#[component]
pub(crate) fn Settings() -> impl IntoView {
    let i = use_i18n();
    let toaster = use_toaster();
    let settings = LocalResource::new(|| {
        api::get::<NotificationSettingsResponse>("/me/notification-settings")
    });
    let save = move |s: NotificationSetting| {
        spawn_local(async move {
            let req = UpdateNotificationSettingsRequest { items: vec![s] };
            match api::put::<_, NotificationSettingsResponse>("/me/notification-settings", &req)
                .await
            {
                Ok(_) => toaster.success(i.t_untracked().saved),
                Err(e) => toaster.error(&e),
            }
        });
    };
    view! {
        <section class="card">
            <h2>{move || i.t().notif_settings}</h2>
            {move || match settings.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| settings.refetch()) /> }.into_any(),
                Some(Ok(s)) => view! {
                    <table class="settings">
                        <thead>
                            <tr>
                                <th scope="col">{move || i.t().notif_kind}</th>
                                <th scope="col">{move || i.t().notif_in_app}</th>
                                <th scope="col">{move || i.t().notif_email}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {s.items.into_iter().map(|s| {
                                let kind = s.kind.clone();
                                let in_app = RwSignal::new(s.in_app);
                                let email = RwSignal::new(s.email);
                                let k1 = kind.clone();
                                let k2 = kind.clone();
                                let label = kind.clone();
                                view! {
                                    <tr>
                                        <th scope="row">{move || i.notification_kind(&label)}</th>
                                        <td><input type="checkbox" data-kind=kind.clone() class="in-app" prop:checked=move || in_app.get()
                                            on:change=move |ev| {
                                                in_app.set(event_target_checked(&ev));
                                                save(NotificationSetting { kind: k1.clone(), in_app: in_app.get_untracked(), email: email.get_untracked() });
                                            } /></td>
                                        <td><input type="checkbox" class="email" prop:checked=move || email.get()
                                            on:change=move |ev| {
                                                email.set(event_target_checked(&ev));
                                                save(NotificationSetting { kind: k2.clone(), in_app: in_app.get_untracked(), email: email.get_untracked() });
                                            } /></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    <p class="muted small">{move || i.t().notif_email_hint}</p>
                }.into_any(),
            }}
        </section>
    }
}
