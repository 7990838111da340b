//! A project's members, picked by department.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_dto::{AddMemberRequest, MemberResponse, ProjectRole, UpdateMemberRequest};
use uuid::Uuid;

use crate::api::{self};
use crate::components::{Combobox, LoadFailed};
use crate::components::{ConfirmKind, use_confirmer};
use crate::components::{SettledSelect, use_toaster};
use crate::i18n::use_i18n;
use crate::state::directory::active_people;

const ROLES: [ProjectRole; 3] = [ProjectRole::Admin, ProjectRole::Editor, ProjectRole::Viewer];

#[component]
pub(crate) fn Members(
    project: Uuid,
    members: Signal<Vec<MemberResponse>>,
    manage: bool,
    reload: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let toaster = use_toaster();
    let confirmer = use_confirmer();
    let directory = crate::state::directory::use_directory();
    let departments = directory.departments;
    let people = directory.people();
    // Narrows the people offered; empty: everyone.
    let dept = RwSignal::new(String::new());
    let person = RwSignal::new(String::new());
    let role = RwSignal::new("editor".to_owned());
    // Active people not yet members (of the chosen department), searchable by name or position.
    let person_options = Signal::derive(move || {
        let current: Vec<Uuid> = members.with(|ms| ms.iter().map(|m| m.user_id).collect());
        let in_dept = dept.get().parse::<Uuid>().ok();
        people.with(|p| {
            let Some(Ok(list)) = p else {
                return Vec::new();
            };
            active_people(list)
                .filter(|u| !current.contains(&u.id))
                .filter(|u| in_dept.is_none() || u.department_id == in_dept)
                .map(|u| (u.id.to_string(), format!("{} · {}", u.name, u.position)))
                .collect::<Vec<_>>()
        })
    });
    let dept_names = Signal::derive(move || {
        departments
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect::<HashMap<_, _>>()
    });
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Ok(user_id), Some(role)) = (
            person.get_untracked().parse::<Uuid>(),
            ProjectRole::parse(&role.get_untracked()),
        ) else {
            toaster.push(
                crate::components::ToastKind::Error,
                i.t_untracked().choose_person,
            );
            return;
        };
        spawn_local(async move {
            match api::post::<_, MemberResponse>(
                &format!("/projects/{project}/members"),
                &AddMemberRequest { user_id, role },
            )
            .await
            {
                Ok(_) => {
                    toaster.success(i.t_untracked().member_added);
                    person.set(String::new());
                    let _ = reload.try_run(());
                }
                Err(e) => toaster.error(&e),
            }
        });
    };
    let set_role = move |user: Uuid, role: ProjectRole| {
        spawn_local(async move {
            match api::patch::<_, MemberResponse>(
                &format!("/projects/{project}/members/{user}"),
                &UpdateMemberRequest { role },
                None,
            )
            .await
            {
                Ok(_) => toaster.success(i.t_untracked().saved),
                Err(e) => toaster.error(&e),
            }
            let _ = reload.try_run(());
        });
    };
    let remove = move |user: Uuid| {
        let yes = confirmer.ask(
            |t| t.confirm_remove_member,
            |t| t.remove,
            ConfirmKind::Danger,
        );
        spawn_local(async move {
            if !yes.await {
                return;
            }
            match api::delete(&format!("/projects/{project}/members/{user}")).await {
                Ok(()) => toaster.success(i.t_untracked().deleted),
                Err(e) => toaster.error(&e),
            }
            let _ = reload.try_run(());
        });
    };
    view! {
        <div class="grid-2">
            <section class="card">
                <h2>{move || i.t().members}</h2>
                <ul class="list">
                    {move || members.get().into_iter().map(|m| {
                        let uid = m.user_id;
                        let r = m.role;
                        let dept = m.department_id.and_then(|d| dept_names.with(|n| n.get(&d).cloned())).unwrap_or_default();
                        view! {
                            <li class="list-item">
                                <crate::components::Avatar user_id=uid name=m.name.clone() has_avatar=m.has_avatar />
                                <div class="grow">
                                    <p class="item-title">{m.name.clone()}</p>
                                    <p class="muted small">{dept} " · " {m.position.clone()}</p>
                                </div>
                                {if manage {
                                    // Saves once the choice settles, not per arrow key.
                                    let role_select = SettledSelect::new(move |v| {
                                        if let Some(role) = ProjectRole::parse(&v).filter(|x| *x != r) {
                                            set_role(uid, role);
                                        }
                                    });
                                    view! {
                                        <label class="sr-only" for=format!("role-{uid}")>{move || i.t().role}</label>
                                        <select id=format!("role-{uid}")
                                            on:keydown=move |ev| role_select.keydown(&ev)
                                            on:pointerdown=move |_| role_select.pointerdown()
                                            on:change=move |ev| role_select.change(&ev)
                                            on:blur=move |_| role_select.blur()>
                                            {ROLES.into_iter().map(|x| view! { <option value=x.as_str() selected=x == r>{move || i.project_role(x)}</option> }).collect_view()}
                                        </select>
                                        <button class="btn small danger" on:click=move |_| remove(uid)>{move || i.t().remove}</button>
                                    }.into_any()
                                } else {
                                    view! { <span class="badge">{move || i.project_role(r)}</span> }.into_any()
                                }}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
            {manage.then(|| view! {
                <form class="card" on:submit=add>
                    <h2>{move || i.t().member_add}</h2>
                    <LoadFailed resource=departments />
                    <div class="field">
                        <label for="member-dept">{move || i.t().department}</label>
                        <select id="member-dept" on:change=move |ev| { dept.set(event_target_value(&ev)); person.set(String::new()); }>
                            <option value="">{move || i.t().all_departments}</option>
                            {move || departments.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|d| view! {
                                <option value=d.id.to_string()>{d.name}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="member-person">{move || i.t().person}</label>
                        <Combobox id="member-person" options=person_options value=person
                            on_pick=Callback::new(move |v| person.set(v)) placeholder=|t| t.choose_person />
                        <LoadFailed resource=people />
                    </div>
                    <div class="field">
                        <label for="member-role">{move || i.t().role}</label>
                        <select id="member-role" prop:value=move || role.get() on:change=move |ev| role.set(event_target_value(&ev))>
                            {ROLES.into_iter().map(|x| view! { <option value=x.as_str() selected=x == ProjectRole::Editor>{move || i.project_role(x)}</option> }).collect_view()}
                        </select>
                    </div>
                    <button class="btn primary" type="submit">{move || i.t().add}</button>
                </form>
            })}
        </div>
    }
}
