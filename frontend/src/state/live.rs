//! Live events from `/api/v1/ws` while signed in: one socket per tab, reconnecting with
//! growing pauses and resuming after the last event it saw. Pages react to [`Live::event`]
//! (the newest event) and [`Live::gap`] (missed events: refetch).

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_dto::{WsHello, WsServerFrame};
use uuid::Uuid;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::api;

/// One event as pages see it.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveEvent {
    pub kind: String,
    pub project_id: Option<Uuid>,
    /// Who made the change (`None`: the server's own work).
    pub actor_id: Option<Uuid>,
    pub data: serde_json::Value,
}

impl LiveEvent {
    /// The task the event is about (task, comment, progress and attachment events).
    pub fn task_id(&self) -> Option<Uuid> {
        let key = if self.kind.starts_with("task.") {
            "id"
        } else {
            "task_id"
        };
        self.data.get(key)?.as_str()?.parse().ok()
    }
}

#[derive(Clone, Copy)]
pub struct Live {
    pub event: RwSignal<Option<LiveEvent>>,
    /// Bumped when events may have been missed.
    pub gap: RwSignal<u32>,
}

pub fn use_live() -> Option<Live> {
    use_context::<Live>()
}

/// Calls `f` when an event of one of `kinds` about `task` arrives, or events were missed.
pub fn on_task_event(
    task: Uuid,
    kinds: &'static [&'static str],
    f: impl Fn() + Send + Sync + 'static,
) {
    let Some(live) = use_live() else {
        return;
    };
    Effect::watch(
        move || {
            (
                live.event
                    .get()
                    .filter(|e| kinds.contains(&e.kind.as_str()) && e.task_id() == Some(task)),
                live.gap.get(),
            )
        },
        move |now, before, _| {
            let gap = before.is_some_and(|b| b.1 != now.1);
            if now.0.is_some() || gap {
                f();
            }
        },
        false,
    );
}

/// The socket and the callbacks it calls (dropped together).
struct Conn {
    socket: web_sys::WebSocket,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_close: Closure<dyn FnMut(web_sys::CloseEvent)>,
}

struct State {
    conn: Option<Conn>,
    last_id: Option<u64>,
    /// The newest id when the current connection became ready.
    ready_id: Option<u64>,
    /// Failed attempts in a row: the pause before the next one doubles, up to 30 s.
    failures: u32,
    stopped: bool,
}

/// Opens the live connection for the signed-in shell and provides [`Live`]; closes it when
/// the shell goes away (signing out).
pub fn provide_live() {
    let live = Live {
        event: RwSignal::new(None),
        gap: RwSignal::new(0),
    };
    provide_context(live);
    let state = Rc::new(RefCell::new(State {
        conn: None,
        last_id: None,
        ready_id: None,
        failures: 0,
        stopped: false,
    }));
    connect(state.clone(), live, None);
    let handle = StoredValue::new_local(state);
    on_cleanup(move || {
        handle.try_with_value(|state| {
            let mut s = state.borrow_mut();
            s.stopped = true;
            if let Some(c) = s.conn.take() {
                // Unhooked first: the callbacks are dropped with `c`, before the browser
                // would report the close.
                c.socket.set_onopen(None);
                c.socket.set_onmessage(None);
                c.socket.set_onclose(None);
                let _ = c.socket.close();
            }
        });
    });
}

fn url() -> Option<String> {
    let loc = web_sys::window()?.location();
    let scheme = if loc.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!("{scheme}://{}/api/v1/ws", loc.host().ok()?))
}

fn retry(state: Rc<RefCell<State>>, live: Live, stale: Option<String>) {
    let pause = {
        let mut s = state.borrow_mut();
        if s.stopped {
            return;
        }
        s.failures = (s.failures + 1).min(6);
        1000u32 << (s.failures - 1).min(5)
    };
    spawn_local(async move {
        gloo_timers::future::TimeoutFuture::new(pause.min(30_000)).await;
        connect(state, live, stale);
    });
}

/// Connects with a current access token (`stale`: the one the server refused, to be
/// refreshed first).
fn connect(state: Rc<RefCell<State>>, live: Live, stale: Option<String>) {
    spawn_local(async move {
        if state.borrow().stopped {
            return;
        }
        let token = match api::socket_token(stale.as_deref()).await {
            Ok(Some(t)) => t,
            // Signed out, or the session ended: the shell handles that.
            Ok(None) | Err(api::ApiError::SessionExpired) => return,
            Err(_) => return retry(state, live, stale),
        };
        let Some(socket) = url().and_then(|u| web_sys::WebSocket::new(&u).ok()) else {
            return;
        };
        let resume_from = state.borrow().last_id;
        let hello = serde_json::to_string(&WsHello {
            kind: "hello".into(),
            token: token.clone(),
            resume_from,
        })
        .unwrap_or_default();
        let on_open = {
            let socket = socket.clone();
            Closure::<dyn FnMut()>::new(move || {
                let _ = socket.send_with_str(&hello);
            })
        };
        let on_message = {
            let state = state.clone();
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |m: web_sys::MessageEvent| {
                let Some(text) = m.data().as_string() else {
                    return;
                };
                match serde_json::from_str::<WsServerFrame>(&text) {
                    Ok(WsServerFrame::Ready { last_event_id }) => {
                        let mut s = state.borrow_mut();
                        s.failures = 0;
                        s.ready_id = Some(last_event_id);
                        // First connection: start from now. The page may have read its data
                        // before the socket was ready, and a change in between would never
                        // arrive: pages read again, as after a gap.
                        let first = s.last_id.is_none();
                        s.last_id.get_or_insert(last_event_id);
                        drop(s);
                        if first {
                            live.gap.try_update(|g| *g += 1);
                        }
                    }
                    Ok(WsServerFrame::Event {
                        id,
                        kind,
                        project_id,
                        actor_id,
                        data,
                    }) => {
                        state.borrow_mut().last_id = Some(id);
                        live.event.try_set(Some(LiveEvent {
                            kind,
                            project_id,
                            actor_id,
                            data,
                        }));
                    }
                    Ok(WsServerFrame::Gap) => {
                        // Pages refetch; the next resume starts from this connection's start.
                        let mut s = state.borrow_mut();
                        s.last_id = s.last_id.max(s.ready_id);
                        drop(s);
                        live.gap.try_update(|g| *g += 1);
                    }
                    Err(_) => {}
                }
            })
        };
        let on_close = {
            let state = state.clone();
            Closure::<dyn FnMut(web_sys::CloseEvent)>::new(move |c: web_sys::CloseEvent| {
                // The connection (and this callback) is replaced by the next attempt, never
                // dropped from inside its own callback.
                let refused = c.code() == 4401;
                // Refused: most likely the access token expired; refresh it first.
                retry(state.clone(), live, refused.then(|| token.clone()));
            })
        };
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        let mut s = state.borrow_mut();
        if s.stopped {
            socket.set_onclose(None);
            let _ = socket.close();
            return;
        }
        if let Some(old) = s.conn.take() {
            old.socket.set_onclose(None);
            old.socket.set_onmessage(None);
            old.socket.set_onopen(None);
        }
        s.conn = Some(Conn {
            socket,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        });
    });
}

/// For pages that read a whole view at once (a chart, the dashboard): bumps `version`, which
/// their resource tracks, when events may have been missed, and once per burst of the events
/// `relevant` accepts, `delay_ms` after the burst's first (a drag that moves ten tasks reads
/// the view again once, not ten times).
pub fn reread_on(
    version: RwSignal<u32>,
    delay_ms: u32,
    relevant: impl Fn(&LiveEvent) -> bool + 'static,
) {
    let Some(live) = use_live() else { return };
    Effect::watch(
        move || live.gap.get(),
        move |_, _, _| version.update(|v| *v += 1),
        false,
    );
    let queued = StoredValue::new(false);
    Effect::watch(
        move || live.event.get(),
        move |ev, _, _| {
            if !ev.as_ref().is_some_and(&relevant) || queued.get_value() {
                return;
            }
            queued.set_value(true);
            gloo_timers::callback::Timeout::new(delay_ms, move || {
                queued.set_value(false);
                version.update(|v| *v += 1);
            })
            .forget();
        },
        false,
    );
}
