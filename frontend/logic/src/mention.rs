//! @-mentions in a comment box: the word being typed after an `@`, the suggestion picked
//! with the keyboard, and the text once a name is chosen.

/// The word being typed after the last `@`, if the text ends inside one (at most 20
/// characters, no white space: otherwise the user is not naming anyone).
pub fn prefix(text: &str) -> Option<&str> {
    let at = text.rfind('@')?;
    let word = &text[at + 1..];
    (!word.contains(char::is_whitespace) && word.chars().count() <= 20).then_some(word)
}

/// Whether `name` matches the word typed (case-insensitive, anywhere in the name).
pub fn matches(name: &str, typed: &str) -> bool {
    name.to_lowercase().contains(&typed.to_lowercase())
}

/// `text` with the word after its last `@` replaced by `name` and a space, ready to go on
/// typing.
pub fn insert(text: &str, name: &str) -> String {
    match text.rfind('@') {
        Some(at) => format!("{}@{name} ", &text[..at]),
        None => text.to_owned(),
    }
}

/// The highlighted suggestion after ArrowDown (`down`) or ArrowUp, wrapping round; none
/// highlighted yet starts from the first (down) or the last (up).
pub fn step(current: Option<usize>, len: usize, down: bool) -> Option<usize> {
    if len == 0 {
        return None;
    }
    Some(match (current, down) {
        (None, true) => 0,
        (None, false) => len - 1,
        (Some(i), true) => (i + 1) % len,
        (Some(i), false) => (i + len - 1) % len.max(1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_after_the_last_at_is_the_prefix() {
        assert_eq!(prefix("hi @Li"), Some("Li"));
        assert_eq!(prefix("hi @"), Some(""));
        assert_eq!(prefix("hi @Li Wei"), None);
        assert_eq!(prefix("no mention"), None);
        assert_eq!(prefix("@张三"), Some("张三"));
    }

    #[test]
    fn a_long_word_is_not_a_mention() {
        assert_eq!(prefix(&format!("@{}", "a".repeat(21))), None);
    }

    #[test]
    fn matching_ignores_case() {
        assert!(matches("Li Wei", "wei"));
        assert!(!matches("Li Wei", "zhang"));
    }

    #[test]
    fn inserting_a_name_replaces_the_typed_word() {
        assert_eq!(insert("thanks @li", "Li Wei"), "thanks @Li Wei ");
        assert_eq!(insert("no at", "X"), "no at");
    }

    #[test]
    fn arrow_keys_move_round_the_suggestions() {
        assert_eq!(step(None, 3, true), Some(0));
        assert_eq!(step(None, 3, false), Some(2));
        assert_eq!(step(Some(2), 3, true), Some(0));
        assert_eq!(step(Some(0), 3, false), Some(2));
        assert_eq!(step(Some(1), 0, true), None);
    }
}
