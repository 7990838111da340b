//! `GET /api/v1/ws`: live events over a WebSocket (API.md "WebSocket"). The first text frame
//! is `{"type":"hello","token":…,"resume_from":…}`; the server answers `ready`, then the
//! missed events (or `gap`), then live ones, each only to users who may see it. One user may
//! keep `SOCKETS_PER_USER` sockets open; more close with 1013 (try again later).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{CloseCode, CloseReason, Message, ProtocolError, Session};
use tandem_dto::{TokenScope, UserStatus, WsEventKind, WsHello, WsServerFrame};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use crate::events::{Audience, Event};
use crate::extract::{AuthUser, authenticate};
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
    let auth = match authenticate(&state, hello.token.trim(), false).await {
        Ok(a)
            if a.actor
                .scopes
                .as_ref()
                .is_none_or(|s| s.contains(&TokenScope::Read)) =>
        {
            a
        }
        _ => return close(session, CloseCode::Other(UNAUTHORIZED), "invalid token").await,
    };
    let Some(_slot) = state.events.open_socket(auth.user.id) else {
        return close(session, CloseCode::Again, "too many open sockets").await;
    };
    let Some(sub) = state.events.subscribe(hello.resume_from) else {
        return close(session, CloseCode::Error, "unavailable").await;
    };
    let mut view = Viewer::new(&auth);
    let mut receiver = sub.receiver;
    let ready = WsServerFrame::Ready {
        last_event_id: sub.last_event_id,
    };
    if send(&mut session, &ready).await.is_err() {
        return;
    }
    // 2. what was missed, or a gap
    match sub.missed {
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
    // 3. live
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
            event = receiver.recv() => match event {
                Ok(e) => {
                    if e.id > sub.last_event_id
                        && view.may_see(&state, &e).await
                        && session.text(e.frame.clone()).await.is_err()
                    {
                        return;
                    }
                }
                // Too slow to keep up: the client must refetch.
                Err(RecvError::Lagged(_)) => {
                    if send(&mut session, &WsServerFrame::Gap).await.is_err() {
                        return;
                    }
                }
                Err(RecvError::Closed) => return close(session, CloseCode::Away, "shutting down").await,
            },
            _ = ping.tick() => {
                // A deactivated account's socket ends with its sessions.
                if !still_active(&state, view.user).await {
                    return close(session, CloseCode::Other(UNAUTHORIZED), "account inactive").await;
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

async fn still_active(state: &AppState, user: Uuid) -> bool {
    tandem_db::accounts::find_user_for_auth(&state.db, user)
        .await
        .is_ok_and(|u| UserStatus::parse(&u.status) == Some(UserStatus::Active))
}

/// What one socket's user may see: project events of projects they belong to (remembered per
/// socket, kept current by the membership events about them), events addressed to them.
struct Viewer {
    user: Uuid,
    sees_every_project: bool,
    member_of: HashMap<Uuid, bool>,
}

impl Viewer {
    fn new(auth: &AuthUser) -> Self {
        Self {
            user: auth.user.id,
            sees_every_project: auth.actor.role == tandem_dto::SystemRole::Admin,
            member_of: HashMap::new(),
        }
    }

    async fn may_see(&mut self, state: &AppState, e: &Arc<Event>) -> bool {
        if e.subject == Some(self.user) {
            if let Some(p) = e.project_id {
                self.member_of.insert(p, e.kind == WsEventKind::MemberAdded);
            }
            return true;
        }
        match (&e.audience, e.project_id) {
            (Audience::Users(users), project) => {
                users.contains(&self.user) || (project.is_some() && self.sees_every_project)
            }
            (Audience::Project, Some(p)) => {
                self.sees_every_project || self.is_member(state, p).await
            }
            (Audience::Project, None) => false,
        }
    }

    async fn is_member(&mut self, state: &AppState, project: Uuid) -> bool {
        if let Some(m) = self.member_of.get(&project) {
            return *m;
        }
        let cache = &state.cache;
        let load = tandem_db::projects::membership(&state.db, project, self.user);
        let member = cache
            .get_or_load(true, &cache.memberships, (project, self.user), load)
            .await
            .is_ok_and(|r| r.is_some());
        self.member_of.insert(project, member);
        member
    }
}
