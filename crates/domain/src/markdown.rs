//! Markdown for task descriptions and comments (T4): rendered with comrak, then sanitized with
//! ammonia, so what reaches a browser can never run script, whatever was written.

use uuid::Uuid;

/// Markdown → safe HTML. GitHub-flavoured extensions (tables, strikethrough, task lists,
/// autolinks); raw HTML in the source is escaped by comrak and anything left is cleaned by
/// ammonia (links get `rel="noopener noreferrer"`).
pub fn render(markdown: &str) -> String {
    let mut options = comrak::Options::default();
    options.extension.table = true;
    options.extension.strikethrough = true;
    options.extension.tasklist = true;
    options.extension.autolink = true;
    options.render.hardbreaks = true;
    let html = comrak::markdown_to_html(markdown, &options);
    ammonia::clean(&html)
}

/// Who `@name` mentions in `text`, among `people` (id, display name). At each `@` the longest
/// matching name wins, so "@李雷你好" finds 李雷 and "@Li Lei" is not mistaken for "@Li".
pub fn mentions<'a>(text: &str, people: impl IntoIterator<Item = (Uuid, &'a str)>) -> Vec<Uuid> {
    let mut people: Vec<(Uuid, &str)> = people
        .into_iter()
        .filter(|(_, n)| !n.trim().is_empty())
        .collect();
    people.sort_by_key(|(_, n)| std::cmp::Reverse(n.len()));
    let mut found = Vec::new();
    for (i, _) in text.match_indices('@') {
        let rest = &text[i + 1..];
        if let Some((id, _)) = people.iter().find(|(_, n)| rest.starts_with(n))
            && !found.contains(id)
        {
            found.push(*id);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_never_survives() {
        for evil in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[x](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<svg onload=alert(1)>",
        ] {
            let html = render(evil);
            assert!(!html.contains("<script"), "{html}");
            assert!(!html.contains("onerror"), "{html}");
            assert!(!html.contains("onload"), "{html}");
            assert!(!html.contains("javascript:"), "{html}");
        }
    }

    #[test]
    fn markdown_is_rendered() {
        let html = render("**重点**\n\n- [x] 完成\n\n| a | b |\n|---|---|\n| 1 | 2 |");
        assert!(html.contains("<strong>重点</strong>"));
        assert!(html.contains("<table>"));
        assert!(render("https://example.com").contains("href=\"https://example.com\""));
    }

    #[test]
    fn mentions_find_the_longest_name() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let people = [(a, "李雷"), (b, "李"), (c, "Han Meimei")];
        assert_eq!(mentions("@李雷你好，请看一下", people), [a]);
        assert_eq!(mentions("@李 和 @Han Meimei", people), [b, c]);
        assert_eq!(mentions("邮件 a@b.com", people), Vec::<Uuid>::new());
        assert_eq!(mentions("@李雷 @李雷", people), [a]);
    }
}
