//! A task's comments, with @-mentions and quick replies.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_dto::{CommentRequest, CommentResponse, MemberResponse, QuickReplyResponse};
use uuid::Uuid;

use crate::api::{self};
use crate::components::{ErrorBox, Loading, fmt_time, use_toaster};
use crate::i18n::use_i18n;
use crate::state::use_auth;

/// The word being typed after an `@`, if the caret is in one.
fn mention_prefix(text: &str) -> Option<String> {
    let at = text.rfind('@')?;
    let word = &text[at + 1..];
    (!word.contains(char::is_whitespace) && word.chars().count() <= 20).then(|| word.to_owned())
}

#[component]
pub(crate) fn Comments(
    task: Uuid,
    members: Signal<Vec<MemberResponse>>,
    can_comment: Signal<bool>,
    is_admin: Signal<bool>,
    names: Signal<HashMap<Uuid, String>>,
) -> impl IntoView {
    let i = use_i18n();
    let auth = use_auth();
    let toaster = use_toaster();
    let list = LocalResource::new(move || async move {
        api::all::<CommentResponse>(&format!("/tasks/{task}/comments")).await
    });
    crate::state::live::on_task_event(task, &["comment.created"], move || list.refetch());
    let replies = LocalResource::new(|| api::all::<QuickReplyResponse>("/me/quick-replies"));
    let text = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let me = auth.user.with_untracked(|u| u.as_ref().map(|u| u.id));
    let suggestions = Signal::derive(move || {
        let Some(prefix) = text.with(|t| mention_prefix(t)) else {
            return Vec::new();
        };
        members
            .get()
            .into_iter()
            .filter(|m| m.name.to_lowercase().contains(&prefix.to_lowercase()))
            .take(6)
            .collect::<Vec<_>>()
    });
    let pick = move |name: String| {
        text.update(|t| {
            if let Some(at) = t.rfind('@') {
                t.truncate(at + 1);
                t.push_str(&name);
                t.push(' ');
            }
        });
        // Back to typing, after the inserted name.
        gloo_timers::callback::Timeout::new(0, || {
            if let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("comment-body"))
                .and_then(|e| {
                    wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlTextAreaElement>(e).ok()
                })
            {
                let end = el.value().encode_utf16().count() as u32;
                let _ = el.focus();
                let _ = el.set_selection_range(end, end);
            }
        })
        .forget();
    };
    let post = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if text.with_untracked(|t| t.trim().is_empty()) {
            return;
        }
        busy.set(true);
        let req = CommentRequest {
            external_key: None,
            body: text.get_untracked(),
        };
        spawn_local(async move {
            match api::post::<_, CommentResponse>(&format!("/tasks/{task}/comments"), &req).await {
                Ok(_) => {
                    text.set(String::new());
                    list.refetch();
                }
                Err(e) => toaster.error(&e),
            }
            busy.set(false);
        });
    };
    let remove = move |cid: Uuid| {
        if !crate::components::confirm(i.t_untracked().confirm_delete) {
            return;
        }
        spawn_local(async move {
            match api::delete(&format!("/comments/{cid}")).await {
                Ok(()) => list.refetch(),
                Err(e) => toaster.error(&e),
            }
        });
    };
    view! {
        <section class="card">
            <h2>{move || i.t().comments}</h2>
            {move || match list.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| list.refetch()) /> }.into_any(),
                Some(Ok(items)) if items.is_empty() => view! { <p class="muted small">{move || i.t().comments_empty}</p> }.into_any(),
                Some(Ok(items)) => view! {
                    <ul class="list comments">
                        {items.into_iter().map(|c| {
                            let who = names.with(|n| n.get(&c.author_id).cloned()).unwrap_or_default();
                            let at = c.created_at;
                            let cid = c.id;
                            let mine = Some(c.author_id) == me;
                            view! {
                                <li class="list-item comment">
                                    <div class="grow">
                                        <p class="muted small"><strong>{who}</strong> " · " {move || fmt_time(&at, i.lang.get())}
                                            {c.edited.then(|| view! { " · " {move || i.t().edited} })}</p>
                                        <div class="markdown" inner_html=c.body_html></div>
                                    </div>
                                    <Show when=move || mine || is_admin.get()>
                                        <button class="btn small danger" on:click=move |_| remove(cid)>{move || i.t().delete}</button>
                                    </Show>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            <Show when=move || can_comment.get()>
                <form class="comment-form" on:submit=post>
                    <div class="field">
                        <label for="comment-body">{move || i.t().comment_new}</label>
                        <textarea id="comment-body" rows=3 prop:value=move || text.get()
                            placeholder=move || i.t().comment_placeholder
                            on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                        <Show when=move || !suggestions.get().is_empty()>
                            <ul class="suggestions" role="listbox" aria-label=move || i.t().mention_someone>
                                {move || suggestions.get().into_iter().map(|m| {
                                    let name = m.name.clone();
                                    view! {
                                        <li role="option">
                                            <button type="button" class="suggestion" on:click=move |_| pick(name.clone())>
                                                "@" {m.name.clone()}
                                            </button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </Show>
                    </div>
                    <div class="actions">
                        <label class="sr-only" for="quick-reply">{move || i.t().quick_replies_title}</label>
                        <select id="quick-reply" on:change=move |ev| {
                            let v = event_target_value(&ev);
                            if let Some(r) = replies.get_untracked().and_then(Result::ok).and_then(|rs| rs.into_iter().find(|r| r.id.to_string() == v)) {
                                text.update(|t| {
                                    if !t.is_empty() && !t.ends_with('\n') { t.push('\n'); }
                                    t.push_str(&r.body);
                                });
                            }
                        }>
                            <option value="">{move || i.t().insert_quick_reply}</option>
                            {move || replies.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|r| view! {
                                <option value=r.id.to_string()>{r.title}</option>
                            }).collect_view()}
                        </select>
                        <button class="btn primary" type="submit" disabled=move || busy.get()>{move || i.t().comment_post}</button>
                    </div>
                </form>
            </Show>
        </section>
    }
}
