//! Live events for the WebSocket `/api/v1/ws` (API.md "WebSocket"): handlers publish what
//! changed after it committed; every open socket gets what its user may see.
//!
//! The bus is in-process: the last [`KEPT`] events stay in memory so a client that reconnects
//! gets what it missed; older resume points, and every resume point after a restart, get
//! `{"type":"gap"}` (refetch). Ids start at the boot time in microseconds, so they keep
//! increasing across restarts and stay exact in JavaScript numbers. Several server instances
//! sharing one PostgreSQL database would each only hear their own events: that needs a shared
//! bus (LISTEN/NOTIFY) and is not built.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tandem_dto::{WsEventKind, WsServerFrame};
use tokio::sync::broadcast;
use uuid::Uuid;

/// Events kept for resuming clients.
const KEPT: usize = 10_000;

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

pub struct EventBus {
    ring: Mutex<Ring>,
    tx: broadcast::Sender<Arc<Event>>,
    /// Open sockets per user, so one account cannot hold the server's memory hostage.
    sockets: Mutex<std::collections::HashMap<Uuid, usize>>,
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
}

/// What a new subscriber starts from.
pub struct Subscription {
    pub receiver: broadcast::Receiver<Arc<Event>>,
    /// The newest event id at the moment of subscribing.
    pub last_event_id: u64,
    /// Events after the resume point, oldest first; `None` when they are no longer known.
    pub missed: Option<Vec<Arc<Event>>>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}

impl EventBus {
    pub fn new() -> Self {
        let boot = u64::try_from(chrono::Utc::now().timestamp_micros()).unwrap_or(1);
        let (tx, _) = broadcast::channel(1024);
        Self {
            ring: Mutex::new(Ring {
                next_id: boot.max(1),
                events: VecDeque::with_capacity(KEPT),
            }),
            tx,
            sockets: Mutex::new(std::collections::HashMap::new()),
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
        if ring.events.len() == KEPT {
            ring.events.pop_front();
        }
        ring.events.push_back(event.clone());
        // No subscribers is not an error.
        let _ = self.tx.send(event);
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
        let bus = EventBus::new();
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
        let bus = EventBus::new();
        publish(&bus);
        let last = bus.subscribe(None).unwrap().last_event_id;
        // Before the first kept event (another boot), or ahead of the newest.
        assert!(bus.subscribe(Some(1)).unwrap().missed.is_none());
        assert!(bus.subscribe(Some(last + 5)).unwrap().missed.is_none());
    }

    #[test]
    fn sockets_per_user_are_limited_and_released() {
        let bus = EventBus::new();
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
    fn frames_follow_the_protocol() {
        let bus = EventBus::new();
        let mut s = bus.subscribe(None).unwrap();
        publish(&bus);
        let e = s.receiver.try_recv().unwrap();
        let v: serde_json::Value = serde_json::from_str(&e.frame).unwrap();
        assert_eq!(v["type"], "event");
        assert_eq!(v["kind"], "task.created");
        assert_eq!(v["id"], e.id);
    }
}
