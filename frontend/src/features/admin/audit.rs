//! The audit log.

use leptos::prelude::*;
use tandem_dto::AuditEntryResponse;
use uuid::Uuid;

use crate::components::{
    Combobox, Empty, ErrorBox, LoadFailed, Loading, Paged, filter_query, fmt_time,
};
use crate::i18n::use_i18n;
use crate::shell::{AdminOnly, set_title};

#[component]
pub fn AuditPage() -> impl IntoView {
    let i = use_i18n();
    Effect::new(move || set_title(i.t().nav_audit));
    let users = crate::state::directory::use_directory().people();
    let action = RwSignal::new(String::new());
    let actor = RwSignal::new(String::new());
    let since = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    let paged = Paged::<AuditEntryResponse>::new(false);
    let (items, next, loading, failed) = (paged.items, paged.next, paged.loading, paged.failed);

    let load = move |more: bool| {
        // Date inputs are local days: from the start of `since` up to (not including) the day
        // after `until`, which is how the server reads `until`.
        let day = |sig: RwSignal<String>, extra_days: f64| {
            let d = sig.get_untracked();
            if d.is_empty() {
                return String::new();
            }
            let ms = js_sys::Date::parse(&format!("{d}T00:00:00")) + extra_days * 86_400_000.0;
            chrono::DateTime::from_timestamp_millis(ms as i64)
                .filter(|_| !ms.is_nan())
                .map(|t| t.to_rfc3339())
                .unwrap_or_default()
        };
        let filters = filter_query([
            ("limit", "50".to_owned()),
            ("action", action.get_untracked()),
            ("actor_id", actor.get_untracked()),
            ("since", day(since, 0.0)),
            ("until", day(until, 1.0)),
        ]);
        paged.load(format!("/admin/audit-log{filters}"), more);
    };
    load(false);
    let name_of = move |id: Option<Uuid>| -> String {
        let Some(id) = id else { return "—".into() };
        users
            .get()
            .and_then(Result::ok)
            .and_then(|list| list.into_iter().find(|u| u.id == id).map(|u| u.name))
            .unwrap_or_else(|| id.to_string())
    };
    // Everyone who ever had an account, deactivated ones included: they appear in the log.
    let actor_options = Signal::derive(move || {
        std::iter::once((String::new(), i.t().everyone.to_owned()))
            .chain(users.with(|u| {
                match u {
                    Some(Ok(list)) => list
                        .iter()
                        .map(|u| (u.id.to_string(), u.name.clone()))
                        .collect::<Vec<_>>(),
                    _ => Vec::new(),
                }
            }))
            .collect::<Vec<_>>()
    });
    view! {
        <AdminOnly>
            <div class="page-head">
                <h1>{move || i.t().nav_audit}</h1>
            </div>
            <form class="filters card" role="search" on:submit=move |ev| { ev.prevent_default(); load(false); }>
                <div class="field">
                    <label for="audit-action">{move || i.t().audit_action}</label>
                    <input id="audit-action" placeholder="user.approved" prop:value=move || action.get()
                        on:input=move |ev| action.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="audit-actor">{move || i.t().audit_actor}</label>
                    <Combobox id="audit-actor" options=actor_options value=actor
                        on_pick=Callback::new(move |v| actor.set(v)) />
                    <LoadFailed resource=users />
                </div>
                <div class="field">
                    <label for="audit-since">{move || i.t().since}</label>
                    <input id="audit-since" type="date" prop:value=move || since.get() on:input=move |ev| since.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="audit-until">{move || i.t().until}</label>
                    <input id="audit-until" type="date" prop:value=move || until.get() on:input=move |ev| until.set(event_target_value(&ev)) />
                </div>
                <button class="btn primary" type="submit">{move || i.t().filter}</button>
            </form>
            <section class="card">
                {move || {
                    if let Some(e) = failed.get() {
                        return view! { <ErrorBox error=e retry=Callback::new(move |()| load(false)) /> }.into_any();
                    }
                    if items.with(Vec::is_empty) {
                        return if loading.get() {
                            view! { <Loading /> }.into_any()
                        } else {
                            view! { <Empty title=|t| t.audit_empty text=|t| t.audit_empty_text /> }.into_any()
                        };
                    }
                    view! {
                        <div class="table-wrap">
                            <table class="table">
                                <thead>
                                    <tr>
                                        <th scope="col">{move || i.t().time}</th>
                                        <th scope="col">{move || i.t().audit_actor}</th>
                                        <th scope="col">{move || i.t().audit_action}</th>
                                        <th scope="col">{move || i.t().audit_target}</th>
                                        <th scope="col">{move || i.t().audit_detail}</th>
                                        <th scope="col">"IP"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {items.get().into_iter().map(|e| {
                                        let at = e.created_at;
                                        // People are shown by name; other targets by type and id.
                                        let target_user = (e.target_type.as_deref() == Some("user"))
                                            .then(|| e.target_id.as_deref().and_then(|t| t.parse::<Uuid>().ok()))
                                            .flatten();
                                        let raw_target = format!("{} {}", e.target_type.clone().unwrap_or_default(), e.target_id.clone().unwrap_or_default());
                                        let target = move || match target_user {
                                            Some(id) => name_of(Some(id)),
                                            None => raw_target.clone(),
                                        };
                                        let detail = if e.detail.is_null() { String::new() } else { e.detail.to_string() };
                                        view! {
                                            <tr>
                                                <td class="nowrap">{move || fmt_time(&at, i.lang.get())}</td>
                                                <td>{move || name_of(e.actor_id)}</td>
                                                <td><code>{e.action.clone()}</code></td>
                                                <td class="small">{target}</td>
                                                <td class="small mono">{detail}</td>
                                                <td class="small">{e.ip.clone().unwrap_or_default()}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <Show when=move || next.get().is_some()>
                            <button class="btn" on:click=move |_| load(true) disabled=move || loading.get()>{move || i.t().load_more}</button>
                        </Show>
                    }.into_any()
                }}
            </section>
        </AdminOnly>
    }
}
