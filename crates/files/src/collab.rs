//! F5: one co-edited document's state on the server and the Yjs sync and awareness protocol
//! spoken over its WebSocket — exactly what the stock `y-websocket` provider speaks: one
//! message per binary frame, sync step 1/2 and updates (`[0, …]`), awareness (`[1, …]`),
//! awareness queries (`[3]`). The Markdown is the shared `Y.Text` named `content`.
//!
//! No I/O here: the caller (a room) persists the updates [`DocState::handle`] returns before
//! it sends the frames on, and owns the sockets.

use similar::{DiffOp, TextDiff};
use yrs::sync::protocol::SyncMessage;
use yrs::sync::{Awareness, AwarenessUpdate, Message};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{
    Doc, GetString, OffsetKind, Options, ReadTxn, StateVector, Text, TextRef, Transact, Update,
};

/// The shared text every client edits.
pub const TEXT: &str = "content";
/// The largest frame accepted (a paste of a long document).
pub const MAX_FRAME: usize = 8 * 1024 * 1024;
pub use yrs::ClientID;

/// The largest document text, in UTF-16 code units (what JavaScript counts).
pub const MAX_TEXT: usize = 16 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum CollabError {
    #[error("not a Yjs message: {0}")]
    Malformed(String),
    #[error("the update does not apply: {0}")]
    Update(String),
    #[error("the document would be longer than 16 million characters")]
    TooLarge,
}

/// What to do after a frame from one connection.
#[derive(Debug, Default)]
pub struct Handled {
    /// Frames for the sender only.
    pub reply: Vec<Vec<u8>>,
    /// Document updates: persist them, then send [`update_frame`]s of them to every other
    /// connection.
    pub updates: Vec<Vec<u8>>,
    /// Frames for every connection, the sender included (awareness, which a lone client needs
    /// echoed to stay connected).
    pub to_all: Vec<Vec<u8>>,
    /// Awareness client ids this frame introduced (removed when the connection goes).
    pub clients: Vec<ClientID>,
    /// A read-only connection tried to change the document (its change was dropped).
    pub refused: bool,
}

/// A document loaded for editing, with who is in it (awareness).
pub struct DocState {
    awareness: Awareness,
    text: TextRef,
}

fn frame(msg: &Message) -> Vec<u8> {
    msg.encode_v1()
}

/// The frame that carries a document update to a client.
pub fn update_frame(update: &[u8]) -> Vec<u8> {
    frame(&Message::Sync(SyncMessage::Update(update.to_vec())))
}

impl DocState {
    /// A document from its stored updates, in order.
    pub fn load<'a>(updates: impl IntoIterator<Item = &'a [u8]>) -> Result<Self, CollabError> {
        let doc = Doc::with_options(Options {
            // Offsets as JavaScript counts them: the web app and Yjs clients edit by them.
            offset_kind: OffsetKind::Utf16,
            ..Options::default()
        });
        let text = doc.get_or_insert_text(TEXT);
        {
            let mut txn = doc.transact_mut();
            for u in updates {
                let update =
                    Update::decode_v1(u).map_err(|e| CollabError::Malformed(e.to_string()))?;
                txn.apply_update(update)
                    .map_err(|e| CollabError::Update(e.to_string()))?;
            }
        }
        Ok(DocState {
            awareness: Awareness::new(doc),
            text,
        })
    }

    /// A new document holding `markdown`; returns it and the update that makes it.
    pub fn create(markdown: &str) -> Result<(Self, Vec<u8>), CollabError> {
        let mut state = DocState::load([])?;
        let update = state
            .replace_text(markdown)?
            .unwrap_or_else(|| state.encode_all());
        Ok((state, update))
    }

    fn doc(&self) -> &Doc {
        self.awareness.doc()
    }

    /// The document's Markdown.
    pub fn text(&self) -> String {
        self.text.get_string(&self.doc().transact())
    }

    /// The whole document as one update (what compaction stores).
    pub fn encode_all(&self) -> Vec<u8> {
        self.doc()
            .transact()
            .encode_state_as_update_v1(&StateVector::default())
    }

    /// The frames a new connection gets first: sync step 1 and, in a frame of its own (a
    /// client reads one message per frame), who is already in the document.
    pub fn welcome(&self) -> Vec<Vec<u8>> {
        let sv = self.doc().transact().state_vector();
        let mut out = vec![frame(&Message::Sync(SyncMessage::SyncStep1(sv)))];
        if let Ok(update) = self.awareness.update()
            && !update.clients.is_empty()
        {
            out.push(frame(&Message::Awareness(update)));
        }
        out
    }

    /// Handles one frame — one message, as y-websocket sends them — from a connection that
    /// may (`can_write`) or may not change the document.
    pub fn handle(&mut self, bytes: &[u8], can_write: bool) -> Result<Handled, CollabError> {
        if bytes.len() > MAX_FRAME {
            return Err(CollabError::TooLarge);
        }
        let mut out = Handled::default();
        let msg = Message::decode_v1(bytes).map_err(|e| CollabError::Malformed(e.to_string()))?;
        {
            match msg {
                Message::Sync(SyncMessage::SyncStep1(sv)) => {
                    let diff = self.doc().transact().encode_state_as_update_v1(&sv);
                    out.reply
                        .push(frame(&Message::Sync(SyncMessage::SyncStep2(diff))));
                }
                Message::Sync(SyncMessage::SyncStep2(u) | SyncMessage::Update(u)) => {
                    if !can_write {
                        out.refused = !u.is_empty() && u != [0, 0];
                    } else if self.apply(&u)? {
                        out.updates.push(u);
                    }
                }
                Message::Awareness(update) => {
                    let added = self.apply_awareness(update.clone())?;
                    out.clients.extend(added);
                    out.to_all.push(frame(&Message::Awareness(update)));
                }
                Message::AwarenessQuery => {
                    if let Ok(update) = self.awareness.update() {
                        out.reply.push(frame(&Message::Awareness(update)));
                    }
                }
                // Authentication happened before the socket opened; custom messages are not ours.
                Message::Auth(_) | Message::Custom(..) => {}
            }
        }
        Ok(out)
    }

    /// Applies an update; `false` for an empty one (a client's step 2 with nothing new).
    fn apply(&mut self, bytes: &[u8]) -> Result<bool, CollabError> {
        if bytes == [0, 0] {
            return Ok(false);
        }
        let update = Update::decode_v1(bytes).map_err(|e| CollabError::Malformed(e.to_string()))?;
        let mut txn = self.doc().transact_mut();
        // Checked before applying (an applied update cannot be taken back): an update adds at
        // most as many characters as it has bytes.
        if self.text.len(&txn) as usize + bytes.len() > MAX_TEXT {
            return Err(CollabError::TooLarge);
        }
        txn.apply_update(update)
            .map_err(|e| CollabError::Update(e.to_string()))?;
        Ok(true)
    }

    fn apply_awareness(&mut self, update: AwarenessUpdate) -> Result<Vec<ClientID>, CollabError> {
        let summary = self
            .awareness
            .apply_update_summary(update)
            .map_err(|e| CollabError::Malformed(e.to_string()))?;
        Ok(summary.map(|s| s.added).unwrap_or_default())
    }

    /// An update stored by another server instance: applied, and the frame to pass on.
    pub fn apply_stored(&mut self, bytes: &[u8]) -> Result<Vec<u8>, CollabError> {
        self.apply(bytes)?;
        Ok(update_frame(bytes))
    }

    /// A connection went: the clients it introduced leave; the frame telling the others.
    pub fn leave(&mut self, clients: &[ClientID]) -> Option<Vec<u8>> {
        if clients.is_empty() {
            return None;
        }
        for c in clients {
            self.awareness.remove_state(*c);
        }
        let update = self
            .awareness
            .update_with_clients(clients.iter().copied())
            .ok()?;
        Some(frame(&Message::Awareness(update)))
    }

    /// How many clients are in the document (awareness states not left).
    pub fn present(&self) -> usize {
        self.awareness
            .iter()
            .filter(|(_, s)| s.data.is_some())
            .count()
    }

    /// Makes the text `markdown` with the fewest edits (so what others typed meanwhile stays,
    /// and cursors outside the change do not move); the update, or `None` when equal.
    pub fn replace_text(&mut self, markdown: &str) -> Result<Option<Vec<u8>>, CollabError> {
        if markdown.len() > MAX_TEXT {
            return Err(CollabError::TooLarge);
        }
        let old = self.text();
        if old == markdown {
            return Ok(None);
        }
        let old_chars: Vec<char> = old.chars().collect();
        let new_chars: Vec<char> = markdown.chars().collect();
        // UTF-16 offset of each char of the old text (and of its end).
        let mut at = Vec::with_capacity(old_chars.len() + 1);
        let mut n = 0u32;
        for c in &old_chars {
            at.push(n);
            n += c.len_utf16() as u32;
        }
        at.push(n);
        let diff = TextDiff::configure()
            .timeout(std::time::Duration::from_secs(1))
            .diff_chars(old.as_str(), markdown);
        let mut txn = self.doc().transact_mut();
        // From the end, so the offsets of what is still to do stay valid.
        for op in diff.ops().iter().rev() {
            let (old_start, old_len, new_start, new_len) = match *op {
                DiffOp::Equal { .. } => continue,
                DiffOp::Delete {
                    old_index, old_len, ..
                } => (old_index, old_len, 0, 0),
                DiffOp::Insert {
                    old_index,
                    new_index,
                    new_len,
                } => (old_index, 0, new_index, new_len),
                DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } => (old_index, old_len, new_index, new_len),
            };
            let start = at[old_start];
            if old_len > 0 {
                self.text
                    .remove_range(&mut txn, start, at[old_start + old_len] - start);
            }
            if new_len > 0 {
                let piece: String = new_chars[new_start..new_start + new_len].iter().collect();
                self.text.insert(&mut txn, start, &piece);
            }
        }
        let update = txn.encode_update_v1();
        Ok(Some(update))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(text: &str) -> (Doc, TextRef) {
        let doc = Doc::with_options(Options {
            offset_kind: OffsetKind::Utf16,
            ..Options::default()
        });
        let t = doc.get_or_insert_text(TEXT);
        if !text.is_empty() {
            t.insert(&mut doc.transact_mut(), 0, text);
        }
        (doc, t)
    }

    fn sync_from(server: &mut DocState, doc: &Doc) -> Handled {
        let sv = doc.transact().state_vector();
        let step1 = Message::Sync(SyncMessage::SyncStep1(sv)).encode_v1();
        server.handle(&step1, true).expect("handled")
    }

    #[test]
    fn a_client_syncs_in_two_steps_and_its_edits_reach_the_server() {
        let mut server = DocState::load([]).expect("empty");
        let (doc, text) = client("");
        // The server's step 2 answers the client's step 1.
        let h = sync_from(&mut server, &doc);
        assert_eq!(h.reply.len(), 1);
        assert_eq!(h.reply[0][..2], [0, 1]);
        // The client types; its update is applied, to be stored and passed on.
        let update = {
            let mut txn = doc.transact_mut();
            text.insert(&mut txn, 0, "# 周报\n");
            txn.encode_update_v1()
        };
        let msg = Message::Sync(SyncMessage::Update(update.clone())).encode_v1();
        let h = server.handle(&msg, true).expect("handled");
        assert_eq!(h.updates, vec![update]);
        assert_eq!(server.text(), "# 周报\n");
        // A reader's edit is dropped.
        let more = {
            let mut txn = doc.transact_mut();
            text.insert(&mut txn, 0, "x");
            txn.encode_update_v1()
        };
        let msg = Message::Sync(SyncMessage::Update(more)).encode_v1();
        let h = server.handle(&msg, false).expect("handled");
        assert!(h.refused && h.updates.is_empty());
        assert_eq!(server.text(), "# 周报\n");
    }

    #[test]
    fn stored_updates_load_back_to_the_same_text() {
        let (mut state, first) = DocState::create("第一行\n").expect("created");
        let second = state
            .replace_text("第一行\n第二行 🎉\n")
            .expect("ok")
            .expect("changed");
        let loaded = DocState::load([first.as_slice(), second.as_slice()]).expect("loaded");
        assert_eq!(loaded.text(), "第一行\n第二行 🎉\n");
        let compacted = DocState::load([state.encode_all().as_slice()]).expect("loaded");
        assert_eq!(compacted.text(), loaded.text());
    }

    #[test]
    fn replacing_the_text_keeps_a_concurrent_edit_elsewhere() {
        let (mut server, base) = DocState::create("标题\n正文第一段\n结尾\n").expect("created");
        let (doc, text) = client("");
        doc.transact_mut()
            .apply_update(Update::decode_v1(&base).expect("decoded"))
            .expect("applied");
        // The client edits the end while the server restores a version that changed the start.
        let local = {
            let mut txn = doc.transact_mut();
            let len = text.len(&txn);
            text.insert(&mut txn, len, "附言\n");
            txn.encode_update_v1()
        };
        let restore = server
            .replace_text("新标题\n正文第一段\n结尾\n")
            .expect("ok")
            .expect("changed");
        server
            .handle(&Message::Sync(SyncMessage::Update(local)).encode_v1(), true)
            .expect("handled");
        doc.transact_mut()
            .apply_update(Update::decode_v1(&restore).expect("decoded"))
            .expect("applied");
        let client_text = text.get_string(&doc.transact());
        assert_eq!(server.text(), "新标题\n正文第一段\n结尾\n附言\n");
        assert_eq!(client_text, server.text());
    }

    #[test]
    fn awareness_is_echoed_to_all_and_removed_when_its_connection_goes() {
        let mut server = DocState::load([]).expect("empty");
        let (doc, _) = client("");
        let mut aw = Awareness::new(doc);
        aw.set_local_state_raw(r##"{"user":{"name":"李雷","color":"#e11"}}"##);
        let msg = Message::Awareness(aw.update().expect("update")).encode_v1();
        let h = server.handle(&msg, false).expect("handled");
        assert_eq!(h.to_all, vec![msg]);
        assert_eq!(h.clients.len(), 1);
        assert_eq!(server.present(), 1);
        // A newcomer is told who is there, in a frame of its own.
        assert_eq!(server.welcome().len(), 2);
        let gone = server.leave(&h.clients).expect("a frame");
        assert_eq!(gone[0], 1);
        assert_eq!(server.present(), 0);
    }

    #[test]
    fn garbage_is_refused() {
        let mut server = DocState::load([]).expect("empty");
        assert!(server.handle(&[0, 2, 200, 1, 2], true).is_err());
    }
}
