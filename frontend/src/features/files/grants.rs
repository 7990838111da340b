//! F3: who may do what with a folder or file beyond their project role — grants to people or
//! departments at view, edit or manage, and for folders the "restricted" switch (only grantees
//! and project administrators see it). Grants set on folders above are shown, not edited here.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_dto::{FileLevel, GrantInput, GrantSubjectKind, GrantsResponse, PutGrantsRequest};
use tandem_web_logic::texts::Files as F;
use uuid::Uuid;

use super::dialogs::{Buttons, Modal};
use super::{AccessLine, Node, use_lib, use_tx};
use crate::api;
use crate::components::{Combobox, ErrorBox, Loading};
use crate::i18n::use_i18n;

/// One grant being edited.
#[derive(Clone, PartialEq)]
struct Row {
    kind: GrantSubjectKind,
    subject: Uuid,
    name: String,
    level: FileLevel,
}

const LEVELS: [FileLevel; 3] = [FileLevel::View, FileLevel::Edit, FileLevel::Manage];

#[component]
pub(super) fn GrantsDialog(node: Node) -> impl IntoView {
    let lib = use_lib();
    let tx = use_tx();
    let i = use_i18n();
    let folder = node.is_folder();
    let id = node.id();
    let name = node.name().to_owned();
    let data = LocalResource::new(move || api::files::grants(folder, id));
    view! {
        <Modal title=Signal::derive(move || tx.fill_tracked(F::grants_title, &[&name])) wide=true>
            {move || match data.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! {
                    <ErrorBox error=e retry=Callback::new(move |()| data.refetch()) />
                    <div class="confirm-actions">
                        <button type="button" class="btn" on:click=move |_| lib.close_dialog()>{move || i.t().close}</button>
                    </div>
                }.into_any(),
                Some(Ok(g)) => view! { <Editor folder=folder id=id g=g /> }.into_any(),
            }}
        </Modal>
    }
}

#[component]
fn Editor(folder: bool, id: Uuid, g: GrantsResponse) -> impl IntoView {
    let lib = use_lib();
    let tx = use_tx();
    let i = use_i18n();
    let departments = crate::state::directory::use_directory().departments;
    let rows = RwSignal::new(
        g.grants
            .iter()
            .filter(|r| !r.inherited)
            .map(|r| Row {
                kind: r.subject_kind,
                subject: r.subject_id,
                name: r.subject_name.clone(),
                level: r.level,
            })
            .collect::<Vec<_>>(),
    );
    let inherited: Vec<_> = g.grants.iter().filter(|r| r.inherited).cloned().collect();
    let restricted = RwSignal::new(g.restricted);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // The grant being added.
    let kind = RwSignal::new(GrantSubjectKind::User);
    let subject = RwSignal::new(String::new());
    let level = RwSignal::new(FileLevel::View);
    let options = Signal::derive(move || {
        let taken = rows.with(|r| r.iter().map(|r| r.subject).collect::<Vec<_>>());
        let list: Vec<(String, String)> = match kind.get() {
            GrantSubjectKind::User => lib.members.with(|ms| {
                ms.iter()
                    .map(|m| (m.user_id, m.name.clone()))
                    .filter(|(id, _)| !taken.contains(id))
                    .map(|(id, n)| (id.to_string(), n))
                    .collect()
            }),
            GrantSubjectKind::Department => departments
                .get()
                .and_then(Result::ok)
                .unwrap_or_default()
                .into_iter()
                .filter(|d| !taken.contains(&d.id))
                .map(|d| (d.id.to_string(), d.name))
                .collect(),
        };
        list
    });
    let add = move |_| {
        let Ok(sid) = subject.get_untracked().parse::<Uuid>() else {
            return;
        };
        let name = options
            .with_untracked(|o| {
                o.iter()
                    .find(|(v, _)| *v == sid.to_string())
                    .map(|(_, l)| l.clone())
            })
            .unwrap_or_default();
        rows.update(|r| {
            r.push(Row {
                kind: kind.get_untracked(),
                subject: sid,
                name,
                level: level.get_untracked(),
            })
        });
        subject.set(String::new());
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = PutGrantsRequest {
            grants: rows.with_untracked(|r| {
                r.iter()
                    .map(|r| GrantInput {
                        subject_kind: r.kind,
                        subject_id: r.subject,
                        level: r.level,
                    })
                    .collect()
            }),
            restricted: folder.then(|| restricted.get_untracked()),
        };
        busy.set(true);
        spawn_local(async move {
            let res = api::files::put_grants(folder, id, &body).await;
            busy.try_set(false);
            match res {
                Ok(_) => {
                    lib.toaster.success(lib.tx.untracked(F::grants_saved));
                    lib.touch();
                    lib.close_dialog();
                }
                Err(e) => {
                    error.try_set(Some(lib.tx.error(lib.i, &e)));
                }
            }
        });
    };
    let level_name = move |l: FileLevel| tx.level(l);
    let access = g.access.clone();
    let cut_by = g
        .restricted_by
        .filter(|by| *by != id)
        .map(|by| lib.folder_name(Some(by)).unwrap_or_else(|| "—".into()));
    view! {
        <form on:submit=submit class="grants">
            <p class="muted small">{move || tx.get(F::grants_intro)}</p>
            <p class="small lib-access"><AccessLine access=access /></p>
            {cut_by.map(|n| view! { <p class="banner small">{move || tx.fill_tracked(F::restricted_by, &[&n])}</p> })}
            {folder.then(|| view! {
                <label class="check switch" for="grants-restricted">
                    <input type="checkbox" role="switch" id="grants-restricted"
                        prop:checked=move || restricted.get()
                        on:change=move |ev| restricted.set(event_target_checked(&ev)) />
                    <span><strong>{move || tx.get(F::restricted)}</strong><br/>
                    <span class="muted small">{move || tx.get(F::restricted_hint)}</span></span>
                </label>
            })}
            <ul class="grant-list" role="list">
                {move || {
                    let list = rows.get();
                    if list.is_empty() {
                        return view! { <li class="muted small">{move || tx.get(F::grants_none)}</li> }.into_any();
                    }
                    list.into_iter().enumerate().map(|(n, r)| {
                        let select_id = format!("grant-level-{n}");
                        let who = r.name.clone();
                        let remove_label = format!("{} {}", i.t().remove, r.name);
                        view! {
                            <li class="grant-row">
                                <span class="grant-who">
                                    <span class="badge">{move || if r.kind == GrantSubjectKind::Department { i.t().department } else { i.t().person }}</span>
                                    " " {who.clone()}
                                </span>
                                <label class="sr-only" for=select_id.clone()>{move || format!("{} · {}", tx.get(F::level), who)}</label>
                                <select id=select_id on:change=move |ev| {
                                    let v = event_target_value(&ev);
                                    if let Some(l) = FileLevel::parse(&v) {
                                        rows.update(|rs| if let Some(x) = rs.get_mut(n) { x.level = l; });
                                    }
                                }>
                                    {LEVELS.into_iter().map(|l| view! {
                                        <option value=l.as_str() selected=r.level == l>{move || level_name(l)}</option>
                                    }).collect_view()}
                                </select>
                                <button type="button" class="btn small danger" aria-label=remove_label
                                    on:click=move |_| rows.update(|rs| { if n < rs.len() { rs.remove(n); } })>
                                    {move || i.t().remove}
                                </button>
                            </li>
                        }
                    }).collect_view().into_any()
                }}
            </ul>
            {(!inherited.is_empty()).then(|| view! {
                <ul class="grant-list inherited" role="list">
                    {inherited.into_iter().map(|r| {
                        let on = r.on_name.clone();
                        view! {
                            <li class="grant-row muted">
                                <span class="grant-who">{r.subject_name.clone()}</span>
                                <span>{move || tx.level(r.level)}</span>
                                <span class="small">{move || tx.fill_tracked(F::inherited_from, &[&on])}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
            <fieldset class="grant-add">
                <legend class="small">{move || i.t().add}</legend>
                <div class="field">
                    <label for="grant-kind">{move || tx.get(F::grant_to)}</label>
                    <select id="grant-kind" on:change=move |ev| {
                        kind.set(if event_target_value(&ev) == "department" { GrantSubjectKind::Department } else { GrantSubjectKind::User });
                        subject.set(String::new());
                    }>
                        <option value="user">{move || i.t().person}</option>
                        <option value="department">{move || i.t().department}</option>
                    </select>
                </div>
                <div class="field grow-2">
                    <label for="grant-subject">{move || tx.get(F::pick_subject)}</label>
                    <Combobox id="grant-subject" options=options value=Signal::derive(move || subject.get())
                        on_pick=Callback::new(move |v| subject.set(v)) />
                </div>
                <div class="field">
                    <label for="grant-level">{move || tx.get(F::level)}</label>
                    <select id="grant-level" on:change=move |ev| level.set(FileLevel::parse(&event_target_value(&ev)).unwrap_or(FileLevel::View))>
                        {LEVELS.into_iter().map(|l| view! {
                            <option value=l.as_str() selected=move || level.get() == l>{move || level_name(l)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <button type="button" class="btn" on:click=add disabled=move || subject.with(String::is_empty)>{move || i.t().add}</button>
            </fieldset>
            <p class="field-error" role="alert">{move || error.get()}</p>
            <Buttons ok=Signal::derive(move || i.t().save.to_owned()) busy=busy />
        </form>
    }
}
