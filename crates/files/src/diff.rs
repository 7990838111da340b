//! F2: comparing two versions of a text file, line by line, as hunks with three lines of
//! context — what `git diff` shows.

use std::time::Duration;

use similar::{ChangeTag, TextDiff};
use tandem_dto::{DiffHunk, DiffLine, DiffOp};

use crate::preview::text::decode;

/// Each side is read up to this much.
pub const DIFF_BYTES: u64 = 1024 * 1024;
/// Hunks shown at most.
const MAX_HUNKS: usize = 500;

/// The comparison, or `None` when either side is not text.
pub struct Compared {
    pub hunks: Vec<DiffHunk>,
    pub insertions: u32,
    pub deletions: u32,
    pub truncated: bool,
}

/// Compares `old` and `new` (each the first bytes of its version; `cut` says one was cut).
/// Blocking; the diff gives up refining after two seconds and returns what it has.
pub fn compare(old: &[u8], new: &[u8], cut: bool) -> Option<Compared> {
    let old = decode(old, cut)?.text;
    let new = decode(new, cut)?.text;
    let diff = TextDiff::configure()
        .timeout(Duration::from_secs(2))
        .diff_lines(&old, &new);
    let mut insertions = 0;
    let mut deletions = 0;
    let mut hunks = Vec::new();
    let groups = diff.grouped_ops(3);
    let truncated = cut || groups.len() > MAX_HUNKS;
    for group in groups.iter().take(MAX_HUNKS) {
        let mut lines = Vec::new();
        for op in group {
            for change in diff.iter_changes(op) {
                let op = match change.tag() {
                    ChangeTag::Equal => DiffOp::Equal,
                    ChangeTag::Insert => {
                        insertions += 1;
                        DiffOp::Insert
                    }
                    ChangeTag::Delete => {
                        deletions += 1;
                        DiffOp::Delete
                    }
                };
                lines.push(DiffLine {
                    op,
                    old_line: change.old_index().map(|i| i as u32 + 1),
                    new_line: change.new_index().map(|i| i as u32 + 1),
                    text: change.value().trim_end_matches(['\n', '\r']).to_owned(),
                });
            }
        }
        hunks.push(DiffHunk { lines });
    }
    Some(Compared {
        hunks,
        insertions,
        deletions,
        truncated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_line_shows_as_a_deletion_and_an_insertion_in_context() {
        let old = "一\n二\n三\n四\n五\n六\n七\n八\n九\n十\n";
        let new = "一\n二\n三\n四\n五\n陆\n七\n八\n九\n十\n";
        let c = compare(old.as_bytes(), new.as_bytes(), false);
        let Some(c) = c else { panic!("text") };
        assert_eq!((c.insertions, c.deletions), (1, 1));
        assert_eq!(c.hunks.len(), 1);
        let shown: Vec<(DiffOp, Option<u32>, Option<u32>, &str)> = c.hunks[0]
            .lines
            .iter()
            .map(|l| (l.op, l.old_line, l.new_line, l.text.as_str()))
            .collect();
        assert_eq!(shown[0], (DiffOp::Equal, Some(3), Some(3), "三"));
        assert_eq!(shown[3], (DiffOp::Delete, Some(6), None, "六"));
        assert_eq!(shown[4], (DiffOp::Insert, None, Some(6), "陆"));
        assert_eq!(shown.len(), 8);
    }

    #[test]
    fn binary_versions_are_not_compared() {
        assert!(compare(b"\x00\x01", b"text", false).is_none());
    }
}
