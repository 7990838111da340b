//! API tests over HTTP against the real server and a fresh database each.
//! The same binary runs on SQLite and, with TANDEM_TEST_PG set, on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::Method;
use serde_json::{Value, json};
use tandem_testkit::*;

async fn body(r: reqwest::Response) -> Value {
    r.json().await.unwrap()
}

// ------------------------------------------------------------------ conventions

#[tokio::test]
async fn health_reports_the_database_as_reachable() {
    let app = spawn_app().await;
    let r = app.http.get(app.url("/api/health")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v = body(r).await;
    assert_eq!(v["status"], "ok");
    assert_eq!(v["database"], "ok");
}

#[tokio::test]
async fn unknown_api_routes_get_a_problem_404() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/nothing-here",
        "/api/nothing",
        "/api/v1/users/not-a-uuid",
    ] {
        let t = app.admin_token().await;
        let r = app
            .http
            .get(app.url(path))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{path}");
        assert_eq!(problem(r).await["status"], 404);
    }
}

#[tokio::test]
async fn a_wrong_method_gets_a_problem_405() {
    let app = spawn_app().await;
    for m in [Method::PUT, Method::from_bytes(b"TRACE").unwrap()] {
        let r = app.req(m, "/auth/login", None).send().await.unwrap();
        assert_eq!(r.status(), 405);
        assert_eq!(problem(r).await["code"], "method_not_allowed");
    }
}

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let app = spawn_app().await;
    let r = app
        .req(Method::POST, "/auth/login", None)
        .header("content-type", "application/json")
        .body("{\"login\":")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(problem(r).await["code"], "malformed_json");
}

#[tokio::test]
async fn a_wrong_content_type_is_a_415_problem() {
    let app = spawn_app().await;
    let r = app
        .req(Method::POST, "/auth/login", None)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    problem(r).await;
}

#[tokio::test]
async fn a_user_cannot_make_themselves_admin_by_adding_a_role_field() {
    let app = spawn_app().await;
    let d = app.department("研发部").await;
    let r = app
        .post(
            "/auth/register",
            None,
            json!({ "email": "x@example.com", "name": "X", "department_id": d, "position": "P",
                    "password": PASSWORD, "role": "admin" }),
        )
        .await;
    assert_eq!(r.status(), 422);
    let p = problem(r).await;
    assert_eq!(p["errors"][0]["field"], "role");
    assert_eq!(p["errors"][0]["code"], "unknown_field");

    let (_, t) = app.member("m@example.com", d).await;
    let r = app.patch("/me", &t, json!({ "role": "admin" })).await;
    assert_eq!(r.status(), 422);
    let me = body(app.get("/me", &t).await).await;
    assert_eq!(me["role"], "member");
}

#[tokio::test]
async fn pagination_walks_every_item_once_and_checks_its_parameters() {
    let app = spawn_app().await;
    for i in 0..5 {
        app.department(&format!("部门{i}")).await;
    }
    let mut seen = vec![];
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("/departments?limit=2&cursor={c}"),
            None => "/departments?limit=2".into(),
        };
        let v = body(app.http.get(app.url(&q)).send().await.unwrap()).await;
        for it in v["items"].as_array().unwrap() {
            seen.push(it["name"].as_str().unwrap().to_owned());
        }
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, (0..5).map(|i| format!("部门{i}")).collect::<Vec<_>>());
    for bad in [
        "limit=0",
        "limit=201",
        "limit=abc",
        "limit=9223372036854775808",
        "cursor=%%%",
        "cursor=AAAA",
    ] {
        let r = app
            .http
            .get(app.url(&format!("/departments?{bad}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{bad}");
        problem(r).await;
    }
}

// ------------------------------------------------------------------ registration (A1)

#[tokio::test]
async fn a_registered_user_is_pending_and_cannot_log_in() {
    let app = spawn_app().await;
    let d = app.department("市场部").await;
    let r = app
        .post(
            "/auth/register",
            None,
            json!({ "employee_id": "E1001", "name": "李雷", "department_id": d,
                    "position": "市场经理", "password": PASSWORD }),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert!(r.headers().get("location").is_some());
    let v = body(r).await;
    assert_eq!(v["status"], "pending");
    assert_eq!(v["role"], "member");
    let r = app.login("E1001", PASSWORD).await;
    assert_eq!(r.status(), 403);
    assert_eq!(problem(r).await["code"], "account_pending");
}

#[tokio::test]
async fn registration_validates_every_field() {
    let app = spawn_app().await;
    let d = app.department("生产部").await;
    let base = json!({ "email": "ok@example.com", "name": "N", "department_id": d,
                       "position": "P", "password": PASSWORD });
    let cases: Vec<(&str, Value, &str)> = vec![
        ("email", json!(null), "required"),
        ("email", json!("not-an-email"), "email"),
        ("password", json!("short"), "length"),
        ("name", json!(""), "length"),
        ("name", json!("   "), "required"),
        ("position", json!(""), "length"),
        ("department_id", json!(uuid::Uuid::now_v7()), "not_found"),
        ("department_id", json!("nope"), "invalid_type"),
        ("employee_id", json!(""), "length"),
    ];
    for (field, value, code) in cases {
        let mut b = base.clone();
        b[field] = value.clone();
        if field == "email" && value.is_null() {
            b.as_object_mut().unwrap().remove("email");
        }
        let r = app.post("/auth/register", None, b).await;
        assert_eq!(r.status(), 422, "{field}={value}");
        let p = problem(r).await;
        let errs = p["errors"].as_array().unwrap();
        assert!(
            errs.iter().any(|e| e["code"] == code),
            "{field}={value}: expected code {code}, got {p}"
        );
    }
    let mut b = base.clone();
    b.as_object_mut().unwrap().remove("name");
    let r = app.post("/auth/register", None, b).await;
    assert_eq!(r.status(), 422);
    assert_eq!(problem(r).await["errors"][0]["code"], "required");
}

#[tokio::test]
async fn e_mail_and_employee_id_are_unique_and_e_mail_ignores_case() {
    let app = spawn_app().await;
    let d = app.department("销售部").await;
    app.register("Han.Meimei@Example.com", d).await;
    let r = app
        .post(
            "/auth/register",
            None,
            json!({ "email": "han.meimei@example.COM", "name": "N", "department_id": d,
                    "position": "P", "password": PASSWORD }),
        )
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(problem(r).await["code"], "email_taken");
    let r = app
        .post(
            "/auth/register",
            None,
            json!({ "employee_id": "A0001", "name": "N", "department_id": d,
                    "position": "P", "password": PASSWORD }),
        )
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(problem(r).await["code"], "employee_id_taken");
}

// ------------------------------------------------------------------ approval (A2)

#[tokio::test]
async fn an_approved_user_logs_in_and_is_notified_and_it_is_audited() {
    let app = spawn_app().await;
    let d = app.department("研发部").await;
    let id = app.register("u@example.com", d).await;
    let admin = app.admin_token().await;
    let queue = body(app.get("/admin/registrations", &admin).await).await;
    assert_eq!(queue["items"].as_array().unwrap().len(), 1);
    let r = app
        .post(
            &format!("/admin/registrations/{id}/approve"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await["status"], "active");
    let pair = app.login_ok("U@example.com", PASSWORD).await;
    let n = body(app.get("/me/notifications", &pair.access_token).await).await;
    assert_eq!(n["items"][0]["kind"], "account.approved");
    let log = body(
        app.get("/admin/audit-log?action=user.approved", &admin)
            .await,
    )
    .await;
    assert_eq!(log["items"][0]["target_id"], id.to_string());
    assert!(log["items"][0]["ip"].as_str().is_some());
    // A second decision on the same registration conflicts.
    let r = app
        .post(
            &format!("/admin/registrations/{id}/approve"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 409);
}

#[tokio::test]
async fn a_rejected_user_is_told_why() {
    let app = spawn_app().await;
    let d = app.department("质量部").await;
    let id = app.register("r@example.com", d).await;
    let admin = app.admin_token().await;
    let r = app
        .post(
            &format!("/admin/registrations/{id}/reject"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .post(
            &format!("/admin/registrations/{id}/reject"),
            Some(&admin),
            json!({ "reason": "  " }),
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .post(
            &format!("/admin/registrations/{id}/reject"),
            Some(&admin),
            json!({ "reason": "请使用公司邮箱" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app.login("r@example.com", PASSWORD).await;
    assert_eq!(r.status(), 403);
    let p = problem(r).await;
    assert_eq!(p["code"], "account_rejected");
    assert!(p["detail"].as_str().unwrap().contains("请使用公司邮箱"));
    let log = body(
        app.get("/admin/audit-log?action=user.rejected", &admin)
            .await,
    )
    .await;
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn only_administrators_decide_registrations() {
    let app = spawn_app().await;
    let d = app.department("人事部").await;
    let id = app.register("p@example.com", d).await;
    let (_, member) = app.member("m@example.com", d).await;
    let path = format!("/admin/registrations/{id}/approve");
    assert_eq!(app.post(&path, None, json!({})).await.status(), 401);
    assert_eq!(
        app.post(&path, Some("garbage"), json!({})).await.status(),
        401
    );
    let r = app.post(&path, Some(&member), json!({})).await;
    assert_eq!(r.status(), 403);
    assert_eq!(problem(r).await["code"], "not_admin");
    assert_eq!(app.get("/admin/registrations", &member).await.status(), 403);
    let admin = app.admin_token().await;
    let missing = format!("/admin/registrations/{}/approve", uuid::Uuid::now_v7());
    assert_eq!(
        app.post(&missing, Some(&admin), json!({})).await.status(),
        404
    );
    let r = app.get("/admin/registrations?status=active", &admin).await;
    assert_eq!(r.status(), 422);
}

// ------------------------------------------------------------------ sessions (A3)

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_family() {
    let app = spawn_app().await;
    let first = app.login_ok(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let r = app
        .post(
            "/auth/refresh",
            None,
            json!({ "refresh_token": first.refresh_token }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let second: tandem_dto::TokenPairResponse = r.json().await.unwrap();
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_eq!(app.get("/me", &second.access_token).await.status(), 200);
    // The spent token is presented again: both it and its successor die.
    let r = app
        .post(
            "/auth/refresh",
            None,
            json!({ "refresh_token": first.refresh_token }),
        )
        .await;
    assert_eq!(r.status(), 401);
    assert_eq!(problem(r).await["code"], "refresh_token_reused");
    let r = app
        .post(
            "/auth/refresh",
            None,
            json!({ "refresh_token": second.refresh_token }),
        )
        .await;
    assert_eq!(r.status(), 401);
    // Another login is unaffected.
    let other = app.login_ok(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let r = app
        .post(
            "/auth/refresh",
            None,
            json!({ "refresh_token": other.refresh_token }),
        )
        .await;
    assert_eq!(r.status(), 200);
    for bad in [
        json!({}),
        json!({ "refresh_token": "" }),
        json!({ "refresh_token": "nope" }),
    ] {
        let r = app.post("/auth/refresh", None, bad.clone()).await;
        assert!(r.status() == 401 || r.status() == 422, "{bad}");
        problem(r).await;
    }
}

#[tokio::test]
async fn logout_revokes_the_refresh_token() {
    let app = spawn_app().await;
    let pair = app.login_ok(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let r = app
        .post(
            "/auth/logout",
            None,
            json!({ "refresh_token": pair.refresh_token }),
        )
        .await;
    assert_eq!(r.status(), 204);
    let r = app
        .post(
            "/auth/refresh",
            None,
            json!({ "refresh_token": pair.refresh_token }),
        )
        .await;
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn repeated_failures_are_throttled_with_retry_after() {
    let app = spawn_app().await;
    // The administrator logged in from this device before.
    let known = app.login_ok(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let device = known.device_token.clone().expect("a device token");
    for _ in 0..4 {
        let r = app.login(ADMIN_EMAIL, "wrong-password").await;
        assert_eq!(r.status(), 401);
        assert_eq!(problem(r).await["code"], "invalid_credentials");
    }
    let r = app.login(ADMIN_EMAIL, "wrong-password").await;
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0);
    // Even the right password waits now, by whichever identifier of the account.
    assert_eq!(app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(), 429);
    assert_eq!(app.login("A0001", ADMIN_PASSWORD).await.status(), 429);
    // …except on the device that logged in before: someone else's guessing does not lock it.
    let r = app
        .post(
            "/auth/login",
            None,
            json!({ "login": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "device_token": device }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let admin: Value = r.json().await.unwrap();
    // Failures were audited, without the password.
    let log = body(
        app.get(
            "/admin/audit-log?action=auth.login_failed",
            admin["access_token"].as_str().unwrap(),
        )
        .await,
    )
    .await;
    assert_eq!(log["items"].as_array().unwrap().len(), 5);
    assert!(!log.to_string().contains("wrong-password"));
}

#[tokio::test]
async fn throttling_by_address_covers_many_accounts() {
    let app = spawn_app_with(|c| c.address_limits.max_failures = 3).await;
    for i in 0..2 {
        assert_eq!(
            app.login(&format!("nobody{i}@example.com"), "xxxxxxxxxxxx")
                .await
                .status(),
            401
        );
    }
    let r = app.login("nobody9@example.com", "xxxxxxxxxxxx").await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_some());
}

#[tokio::test]
async fn login_validates_its_input() {
    let app = spawn_app().await;
    for b in [
        json!({ "login": "", "password": "x" }),
        json!({ "login": "a" }),
        json!({ "password": "x" }),
    ] {
        let r = app.post("/auth/login", None, b).await;
        assert_eq!(r.status(), 422);
        problem(r).await;
    }
}

#[tokio::test]
async fn deactivating_a_user_revokes_every_token_at_once() {
    let app = spawn_app().await;
    let d = app.department("财务部").await;
    let id = app.register("f@example.com", d).await;
    let admin = app.admin_token().await;
    app.post(
        &format!("/admin/registrations/{id}/approve"),
        Some(&admin),
        json!({}),
    )
    .await;
    let pair = app.login_ok("f@example.com", PASSWORD).await;
    let pat: Value = body(
        app.post(
            "/me/tokens",
            Some(&pair.access_token),
            json!({ "name": "ci", "scopes": ["read"] }),
        )
        .await,
    )
    .await;
    let pat = pat["token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/me", &pat).await.status(), 200);
    let r = app
        .patch(
            &format!("/users/{id}"),
            &admin,
            json!({ "status": "deactivated" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(app.get("/me", &pair.access_token).await.status(), 401);
    assert_eq!(app.get("/me", &pat).await.status(), 401);
    let r = app
        .post(
            "/auth/refresh",
            None,
            json!({ "refresh_token": pair.refresh_token }),
        )
        .await;
    assert_eq!(r.status(), 401);
    let r = app.login("f@example.com", PASSWORD).await;
    assert_eq!(r.status(), 403);
    assert_eq!(problem(r).await["code"], "account_deactivated");
    // Reactivated, they log in again but old tokens stay dead.
    let r = app
        .patch(
            &format!("/users/{id}"),
            &admin,
            json!({ "status": "active" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(app.get("/me", &pat).await.status(), 401);
    app.login_ok("f@example.com", PASSWORD).await;
    let log = body(
        app.get("/admin/audit-log?action=user.status_changed", &admin)
            .await,
    )
    .await;
    assert_eq!(log["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn forged_and_broken_tokens_are_all_refused() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
    let app = spawn_app().await;
    let good = app.admin_token().await;
    let now = chrono::Utc::now().timestamp();
    let sub = app.admin_id.to_string();
    let claims = |iss: &str, aud: &str, exp: i64, sub: &str| json!({ "sub": sub, "iss": iss, "aud": aud, "iat": now, "exp": exp, "jti": "x" });
    let key = EncodingKey::from_secret(JWT_SECRET.as_bytes());
    let sign =
        |alg: Algorithm, c: &Value, k: &EncodingKey| encode(&Header::new(alg), c, k).unwrap();
    let parts: Vec<&str> = good.split('.').collect();
    let none_header = B64.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let mut tampered_payload: Value =
        serde_json::from_slice(&B64.decode(parts[1]).unwrap()).unwrap();
    tampered_payload["sub"] = json!(uuid::Uuid::now_v7().to_string());
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        B64.encode(tampered_payload.to_string()),
        parts[2]
    );
    let no_exp = json!({ "sub": sub, "iss": "tandem", "aud": "tandem-api", "iat": now });
    let forged: Vec<(&str, String)> = vec![
        ("alg none", format!("{none_header}.{}.", parts[1])),
        (
            "alg none without dot",
            format!("{none_header}.{}", parts[1]),
        ),
        (
            "wrong key",
            sign(
                Algorithm::HS256,
                &claims("tandem", "tandem-api", now + 600, &sub),
                &EncodingKey::from_secret(b"another-secret-another-secret-000"),
            ),
        ),
        (
            "expired",
            sign(
                Algorithm::HS256,
                &claims("tandem", "tandem-api", now - 3600, &sub),
                &key,
            ),
        ),
        (
            "wrong audience",
            sign(
                Algorithm::HS256,
                &claims("tandem", "someone-else", now + 600, &sub),
                &key,
            ),
        ),
        (
            "wrong issuer",
            sign(
                Algorithm::HS256,
                &claims("evil", "tandem-api", now + 600, &sub),
                &key,
            ),
        ),
        (
            "HS512 with the right key",
            sign(
                Algorithm::HS512,
                &claims("tandem", "tandem-api", now + 600, &sub),
                &key,
            ),
        ),
        (
            "HS384 with the right key",
            sign(
                Algorithm::HS384,
                &claims("tandem", "tandem-api", now + 600, &sub),
                &key,
            ),
        ),
        ("missing exp", sign(Algorithm::HS256, &no_exp, &key)),
        (
            "subject not a uuid",
            sign(
                Algorithm::HS256,
                &claims("tandem", "tandem-api", now + 600, "root"),
                &key,
            ),
        ),
        (
            "unknown subject",
            sign(
                Algorithm::HS256,
                &claims(
                    "tandem",
                    "tandem-api",
                    now + 600,
                    &uuid::Uuid::now_v7().to_string(),
                ),
                &key,
            ),
        ),
        ("truncated", good[..good.len() - 10].to_owned()),
        ("signature stripped", format!("{}.{}.", parts[0], parts[1])),
        ("tampered payload", tampered),
        ("huge", "a".repeat(20_000)),
        ("garbage", "not.a.token".into()),
        ("random personal token", format!("tdm_{}", "x".repeat(43))),
        ("empty", String::new()),
    ];
    // The real token works: every refusal below is for what was forged, not a broken setup.
    assert_eq!(app.get("/me", &good).await.status(), 200);
    for (what, token) in &forged {
        assert_ne!(token, &good, "{what}");
        let r = app
            .http
            .get(app.url("/me"))
            .header("authorization", format!("Bearer {token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{what}");
        problem(r).await;
    }
    for header in ["Basic YWRtaW46YWRtaW4=", "Bearer", "Token abc", &good] {
        let r = app
            .http
            .get(app.url("/me"))
            .header("authorization", header)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "header {header}");
    }
    let r = app.http.get(app.url("/me")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    assert_eq!(app.get("/me", &good).await.status(), 200);
}

// ------------------------------------------------------------------ personal center (A4)

#[tokio::test]
async fn the_profile_is_updated_with_etags() {
    let app = spawn_app().await;
    let d = app.department("客服部").await;
    let (_, t) = app.member("c@example.com", d).await;
    let r = app.get("/me", &t).await;
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let r = app
        .req(Method::PATCH, "/me", Some(&t))
        .header("if-match", &etag)
        .json(&json!({ "name": "韩梅梅", "phone": "+86 138-0000-0000", "contact": "微信 hmm" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let new_etag = r.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(new_etag, etag);
    let v = body(r).await;
    assert_eq!(v["name"], "韩梅梅");
    assert_eq!(v["phone"], "+86 138-0000-0000");
    let r = app
        .req(Method::PATCH, "/me", Some(&t))
        .header("if-match", &etag)
        .json(&json!({ "name": "Stale" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 412);
    problem(r).await;
    let r = app.patch("/me", &t, json!({ "phone": null })).await;
    assert_eq!(r.status(), 200);
    assert!(body(r).await["phone"].is_null());
    for (b, field) in [
        (json!({ "name": "" }), "name"),
        (json!({ "name": "x".repeat(101) }), "name"),
        (json!({ "phone": "call me" }), "phone"),
        (json!({ "contact": "x".repeat(501) }), "contact"),
        (json!({ "position": "" }), "position"),
    ] {
        let r = app.patch("/me", &t, b).await;
        assert_eq!(r.status(), 422, "{field}");
        assert_eq!(problem(r).await["errors"][0]["field"], field);
    }
    assert_eq!(
        app.http.get(app.url("/me")).send().await.unwrap().status(),
        401
    );
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 255) as u8, (y % 255) as u8, 128])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn avatars_are_checked_by_content_and_re_encoded() {
    let app = spawn_app().await;
    let d = app.department("设计部").await;
    let (id, t) = app.member("a@example.com", d).await;
    let (_, other) = app.member("b@example.com", d).await;
    let r = app.get(&format!("/users/{id}/avatar"), &t).await;
    assert_eq!(r.status(), 404);
    let r = app
        .req(Method::PUT, "/me/avatar", Some(&t))
        .header("content-type", "image/png")
        .body(png(640, 480))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await["has_avatar"], true);
    let r = app.get(&format!("/users/{id}/avatar"), &other).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    let bytes = r.bytes().await.unwrap();
    let img = image::load_from_memory(&bytes).unwrap();
    assert_eq!((img.width(), img.height()), (256, 256));
    // An HTML file named like an image is refused.
    let r = app
        .req(Method::PUT, "/me/avatar", Some(&t))
        .header("content-type", "image/png")
        .body("<html><script>alert(1)</script></html>")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    problem(r).await;
    // GIF is an image but not one we accept.
    let r = app
        .req(Method::PUT, "/me/avatar", Some(&t))
        .body(b"GIF89a\x01\x00\x01\x00".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    // A PNG signature with garbage after it cannot be decoded.
    let mut broken = png(10, 10);
    broken.truncate(30);
    let r = app
        .req(Method::PUT, "/me/avatar", Some(&t))
        .body(broken)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = app
        .req(Method::PUT, "/me/avatar", Some(&t))
        .body(vec![0u8; 2 * 1024 * 1024 + 10])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    problem(r).await;
    let r = app
        .req(Method::PUT, "/me/avatar", None)
        .body(png(10, 10))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn quick_replies_belong_to_their_owner() {
    let app = spawn_app().await;
    let d = app.department("供应链").await;
    let (_, a) = app.member("qa@example.com", d).await;
    let (_, b) = app.member("qb@example.com", d).await;
    let r = app
        .post(
            "/me/quick-replies",
            Some(&a),
            json!({ "title": "收到", "body": "收到，马上处理。" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let id = body(r).await["id"].as_str().unwrap().to_owned();
    let list = body(app.get("/me/quick-replies", &a).await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let list = body(app.get("/me/quick-replies", &b).await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let path = format!("/me/quick-replies/{id}");
    assert_eq!(
        app.patch(&path, &b, json!({ "title": "x" })).await.status(),
        404
    );
    assert_eq!(app.delete(&path, &b).await.status(), 404);
    let r = app
        .req(Method::PATCH, &path, Some(&a))
        .header("if-match", &etag)
        .json(&json!({ "body": "好的" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await["body"], "好的");
    let r = app
        .req(Method::PATCH, &path, Some(&a))
        .header("if-match", &etag)
        .json(&json!({ "body": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 412);
    for bad in [
        json!({ "title": "", "body": "x" }),
        json!({ "title": "x", "body": " " }),
        json!({ "title": "x" }),
    ] {
        assert_eq!(
            app.post("/me/quick-replies", Some(&a), bad).await.status(),
            422
        );
    }
    assert_eq!(app.delete(&path, &a).await.status(), 204);
    assert_eq!(app.delete(&path, &a).await.status(), 404);
    assert_eq!(
        app.post(
            "/me/quick-replies",
            None,
            json!({ "title": "x", "body": "y" })
        )
        .await
        .status(),
        401
    );
}

// ------------------------------------------------------------------ access tokens (A7)

#[tokio::test]
async fn personal_access_tokens_are_shown_once_scoped_and_revocable() {
    let app = spawn_app().await;
    let d = app.department("IT").await;
    let (_, t) = app.member("ci@example.com", d).await;
    let r = app
        .post(
            "/me/tokens",
            Some(&t),
            json!({ "name": "CI", "scopes": ["read"] }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let created = body(r).await;
    let secret = created["token"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("tdm_"));
    let id = created["info"]["id"].as_str().unwrap().to_owned();
    let list = body(app.get("/me/tokens", &t).await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains(&secret));
    // Read scope reads but cannot write.
    assert_eq!(app.get("/me", &secret).await.status(), 200);
    let r = app.patch("/me", &secret, json!({ "name": "x" })).await;
    assert_eq!(r.status(), 403);
    assert_eq!(problem(r).await["code"], "insufficient_scope");
    assert_eq!(
        app.post(
            "/me/tokens",
            Some(&secret),
            json!({ "name": "x", "scopes": ["read"] })
        )
        .await
        .status(),
        403
    );
    let list = body(app.get("/me/tokens", &t).await).await;
    assert!(list["items"][0]["last_used_at"].is_string());
    for bad in [
        json!({ "name": "x", "scopes": [] }),
        json!({ "name": "", "scopes": ["read"] }),
        json!({ "name": "x", "scopes": ["root"] }),
        json!({ "name": "x", "scopes": ["read"], "expires_at": "2001-01-01T00:00:00Z" }),
    ] {
        let r = app.post("/me/tokens", Some(&t), bad.clone()).await;
        assert_eq!(r.status(), 422, "{bad}");
    }
    let (_, other) = app.member("other@example.com", d).await;
    assert_eq!(
        app.delete(&format!("/me/tokens/{id}"), &other)
            .await
            .status(),
        404
    );
    assert_eq!(
        app.delete(&format!("/me/tokens/{id}"), &t).await.status(),
        204
    );
    assert_eq!(app.get("/me", &secret).await.status(), 401);
    assert_eq!(
        app.http
            .get(app.url("/me/tokens"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let admin = app.admin_token().await;
    let log = body(
        app.get("/admin/audit-log?action=token.revoked", &admin)
            .await,
    )
    .await;
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_admin_token_needs_the_admin_scope_for_admin_endpoints() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let rw: Value = body(
        app.post(
            "/me/tokens",
            Some(&admin),
            json!({ "name": "rw", "scopes": ["read", "write"] }),
        )
        .await,
    )
    .await;
    let full: Value = body(
        app.post(
            "/me/tokens",
            Some(&admin),
            json!({ "name": "all", "scopes": ["read", "write", "admin"] }),
        )
        .await,
    )
    .await;
    let rw = rw["token"].as_str().unwrap();
    let full = full["token"].as_str().unwrap();
    assert_eq!(app.get("/admin/audit-log", rw).await.status(), 403);
    assert_eq!(app.get("/admin/audit-log", full).await.status(), 200);
    assert_eq!(
        app.post("/departments", Some(full), json!({ "name": "法务部" }))
            .await
            .status(),
        201
    );
}

// ------------------------------------------------------------------ directory and departments (A5, A6)

#[tokio::test]
async fn departments_are_public_to_list_and_managed_by_admins() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let r = app
        .post("/departments", Some(&admin), json!({ "name": "总部" }))
        .await;
    assert_eq!(r.status(), 201);
    let hq = body(r).await["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            "/departments",
            Some(&admin),
            json!({ "name": "华东销售", "parent_id": hq, "head_id": app.admin_id }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let east = body(r).await;
    assert_eq!(east["parent_id"], hq.as_str());
    let east_id = east["id"].as_str().unwrap().to_owned();
    let v = body(app.http.get(app.url("/departments")).send().await.unwrap()).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    // Validation and conflicts.
    for (b, code) in [
        (json!({ "name": "" }), 422),
        (json!({ "name": "总部" }), 409),
        (
            json!({ "name": "x", "parent_id": uuid::Uuid::now_v7() }),
            422,
        ),
        (json!({ "name": "y", "head_id": uuid::Uuid::now_v7() }), 422),
        (json!({ "name": "z", "extra": 1 }), 422),
    ] {
        let r = app.post("/departments", Some(&admin), b.clone()).await;
        assert_eq!(r.status(), code, "{b}");
        problem(r).await;
    }
    // A cycle is refused; a rename works with If-Match; a stale one is 412.
    let r = app
        .patch(
            &format!("/departments/{hq}"),
            &admin,
            json!({ "parent_id": east_id }),
        )
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(problem(r).await["code"], "department_cycle");
    let r = app.get(&format!("/departments/{east_id}"), &admin).await;
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let r = app
        .req(
            Method::PATCH,
            &format!("/departments/{east_id}"),
            Some(&admin),
        )
        .header("if-match", &etag)
        .json(&json!({ "name": "华东区", "head_id": null }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v = body(r).await;
    assert_eq!(v["name"], "华东区");
    assert!(v["head_id"].is_null());
    let r = app
        .req(
            Method::PATCH,
            &format!("/departments/{east_id}"),
            Some(&admin),
        )
        .header("if-match", &etag)
        .json(&json!({ "name": "again" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 412);
    // Members may read but not manage.
    let (_, m) = app.member("d@example.com", east_id.parse().unwrap()).await;
    assert_eq!(
        app.get(&format!("/departments/{east_id}"), &m)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.post("/departments", Some(&m), json!({ "name": "x" }))
            .await
            .status(),
        403
    );
    assert_eq!(
        app.patch(
            &format!("/departments/{east_id}"),
            &m,
            json!({ "name": "x" })
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        app.delete(&format!("/departments/{east_id}"), &m)
            .await
            .status(),
        403
    );
    assert_eq!(
        app.post("/departments", None, json!({ "name": "x" }))
            .await
            .status(),
        401
    );
    // Not empty → 409; empty → 204.
    let r = app.delete(&format!("/departments/{hq}"), &admin).await;
    assert_eq!(r.status(), 409);
    assert_eq!(problem(r).await["code"], "department_has_children");
    let r = app.delete(&format!("/departments/{east_id}"), &admin).await;
    assert_eq!(problem(r).await["code"], "department_has_members");
    let empty = app.department("临时").await;
    assert_eq!(
        app.delete(&format!("/departments/{empty}"), &admin)
            .await
            .status(),
        204
    );
    assert_eq!(
        app.delete(&format!("/departments/{empty}"), &admin)
            .await
            .status(),
        404
    );
    let log = body(
        app.get("/admin/audit-log?action=department.updated", &admin)
            .await,
    )
    .await;
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_directory_filters_by_department_and_text() {
    let app = spawn_app().await;
    let rd = app.department("研发部").await;
    let mk = app.department("市场部").await;
    let (_, t) = app.member("zhang.san@example.com", rd).await;
    app.member("li.si@example.com", mk).await;
    app.register("pending@example.com", rd).await;
    let v = body(app.get(&format!("/users?department_id={rd}"), &t).await).await;
    // The pending registration is hidden from members.
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    let v = body(app.get("/users?q=LI.SI", &t).await).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    assert_eq!(v["items"][0]["email"], "li.si@example.com");
    let admin = app.admin_token().await;
    let v = body(app.get("/users?status=pending", &admin).await).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    assert_eq!(app.get("/users?status=bogus", &admin).await.status(), 422);
    assert_eq!(
        app.get(&format!("/users?q={}", "x".repeat(101)), &admin)
            .await
            .status(),
        422
    );
    assert_eq!(
        app.get(&format!("/users/{}", uuid::Uuid::now_v7()), &t)
            .await
            .status(),
        404
    );
    assert_eq!(
        app.http
            .get(app.url("/users"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test]
async fn admins_change_roles_but_never_remove_the_last_admin() {
    let app = spawn_app().await;
    let d = app.department("运营部").await;
    let (id, m) = app.member("ops@example.com", d).await;
    let admin = app.admin_token().await;
    let r = app
        .patch(
            &format!("/users/{}", app.admin_id),
            &admin,
            json!({ "role": "member" }),
        )
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(problem(r).await["code"], "last_admin");
    let r = app
        .patch(
            &format!("/users/{}", app.admin_id),
            &admin,
            json!({ "status": "deactivated" }),
        )
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(
        app.patch(&format!("/users/{id}"), &m, json!({ "role": "admin" }))
            .await
            .status(),
        403
    );
    let r = app
        .patch(&format!("/users/{id}"), &admin, json!({ "role": "admin" }))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await["role"], "admin");
    // Now there are two; the first may step down.
    let r = app
        .patch(
            &format!("/users/{}", app.admin_id),
            &admin,
            json!({ "role": "member" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    for (b, code) in [
        (json!({ "role": "root" }), 422),
        (json!({ "status": "pending" }), 422),
        (json!({ "department_id": uuid::Uuid::now_v7() }), 422),
        (json!({ "password_hash": "x" }), 422),
    ] {
        let admin2 = app.login_ok("ops@example.com", PASSWORD).await.access_token;
        let r = app.patch(&format!("/users/{id}"), &admin2, b.clone()).await;
        assert_eq!(r.status(), code, "{b}");
    }
    let log = body(
        app.get(
            "/admin/audit-log?action=user.role_changed",
            &app.login_ok("ops@example.com", PASSWORD).await.access_token,
        )
        .await,
    )
    .await;
    assert_eq!(log["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_audit_log_is_for_administrators_and_filterable() {
    let app = spawn_app().await;
    let d = app.department("审计部").await;
    let (_, m) = app.member("au@example.com", d).await;
    assert_eq!(app.get("/admin/audit-log", &m).await.status(), 403);
    assert_eq!(
        app.http
            .get(app.url("/admin/audit-log"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let admin = app.admin_token().await;
    let v = body(app.get("/admin/audit-log?action=auth.login", &admin).await).await;
    assert!(v["items"].as_array().unwrap().len() >= 2);
    let v = body(
        app.get(
            &format!("/admin/audit-log?actor_id={}", app.admin_id),
            &admin,
        )
        .await,
    )
    .await;
    assert!(
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor_id"] == app.admin_id.to_string())
    );
    let v = body(
        app.get("/admin/audit-log?since=2100-01-01T00:00:00Z", &admin)
            .await,
    )
    .await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0);
    assert_eq!(
        app.get("/admin/audit-log?since=yesterday", &admin)
            .await
            .status(),
        422
    );
    assert_eq!(
        app.get("/admin/audit-log?actor_id=nope", &admin)
            .await
            .status(),
        422
    );
}

#[tokio::test]
async fn notifications_can_be_marked_read() {
    let app = spawn_app().await;
    let d = app.department("行政部").await;
    let (_, t) = app.member("n@example.com", d).await;
    let v = body(app.get("/me/notifications?unread=true", &t).await).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.post("/me/notifications/read", Some(&t), json!({}))
            .await
            .status(),
        204
    );
    let v = body(app.get("/me/notifications?unread=true", &t).await).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0);
    assert_eq!(
        app.post("/me/notifications/read", Some(&t), json!({ "ids": ["x"] }))
            .await
            .status(),
        422
    );
    assert_eq!(
        app.post("/me/notifications/read", None, json!({}))
            .await
            .status(),
        401
    );
}

// ------------------------------------------------------------------ OpenAPI

#[tokio::test]
async fn the_served_spec_matches_the_committed_one() {
    let app = spawn_app().await;
    let served: Value = body(
        app.http
            .get(app.url("/api/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let committed: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../api-spec/openapi.json"
        ))
        .expect("api-spec/openapi.json is committed (run `just openapi`)"),
    )
    .unwrap();
    assert!(
        served == committed,
        "api-spec/openapi.json is stale: run `just openapi` and commit it"
    );
    let r = app.http.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("swagger"));
}

#[tokio::test]
async fn the_tests_run_on_the_engine_the_lane_asked_for() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let expected = if std::env::var("TANDEM_TEST_PG").is_ok_and(|s| !s.is_empty()) {
        sea_orm::DbBackend::Postgres
    } else {
        sea_orm::DbBackend::Sqlite
    };
    assert_eq!(app.db.get_database_backend(), expected);
}

#[tokio::test]
async fn the_typed_client_walks_the_whole_account_journey() {
    let app = spawn_app().await;
    let d = app.department("市场部").await;
    let reg = tandem_dto::RegisterRequest {
        email: None,
        employee_id: Some("M2024".into()),
        name: "王芳".into(),
        department_id: d,
        position: "市场专员".into(),
        password: PASSWORD.into(),
    };
    let user = app.client.register(&reg).await.unwrap();
    let err = app.client.login("M2024", PASSWORD).await.unwrap_err();
    assert_eq!(err.code(), Some("account_pending"));
    let admin = app.client.with_token(app.admin_token().await);
    assert_eq!(admin.registrations().await.unwrap().items.len(), 1);
    admin.approve(user.id).await.unwrap();
    let pair = app.client.login("M2024", PASSWORD).await.unwrap();
    let me = app
        .client
        .with_token(&pair.access_token)
        .me()
        .await
        .unwrap();
    assert_eq!(me.name, "王芳");
    let pair2 = app.client.refresh(&pair.refresh_token).await.unwrap();
    let notes = app
        .client
        .with_token(&pair2.access_token)
        .notifications()
        .await
        .unwrap();
    assert_eq!(notes.items[0].kind, "account.approved");
    app.client.logout(&pair2.refresh_token).await.unwrap();
    let err = app.client.refresh(&pair2.refresh_token).await.unwrap_err();
    assert_eq!(err.code(), Some("invalid_refresh_token"));
    // Logging out ends the session's access tokens too, not 15 minutes later.
    for token in [&pair.access_token, &pair2.access_token] {
        let err = app.client.with_token(token).me().await.unwrap_err();
        assert_eq!(err.code(), Some("session_ended"));
    }
}

/// Every operation the spec marks as secured refuses a missing or bad token, and every
/// admin-tagged operation refuses a member: driven by the spec so new endpoints are covered.
#[tokio::test]
async fn every_secured_endpoint_refuses_anonymous_and_members_where_required() {
    let app = spawn_app().await;
    let d = app.department("研发部").await;
    let (member_id, member) = app.member("m@example.com", d).await;
    let spec: Value = body(
        app.http
            .get(app.url("/api/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            let concrete = path
                .replace("{id}", &uuid::Uuid::now_v7().to_string())
                .replace("{user_id}", &member_id.to_string());
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let send = |token: Option<&str>| {
                let r = app
                    .http
                    .request(m.clone(), format!("{}{}", app.base, concrete))
                    .json(&json!({}));
                match token {
                    Some(t) => r.bearer_auth(t),
                    None => r,
                }
                .send()
            };
            if !secured {
                continue;
            }
            checked += 1;
            let r = send(None).await.unwrap();
            assert_eq!(r.status(), 401, "{method} {path} without a token");
            // A HEAD answer has no body to carry the problem.
            if m != Method::HEAD {
                problem(r).await;
            }
            let r = send(Some("bad-token")).await.unwrap();
            assert_eq!(r.status(), 401, "{method} {path} with a bad token");
            let tag = op["tags"][0].as_str().unwrap_or_default();
            let admin_only = tag == "admin"
                || (tag == "departments" && method != "get")
                || (path == "/api/v1/users/{id}" && method == "patch");
            if admin_only {
                let r = send(Some(&member)).await.unwrap();
                assert_eq!(r.status(), 403, "{method} {path} as a member");
                assert_eq!(problem(r).await["code"], "not_admin");
            }
        }
    }
    assert!(checked >= 24, "only {checked} secured operations found");
}

#[tokio::test]
async fn members_see_colleagues_in_the_directory() {
    let app = spawn_app().await;
    let d = app.department("生产部").await;
    let (a, _) = app.member("a@example.com", d).await;
    let (_, b) = app.member("b@example.com", d).await;
    let r = app.get(&format!("/users/{a}"), &b).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("etag").is_some());
    let v = body(r).await;
    assert_eq!(v["email"], "a@example.com");
    assert!(v.get("password_hash").is_none());
    assert!(v.get("avatar").is_none());
}

#[tokio::test]
async fn a_retried_post_with_an_idempotency_key_creates_exactly_one_thing() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let send = |key: &str, name: &str| {
        app.req(Method::POST, "/departments", Some(&admin))
            .header("idempotency-key", key)
            .json(&json!({ "name": name }))
            .send()
    };
    let first = send("ci-run-42", "品质部").await.unwrap();
    assert_eq!(first.status(), 201);
    let location = first.headers()["location"].clone();
    let first_body = body(first).await;
    let again = send("ci-run-42", "品质部").await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotency-replayed"], "true");
    assert_eq!(again.headers()["location"], location);
    assert_eq!(body(again).await, first_body);
    let list = body(app.http.get(app.url("/departments")).send().await.unwrap()).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    // The same key with another body is a client bug, not a new request.
    let r = send("ci-run-42", "别的部门").await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(
        problem(r).await["errors"][0]["code"],
        "idempotency_key_reused"
    );
    // Another caller's identical key, on the same path, is independent: neither replayed nor
    // taken for a reuse of the first caller's key.
    let d: uuid::Uuid = first_body["id"].as_str().unwrap().parse().unwrap();
    let (other_id, other) = app.member("q@example.com", d).await;
    let r = app
        .patch(
            &format!("/users/{other_id}"),
            &admin,
            json!({ "role": "admin" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .req(Method::POST, "/departments", Some(&other))
        .header("idempotency-key", "ci-run-42")
        .json(&json!({ "name": "另一个部门" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert!(r.headers().get("idempotency-replayed").is_none());
    assert_eq!(body(r).await["name"], "另一个部门");
    // Without a key, nothing is deduplicated; an over-long key is refused.
    assert_eq!(
        app.post("/departments", Some(&admin), json!({ "name": "A" }))
            .await
            .status(),
        201
    );
    let r = send(&"k".repeat(256), "B").await.unwrap();
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn members_cannot_look_up_unapproved_registrations() {
    let app = spawn_app().await;
    let d = app.department("采购部").await;
    let pending = app.register("pending@example.com", d).await;
    let (_, m) = app.member("m@example.com", d).await;
    assert_eq!(
        app.get(&format!("/users/{pending}"), &m).await.status(),
        404
    );
    let admin = app.admin_token().await;
    assert_eq!(
        app.get(&format!("/users/{pending}"), &admin).await.status(),
        200
    );
}

/// Runs two requests at the same moment; both statuses, smallest first.
async fn race_sorted(
    a: impl std::future::Future<Output = reqwest::Response>,
    b: impl std::future::Future<Output = reqwest::Response>,
) -> [u16; 2] {
    let (x, y) = race(a, b).await;
    let mut statuses = [x, y];
    statuses.sort();
    statuses
}

/// Runs two requests at the same moment; both statuses.
async fn race(
    a: impl std::future::Future<Output = reqwest::Response>,
    b: impl std::future::Future<Output = reqwest::Response>,
) -> (u16, u16) {
    let (a, b) = tokio::join!(a, b);
    (a.status().as_u16(), b.status().as_u16())
}

async fn active_admins(app: &TestApp) -> u64 {
    tandem_db::accounts::count_active_admins(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn two_administrators_demoting_each_other_at_once_leave_one() {
    let app = spawn_app().await;
    let d = app.department("总经办").await;
    let first = app.admin_token().await;
    let (second_id, second) = app.member("second@example.com", d).await;
    for round in 0..12 {
        // Both administrators again.
        let r = app
            .patch(
                &format!("/users/{second_id}"),
                &first,
                json!({ "role": "admin" }),
            )
            .await;
        assert!(r.status() == 200 || r.status() == 403, "{}", r.status());
        if r.status() == 403 {
            // The first lost the previous round: the second promotes them back.
            let r = app
                .patch(
                    &format!("/users/{}", app.admin_id),
                    &second,
                    json!({ "role": "admin" }),
                )
                .await;
            assert_eq!(r.status(), 200);
        }
        assert_eq!(active_admins(&app).await, 2);
        let (a, b) = race(
            app.patch(
                &format!("/users/{second_id}"),
                &first,
                json!({ "role": "member" }),
            ),
            app.patch(
                &format!("/users/{}", app.admin_id),
                &second,
                json!({ "role": "member" }),
            ),
        )
        .await;
        for s in [a, b] {
            assert!([200, 403, 409].contains(&s), "round {round}: {s}");
        }
        assert_eq!(active_admins(&app).await, 1, "round {round}: {a} {b}");
        if a == 200 {
            // The second was demoted; restore them for the next round.
            let r = app
                .patch(
                    &format!("/users/{second_id}"),
                    &first,
                    json!({ "role": "admin" }),
                )
                .await;
            assert_eq!(r.status(), 200);
        }
    }
}

#[tokio::test]
async fn re_parenting_two_departments_under_each_other_at_once_never_makes_a_cycle() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for round in 0..10 {
        let a = app.department(&format!("甲{round}")).await;
        let b = app.department(&format!("乙{round}")).await;
        let statuses = race_sorted(
            app.patch(
                &format!("/departments/{a}"),
                &admin,
                json!({ "parent_id": b }),
            ),
            app.patch(
                &format!("/departments/{b}"),
                &admin,
                json!({ "parent_id": a }),
            ),
        )
        .await;
        assert_eq!(statuses, [200, 409], "round {round}");
        // And the tree really has no cycle.
        let parent = |id: uuid::Uuid| {
            let app = &app;
            async move {
                tandem_db::accounts::find_department(&app.db, id)
                    .await
                    .unwrap()
                    .parent_id
            }
        };
        assert!(
            parent(a).await.is_none() || parent(b).await.is_none(),
            "round {round}"
        );
    }
}

#[tokio::test]
async fn two_edits_made_from_the_same_version_cannot_both_land() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for round in 0..8 {
        // Departments.
        let d = app.department(&format!("部门{round}")).await;
        let path = format!("/departments/{d}");
        let tag = app.get(&path, &admin).await.headers()["etag"].clone();
        let edit = |name: &'static str| {
            app.req(Method::PATCH, &path, Some(&admin))
                .header("If-Match", tag.clone())
                .json(&json!({ "name": format!("{name}{round}") }))
                .send()
        };
        let statuses = race_sorted(async { edit("左").await.unwrap() }, async {
            edit("右").await.unwrap()
        })
        .await;
        assert_eq!(statuses, [200, 412], "departments, round {round}");
        // Quick replies.
        let q = body(
            app.post(
                "/me/quick-replies",
                Some(&admin),
                json!({ "title": "t", "body": "b" }),
            )
            .await,
        )
        .await;
        let path = format!("/me/quick-replies/{}", q["id"].as_str().unwrap());
        let edit = |text: &'static str| {
            app.req(Method::PATCH, &path, Some(&admin))
                .header("If-Match", "\"1\"")
                .json(&json!({ "body": text }))
                .send()
        };
        let statuses = race_sorted(async { edit("甲").await.unwrap() }, async {
            edit("乙").await.unwrap()
        })
        .await;
        assert_eq!(statuses, [200, 412], "quick replies, round {round}");
    }
}

#[tokio::test]
async fn deletes_racing_updates_answer_404_or_409_never_500() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for round in 0..8 {
        let d = app.department(&format!("临时{round}")).await;
        let path = format!("/departments/{d}");
        let (del, upd) = race(
            app.delete(&path, &admin),
            app.patch(&path, &admin, json!({ "name": format!("改名{round}") })),
        )
        .await;
        assert!([204, 404, 409, 412].contains(&del), "delete: {del}");
        assert!([200, 404, 412].contains(&upd), "update: {upd}");
        let q = body(
            app.post(
                "/me/quick-replies",
                Some(&admin),
                json!({ "title": "t", "body": "b" }),
            )
            .await,
        )
        .await;
        let path = format!("/me/quick-replies/{}", q["id"].as_str().unwrap());
        let (del, upd) = race(
            app.delete(&path, &admin),
            app.patch(&path, &admin, json!({ "body": "新" })),
        )
        .await;
        assert!([204, 404].contains(&del), "delete: {del}");
        assert!([200, 404, 412].contains(&upd), "update: {upd}");
    }
}

#[tokio::test]
async fn two_administrators_deciding_one_registration_at_once_decide_it_once() {
    let app = spawn_app().await;
    let d = app.department("人事部").await;
    let admin = app.admin_token().await;
    for round in 0..6 {
        let u = app.register(&format!("r{round}@example.com"), d).await;
        let statuses = race_sorted(
            app.post(
                &format!("/admin/registrations/{u}/approve"),
                Some(&admin),
                json!({}),
            ),
            app.post(
                &format!("/admin/registrations/{u}/reject"),
                Some(&admin),
                json!({ "reason": "重复注册" }),
            ),
        )
        .await;
        // Approving a rejection is allowed (a mistake corrected); rejecting an approval is not.
        assert!(
            statuses == [200, 409] || statuses == [200, 200],
            "round {round}: {statuses:?}"
        );
        let notes = tandem_db::accounts::list_notifications(&app.db, u, false, None, None, 10)
            .await
            .unwrap()
            .0;
        let approved = notes
            .iter()
            .filter(|n| n.kind == "account.approved")
            .count();
        assert!(approved <= 1, "round {round}: approved {approved} times");
    }
}

#[tokio::test]
async fn parallel_guesses_are_counted_before_their_passwords_are_checked() {
    let app = spawn_app().await;
    let passwords: Vec<String> = (0..20).map(|i| format!("guess-number-{i}")).collect();
    let guesses = passwords.iter().map(|p| app.login(ADMIN_EMAIL, p));
    let statuses: Vec<u16> = futures_util::future::join_all(guesses)
        .await
        .into_iter()
        .map(|r| r.status().as_u16())
        .collect();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert!(
        checked <= 5,
        "{checked} of 20 parallel guesses were checked: {statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| [401, 429].contains(s)),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn password_hashing_is_bounded_and_the_rest_are_told_when_to_retry() {
    let app = spawn_app_with(|c| {
        c.hash_concurrency = 1;
        c.hash_wait = std::time::Duration::from_millis(1);
        // Every attempt in flight counts against the account: let all eight be attempts.
        c.account_limits.max_failures = 100;
    })
    .await;
    let logins = (0..8).map(|_| app.login(ADMIN_EMAIL, ADMIN_PASSWORD));
    let responses = futures_util::future::join_all(logins).await;
    let mut ok = 0;
    let mut busy = 0;
    for r in responses {
        match r.status().as_u16() {
            200 => ok += 1,
            503 => {
                busy += 1;
                assert!(r.headers().get("retry-after").is_some());
                assert_eq!(problem(r).await["code"], "busy");
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!(ok >= 1 && busy >= 1, "{ok} logged in, {busy} told to retry");
    // A busy answer is not a failed attempt: the account is not locked by them.
    assert_eq!(app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn the_address_throttle_believes_forwarding_headers_only_from_trusted_proxies() {
    let login_from = |app: &TestApp, forwarded_for: &'static str, login: String| {
        app.req(Method::POST, "/auth/login", None)
            .header("x-forwarded-for", forwarded_for)
            .json(&json!({ "login": login, "password": "xxxxxxxxxxxx" }))
            .send()
    };
    // Behind a trusted proxy: each client address has its own count.
    let app = spawn_app_with(|c| {
        c.address_limits.max_failures = 3;
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    for i in 0..2 {
        let r = login_from(&app, "203.0.113.7", format!("n{i}@example.com"))
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let r = login_from(&app, "203.0.113.7", "n9@example.com".into())
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let r = login_from(&app, "198.51.100.2", "n9@example.com".into())
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        401,
        "another client behind the proxy is not locked"
    );
    // Without: the header is the client's word, and changing it dodges nothing.
    let app = spawn_app_with(|c| c.address_limits.max_failures = 3).await;
    for (i, ip) in ["1.1.1.1", "2.2.2.2"].into_iter().enumerate() {
        let r = login_from(&app, ip, format!("m{i}@example.com"))
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let r = login_from(&app, "3.3.3.3", "m9@example.com".into())
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
}

#[tokio::test]
async fn registrations_are_throttled_per_address() {
    let app = spawn_app_with(|c| c.registration_limits.max_failures = 3).await;
    let d = app.department("市场部").await;
    for i in 0..3 {
        app.register(&format!("s{i}@example.com"), d).await;
    }
    let r = app
        .post(
            "/auth/register",
            None,
            json!({ "email": "s9@example.com", "name": "新人", "department_id": d,
                    "position": "专员", "password": PASSWORD }),
        )
        .await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_some());
}

#[tokio::test]
async fn an_employee_id_is_never_an_e_mail_so_a_login_names_one_account() {
    let app = spawn_app().await;
    let d = app.department("生产部").await;
    let (_, _) = app.member("wang@example.com", d).await;
    // Someone registering another user's e-mail as their employee ID is refused…
    let r = app
        .post(
            "/auth/register",
            None,
            json!({ "employee_id": "wang@example.com", "name": "冒名", "department_id": d,
                    "position": "工人", "password": PASSWORD }),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(problem(r).await["errors"][0]["field"], "employee_id");
    // …and a login is an e-mail address or an employee ID, never both.
    let r = app
        .post(
            "/auth/register",
            None,
            json!({ "employee_id": "P-7", "name": "李工", "department_id": d,
                    "position": "工人", "password": PASSWORD }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let u: Value = r.json().await.unwrap();
    let admin = app.admin_token().await;
    let r = app
        .post(
            &format!("/admin/registrations/{}/approve", u["id"].as_str().unwrap()),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let me = app.login_ok("P-7", PASSWORD).await;
    assert_eq!(me.user.name, "李工");
    assert_eq!(
        app.login_ok("wang@example.com", PASSWORD).await.user.name,
        "Tester"
    );
    // An employee ID stored before the rule, equal to someone's e-mail: the e-mail's owner is
    // the one who logs in with it, whatever the order of the rows.
    {
        use sea_orm::{ActiveModelTrait, Set};
        let li: uuid::Uuid = u["id"].as_str().unwrap().parse().unwrap();
        let row = tandem_db::accounts::find_user(&app.db, li).await.unwrap();
        let mut am: tandem_db::entities::users::ActiveModel = row.into();
        am.employee_id = Set(Some("wang@example.com".into()));
        am.update(&app.db).await.unwrap();
    }
    for _ in 0..3 {
        assert_eq!(
            app.login_ok("wang@example.com", PASSWORD).await.user.name,
            "Tester"
        );
    }
}

#[tokio::test]
async fn avatars_of_registrations_nobody_approved_are_not_served() {
    let app = spawn_app().await;
    let d = app.department("研发部").await;
    let pending = app.register("p@example.com", d).await;
    let (_, member) = app.member("m@example.com", d).await;
    // Give the pending account an avatar directly (it cannot log in to upload one).
    {
        use sea_orm::{ActiveModelTrait, Set};
        let u = tandem_db::accounts::find_user(&app.db, pending)
            .await
            .unwrap();
        let mut am: tandem_db::entities::users::ActiveModel = u.into();
        am.avatar = Set(Some(vec![0x89, b'P', b'N', b'G']));
        am.update(&app.db).await.unwrap();
    }
    let path = format!("/users/{pending}/avatar");
    assert_eq!(app.get(&path, &member).await.status(), 404);
    assert_eq!(app.get(&path, &app.admin_token().await).await.status(), 200);
}

#[tokio::test]
async fn a_department_projects_still_use_is_not_deleted() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let used = app.department("品质部").await;
    let home = app.department("总部").await;
    let (_, member) = app.member("m@example.com", home).await;
    let r = app
        .post(
            "/projects",
            Some(&member),
            json!({ "name": "质量月", "goal": "", "department_ids": [used],
                    "start_date": "2026-11-01", "end_date": "2026-12-31" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let project: Value = r.json().await.unwrap();
    let r = app.delete(&format!("/departments/{used}"), &admin).await;
    assert_eq!(r.status(), 409);
    let p = problem(r).await;
    assert_eq!(p["code"], "department_in_use");
    assert_eq!(p["context"]["projects"], json!([project["id"]]));
    assert_eq!(p["context"]["projects_total"], 1);
    assert_eq!(p["context"]["members"], 0);
    // Still there.
    assert_eq!(
        app.get(&format!("/departments/{used}"), &admin)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn an_ended_session_stays_ended_after_a_restart() {
    let app = spawn_app().await;
    let pair = app.login_ok(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let r = app
        .post(
            "/auth/logout",
            None,
            json!({ "refresh_token": pair.refresh_token }),
        )
        .await;
    assert_eq!(r.status(), 204);
    // Another process on the same database (a restart, a second instance) refuses the
    // session's access token too, although it never heard of the logout.
    let again = app.restarted().await;
    let r = again.get("/me", &pair.access_token).await;
    assert_eq!(r.status(), 401);
    assert_eq!(problem(r).await["code"], "session_ended");
    // A session that did not end works there.
    let live = app.admin_token().await;
    assert_eq!(again.get("/me", &live).await.status(), 200);
}

#[tokio::test]
async fn reactivating_an_account_does_not_revive_its_old_sessions() {
    let app = spawn_app().await;
    let d = app.department("财务部").await;
    let (id, old) = app.member("c@example.com", d).await;
    let admin = app.admin_token().await;
    for status in ["deactivated", "active"] {
        let r = app
            .patch(&format!("/users/{id}"), &admin, json!({ "status": status }))
            .await;
        assert_eq!(r.status(), 200);
    }
    let r = app.get("/me", &old).await;
    assert_eq!(r.status(), 401);
    assert_eq!(problem(r).await["code"], "session_ended");
    // A new login works.
    let fresh = app.login_ok("c@example.com", PASSWORD).await;
    assert_eq!(app.get("/me", &fresh.access_token).await.status(), 200);
}

#[tokio::test]
async fn device_tokens_die_with_a_password_change() {
    let app = spawn_app().await;
    let d = app.department("研发部").await;
    let (_, _) = app.member("d@example.com", d).await;
    let before = app.login_ok("d@example.com", PASSWORD).await;
    let old_device = before.device_token.clone().unwrap();
    let r = app
        .post(
            "/me/password",
            Some(&before.access_token),
            json!({ "current_password": PASSWORD, "new_password": "the new password" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let after = app.login_ok("d@example.com", "the new password").await;
    let new_device = after.device_token.clone().unwrap();
    // Someone guesses until the account is locked for unknown clients.
    for _ in 0..5 {
        app.login("d@example.com", "a wrong guess!").await;
    }
    let with = |device: &str| {
        app.post(
            "/auth/login",
            None,
            json!({ "login": "d@example.com", "password": "the new password", "device_token": device }),
        )
    };
    // A device token from before the change is nobody's device any more…
    assert_eq!(with(&old_device).await.status(), 429);
    // …one from after it still is.
    assert_eq!(with(&new_device).await.status(), 200);
}
