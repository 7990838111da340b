//! F4: previews. What a file version looks like without downloading it — a picture's size
//! (its thumbnail is re-encoded by [`image::thumbnail`]), highlighted source text, rendered
//! Markdown, spreadsheet and CSV tables, a word-processor document's headings and paragraphs.
//!
//! Everything here is blocking and CPU-bound: callers run it off the async threads. Every
//! reader is capped — bytes read, rows, cells, lines, decompressed archive size — so a hostile
//! file costs bounded time and memory and ends as [`PreviewUnavailable`], never a panic.

pub mod docx;
pub mod image;
pub mod table;
pub mod text;

use tandem_dto::{FilePreview, PreviewKind, PreviewUnavailable};

/// Text and Markdown previews read this much; the rest is left out (`truncated`).
pub const TEXT_BYTES: u64 = 1024 * 1024;
/// CSV previews read this much.
pub const CSV_BYTES: u64 = 4 * 1024 * 1024;
/// Office files (zip or OLE archives) larger than this are not previewed.
pub const OFFICE_BYTES: u64 = 32 * 1024 * 1024;
/// Pictures larger than this are not previewed.
pub const IMAGE_BYTES: u64 = 64 * 1024 * 1024;

/// How a file is previewed, from its stored type and its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    Image,
    Pdf,
    Markdown,
    Csv(u8),
    Spreadsheet,
    Docx,
    Text,
    /// Not a known format: previewed as text when the bytes turn out to be text.
    MaybeText,
    None,
}

impl Plan {
    /// Chooses the preview for a file called `name` whose bytes were sniffed as `content_type`.
    /// The sniffed type wins for pictures and PDFs (a name cannot make bytes a picture); the
    /// name picks among text formats, which bytes alone cannot tell apart.
    pub fn of(name: &str, content_type: &str) -> Plan {
        let ext = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        let ct = content_type.split(';').next().unwrap_or_default().trim();
        match ct {
            "image/png" | "image/jpeg" | "image/gif" | "image/webp" => return Plan::Image,
            "application/pdf" => return Plan::Pdf,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            | "application/vnd.ms-excel"
            | "application/vnd.oasis.opendocument.spreadsheet" => return Plan::Spreadsheet,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => {
                return Plan::Docx;
            }
            _ => {}
        }
        let texty = ct.starts_with("text/") || ct == "application/octet-stream";
        match ext.as_str() {
            "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" if !ct.starts_with("text/") => {
                Plan::Spreadsheet
            }
            "docx" if !ct.starts_with("text/") => Plan::Docx,
            "md" | "markdown" | "mdown" if texty => Plan::Markdown,
            "csv" if texty => Plan::Csv(b','),
            "tsv" | "tab" if texty => Plan::Csv(b'\t'),
            _ if ct.starts_with("text/") => Plan::Text,
            _ if ct == "application/octet-stream" && text::known_extension(&ext) => Plan::Text,
            _ if ct == "application/octet-stream" => Plan::MaybeText,
            _ => Plan::None,
        }
    }

    /// How many bytes of the file the preview needs, or `None` when a file of `size` bytes is
    /// too large to preview at all.
    pub fn read_limit(self, size: u64) -> Option<u64> {
        match self {
            Plan::Text | Plan::MaybeText | Plan::Markdown => Some(size.min(TEXT_BYTES)),
            Plan::Csv(_) => Some(size.min(CSV_BYTES)),
            Plan::Spreadsheet | Plan::Docx => (size <= OFFICE_BYTES).then_some(size),
            Plan::Image => (size <= IMAGE_BYTES).then_some(size),
            Plan::Pdf | Plan::None => Some(0),
        }
    }
}

/// What a preview found, before the caller adds the file's identity.
#[derive(Debug, Default, PartialEq)]
pub struct Rendered {
    pub kind: Option<PreviewKind>,
    pub unavailable: Option<PreviewUnavailable>,
    pub truncated: bool,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub language: Option<String>,
    pub encoding: Option<String>,
    pub lines: Vec<Vec<tandem_dto::TextSpan>>,
    pub html: Option<String>,
    pub sheets: Vec<tandem_dto::PreviewSheet>,
    pub blocks: Vec<tandem_dto::DocumentBlock>,
}

impl Rendered {
    pub fn unavailable(why: PreviewUnavailable) -> Rendered {
        Rendered {
            kind: Some(PreviewKind::None),
            unavailable: Some(why),
            ..Rendered::default()
        }
    }

    /// The wire form, for the file and version it describes.
    pub fn into_dto(self, base: FilePreview) -> FilePreview {
        FilePreview {
            kind: self.kind.unwrap_or(PreviewKind::None),
            unavailable: self.unavailable,
            truncated: self.truncated,
            width: self.width,
            height: self.height,
            language: self.language,
            encoding: self.encoding,
            lines: self.lines,
            html: self.html,
            sheets: self.sheets,
            blocks: self.blocks,
            ..base
        }
    }
}

/// Renders the preview of `bytes` — the first `plan.read_limit(size)` bytes of a file of
/// `size` bytes called `name`. Blocking.
pub fn render(plan: Plan, name: &str, size: u64, bytes: &[u8]) -> Rendered {
    let cut = (bytes.len() as u64) < size;
    match plan {
        Plan::None => Rendered::unavailable(PreviewUnavailable::Unsupported),
        Plan::Pdf => Rendered {
            kind: Some(PreviewKind::Pdf),
            ..Rendered::default()
        },
        Plan::Image => image::info(bytes),
        Plan::Text => text::source(name, bytes, cut, true),
        Plan::MaybeText => text::source(name, bytes, cut, false),
        Plan::Markdown => text::markdown(bytes, cut),
        Plan::Csv(delimiter) => table::csv(name, bytes, cut, delimiter),
        Plan::Spreadsheet => table::workbook(bytes),
        Plan::Docx => docx::blocks(bytes),
    }
}

/// The zip-bomb guard for Office files: every entry is inflated (and thrown away) up to the
/// limits before any parser sees the archive, so sizes the archive merely claims count for
/// nothing. Entries past 32 MiB, a total past 128 MiB or more than 5,000 entries refuse the
/// preview.
pub fn check_zip(bytes: &[u8]) -> Result<(), PreviewUnavailable> {
    use std::io::Read;
    const ENTRY: u64 = 32 * 1024 * 1024;
    const TOTAL: u64 = 128 * 1024 * 1024;
    const ENTRIES: usize = 5_000;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|_| PreviewUnavailable::Unreadable)?;
    if zip.len() > ENTRIES {
        return Err(PreviewUnavailable::TooComplex);
    }
    let mut total = 0u64;
    let mut sink = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let entry = zip
            .by_index(i)
            .map_err(|_| PreviewUnavailable::Unreadable)?;
        let mut limited = entry.take(ENTRY + 1);
        let mut n = 0u64;
        loop {
            let got = limited
                .read(&mut sink)
                .map_err(|_| PreviewUnavailable::Unreadable)?;
            if got == 0 {
                break;
            }
            n += got as u64;
            if n > ENTRY || total + n > TOTAL {
                return Err(PreviewUnavailable::TooComplex);
            }
        }
        total += n;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sniffed_type_decides_pictures_and_the_name_decides_text_formats() {
        assert_eq!(Plan::of("照片.txt", "image/jpeg"), Plan::Image);
        assert_eq!(Plan::of("a.png", "text/plain; charset=utf-8"), Plan::Text);
        assert_eq!(
            Plan::of("说明.md", "text/plain; charset=utf-8"),
            Plan::Markdown
        );
        assert_eq!(
            Plan::of("a.CSV", "application/octet-stream"),
            Plan::Csv(b',')
        );
        assert_eq!(
            Plan::of("page.html", "application/octet-stream"),
            Plan::Text
        );
        assert_eq!(
            Plan::of("x.bin", "application/octet-stream"),
            Plan::MaybeText
        );
        assert_eq!(Plan::of("a.zip", "application/zip"), Plan::None);
        assert_eq!(Plan::of("a.xlsx", "application/zip"), Plan::Spreadsheet);
        assert_eq!(Plan::of("a.md", "application/pdf"), Plan::Pdf);
    }

    #[test]
    fn huge_office_files_are_not_read_and_text_is_read_in_part() {
        assert_eq!(Plan::Docx.read_limit(OFFICE_BYTES + 1), None);
        assert_eq!(Plan::Text.read_limit(10 * TEXT_BYTES), Some(TEXT_BYTES));
        assert_eq!(Plan::Pdf.read_limit(5), Some(0));
    }
}
