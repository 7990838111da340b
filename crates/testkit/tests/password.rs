//! `POST /me/password`: change one's own password.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use tandem_testkit::{PASSWORD, problem, spawn_app};

const NEW: &str = "a brand new password";

#[tokio::test]
async fn changing_the_password_ends_other_sessions_and_keeps_the_caller_signed_in() {
    let app = spawn_app().await;
    let dept = app.department("研发部").await;
    let (_, _) = app.member("li@example.com", dept).await;
    let laptop = app.login_ok("li@example.com", PASSWORD).await;
    let phone = app.login_ok("li@example.com", PASSWORD).await;

    let r = app
        .post(
            "/me/password",
            Some(&laptop.access_token),
            json!({ "current_password": PASSWORD, "new_password": NEW }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let pair: Value = r.json().await.unwrap();
    // The caller's new session works.
    let me = app.get("/me", pair["access_token"].as_str().unwrap()).await;
    assert_eq!(me.status(), 200);
    let r = app
        .post(
            "/auth/refresh",
            None,
            json!({ "refresh_token": pair["refresh_token"] }),
        )
        .await;
    assert_eq!(r.status(), 200);
    // Every earlier session is over: refresh tokens and, at once, access tokens.
    for old in [&laptop.refresh_token, &phone.refresh_token] {
        let r = app
            .post("/auth/refresh", None, json!({ "refresh_token": old }))
            .await;
        assert_eq!(r.status(), 401);
    }
    for old in [&laptop.access_token, &phone.access_token] {
        let r = app.get("/me", old).await;
        assert_eq!(r.status(), 401);
        assert_eq!(problem(r).await["code"], "session_ended");
    }
    // Only the new password signs in.
    assert_eq!(app.login("li@example.com", PASSWORD).await.status(), 401);
    assert_eq!(app.login("li@example.com", NEW).await.status(), 200);
    // The change is audited, without the password.
    let admin = app.admin_token().await;
    let log: Value = app
        .get("/admin/audit-log?action=user.password_changed", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
    assert!(!log.to_string().contains(NEW));
}

#[tokio::test]
async fn wrong_current_password_and_weak_new_password_are_field_errors() {
    let app = spawn_app().await;
    let dept = app.department("研发部").await;
    let (_, token) = app.member("li@example.com", dept).await;
    for (body, field, code) in [
        (
            json!({ "current_password": "not my password", "new_password": NEW }),
            "current_password",
            "incorrect",
        ),
        (
            json!({ "current_password": PASSWORD, "new_password": "short" }),
            "new_password",
            "length",
        ),
        (
            json!({ "current_password": "", "new_password": NEW }),
            "current_password",
            "length",
        ),
    ] {
        let r = app.post("/me/password", Some(&token), body).await;
        assert_eq!(r.status(), 422);
        let p = problem(r).await;
        assert_eq!(p["errors"][0]["field"], field);
        assert_eq!(p["errors"][0]["code"], code);
    }
    // Missing and unknown fields.
    let r = app
        .post("/me/password", Some(&token), json!({ "new_password": NEW }))
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .post(
            "/me/password",
            Some(&token),
            json!({ "current_password": PASSWORD, "new_password": NEW, "role": "admin" }),
        )
        .await;
    assert_eq!(r.status(), 422);
    // Nothing changed.
    assert_eq!(app.login("li@example.com", PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn guessing_the_current_password_is_throttled() {
    let app = spawn_app().await;
    let dept = app.department("研发部").await;
    let (_, token) = app.member("li@example.com", dept).await;
    let mut last = 0;
    for _ in 0..6 {
        let r = app
            .post(
                "/me/password",
                Some(&token),
                json!({ "current_password": "guess-guess-guess", "new_password": NEW }),
            )
            .await;
        last = r.status().as_u16();
        if last == 429 {
            assert!(r.headers().contains_key("retry-after"));
            break;
        }
        assert_eq!(last, 422);
    }
    assert_eq!(last, 429);
    // Even the right password waits until the lock expires.
    let r = app
        .post(
            "/me/password",
            Some(&token),
            json!({ "current_password": PASSWORD, "new_password": NEW }),
        )
        .await;
    assert_eq!(r.status(), 429);
}

#[tokio::test]
async fn signed_out_callers_get_401() {
    let app = spawn_app().await;
    let r = app
        .post(
            "/me/password",
            None,
            json!({ "current_password": PASSWORD, "new_password": NEW }),
        )
        .await;
    assert_eq!(r.status(), 401);
}
