//! What one textarea `input` changed: the old and new values reduced to a single splice
//! (delete `len` units at `at`, insert `insert`), in UTF-16 code units because that is how
//! Yjs, the server's `Y.Text` and a textarea's selection all count. Typing, deleting, pasting,
//! dragging text, the browser's own undo and a finished IME composition each change one stretch
//! of the text, so the common prefix and suffix leave exactly that stretch.
//!
//! Where the change is ambiguous ("aa" → "aaa": which `a` is new?) the caret decides: the
//! inserted text ends where the caret now is, so the Y item and the cursor anchored to it are
//! the user's own. A splice never cuts a surrogate pair (an emoji is two units).

/// One contiguous change of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Splice {
    /// Where it starts (UTF-16 units).
    pub at: u32,
    /// How many units are removed from there.
    pub delete: u32,
    /// What is put in their place.
    pub insert: String,
}

/// The splice that turns `old` into `new`, or `None` when they are equal. `caret` is the
/// textarea's `selectionEnd` after the change (UTF-16), when known.
pub fn splice(old: &str, new: &str, caret: Option<u32>) -> Option<Splice> {
    if old == new {
        return None;
    }
    let o: Vec<char> = old.chars().collect();
    let n: Vec<char> = new.chars().collect();
    // The caret in characters of the new text.
    let caret_chars = caret.map(|c| chars_before(&n, c));
    let shorter = o.len().min(n.len());
    // The common suffix first, never reaching left of the caret: what was typed ends there.
    let mut suffix = 0;
    let suffix_max = match caret_chars {
        Some(c) => shorter.min(n.len().saturating_sub(c)),
        None => shorter,
    };
    while suffix < suffix_max && o[o.len() - 1 - suffix] == n[n.len() - 1 - suffix] {
        suffix += 1;
    }
    let mut prefix = 0;
    let prefix_max = shorter - suffix;
    while prefix < prefix_max && o[prefix] == n[prefix] {
        prefix += 1;
    }
    let at: u32 = units(&o[..prefix]);
    let delete = units(&o[prefix..o.len() - suffix]);
    let insert: String = n[prefix..n.len() - suffix].iter().collect();
    Some(Splice { at, delete, insert })
}

/// UTF-16 length of some characters.
fn units(cs: &[char]) -> u32 {
    cs.iter().map(|c| c.len_utf16() as u32).sum()
}

/// How many characters of `cs` lie before UTF-16 offset `u` (an offset inside a surrogate
/// pair counts the pair as before it).
fn chars_before(cs: &[char], u: u32) -> usize {
    let mut seen = 0u32;
    for (i, c) in cs.iter().enumerate() {
        if seen >= u {
            return i;
        }
        seen += c.len_utf16() as u32;
    }
    cs.len()
}

/// Applies a splice to a string (for tests and for checking a splice against its text).
pub fn apply(text: &str, s: &Splice) -> String {
    let a = byte_at(text, s.at);
    let b = byte_at(text, s.at + s.delete);
    let mut out = String::with_capacity(text.len() + s.insert.len());
    out.push_str(&text[..a]);
    out.push_str(&s.insert);
    out.push_str(&text[b..]);
    out
}

/// The byte index of a UTF-16 offset, clamped to the text and to a character boundary.
pub fn byte_at(text: &str, units: u32) -> usize {
    let mut seen = 0u32;
    for (i, c) in text.char_indices() {
        if seen >= units {
            return i;
        }
        seen += c.len_utf16() as u32;
    }
    text.len()
}

/// The UTF-16 length of a string.
pub fn utf16_len(s: &str) -> u32 {
    s.encode_utf16().count() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(old: &str, new: &str, caret: Option<u32>) -> Splice {
        let s = splice(old, new, caret).expect("a change");
        assert_eq!(apply(old, &s), new, "{old:?} → {new:?} by {s:?}");
        s
    }

    #[test]
    fn typing_deleting_and_pasting_are_one_splice() {
        assert_eq!(splice("abc", "abc", Some(1)), None);
        let s = check("周报", "周报：", Some(3));
        assert_eq!((s.at, s.delete, s.insert.as_str()), (2, 0, "："));
        let s = check("第一段第二段", "第一段\n第二段", Some(4));
        assert_eq!((s.at, s.delete, s.insert.as_str()), (3, 0, "\n"));
        let s = check("删除这个字", "删除个字", Some(2));
        assert_eq!((s.at, s.delete, s.insert.as_str()), (2, 1, ""));
        // A selection replaced by a paste.
        let s = check("标题：旧的内容。", "标题：新内容。", Some(6));
        assert_eq!((s.at, s.delete, s.insert.as_str()), (3, 4, "新内容"));
    }

    #[test]
    fn the_caret_says_which_of_repeated_characters_was_typed() {
        // Typing "a" at the start of "aa": the new one is first.
        let s = check("aa", "aaa", Some(1));
        assert_eq!((s.at, s.insert.as_str()), (0, "a"));
        // … and at the end: last.
        let s = check("aa", "aaa", Some(3));
        assert_eq!(s.at, 2);
        // Without a caret, the earliest place that explains the change.
        let s = check("好好", "好好好", None);
        assert_eq!(s.at, 0);
        // Backspace of the middle "好" of three.
        let s = check("好好好", "好好", Some(1));
        assert_eq!((s.at, s.delete), (1, 1));
    }

    #[test]
    fn emoji_are_never_cut_in_half() {
        // Two emoji that share their first (high) surrogate: a unit-wise diff would split them.
        let s = check("a😀b", "a😁b", Some(3));
        assert_eq!((s.at, s.delete, s.insert.as_str()), (1, 2, "😁"));
        let s = check("😀", "😀😀", Some(4));
        assert_eq!((s.at, s.delete, s.insert.as_str()), (2, 0, "😀"));
        // A caret reported inside a pair is taken as after it.
        let s = check("x", "x🎉", Some(2));
        assert_eq!(s.at, 1);
    }

    #[test]
    fn a_finished_ime_composition_is_its_committed_text() {
        // Pinyin "zhongwen" composed, then committed as 中文 in the middle of a line.
        let s = check("我们用写文档", "我们用中文写文档", Some(5));
        assert_eq!((s.at, s.delete, s.insert.as_str()), (3, 0, "中文"));
    }

    #[test]
    fn offsets_convert_between_units_and_bytes() {
        assert_eq!(utf16_len("a中😀"), 4);
        assert_eq!(byte_at("a中😀", 2), 4);
        assert_eq!(byte_at("a中😀", 3), 4 + 4); // inside the pair: after it
        assert_eq!(byte_at("a中😀", 99), 8);
    }
}
