//! One browser's copy of a co-edited document and the Yjs protocol it speaks with the server
//! (`WS /api/v1/ws/docs/{id}`, exactly y-websocket's: one message per binary frame).
//!
//! - Connecting sends sync step 1 (our state vector) and our awareness; the server's step 1
//!   is answered with step 2 holding whatever it lacks — edits made offline included — and its
//!   step 2 brings what we lack. So a reconnect merges both sides' edits.
//! - A local edit is the textarea's new value: reduced to one splice ([`super::splice`]) and
//!   applied to the shared `Y.Text` named `content`; the update goes to the server when
//!   connected (otherwise it waits in the document for the next sync).
//! - A remote edit moves the text under the user's selection: the selection is held as Yjs
//!   sticky indexes across it, so it stays on the same characters.
//! - While an input method composes (Chinese pinyin, Japanese kana…) the textarea must not be
//!   rewritten, or the composition breaks: document messages are held until it ends, then the
//!   committed text is diffed and the held messages applied after it.

use yrs::sync::Message;
use yrs::sync::awareness::AwarenessUpdate;
use yrs::sync::protocol::SyncMessage;
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{
    Assoc, Doc, GetString, IndexedSequence, OffsetKind, Options, ReadTxn, StickyIndex, Text,
    TextRef, Transact, Update,
};

use super::presence::{self, Applied, Cursor, LocalState, Presence, User};
use super::splice::splice;

/// The shared text every client edits (the server's `tandem_files::collab::TEXT`).
pub const TEXT: &str = "content";

/// A selection in the textarea: `anchor` where it started, `head` where the caret is (UTF-16
/// units; `anchor > head` when made backwards).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selection {
    pub anchor: u32,
    pub head: u32,
}

impl Selection {
    pub fn caret(at: u32) -> Self {
        Selection {
            anchor: at,
            head: at,
        }
    }
    pub fn start(&self) -> u32 {
        self.anchor.min(self.head)
    }
    pub fn end(&self) -> u32 {
        self.anchor.max(self.head)
    }
}

/// What a message from the server did.
#[derive(Debug, Default)]
pub struct Incoming {
    /// Frames to send back (a sync step 2, our awareness).
    pub replies: Vec<Vec<u8>>,
    /// The text changed: draw it again, with the selection below.
    pub text_changed: bool,
    /// Where the user's selection is now (when one was given and the text changed).
    pub selection: Option<Selection>,
    /// Someone arrived, left, or moved their cursor.
    pub presence_changed: bool,
    /// The server's step 2 arrived: we hold everything it had when we connected.
    pub synced: bool,
}

impl Incoming {
    fn merge(&mut self, other: Incoming) {
        self.replies.extend(other.replies);
        self.text_changed |= other.text_changed;
        if other.selection.is_some() {
            self.selection = other.selection;
        }
        self.presence_changed |= other.presence_changed;
        self.synced |= other.synced;
    }
}

/// A message that is not Yjs (or an update that does not apply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub String);

/// Someone else in the document, as drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub client: u64,
    pub name: String,
    pub color: String,
    pub color_light: String,
    /// Their selection in our text (`None`: their editor is not focused, or their position
    /// refers to text we do not have yet).
    pub selection: Option<Selection>,
}

pub struct Session {
    doc: Doc,
    text: TextRef,
    presence: Presence,
    user: Option<User>,
    /// Our cursor as last announced.
    cursor: Option<Cursor>,
    /// Document messages held while an input method composes.
    held: Vec<Vec<u8>>,
    composing: bool,
    can_edit: bool,
}

fn frame(m: Message) -> Vec<u8> {
    m.encode_v1()
}

fn awareness_frame(u: AwarenessUpdate) -> Vec<u8> {
    frame(Message::Awareness(u))
}

impl Session {
    /// An empty copy; it fills on the first sync. `client_id`: fixed in tests, else random.
    pub fn new(client_id: Option<u64>, can_edit: bool) -> Self {
        let mut options = Options {
            // Offsets as JavaScript counts them, like the textarea, the server and Yjs.
            offset_kind: OffsetKind::Utf16,
            ..Options::default()
        };
        if let Some(id) = client_id {
            options.client_id = yrs::ClientID::new(id);
        }
        let doc = Doc::with_options(options);
        let text = doc.get_or_insert_text(TEXT);
        let me = doc.client_id().get();
        Session {
            doc,
            text,
            presence: Presence::new(me),
            user: None,
            cursor: None,
            held: Vec::new(),
            composing: false,
            can_edit,
        }
    }

    pub fn client_id(&self) -> u64 {
        self.presence.me()
    }

    pub fn text(&self) -> String {
        self.text.get_string(&self.doc.transact())
    }

    /// Whether our edits are accepted (a viewer's are not, and are never made).
    pub fn set_can_edit(&mut self, can: bool) {
        self.can_edit = can;
    }

    /// The frames that open a connection: our sync step 1 and, once we have one, our awareness.
    pub fn connected(&mut self, now: u64) -> Vec<Vec<u8>> {
        let sv = self.doc.transact().state_vector();
        let mut out = vec![frame(Message::Sync(SyncMessage::SyncStep1(sv)))];
        if let Some(u) = self.presence.rejoin(now) {
            out.push(awareness_frame(u));
        }
        out
    }

    /// The connection closed: the others are forgotten until the server names them again.
    /// Whether anyone was shown.
    pub fn disconnected(&mut self) -> bool {
        self.presence.forget_others()
    }

    /// Handles one frame from the server. `selection`: the user's, to carry across a change of
    /// the text.
    pub fn receive(
        &mut self,
        bytes: &[u8],
        now: u64,
        selection: Option<Selection>,
    ) -> Result<Incoming, Malformed> {
        let msg = Message::decode_v1(bytes).map_err(|e| Malformed(e.to_string()))?;
        let mut out = Incoming::default();
        match msg {
            Message::Sync(_) if self.composing => self.held.push(bytes.to_vec()),
            Message::Sync(SyncMessage::SyncStep1(sv)) => {
                let diff = self.doc.transact().encode_state_as_update_v1(&sv);
                out.replies
                    .push(frame(Message::Sync(SyncMessage::SyncStep2(diff))));
            }
            Message::Sync(SyncMessage::SyncStep2(u)) => {
                out.selection = self.apply(&u, selection)?;
                out.text_changed = true;
                out.synced = true;
            }
            Message::Sync(SyncMessage::Update(u)) => {
                out.selection = self.apply(&u, selection)?;
                out.text_changed = true;
            }
            Message::Awareness(u) => {
                let Applied {
                    changed,
                    reannounce,
                } = self.presence.apply(u, now);
                out.presence_changed = changed;
                if reannounce {
                    out.replies
                        .push(awareness_frame(self.presence.local_update()));
                }
            }
            Message::AwarenessQuery => {
                if self.presence.is_present() {
                    out.replies
                        .push(awareness_frame(self.presence.local_update()));
                }
            }
            Message::Auth(_) | Message::Custom(..) => {}
        }
        // Remote cursors are positions in the text: when it changes they are drawn again.
        out.presence_changed |= out.text_changed;
        Ok(out)
    }

    /// Applies a remote update, carrying `selection` across it.
    fn apply(
        &mut self,
        update: &[u8],
        selection: Option<Selection>,
    ) -> Result<Option<Selection>, Malformed> {
        let anchored = selection.map(|s| self.anchor_selection(s));
        let update = Update::decode_v1(update).map_err(|e| Malformed(e.to_string()))?;
        self.doc
            .transact_mut()
            .apply_update(update)
            .map_err(|e| Malformed(e.to_string()))?;
        Ok(anchored.map(|(a, h, old)| {
            let txn = self.doc.transact();
            let len = self.text.len(&txn);
            let at = |s: &StickyIndex, fallback: u32| {
                s.get_offset(&txn)
                    .map(|o| o.index)
                    .unwrap_or(fallback)
                    .min(len)
            };
            Selection {
                anchor: at(&a, old.anchor),
                head: at(&h, old.head),
            }
        }))
    }

    /// The selection as sticky indexes. A caret sticks to the character before it, so text
    /// someone else types at the same place appears after it and the caret stays with what
    /// the user typed; a range keeps to its own characters at both ends.
    fn anchor_selection(&self, s: Selection) -> (StickyIndex, StickyIndex, Selection) {
        let txn = self.doc.transact();
        let (anchor_assoc, head_assoc) = if s.anchor == s.head {
            (Assoc::Before, Assoc::Before)
        } else if s.anchor < s.head {
            (Assoc::After, Assoc::Before)
        } else {
            (Assoc::Before, Assoc::After)
        };
        (
            self.sticky(&txn, s.anchor, anchor_assoc),
            self.sticky(&txn, s.head, head_assoc),
            s,
        )
    }

    fn sticky<T: ReadTxn>(&self, txn: &T, index: u32, assoc: Assoc) -> StickyIndex {
        let index = index.min(self.text.len(txn));
        self.text
            .sticky_index(txn, index, assoc)
            // The very end, sticking after: the end of the text, wherever it moves.
            .unwrap_or_else(|| StickyIndex::from_type(txn, &self.text, Assoc::After))
    }

    /// The user changed the textarea to `value` (caret at `caret`). The frame carrying the
    /// change, to send when connected; `None` when nothing changed or the user may not edit.
    pub fn edit(&mut self, value: &str, caret: Option<u32>) -> Option<Vec<u8>> {
        if !self.can_edit {
            return None;
        }
        let old = self.text();
        let s = splice(&old, value, caret)?;
        let mut txn = self.doc.transact_mut();
        if s.delete > 0 {
            self.text.remove_range(&mut txn, s.at, s.delete);
        }
        if !s.insert.is_empty() {
            self.text.insert(&mut txn, s.at, &s.insert);
        }
        let update = txn.encode_update_v1();
        drop(txn);
        Some(frame(Message::Sync(SyncMessage::Update(update))))
    }

    /// An input method started composing: document messages wait until it ends.
    pub fn start_composing(&mut self) {
        self.composing = true;
    }

    pub fn is_composing(&self) -> bool {
        self.composing
    }

    /// The composition ended with the textarea at `value`: the committed text becomes an edit
    /// (its frame first in the result), then the held messages are applied.
    pub fn end_composing(
        &mut self,
        value: &str,
        caret: Option<u32>,
        selection: Option<Selection>,
        now: u64,
    ) -> (Option<Vec<u8>>, Incoming) {
        self.composing = false;
        let edit = self.edit(value, caret);
        let mut out = Incoming::default();
        let mut selection = selection;
        for f in std::mem::take(&mut self.held) {
            // A held frame decoded once already.
            if let Ok(i) = self.receive(&f, now, selection) {
                if i.selection.is_some() {
                    selection = i.selection;
                }
                out.merge(i);
            }
        }
        (edit, out)
    }

    /// Who we are to the others; the awareness frame to send.
    pub fn set_user(&mut self, user: User, now: u64) -> Option<Vec<u8>> {
        self.user = Some(user);
        self.announce(now)
    }

    /// Where our selection is (`None`: the editor lost focus); the awareness frame to send
    /// when that changed what the others see.
    pub fn set_selection(&mut self, s: Option<Selection>, now: u64) -> Option<Vec<u8>> {
        self.cursor = s.map(|s| {
            let (anchor, head, _) = self.anchor_selection(s);
            Cursor { anchor, head }
        });
        self.announce(now)
    }

    fn announce(&mut self, now: u64) -> Option<Vec<u8>> {
        let user = self.user.clone()?;
        let state = LocalState {
            user,
            cursor: self.cursor.clone(),
        };
        let json = serde_json::to_string(&state).ok()?;
        self.presence
            .set_local(Some(json), now)
            .map(awareness_frame)
    }

    /// We leave: the frame telling the others (our awareness state becomes `null`).
    pub fn leave(&mut self, now: u64) -> Option<Vec<u8>> {
        self.presence.set_local(None, now).map(awareness_frame)
    }

    /// Time passed: our awareness to renew (a frame), and whether someone timed out.
    pub fn tick(&mut self, now: u64) -> (Option<Vec<u8>>, bool) {
        let (renew, gone) = self.presence.tick(now);
        (renew.map(awareness_frame), gone)
    }

    /// Everyone else here, by name, with their selection in our text.
    pub fn peers(&self) -> Vec<Peer> {
        let txn = self.doc.transact();
        let len = self.text.len(&txn);
        let at = |s: &StickyIndex| {
            s.get_offset(&txn)
                .filter(|o| o.index <= len)
                .map(|o| o.index)
        };
        let mut out: Vec<Peer> = self
            .presence
            .others()
            .map(|(client, json)| {
                let t = presence::read_state(json);
                let (color, light) = presence::colors_for(u128::from(client));
                let color = t.color.unwrap_or(color);
                let color_light = t.color_light.unwrap_or(light);
                let selection = t.cursor.as_ref().and_then(|c| {
                    Some(Selection {
                        anchor: at(&c.anchor)?,
                        head: at(&c.head)?,
                    })
                });
                Peer {
                    client,
                    name: t.name.unwrap_or_default(),
                    color,
                    color_light,
                    selection,
                }
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name).then(a.client.cmp(&b.client)));
        out
    }
}

#[cfg(test)]
mod tests;
