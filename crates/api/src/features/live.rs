//! `GET /api/v1/ws`: live events over a WebSocket (API.md "WebSocket"). The first text frame
//! is `{"type":"hello","token":…,"resume_from":…}`; the server answers `ready`, then the
//! missed events (or `gap`), then live ones, each only to users who may see it. One user may
//! keep `SOCKETS_PER_USER` sockets open; more close with 1013 (try again later).
//!
//! What a socket may see follows its user's rights as they change: a changed role or
//! membership, a revoked token, an ended session or a deactivated account is acted on when the
//! bus reports it, when the socket resumes after being disconnected and every 30 s; the
//! socket closes with 4401 when its credential is no longer valid, and when it expires.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{CloseCode, CloseReason, Message, ProtocolError, Session};
use tandem_domain::policy::{Action, Actor};
use tandem_domain::projects;
use tandem_dto::{ProjectRole, SystemRole, UserStatus, WsHello, WsServerFrame};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use crate::events::{Audience, Control, Event, Message as BusMessage, Missed};
use crate::extract::{AuthUser, Credential, authenticate};
use crate::state::AppState;

/// Frames larger than this close the socket with 1009.
const MAX_FRAME: usize = 64 * 1024;
const PING_EVERY: Duration = Duration::from_secs(30);
/// A socket that does not say hello in time is closed.
const HELLO_WITHIN: Duration = Duration::from_secs(10);
/// Close code for a missing or bad token.
const UNAUTHORIZED: u16 = 4401;

/// Upgrades to a WebSocket. Authentication happens in the first frame (browsers cannot set
/// headers on a WebSocket), so the upgrade itself needs no token.
#[utoipa::path(get, path = "/api/v1/ws", tag = "events",
    responses(
        (status = 101, description = "Switching to the WebSocket protocol: send `WsHello`, receive `WsServerFrame`s"),
        (status = 400, description = "Not a WebSocket handshake", body = tandem_dto::Problem, content_type = "application/problem+json"),
    ))]
pub async fn open_socket(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    let (response, session, stream) = actix_ws::handle(&req, body)?;
    let stream = stream.max_frame_size(MAX_FRAME);
    actix_web::rt::spawn(run(state, session, stream));
    Ok(response)
}

async fn close(session: Session, code: CloseCode, why: &str) {
    let _ = session
        .close(Some(CloseReason {
            code,
            description: Some(why.to_owned()),
        }))
        .await;
}

async fn run(
    state: web::Data<AppState>,
    mut session: Session,
    mut stream: actix_ws::MessageStream,
) {
    // 1. hello
    let hello = loop {
        match tokio::time::timeout(HELLO_WITHIN, stream.recv()).await {
            Ok(Some(Ok(Message::Text(t)))) => break serde_json::from_str::<WsHello>(&t).ok(),
            Ok(Some(Ok(Message::Ping(p)))) => {
                let _ = session.pong(&p).await;
            }
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) => return,
            Ok(Some(Err(ProtocolError::Overflow))) => {
                return close(session, CloseCode::Size, "frame too large").await;
            }
            Ok(Some(Ok(_))) | Ok(Some(Err(_))) | Err(_) => break None,
        }
    };
    let Some(hello) = hello.filter(|h| h.kind == "hello") else {
        return close(session, CloseCode::Other(UNAUTHORIZED), "hello expected").await;
    };
    // Subscribed before the credential is checked: a change to it that lands in between
    // (a revoked token, an ended session) is then in the queue and acted on.
    // A resume point ahead of this instance may be an event another instance committed a
    // moment ago: catch up before deciding it is unknown.
    if hello.resume_from > Some(state.events.last_delivered()) {
        state.deliver().await;
    }
    let Some(sub) = state.events.subscribe(hello.resume_from) else {
        return close(session, CloseCode::Error, "unavailable").await;
    };
    let auth = match authenticate(&state, hello.token.trim(), false).await {
        Ok(a) if a.can(Action::ReadSelf).is_ok() => a,
        _ => return close(session, CloseCode::Other(UNAUTHORIZED), "invalid token").await,
    };
    let Some(_slot) = state.events.open_socket(auth.user.id) else {
        return close(session, CloseCode::Again, "too many open sockets").await;
    };
    let mut view = Viewer::new(&auth);
    let mut receiver = sub.receiver;
    let ready = WsServerFrame::Ready {
        last_event_id: sub.last_event_id,
    };
    if send(&mut session, &ready).await.is_err() {
        return;
    }
    // 2. what was missed, or a gap (read from the table only now that the socket is
    // authenticated and counted)
    let missed = match sub.missed {
        Missed::Events(v) => Some(v),
        Missed::InTable { from, to } => state.events.read_missed(&state.db, from, to).await,
        Missed::Gap => None,
    };
    match missed {
        Some(missed) => {
            for e in missed {
                if view.may_see(&state, &e).await && session.text(e.frame.clone()).await.is_err() {
                    return;
                }
            }
        }
        None => {
            if send(&mut session, &WsServerFrame::Gap).await.is_err() {
                return;
            }
        }
    }
    // 3. live, until the credential expires (then 4401: the client re-authenticates and
    // resumes) or stops being valid
    let expires = view
        .credential
        .expires_at()
        .map(|at| (at - chrono::Utc::now()).to_std().unwrap_or(Duration::ZERO));
    let expiry = async move {
        match expires {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(expiry);
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            msg = stream.recv() => match msg {
                Some(Ok(Message::Ping(p))) => {
                    if session.pong(&p).await.is_err() {
                        return;
                    }
                }
                Some(Ok(Message::Close(_))) | None => return,
                Some(Err(ProtocolError::Overflow)) => {
                    return close(session, CloseCode::Size, "frame too large").await;
                }
                Some(Err(_)) => return close(session, CloseCode::Protocol, "protocol error").await,
                // Nothing else is expected from the client; it is ignored.
                Some(Ok(_)) => {}
            },
            message = receiver.recv() => match message {
                Ok(BusMessage::Event(e)) => {
                    if e.id > sub.last_event_id
                        && view.may_see(&state, &e).await
                        && session.text(e.frame.clone()).await.is_err()
                    {
                        return;
                    }
                }
                Ok(BusMessage::Control(c)) => {
                    if let Err(why) = view.on_control(&state, &c).await {
                        return close(session, CloseCode::Other(UNAUTHORIZED), why).await;
                    }
                }
                // Too slow to keep up: its queue is bounded (the bus's channel), so rather than
                // hold everything for it, it is disconnected; it reconnects and resumes from
                // the event table (or is told to refetch), re-authenticating on the way.
                Err(RecvError::Lagged(_)) => {
                    return close(session, CloseCode::Again, "too slow; resume").await;
                }
                Err(RecvError::Closed) => return close(session, CloseCode::Away, "shutting down").await,
            },
            _ = &mut expiry => {
                return close(session, CloseCode::Other(UNAUTHORIZED), "token expired").await;
            }
            _ = ping.tick() => {
                // A periodic full re-check bounds how long a missed change could go unseen.
                if let Err(why) = view.recheck(&state).await {
                    return close(session, CloseCode::Other(UNAUTHORIZED), why).await;
                }
                if session.ping(b"").await.is_err() {
                    return;
                }
            }
        }
    }
}

async fn send(session: &mut Session, frame: &WsServerFrame) -> Result<(), actix_ws::Closed> {
    match serde_json::to_string(frame) {
        Ok(text) => session.text(text).await,
        Err(_) => Ok(()),
    }
}

/// What one socket's user may see: project events of projects they belong to (remembered per
/// socket, forgotten whenever their rights may have changed), events addressed to them. The
/// policy decides; the socket only remembers its answers.
struct Viewer {
    actor: Actor,
    credential: Credential,
    member_of: HashMap<Uuid, Option<ProjectRole>>,
}

impl Viewer {
    fn new(auth: &AuthUser) -> Self {
        Self {
            actor: auth.actor.clone(),
            credential: auth.credential.clone(),
            member_of: HashMap::new(),
        }
    }

    /// Reads again everything the socket's rights rest on: the account (active, role) and the
    /// credential (session not ended, token not revoked). Forgets the remembered memberships.
    async fn recheck(&mut self, state: &AppState) -> Result<(), &'static str> {
        self.member_of.clear();
        recheck_credential(state, &mut self.actor, &self.credential).await
    }

    /// Reacts to a change of who may see what; `Err` closes the socket.
    async fn on_control(&mut self, state: &AppState, c: &Control) -> Result<(), &'static str> {
        if c.user() != self.actor.user_id {
            return Ok(());
        }
        match (c, &self.credential) {
            (Control::SessionEnded { session, .. }, Credential::Session { session: mine, .. })
                if Some(*session) == *mine =>
            {
                Err("session ended")
            }
            (Control::TokenRevoked { token, .. }, Credential::Token { id, .. }) if token == id => {
                Err("credential revoked")
            }
            (Control::UserChanged { .. }, _) => self.recheck(state).await,
            _ => Ok(()),
        }
    }

    async fn may_see(&mut self, state: &AppState, e: &Arc<Event>) -> bool {
        if e.subject == Some(self.actor.user_id) {
            // Added to or removed from a project: what is remembered about it is stale.
            if let Some(p) = e.project_id {
                self.member_of.remove(&p);
            }
            return true;
        }
        match (&e.audience, e.project_id) {
            (Audience::Users(users), project) => {
                users.contains(&self.actor.user_id)
                    || (project.is_some() && projects::sees_every_project(&self.actor))
            }
            (Audience::Project, Some(p)) => {
                let membership = self.membership(state, p).await;
                projects::may_see_project(&self.actor, membership)
            }
            (Audience::Project, None) => false,
        }
    }

    async fn membership(&mut self, state: &AppState, project: Uuid) -> Option<ProjectRole> {
        if let Some(m) = self.member_of.get(&project) {
            return *m;
        }
        // From the database, not the read cache: a change is announced to sockets before the
        // writing request ends the cache's generation, so the cache could still hold the old
        // role when this runs.
        let role = tandem_db::projects::membership(&state.db, project, self.actor.user_id)
            .await
            .ok()
            .flatten();
        self.member_of.insert(project, role);
        role
    }
}

/// Whether a long-lived connection's rights still stand: the account active (its role read
/// again into `actor`) and the credential alive (session not ended, token not revoked). A
/// moment without the database keeps the connection; the next check decides.
pub(crate) async fn recheck_credential(
    state: &AppState,
    actor: &mut Actor,
    credential: &Credential,
) -> Result<(), &'static str> {
    let user = match tandem_db::accounts::find_user_for_auth(&state.db, actor.user_id).await {
        Ok(u) => u,
        Err(tandem_db::RepoError::NotFound) => return Err("account gone"),
        Err(_) => return Ok(()),
    };
    if UserStatus::parse(&user.status) != Some(UserStatus::Active) {
        return Err("account inactive");
    }
    actor.role = SystemRole::parse(&user.role).unwrap_or(SystemRole::Member);
    let alive = match credential {
        Credential::Session { session, .. } => {
            if state.events.session_ended(*session) {
                return Err("session ended");
            }
            match session {
                Some(s) => tandem_db::accounts::session_alive(&state.db, *s).await,
                None => Ok(true),
            }
        }
        Credential::Token { id, .. } => {
            tandem_db::accounts::access_token_alive(&state.db, *id).await
        }
    };
    match alive {
        Ok(false) => Err("credential revoked"),
        _ => Ok(()),
    }
}
