//! The Markdown editor's toolbar: what a button (or Ctrl/⌘+B, Ctrl/⌘+I) does to the text and
//! where the selection goes afterwards.
//!
//! Offsets are UTF-16 code units, because that is what a textarea's `selectionStart` and
//! `selectionEnd` count in; a Chinese character is one unit, an emoji two.

/// A toolbar action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Bold,
    Italic,
    Code,
    Link,
    Bullets,
    Numbers,
}

/// The text after an action and the selection to restore (UTF-16 offsets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub text: String,
    pub start: u32,
    pub end: u32,
}

/// Applies `format` to the selection `start..end` of `text`. Pressing the same button again
/// on the result undoes it (the markers or line prefixes are removed), as in other editors.
pub fn apply(format: Format, text: &str, start: u32, end: u32) -> Edit {
    let (a, b) = {
        let (x, y) = (byte_at(text, start), byte_at(text, end));
        (x.min(y), x.max(y))
    };
    match format {
        // `_` rather than `*` for italics, so undoing italics never eats half of a bold `**`.
        Format::Bold => wrap(text, a, b, "**", "**"),
        Format::Italic => wrap(text, a, b, "_", "_"),
        Format::Code => wrap(text, a, b, "`", "`"),
        Format::Link => link(text, a, b),
        Format::Bullets => lines(text, a, b, false),
        Format::Numbers => lines(text, a, b, true),
    }
}

/// The byte index of a UTF-16 offset, clamped to the text and to a character boundary.
fn byte_at(text: &str, units: u32) -> usize {
    let mut seen = 0u32;
    for (i, c) in text.char_indices() {
        if seen >= units {
            return i;
        }
        seen += c.len_utf16() as u32;
    }
    text.len()
}

fn units(s: &str) -> u32 {
    s.encode_utf16().count() as u32
}

fn wrap(text: &str, a: usize, b: usize, before: &str, after: &str) -> Edit {
    let (head, sel, tail) = (&text[..a], &text[a..b], &text[b..]);
    // Already wrapped just outside the selection: unwrap.
    if head.ends_with(before) && tail.starts_with(after) {
        let head = &head[..head.len() - before.len()];
        let tail = &tail[after.len()..];
        let start = units(head);
        return Edit {
            text: format!("{head}{sel}{tail}"),
            start,
            end: start + units(sel),
        };
    }
    // The selection itself includes the markers: unwrap inside it.
    if sel.len() >= before.len() + after.len() && sel.starts_with(before) && sel.ends_with(after) {
        let inner = &sel[before.len()..sel.len() - after.len()];
        let start = units(head);
        return Edit {
            text: format!("{head}{inner}{tail}"),
            start,
            end: start + units(inner),
        };
    }
    let start = units(head) + units(before);
    Edit {
        text: format!("{head}{before}{sel}{after}{tail}"),
        start,
        end: start + units(sel),
    }
}

/// `[selection](url)` with `url` selected, ready to be typed over; with nothing selected the
/// caret goes between the brackets for the link's words.
fn link(text: &str, a: usize, b: usize) -> Edit {
    let (head, sel, tail) = (&text[..a], &text[a..b], &text[b..]);
    let text = format!("{head}[{sel}](url){tail}");
    if sel.is_empty() {
        let at = units(head) + 1;
        Edit {
            text,
            start: at,
            end: at,
        }
    } else {
        let start = units(head) + units(sel) + 3;
        Edit {
            text,
            start,
            end: start + 3,
        }
    }
}

/// Whether a line starts with `1. `, `23. `… and how long that prefix is.
fn numbered(line: &str) -> Option<usize> {
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0 && line[digits..].starts_with(". ")).then_some(digits + 2)
}

/// Puts `- ` (or `1. `, `2. `…) before every line the selection touches, or removes it when
/// every one of them has it already. The whole block stays selected.
fn lines(text: &str, a: usize, b: usize, numbers: bool) -> Edit {
    let ls = text[..a].rfind('\n').map_or(0, |i| i + 1);
    // A selection ending right after a line break does not take in the next line.
    let b_eff = if b > a && text[..b].ends_with('\n') {
        b - 1
    } else {
        b
    };
    let le = text[b_eff..].find('\n').map_or(text.len(), |i| b_eff + i);
    let block: Vec<&str> = text[ls..le].split('\n').collect();
    let prefix_len = |l: &str| {
        if numbers {
            numbered(l)
        } else {
            l.starts_with("- ").then_some(2)
        }
    };
    let all = block.iter().all(|l| prefix_len(l).is_some());
    let new: Vec<String> = block
        .iter()
        .enumerate()
        .map(|(n, l)| match (all, prefix_len(l)) {
            (true, Some(p)) => l[p..].to_owned(),
            _ if numbers => format!("{}. {l}", n + 1),
            _ => format!("- {l}"),
        })
        .collect();
    let new = new.join("\n");
    let start = units(&text[..ls]);
    let end = start + units(&new);
    Edit {
        text: format!("{}{new}{}", &text[..ls], &text[le..]),
        // One line and nothing selected: the caret goes to the line's end, to go on typing.
        start: if a == b && block.len() == 1 {
            end
        } else {
            start
        },
        end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(text: &str, start: u32, end: u32) -> Edit {
        Edit {
            text: text.to_owned(),
            start,
            end,
        }
    }

    #[test]
    fn bold_wraps_the_selection_and_keeps_it_selected() {
        assert_eq!(
            apply(Format::Bold, "say hi now", 4, 6),
            edit("say **hi** now", 6, 8)
        );
    }

    #[test]
    fn bold_again_unwraps() {
        let once = apply(Format::Bold, "say hi now", 4, 6);
        let twice = apply(Format::Bold, &once.text, once.start, once.end);
        assert_eq!(twice, edit("say hi now", 4, 6));
        // Selecting the markers too also unwraps.
        assert_eq!(
            apply(Format::Bold, "say **hi** now", 4, 10),
            edit("say hi now", 4, 6)
        );
    }

    #[test]
    fn nothing_selected_puts_the_caret_between_markers() {
        assert_eq!(apply(Format::Italic, "ab", 1, 1), edit("a__b", 2, 2));
        assert_eq!(apply(Format::Code, "", 0, 0), edit("``", 1, 1));
    }

    #[test]
    fn italic_never_eats_bold() {
        assert_eq!(
            apply(Format::Italic, "**hi**", 2, 4),
            edit("**_hi_**", 3, 5)
        );
    }

    #[test]
    fn offsets_are_utf16_units() {
        // 设计 is two units; 😀 is two units for one char.
        assert_eq!(
            apply(Format::Bold, "设计稿", 0, 2),
            edit("**设计**稿", 2, 4)
        );
        assert_eq!(apply(Format::Code, "😀 x", 3, 4), edit("😀 `x`", 4, 5));
    }

    #[test]
    fn backwards_or_overlong_offsets_are_clamped() {
        assert_eq!(apply(Format::Bold, "hi", 9, 0), edit("**hi**", 2, 4));
    }

    #[test]
    fn link_selects_the_url_to_type_over() {
        assert_eq!(
            apply(Format::Link, "see docs", 4, 8),
            edit("see [docs](url)", 11, 14)
        );
        assert_eq!(apply(Format::Link, "see ", 4, 4), edit("see [](url)", 5, 5));
    }

    #[test]
    fn bullets_prefix_every_line_touched_and_toggle_off() {
        let text = "intro\nred\nblue\nend";
        let e = apply(Format::Bullets, text, 7, 12);
        assert_eq!(e, edit("intro\n- red\n- blue\nend", 6, 18));
        assert_eq!(
            apply(Format::Bullets, &e.text, e.start, e.end),
            edit(text, 6, 14)
        );
    }

    #[test]
    fn numbers_count_up_and_toggle_off() {
        let e = apply(Format::Numbers, "a\nb", 0, 3);
        assert_eq!(e, edit("1. a\n2. b", 0, 9));
        assert_eq!(apply(Format::Numbers, &e.text, 0, 9), edit("a\nb", 0, 3));
    }

    #[test]
    fn a_bullet_on_an_empty_line_leaves_the_caret_after_it() {
        assert_eq!(apply(Format::Bullets, "x\n", 2, 2), edit("x\n- ", 4, 4));
    }

    #[test]
    fn a_selection_ending_after_a_line_break_leaves_the_next_line() {
        assert_eq!(apply(Format::Bullets, "a\nb", 0, 2), edit("- a\nb", 0, 3));
    }
}
