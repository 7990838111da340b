//! T5 in the browser: a task's files, who may see and replace them.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_dto::MemberResponse;
use tandem_web_logic::texts::Tasks as T;
use uuid::Uuid;

use crate::api;
use crate::components::human_size;
use crate::components::{
    ConfirmKind, ErrorBox, Loading, Sending, SettledSelect, Upload, fmt_time, use_confirmer,
    use_toaster,
};
use crate::i18n::use_i18n;

/// T5 in the browser: files of the task, uploaded with progress, with who may replace them.
#[component]
pub fn Attachments(
    task: Uuid,
    can_upload: Signal<bool>,
    members: Signal<Vec<MemberResponse>>,
    /// Names of people by id (who uploaded a version).
    names: Signal<HashMap<Uuid, String>>,
) -> impl IntoView {
    use tandem_dto::{AttachmentPermission, AttachmentResponse, UpdateAttachmentRequest};
    let i = use_i18n();
    let tt = super::use_tt();
    let toaster = use_toaster();
    let confirmer = use_confirmer();
    let list = LocalResource::new(move || async move {
        api::all::<AttachmentResponse>(&format!("/tasks/{task}/attachments")).await
    });
    crate::state::live::on_task_event(task, &["attachment.created"], move || list.refetch());
    let permission = RwSignal::new("project".to_owned());
    // Both uploads (a new file, a new version) send a form and refresh the list; the upload
    // control draws the progress, Cancel and failures.
    let send = move |path: String, file: web_sys::File, with_permission: bool, up: Sending| async move {
        let form = web_sys::FormData::new().map_err(api::js_error)?;
        let _ = form.append_with_blob_and_filename("file", &file, &file.name());
        if with_permission {
            let _ = form.append_with_str("permission", &permission.get_untracked());
        }
        let progress = up.clone();
        api::upload::<AttachmentResponse>(&path, &form, move |p| progress.progress(p), &up.abort)
            .await?;
        toaster.success(tt.untracked(T::uploaded));
        list.refetch();
        Ok(())
    };
    view! {
        <section class="card">
            <h2>{move || tt.get(T::attachments)}</h2>
            {move || match list.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| list.refetch()) /> }.into_any(),
                Some(Ok(items)) if items.is_empty() => view! { <p class="muted small">{move || tt.get(T::attachments_empty)}</p> }.into_any(),
                Some(Ok(items)) => view! {
                    <ul class="list compact">
                        {items.into_iter().map(|a| {
                            let id = a.id;
                            let name = a.name.clone();
                            let download = move |_| {
                                let name = name.clone();
                                spawn_local(async move {
                                    if let Err(e) = api::download(&format!("/attachments/{id}"), &name).await {
                                        toaster.error(&e);
                                    }
                                });
                            };
                            let set_permission = move |p: String| {
                                let body = UpdateAttachmentRequest { permission: AttachmentPermission::parse(&p), viewers: None };
                                spawn_local(async move {
                                    match api::patch::<_, AttachmentResponse>(&format!("/attachments/{id}"), &body, None).await {
                                        Ok(_) => toaster.success(i.t_untracked().saved),
                                        Err(e) => toaster.error(&e),
                                    }
                                    list.refetch();
                                });
                            };
                            let remove = move |_| {
                                let yes = confirmer.ask(|t| t.confirm_delete, |t| t.delete, ConfirmKind::Danger);
                                spawn_local(async move {
                                    if !yes.await { return; }
                                    match api::delete(&format!("/attachments/{id}")).await {
                                        Ok(()) => list.refetch(),
                                        Err(e) => toaster.error(&e),
                                    }
                                });
                            };
                            let perm = a.permission;
                            let viewers = a.viewers.clone();
                            let restricted_to = {
                                let viewers = viewers.clone();
                                move || {
                                    viewers.as_ref().map(|v| {
                                        let names = members.with(|ms| {
                                            v.iter()
                                                .filter_map(|u| ms.iter().find(|m| m.user_id == *u).map(|m| m.name.clone()))
                                                .collect::<Vec<_>>()
                                        });
                                        format!("{}{}", tt.get(T::visible_only), names.join(&tt.get(T::list_separator)))
                                    })
                                }
                            };
                            let perm_select = SettledSelect::new(set_permission);
                            view! {
                                <li class="list-item attachment">
                                    <div class="grow">
                                        <button class="link" on:click=download>{a.name.clone()}</button>
                                        <p class="muted small">
                                            {human_size(a.size)} " · v" {a.current_version}
                                            " · " {move || if perm == AttachmentPermission::AssigneeOnly { tt.get(T::perm_assignee_only) } else { tt.get(T::perm_project) }}
                                            {move || restricted_to().map(|r| view! { " · " <span class="badge">{r}</span> })}
                                        </p>
                                        {(a.current_version > 1).then(|| view! { <Versions attachment=id names=names /> })}
                                        {a.can_manage.then(|| view! { <ViewerPicker attachment=id current=viewers.clone() members=members saved=Callback::new(move |()| list.refetch()) /> })}
                                    </div>
                                    // Who sees or changes a file is its uploader's and the
                                    // administrators' call; editing it is anyone's who may.
                                    {a.can_manage.then(|| view! {
                                        <label class="sr-only" for=format!("perm-{id}")>{move || tt.get(T::who_can_edit)}</label>
                                        <select id=format!("perm-{id}")
                                            on:keydown=move |ev| perm_select.keydown(&ev)
                                            on:pointerdown=move |_| perm_select.pointerdown()
                                            on:change=move |ev| perm_select.change(&ev)
                                            on:blur=move |_| perm_select.blur()>
                                            <option value="project" selected=perm == AttachmentPermission::Project>{move || tt.get(T::perm_project)}</option>
                                            <option value="assignee_only" selected=perm == AttachmentPermission::AssigneeOnly>{move || tt.get(T::perm_assignee_only)}</option>
                                        </select>
                                    })}
                                    {a.can_edit.then(|| view! {
                                        <Upload id=format!("version-{id}") label=|t| t.new_version compact=true
                                            send=move |file, up| send(format!("/attachments/{id}/versions"), file, false, up) />
                                        <button class="btn small danger" on:click=remove>{move || i.t().delete}</button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            <Show when=move || can_upload.get()>
                <div class="actions">
                    <label class="sr-only" for="attachment-permission">{move || tt.get(T::who_can_edit)}</label>
                    <select id="attachment-permission" prop:value=move || permission.get() on:change=move |ev| permission.set(event_target_value(&ev))>
                        <option value="project">{move || tt.get(T::perm_project)}</option>
                        <option value="assignee_only">{move || tt.get(T::perm_assignee_only)}</option>
                    </select>
                    <Upload id="attachment-file".to_owned() label=|t| t.upload_file
                        send=move |file, up| send(format!("/tasks/{task}/attachments"), file, true, up) />
                </div>
            </Show>
        </section>
    }
}

/// Who may see an attachment: everyone who sees the task, or only the members ticked here
/// (the uploader and project administrators always do). A `<details>` disclosure, so it is
/// keyboard-usable without extra code.
#[component]
pub(crate) fn ViewerPicker(
    attachment: Uuid,
    current: Option<Vec<Uuid>>,
    members: Signal<Vec<MemberResponse>>,
    saved: Callback<()>,
) -> impl IntoView {
    use tandem_dto::{AttachmentResponse, UpdateAttachmentRequest};
    let i = use_i18n();
    let tt = super::use_tt();
    let toaster = use_toaster();
    let restricted = RwSignal::new(current.is_some());
    let chosen = RwSignal::new(current.unwrap_or_default());
    let busy = RwSignal::new(false);
    let group = format!("viewers-{attachment}");
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let viewers = restricted.get_untracked().then(|| chosen.get_untracked());
        let body = UpdateAttachmentRequest {
            permission: None,
            viewers: Some(viewers),
        };
        busy.set(true);
        spawn_local(async move {
            let res = api::patch::<_, AttachmentResponse>(
                &format!("/attachments/{attachment}"),
                &body,
                None,
            )
            .await;
            busy.set(false);
            match res {
                Ok(_) => {
                    toaster.success(i.t_untracked().saved);
                    saved.try_run(());
                }
                Err(e) => toaster.error(&e),
            }
        });
    };
    let (all_id, all_for) = (format!("{group}-all"), format!("{group}-all"));
    let (listed_id, listed_for) = (format!("{group}-listed"), format!("{group}-listed"));
    let group2 = group.clone();
    view! {
        <details class="viewer-picker">
            <summary class="small">{move || tt.get(T::visible_to)}</summary>
            <form on:submit=save>
                <fieldset>
                    <legend class="sr-only">{move || tt.get(T::visible_to)}</legend>
                    <label for=all_for>
                        <input type="radio" id=all_id name=group
                            prop:checked=move || !restricted.get() on:change=move |_| restricted.set(false) />
                        {move || tt.get(T::visible_all)}
                    </label>
                    <label for=listed_for>
                        <input type="radio" id=listed_id name=group2
                            prop:checked=move || restricted.get() on:change=move |_| restricted.set(true) />
                        {move || tt.get(T::visible_listed)}
                    </label>
                </fieldset>
                <Show when=move || restricted.get()>
                    <ul class="checklist">
                        {move || members.get().into_iter().map(|m| {
                            let uid = m.user_id;
                            let box_id = format!("{attachment}-{uid}");
                                            let label_for = box_id.clone();
                            view! {
                                <li>
                                    <label for=label_for>
                                        <input type="checkbox" id=box_id
                                            prop:checked=move || chosen.with(|c| c.contains(&uid))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                chosen.update(|c| {
                                                    c.retain(|x| *x != uid);
                                                    if on { c.push(uid); }
                                                });
                                            } />
                                        {m.name.clone()}
                                    </label>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <p class="muted small">{move || tt.get(T::visible_listed_hint)}</p>
                </Show>
                <button class="btn small primary" type="submit" disabled=move || busy.get()>{move || i.t().save}</button>
            </form>
        </details>
    }
}

/// An attachment's earlier versions, listed when opened, each downloadable.
#[component]
fn Versions(attachment: Uuid, names: Signal<HashMap<Uuid, String>>) -> impl IntoView {
    let i = use_i18n();
    let toaster = use_toaster();
    let open = RwSignal::new(false);
    let list = LocalResource::new(move || async move {
        // Read only once the disclosure is opened.
        if open.get() {
            api::tasks::attachment_versions(attachment).await.map(Some)
        } else {
            Ok(None)
        }
    });
    view! {
        <details class="versions" on:toggle=move |ev| {
            let now = ev
                .target()
                .and_then(|t| js_sys::Reflect::get(&t, &"open".into()).ok())
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            open.set(now);
        }>
            <summary class="small">{move || i.t().versions}</summary>
            {move || match list.get() {
                None | Some(Ok(None)) => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| list.refetch()) /> }.into_any(),
                Some(Ok(Some(versions))) => view! {
                    <ul class="list compact version-list">
                        {versions.into_iter().map(|v| {
                            let (number, name) = (v.number, v.name.clone());
                            let at = v.created_at;
                            let who = names.with(|n| n.get(&v.uploaded_by).cloned()).unwrap_or_default();
                            let download = move |_| {
                                let name = name.clone();
                                spawn_local(async move {
                                    if let Err(e) = api::tasks::download_version(attachment, number, &name).await {
                                        toaster.error(&e);
                                    }
                                });
                            };
                            view! {
                                <li class="list-item version">
                                    <div class="grow">
                                        <p>"v" {number} " · " {v.name.clone()}</p>
                                        <p class="muted small">{human_size(v.size)} " · " {who} " · " {move || fmt_time(&at, i.lang.get())}</p>
                                    </div>
                                    <button class="btn small" on:click=download
                                        aria-label=move || format!("{} v{number}", i.t().download)>{move || i.t().download}</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </details>
    }
}
