//! File names and types: an uploaded name is display text, never a path; a file's type is
//! what its bytes say, never what the client claims; names travel in headers per RFC 6266 /
//! RFC 8187.

/// A file name fit for display: no directories, no control characters, at most 255
/// characters, not hidden behind a leading dot.
pub fn clean_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(255).collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim().to_owned();
    if trimmed.is_empty() {
        "file".into()
    } else {
        trimmed
    }
}

/// The stored content type, from the bytes themselves. Types a browser would render as a page
/// or run script in (HTML, SVG, XML, JavaScript) are never stored as such.
pub fn sniff(head: &[u8]) -> String {
    let t = infer::get(head)
        .map(|k| k.mime_type().to_owned())
        .unwrap_or_else(|| {
            if !head.is_empty() && utf8_prefix(head) {
                "text/plain; charset=utf-8".to_owned()
            } else {
                "application/octet-stream".to_owned()
            }
        });
    if t.contains("html") || t.contains("svg") || t.contains("xml") || t.contains("javascript") {
        // Office files are zip archives infer names by their XML parts' type; keep those.
        if t.starts_with("application/vnd.openxmlformats") {
            return t;
        }
        "application/octet-stream".to_owned()
    } else {
        t
    }
}

/// Whether `head` is UTF-8, allowing a character cut off at its end.
fn utf8_prefix(head: &[u8]) -> bool {
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
    }
}

/// A `Content-Disposition` value: an ASCII fallback, then the exact name as UTF-8
/// (`filename*`), which browsers prefer — Chinese names arrive intact.
pub fn disposition(kind: &str, name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_never_become_paths() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\Users\\x\\报告.docx"), "报告.docx");
        assert_eq!(clean_name("..\u{0}"), "file");
        assert_eq!(clean_name(".htaccess"), "htaccess");
        assert_eq!(clean_name(&"长".repeat(300)).chars().count(), 255);
    }

    #[test]
    fn pages_and_scripts_are_not_stored_as_such() {
        assert_eq!(sniff(b"<svg onload=alert(1)>"), "text/plain; charset=utf-8");
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(
            sniff(&[0xff, 0xfe, 0x00, 0x01, 0x80]),
            "application/octet-stream"
        );
        // A multi-byte character cut by the head's end is still text.
        let mut t = "批次".repeat(3).into_bytes();
        t.pop();
        assert_eq!(sniff(&t), "text/plain; charset=utf-8");
    }

    #[test]
    fn content_disposition_is_ascii_safe() {
        let d = disposition("attachment", "报告 \"v2\".pdf");
        assert!(d.starts_with("attachment; filename=\"__ _v2_.pdf\""), "{d}");
        assert!(d.contains("filename*=UTF-8''%E6%8A%A5"));
        assert!(disposition("inline", "a\r\nb").starts_with("inline; filename=\"a__b\""));
    }
}
