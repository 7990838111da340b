//! When a select that saves on its own should save. Chromium fires `change` for every arrow
//! key on a closed select, so saving on each `change` would send one request per step through
//! the list. A choice made with the pointer saves at once; one made with the keys saves when
//! the user settles on it (Enter, or leaving the select).

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settle {
    /// The keys moved the selection since the last save.
    keyed: bool,
    /// The value chosen with the keys, not saved yet.
    pending: Option<String>,
}

impl Settle {
    /// A key pressed on the select; Enter returns the value to save now.
    pub fn key(&mut self, key: &str) -> Option<String> {
        match key {
            "ArrowUp" | "ArrowDown" | "ArrowLeft" | "ArrowRight" | "Home" | "End" | "PageUp"
            | "PageDown" => {
                self.keyed = true;
                None
            }
            "Enter" => self.flush(),
            _ => None,
        }
    }

    /// The pointer is on the select: the next change is a deliberate pick.
    pub fn pointer(&mut self) {
        self.keyed = false;
    }

    /// The select's value changed; returns it when it should be saved now.
    pub fn change(&mut self, value: String) -> Option<String> {
        if self.keyed {
            self.pending = Some(value);
            None
        } else {
            Some(value)
        }
    }

    /// Focus left the select: the value the keys settled on, if any.
    pub fn blur(&mut self) -> Option<String> {
        self.flush()
    }

    fn flush(&mut self) -> Option<String> {
        self.keyed = false;
        self.pending.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pick_with_the_pointer_saves_at_once() {
        let mut s = Settle::default();
        s.pointer();
        assert_eq!(s.change("done".into()), Some("done".into()));
    }

    #[test]
    fn arrow_keys_save_nothing_until_the_user_leaves_the_select() {
        let mut s = Settle::default();
        for v in ["in_progress", "in_review", "done"] {
            assert_eq!(s.key("ArrowDown"), None);
            assert_eq!(s.change(v.into()), None);
        }
        assert_eq!(s.blur(), Some("done".into()));
        // Saved once: leaving again sends nothing.
        assert_eq!(s.blur(), None);
    }

    #[test]
    fn enter_saves_the_value_the_keys_settled_on() {
        let mut s = Settle::default();
        s.key("ArrowUp");
        s.change("todo".into());
        assert_eq!(s.key("Enter"), Some("todo".into()));
        assert_eq!(s.key("Enter"), None);
    }

    #[test]
    fn without_key_moves_a_change_saves_at_once() {
        let mut s = Settle::default();
        assert_eq!(s.key("Tab"), None);
        assert_eq!(s.change("low".into()), Some("low".into()));
    }
}
