//! F5: co-editing rooms. A document open in at least one WebSocket has a room: one task that
//! owns its state (`tandem_files::collab::DocState`) and its connections, so every frame is
//! handled in one order without locks. An update is written to `doc_updates` before it is
//! passed on — what any editor saw survives a restart or `kill -9`; frames that arrive
//! together are stored in one write — and a room with editors in it reads the updates other
//! instances wrote (they share the database) when PostgreSQL tells it they did (`NOTIFY
//! tandem_docs` at their commit, heard in `crate::background`), and at its poll. The log is
//! compacted into one update every [`COMPACT_AFTER`] writes and when the room closes, which it
//! does [`IDLE`] after its last connection left. Ten minutes after the first unsaved change
//! (and when the room closes) the text becomes a file version on its own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tandem_files::collab::{ClientID, DocState, update_frame};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::state::AppState;

/// A room with no connection closes after this long (a reconnecting editor finds it loaded).
pub const IDLE: Duration = Duration::from_secs(30);
/// Updates written before the log is compacted.
pub const COMPACT_AFTER: u64 = 500;
/// Unsaved changes become a version after this long.
pub const AUTOSAVE_AFTER: Duration = Duration::from_secs(600);
/// How often a room looks for updates other instances wrote, unless configured
/// (`LiveConfig::doc_poll`). On PostgreSQL they are announced at once (`NOTIFY`): the poll is
/// only the net under a notification lost while the listener reconnected. Two instances on
/// one SQLite file are not a deployment (tests do it), and nothing announces there.
const POLL_PG: Duration = Duration::from_secs(5);
const POLL_SQLITE: Duration = Duration::from_millis(500);
/// How often a room checks whether it is idle, and whether an autosave is due.
const TICK: Duration = Duration::from_millis(500);
/// Frames a connection may fall behind before it is dropped (it reconnects and resyncs).
const QUEUE: usize = 512;
/// Frames handled (and their updates stored) together at most.
const BATCH: usize = 256;

/// What a room sends a connection.
#[derive(Debug, Clone)]
pub enum Out {
    Frame(Arc<Vec<u8>>),
    /// Close with this code and reason.
    Close(u16, &'static str),
}

enum Command {
    Join {
        conn: u64,
        user: Uuid,
        can_write: bool,
        out: mpsc::Sender<Out>,
        done: oneshot::Sender<()>,
    },
    Frame {
        conn: u64,
        bytes: Vec<u8>,
    },
    Rights {
        conn: u64,
        can_write: bool,
    },
    Leave {
        conn: u64,
    },
    /// Another instance wrote to the log.
    CatchUp,
    Text {
        reply: oneshot::Sender<(String, usize)>,
    },
    Replace {
        text: String,
        user: Uuid,
        reply: oneshot::Sender<Result<(), String>>,
    },
}

/// The rooms of this instance.
pub struct Rooms {
    /// Names this instance's rows in `doc_updates`.
    pub instance: Uuid,
    open: Mutex<HashMap<Uuid, mpsc::UnboundedSender<Command>>>,
    next_conn: std::sync::atomic::AtomicU64,
}

impl Default for Rooms {
    fn default() -> Self {
        Self::new()
    }
}

impl Rooms {
    pub fn new() -> Self {
        Rooms {
            instance: Uuid::now_v7(),
            open: Mutex::new(HashMap::new()),
            next_conn: std::sync::atomic::AtomicU64::new(1),
        }
    }

    /// Another instance wrote to `doc`'s log: its room here, if any, reads it now.
    pub fn poke(&self, doc: Uuid) {
        if let Ok(open) = self.open.lock()
            && let Some(tx) = open.get(&doc)
        {
            let _ = tx.send(Command::CatchUp);
        }
    }

    /// Every room here reads what it may have missed (the listener was reconnecting).
    pub fn poke_all(&self) {
        if let Ok(open) = self.open.lock() {
            for tx in open.values() {
                let _ = tx.send(Command::CatchUp);
            }
        }
    }

    /// Documents open here now.
    pub fn open_count(&self) -> usize {
        self.open.lock().map(|m| m.len()).unwrap_or(0)
    }

    fn inbox(&self, state: &AppState, doc: Uuid) -> mpsc::UnboundedSender<Command> {
        let mut open = match self.open.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if let Some(tx) = open.get(&doc)
            && !tx.is_closed()
        {
            return tx.clone();
        }
        let (tx, rx) = mpsc::unbounded_channel();
        open.insert(doc, tx.clone());
        actix_web::rt::spawn(run(state.clone(), doc, tx.clone(), rx));
        tx
    }

    /// A room's sender, retried once when the room was closing as it was asked.
    async fn ask<T>(
        &self,
        state: &AppState,
        doc: Uuid,
        make: impl Fn(oneshot::Sender<T>) -> Command,
    ) -> Result<T, String> {
        for _ in 0..3 {
            let (tx, rx) = oneshot::channel();
            if self.inbox(state, doc).send(make(tx)).is_err() {
                continue;
            }
            if let Ok(v) = rx.await {
                return Ok(v);
            }
        }
        Err("the document could not be opened".into())
    }

    /// Joins a connection of `user` to the document's room; frames for it arrive on the
    /// returned receiver (the welcome first).
    pub async fn join(
        &self,
        state: &AppState,
        doc: Uuid,
        user: Uuid,
        can_write: bool,
    ) -> Result<Connection, String> {
        let conn = self
            .next_conn
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (out_tx, out_rx) = mpsc::channel(QUEUE);
        for _ in 0..3 {
            let (done, joined) = oneshot::channel();
            let cmd = Command::Join {
                conn,
                user,
                can_write,
                out: out_tx.clone(),
                done,
            };
            let inbox = self.inbox(state, doc);
            if inbox.send(cmd).is_err() {
                continue;
            }
            if joined.await.is_ok() {
                return Ok(Connection {
                    conn,
                    inbox,
                    out: out_rx,
                });
            }
        }
        Err("the document could not be opened".into())
    }

    /// The document's text and how many are in it: from its room when open here, else from
    /// the database (opening no room).
    pub async fn text(&self, state: &AppState, doc: Uuid) -> Result<(String, usize), String> {
        let open = self
            .open
            .lock()
            .ok()
            .and_then(|m| m.get(&doc).filter(|tx| !tx.is_closed()).cloned());
        if let Some(tx) = open {
            let (reply, rx) = oneshot::channel();
            if tx.send(Command::Text { reply }).is_ok()
                && let Ok(v) = rx.await
            {
                return Ok(v);
            }
        }
        let (loaded, _) = load(state, doc).await?;
        Ok((loaded.text(), 0))
    }

    /// Makes the document's text `text` (restoring a version), in its room so that everyone
    /// in it sees the change at once.
    pub async fn replace(
        &self,
        state: &AppState,
        doc: Uuid,
        text: String,
        user: Uuid,
    ) -> Result<(), String> {
        self.ask(state, doc, |reply| Command::Replace {
            text: text.clone(),
            user,
            reply,
        })
        .await?
    }
}

/// One connection's end of a room.
pub struct Connection {
    conn: u64,
    inbox: mpsc::UnboundedSender<Command>,
    pub out: mpsc::Receiver<Out>,
}

impl Connection {
    /// Passes a frame from the client on; `false` when the room is gone.
    pub fn send(&self, bytes: Vec<u8>) -> bool {
        self.inbox
            .send(Command::Frame {
                conn: self.conn,
                bytes,
            })
            .is_ok()
    }

    /// The connection's rights changed (read-only now, or writable again).
    pub fn set_write(&self, can_write: bool) {
        let _ = self.inbox.send(Command::Rights {
            conn: self.conn,
            can_write,
        });
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let _ = self.inbox.send(Command::Leave { conn: self.conn });
    }
}

/// The document as stored: its updates (or, for a document that has none yet — a copy, a
/// document from before co-editing — the text of its current version, stored as its first
/// update), and the last update id read.
async fn load(state: &AppState, doc: Uuid) -> Result<(DocState, i64), String> {
    let rows = tandem_db::docs::all(&state.db, doc)
        .await
        .map_err(|e| e.to_string())?;
    if rows.is_empty() {
        let text = current_text(state, doc).await?;
        let (loaded, update) = DocState::create(&text).map_err(|e| e.to_string())?;
        let last = tandem_db::docs::append(&state.db, doc, state.rooms.instance, &[update])
            .await
            .map_err(|e| e.to_string())?;
        return Ok((loaded, last));
    }
    let last = rows.last().map(|r| r.id).unwrap_or(0);
    let loaded =
        DocState::load(rows.iter().map(|r| r.data.as_slice())).map_err(|e| e.to_string())?;
    Ok((loaded, last))
}

/// The text of a document's current version.
pub async fn current_text(state: &AppState, doc: Uuid) -> Result<String, String> {
    let f = tandem_db::files::find_file(&state.db, doc)
        .await
        .map_err(|e| e.to_string())?;
    let v = tandem_db::files::find_version(&state.db, doc, f.current_version)
        .await
        .map_err(|e| e.to_string())?;
    crate::features::library::docs::version_text(state, &v)
        .await
        .map_err(|e| e.to_string())
}

struct Conn {
    user: Uuid,
    can_write: bool,
    out: mpsc::Sender<Out>,
    clients: Vec<ClientID>,
}

/// The room's state while it runs.
struct Room {
    state: AppState,
    doc: Uuid,
    text: DocState,
    conns: HashMap<u64, Conn>,
    /// The last update of another instance applied.
    seen: i64,
    /// The newest update id this room knows of (its own or another's).
    newest: i64,
    written_since_compaction: u64,
    /// The first change not yet saved as a version, and who made the last one.
    unsaved_since: Option<Instant>,
    last_writer: Option<Uuid>,
}

impl Room {
    fn send(&mut self, conn: u64, frame: Arc<Vec<u8>>) {
        let full = match self.conns.get(&conn) {
            Some(c) => c.out.try_send(Out::Frame(frame)).is_err(),
            None => false,
        };
        if full {
            // Too far behind: it reconnects and syncs afresh.
            if let Some(c) = self.conns.remove(&conn) {
                let _ = c.out.try_send(Out::Close(1013, "too slow"));
            }
        }
    }

    fn broadcast(&mut self, except: Option<u64>, frame: Vec<u8>) {
        let frame = Arc::new(frame);
        let ids: Vec<u64> = self
            .conns
            .keys()
            .copied()
            .filter(|c| Some(*c) != except)
            .collect();
        for id in ids {
            self.send(id, frame.clone());
        }
    }

    fn close_all(&mut self, code: u16, why: &'static str) {
        for (_, c) in self.conns.drain() {
            let _ = c.out.try_send(Out::Close(code, why));
        }
    }

    /// Stores updates before anyone else sees them; `false` (and every connection closed)
    /// when the database refused: the editors reconnect and send their state again.
    async fn persist(&mut self, updates: &[Vec<u8>], by: Option<Uuid>) -> bool {
        match tandem_db::docs::append(&self.state.db, self.doc, self.state.rooms.instance, updates)
            .await
        {
            Ok(id) => {
                self.newest = self.newest.max(id);
                self.written_since_compaction += updates.len() as u64;
                self.unsaved_since.get_or_insert_with(Instant::now);
                if by.is_some() {
                    self.last_writer = by;
                }
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, doc = %self.doc, "could not store a document update");
                self.close_all(1011, "could not store the change");
                false
            }
        }
    }

    /// Handles frames that arrived together: applies them in order, stores every update they
    /// carried in one write, and only then sends anything on — one transaction per batch
    /// rather than per keystroke, so twenty typists do not queue on the database.
    async fn frames(&mut self, batch: Vec<(u64, Vec<u8>)>) -> bool {
        // What to send once the batch is stored: (to, except, frame).
        let mut outgoing: Vec<(Option<u64>, Option<u64>, Vec<u8>)> = Vec::new();
        let mut updates: Vec<Vec<u8>> = Vec::new();
        let mut writer = None;
        for (conn, bytes) in batch {
            let Some(c) = self.conns.get(&conn) else {
                continue;
            };
            let (can_write, user) = (c.can_write, c.user);
            let handled = match self.text.handle(&bytes, can_write) {
                Ok(h) => h,
                Err(e) => {
                    tracing::debug!(error = %e, "bad document frame");
                    if let Some(c) = self.conns.remove(&conn) {
                        let _ = c.out.try_send(Out::Close(4400, "not a Yjs message"));
                    }
                    continue;
                }
            };
            outgoing.extend(handled.reply.into_iter().map(|r| (Some(conn), None, r)));
            for u in handled.updates {
                outgoing.push((None, Some(conn), update_frame(&u)));
                updates.push(u);
                writer = Some(user);
            }
            outgoing.extend(handled.to_all.into_iter().map(|f| (None, None, f)));
            if let Some(c) = self.conns.get_mut(&conn) {
                c.clients.extend(handled.clients);
            }
        }
        if !updates.is_empty() && !self.persist(&updates, writer).await {
            return false;
        }
        for (to, except, frame) in outgoing {
            match to {
                Some(conn) => self.send(conn, Arc::new(frame)),
                None => self.broadcast(except, frame),
            }
        }
        true
    }

    /// Updates other instances stored since the last look.
    async fn catch_up(&mut self) {
        let rows = match tandem_db::docs::since(&self.state.db, self.doc, self.seen, 1000).await {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(error = %e, "could not read document updates");
                return;
            }
        };
        for r in rows {
            self.seen = self.seen.max(r.id);
            self.newest = self.newest.max(r.id);
            if r.origin == self.state.rooms.instance {
                continue;
            }
            match self.text.apply_stored(&r.data) {
                Ok(frame) => self.broadcast(None, frame),
                Err(e) => tracing::warn!(error = %e, "a stored document update does not apply"),
            }
        }
    }

    /// Replaces the stored log by one update holding the whole document.
    async fn compact(&mut self) {
        if self.written_since_compaction == 0 {
            return;
        }
        let merged = self.text.encode_all();
        let result = async {
            let txn = tandem_db::begin_write(&self.state.db).await?;
            let id = tandem_db::docs::compact(
                &txn,
                self.doc,
                self.state.rooms.instance,
                self.newest,
                merged,
            )
            .await?;
            txn.commit().await?;
            Ok::<i64, tandem_db::RepoError>(id)
        }
        .await;
        match result {
            Ok(id) => {
                self.newest = id;
                self.written_since_compaction = 0;
            }
            Err(e) => tracing::warn!(error = %e, "could not compact a document's updates"),
        }
    }

    /// Saves the text as a version when it has unsaved changes (by the last writer).
    fn autosave(&mut self, now: bool) {
        let (Some(since), Some(user)) = (self.unsaved_since, self.last_writer) else {
            return;
        };
        if !now && since.elapsed() < AUTOSAVE_AFTER {
            return;
        }
        self.unsaved_since = None;
        let (state, doc, text) = (self.state.clone(), self.doc, self.text.text());
        actix_web::rt::spawn(async move {
            if let Err(e) =
                crate::features::library::docs::save_version(&state, doc, text, user).await
            {
                tracing::warn!(error = %e, doc = %doc, "could not save a document version");
            }
        });
    }
}

async fn run(
    state: AppState,
    doc: Uuid,
    me: mpsc::UnboundedSender<Command>,
    mut inbox: mpsc::UnboundedReceiver<Command>,
) {
    let (text, last) = match load(&state, doc).await {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(error = %e, doc = %doc, "could not open a document");
            forget(&state, doc, &me);
            return;
        }
    };
    let mut room = Room {
        state: state.clone(),
        doc,
        text,
        conns: HashMap::new(),
        seen: last,
        newest: last,
        written_since_compaction: 0,
        unsaved_since: None,
        last_writer: None,
    };
    let every = state
        .config
        .live
        .doc_poll
        .unwrap_or(if tandem_db::is_sqlite(&state.db) {
            POLL_SQLITE
        } else {
            POLL_PG
        });
    let mut polled = Instant::now();
    let mut poll = tokio::time::interval(TICK.min(every));
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut empty_since = Some(Instant::now());
    let mut deferred: Option<Command> = None;
    loop {
        tokio::select! {
            cmd = next(&mut inbox, &mut deferred) => {
                let Some(cmd) = cmd else { break };
                match cmd {
                    Command::Join { conn, user, can_write, out, done } => {
                        // An empty room is not polled: it reads what it missed before its
                        // welcome goes out.
                        if room.conns.is_empty() {
                            room.catch_up().await;
                            polled = Instant::now();
                        }
                        for f in room.text.welcome() {
                            let _ = out.try_send(Out::Frame(Arc::new(f)));
                        }
                        room.conns.insert(conn, Conn { user, can_write, out, clients: Vec::new() });
                        empty_since = None;
                        let _ = done.send(());
                    }
                    Command::Frame { conn, bytes } => {
                        // Whatever else arrived meanwhile goes in the same batch.
                        let mut batch = vec![(conn, bytes)];
                        while batch.len() < BATCH {
                            match inbox.try_recv() {
                                Ok(Command::Frame { conn, bytes }) => batch.push((conn, bytes)),
                                Ok(other) => {
                                    deferred = Some(other);
                                    break;
                                }
                                Err(_) => break,
                            }
                        }
                        if !room.frames(batch).await {
                            break;
                        }
                    }
                    Command::Rights { conn, can_write } => {
                        if let Some(c) = room.conns.get_mut(&conn) {
                            c.can_write = can_write;
                        }
                    }
                    Command::Leave { conn } => {
                        if let Some(c) = room.conns.remove(&conn)
                            && let Some(f) = room.text.leave(&c.clients)
                        {
                            room.broadcast(None, f);
                        }
                        if room.conns.is_empty() {
                            empty_since = Some(Instant::now());
                        }
                    }
                    Command::CatchUp => {
                        room.catch_up().await;
                        polled = Instant::now();
                    }
                    Command::Text { reply } => {
                        let _ = reply.send((room.text.text(), room.conns.len()));
                    }
                    Command::Replace { text, user, reply } => {
                        let result = match room.text.replace_text(&text) {
                            Ok(Some(update)) => {
                                if room.persist(std::slice::from_ref(&update), Some(user)).await {
                                    room.broadcast(None, update_frame(&update));
                                    Ok(())
                                } else {
                                    Err("could not store the change".to_owned())
                                }
                            }
                            Ok(None) => Ok(()),
                            Err(e) => Err(e.to_string()),
                        };
                        let _ = reply.send(result);
                    }
                }
                if room.written_since_compaction >= COMPACT_AFTER {
                    room.compact().await;
                }
            }
            _ = poll.tick() => {
                // Only a room someone is in needs other instances' edits now; a room that
                // fills again reads them before its welcome (see Join).
                if !room.conns.is_empty() && polled.elapsed() >= every {
                    room.catch_up().await;
                    polled = Instant::now();
                }
                room.autosave(false);
                if empty_since.is_some_and(|t| t.elapsed() >= IDLE) {
                    // Closing: new askers get a new room from now on; what is already queued
                    // is answered by dropping it (they ask again).
                    forget(&state, doc, &me);
                    inbox.close();
                    while let Ok(cmd) = inbox.try_recv() {
                        drop(cmd);
                    }
                    break;
                }
            }
        }
    }
    room.close_all(1012, "the document closed");
    room.compact().await;
    room.autosave(true);
    forget(&state, doc, &me);
}

/// The command put aside by the last batch, else the next one to arrive.
async fn next(
    inbox: &mut mpsc::UnboundedReceiver<Command>,
    deferred: &mut Option<Command>,
) -> Option<Command> {
    match deferred.take() {
        Some(c) => Some(c),
        None => inbox.recv().await,
    }
}

/// Takes the room out of the registry, if the registry still names this one.
fn forget(state: &AppState, doc: Uuid, me: &mpsc::UnboundedSender<Command>) {
    if let Ok(mut open) = state.rooms.open.lock()
        && open.get(&doc).is_some_and(|tx| tx.same_channel(me))
    {
        open.remove(&doc);
    }
}
