//! A Yjs client for tests of `WS /api/v1/ws/docs/{id}`: a yrs document synced over the same
//! protocol the browser's y-websocket speaks (one message per binary frame).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use yrs::sync::protocol::SyncMessage;
use yrs::sync::{Awareness, Message};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{
    Doc, GetString, OffsetKind, Options, ReadTxn, StateVector, Text, TextRef, Transact, Update,
};

use crate::TestApp;
use crate::ws::Socket;

/// How a client proves who it is.
pub enum Auth<'a> {
    /// `Sec-WebSocket-Protocol: bearer.<token>`.
    Bearer(&'a str),
    /// `?ticket=`.
    Ticket(&'a str),
}

pub struct YjsClient {
    ws: Socket,
    pub doc: Doc,
    pub text: TextRef,
    /// Awareness states seen: client id → JSON (`null` once left).
    pub peers: HashMap<u64, String>,
    synced: bool,
    /// The close code, once the server closed the socket.
    pub closed: Option<u16>,
}

/// Opens a socket; `Err(status)` when the handshake is refused.
pub async fn open(app: &TestApp, doc: uuid::Uuid, auth: Auth<'_>) -> Result<Socket, u16> {
    let base = app.base.replacen("http", "ws", 1);
    let url = match auth {
        Auth::Ticket(t) => format!("{base}/api/v1/ws/docs/{doc}?ticket={t}"),
        Auth::Bearer(_) => format!("{base}/api/v1/ws/docs/{doc}"),
    };
    let mut req = url.into_client_request().unwrap();
    if let Auth::Bearer(token) = auth {
        req.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            format!("bearer.{token}").parse().unwrap(),
        );
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => Err(r.status().as_u16()),
        Err(e) => panic!("{e}"),
    }
}

impl YjsClient {
    /// Connects and syncs (the server's step 2 arrived).
    pub async fn connect(app: &TestApp, doc: uuid::Uuid, auth: Auth<'_>) -> Result<Self, u16> {
        let ws = open(app, doc, auth).await?;
        let d = Doc::with_options(Options {
            offset_kind: OffsetKind::Utf16,
            ..Options::default()
        });
        let text = d.get_or_insert_text("content");
        let mut c = YjsClient {
            ws,
            doc: d,
            text,
            peers: HashMap::new(),
            synced: false,
            closed: None,
        };
        let sv = c.doc.transact().state_vector();
        c.send(Message::Sync(SyncMessage::SyncStep1(sv))).await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !c.synced {
            assert!(
                tokio::time::Instant::now() < deadline,
                "no sync step 2 within 10 s"
            );
            c.pump(Duration::from_millis(100)).await;
        }
        Ok(c)
    }

    pub async fn send(&mut self, m: Message) {
        let _ = self.ws.send(Frame::binary(m.encode_v1())).await;
    }

    /// Sends raw bytes as one frame.
    pub async fn send_raw(&mut self, bytes: Vec<u8>) {
        let _ = self.ws.send(Frame::binary(bytes)).await;
    }

    /// The text as this client has it.
    pub fn string(&self) -> String {
        self.text.get_string(&self.doc.transact())
    }

    /// Inserts `s` at UTF-16 offset `at` (clamped) and sends the update.
    pub async fn insert(&mut self, at: u32, s: &str) {
        let update = {
            let mut txn = self.doc.transact_mut();
            let at = at.min(self.text.len(&txn));
            self.text.insert(&mut txn, at, s);
            txn.encode_update_v1()
        };
        self.send(Message::Sync(SyncMessage::Update(update))).await;
    }

    /// Removes `len` units at `at` (clamped) and sends the update.
    pub async fn remove(&mut self, at: u32, len: u32) {
        let update = {
            let mut txn = self.doc.transact_mut();
            let n = self.text.len(&txn);
            let at = at.min(n);
            self.text.remove_range(&mut txn, at, len.min(n - at));
            txn.encode_update_v1()
        };
        self.send(Message::Sync(SyncMessage::Update(update))).await;
    }

    /// Announces this client's awareness state.
    pub async fn announce(&mut self, json: &str) {
        let mut aw = Awareness::new(self.doc.clone());
        aw.set_local_state_raw(json.to_owned());
        let update = aw.update().unwrap();
        self.send(Message::Awareness(update)).await;
    }

    fn handle(&mut self, bytes: &[u8]) -> Option<Message> {
        let msg = Message::decode_v1(bytes).expect("a Yjs message");
        match &msg {
            Message::Sync(SyncMessage::SyncStep1(sv)) => {
                let diff = self.doc.transact().encode_state_as_update_v1(sv);
                return Some(Message::Sync(SyncMessage::SyncStep2(diff)));
            }
            Message::Sync(SyncMessage::SyncStep2(u)) | Message::Sync(SyncMessage::Update(u)) => {
                if matches!(msg, Message::Sync(SyncMessage::SyncStep2(_))) {
                    self.synced = true;
                }
                self.doc
                    .transact_mut()
                    .apply_update(Update::decode_v1(u).unwrap())
                    .unwrap();
            }
            Message::Awareness(a) => {
                for (id, e) in &a.clients {
                    self.peers.insert(id.get(), e.json.to_string());
                }
            }
            _ => {}
        }
        None
    }

    /// Reads and applies whatever arrives for `wait`.
    pub async fn pump(&mut self, wait: Duration) {
        let until = tokio::time::Instant::now() + wait;
        loop {
            let left = until.saturating_duration_since(tokio::time::Instant::now());
            let Ok(next) = tokio::time::timeout(left, self.ws.next()).await else {
                return;
            };
            match next {
                Some(Ok(Frame::Binary(b))) => {
                    if let Some(reply) = self.handle(&b) {
                        self.send(reply).await;
                    }
                }
                Some(Ok(Frame::Close(c))) => {
                    self.closed = Some(c.map(|c| u16::from(c.code)).unwrap_or(1005));
                    return;
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => {
                    self.closed.get_or_insert(1006);
                    return;
                }
            }
        }
    }

    /// Pumps until `pred` holds for the text (10 s at most).
    pub async fn wait_for(&mut self, pred: impl Fn(&str) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !pred(&self.string()) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "text never matched: {:?}",
                self.string()
            );
            self.pump(Duration::from_millis(50)).await;
        }
    }

    /// The state vector (what this client has seen).
    pub fn state_vector(&self) -> StateVector {
        self.doc.transact().state_vector()
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}
