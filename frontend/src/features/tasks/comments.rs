//! A task's comments: posting with @-mentions (suggestions picked with the mouse or the
//! arrow keys and Enter) and quick replies, editing one's own, deleting.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_dto::{CommentRequest, CommentResponse, MemberResponse, QuickReplyResponse};
use tandem_web_logic::mention;
use tandem_web_logic::texts::Tasks as T;
use uuid::Uuid;

use crate::api;
use crate::components::{
    ConfirmKind, ErrorBox, LoadFailed, Loading, fmt_time, use_confirmer, use_toaster,
};
use crate::i18n::use_i18n;
use crate::state::use_auth;

#[component]
pub(crate) fn Comments(
    task: Uuid,
    members: Signal<Vec<MemberResponse>>,
    can_comment: Signal<bool>,
    is_admin: Signal<bool>,
    names: Signal<HashMap<Uuid, String>>,
) -> impl IntoView {
    let i = use_i18n();
    let tt = super::use_tt();
    let auth = use_auth();
    let toaster = use_toaster();
    let confirmer = use_confirmer();
    let list = LocalResource::new(move || api::tasks::comments(task));
    crate::state::live::on_task_event(
        task,
        &["comment.created", "comment.updated", "comment.deleted"],
        move || list.refetch(),
    );
    let replies = LocalResource::new(|| api::all::<QuickReplyResponse>("/me/quick-replies"));
    let text = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let me = auth.user.with_untracked(|u| u.as_ref().map(|u| u.id));
    // The suggestion the arrow keys point at, and whether Escape closed the list (until the
    // text changes again).
    let active = RwSignal::new(None::<usize>);
    let dismissed = RwSignal::new(false);
    let suggestions = Memo::new(move |_| {
        if dismissed.get() {
            return Vec::new();
        }
        let Some(prefix) = text.with(|t| mention::prefix(t).map(str::to_owned)) else {
            return Vec::new();
        };
        members
            .get()
            .into_iter()
            .filter(|m| mention::matches(&m.name, &prefix))
            .take(6)
            .map(|m| m.name)
            .collect::<Vec<_>>()
    });
    let pick = move |name: String| {
        text.update(|t| *t = mention::insert(t, &name));
        active.set(None);
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
    let keydown = move |ev: leptos::ev::KeyboardEvent| {
        let len = suggestions.with_untracked(Vec::len);
        if len == 0 {
            return;
        }
        match ev.key().as_str() {
            "ArrowDown" | "ArrowUp" => {
                ev.prevent_default();
                active.update(|a| *a = mention::step(*a, len, ev.key() == "ArrowDown"));
            }
            "Enter" => {
                if let Some(name) = active
                    .get_untracked()
                    .and_then(|a| suggestions.with_untracked(|s| s.get(a).cloned()))
                {
                    ev.prevent_default();
                    pick(name);
                }
            }
            "Escape" => {
                ev.prevent_default();
                dismissed.set(true);
                active.set(None);
            }
            _ => {}
        }
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
        let yes = confirmer.ask(|t| t.confirm_delete, |t| t.delete, ConfirmKind::Danger);
        spawn_local(async move {
            if !yes.await {
                return;
            }
            match api::delete(&format!("/comments/{cid}")).await {
                Ok(()) => list.refetch(),
                Err(e) => toaster.error(&e),
            }
        });
    };
    let refetch = Callback::new(move |()| list.refetch());
    view! {
        <section class="card">
            <h2>{move || tt.get(T::comments)}</h2>
            {move || match list.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ErrorBox error=e retry=refetch /> }.into_any(),
                Some(Ok(items)) if items.is_empty() => view! { <p class="muted small">{move || tt.get(T::comments_empty)}</p> }.into_any(),
                Some(Ok(items)) => view! {
                    <ul class="list comments">
                        {items.into_iter().map(|c| {
                            let who = names.with(|n| n.get(&c.author_id).cloned()).unwrap_or_default();
                            let mine = Some(c.author_id) == me;
                            view! { <CommentItem comment=c who=who mine=mine is_admin=is_admin remove=Callback::new(remove) saved=refetch /> }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            <Show when=move || can_comment.get()>
                <form class="comment-form" on:submit=post>
                    <div class="field">
                        <label for="comment-body">{move || tt.get(T::comment_new)}</label>
                        <textarea id="comment-body" rows=3 prop:value=move || text.get()
                            placeholder=move || tt.get(T::comment_placeholder)
                            role="combobox"
                            aria-autocomplete="list"
                            aria-controls="mention-list"
                            aria-expanded=move || (!suggestions.with(Vec::is_empty)).to_string()
                            aria-activedescendant=move || active.get().map(|a| format!("mention-{a}"))
                            on:keydown=keydown
                            on:input=move |ev| {
                                dismissed.set(false);
                                active.set(None);
                                text.set(event_target_value(&ev));
                            }></textarea>
                        <Show when=move || !suggestions.with(Vec::is_empty)>
                            <ul class="suggestions" id="mention-list" role="listbox" aria-label=move || tt.get(T::mention_someone)>
                                {move || suggestions.get().into_iter().enumerate().map(|(n, name)| {
                                    let shown = name.clone();
                                    view! {
                                        <li role="option" id=format!("mention-{n}") aria-selected=move || (active.get() == Some(n)).to_string()>
                                            // Not a tab stop: the text box keeps the keyboard.
                                            <button type="button" class="suggestion" tabindex="-1"
                                                class:active=move || active.get() == Some(n)
                                                on:click=move |_| pick(name.clone())>
                                                "@" {shown}
                                            </button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </Show>
                    </div>
                    <LoadFailed resource=replies />
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
                            <option value="">{move || tt.get(T::insert_quick_reply)}</option>
                            {move || replies.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|r| view! {
                                <option value=r.id.to_string()>{r.title}</option>
                            }).collect_view()}
                        </select>
                        <button class="btn primary" type="submit" disabled=move || busy.get()>{move || tt.get(T::comment_post)}</button>
                    </div>
                </form>
            </Show>
        </section>
    }
}

/// One comment; its author can edit it in place.
#[component]
fn CommentItem(
    comment: CommentResponse,
    who: String,
    mine: bool,
    is_admin: Signal<bool>,
    remove: Callback<Uuid>,
    saved: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let tt = super::use_tt();
    let toaster = use_toaster();
    let at = comment.created_at;
    let cid = comment.id;
    let version = comment.version;
    let editing = RwSignal::new(false);
    let body = RwSignal::new(comment.body.clone());
    let busy = RwSignal::new(false);
    let edit_id = format!("comment-edit-{cid}");
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = body.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match api::tasks::update_comment(cid, version, text).await {
                Ok(_) => {
                    editing.set(false);
                    toaster.success(i.t_untracked().saved);
                    saved.run(());
                }
                Err(e) => toaster.error(&e),
            }
            busy.set(false);
        });
    };
    let html = comment.body_html.clone();
    let focus_id = edit_id.clone();
    view! {
        <li class="list-item comment">
            <div class="grow">
                <p class="muted small"><strong>{who}</strong> " · " {move || fmt_time(&at, i.lang.get())}
                    {comment.edited.then(|| view! { " · " {move || tt.get(T::edited)} })}</p>
                <Show when=move || editing.get()
                    fallback={let html = html.clone(); move || view! { <div class="markdown" inner_html=html.clone()></div> }}>
                    <form class="comment-edit" on:submit=save>
                        <label class="sr-only" for=edit_id.clone()>{move || tt.get(T::comment_edit)}</label>
                        <textarea id=edit_id.clone() rows=3 prop:value=move || body.get()
                            on:input=move |ev| body.set(event_target_value(&ev))
                            on:keydown=move |ev| if ev.key() == "Escape" { editing.set(false) }></textarea>
                        <div class="actions">
                            <button class="btn small primary" type="submit" disabled=move || busy.get()>{move || i.t().save}</button>
                            <button class="btn small" type="button" on:click=move |_| editing.set(false)>{move || i.t().cancel}</button>
                        </div>
                    </form>
                </Show>
            </div>
            <Show when=move || mine && !editing.get()>
                <button class="btn small comment-edit-button" on:click={let focus_id = focus_id.clone(); move |_| {
                    editing.set(true);
                    crate::components::focus_later(focus_id.clone());
                }}>{move || i.t().edit}</button>
            </Show>
            <Show when=move || (mine || is_admin.get()) && !editing.get()>
                <button class="btn small danger" on:click=move |_| remove.run(cid)>{move || i.t().delete}</button>
            </Show>
        </li>
    }
}
