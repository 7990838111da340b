//! The document's connection: one WebSocket to `/api/v1/ws/docs/{id}` speaking the Yjs
//! protocol (`tandem_web_logic::coedit::Session` does the protocol; this file does the
//! browser's part). The access token goes in the WebSocket protocol (`bearer.<token>`), never
//! in the URL. A closed socket is opened again with growing pauses (1 s doubling to 30 s, at
//! once when the browser says it is back online); edits made meanwhile stay in the local copy
//! and merge in the sync that starts every connection. A socket silent for 30 s is taken for
//! dead (our own awareness, renewed every 15 s, comes back from the server).

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_web_logic::coedit::{Incoming, Peer, Selection, Session, User};
use uuid::Uuid;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::api::{self, ApiError};

/// Silence after which a connection is taken for dead (ms).
const SILENT_MS: f64 = 30_000.0;

/// Where the connection is, as the status line says it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    /// Opening, or open but the first sync has not finished.
    Connecting,
    /// In sync with the server: edits go out as they are made.
    Live,
    /// Not connected; edits are kept and merge on reconnecting.
    Offline,
    /// The document was deleted or the reader can no longer see it.
    Gone,
}

/// The socket and the callbacks it calls (dropped together).
struct Socket {
    ws: web_sys::WebSocket,
    open: bool,
    /// The browser reported it closed.
    closed: bool,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_close: Closure<dyn FnMut(web_sys::CloseEvent)>,
}

impl Socket {
    fn unhook(&self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
    }
}

/// A window event listener, kept to be removed again.
type Listener = (&'static str, Closure<dyn FnMut()>);

struct Inner {
    doc: Uuid,
    session: Session,
    socket: Option<Socket>,
    /// Failed attempts in a row (the pause before the next one doubles).
    failures: u32,
    /// Bumped by every attempt scheduled: a pause that ends after a newer attempt does nothing.
    attempt: u32,
    stopped: bool,
    /// When the server was last heard from (ms).
    heard: f64,
    area: Option<web_sys::HtmlTextAreaElement>,
    /// The timer and the window's online/offline listeners (dropped on stop).
    timer: Option<gloo_timers::callback::Interval>,
    listeners: Vec<Listener>,
}

/// A document open for editing: what the page draws from, and the way edits get in.
#[derive(Clone, Copy)]
pub(super) struct Link {
    pub status: RwSignal<Status>,
    /// The text (for the preview and the others' cursors).
    pub text: RwSignal<String>,
    pub peers: RwSignal<Vec<Peer>>,
    /// The first sync finished: the text is the server's and may be edited.
    pub synced: RwSignal<bool>,
    pub can_edit: RwSignal<bool>,
    inner: StoredValue<Rc<RefCell<Inner>>, LocalStorage>,
}

fn now() -> f64 {
    js_sys::Date::now()
}

fn url(doc: Uuid) -> Option<String> {
    let loc = web_sys::window()?.location();
    let scheme = if loc.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!(
        "{scheme}://{}/api/v1/ws/docs/{doc}",
        loc.host().ok()?
    ))
}

/// A textarea's selection, anchor and head (backwards selections have the anchor at the end).
pub(super) fn selection_of(el: &web_sys::HtmlTextAreaElement) -> Option<Selection> {
    let start = el.selection_start().ok().flatten()?;
    let end = el.selection_end().ok().flatten()?;
    let backward = el.selection_direction().ok().flatten().as_deref() == Some("backward");
    Some(if backward {
        Selection {
            anchor: end,
            head: start,
        }
    } else {
        Selection {
            anchor: start,
            head: end,
        }
    })
}

fn focused(el: &web_sys::HtmlTextAreaElement) -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
        .is_some_and(|a| {
            let el: &web_sys::Element = el.as_ref();
            a == *el
        })
}

impl Link {
    /// Opens the document `doc` (its text as the server last sent it, shown until the first
    /// sync) for `user`; closes it when the calling component goes.
    pub fn start(doc: Uuid, can_edit: bool, user: User) -> Link {
        let mut session = Session::new(None, can_edit);
        let _ = session.set_user(user, now() as u64);
        let inner = Rc::new(RefCell::new(Inner {
            doc,
            session,
            socket: None,
            failures: 0,
            attempt: 0,
            stopped: false,
            heard: now(),
            area: None,
            timer: None,
            listeners: Vec::new(),
        }));
        let link = Link {
            status: RwSignal::new(Status::Connecting),
            text: RwSignal::new(String::new()),
            peers: RwSignal::new(Vec::new()),
            synced: RwSignal::new(false),
            can_edit: RwSignal::new(can_edit),
            inner: StoredValue::new_local(inner.clone()),
        };
        link.watch(&inner);
        connect(inner, link, None, false);
        on_cleanup(move || link.stop());
        link
    }

    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> Option<R> {
        self.inner
            .try_with_value(|i| i.try_borrow_mut().ok().map(|mut i| f(&mut i)))
            .flatten()
    }

    /// The timer (presence renewal and time-outs, a silent socket) and the browser's
    /// online/offline events.
    fn watch(&self, inner: &Rc<RefCell<Inner>>) {
        let link = *self;
        let timer = gloo_timers::callback::Interval::new(1_000, move || link.tick());
        let offline = Closure::<dyn FnMut()>::new(move || {
            // The socket may take long to notice; the reader should know now.
            link.drop_socket();
        });
        let online = {
            let inner = inner.clone();
            Closure::<dyn FnMut()>::new(move || {
                // Back online: try now rather than after the pause (which is called off).
                let idle = inner.try_borrow_mut().is_ok_and(|mut i| {
                    i.failures = 0;
                    i.attempt += 1;
                    !i.stopped && i.socket.as_ref().is_none_or(|s| s.closed)
                });
                if idle {
                    connect(inner.clone(), link, None, true);
                }
            })
        };
        if let Some(w) = web_sys::window() {
            let _ = w.add_event_listener_with_callback("offline", offline.as_ref().unchecked_ref());
            let _ = w.add_event_listener_with_callback("online", online.as_ref().unchecked_ref());
        }
        if let Ok(mut i) = inner.try_borrow_mut() {
            i.timer = Some(timer);
            i.listeners = vec![("offline", offline), ("online", online)];
        }
    }

    fn tick(&self) {
        let t = now();
        let out = self.with(|i| {
            let (renew, gone) = i.session.tick(t as u64);
            if let Some(f) = renew {
                send(i, &f);
            }
            let silent = i.socket.as_ref().is_some_and(|s| s.open) && t - i.heard > SILENT_MS;
            (gone.then(|| i.session.peers()), silent)
        });
        if let Some((peers, silent)) = out {
            if let Some(p) = peers {
                self.peers.try_set(p);
            }
            if silent {
                self.drop_socket();
            }
        }
    }

    /// Gives the socket up as if the network had dropped it, without waiting for the browser
    /// to notice (the browser went offline, or the server fell silent); it reconnects.
    fn drop_socket(&self) {
        let dropped = self
            .with(|i| {
                let s = i.socket.take()?;
                s.unhook();
                // 4000: ours, "given up".
                let _ = s.ws.close_with_code(4000);
                Some(i.session.disconnected())
            })
            .flatten();
        let Some(had_peers) = dropped else { return };
        if had_peers {
            self.peers.try_set(Vec::new());
        }
        self.status.try_set(offline_or_connecting(*self));
        if let Some(inner) = self.inner.try_get_value() {
            retry(inner, *self, None);
        }
    }

    /// Leaves: the others are told, the socket closed, nothing reconnects.
    fn stop(&self) {
        self.with(|i| {
            i.stopped = true;
            if let Some(f) = i.session.leave(now() as u64) {
                send(i, &f);
            }
            if let Some(s) = i.socket.take() {
                s.unhook();
                let _ = s.ws.close_with_code(1000);
            }
            i.timer = None;
            if let Some(w) = web_sys::window() {
                for (name, cb) in i.listeners.drain(..) {
                    let _ =
                        w.remove_event_listener_with_callback(name, cb.as_ref().unchecked_ref());
                }
            }
        });
    }

    /// The textarea that shows the text (it is written when others' edits arrive). Until the
    /// first sync it shows the text as last read, read-only.
    pub fn attach(&self, el: web_sys::HtmlTextAreaElement) {
        let synced = self.synced.get_untracked();
        let text = self
            .with(|i| {
                i.area = Some(el.clone());
                synced.then(|| i.session.text())
            })
            .flatten()
            .unwrap_or_else(|| self.text.get_untracked());
        el.set_value(&text);
    }

    /// The textarea changed (typing, deleting, pasting, undo, a finished composition).
    pub fn input(&self) {
        let out = self.with(|i| {
            let el = i.area.clone()?;
            if i.session.is_composing() {
                return None;
            }
            let value = el.value();
            let sel = selection_of(&el);
            if let Some(f) = i.session.edit(&value, sel.map(|s| s.head)) {
                send(i, &f);
            }
            let text = i.session.text();
            // A change the copy did not take (a viewer's, before the first sync) is undone.
            if text != value {
                el.set_value(&text);
            }
            announce(i, sel.filter(|_| focused(&el)));
            Some(text)
        });
        if let Some(Some(text)) = out {
            self.text.try_set(text);
        }
    }

    pub fn composition_start(&self) {
        self.with(|i| i.session.start_composing());
    }

    /// The input method committed its text: it becomes an edit, then what others sent
    /// meanwhile is applied.
    pub fn composition_end(&self) {
        let out = self.with(|i| {
            let el = i.area.clone()?;
            let sel = selection_of(&el);
            let (edit, got) =
                i.session
                    .end_composing(&el.value(), sel.map(|s| s.head), sel, now() as u64);
            if let Some(f) = edit {
                send(i, &f);
            }
            let mut applied = apply(i, got, &el);
            // The committed text changed it even when nobody else did.
            applied.text.get_or_insert_with(|| i.session.text());
            announce(i, selection_of(&el).filter(|_| focused(&el)));
            Some(applied)
        });
        if let Some(Some(a)) = out {
            self.after(a);
        }
    }

    /// The selection moved (or focus came or went): the others see our caret there.
    pub fn selection_changed(&self) {
        self.with(|i| {
            let Some(el) = i.area.clone() else { return };
            let sel = selection_of(&el).filter(|_| focused(&el));
            announce(i, sel);
        });
    }

    /// What changed after a message, for the signals.
    fn after(&self, a: Applied) {
        if let Some(t) = a.text {
            self.text.try_set(t);
        }
        if let Some(p) = a.peers {
            self.peers.try_set(p);
        }
        if a.synced {
            self.synced.try_set(true);
            self.status.try_set(Status::Live);
        }
    }
}

/// What applying a message changed.
struct Applied {
    text: Option<String>,
    peers: Option<Vec<Peer>>,
    synced: bool,
}

/// Sends what a message asks back, redraws the textarea when the text changed (keeping the
/// selection where the session carried it), and says what the signals need.
fn apply(i: &mut Inner, got: Incoming, el: &web_sys::HtmlTextAreaElement) -> Applied {
    for r in &got.replies {
        send(i, r);
    }
    let text = got.text_changed.then(|| {
        let text = i.session.text();
        if el.value() != text {
            el.set_value(&text);
            if let Some(s) = got.selection {
                let dir = if s.anchor > s.head {
                    "backward"
                } else {
                    "forward"
                };
                let _ = el.set_selection_range_with_direction(s.start(), s.end(), dir);
            }
        }
        text
    });
    if got.synced {
        // The textarea becomes editable now; where the caret is, the others should see.
        let sel = selection_of(el).filter(|_| focused(el));
        announce(i, sel);
    }
    Applied {
        text,
        peers: got.presence_changed.then(|| i.session.peers()),
        synced: got.synced,
    }
}

fn send(i: &Inner, frame: &[u8]) {
    if let Some(s) = i.socket.as_ref().filter(|s| s.open) {
        let _ = s.ws.send_with_u8_array(frame);
    }
}

fn announce(i: &mut Inner, sel: Option<Selection>) {
    if let Some(f) = i.session.set_selection(sel, now() as u64) {
        send(i, &f);
    }
}

/// Opens the socket. `check`: read the document first (after a drop: is it still there, may
/// the reader still edit it — a refused upgrade does not say why).
fn connect(inner: Rc<RefCell<Inner>>, link: Link, stale: Option<String>, check: bool) {
    spawn_local(async move {
        let Some(doc) = inner
            .try_borrow()
            .ok()
            .filter(|i| !i.stopped)
            .map(|i| i.doc)
        else {
            return;
        };
        if check {
            match api::docs::get(doc).await {
                Ok(d) => {
                    if let Ok(mut i) = inner.try_borrow_mut() {
                        i.session.set_can_edit(d.can_edit);
                    }
                    link.can_edit.try_set(d.can_edit);
                }
                Err(e) if e.status() == Some(404) => {
                    link.status.try_set(Status::Gone);
                    link.stop();
                    return;
                }
                Err(ApiError::SessionExpired) => return,
                Err(_) => return retry(inner, link, stale),
            }
        }
        let token = match api::socket_token(stale.as_deref()).await {
            Ok(Some(t)) => t,
            // Signed out, or the session ended: the shell takes the reader to the login page.
            Ok(None) | Err(ApiError::SessionExpired) => return,
            Err(_) => return retry(inner, link, stale),
        };
        let Some(ws) = url(doc)
            .and_then(|u| web_sys::WebSocket::new_with_str(&u, &format!("bearer.{token}")).ok())
        else {
            return retry(inner, link, None);
        };
        ws.set_binary_type(web_sys::BinaryType::Arraybuffer);
        let on_open = {
            let inner = inner.clone();
            Closure::<dyn FnMut()>::new(move || {
                if let Ok(mut i) = inner.try_borrow_mut() {
                    i.heard = now();
                    if let Some(s) = i.socket.as_mut() {
                        s.open = true;
                    }
                    for f in i.session.connected(now() as u64) {
                        send(&i, &f);
                    }
                }
            })
        };
        let on_message = {
            let inner = inner.clone();
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |m: web_sys::MessageEvent| {
                // Binary frames arrive as ArrayBuffers (binaryType); anything else reads as
                // empty and is ignored as not Yjs.
                let bytes = js_sys::Uint8Array::new(&m.data()).to_vec();
                let applied = inner.try_borrow_mut().ok().and_then(|mut i| {
                    i.heard = now();
                    let el = i.area.clone()?;
                    let sel = selection_of(&el);
                    let got = i.session.receive(&bytes, now() as u64, sel).ok()?;
                    if got.synced {
                        i.failures = 0;
                    }
                    Some(apply(&mut i, got, &el))
                });
                if let Some(a) = applied {
                    link.after(a);
                }
            })
        };
        let on_close = {
            let inner = inner.clone();
            let token = token.clone();
            Closure::<dyn FnMut(web_sys::CloseEvent)>::new(move |c: web_sys::CloseEvent| {
                // The socket (and this callback) is replaced by the next attempt, never dropped
                // from inside its own callback.
                let had_peers = inner.try_borrow_mut().is_ok_and(|mut i| {
                    if let Some(s) = i.socket.as_mut() {
                        s.open = false;
                        s.closed = true;
                    }
                    i.session.disconnected()
                });
                if had_peers {
                    link.peers.try_set(Vec::new());
                }
                match c.code() {
                    4404 => {
                        link.status.try_set(Status::Gone);
                        // Not from inside this callback: stopping drops it.
                        spawn_local(async move { link.stop() });
                    }
                    // The credential ended (an access token expires): a fresh one, then again.
                    4401 => {
                        link.status.try_set(offline_or_connecting(link));
                        retry(inner.clone(), link, Some(token.clone()));
                    }
                    _ => {
                        link.status.try_set(offline_or_connecting(link));
                        retry(inner.clone(), link, None);
                    }
                }
            })
        };
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        let Ok(mut i) = inner.try_borrow_mut() else {
            return;
        };
        if i.stopped {
            ws.set_onclose(None);
            let _ = ws.close();
            return;
        }
        if let Some(old) = i.socket.take() {
            old.unhook();
            let _ = old.ws.close();
        }
        i.socket = Some(Socket {
            ws,
            open: false,
            closed: false,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        });
    });
}

fn offline_or_connecting(link: Link) -> Status {
    if link.synced.get_untracked() {
        Status::Offline
    } else {
        Status::Connecting
    }
}

/// Tries again after a pause that doubles with each failure (1 s … 30 s).
fn retry(inner: Rc<RefCell<Inner>>, link: Link, stale: Option<String>) {
    let Ok(mut i) = inner.try_borrow_mut() else {
        return;
    };
    if i.stopped {
        return;
    }
    i.failures = (i.failures + 1).min(6);
    i.attempt += 1;
    let (pause, attempt) = (1000u32 << (i.failures - 1).min(5), i.attempt);
    drop(i);
    spawn_local(async move {
        gloo_timers::future::TimeoutFuture::new(pause.min(30_000)).await;
        // A newer attempt (the browser came back online) may have started meanwhile.
        let current = inner
            .try_borrow()
            .is_ok_and(|i| i.attempt == attempt && !i.stopped);
        if current {
            connect(inner, link, stale, true);
        }
    });
}
