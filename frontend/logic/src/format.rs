//! Numbers, sizes and dates as people read them.

use chrono::NaiveDate;

/// A file size: bytes, KB or MB.
pub fn human_size(bytes: i64) -> String {
    let b = bytes as f64;
    if b >= 1024.0 * 1024.0 {
        format!("{:.1} MB", b / 1024.0 / 1024.0)
    } else if b >= 1024.0 {
        format!("{:.0} KB", b / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

/// Hours without a trailing `.0` (2 → "2", 2.5 → "2.5").
pub fn hours(h: f64) -> String {
    let rounded = (h * 100.0).round() / 100.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded}")
    }
}

/// Hours typed into a field: empty is none (`Some(None)`); a negative or unreadable number is
/// refused (`None`). A comma is read as the decimal point, as many keyboards type it.
pub fn parse_hours(s: &str) -> Option<Option<f64>> {
    let s = s.trim();
    if s.is_empty() {
        return Some(None);
    }
    let v: f64 = s.replace(',', ".").parse().ok()?;
    (v.is_finite() && v >= 0.0).then_some(Some(v))
}

/// A date for lists: ISO (`2026-03-01`) as the server sends it, or a dash for none.
pub fn date_or_dash(d: Option<NaiveDate>) -> String {
    d.map_or_else(|| "—".to_owned(), |d| d.to_string())
}

/// Where a notification leads: its task, else its project.
pub fn notification_link(data: &serde_json::Value) -> Option<String> {
    let id = |k: &str| data.get(k).and_then(|v| v.as_str());
    id("task_id")
        .map(|t| format!("/tasks/{t}"))
        .or_else(|| id("project_id").map(|p| format!("/projects/{p}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_pick_their_unit() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(2048), "2 KB");
        assert_eq!(human_size(3 * 1024 * 1024 + 100_000), "3.1 MB");
    }

    #[test]
    fn hours_print_without_a_needless_fraction() {
        assert_eq!(hours(2.0), "2");
        assert_eq!(hours(2.5), "2.5");
        assert_eq!(hours(1.333), "1.33");
    }

    #[test]
    fn typed_hours_are_read_or_refused() {
        assert_eq!(parse_hours(""), Some(None));
        assert_eq!(parse_hours(" 3 "), Some(Some(3.0)));
        assert_eq!(parse_hours("1,5"), Some(Some(1.5)));
        assert_eq!(parse_hours("-1"), None);
        assert_eq!(parse_hours("abc"), None);
    }

    #[test]
    fn dates_show_iso_or_a_dash() {
        assert_eq!(
            date_or_dash(NaiveDate::from_ymd_opt(2026, 3, 1)),
            "2026-03-01"
        );
        assert_eq!(date_or_dash(None), "—");
    }

    #[test]
    fn a_notification_leads_to_its_task_before_its_project() {
        let both = serde_json::json!({"task_id": "t", "project_id": "p"});
        assert_eq!(notification_link(&both).as_deref(), Some("/tasks/t"));
        let project = serde_json::json!({"project_id": "p"});
        assert_eq!(notification_link(&project).as_deref(), Some("/projects/p"));
        assert_eq!(notification_link(&serde_json::json!({})), None);
    }
}
