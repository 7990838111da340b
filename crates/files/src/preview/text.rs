//! Text previews: decoding (UTF-8, UTF-16 with a byte-order mark, GB18030 — what Chinese
//! Windows tools still write), source highlighting and Markdown.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use syntect::easy::ScopeRangeIterator;
use syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxReference, SyntaxSet};
use tandem_dto::{PreviewKind, PreviewUnavailable, TextSpan};

use super::Rendered;

/// Lines shown at most.
pub const MAX_LINES: usize = 5_000;
/// Highlighting stops after this long; the rest of the lines are plain.
const HIGHLIGHT_BUDGET: Duration = Duration::from_secs(2);
/// Lines longer than this (minified code) are not highlighted: regexes over them are slow.
const LONG_LINE: usize = 4_000;

/// Text read from bytes, and what it was read as.
pub struct Decoded {
    pub text: String,
    pub encoding: &'static str,
}

/// Reads `bytes` as text. `cut` says the bytes stop inside the file, so a character split at
/// the end is dropped rather than refused. `None` when the bytes are not text.
pub fn decode(bytes: &[u8], cut: bool) -> Option<Decoded> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return utf8(rest, cut);
    }
    for (bom, encoding) in [
        ([0xFF, 0xFE], encoding_rs::UTF_16LE),
        ([0xFE, 0xFF], encoding_rs::UTF_16BE),
    ] {
        if let Some(rest) = bytes.strip_prefix(&bom) {
            let even = &rest[..rest.len() & !1];
            let (text, bad) = encoding.decode_without_bom_handling(even);
            return (!bad).then(|| Decoded {
                text: text.into_owned(),
                encoding: encoding.name(),
            });
        }
    }
    if bytes.contains(&0) {
        return None;
    }
    if let Some(d) = utf8(bytes, cut) {
        return Some(d);
    }
    // Not UTF-8: GB18030 (a superset of GBK and GB2312), dropping a split character at a cut.
    let tries = if cut { 4 } else { 1 };
    (0..tries.min(bytes.len() + 1)).find_map(|drop| {
        encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(&bytes[..bytes.len() - drop])
            .map(|t| Decoded {
                text: t.into_owned(),
                encoding: "GB18030",
            })
    })
}

fn utf8(bytes: &[u8], cut: bool) -> Option<Decoded> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) if cut && e.error_len().is_none() => {
            std::str::from_utf8(&bytes[..e.valid_up_to()]).ok()?
        }
        Err(_) => return None,
    };
    Some(Decoded {
        text: text.to_owned(),
        encoding: "UTF-8",
    })
}

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// Whether files ending in `ext` are text the highlighter knows (so a type sniffed as
/// unknown bytes is still read as text).
pub fn known_extension(ext: &str) -> bool {
    !ext.is_empty()
        && (syntaxes().find_syntax_by_extension(ext).is_some()
            || matches!(
                ext,
                "txt" | "log" | "ini" | "cfg" | "conf" | "toml" | "env" | "svg" | "vue" | "csv"
            ))
}

/// A text or source file's preview. `certain` says the type says text; otherwise bytes that
/// are not text end as "unsupported" instead of "unreadable".
pub fn source(name: &str, bytes: &[u8], cut: bool, certain: bool) -> Rendered {
    let Some(decoded) = decode(bytes, cut) else {
        return Rendered::unavailable(if certain {
            PreviewUnavailable::Unreadable
        } else {
            PreviewUnavailable::Unsupported
        });
    };
    let set = syntaxes();
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
    let syntax = set
        .find_syntax_by_extension(ext)
        .or_else(|| set.find_syntax_by_extension(&ext.to_ascii_lowercase()))
        .or_else(|| {
            let first = decoded.text.lines().next().unwrap_or_default();
            set.find_syntax_by_first_line(first)
        })
        .unwrap_or_else(|| set.find_syntax_plain_text());
    let (lines, more) = highlight(&decoded.text, syntax, set);
    Rendered {
        kind: Some(PreviewKind::Text),
        truncated: cut || more,
        language: Some(syntax.name.clone()),
        encoding: Some(decoded.encoding.to_owned()),
        lines,
        ..Rendered::default()
    }
}

/// A Markdown file rendered to sanitized HTML.
pub fn markdown(bytes: &[u8], cut: bool) -> Rendered {
    let Some(decoded) = decode(bytes, cut) else {
        return Rendered::unavailable(PreviewUnavailable::Unreadable);
    };
    Rendered {
        kind: Some(PreviewKind::Markdown),
        truncated: cut,
        encoding: Some(decoded.encoding.to_owned()),
        html: Some(tandem_domain::markdown::render(&decoded.text)),
        ..Rendered::default()
    }
}

/// Splits `text` into at most [`MAX_LINES`] lines of highlighted spans; the flag says lines
/// were left out.
fn highlight(text: &str, syntax: &SyntaxReference, set: &SyntaxSet) -> (Vec<Vec<TextSpan>>, bool) {
    let plain = text.lines().any(|l| l.len() > LONG_LINE);
    let started = Instant::now();
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut classes: HashMap<Scope, Option<&'static str>> = HashMap::new();
    let mut out = Vec::new();
    let mut lines = text.split_inclusive('\n');
    for line in lines.by_ref().take(MAX_LINES) {
        let shown = line.trim_end_matches(['\n', '\r']);
        let ops = if plain || started.elapsed() > HIGHLIGHT_BUDGET {
            None
        } else {
            state.parse_line(line, set).ok()
        };
        let Some(ops) = ops else {
            out.push(plain_line(shown));
            continue;
        };
        let mut spans: Vec<TextSpan> = Vec::new();
        for (range, op) in ScopeRangeIterator::new(&ops, line) {
            if stack.apply(op).is_err() {
                stack = ScopeStack::new();
            }
            let piece = &line[range];
            let piece = piece.trim_end_matches(['\n', '\r']);
            if piece.is_empty() {
                continue;
            }
            let class = class_of(&stack, &mut classes);
            match spans.last_mut() {
                Some(last) if last.class.as_deref() == class => last.text.push_str(piece),
                _ => spans.push(TextSpan {
                    class: class.map(str::to_owned),
                    text: piece.to_owned(),
                }),
            }
        }
        out.push(spans);
    }
    (out, lines.next().is_some())
}

fn plain_line(line: &str) -> Vec<TextSpan> {
    if line.is_empty() {
        Vec::new()
    } else {
        vec![TextSpan {
            class: None,
            text: line.to_owned(),
        }]
    }
}

/// The token class of the innermost scope that has one.
fn class_of(
    stack: &ScopeStack,
    cache: &mut HashMap<Scope, Option<&'static str>>,
) -> Option<&'static str> {
    stack.as_slice().iter().rev().find_map(|s| {
        *cache
            .entry(*s)
            .or_insert_with(|| class_for(&s.build_string()))
    })
}

/// Maps a TextMate scope name to one of the few classes the web app colours.
fn class_for(scope: &str) -> Option<&'static str> {
    const TABLE: &[(&str, &str)] = &[
        ("comment", "comment"),
        ("string", "string"),
        ("constant.numeric", "number"),
        ("constant.character.escape", "string"),
        ("constant", "constant"),
        ("keyword.operator", "operator"),
        ("keyword", "keyword"),
        ("storage.type", "keyword"),
        ("storage.modifier", "keyword"),
        ("entity.name.function", "function"),
        ("support.function", "function"),
        ("variable.function", "function"),
        ("entity.name.type", "type"),
        ("entity.name.class", "type"),
        ("entity.name.struct", "type"),
        ("entity.name.enum", "type"),
        ("support.type", "type"),
        ("support.class", "type"),
        ("entity.name.tag", "tag"),
        ("entity.other.attribute-name", "attribute"),
        ("variable.parameter", "variable"),
        ("variable.other", "variable"),
        ("markup.heading", "heading"),
        ("markup.underline.link", "link"),
        ("markup.inserted", "inserted"),
        ("markup.deleted", "deleted"),
        ("punctuation", "punctuation"),
    ];
    TABLE
        .iter()
        .find(|(prefix, _)| {
            scope == *prefix
                || scope
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('.'))
        })
        .map(|(_, class)| *class)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_gb18030_and_utf16_all_read_as_the_same_chinese_text() {
        let text = "项目周报,负责人\n";
        assert_eq!(
            decode(text.as_bytes(), false).map(|d| d.text),
            Some(text.into())
        );
        let (gbk, _, _) = encoding_rs::GB18030.encode(text);
        let d = decode(&gbk, false).map(|d| (d.text, d.encoding));
        assert_eq!(d, Some((text.to_owned(), "GB18030")));
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(&utf16, false).map(|d| d.text), Some(text.into()));
    }

    #[test]
    fn a_character_split_by_the_read_limit_is_dropped_not_refused() {
        let bytes = "周报".as_bytes();
        let d = decode(&bytes[..4], true).map(|d| d.text);
        assert_eq!(d, Some("周".into()));
        assert!(decode(&bytes[..4], false).is_none_or(|d| d.encoding != "UTF-8"));
    }

    #[test]
    fn bytes_with_nul_are_not_text() {
        assert!(decode(b"PK\x03\x04\x00\x00", false).is_none());
    }

    #[test]
    fn rust_source_is_highlighted_with_keywords_strings_and_comments() {
        let src = "// 注释\nfn main() {\n    let s = \"你好\";\n}\n";
        let r = source("main.rs", src.as_bytes(), false, true);
        assert_eq!(r.language.as_deref(), Some("Rust"));
        assert_eq!(r.lines.len(), 4);
        let classes: Vec<(Option<&str>, &str)> = r
            .lines
            .iter()
            .flatten()
            .map(|s| (s.class.as_deref(), s.text.as_str()))
            .collect();
        assert!(classes.contains(&(Some("keyword"), "fn")), "{classes:?}");
        assert!(
            classes
                .iter()
                .any(|(c, t)| *c == Some("comment") && t.contains("注释"))
        );
        assert!(
            classes
                .iter()
                .any(|(c, t)| *c == Some("string") && t.contains("你好"))
        );
        // Joining the spans gives back every line exactly.
        let joined: Vec<String> = r
            .lines
            .iter()
            .map(|l| l.iter().map(|s| s.text.as_str()).collect())
            .collect();
        assert_eq!(joined, src.lines().collect::<Vec<_>>());
    }

    #[test]
    fn html_is_shown_as_source_and_markdown_is_sanitized() {
        let r = source("x.html", b"<script>alert(1)</script>", false, true);
        assert_eq!(r.kind, Some(PreviewKind::Text));
        assert!(r.lines[0].iter().any(|s| s.class.as_deref() == Some("tag")));
        let m = markdown(
            "# 标题\n\n<script>alert(1)</script><img src=x onerror=alert(1)>".as_bytes(),
            false,
        );
        let html = m.html.unwrap_or_default();
        assert!(html.contains("标题"), "{html}");
        assert!(
            !html.contains("<script") && !html.contains("onerror"),
            "{html}"
        );
    }

    #[test]
    fn only_the_first_lines_are_shown() {
        let src = "x\n".repeat(MAX_LINES + 10);
        let r = source("a.txt", src.as_bytes(), false, true);
        assert_eq!(r.lines.len(), MAX_LINES);
        assert!(r.truncated);
    }
}
