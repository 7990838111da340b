//! The personal center's tabs.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::use_i18n;

#[component]
pub fn Tabs() -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="page-head">
            <h1>{move || i.t().nav_personal_center}</h1>
        </div>
        <nav class="tabs" aria-label=move || i.t().nav_personal_center>
            <A href="/me" exact=true attr:class="tab">{move || i.t().profile_title}</A>
            <A href="/me/quick-replies" attr:class="tab">{move || i.t().quick_replies_title}</A>
            <A href="/me/tokens" attr:class="tab">{move || i.t().tokens_title}</A>
            <A href="/me/security" attr:class="tab">{move || i.t().security_title}</A>
            <A href="/me/notifications" attr:class="tab">{move || i.t().notifications}</A>
        </nav>
    }
}
