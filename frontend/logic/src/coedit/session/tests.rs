//! Two (or three) browsers and a relay that answers as the server does
//! (`tandem_files::collab::DocState::handle`): its welcome is sync step 1, a step 1 is answered
//! with step 2, updates are applied and passed to the others, awareness goes to everyone.

use std::collections::VecDeque;

use yrs::sync::Message;
use yrs::sync::protocol::SyncMessage;
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Doc, GetString, OffsetKind, Options, ReadTxn, Text, TextRef, Transact, Update};

use super::*;
use crate::coedit::presence::User;

struct Browser {
    s: Session,
    online: bool,
    /// What the textarea shows, and its selection.
    value: String,
    sel: Selection,
    inbox: VecDeque<Vec<u8>>,
    outbox: VecDeque<Vec<u8>>,
}

struct Net {
    server: Doc,
    text: TextRef,
    browsers: Vec<Browser>,
    now: u64,
}

fn units(s: &str) -> u32 {
    s.encode_utf16().count() as u32
}

impl Net {
    /// A server document holding `initial`, as a created document's first update does.
    fn new(initial: &str) -> Self {
        let server = Doc::with_options(Options {
            offset_kind: OffsetKind::Utf16,
            ..Options::default()
        });
        let text = server.get_or_insert_text(TEXT);
        text.insert(&mut server.transact_mut(), 0, initial);
        Net {
            server,
            text,
            browsers: Vec::new(),
            now: 1_000,
        }
    }

    fn join(&mut self, client: u64, name: &str, can_edit: bool) -> usize {
        let mut s = Session::new(Some(client), can_edit);
        let (color, color_light) = crate::coedit::presence::colors_for(u128::from(client));
        let _ = s.set_user(
            User {
                name: name.into(),
                color,
                color_light,
            },
            self.now,
        );
        self.browsers.push(Browser {
            s,
            online: false,
            value: String::new(),
            sel: Selection::caret(0),
            inbox: VecDeque::new(),
            outbox: VecDeque::new(),
        });
        let i = self.browsers.len() - 1;
        self.connect(i);
        i
    }

    fn connect(&mut self, i: usize) {
        let sv = self.server.transact().state_vector();
        let now = self.now;
        let b = &mut self.browsers[i];
        b.online = true;
        b.inbox
            .push_back(Message::Sync(SyncMessage::SyncStep1(sv)).encode_v1());
        let hello = b.s.connected(now);
        b.outbox.extend(hello);
    }

    fn disconnect(&mut self, i: usize) {
        let b = &mut self.browsers[i];
        b.online = false;
        b.inbox.clear();
        b.outbox.clear();
        b.s.disconnected();
    }

    /// The user types `what` at UTF-16 offset `at` (the caret ends after it).
    fn type_at(&mut self, i: usize, at: u32, what: &str) {
        let b = &mut self.browsers[i];
        let byte = crate::coedit::splice::byte_at(&b.value, at);
        b.value.insert_str(byte, what);
        let caret = at + units(what);
        b.sel = Selection::caret(caret);
        if let Some(f) = b.s.edit(&b.value.clone(), Some(caret))
            && b.online
        {
            b.outbox.push_back(f);
        }
        if let Some(f) = b.s.set_selection(Some(b.sel), self.now)
            && b.online
        {
            b.outbox.push_back(f);
        }
    }

    /// Delivers every frame until nothing moves.
    fn pump(&mut self) {
        loop {
            let mut moved = false;
            for i in 0..self.browsers.len() {
                while let Some(f) = self.browsers[i].outbox.pop_front() {
                    moved = true;
                    self.server_handles(i, &f);
                }
                while let Some(f) = self.browsers[i].inbox.pop_front() {
                    moved = true;
                    let now = self.now;
                    let b = &mut self.browsers[i];
                    let sel = Some(b.sel);
                    let got = b.s.receive(&f, now, sel).expect("a Yjs frame");
                    if got.text_changed {
                        b.value = b.s.text();
                    }
                    if let Some(s) = got.selection {
                        b.sel = s;
                    }
                    b.outbox.extend(got.replies);
                }
            }
            if !moved {
                return;
            }
        }
    }

    fn server_handles(&mut self, from: usize, f: &[u8]) {
        match Message::decode_v1(f).expect("a Yjs frame") {
            Message::Sync(SyncMessage::SyncStep1(sv)) => {
                let diff = self.server.transact().encode_state_as_update_v1(&sv);
                self.browsers[from]
                    .inbox
                    .push_back(Message::Sync(SyncMessage::SyncStep2(diff)).encode_v1());
            }
            Message::Sync(SyncMessage::SyncStep2(u) | SyncMessage::Update(u)) => {
                if !self.browsers[from].s.can_edit {
                    return;
                }
                self.server
                    .transact_mut()
                    .apply_update(Update::decode_v1(&u).expect("an update"))
                    .expect("applies");
                let out = Message::Sync(SyncMessage::Update(u)).encode_v1();
                for (j, b) in self.browsers.iter_mut().enumerate() {
                    if j != from && b.online {
                        b.inbox.push_back(out.clone());
                    }
                }
            }
            Message::Awareness(_) => {
                for b in self.browsers.iter_mut().filter(|b| b.online) {
                    b.inbox.push_back(f.to_vec());
                }
            }
            _ => {}
        }
    }

    fn server_text(&self) -> String {
        self.text.get_string(&self.server.transact())
    }

    fn value(&self, i: usize) -> &str {
        &self.browsers[i].value
    }
}

#[test]
fn two_people_typing_at_once_end_with_the_same_text_and_keep_their_carets() {
    let mut net = Net::new("# 周报\n本周完成：\n下周计划：\n");
    let a = net.join(1, "李雷", true);
    let b = net.join(2, "韩梅梅", true);
    net.pump();
    assert_eq!(net.value(a), "# 周报\n本周完成：\n下周计划：\n");
    assert_eq!(net.value(b), net.value(a));

    // A writes at the end of "本周完成：", B at the end of "下周计划：" — at the same time:
    // neither has seen the other's keystrokes when typing.
    let a_at = units("# 周报\n本周完成：");
    let b_at = units("# 周报\n本周完成：\n下周计划：");
    for (n, (ca, cb)) in "登录页面改版"
        .chars()
        .zip("联调接口测试".chars())
        .enumerate()
    {
        let n = n as u32;
        net.type_at(a, a_at + n, &ca.to_string());
        net.type_at(b, b_at + n, &cb.to_string());
    }
    net.pump();
    let want = "# 周报\n本周完成：登录页面改版\n下周计划：联调接口测试\n";
    assert_eq!(net.value(a), want);
    assert_eq!(net.value(b), want);
    assert_eq!(net.server_text(), want);
    // A's caret did not move with B's typing (after A's text); B's moved right by the six
    // characters A typed before it, so it is still after B's own text.
    assert_eq!(net.browsers[a].sel, Selection::caret(a_at + 6));
    assert_eq!(net.browsers[b].sel, Selection::caret(b_at + 6 + 6));

    // Both type at the very same place: each caret stays after its own text.
    let at = units("# 周报");
    net.type_at(a, at, "（甲）");
    net.type_at(b, at, "（乙）");
    net.pump();
    assert_eq!(net.value(a), net.value(b));
    let v = net.value(a).to_owned();
    let a_end =
        crate::coedit::splice::utf16_len(&v[..v.find("（甲）").expect("A's") + "（甲）".len()]);
    let b_end =
        crate::coedit::splice::utf16_len(&v[..v.find("（乙）").expect("B's") + "（乙）".len()]);
    assert_eq!(net.browsers[a].sel.head, a_end);
    assert_eq!(net.browsers[b].sel.head, b_end);
}

#[test]
fn a_selection_keeps_to_its_characters_when_text_arrives_around_it() {
    let mut net = Net::new("甲乙丙丁戊");
    let a = net.join(1, "A", true);
    let b = net.join(2, "B", true);
    net.pump();
    // A selects 乙丙丁 backwards (caret at 乙).
    net.browsers[a].sel = Selection { anchor: 4, head: 1 };
    // B types before it, inside it and right after it.
    net.type_at(b, 0, "〇");
    net.type_at(b, units("〇甲乙"), "x");
    net.type_at(b, units("〇甲乙x丙丁"), "🎉");
    net.pump();
    assert_eq!(net.value(a), "〇甲乙x丙丁🎉戊");
    let s = net.browsers[a].sel;
    // Still from 乙 to 丁, x included, the emoji after it not.
    assert_eq!((s.anchor, s.head), (units("〇甲乙x丙丁"), units("〇甲")));
}

#[test]
fn edits_made_offline_on_both_sides_merge_on_reconnect() {
    let mut net = Net::new("第一行\n");
    let a = net.join(1, "A", true);
    let b = net.join(2, "B", true);
    net.pump();
    net.disconnect(a);
    // A keeps typing offline; B edits meanwhile.
    net.type_at(a, units("第一行\n"), "离线写的第二行\n");
    net.type_at(b, 0, "【在线】");
    net.pump();
    assert_eq!(net.value(a), "第一行\n离线写的第二行\n");
    assert_eq!(net.value(b), "【在线】第一行\n");
    // Back: the handshake runs both ways.
    net.connect(a);
    net.pump();
    let want = "【在线】第一行\n离线写的第二行\n";
    assert_eq!(net.value(a), want);
    assert_eq!(net.value(b), want);
    assert_eq!(net.server_text(), want);
    // A's caret stayed after what A typed, though text arrived before it.
    assert_eq!(net.browsers[a].sel, Selection::caret(units(want)));
}

#[test]
fn remote_edits_wait_while_an_input_method_composes() {
    let mut net = Net::new("我们写文档");
    let a = net.join(1, "A", true);
    let b = net.join(2, "B", true);
    net.pump();
    // A starts composing pinyin after 我们; the textarea shows the composition.
    net.browsers[a].s.start_composing();
    net.browsers[a].value = "我们zhong'wen写文档".into();
    // B's edit arrives meanwhile: held, the textarea is not touched.
    net.type_at(b, units("我们写文档"), "。");
    net.pump();
    assert_eq!(net.value(a), "我们zhong'wen写文档");
    assert_eq!(net.browsers[a].s.text(), "我们写文档");
    // Committed as 中文: the edit is made, then B's change applied, the caret after 中文.
    let committed = "我们中文写文档";
    let caret = units("我们中文");
    let (edit, got) = net.browsers[a].s.end_composing(
        committed,
        Some(caret),
        Some(Selection::caret(caret)),
        net.now,
    );
    let edit = edit.expect("the committed text is an edit");
    assert!(got.text_changed);
    assert_eq!(got.selection, Some(Selection::caret(caret)));
    net.browsers[a].value = net.browsers[a].s.text();
    net.browsers[a].outbox.push_back(edit);
    net.pump();
    assert_eq!(net.value(a), "我们中文写文档。");
    assert_eq!(net.value(b), "我们中文写文档。");
}

#[test]
fn presence_names_people_and_places_their_carets() {
    let mut net = Net::new("甲乙丙");
    let a = net.join(1, "李雷", true);
    let b = net.join(2, "韩梅梅", true);
    net.pump();
    net.browsers[b].sel = Selection::caret(2);
    let f = net.browsers[b]
        .s
        .set_selection(Some(Selection::caret(2)), net.now)
        .expect("moved");
    net.browsers[b].outbox.push_back(f);
    net.pump();
    let peers = net.browsers[a].s.peers();
    assert_eq!(peers.len(), 1);
    assert_eq!(peers[0].name, "韩梅梅");
    assert_eq!(peers[0].selection, Some(Selection::caret(2)));
    // A types before B's caret: A sees it move along.
    net.type_at(a, 0, "零");
    net.pump();
    assert_eq!(
        net.browsers[a].s.peers()[0].selection,
        Some(Selection::caret(3))
    );
    // B blurs: no caret, still present.
    let f = net.browsers[b]
        .s
        .set_selection(None, net.now)
        .expect("changed");
    net.browsers[b].outbox.push_back(f);
    net.pump();
    assert_eq!(net.browsers[a].s.peers()[0].selection, None);
    // B leaves.
    let f = net.browsers[b].s.leave(net.now).expect("a frame");
    net.browsers[b].outbox.push_back(f);
    net.pump();
    assert!(net.browsers[a].s.peers().is_empty());
}

#[test]
fn a_peer_silent_for_thirty_seconds_is_gone() {
    let mut net = Net::new("");
    let a = net.join(1, "A", true);
    let _b = net.join(2, "B", true);
    net.pump();
    assert_eq!(net.browsers[a].s.peers().len(), 1);
    let (renew, gone) = net.browsers[a].s.tick(net.now + 15_000);
    assert!(renew.is_some() && !gone);
    let (_, gone) = net.browsers[a].s.tick(net.now + 30_000);
    assert!(gone);
    assert!(net.browsers[a].s.peers().is_empty());
}

#[test]
fn a_viewer_follows_along_but_never_edits() {
    let mut net = Net::new("只读");
    let a = net.join(1, "A", true);
    let v = net.join(2, "V", false);
    net.pump();
    assert!(net.browsers[v].s.edit("改了", Some(2)).is_none());
    net.type_at(a, 2, "文档");
    net.pump();
    assert_eq!(net.browsers[v].s.text(), "只读文档");
}

#[test]
fn our_awareness_state_has_y_codemirrors_shape() {
    let mut s = Session::new(Some(9), true);
    let net = Net::new("abc");
    // Fill `s` from a server copy (its step 2).
    let sv = s.doc.transact().state_vector();
    let diff = net.server.transact().encode_state_as_update_v1(&sv);
    s.receive(
        &Message::Sync(SyncMessage::SyncStep2(diff)).encode_v1(),
        0,
        None,
    )
    .expect("applied");
    let _ = s.set_user(
        User {
            name: "Ann".into(),
            color: "#1971c2".into(),
            color_light: "#1971c233".into(),
        },
        0,
    );
    let f = s
        .set_selection(Some(Selection { anchor: 1, head: 3 }), 0)
        .expect("a frame");
    let Message::Awareness(u) = Message::decode_v1(&f).expect("decoded") else {
        panic!("not awareness")
    };
    let json: serde_json::Value =
        serde_json::from_str(&u.clients[&yrs::ClientID::new(9)].json).expect("JSON");
    assert_eq!(json["user"]["name"], "Ann");
    assert_eq!(json["user"]["colorLight"], "#1971c233");
    // Relative positions as Yjs writes them: an item id …
    assert!(json["cursor"]["anchor"]["item"]["client"].is_u64());
    assert!(json["cursor"]["head"]["item"]["clock"].is_u64());
    // … or, in an empty text, the type's name.
    let mut empty = Session::new(Some(10), true);
    let _ = empty.set_user(
        User {
            name: "Bo".into(),
            color: "#2b8a3e".into(),
            color_light: "#2b8a3e33".into(),
        },
        0,
    );
    let f = empty
        .set_selection(Some(Selection::caret(0)), 0)
        .expect("a frame");
    let Message::Awareness(u) = Message::decode_v1(&f).expect("decoded") else {
        panic!("not awareness")
    };
    let json: serde_json::Value =
        serde_json::from_str(&u.clients[&yrs::ClientID::new(10)].json).expect("JSON");
    assert_eq!(json["cursor"]["head"]["tname"], "content");
}
