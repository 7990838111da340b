//! What a change tells others, written in the change's own transaction.
//!
//! A handler collects its live events, access changes and notifications in an [`Outbox`] while
//! it works, and ends with [`Outbox::commit`]: the events go into the `events` table (last, to
//! keep the writers' turn short — see `tandem_db::events`), each notified user with mail
//! waiting gets their digest job, the transaction commits, and then this instance delivers.
//! Nothing is announced that did not happen, and nothing that happened goes unannounced, even
//! if the process dies right after the commit: the next delivery (or a restarted instance's
//! resuming clients) reads it from the table.

use std::collections::BTreeSet;

use serde::Serialize;
use tandem_db::entities::notifications;
use tandem_db::events::NewEvent;
use tandem_db::{DatabaseTransaction, jobs};
use tandem_dto::{TaskEvent, TaskResponse, WsEventKind};
use uuid::Uuid;

use crate::error::ApiResult;
use crate::events::{Audience, Control, control_row};
use crate::state::AppState;

/// The job that mails a user their pending notifications.
pub const MAIL_DIGEST: &str = "mail.digest";

#[derive(Default)]
pub struct Outbox {
    events: Vec<NewEvent>,
    /// Sessions this change ends: refused here at once after the commit, not only once the
    /// delivery that follows has read them back.
    ended: Vec<Uuid>,
    /// Users with a notification waiting for mail.
    mail_to: BTreeSet<Uuid>,
    /// Whether mail is sent at all (an SMTP relay is configured).
    pub mail: bool,
    /// Who is making the change (the frames' `actor_id`); `None` for the server's own work.
    actor: Option<Uuid>,
    /// Projects whose delay risk this change may move (re-evaluated by a job after it).
    reassess: BTreeSet<Uuid>,
}

impl Outbox {
    /// The outbox of the server's own work (jobs): its events name no actor.
    pub fn new(state: &AppState) -> Self {
        Self {
            mail: state.config.live.smtp_url.is_some(),
            ..Default::default()
        }
    }

    /// The outbox of a change `actor` makes: its events name them.
    pub fn by(state: &AppState, actor: Uuid) -> Self {
        Self {
            actor: Some(actor),
            ..Self::new(state)
        }
    }

    /// A live event.
    pub fn event(
        &mut self,
        kind: WsEventKind,
        project_id: Option<Uuid>,
        audience: Audience,
        subject: Option<Uuid>,
        data: &impl Serialize,
    ) {
        let data = match serde_json::to_value(data) {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %e, "event payload not serializable");
                return;
            }
        };
        if let Some(p) = project_id
            && matches!(
                kind,
                WsEventKind::TaskCreated
                    | WsEventKind::TaskUpdated
                    | WsEventKind::TaskDeleted
                    | WsEventKind::ProgressCreated
                    | WsEventKind::MilestoneCreated
                    | WsEventKind::MilestoneUpdated
                    | WsEventKind::MilestoneDeleted
            )
        {
            self.reassess.insert(p);
        }
        self.events.push(NewEvent {
            kind: kind.as_str().to_owned(),
            project_id,
            audience: match audience {
                Audience::Project => None,
                Audience::Users(u) => Some(u),
            },
            subject,
            actor_id: self.actor,
            data,
        });
    }

    /// `task.created` / `task.updated` with what live clients need.
    pub fn task(&mut self, kind: WsEventKind, t: &TaskResponse) {
        self.event(
            kind,
            Some(t.project_id),
            Audience::Project,
            None,
            &TaskEvent::from(t),
        );
    }

    /// Re-evaluate `project`'s delay risk after this change (one not announced by a task,
    /// progress or milestone event, such as its calendar).
    pub fn reassess(&mut self, project: Uuid) {
        self.reassess.insert(project);
    }

    /// A change of who may see what, for every instance's sockets and authentication.
    pub fn control(&mut self, c: Control) {
        if let Control::SessionEnded { session, .. } = &c {
            self.ended.push(*session);
        }
        self.events.push(control_row(&c));
    }

    /// A notification just written: pushed live when it is shown, mailed when it waits for mail.
    pub fn notification(&mut self, n: &notifications::Model) {
        if n.shown {
            self.event(
                WsEventKind::NotificationCreated,
                None,
                Audience::Users(vec![n.user_id]),
                None,
                &tandem_db::accounts::notification_dto(n),
            );
        }
        if n.mail_pending {
            self.mail_to.insert(n.user_id);
        }
    }

    /// Writes everything collected, commits, then delivers. A failure to deliver after the
    /// commit is logged, never the request's failure: the events are in the table and go out
    /// with the next delivery.
    pub async fn commit(self, state: &AppState, txn: DatabaseTransaction) -> ApiResult<()> {
        let batch = chrono::Duration::from_std(state.config.live.mail_batch)
            .unwrap_or(chrono::Duration::minutes(2));
        for user in &self.mail_to {
            // One digest per user at a time: a notification arriving while one waits joins it.
            jobs::enqueue(
                &txn,
                jobs::NewJob {
                    kind: MAIL_DIGEST,
                    payload: serde_json::json!({ "user_id": user }),
                    run_at: chrono::Utc::now() + batch,
                    unique_key: Some(format!("{MAIL_DIGEST}:{user}")),
                    max_attempts: 8,
                },
            )
            .await?;
        }
        crate::jobs::risk::enqueue(&txn, &self.reassess).await?;
        let any = !self.events.is_empty();
        tandem_db::events::append(&txn, &self.events).await?;
        txn.commit().await?;
        // Before anyone hears of the change: a client that reads the task back on its event
        // must not get the cached copy from before it. (The request's own invalidation comes
        // only after the handler returns, and delivery happens here, inside it.)
        state.cache.invalidate();
        for session in &self.ended {
            state.events.note_session_ended(*session);
        }
        if any {
            state.deliver().await;
        }
        Ok(())
    }
}
