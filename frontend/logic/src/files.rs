//! The file library's decisions that need no browser: the folder tree from the flat list the
//! server sends, names for "keep both", which icon a file gets, how a big upload is cut into
//! pieces and announced to the tus endpoint, and the words for why someone may see a file.

use std::collections::{HashMap, HashSet};

use tandem_dto::{AccessSource, FileAccess, FileLevel, FolderResponse, GrantSubjectKind, NodeKind};
use uuid::Uuid;

/// Files up to this size go in one multipart request; bigger ones through the resumable
/// (tus) endpoint in [`CHUNK`]-sized pieces, so a dropped connection costs one piece at most.
pub const RESUMABLE_ABOVE: f64 = 50.0 * 1024.0 * 1024.0;
/// One tus `PATCH`: small enough to redo cheaply, big enough that request overhead is noise.
pub const CHUNK: f64 = 8.0 * 1024.0 * 1024.0;

/// The folders inside `parent` (`None`: the top of the library), by name as people sort
/// (case-insensitive), the way the server sorts files.
pub fn children(folders: &[FolderResponse], parent: Option<Uuid>) -> Vec<FolderResponse> {
    let mut out: Vec<FolderResponse> = folders
        .iter()
        .filter(|f| f.parent_id == parent)
        .cloned()
        .collect();
    out.sort_by_cached_key(|f| f.name.to_lowercase());
    out
}

/// The folders from the top down to `id` (included), for the breadcrumb. A folder the caller
/// cannot see (a restricted one above) ends the walk; a cycle cannot loop it.
pub fn path_to(folders: &[FolderResponse], id: Option<Uuid>) -> Vec<(Uuid, String)> {
    let by_id: HashMap<Uuid, &FolderResponse> = folders.iter().map(|f| (f.id, f)).collect();
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut at = id;
    while let Some(cur) = at {
        let Some(f) = by_id.get(&cur) else { break };
        if !seen.insert(cur) {
            break;
        }
        out.push((f.id, f.name.clone()));
        at = f.parent_id;
    }
    out.reverse();
    out
}

/// `id` and every folder below it: where a folder cannot be moved to.
pub fn subtree(folders: &[FolderResponse], id: Uuid) -> HashSet<Uuid> {
    let mut out = HashSet::from([id]);
    // Grows until nothing new joins: the list is small (a project's folders).
    loop {
        let before = out.len();
        for f in folders {
            if f.parent_id.is_some_and(|p| out.contains(&p)) {
                out.insert(f.id);
            }
        }
        if out.len() == before {
            return out;
        }
    }
}

/// "报告.pdf" as the `n`th of its name: "报告 (2).pdf". The extension stays last so the copy
/// still opens with the same program; a leading dot (".env") is a name, not an extension.
pub fn numbered(name: &str, n: u32) -> String {
    match name.rfind('.') {
        Some(dot) if dot > 0 => format!("{} ({n}){}", &name[..dot], &name[dot..]),
        _ => format!("{name} ({n})"),
    }
}

/// The first of "name (2)", "name (3)" … not in `taken` (lower-cased names, as the server
/// compares them), for "keep both".
pub fn free_name(name: &str, taken: &HashSet<String>) -> String {
    (2..10_000)
        .map(|n| numbered(name, n))
        .find(|c| !taken.contains(&c.to_lowercase()))
        .unwrap_or_else(|| numbered(name, 10_000))
}

/// What kind of file a name (or its type) suggests, for its icon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Icon {
    Image,
    Pdf,
    Sheet,
    Doc,
    Slides,
    Text,
    Code,
    Archive,
    Media,
    Other,
}

impl Icon {
    pub fn of(name: &str, content_type: &str) -> Icon {
        let ext = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "png" | "jpg" | "jpeg" | "gif" | "webp" | "bmp" | "svg" | "heic" | "tif" | "tiff" => {
                Icon::Image
            }
            "pdf" => Icon::Pdf,
            "csv" | "tsv" | "xls" | "xlsx" | "ods" | "numbers" => Icon::Sheet,
            "doc" | "docx" | "odt" | "rtf" | "pages" => Icon::Doc,
            "ppt" | "pptx" | "odp" | "key" => Icon::Slides,
            "txt" | "md" | "markdown" | "log" => Icon::Text,
            "rs" | "js" | "mjs" | "ts" | "py" | "go" | "java" | "c" | "h" | "cpp" | "cs" | "rb"
            | "php" | "sh" | "sql" | "json" | "yaml" | "yml" | "toml" | "xml" | "html" | "css"
            | "kt" | "swift" => Icon::Code,
            "zip" | "rar" | "7z" | "gz" | "tgz" | "tar" | "bz2" | "xz" => Icon::Archive,
            "mp3" | "wav" | "m4a" | "flac" | "mp4" | "mov" | "avi" | "mkv" | "webm" => Icon::Media,
            _ if content_type.starts_with("image/") => Icon::Image,
            _ if content_type.starts_with("text/") => Icon::Text,
            _ if content_type.starts_with("video/") || content_type.starts_with("audio/") => {
                Icon::Media
            }
            _ => Icon::Other,
        }
    }

    /// The icon's CSS class and its short label (drawn inside it; also what a screen reader
    /// hears before the name).
    pub fn class_and_label(self) -> (&'static str, &'static str) {
        match self {
            Icon::Image => ("ic-image", "IMG"),
            Icon::Pdf => ("ic-pdf", "PDF"),
            Icon::Sheet => ("ic-sheet", "XLS"),
            Icon::Doc => ("ic-doc", "DOC"),
            Icon::Slides => ("ic-slides", "PPT"),
            Icon::Text => ("ic-text", "TXT"),
            Icon::Code => ("ic-code", "</>"),
            Icon::Archive => ("ic-archive", "ZIP"),
            Icon::Media => ("ic-media", "▶"),
            Icon::Other => ("ic-other", "FILE"),
        }
    }
}

/// A size with its unit, up to terabytes (quotas are set in GB).
pub fn size(bytes: i64) -> String {
    const K: f64 = 1024.0;
    let b = bytes.max(0) as f64;
    if b >= K * K * K * K {
        format!("{:.1} TB", b / (K * K * K * K))
    } else if b >= K * K * K {
        format!("{:.1} GB", b / (K * K * K))
    } else if b >= K * K {
        format!("{:.1} MB", b / (K * K))
    } else if b >= K {
        format!("{:.0} KB", b / K)
    } else {
        format!("{bytes} B")
    }
}

/// A quota typed in GB ("", "20", "0.5", "1,5") as bytes: `Some(None)` for none, `None` when
/// unreadable or negative.
pub fn parse_quota_gb(s: &str) -> Option<Option<i64>> {
    let s = s.trim();
    if s.is_empty() {
        return Some(None);
    }
    let v: f64 = s.replace(',', ".").parse().ok()?;
    if !v.is_finite() || !(0.0..=1.0e9).contains(&v) {
        return None;
    }
    Some(Some((v * 1024.0 * 1024.0 * 1024.0).round() as i64))
}

/// Bytes as GB for the quota field ("20", "0.5").
pub fn quota_gb(bytes: i64) -> String {
    let gb = bytes as f64 / (1024.0 * 1024.0 * 1024.0);
    let r = (gb * 100.0).round() / 100.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r}")
    }
}

/// Base64 (standard alphabet, padded), for tus's `Upload-Metadata` values.
pub fn base64(input: &str) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = input.as_bytes();
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let b = [
            group[0],
            group.get(1).copied().unwrap_or(0),
            group.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= group.len() {
                out.push(char::from(A[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// tus `Upload-Metadata`: `key base64(value)` pairs, comma-separated; empty values left out.
pub fn tus_metadata(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k} {}", base64(v)))
        .collect::<Vec<_>>()
        .join(",")
}

/// The next piece to send of a file of `length` bytes when the server holds `offset`:
/// `[start, end)`, or `None` when everything is there.
pub fn next_piece(offset: f64, length: f64) -> Option<(f64, f64)> {
    (offset < length).then(|| (offset, (offset + CHUNK).min(length)))
}

/// Share of an upload done: what the server holds plus what is on its way, 0.0 to 1.0.
pub fn share(held: f64, in_flight: f64, length: f64) -> f64 {
    if length <= 0.0 {
        return 1.0;
    }
    ((held + in_flight) / length).clamp(0.0, 1.0)
}

/// `{0}`, `{1}` … in an area text replaced by `args` (area texts are data, so no `format!`).
pub fn fill(template: &str, args: &[&str]) -> String {
    let mut out = template.to_owned();
    for (n, a) in args.iter().enumerate() {
        out = out.replace(&format!("{{{n}}}"), a);
    }
    out
}

/// The words that say why the caller has their access, as texts of the files area give them.
pub struct AccessWords<'a> {
    pub role_admin: &'a str,
    pub role_editor: &'a str,
    pub role_viewer: &'a str,
    pub system_admin: &'a str,
    /// "granted on folder {0} to {1}".
    pub grant_folder: &'a str,
    pub grant_file: &'a str,
    /// The grantee when the grant is to the caller.
    pub you: &'a str,
    pub attachment: &'a str,
}

/// Why the caller may do what they may with a folder or file: "editor of the project",
/// "granted on folder 设计稿 to 设计部".
pub fn access_reason(a: &FileAccess, w: &AccessWords<'_>) -> String {
    match a.source {
        AccessSource::ProjectRole => match a.role {
            Some(tandem_dto::ProjectRole::Admin) => w.role_admin.to_owned(),
            Some(tandem_dto::ProjectRole::Editor) => w.role_editor.to_owned(),
            _ => w.role_viewer.to_owned(),
        },
        AccessSource::SystemAdmin => w.system_admin.to_owned(),
        AccessSource::Attachment => w.attachment.to_owned(),
        AccessSource::Grant => {
            let template = match a.on_kind {
                Some(NodeKind::File) => w.grant_file,
                _ => w.grant_folder,
            };
            let who = match a.subject_kind {
                Some(GrantSubjectKind::Department) => a.subject_name.as_deref().unwrap_or(""),
                _ => w.you,
            };
            fill(template, &[a.on_name.as_deref().unwrap_or(""), who])
        }
    }
}

/// Whether the access allows `level`.
pub fn allows(a: &FileAccess, level: FileLevel) -> bool {
    a.level.rank() >= level.rank()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn access(source: AccessSource) -> FileAccess {
        FileAccess {
            level: FileLevel::Edit,
            source,
            role: None,
            on_kind: None,
            on_id: None,
            on_name: None,
            subject_kind: None,
            subject_id: None,
            subject_name: None,
        }
    }

    fn folder(id: u128, parent: Option<u128>, name: &str) -> FolderResponse {
        FolderResponse {
            id: Uuid::from_u128(id),
            project_id: Uuid::nil(),
            parent_id: parent.map(Uuid::from_u128),
            name: name.into(),
            restricted: false,
            access: access(AccessSource::ProjectRole),
            created_by: Uuid::nil(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
            deleted_at: None,
            version: 1,
        }
    }

    fn words() -> AccessWords<'static> {
        AccessWords {
            role_admin: "项目管理员",
            role_editor: "项目编辑者",
            role_viewer: "项目查看者",
            system_admin: "系统管理员",
            grant_folder: "在文件夹 {0} 上授予 {1}",
            grant_file: "在文件 {0} 上授予 {1}",
            you: "你",
            attachment: "任务附件",
        }
    }

    #[test]
    fn the_tree_is_read_from_the_flat_list() {
        let list = vec![
            folder(1, None, "设计稿"),
            folder(2, Some(1), "海报"),
            folder(3, Some(2), "终稿"),
            folder(4, None, "Archive"),
            folder(5, None, "budget"),
        ];
        let top: Vec<String> = children(&list, None).into_iter().map(|f| f.name).collect();
        assert_eq!(top, ["Archive", "budget", "设计稿"]);
        let path: Vec<String> = path_to(&list, Some(Uuid::from_u128(3)))
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        assert_eq!(path, ["设计稿", "海报", "终稿"]);
        assert!(path_to(&list, None).is_empty());
        let below = subtree(&list, Uuid::from_u128(1));
        assert_eq!(below.len(), 3);
        assert!(!below.contains(&Uuid::from_u128(4)));
    }

    #[test]
    fn a_cycle_in_the_list_does_not_hang_the_breadcrumb() {
        let list = vec![folder(1, Some(2), "a"), folder(2, Some(1), "b")];
        assert_eq!(path_to(&list, Some(Uuid::from_u128(1))).len(), 2);
    }

    #[test]
    fn keep_both_numbers_the_name_before_its_extension() {
        assert_eq!(numbered("报告.pdf", 2), "报告 (2).pdf");
        assert_eq!(numbered("README", 3), "README (3)");
        assert_eq!(numbered(".env", 2), ".env (2)");
        let taken: HashSet<String> = ["报告 (2).pdf".to_owned()].into();
        assert_eq!(free_name("报告.pdf", &taken), "报告 (3).pdf");
    }

    #[test]
    fn icons_follow_the_extension_then_the_type() {
        assert_eq!(Icon::of("海报.PNG", ""), Icon::Image);
        assert_eq!(Icon::of("预算.csv", "text/csv"), Icon::Sheet);
        assert_eq!(Icon::of("main.rs", ""), Icon::Code);
        assert_eq!(Icon::of("noext", "image/jpeg"), Icon::Image);
        assert_eq!(
            Icon::of("blob.bin", "application/octet-stream"),
            Icon::Other
        );
    }

    #[test]
    fn sizes_and_quotas_read_as_people_write_them() {
        assert_eq!(size(512), "512 B");
        assert_eq!(size(3 * 1024 * 1024 * 1024 / 2), "1.5 GB");
        assert_eq!(parse_quota_gb(""), Some(None));
        assert_eq!(parse_quota_gb("1,5"), Some(Some(1_610_612_736)));
        assert_eq!(parse_quota_gb("-1"), None);
        assert_eq!(parse_quota_gb("abc"), None);
        assert_eq!(quota_gb(1_610_612_736), "1.5");
        assert_eq!(quota_gb(20 * 1024 * 1024 * 1024), "20");
    }

    #[test]
    fn tus_metadata_is_base64_per_value() {
        assert_eq!(base64(""), "");
        assert_eq!(base64("f"), "Zg==");
        assert_eq!(base64("fo"), "Zm8=");
        assert_eq!(base64("foo"), "Zm9v");
        assert_eq!(base64("发布会.mp4"), "5Y+R5biD5LyaLm1wNA==");
        assert_eq!(
            tus_metadata(&[("filename", "a.txt"), ("folder_id", ""), ("note", "v2")]),
            "filename YS50eHQ=,note djI="
        );
    }

    #[test]
    fn big_files_go_in_pieces_from_the_servers_offset() {
        let len = 20.0 * 1024.0 * 1024.0;
        assert_eq!(next_piece(0.0, len), Some((0.0, CHUNK)));
        assert_eq!(
            next_piece(17.0 * 1024.0 * 1024.0, len),
            Some((17.0 * 1024.0 * 1024.0, len))
        );
        assert_eq!(next_piece(len, len), None);
        assert!((share(5.0, 1.0, 10.0) - 0.6).abs() < 1e-9);
        assert_eq!(share(0.0, 0.0, 0.0), 1.0);
    }

    #[test]
    fn the_access_reason_names_role_or_grant() {
        let w = words();
        let mut a = access(AccessSource::ProjectRole);
        a.role = Some(tandem_dto::ProjectRole::Editor);
        assert_eq!(access_reason(&a, &w), "项目编辑者");
        let mut g = access(AccessSource::Grant);
        g.on_kind = Some(NodeKind::Folder);
        g.on_name = Some("设计稿".into());
        g.subject_kind = Some(GrantSubjectKind::Department);
        g.subject_name = Some("设计部".into());
        assert_eq!(access_reason(&g, &w), "在文件夹 设计稿 上授予 设计部");
        g.subject_kind = Some(GrantSubjectKind::User);
        g.on_kind = Some(NodeKind::File);
        assert_eq!(access_reason(&g, &w), "在文件 设计稿 上授予 你");
        assert!(allows(&g, FileLevel::View));
        assert!(!allows(&g, FileLevel::Manage));
    }
}
