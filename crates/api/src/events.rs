//! Live events for the WebSocket `/api/v1/ws` (API.md "WebSocket").
//!
//! A change writes its events into the `events` table in its own transaction (through
//! [`crate::outbox::Outbox`]): no event without its change, no change without its event. After
//! the commit the bus *delivers*: it reads the table past the last id it delivered, in id order,
//! and broadcasts each event to this instance's sockets, every one of which passes on what its
//! user may see. Delivery runs after each local commit, when PostgreSQL announces a commit of
//! another instance (`LISTEN tandem_events`, see [`crate::background`]), and once a second as a
//! safety net — so any number of instances sharing one PostgreSQL database deliver each other's
//! events. SQLite is one instance (its file lives on one machine and has one writer).
//!
//! A client that reconnects with the last id it saw gets what it missed from the newest
//! events kept in memory, or else from the table — across restarts — unless retention removed
//! them (`TANDEM_EVENT_RETENTION`) or there are more than [`MAX_MISSED`]: then `gap`
//! (refetch).
//!
//! Besides events, the table carries [`Control`] messages that never reach a client: changes to
//! who may see what (a role, a membership, a revoked token, an ended session). Sockets re-check
//! their credential and forget what they cached when one concerns their user, and the HTTP
//! authentication refuses access tokens of ended sessions at once (see
//! [`EventBus::session_ended`]) — on every instance.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tandem_db::DatabaseConnection;
use tandem_db::entities::events as rows;
use tokio::sync::broadcast;
use uuid::Uuid;

/// Delivered events kept in memory for resuming clients…
const KEPT: usize = 10_000;
/// …and at most this many bytes of their frames.
pub const KEPT_BYTES: usize = 16 * 1024 * 1024;
/// Messages a socket may fall behind (its bounded queue) before it is disconnected: it
/// reconnects and resumes from the table. The queue is shared (one ring of `Arc`s for every
/// socket), so its size costs nothing per socket; it is large enough for the biggest single
/// commit (a task batch of 1 000 tasks and their successors) to reach sockets that keep up.
pub const CHANNEL: usize = 4096;
/// A resuming client missing more events than this is told to refetch instead…
pub const MAX_MISSED: u64 = 5_000;
/// …or more than this many bytes of them.
pub const MAX_MISSED_BYTES: usize = 16 * 1024 * 1024;
/// Rows read per query when delivering.
const BATCH: u64 = 500;
/// The `kind` of control rows.
const CONTROL: &str = "control";

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
    pub kind: String,
    pub project_id: Option<Uuid>,
    pub audience: Audience,
    /// A user the event is about (added to or removed from a project), who receives it too.
    pub subject: Option<Uuid>,
    /// The frame as sent, serialized once for every subscriber.
    pub frame: String,
}

/// A change to who may see what; never sent to clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "control", rename_all = "snake_case")]
pub enum Control {
    /// A user's system role, status or project memberships changed.
    UserChanged { user: Uuid },
    /// One login session ended (logout, a reused refresh token, a password change).
    SessionEnded { user: Uuid, session: Uuid },
    /// A personal access token was revoked.
    TokenRevoked { user: Uuid, token: Uuid },
}

impl Control {
    /// The user the change is about.
    pub fn user(&self) -> Uuid {
        match self {
            Control::UserChanged { user }
            | Control::SessionEnded { user, .. }
            | Control::TokenRevoked { user, .. } => *user,
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
    /// One delivery at a time, so events are broadcast once and in id order.
    pump: tokio::sync::Mutex<()>,
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
    /// The newest id delivered (events and controls).
    last_id: u64,
    events: VecDeque<Arc<Event>>,
    /// Sum of the kept frames' lengths.
    bytes: usize,
}

/// Sessions ended, each kept until its last access token expired.
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
    /// What happened after the resume point.
    pub missed: Missed,
}

/// The events a resuming subscriber missed.
pub enum Missed {
    /// These, oldest first (from memory).
    Events(Vec<Arc<Event>>),
    /// Older than memory keeps: those in `(from, to]` are read from the table
    /// ([`EventBus::read_missed`]) — only once the subscriber has authenticated.
    InTable { from: u64, to: u64 },
    /// No longer known, or never issued here: refetch.
    Gap,
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new(Duration::from_secs(15 * 60), 0, CHANNEL)
    }
}

/// An event row as delivered; `None` for a control row.
fn event_of(row: &rows::Model) -> Option<Event> {
    if row.kind == CONTROL {
        return None;
    }
    let id = u64::try_from(row.id).ok()?;
    let audience = match &row.audience {
        None => Audience::Project,
        Some(a) => Audience::Users(serde_json::from_str(a).ok()?),
    };
    // The frame of `WsServerFrame::Event`, put together around the stored JSON of `data`
    // rather than parsing it only to write it again (delivery handles every event of a
    // thousand-task batch). The stored text was written by serde_json, so it is valid JSON.
    let frame = format!(
        r#"{{"type":"event","id":{id},"kind":{},"project_id":{},"actor_id":{},"data":{}}}"#,
        serde_json::to_string(&row.kind).ok()?,
        serde_json::to_string(&row.project_id).ok()?,
        serde_json::to_string(&row.actor_id).ok()?,
        row.data
    );
    Some(Event {
        id,
        kind: row.kind.clone(),
        project_id: row.project_id,
        audience,
        subject: row.subject,
        frame,
    })
}

/// The row of a control message.
pub(crate) fn control_row(c: &Control) -> tandem_db::events::NewEvent {
    tandem_db::events::NewEvent {
        kind: CONTROL.to_owned(),
        project_id: None,
        audience: Some(Vec::new()),
        subject: Some(c.user()),
        actor_id: None,
        data: serde_json::to_value(c).unwrap_or_default(),
    }
}

impl EventBus {
    /// A bus for a server whose access tokens live `access_ttl`, starting after event `last_id`
    /// (the newest in the table: older ones are history, not news), with sockets' queues of
    /// `queue` messages.
    pub fn new(access_ttl: Duration, last_id: u64, queue: usize) -> Self {
        let (tx, _) = broadcast::channel(queue.max(16));
        Self {
            ring: Mutex::new(Ring {
                last_id,
                events: VecDeque::new(),
                bytes: 0,
            }),
            tx,
            pump: tokio::sync::Mutex::new(()),
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

    /// Delivers what was committed since the last delivery, in id order; returns how many
    /// rows. Safe to call from anywhere at any time: deliveries take turns.
    pub async fn deliver(&self, db: &DatabaseConnection) -> Result<usize, tandem_db::RepoError> {
        let _turn = self.pump.lock().await;
        let mut total = 0;
        loop {
            let from = self.ring.lock().map(|r| r.last_id).unwrap_or(u64::MAX);
            let batch =
                tandem_db::events::after(db, i64::try_from(from).unwrap_or(i64::MAX), BATCH)
                    .await?;
            let n = batch.len();
            for row in &batch {
                self.accept(row);
            }
            // Let the sockets on this thread drain their queues between batches.
            tokio::task::yield_now().await;
            total += n;
            if (n as u64) < BATCH {
                return Ok(total);
            }
        }
    }

    /// Broadcasts one delivered row.
    fn accept(&self, row: &rows::Model) {
        let Ok(id) = u64::try_from(row.id) else {
            return;
        };
        if row.kind == CONTROL {
            match serde_json::from_str::<Control>(&row.data) {
                Ok(c) => self.apply_control(c),
                Err(e) => tracing::error!(error = %e, id, "unreadable control event"),
            }
            if let Ok(mut ring) = self.ring.lock() {
                ring.last_id = ring.last_id.max(id);
            }
            return;
        }
        let Some(event) = event_of(row) else {
            tracing::error!(id, "unreadable event skipped");
            if let Ok(mut ring) = self.ring.lock() {
                ring.last_id = ring.last_id.max(id);
            }
            return;
        };
        let event = Arc::new(event);
        // The id is advanced and the event sent under one lock, so a subscriber sees every
        // event after its `last_event_id` exactly once: from the ring, or from the channel.
        let Ok(mut ring) = self.ring.lock() else {
            return;
        };
        ring.last_id = ring.last_id.max(id);
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

    fn apply_control(&self, c: Control) {
        if let Control::SessionEnded { session, .. } = &c {
            self.note_session_ended(*session);
        }
        let _ = self.tx.send(Message::Control(Arc::new(c)));
    }

    /// Remembers that `session` ended (its access tokens are refused until they expire).
    pub fn note_session_ended(&self, session: Uuid) {
        let until = Instant::now() + self.access_ttl + Duration::from_secs(60);
        if let Ok(mut ended) = self.ended.lock() {
            ended.prune(Instant::now());
            ended.sessions.insert(session, until);
        }
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

    /// Subscribes; with `resume_from`, also says what was missed since. Reads nothing from the
    /// database: a socket subscribes before it authenticates (so no change to its rights can
    /// slip in between), and an unauthenticated one must not cost more than this.
    pub fn subscribe(&self, resume_from: Option<u64>) -> Option<Subscription> {
        let ring = self.ring.lock().ok()?;
        let receiver = self.tx.subscribe();
        let last = ring.last_id;
        let missed = match resume_from {
            None => Missed::Events(Vec::new()),
            Some(from) if from > last => Missed::Gap,
            Some(from) => match ring.events.front().map(|e| e.id) {
                // Memory holds every event after `from` when it holds the one after it.
                Some(oldest) if from.saturating_add(1) >= oldest => Missed::Events(
                    ring.events
                        .iter()
                        .filter(|e| e.id > from)
                        .cloned()
                        .collect(),
                ),
                None if from == last => Missed::Events(Vec::new()),
                _ => Missed::InTable { from, to: last },
            },
        };
        Some(Subscription {
            receiver,
            last_event_id: last,
            missed,
        })
    }

    /// Events in `(from, to]` from the table, or `None` when retention removed some of them,
    /// or there are more than [`MAX_MISSED`] or [`MAX_MISSED_BYTES`] of them (refetching is
    /// cheaper then).
    pub async fn read_missed(
        &self,
        db: &DatabaseConnection,
        from: u64,
        to: u64,
    ) -> Option<Vec<Arc<Event>>> {
        let (from_i, to_i) = (i64::try_from(from).ok()?, i64::try_from(to).ok()?);
        let horizon = tandem_db::events::horizon(db).await.ok()?;
        if from_i < horizon {
            return None;
        }
        let mut out = Vec::new();
        let (mut after, mut bytes) = (from_i, 0usize);
        loop {
            let rows = tandem_db::events::between(db, after, to_i, BATCH)
                .await
                .ok()?;
            let n = rows.len();
            for row in &rows {
                after = row.id;
                if let Some(e) = event_of(row) {
                    bytes += e.frame.len();
                    out.push(Arc::new(e));
                }
            }
            if out.len() as u64 > MAX_MISSED || bytes > MAX_MISSED_BYTES {
                return None;
            }
            if (n as u64) < BATCH {
                return Some(out);
            }
        }
    }

    /// Drops kept events up to `through` (retention removed them from the table).
    pub fn forget_through(&self, through: u64) {
        if let Ok(mut ring) = self.ring.lock() {
            while ring.events.front().is_some_and(|e| e.id <= through) {
                if let Some(old) = ring.events.pop_front() {
                    ring.bytes -= old.frame.len();
                }
            }
        }
    }

    /// Bytes of frames kept for resuming (for tests and metrics).
    pub fn kept_bytes(&self) -> usize {
        self.ring.lock().map(|r| r.bytes).unwrap_or(0)
    }

    /// The newest id delivered.
    pub fn last_delivered(&self) -> u64 {
        self.ring.lock().map(|r| r.last_id).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, kind: &str, data: serde_json::Value) -> rows::Model {
        rows::Model {
            id,
            kind: kind.to_owned(),
            project_id: Some(Uuid::nil()),
            audience: None,
            subject: None,
            actor_id: Some(Uuid::from_u128(42)),
            data: data.to_string(),
            created_at: chrono::Utc::now(),
        }
    }

    fn deliver(bus: &EventBus, id: i64) {
        bus.accept(&row(id, "task.created", serde_json::json!({})));
    }

    /// What a subscriber resuming from `from` is told: the ids from memory, or where else.
    fn missed(bus: &EventBus, from: u64) -> Result<Vec<u64>, &'static str> {
        match bus.subscribe(Some(from)).unwrap().missed {
            Missed::Events(v) => Ok(v.iter().map(|e| e.id).collect()),
            Missed::InTable { .. } => Err("table"),
            Missed::Gap => Err("gap"),
        }
    }

    #[test]
    fn delivered_events_are_kept_in_order_for_resuming() {
        let bus = EventBus::new(Duration::from_secs(900), 10, CHANNEL);
        let mut rx = bus.tx.subscribe();
        for id in [11, 12, 15] {
            deliver(&bus, id);
        }
        assert_eq!(bus.last_delivered(), 15);
        assert_eq!(missed(&bus, 11), Ok(vec![12, 15]));
        assert_eq!(missed(&bus, 15), Ok(vec![]));
        // Older than memory: the table answers (after authentication); ahead: a gap.
        assert_eq!(missed(&bus, 9), Err("table"));
        assert_eq!(missed(&bus, 16), Err("gap"));
        let mut seen = Vec::new();
        while let Ok(Message::Event(e)) = rx.try_recv() {
            seen.push(e.id);
        }
        assert_eq!(seen, [11, 12, 15]);
    }

    #[test]
    fn kept_events_are_bounded_by_bytes() {
        let bus = EventBus::default();
        let big = "长".repeat(20_000);
        for id in 1..=2_000 {
            bus.accept(&row(
                id,
                "comment.created",
                serde_json::json!({ "body": big }),
            ));
        }
        assert!(bus.kept_bytes() <= KEPT_BYTES, "{}", bus.kept_bytes());
        assert!(bus.kept_bytes() > KEPT_BYTES / 2);
        // The oldest were dropped from memory (a resume from before them reads the table).
        assert_eq!(missed(&bus, 1), Err("table"));
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
    fn ended_sessions_refuse_their_access_tokens_once_delivered() {
        let bus = EventBus::default();
        let (user, a, b) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        assert!(!bus.session_ended(Some(a)));
        let c = control_row(&Control::SessionEnded { user, session: a });
        bus.accept(&rows::Model {
            id: 1,
            kind: c.kind,
            project_id: None,
            audience: Some("[]".into()),
            subject: c.subject,
            actor_id: None,
            data: c.data.to_string(),
            created_at: chrono::Utc::now(),
        });
        assert!(bus.session_ended(Some(a)));
        assert!(!bus.session_ended(Some(b)));
        // Tokens from before sessions were named cannot be told apart.
        assert!(!bus.session_ended(None));
        // Controls move the delivery point but are never kept for clients.
        assert_eq!(bus.last_delivered(), 1);
        assert_eq!(bus.kept_bytes(), 0);
    }

    #[test]
    fn frames_follow_the_protocol() {
        let bus = EventBus::default();
        let mut rx = bus.tx.subscribe();
        deliver(&bus, 7);
        let Message::Event(e) = rx.try_recv().unwrap() else {
            panic!("an event was expected");
        };
        let v: serde_json::Value = serde_json::from_str(&e.frame).unwrap();
        assert_eq!(v["type"], "event");
        assert_eq!(v["kind"], "task.created");
        assert_eq!(v["id"], 7);
    }

    #[test]
    fn frames_are_what_serde_would_write() {
        let r = row(
            9,
            "task.updated",
            serde_json::json!({ "title": "引号\" 和 \\ 反斜杠" }),
        );
        let built: serde_json::Value = serde_json::from_str(&event_of(&r).unwrap().frame).unwrap();
        let expected = serde_json::to_value(tandem_dto::WsServerFrame::Event {
            id: 9,
            kind: "task.updated".into(),
            project_id: Some(Uuid::nil()),
            actor_id: Some(Uuid::from_u128(42)),
            data: serde_json::from_str(&r.data).unwrap(),
        })
        .unwrap();
        assert_eq!(built, expected);
    }

    #[test]
    fn audiences_round_trip_through_rows() {
        let u = Uuid::now_v7();
        let mut r = row(3, "notification.created", serde_json::json!({}));
        r.audience = Some(serde_json::json!([u.to_string()]).to_string());
        assert_eq!(event_of(&r).unwrap().audience, Audience::Users(vec![u]));
    }
}
