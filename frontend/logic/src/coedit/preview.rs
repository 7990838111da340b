//! The live preview renders Markdown on the server (`POST /markdown`, the same sanitised HTML
//! everywhere in the app), which takes at most [`MAX_CHARS`] characters per request. A longer
//! document goes in pieces cut between blocks — at blank lines outside code fences — so each
//! piece renders as it would inside the whole; the editor keeps each piece's HTML and asks
//! again only for pieces that changed.

/// What `POST /markdown` accepts (`MarkdownRequest.text`).
pub const MAX_CHARS: usize = 20_000;

/// `text` in consecutive pieces of at most `max` characters; joined, they are `text`.
pub fn chunks(text: &str, max: usize) -> Vec<&str> {
    let max = max.max(1);
    let mut out = Vec::new();
    let mut start = 0; // of the current chunk
    let mut chars = 0; // in the current chunk
    for block in blocks(text) {
        let n = block.chars().count();
        if chars > 0 && chars + n > max {
            let end = offset_in(text, block);
            out.push(&text[start..end]);
            start = end;
            chars = 0;
        }
        if n > max {
            // One block longer than a request: cut it at line ends, or anywhere as a last resort.
            let from = offset_in(text, block);
            if from > start {
                out.push(&text[start..from]);
            }
            let pieces = split_long(block, max);
            let (last, whole) = pieces
                .split_last()
                .map_or((None, &[][..]), |(l, w)| (Some(l), w));
            out.extend(whole.iter().copied());
            start = last.map_or(from + block.len(), |l| offset_in(text, l));
            chars = last.map_or(0, |l| l.chars().count());
            continue;
        }
        chars += n;
    }
    if start < text.len() || out.is_empty() {
        out.push(&text[start..]);
    }
    out
}

/// Where `part` (a slice of `text`) starts in it.
fn offset_in(text: &str, part: &str) -> usize {
    part.as_ptr() as usize - text.as_ptr() as usize
}

/// Blocks: runs of lines ending after a blank line that is not inside a code fence.
fn blocks(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut fence: Option<char> = None;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        at += line.len();
        let t = line.trim_start();
        let marker = if t.starts_with("```") {
            Some('`')
        } else if t.starts_with("~~~") {
            Some('~')
        } else {
            None
        };
        match (fence, marker) {
            (None, Some(m)) => fence = Some(m),
            (Some(f), Some(m)) if f == m => fence = None,
            _ => {}
        }
        if fence.is_none() && line.trim().is_empty() {
            out.push(&text[start..at]);
            start = at;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// A block cut at line ends into pieces of at most `max` characters (a line longer than that
/// is cut between characters).
fn split_long(block: &str, max: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = 0;
    let mut at = 0;
    for line in block.split_inclusive('\n') {
        let n = line.chars().count();
        if chars > 0 && chars + n > max {
            out.push(&block[start..at]);
            start = at;
            chars = 0;
        }
        if n > max {
            let mut cut = at;
            let mut count = 0;
            for (i, _) in line.char_indices() {
                if count == max {
                    out.push(&block[cut..at + i]);
                    cut = at + i;
                    count = 0;
                }
                count += 1;
            }
            start = cut;
            chars = count;
        } else {
            chars += n;
        }
        at += line.len();
    }
    if start < block.len() {
        out.push(&block[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_documents_are_one_piece() {
        assert_eq!(chunks("", 10), vec![""]);
        assert_eq!(chunks("# 标题\n\n正文\n", 100), vec!["# 标题\n\n正文\n"]);
    }

    #[test]
    fn long_documents_are_cut_between_blocks_never_inside_a_code_fence() {
        let doc = "# 第一节\n甲乙丙\n\n```\n代码\n\n更多代码\n```\n\n## 第二节\n丁戊\n";
        let parts = chunks(doc, 20);
        assert_eq!(parts.concat(), doc);
        assert_eq!(parts.len(), 3);
        for p in &parts {
            assert!(p.chars().count() <= 20, "{p:?}");
            // A fence opened in a piece is closed in it.
            assert_eq!(p.matches("```").count() % 2, 0, "{p:?}");
        }
        assert_eq!(parts[0], "# 第一节\n甲乙丙\n\n");
    }

    #[test]
    fn an_overlong_block_is_cut_at_line_ends_then_anywhere() {
        let doc = format!("{}\n{}\n", "字".repeat(8), "长".repeat(25));
        let parts = chunks(&doc, 10);
        assert_eq!(parts.concat(), doc);
        assert!(parts.iter().all(|p| p.chars().count() <= 10), "{parts:?}");
        let many = "段落\n\n".repeat(50);
        let parts = chunks(&many, 20);
        assert_eq!(parts.concat(), many);
        assert!(parts.iter().all(|p| p.chars().count() <= 20));
        assert!(parts.len() >= 10);
    }
}
