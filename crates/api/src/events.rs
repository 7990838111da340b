//! Live events for the WebSocket `/api/v1/ws` (API.md "WebSocket"): handlers publish what
//! changed after it committed; every open socket gets what its user may see.
//!
//! The bus is in-process: the newest events stay in memory — at most [`KEPT`] of them and
//! [`KEPT_BYTES`] of frames, whichever is reached first — so a client that reconnects gets what
//! it missed; older resume points, and every resume point after a restart, get
//! `{"type":"gap"}` (refetch). Ids start at the boot time in microseconds, so they keep
//! increasing across restarts and stay exact in JavaScript numbers. Several server instances
//! sharing one PostgreSQL database would each only hear their own events: that needs a shared
//! bus (LISTEN/NOTIFY) and is not built.
//!
//! Besides events, the bus carries [`Control`] messages that never reach a client: changes to
//! who may see what (a role, a membership, a revoked token, an ended session). Sockets re-check
//! their credential and forget what they cached when one concerns their user, and the HTTP
//! authentication refuses access tokens of ended sessions at once (see
//! [`EventBus::session_ended`]).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tandem_dto::{WsEventKind, WsServerFrame};
use tokio::sync::broadcast;
use uuid::Uuid;

/// Events kept for resuming clients…
const KEPT: usize = 10_000;
/// …and at most this many bytes of their frames.
pub const KEPT_BYTES: usize = 16 * 1024 * 1024;
/// Messages a slow socket may fall behind before it is told to refetch (`gap`).
const CHANNEL: usize = 256;

/// Who may receive an event (system administrators receive every project event).
#[derive(Debug, Clone, PartialEq)]
pub enum Audience {
    /// Every member of the event's project.
    Project,
    /// Only these users (a notification's recipient; an attachment with named viewers).
    Users(Vec<Uuid>),
}

#[derive(Debug)]
pub struct Event {
    pub id: u64,
    pub kind: WsEventKind,
    pub project_id: Option<Uuid>,
    pub audience: Audience,
    /// A user the event is about (added to or removed from a project), who receives it too.
    pub subject: Option<Uuid>,
    /// The frame as sent, serialized once for every subscriber.
    pub frame: String,
}

/// A change to who may see what; never sent to clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// A user's system role, status or project memberships changed.
    UserChanged(Uuid),
    /// One login session ended (logout, a reused refresh token, a password change).
    SessionEnded { user: Uuid, session: Uuid },
    /// A personal access token was revoked.
    TokenRevoked { user: Uuid, token: Uuid },
}

impl Control {
    /// The user the change is about.
    pub fn user(&self) -> Uuid {
        match self {
            Control::UserChanged(u)
            | Control::SessionEnded { user: u, .. }
            | Control::TokenRevoked { user: u, .. } => *u,
        }
    }
}

/// What subscribers receive.
#[derive(Debug, Clone)]
pub enum Message {
    Event(Arc<Event>),
    Control(Arc<Control>),
}

pub struct EventBus {
    ring: Mutex<Ring>,
    tx: broadcast::Sender<Message>,
    /// Open sockets per user, so one account cannot hold the server's memory hostage.
    sockets: Mutex<HashMap<Uuid, usize>>,
    /// Ended sessions whose access tokens may still be unexpired.
    ended: Mutex<Ended>,
    /// How long an access token lives: an ended session is remembered that long.
    access_ttl: Duration,
}

/// Sockets one user may keep open (tabs, devices, scripts).
pub const SOCKETS_PER_USER: usize = 32;

/// One open socket, counted until dropped.
pub struct SocketSlot<'a> {
    bus: &'a EventBus,
    user: Uuid,
}

impl Drop for SocketSlot<'_> {
    fn drop(&mut self) {
        if let Ok(mut open) = self.bus.sockets.lock()
            && let Some(n) = open.get_mut(&self.user)
        {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.user);
            }
        }
    }
}

struct Ring {
    next_id: u64,
    events: VecDeque<Arc<Event>>,
    /// Sum of the kept frames' lengths.
    bytes: usize,
}

/// Sessions ended in this process, each kept until its last access token expired.
struct Ended {
    sessions: HashMap<Uuid, Instant>,
    /// When the expired ones were last dropped.
    pruned: Instant,
}

impl Ended {
    /// Drops expired entries, at most once a minute: the map holds only sessions ended within
    /// one access-token lifetime.
    fn prune(&mut self, now: Instant) {
        if now.duration_since(self.pruned) >= Duration::from_secs(60) {
            self.sessions.retain(|_, until| *until > now);
            self.pruned = now;
        }
    }
}

/// What a new subscriber starts from.
pub struct Subscription {
    pub receiver: broadcast::Receiver<Message>,
    /// The newest event id at the moment of subscribing.
    pub last_event_id: u64,
    /// Events after the resume point, oldest first; `None` when they are no longer known.
    pub missed: Option<Vec<Arc<Event>>>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new(Duration::from_secs(15 * 60))
    }
}

impl EventBus {
    /// A bus for a server whose access tokens live `access_ttl`.
    pub fn new(access_ttl: Duration) -> Self {
        let boot = u64::try_from(chrono::Utc::now().timestamp_micros()).unwrap_or(1);
        let (tx, _) = broadcast::channel(CHANNEL);
        Self {
            ring: Mutex::new(Ring {
                next_id: boot.max(1),
                events: VecDeque::new(),
                bytes: 0,
            }),
            tx,
            sockets: Mutex::new(HashMap::new()),
            ended: Mutex::new(Ended {
                sessions: HashMap::new(),
                pruned: Instant::now(),
            }),
            access_ttl,
        }
    }

    /// Counts a socket of `user`; `None` when they already have [`SOCKETS_PER_USER`].
    pub fn open_socket(&self, user: Uuid) -> Option<SocketSlot<'_>> {
        let mut open = self.sockets.lock().ok()?;
        let n = open.entry(user).or_insert(0);
        if *n >= SOCKETS_PER_USER {
            return None;
        }
        *n += 1;
        Some(SocketSlot { bus: self, user })
    }

    /// Publishes an event; call it after the change committed.
    pub fn publish(
        &self,
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
        // Ids are handed out and the event sent under one lock, so every subscriber sees
        // them in id order.
        let Ok(mut ring) = self.ring.lock() else {
            return;
        };
        let id = ring.next_id;
        ring.next_id += 1;
        let frame = WsServerFrame::Event {
            id,
            kind: kind.as_str().to_owned(),
            project_id,
            data,
        };
        let Ok(frame) = serde_json::to_string(&frame) else {
            return;
        };
        let event = Arc::new(Event {
            id,
            kind,
            project_id,
            audience,
            subject,
            frame,
        });
        ring.bytes += event.frame.len();
        ring.events.push_back(event.clone());
        while ring.events.len() > KEPT || (ring.bytes > KEPT_BYTES && ring.events.len() > 1) {
            if let Some(old) = ring.events.pop_front() {
                ring.bytes -= old.frame.len();
            }
        }
        // No subscribers is not an error.
        let _ = self.tx.send(Message::Event(event));
    }

    /// `notification.created`, to its recipient only.
    pub fn notification(&self, n: &tandem_dto::NotificationResponse, recipient: Uuid) {
        self.publish(
            WsEventKind::NotificationCreated,
            None,
            Audience::Users(vec![recipient]),
            None,
            n,
        );
    }

    /// Tells every socket (and this process's authentication) that who may see what changed.
    /// Call it after the change committed.
    pub fn control(&self, c: Control) {
        let until = Instant::now() + self.access_ttl + Duration::from_secs(60);
        if let (Control::SessionEnded { session, .. }, Ok(mut ended)) = (&c, self.ended.lock()) {
            ended.prune(Instant::now());
            ended.sessions.insert(*session, until);
        }
        let _ = self.tx.send(Message::Control(Arc::new(c)));
    }

    /// Whether an access token of session `session` belongs to a session that ended while the
    /// token was still valid.
    pub fn session_ended(&self, session: Option<Uuid>) -> bool {
        let (Some(s), Ok(ended)) = (session, self.ended.lock()) else {
            return false;
        };
        ended
            .sessions
            .get(&s)
            .is_some_and(|until| *until > Instant::now())
    }

    /// Subscribes; with `resume_from`, also returns the kept events after it.
    pub fn subscribe(&self, resume_from: Option<u64>) -> Option<Subscription> {
        let ring = self.ring.lock().ok()?;
        let receiver = self.tx.subscribe();
        let last_event_id = ring.next_id - 1;
        let missed = match resume_from {
            None => Some(Vec::new()),
            Some(from) => {
                let oldest = ring.events.front().map_or(ring.next_id, |e| e.id);
                // Everything after `from` must still be here (and `from` must be one of ours).
                if from.saturating_add(1) < oldest || from > last_event_id {
                    None
                } else {
                    Some(
                        ring.events
                            .iter()
                            .filter(|e| e.id > from)
                            .cloned()
                            .collect(),
                    )
                }
            }
        };
        Some(Subscription {
            receiver,
            last_event_id,
            missed,
        })
    }

    /// Bytes of frames kept for resuming (for tests and metrics).
    pub fn kept_bytes(&self) -> usize {
        self.ring.lock().map(|r| r.bytes).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn publish(bus: &EventBus) {
        bus.publish(
            WsEventKind::TaskCreated,
            Some(Uuid::nil()),
            Audience::Project,
            None,
            &serde_json::json!({}),
        );
    }

    #[test]
    fn resuming_returns_what_was_missed_in_order() {
        let bus = EventBus::default();
        publish(&bus);
        let first = bus.subscribe(None).unwrap().last_event_id;
        publish(&bus);
        publish(&bus);
        let s = bus.subscribe(Some(first)).unwrap();
        let ids: Vec<u64> = s.missed.unwrap().iter().map(|e| e.id).collect();
        assert_eq!(ids, [first + 1, first + 2]);
        assert_eq!(s.last_event_id, first + 2);
        // Up to date: nothing missed.
        assert!(
            bus.subscribe(Some(first + 2))
                .unwrap()
                .missed
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn unknown_resume_points_are_gaps() {
        let bus = EventBus::default();
        publish(&bus);
        let last = bus.subscribe(None).unwrap().last_event_id;
        // Before the first kept event (another boot), or ahead of the newest.
        assert!(bus.subscribe(Some(1)).unwrap().missed.is_none());
        assert!(bus.subscribe(Some(last + 5)).unwrap().missed.is_none());
    }

    #[test]
    fn sockets_per_user_are_limited_and_released() {
        let bus = EventBus::default();
        let me = Uuid::now_v7();
        let slots: Vec<_> = (0..SOCKETS_PER_USER)
            .map(|_| bus.open_socket(me).unwrap())
            .collect();
        assert!(bus.open_socket(me).is_none());
        assert!(bus.open_socket(Uuid::now_v7()).is_some());
        drop(slots);
        assert!(bus.open_socket(me).is_some());
    }

    #[test]
    fn kept_events_are_bounded_by_bytes() {
        let bus = EventBus::default();
        let big = "长".repeat(20_000);
        for _ in 0..2_000 {
            bus.publish(
                WsEventKind::CommentCreated,
                Some(Uuid::nil()),
                Audience::Project,
                None,
                &serde_json::json!({ "body": big }),
            );
        }
        assert!(bus.kept_bytes() <= KEPT_BYTES, "{}", bus.kept_bytes());
        assert!(bus.kept_bytes() > KEPT_BYTES / 2);
        // The oldest were dropped: resuming from before them is a gap.
        let first = bus.subscribe(None).unwrap().last_event_id - 1_999;
        assert!(bus.subscribe(Some(first)).unwrap().missed.is_none());
    }

    #[test]
    fn ended_sessions_refuse_their_access_tokens() {
        let bus = EventBus::default();
        let (user, a, b) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        assert!(!bus.session_ended(Some(a)));
        bus.control(Control::SessionEnded { user, session: a });
        assert!(bus.session_ended(Some(a)));
        assert!(!bus.session_ended(Some(b)));
        // Tokens from before sessions were named cannot be told apart.
        assert!(!bus.session_ended(None));
    }

    #[test]
    fn frames_follow_the_protocol() {
        let bus = EventBus::default();
        let mut s = bus.subscribe(None).unwrap();
        publish(&bus);
        let Message::Event(e) = s.receiver.try_recv().unwrap() else {
            panic!("an event was expected");
        };
        let v: serde_json::Value = serde_json::from_str(&e.frame).unwrap();
        assert_eq!(v["type"], "event");
        assert_eq!(v["kind"], "task.created");
        assert_eq!(v["id"], e.id);
    }
}
