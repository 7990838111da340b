//! Word-processor (DOCX) previews: the text with its headings, list items and table rows.
//! Headings are found through the document's own style sheet (`word/styles.xml`): Chinese
//! Word names its heading styles by id "1", "2" …, so only the style's name ("heading 1") or
//! its outline level says what it is.

use std::collections::HashMap;
use std::io::{BufReader, Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use tandem_dto::{BlockKind, DocumentBlock, PreviewKind, PreviewUnavailable};

use super::Rendered;

pub const MAX_BLOCKS: usize = 3_000;
/// Text kept at most, in bytes.
const MAX_TEXT: usize = 1024 * 1024;
/// The most an XML part is read (after the zip check, which already bounds it).
const MAX_PART: u64 = 32 * 1024 * 1024;

/// The document's blocks.
pub fn blocks(bytes: &[u8]) -> Rendered {
    if let Err(why) = super::check_zip(bytes) {
        return Rendered::unavailable(why);
    }
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Rendered::unavailable(PreviewUnavailable::Unreadable);
    };
    let headings = part(&mut zip, "word/styles.xml")
        .map(|xml| heading_styles(&xml))
        .unwrap_or_default();
    let Some(document) = part(&mut zip, "word/document.xml") else {
        return Rendered::unavailable(PreviewUnavailable::Unreadable);
    };
    match parse(&document, &headings) {
        Some((blocks, truncated)) => Rendered {
            kind: Some(PreviewKind::Document),
            truncated,
            blocks,
            ..Rendered::default()
        },
        None => Rendered::unavailable(PreviewUnavailable::Unreadable),
    }
}

fn part(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Option<Vec<u8>> {
    let entry = zip.by_name(name).ok()?;
    let mut out = Vec::new();
    entry.take(MAX_PART).read_to_end(&mut out).ok()?;
    Some(out)
}

/// The value of the attribute whose local name is `name` (`w:val` → "val").
fn attr(e: &BytesStart, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// Style id → heading level, from the style sheet.
fn heading_styles(xml: &[u8]) -> HashMap<String, u8> {
    let mut reader = Reader::from_reader(BufReader::new(xml));
    let mut buf = Vec::new();
    let mut out = HashMap::new();
    let mut current: Option<String> = None;
    loop {
        let event = match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) | Err(_) => break,
            Ok(e) => e,
        };
        match event {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "style" => current = attr(&e, "styleId"),
                "name" => {
                    if let (Some(id), Some(name)) = (&current, attr(&e, "val")) {
                        let lower = name.to_ascii_lowercase();
                        let level = if lower == "title" {
                            Some(1)
                        } else {
                            lower
                                .strip_prefix("heading ")
                                .and_then(|n| n.trim().parse::<u8>().ok())
                        };
                        if let Some(l) = level {
                            out.insert(id.clone(), l.clamp(1, 6));
                        }
                    }
                }
                "outlineLvl" => {
                    let level = attr(&e, "val").and_then(|l| l.parse::<u8>().ok());
                    if let (Some(id), Some(l)) = (&current, level) {
                        out.entry(id.clone()).or_insert((l + 1).clamp(1, 6));
                    }
                }
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref() == "style" => current = None,
            _ => {}
        }
        buf.clear();
    }
    out
}

/// What the paragraph being read is.
#[derive(Default)]
struct Para {
    text: String,
    style: Option<String>,
    outline: Option<u8>,
    list_depth: Option<u8>,
}

fn parse(xml: &[u8], headings: &HashMap<String, u8>) -> Option<(Vec<DocumentBlock>, bool)> {
    let mut reader = Reader::from_reader(BufReader::new(xml));
    let mut buf = Vec::new();
    let mut blocks = Vec::new();
    let mut para = Para::default();
    let mut in_text = false;
    // Tables: the depth we are in, and the row and cell being read at the outermost one.
    let mut table_depth = 0usize;
    let mut row: Vec<String> = Vec::new();
    let mut cell = String::new();
    let mut kept = 0usize;
    let mut truncated = false;
    loop {
        if blocks.len() >= MAX_BLOCKS || kept > MAX_TEXT {
            truncated = true;
            break;
        }
        let event = match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) => break,
            Ok(e) => e,
            Err(_) => return None,
        };
        match event {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "p" => para = Para::default(),
                "t" => in_text = true,
                "tab" => para.text.push('\t'),
                "br" | "cr" => para.text.push('\n'),
                "pStyle" => para.style = attr(&e, "val"),
                "outlineLvl" => {
                    para.outline = attr(&e, "val").and_then(|v| v.parse::<u8>().ok());
                }
                "ilvl" => {
                    let depth = attr(&e, "val").and_then(|v| v.parse::<u8>().ok());
                    para.list_depth = Some(depth.unwrap_or(0).saturating_add(1));
                }
                "numPr" => {
                    para.list_depth.get_or_insert(1);
                }
                "tbl" => table_depth += 1,
                "tr" if table_depth == 1 => row.clear(),
                "tc" if table_depth == 1 => cell.clear(),
                _ => {}
            },
            Event::Text(t) if in_text => para.text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_text => {
                let ch = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    _ => match r.as_ref() {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => None,
                    },
                };
                para.text.extend(ch);
            }
            Event::End(e) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "p" => {
                    let p = std::mem::take(&mut para);
                    if table_depth > 0 {
                        if !cell.is_empty() && !p.text.is_empty() {
                            cell.push('\n');
                        }
                        cell.push_str(&p.text);
                        continue;
                    }
                    if p.text.trim().is_empty() {
                        continue;
                    }
                    kept += p.text.len();
                    let level = p
                        .style
                        .as_ref()
                        .and_then(|s| headings.get(s).copied())
                        .or(p.outline.filter(|l| *l < 9).map(|l| (l + 1).min(6)));
                    let (kind, level) = match (level, p.list_depth) {
                        (Some(l), _) => (BlockKind::Heading, l),
                        (None, Some(d)) => (BlockKind::ListItem, d.min(9)),
                        (None, None) => (BlockKind::Paragraph, 0),
                    };
                    blocks.push(DocumentBlock {
                        kind,
                        level,
                        text: p.text,
                        cells: Vec::new(),
                    });
                }
                "tc" if table_depth == 1 => row.push(std::mem::take(&mut cell)),
                "tr" if table_depth == 1 => {
                    let cells = std::mem::take(&mut row);
                    kept += cells.iter().map(String::len).sum::<usize>();
                    blocks.push(DocumentBlock {
                        kind: BlockKind::TableRow,
                        level: 0,
                        text: cells.join("\t"),
                        cells,
                    });
                }
                "tbl" => table_depth = table_depth.saturating_sub(1),
                _ => {}
            },
            _ => {}
        }
        buf.clear();
    }
    Some((blocks, truncated))
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Write;

    use super::*;

    /// A minimal DOCX: styles where heading ids are "1" and "2" (as Chinese Word writes them).
    pub(crate) fn docx(body: &str) -> Vec<u8> {
        let styles = r#"<?xml version="1.0"?><w:styles xmlns:w="w"><w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/></w:style><w:style w:type="paragraph" w:styleId="2"><w:name w:val="heading 2"/></w:style></w:styles>"#;
        let doc = format!(
            r#"<?xml version="1.0"?><w:document xmlns:w="w"><w:body>{body}</w:body></w:document>"#
        );
        let mut out = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default();
        for (name, text) in [
            ("word/styles.xml", styles),
            ("word/document.xml", doc.as_str()),
        ] {
            let _ = zip.start_file(name, opts);
            let _ = zip.write_all(text.as_bytes());
        }
        let _ = zip.finish();
        out.into_inner()
    }

    #[test]
    fn headings_lists_tables_and_entities_come_through() {
        let body = r#"<w:p><w:pPr><w:pStyle w:val="1"/></w:pPr><w:r><w:t>项目计划</w:t></w:r></w:p>
            <w:p><w:r><w:t xml:space="preserve">研发 &amp; 测试 </w:t></w:r><w:r><w:t>同步</w:t></w:r></w:p>
            <w:p><w:pPr><w:numPr><w:ilvl w:val="1"/></w:numPr></w:pPr><w:r><w:t>第二层</w:t></w:r></w:p>
            <w:tbl><w:tr><w:tc><w:p><w:r><w:t>负责人</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>张三</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#;
        let r = blocks(&docx(body));
        assert_eq!(r.kind, Some(PreviewKind::Document));
        let got: Vec<(BlockKind, u8, &str)> = r
            .blocks
            .iter()
            .map(|b| (b.kind, b.level, b.text.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (BlockKind::Heading, 1, "项目计划"),
                (BlockKind::Paragraph, 0, "研发 & 测试 同步"),
                (BlockKind::ListItem, 2, "第二层"),
                (BlockKind::TableRow, 0, "负责人\t张三"),
            ]
        );
        assert_eq!(r.blocks[3].cells, vec!["负责人", "张三"]);
    }

    #[test]
    fn a_zip_bomb_is_refused_before_it_is_parsed() {
        // 200 MiB of zeros deflates to about 200 KiB.
        let mut out = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let _ = zip.start_file("word/document.xml", opts);
        let zeros = vec![b' '; 1024 * 1024];
        for _ in 0..200 {
            let _ = zip.write_all(&zeros);
        }
        let _ = zip.finish();
        let bomb = out.into_inner();
        assert!(bomb.len() < 2 * 1024 * 1024, "{}", bomb.len());
        assert_eq!(
            blocks(&bomb).unavailable,
            Some(PreviewUnavailable::TooComplex)
        );
        assert_eq!(
            super::super::table::workbook(&bomb).unavailable,
            Some(PreviewUnavailable::TooComplex)
        );
    }
}
