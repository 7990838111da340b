//! Who is in a document: the Yjs awareness protocol's table of clients, as `y-protocols`
//! keeps it, so stock clients (y-codemirror, y-websocket) and the web app see each other.
//!
//! Every client owns one entry — a clock and a JSON state, or `null` once it left — and only a
//! higher clock replaces it. A client renews its state every 15 s and is taken for gone when
//! nothing was heard from it for 30 s (y-protocols' `outdatedTimeout`). The state has the shape
//! y-codemirror uses: `{"user":{"name","color","colorLight"},"cursor":{"anchor","head"}}`, the
//! cursor's ends being `Y.RelativePosition`s in their JSON form.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use yrs::sync::awareness::{AwarenessUpdate, AwarenessUpdateEntry};
use yrs::{ClientID, StickyIndex};

/// A client not heard from for this long is gone (ms).
pub const OUTDATED_MS: u64 = 30_000;
/// Our own state is sent again this often, so others do not take us for gone (ms).
pub const RENEW_MS: u64 = 15_000;

/// How a person appears to the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    /// Their caret and name label (`#rrggbb`).
    pub color: String,
    /// Their selection (the colour, translucent).
    #[serde(rename = "colorLight")]
    pub color_light: String,
}

/// A selection as Yjs relative positions: `anchor` where it started, `head` where the caret is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub anchor: StickyIndex,
    pub head: StickyIndex,
}

/// Our awareness state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocalState {
    pub user: User,
    /// `null` while the editor does not have focus, as y-codemirror does.
    pub cursor: Option<Cursor>,
}

/// Colours for people's carets and selections: distinct, and dark enough for white text on
/// the name label.
const PALETTE: [&str; 8] = [
    "#d9480f", "#1971c2", "#2b8a3e", "#9c36b5", "#c2255c", "#0b7285", "#e67700", "#5f3dc4",
];

/// A person's colours, the same on every device (chosen by their id).
pub fn colors_for(seed: u128) -> (String, String) {
    let c = PALETTE[(seed % PALETTE.len() as u128) as usize];
    (c.to_owned(), format!("{c}33"))
}

/// A colour from someone else's state, if it is a plain hex colour (it goes into a style
/// attribute, so nothing else is let through).
pub fn safe_color(c: &str) -> Option<String> {
    let hex = c.strip_prefix('#')?;
    (matches!(hex.len(), 3 | 4 | 6 | 8) && hex.chars().all(|ch| ch.is_ascii_hexdigit()))
        .then(|| c.to_owned())
}

struct Entry {
    clock: u32,
    /// `None`: left (the clock is kept so that an older message cannot bring it back).
    state: Option<Arc<str>>,
    /// When it last changed or was renewed (ms).
    at: u64,
}

/// What applying an awareness update did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    /// Someone arrived, changed or left.
    pub changed: bool,
    /// Someone said we left while we are still here: send our state again (its clock is
    /// already raised past theirs).
    pub reannounce: bool,
}

/// The awareness table of one client.
pub struct Presence {
    me: u64,
    clock: u32,
    local: Option<Arc<str>>,
    local_at: u64,
    others: HashMap<u64, Entry>,
}

impl Presence {
    pub fn new(me: u64) -> Self {
        Presence {
            me,
            clock: 0,
            local: None,
            local_at: 0,
            others: HashMap::new(),
        }
    }

    pub fn me(&self) -> u64 {
        self.me
    }

    /// Sets our state (`None`: we leave); the update to send, or `None` when nothing changed.
    pub fn set_local(&mut self, json: Option<String>, now: u64) -> Option<AwarenessUpdate> {
        let json: Option<Arc<str>> = json.map(Into::into);
        if json == self.local && self.clock > 0 {
            return None;
        }
        self.local = json;
        self.clock += 1;
        self.local_at = now;
        Some(self.local_update())
    }

    /// Our entry as an update (our current clock).
    pub fn local_update(&self) -> AwarenessUpdate {
        let json = self.local.clone().unwrap_or_else(|| "null".into());
        AwarenessUpdate {
            clients: HashMap::from([(
                ClientID::new(self.me),
                AwarenessUpdateEntry {
                    clock: self.clock,
                    json,
                },
            )]),
        }
    }

    /// Whether we have a state (are present).
    pub fn is_present(&self) -> bool {
        self.local.is_some()
    }

    /// Before announcing ourselves on a new connection: the server marked us gone when the
    /// last one closed, raising our clock by one (yrs does so for every client), so ours must
    /// pass that or it would be ignored until the next renewal.
    pub fn rejoin(&mut self, now: u64) -> Option<AwarenessUpdate> {
        self.local.as_ref()?;
        self.clock += 2;
        self.local_at = now;
        Some(self.local_update())
    }

    /// Applies an update from the server.
    pub fn apply(&mut self, update: AwarenessUpdate, now: u64) -> Applied {
        let mut out = Applied::default();
        for (client, e) in update.clients {
            let client = client.get();
            let gone = e.json.as_ref() == "null";
            if client == self.me {
                // Never let someone else remove our state: raise the clock and say it again.
                if gone && e.clock >= self.clock && self.local.is_some() {
                    self.clock = e.clock + 1;
                    self.local_at = now;
                    out.reannounce = true;
                }
                continue;
            }
            let state = (!gone).then_some(e.json);
            match self.others.get_mut(&client) {
                Some(cur) => {
                    let removal = cur.clock == e.clock && state.is_none() && cur.state.is_some();
                    if cur.clock < e.clock || removal {
                        out.changed |= cur.state != state;
                        cur.clock = e.clock;
                        cur.state = state;
                        cur.at = now;
                    }
                }
                None => {
                    out.changed |= state.is_some();
                    self.others.insert(
                        client,
                        Entry {
                            clock: e.clock,
                            state,
                            at: now,
                        },
                    );
                }
            }
        }
        out
    }

    /// The passing of time: our state to renew (an update to send), and whether someone was
    /// taken for gone.
    pub fn tick(&mut self, now: u64) -> (Option<AwarenessUpdate>, bool) {
        let renew = if self.local.is_some() && now.saturating_sub(self.local_at) >= RENEW_MS {
            self.clock += 1;
            self.local_at = now;
            Some(self.local_update())
        } else {
            None
        };
        let mut changed = false;
        for e in self.others.values_mut() {
            if e.state.is_some() && now.saturating_sub(e.at) >= OUTDATED_MS {
                e.state = None;
                changed = true;
            }
        }
        (renew, changed)
    }

    /// Forgets everyone else (the connection closed: the server tells us anew who is there,
    /// at clocks we may already have seen).
    pub fn forget_others(&mut self) -> bool {
        let had = self.others.values().any(|e| e.state.is_some());
        self.others.clear();
        had
    }

    /// Everyone else who is here, with their state's JSON.
    pub fn others(&self) -> impl Iterator<Item = (u64, &str)> {
        self.others
            .iter()
            .filter_map(|(c, e)| e.state.as_deref().map(|s| (*c, s)))
    }
}

/// Someone else's state as far as we understand it (stock clients may add other fields, or
/// leave some out).
#[derive(Debug, Clone, PartialEq)]
pub struct Theirs {
    pub name: Option<String>,
    pub color: Option<String>,
    pub color_light: Option<String>,
    pub cursor: Option<Cursor>,
}

/// Reads a client's state leniently: whatever part is malformed is left out.
pub fn read_state(json: &str) -> Theirs {
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or(serde_json::Value::Null);
    let user = v.get("user");
    let text = |k: &str| {
        user.and_then(|u| u.get(k))
            .and_then(|x| x.as_str())
            .map(str::to_owned)
    };
    let cursor = v.get("cursor").and_then(|c| {
        let anchor = serde_json::from_value(c.get("anchor")?.clone()).ok()?;
        let head = serde_json::from_value(c.get("head")?.clone()).ok()?;
        Some(Cursor { anchor, head })
    });
    Theirs {
        name: text("name").map(|n| n.chars().take(60).collect()),
        color: text("color").and_then(|c| safe_color(&c)),
        color_light: text("colorLight").and_then(|c| safe_color(&c)),
        cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(client: u64, clock: u32, json: &str) -> AwarenessUpdate {
        AwarenessUpdate {
            clients: HashMap::from([(
                ClientID::new(client),
                AwarenessUpdateEntry {
                    clock,
                    json: json.into(),
                },
            )]),
        }
    }

    #[test]
    fn only_a_newer_clock_replaces_a_state_and_leaving_is_remembered() {
        let mut p = Presence::new(1);
        let a = p.apply(entry(2, 1, r#"{"user":{"name":"李雷"}}"#), 0);
        assert!(a.changed);
        assert_eq!(p.others().count(), 1);
        // An older or equal clock with a state changes nothing.
        assert!(
            !p.apply(entry(2, 1, r#"{"user":{"name":"韩梅梅"}}"#), 0)
                .changed
        );
        // Leaving at the same clock removes (what a server sends when a socket closes).
        assert!(p.apply(entry(2, 1, "null"), 0).changed);
        assert_eq!(p.others().count(), 0);
        // A late message from before does not bring them back.
        assert!(
            !p.apply(entry(2, 1, r#"{"user":{"name":"李雷"}}"#), 0)
                .changed
        );
        assert!(
            p.apply(entry(2, 2, r#"{"user":{"name":"李雷"}}"#), 0)
                .changed
        );
    }

    #[test]
    fn our_own_state_is_ours_to_remove() {
        let mut p = Presence::new(1);
        let u = p.set_local(Some("{}".into()), 0).expect("an update");
        assert_eq!(u.clients[&ClientID::new(1)].clock, 1);
        // Unchanged: nothing to send.
        assert!(p.set_local(Some("{}".into()), 5).is_none());
        // Someone says we left: we raise our clock past theirs and say we are here.
        let a = p.apply(entry(1, 3, "null"), 10);
        assert!(a.reannounce);
        assert_eq!(p.local_update().clients[&ClientID::new(1)].clock, 4);
        // Our own echo changes nothing.
        assert_eq!(p.apply(p.local_update(), 11), Applied::default());
        // Leaving sends null at a higher clock.
        let gone = p.set_local(None, 12).expect("an update");
        let e = &gone.clients[&ClientID::new(1)];
        assert_eq!((e.clock, e.json.as_ref()), (5, "null"));
    }

    #[test]
    fn silent_clients_time_out_and_we_renew_ourselves() {
        let mut p = Presence::new(1);
        p.set_local(Some("{}".into()), 0);
        p.apply(entry(2, 1, "{}"), 0);
        let (renew, gone) = p.tick(RENEW_MS - 1);
        assert!(renew.is_none() && !gone);
        let (renew, gone) = p.tick(RENEW_MS);
        assert_eq!(renew.expect("renewed").clients[&ClientID::new(1)].clock, 2);
        assert!(!gone);
        // Client 2 renews once, then goes quiet.
        p.apply(entry(2, 2, "{}"), 20_000);
        assert!(!p.tick(20_000 + OUTDATED_MS - 1).1);
        assert!(p.tick(20_000 + OUTDATED_MS).1);
        assert_eq!(p.others().count(), 0);
    }

    #[test]
    fn rejoining_passes_the_clock_the_server_raised() {
        let mut p = Presence::new(1);
        assert!(
            p.rejoin(0).is_none(),
            "nothing to announce before we have a state"
        );
        p.set_local(Some("{}".into()), 0);
        let u = p.rejoin(1).expect("announced");
        assert_eq!(u.clients[&ClientID::new(1)].clock, 3);
        p.apply(entry(2, 1, "{}"), 0);
        assert!(p.forget_others());
        assert!(
            p.apply(entry(2, 1, "{}"), 0).changed,
            "told again after reconnecting"
        );
    }

    #[test]
    fn states_are_read_leniently_and_colours_checked() {
        let t =
            read_state(r##"{"user":{"name":"王芳","color":"#30bced","colorLight":"#30bced33"}}"##);
        assert_eq!(t.name.as_deref(), Some("王芳"));
        assert_eq!(t.color.as_deref(), Some("#30bced"));
        assert_eq!(t.color_light.as_deref(), Some("#30bced33"));
        assert!(t.cursor.is_none());
        let t = read_state(
            r#"{"user":{"name":"x","color":"red;background:url(x)"},"cursor":{"anchor":1}}"#,
        );
        assert_eq!(t.color, None);
        assert!(t.cursor.is_none());
        assert_eq!(read_state("not json").name, None);
        // Yjs' JSON of a relative position, both spellings (with nulls, and without).
        let t = read_state(
            r#"{"cursor":{"anchor":{"type":null,"tname":null,"item":{"client":7,"clock":3},"assoc":0},"head":{"tname":"content","assoc":-1}}}"#,
        );
        assert!(t.cursor.is_some());
        assert_eq!(safe_color("#abc"), Some("#abc".into()));
        assert_eq!(safe_color("#abcg"), None);
        let (c, light) = colors_for(3);
        assert_eq!(light, format!("{c}33"));
    }
}
