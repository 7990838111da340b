//! How `tandem serve` delivers the web app: hashed assets cached for a year and compressed,
//! index.html never cached, deep links answered with the app, `/api/…` never with HTML.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tandem_testkit::spawn_app_with;

/// A built web app in a scratch directory (removed when the returned guard drops).
fn web_dir() -> (tandem_testkit::Scratch, std::path::PathBuf) {
    let scratch = tandem_testkit::Scratch::new("web");
    let dir = scratch.path().to_path_buf();
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>app</title>").unwrap();
    // Large and repetitive enough to be worth compressing.
    std::fs::write(
        dir.join("assets/app-0123abcd.js"),
        "export const x = 1;\n".repeat(200),
    )
    .unwrap();
    (scratch, dir)
}

/// `TestApp::url` prefixes `/api/v1`; the web app lives outside it.
fn at(app: &tandem_testkit::TestApp, path: &str) -> String {
    format!("{}{path}", app.base)
}

#[tokio::test]
async fn assets_are_cached_for_a_year_and_compressed() {
    let (_scratch, dir) = web_dir();
    let app = spawn_app_with(|c| c.web_dir = Some(dir.clone())).await;
    let r = app
        .http
        .get(at(&app, "/assets/app-0123abcd.js"))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(r.headers()["content-encoding"], "gzip");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    let missing = app
        .http
        .get(at(&app, "/assets/app-ffff.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn index_and_deep_links_get_the_app_uncached() {
    let (_scratch, dir) = web_dir();
    let app = spawn_app_with(|c| c.web_dir = Some(dir.clone())).await;
    for path in [
        "/",
        "/people/0194f3b2-0000-7000-8000-000000000000",
        "/me/tokens?x=1",
    ] {
        let r = app.http.get(at(&app, path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["cache-control"], "no-cache", "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        // A strict policy: no inline script, no framing, nothing from elsewhere.
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        for directive in [
            "default-src 'none'",
            "script-src 'self' 'wasm-unsafe-eval'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(r.headers()["x-frame-options"], "DENY");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        assert!(r.headers().contains_key("referrer-policy"));
        assert!(
            r.text().await.unwrap().contains("<title>app</title>"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_page_before_the_web_app_is_built_is_framed_by_nobody() {
    let app = spawn_app_with(|c| c.web_dir = None).await;
    let r = app.http.get(at(&app, "/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"));
}

/// The real index.html (frontend/index.html) keeps to that policy: no inline script, no
/// inline style, no data: URLs, so a change that needs one fails here before it fails in a
/// browser.
#[test]
fn the_web_apps_page_has_nothing_inline() {
    let page = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../frontend/index.html"
    ))
    .unwrap();
    let lower = page.to_lowercase();
    for (start, _) in lower.match_indices("<script") {
        let tag_end = start + lower[start..].find('>').unwrap();
        assert!(
            lower[start..tag_end].contains(" src="),
            "inline script: {}",
            &page[start..]
        );
    }
    assert!(!lower.contains("<style"), "inline style block");
    assert!(!lower.contains(" style="), "inline style attribute");
    assert!(!lower.contains("data:"), "data: URL");
    let handler = lower.match_indices(" on").any(|(i, _)| {
        let rest = &lower[i + 3..];
        let name = rest.trim_start_matches(|c: char| c.is_ascii_alphabetic());
        name.len() < rest.len() && name.trim_start().starts_with('=')
    });
    assert!(!handler, "inline event handler");
}

#[tokio::test]
async fn unknown_api_paths_stay_json_404s() {
    let (_scratch, dir) = web_dir();
    let app = spawn_app_with(|c| c.web_dir = Some(dir.clone())).await;
    for path in ["/api/v1/nope", "/api/nope", "/api/v1/users/x/y/z"] {
        let r = app.http.get(at(&app, path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
        assert_eq!(
            r.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
    }
}
