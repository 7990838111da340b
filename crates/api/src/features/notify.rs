//! C7: who hears of what. Each helper writes its notifications in the caller's transaction
//! (no change without its notifications, none without the change), skipping the actor and
//! whoever turned the kind off, and puts them in the caller's [`Outbox`] (pushed live, mailed).

use serde_json::json;
use tandem_db::accounts;
use tandem_db::entities::{projects, tasks, users};
use tandem_dto::notification_text::{Lang, render};
use uuid::Uuid;

use crate::error::ApiResult;
use crate::outbox::Outbox;

pub(crate) type Notes = Outbox;

/// The English title stored beside kind and data, for clients that know no kind: the same
/// wording the web app and the mail use (`dto::notification_text`), cut to fit the column.
pub(crate) fn english_title(kind: &str, data: &serde_json::Value) -> String {
    let (title, _) = render(kind, data, "", Lang::En).unwrap_or_default();
    title
        .chars()
        .take(accounts::NOTIFICATION_TITLE_MAX)
        .collect()
}

/// A notification of `kind` for `to` with an empty body (the kinds here have no text of
/// their own), into `out`.
async fn send(
    txn: &impl tandem_db::ConnectionTrait,
    to: Uuid,
    kind: &str,
    data: serde_json::Value,
    out: &mut Notes,
) -> ApiResult<()> {
    let title = english_title(kind, &data);
    if let Some(n) = accounts::notify(txn, to, kind, &title, "", data, out.mail).await? {
        out.notification(&n);
    }
    Ok(())
}

fn task_data(t: &tasks::Model, actor: &users::Model) -> serde_json::Value {
    json!({ "task_id": t.id, "project_id": t.project_id, "task_title": t.title,
            "actor_id": actor.id, "actor_name": actor.name })
}

/// `task.assigned`: the new assignee, unless they assigned it to themselves.
pub(crate) async fn assigned(
    txn: &impl tandem_db::ConnectionTrait,
    t: &tasks::Model,
    actor: &users::Model,
    out: &mut Notes,
) -> ApiResult<()> {
    let Some(to) = t.assignee_id.filter(|a| *a != actor.id) else {
        return Ok(());
    };
    send(txn, to, "task.assigned", task_data(t, actor), out).await
}

/// `task.status_changed`: the task's assignee and its creator, not the one who changed it.
pub(crate) async fn status_changed(
    txn: &impl tandem_db::ConnectionTrait,
    t: &tasks::Model,
    from: &str,
    actor: &users::Model,
    out: &mut Notes,
) -> ApiResult<()> {
    let mut to: Vec<Uuid> = [t.assignee_id, Some(t.created_by)]
        .into_iter()
        .flatten()
        .filter(|u| *u != actor.id)
        .collect();
    to.dedup();
    for user in to {
        let mut data = task_data(t, actor);
        data["from"] = json!(from);
        data["to"] = json!(t.status);
        send(txn, user, "task.status_changed", data, out).await?;
    }
    Ok(())
}

/// `task.commented`: the assignee, unless they wrote it or the comment mentions them (they
/// hear of it as a mention).
pub(crate) async fn commented(
    txn: &impl tandem_db::ConnectionTrait,
    t: &tasks::Model,
    actor: &users::Model,
    mentioned: &[Uuid],
    out: &mut Notes,
) -> ApiResult<()> {
    let Some(to) = t
        .assignee_id
        .filter(|a| *a != actor.id && !mentioned.contains(a))
    else {
        return Ok(());
    };
    send(txn, to, "task.commented", task_data(t, actor), out).await
}

/// `project.member_added`: the new member, unless they added themselves.
pub(crate) async fn member_added(
    txn: &impl tandem_db::ConnectionTrait,
    p: &projects::Model,
    member: Uuid,
    role: &str,
    actor: &users::Model,
    out: &mut Notes,
) -> ApiResult<()> {
    if member == actor.id {
        return Ok(());
    }
    let data = json!({ "project_id": p.id, "project_name": p.name, "role": role,
                       "actor_id": actor.id, "actor_name": actor.name });
    send(txn, member, "project.member_added", data, out).await
}
