//! What the editor draws over its textarea for the others: their selections as coloured
//! stretches and their carets as coloured bars with their names. The layer repeats the whole
//! text (transparent, in the textarea's font and wrapping) so every mark lands where the
//! textarea draws that character, and so the layer's height is the text's: the editor takes
//! it, and the textarea fills the editor.

use super::session::Selection;
use super::splice::byte_at;

/// A piece of the layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Text, inside someone's selection (the index of their mark) or not.
    Text { text: String, marked: Option<usize> },
    /// Someone's caret (the index of their mark).
    Caret(usize),
}

/// The layer for `text` with everyone's selections (`marks[i]` belongs to person `i`).
pub fn pieces(text: &str, marks: &[Option<Selection>]) -> Vec<Piece> {
    let len = super::splice::utf16_len(text);
    let shown: Vec<(usize, Selection)> = marks
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            s.map(|s| {
                (
                    i,
                    Selection {
                        anchor: s.anchor.min(len),
                        head: s.head.min(len),
                    },
                )
            })
        })
        .collect();
    let mut cuts: Vec<u32> = vec![0];
    for (_, s) in &shown {
        cuts.extend([s.anchor, s.head]);
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut out: Vec<Piece> = Vec::new();
    let bytes: Vec<usize> = cuts.iter().map(|c| byte_at(text, *c)).collect();
    for (k, &at) in cuts.iter().enumerate() {
        for (i, s) in &shown {
            if s.head == at {
                out.push(Piece::Caret(*i));
            }
        }
        let from = bytes[k];
        let to = bytes.get(k + 1).copied().unwrap_or(text.len());
        if to <= from {
            continue;
        }
        let marked = shown
            .iter()
            .find(|(_, s)| s.start() <= at && at < s.end())
            .map(|(i, _)| *i);
        let piece = &text[from..to];
        match out.last_mut() {
            Some(Piece::Text { text, marked: m }) if *m == marked => text.push_str(piece),
            _ => out.push(Piece::Text {
                text: piece.to_owned(),
                marked,
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str, marked: Option<usize>) -> Piece {
        Piece::Text {
            text: t.into(),
            marked,
        }
    }

    #[test]
    fn carets_and_selections_fall_between_the_right_characters() {
        assert!(pieces("", &[None]).is_empty());
        assert_eq!(pieces("abc", &[None]), vec![text("abc", None)]);
        // A caret after 第二 (UTF-16 offset 2), and a selection of 行 (backwards) with its
        // caret before it.
        let p = pieces(
            "第二行\n下一行",
            &[
                Some(Selection::caret(2)),
                Some(Selection { anchor: 3, head: 2 }),
            ],
        );
        assert_eq!(
            p,
            vec![
                text("第二", None),
                Piece::Caret(0),
                Piece::Caret(1),
                text("行", Some(1)),
                text("\n下一行", None),
            ]
        );
        // An emoji is two units; a caret after it, and one at the very end.
        let p = pieces(
            "a😀b",
            &[Some(Selection::caret(3)), Some(Selection::caret(4))],
        );
        assert_eq!(
            p,
            vec![
                text("a😀", None),
                Piece::Caret(0),
                text("b", None),
                Piece::Caret(1)
            ]
        );
        // Positions past the end (text not arrived yet) are held at the end.
        let p = pieces("ab", &[Some(Selection { anchor: 0, head: 9 })]);
        assert_eq!(p, vec![text("ab", Some(0)), Piece::Caret(0)]);
    }
}
