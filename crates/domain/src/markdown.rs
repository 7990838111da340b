//! Markdown for task descriptions and comments (T4): rendered with comrak, then sanitized with
//! ammonia, so what reaches a browser can never run script, whatever was written. Images from
//! other sites are not embedded (a remote image is a tracking pixel: it tells its owner who read
//! the text, and when): they become links to the image, which the reader may choose to open.

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
    let arena = comrak::Arena::new();
    let root = comrak::parse_document(&arena, markdown, &options);
    unembed_remote_images(root);
    let mut html = String::new();
    if comrak::format_html(root, &options, &mut html).is_err() {
        return String::new();
    }
    ammonia::clean(&html)
}

/// Whether an image address points elsewhere than this server (a scheme, or `//host`).
fn is_remote(url: &str) -> bool {
    let url = url.trim();
    url.starts_with("//")
        || url
            .split(['/', '?', '#'])
            .next()
            .is_some_and(|first| first.contains(':'))
}

/// Turns images from other sites into links (or, inside a link already, into their alt text).
fn unembed_remote_images<'a>(root: comrak::Node<'a>) {
    use comrak::nodes::NodeValue;
    let remote: Vec<comrak::Node<'a>> = root
        .descendants()
        .filter(|n| matches!(&n.data.borrow().value, NodeValue::Image(l) if is_remote(&l.url)))
        .collect();
    for node in remote {
        let in_link = node
            .ancestors()
            .skip(1)
            .any(|a| matches!(a.data.borrow().value, NodeValue::Link(_)));
        let mut data = node.data.borrow_mut();
        let link = match &data.value {
            NodeValue::Image(l) => l.clone(),
            _ => continue,
        };
        data.value = if in_link {
            NodeValue::Emph
        } else {
            NodeValue::Link(link)
        };
    }
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
    fn remote_images_are_never_embedded() {
        let html = render("![pixel](https://tracker.example/p.gif) and ![x](//cdn.example/x.png)");
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("href=\"https://tracker.example/p.gif\""),
            "{html}"
        );
        assert!(html.contains(">pixel</a>"), "{html}");
        // Inside a link the alt text stays, without a second link.
        let html = render("[![logo](https://e.example/l.png)](https://e.example)");
        assert!(!html.contains("<img"), "{html}");
        assert_eq!(html.matches("<a ").count(), 1, "{html}");
        // Images of this server are embedded.
        let html = render("![图](/api/v1/attachments/1)");
        assert!(
            html.contains("<img src=\"/api/v1/attachments/1\""),
            "{html}"
        );
        // Raw HTML images are escaped, never rendered.
        assert!(!render("<img src=https://t.example/p.gif>").contains("<img"));
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
