//! The WebSocket `/api/v1/ws` (API.md "WebSocket"): authentication by the first frame, events
//! only to those who may see them, resume and gap, the frame limit. Runs on SQLite and
//! (TANDEM_TEST_PG) PostgreSQL.
//!
//! That someone did *not* get an event is shown without waiting: after it, an event they do
//! see is caused, and it must be the next thing they receive.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tandem_testkit::TestApp;
use tandem_testkit::ws::{Socket, close_code, connect, hello, json_of, next};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use uuid::Uuid;

struct World {
    app: TestApp,
    owner: String,
    editor: String,
    editor_id: Uuid,
    outsider: String,
    project: Uuid,
    other_project: Uuid,
}

async fn world() -> World {
    world_with(|_| {}).await
}

async fn world_with(adjust: impl FnOnce(&mut tandem_api::ApiConfig)) -> World {
    let app = tandem_testkit::spawn_app_with(adjust).await;
    let dept = app.department("研发部").await;
    let (_, owner) = app.member("owner@example.com", dept).await;
    let (editor_id, editor) = app.member("editor@example.com", dept).await;
    let (_, outsider) = app.member("outsider@example.com", dept).await;
    let project_of = |token: String, name: &'static str| {
        let app = &app;
        async move {
            let b = json!({
                "name": name, "goal": "", "department_ids": [dept],
                "start_date": "2026-11-01", "end_date": "2027-01-31",
            });
            let v = json_of(app.post("/projects", Some(&token), b).await).await;
            v["id"].as_str().unwrap().parse::<Uuid>().unwrap()
        }
    };
    let project = project_of(owner.clone(), "新产品上市").await;
    let other_project = project_of(outsider.clone(), "别的项目").await;
    let r = app
        .post(
            &format!("/projects/{project}/members"),
            Some(&owner),
            json!({ "user_id": editor_id, "role": "editor" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    World {
        app,
        owner,
        editor,
        editor_id,
        outsider,
        project,
        other_project,
    }
}

impl World {
    async fn task(&self, project: Uuid, token: &str, title: &str) -> Value {
        json_of(
            self.app
                .post(
                    &format!("/projects/{project}/tasks"),
                    Some(token),
                    json!({ "title": title }),
                )
                .await,
        )
        .await
    }
}

#[tokio::test]
async fn a_missing_or_bad_token_closes_with_4401() {
    let w = world().await;
    for first in [
        json!({ "type": "hello", "token": "not-a-token" }).to_string(),
        json!({ "type": "hi", "token": w.owner }).to_string(),
        "hello".to_owned(),
    ] {
        let mut ws = connect(&w.app).await;
        ws.send(Message::text(first)).await.unwrap();
        assert_eq!(close_code(&mut ws).await, CloseCode::from(4401));
    }
    // Not a WebSocket handshake at all: a problem, not a crash.
    let r = w
        .app
        .http
        .get(format!("{}/api/v1/ws", w.app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn members_hear_of_their_projects_only() {
    let w = world().await;
    let (mut editor, _) = hello(&w.app, &w.editor, None).await;
    let (mut outsider, _) = hello(&w.app, &w.outsider, None).await;
    let t = w.task(w.project, &w.owner, "需求调研").await;
    let e = next(&mut editor).await;
    assert_eq!(e["type"], "event");
    assert_eq!(e["kind"], "task.created");
    assert_eq!(e["project_id"], w.project.to_string());
    assert_eq!(e["data"]["title"], "需求调研");
    // Changes come as task.updated with the task as it is now.
    let id = t["id"].as_str().unwrap();
    let tag = w.app.get(&format!("/tasks/{id}"), &w.owner).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let r = w
        .app
        .req(
            reqwest::Method::PATCH,
            &format!("/tasks/{id}"),
            Some(&w.owner),
        )
        .header("If-Match", tag)
        .json(&json!({ "status": "in_progress" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let e2 = next(&mut editor).await;
    assert_eq!(e2["kind"], "task.updated");
    assert_eq!(e2["data"]["status"], "in_progress");
    assert!(e2["id"].as_u64() > e["id"].as_u64());
    // The outsider heard none of it: the first thing they get is their own project's task.
    w.task(w.other_project, &w.outsider, "别的任务").await;
    let o = next(&mut outsider).await;
    assert_eq!(o["data"]["title"], "别的任务");
}

#[tokio::test]
async fn mentions_reach_their_recipient_live() {
    let w = world().await;
    let (mut editor, _) = hello(&w.app, &w.editor, None).await;
    let (mut owner, _) = hello(&w.app, &w.owner, None).await;
    let t = w.task(w.project, &w.owner, "原型设计").await;
    // Everyone here is called "Tester": give the editor a name of their own to mention.
    let r = w
        .app
        .patch("/me", &w.editor, json!({ "name": "李雷" }))
        .await;
    assert_eq!(r.status(), 200);
    let body = "@李雷 请看一下";
    let r = w
        .app
        .post(
            &format!("/tasks/{}/comments", t["id"].as_str().unwrap()),
            Some(&w.owner),
            json!({ "body": body }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let kinds = |events: Vec<Value>| {
        events
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(next(&mut editor).await);
    }
    assert_eq!(
        kinds(got.clone()),
        ["task.created", "comment.created", "notification.created"]
    );
    assert!(got[2]["project_id"].is_null());
    assert_eq!(got[2]["data"]["kind"], "comment.mention");
    // The author is not notified: after the comment, their next event is the next task.
    assert_eq!(next(&mut owner).await["kind"], "task.created");
    assert_eq!(next(&mut owner).await["kind"], "comment.created");
    w.task(w.project, &w.owner, "下一个").await;
    assert_eq!(next(&mut owner).await["data"]["title"], "下一个");
}

#[tokio::test]
async fn the_notification_center_counts_filters_and_tells_other_tabs() {
    let w = world().await;
    let t = w.task(w.project, &w.owner, "原型设计").await;
    let r = w
        .app
        .patch("/me", &w.owner, json!({ "name": "韩梅梅" }))
        .await;
    assert_eq!(r.status(), 200);
    let r = w
        .app
        .patch("/me", &w.editor, json!({ "name": "李雷" }))
        .await;
    assert_eq!(r.status(), 200);
    for body in ["@李雷 请看一下", "@李雷 还有这个"] {
        let r = w
            .app
            .post(
                &format!("/tasks/{}/comments", t["id"].as_str().unwrap()),
                Some(&w.owner),
                json!({ "body": body }),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    let count = |token: String| {
        let app = &w.app;
        async move {
            json_of(app.get("/me/notifications/unread-count", &token).await).await["count"].clone()
        }
    };
    // The two mentions, being added to the project and the approval of the registration.
    assert_eq!(count(w.editor.clone()).await, 4);
    // Stored as kind and data, for the reader's language; no bilingual title.
    let page = json_of(
        w.app
            .get("/me/notifications?kind=comment.mention", &w.editor)
            .await,
    )
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let n = &page["items"][0];
    assert_eq!(n["kind"], "comment.mention");
    assert_eq!(n["data"]["author_name"], "韩梅梅");
    assert_eq!(n["data"]["task_title"], "原型设计");
    assert_eq!(n["title"], "韩梅梅 mentioned you in “原型设计”");
    let approved = json_of(
        w.app
            .get("/me/notifications?kind=account.approved", &w.editor)
            .await,
    )
    .await;
    assert_eq!(approved["items"][0]["title"], "Registration approved");
    assert_eq!(approved["items"].as_array().unwrap().len(), 1);
    // Marking one read in one tab tells the reader's other tabs, and only them.
    let (mut other_tab, _) = hello(&w.app, &w.editor, None).await;
    let (mut owner, _) = hello(&w.app, &w.owner, None).await;
    let id = n["id"].as_str().unwrap();
    let r = w
        .app
        .post(
            "/me/notifications/read",
            Some(&w.editor),
            json!({ "ids": [id] }),
        )
        .await;
    assert_eq!(r.status(), 204);
    let e = next(&mut other_tab).await;
    assert_eq!(e["kind"], "notification.read");
    assert_eq!(e["data"]["ids"], json!([id]));
    assert_eq!(count(w.editor.clone()).await, 3);
    let r = w
        .app
        .post("/me/notifications/read", Some(&w.editor), json!({}))
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(next(&mut other_tab).await["data"]["ids"], Value::Null);
    assert_eq!(count(w.editor.clone()).await, 0);
    // Nothing left to mark: no event. The owner heard nothing of it.
    w.task(w.project, &w.owner, "下一个").await;
    assert_eq!(next(&mut owner).await["kind"], "task.created");
}

#[tokio::test]
async fn a_resumed_socket_gets_what_it_missed_in_order_or_a_gap() {
    let w = world().await;
    let (ws, last) = hello(&w.app, &w.editor, None).await;
    drop(ws);
    w.task(w.project, &w.owner, "一").await;
    w.task(w.project, &w.owner, "二").await;
    let (mut ws, now) = hello(&w.app, &w.editor, Some(last)).await;
    assert!(now >= last + 2);
    let a = next(&mut ws).await;
    let b = next(&mut ws).await;
    assert_eq!(
        (a["data"]["title"].clone(), b["data"]["title"].clone()),
        (json!("一"), json!("二"))
    );
    assert!(a["id"].as_u64().unwrap() > last && b["id"].as_u64() > a["id"].as_u64());
    // Then live events continue.
    w.task(w.project, &w.owner, "三").await;
    assert_eq!(next(&mut ws).await["data"]["title"], "三");
    // A resume point this server never issued: refetch.
    let (mut ws, _) = hello(&w.app, &w.editor, Some(now + 1_000_000)).await;
    assert_eq!(next(&mut ws).await["type"], "gap");
}

#[tokio::test]
async fn a_removed_member_stops_hearing_of_the_project() {
    let w = world().await;
    let (mut editor, _) = hello(&w.app, &w.editor, None).await;
    let member = format!("/projects/{}/members/{}", w.project, w.editor_id);
    assert_eq!(w.app.delete(&member, &w.owner).await.status(), 204);
    let e = next(&mut editor).await;
    assert_eq!(e["kind"], "member.removed");
    assert_eq!(e["data"]["user_id"], w.editor_id.to_string());
    w.task(w.project, &w.owner, "不该听到").await;
    let r = w
        .app
        .post(
            &format!("/projects/{}/members", w.project),
            Some(&w.owner),
            json!({ "user_id": w.editor_id, "role": "viewer" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    // Nothing about the task made while they were out; then they hear again.
    assert_eq!(next(&mut editor).await["kind"], "member.added");
    let added = next(&mut editor).await;
    assert_eq!(added["kind"], "notification.created");
    assert_eq!(added["data"]["kind"], "project.member_added");
    w.task(w.project, &w.owner, "又能听到").await;
    assert_eq!(next(&mut editor).await["data"]["title"], "又能听到");
}

#[tokio::test]
async fn frames_over_64_kib_close_with_1009() {
    let w = world().await;
    let (mut ws, _) = hello(&w.app, &w.editor, None).await;
    ws.send(Message::text("x".repeat(70 * 1024))).await.unwrap();
    assert_eq!(close_code(&mut ws).await, CloseCode::Size);
}

#[tokio::test]
async fn finishing_a_task_tells_of_the_tasks_it_unblocks() {
    let w = world().await;
    let a = w.task(w.project, &w.owner, "需求调研").await;
    let b = w.task(w.project, &w.owner, "原型设计").await;
    let (a, b) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    let r = w
        .app
        .post(
            &format!("/tasks/{b}/dependencies"),
            Some(&w.owner),
            json!({ "depends_on": a }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let (mut editor, _) = hello(&w.app, &w.editor, None).await;
    for status in ["in_progress", "done"] {
        let tag = w.app.get(&format!("/tasks/{a}"), &w.owner).await.headers()["etag"]
            .to_str()
            .unwrap()
            .to_owned();
        let r = w
            .app
            .req(
                reqwest::Method::PATCH,
                &format!("/tasks/{a}"),
                Some(&w.owner),
            )
            .header("If-Match", tag)
            .json(&json!({ "status": status }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    // Started: only the task itself changed.
    let e = next(&mut editor).await;
    assert_eq!(
        (e["data"]["id"].as_str(), e["data"]["status"].as_str()),
        (Some(a), Some("in_progress"))
    );
    // Done: the task, then the one that waited for it, no longer blocked.
    let e = next(&mut editor).await;
    assert_eq!(
        (e["data"]["id"].as_str(), e["data"]["status"].as_str()),
        (Some(a), Some("done"))
    );
    let e = next(&mut editor).await;
    assert_eq!(e["kind"], "task.updated");
    assert_eq!(e["data"]["id"], b);
    assert_eq!(e["data"]["blocked"], false);
}

#[tokio::test]
async fn one_account_cannot_open_sockets_without_end() {
    let w = world().await;
    let mut open = Vec::new();
    for _ in 0..32 {
        open.push(hello(&w.app, &w.editor, None).await.0);
    }
    let mut ws = connect(&w.app).await;
    let hello_frame = json!({ "type": "hello", "token": w.editor });
    ws.send(Message::text(hello_frame.to_string()))
        .await
        .unwrap();
    assert_eq!(close_code(&mut ws).await, CloseCode::Again);
    // Another account is not affected; a closed socket frees a place.
    hello(&w.app, &w.owner, None).await;
    let mut first = open.remove(0);
    first.close(None).await.unwrap();
    while first.next().await.is_some() {}
    // The server notices the close asynchronously: retry briefly.
    let mut freed = false;
    for _ in 0..50 {
        let mut ws = connect(&w.app).await;
        ws.send(Message::text(hello_frame.to_string()))
            .await
            .unwrap();
        if next_frame_is_ready(&mut ws).await {
            freed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(freed);
}

async fn next_frame_is_ready(ws: &mut Socket) -> bool {
    match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
        Ok(Some(Ok(Message::Text(t)))) => {
            serde_json::from_str::<Value>(&t).unwrap()["type"] == "ready"
        }
        _ => false,
    }
}

/// A personal access token of `token`'s user with `scopes`: (secret, id).
async fn pat(app: &TestApp, token: &str, scopes: &[&str]) -> (String, String) {
    let v = json_of(
        app.post(
            "/me/tokens",
            Some(token),
            json!({ "name": "ws", "scopes": scopes }),
        )
        .await,
    )
    .await;
    (
        v["token"].as_str().unwrap().to_owned(),
        v["info"]["id"].as_str().unwrap().to_owned(),
    )
}

/// Changes a user's system role (as the first administrator).
async fn set_role(w: &World, user: Uuid, role: &str) {
    let admin = w.app.admin_token().await;
    let r = w
        .app
        .patch(&format!("/users/{user}"), &admin, json!({ "role": role }))
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

#[tokio::test]
async fn a_demoted_administrator_stops_hearing_of_projects_they_are_not_in() {
    let w = world().await;
    let dept = w.app.department("品质部").await;
    let (boss_id, _) = w.app.member("boss@example.com", dept).await;
    set_role(&w, boss_id, "admin").await;
    let boss = w
        .app
        .login_ok("boss@example.com", tandem_testkit::PASSWORD)
        .await
        .access_token;
    // A project of their own, to hear something they always may.
    let own = json_of(
        w.app
            .post(
                "/projects",
                Some(&boss),
                json!({ "name": "质量月", "goal": "", "department_ids": [dept],
                        "start_date": "2026-11-01", "end_date": "2027-01-31" }),
            )
            .await,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .parse::<Uuid>()
        .unwrap();
    let (mut ws, _) = hello(&w.app, &boss, None).await;
    // An administrator hears of every project…
    w.task(w.project, &w.owner, "管理员能看到").await;
    assert_eq!(next(&mut ws).await["data"]["title"], "管理员能看到");
    // …until demoted, on the same socket.
    set_role(&w, boss_id, "member").await;
    w.task(w.project, &w.owner, "降级后不该听到").await;
    w.task(own, &boss, "自己的项目").await;
    assert_eq!(next(&mut ws).await["data"]["title"], "自己的项目");
}

#[tokio::test]
async fn an_administrators_token_without_the_admin_scope_hears_what_a_member_would() {
    let w = world().await;
    let admin = w.app.admin_token().await;
    let (read_write, _) = pat(&w.app, &admin, &["read", "write"]).await;
    let (full, _) = pat(&w.app, &admin, &["read", "admin"]).await;
    let (mut member_like, _) = hello(&w.app, &read_write, None).await;
    let (mut admin_like, _) = hello(&w.app, &full, None).await;
    w.task(w.project, &w.owner, "不是成员").await;
    assert_eq!(next(&mut admin_like).await["data"]["title"], "不是成员");
    // The scoped token did not hear of it: the first thing it hears is its user being added
    // to a project.
    let r = w
        .app
        .post(
            &format!("/projects/{}/members", w.other_project),
            Some(&w.outsider),
            json!({ "user_id": w.app.admin_id, "role": "viewer" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let e = next(&mut member_like).await;
    assert_eq!(e["kind"], "member.added", "{e}");
    assert_eq!(e["project_id"], w.other_project.to_string());
}

#[tokio::test]
async fn a_revoked_token_closes_its_socket_at_once() {
    let w = world().await;
    let (secret, id) = pat(&w.app, &w.editor, &["read"]).await;
    let (mut ws, _) = hello(&w.app, &secret, None).await;
    let (mut other, _) = hello(&w.app, &w.editor, None).await;
    assert_eq!(
        w.app
            .delete(&format!("/me/tokens/{id}"), &w.editor)
            .await
            .status(),
        204
    );
    assert_eq!(close_code(&mut ws).await, CloseCode::from(4401));
    // The same user's session socket is not affected.
    w.task(w.project, &w.owner, "还在").await;
    assert_eq!(next(&mut other).await["data"]["title"], "还在");
}

#[tokio::test]
async fn logging_out_closes_that_sessions_sockets_only() {
    let w = world().await;
    let laptop = w
        .app
        .login_ok("editor@example.com", tandem_testkit::PASSWORD)
        .await;
    let (mut on_laptop, _) = hello(&w.app, &laptop.access_token, None).await;
    let (mut elsewhere, _) = hello(&w.app, &w.editor, None).await;
    let r = w
        .app
        .post(
            "/auth/logout",
            None,
            json!({ "refresh_token": laptop.refresh_token }),
        )
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(close_code(&mut on_laptop).await, CloseCode::from(4401));
    // Its access token cannot open another one either.
    let mut again = connect(&w.app).await;
    let hello_frame = json!({ "type": "hello", "token": laptop.access_token });
    again
        .send(Message::text(hello_frame.to_string()))
        .await
        .unwrap();
    assert_eq!(close_code(&mut again).await, CloseCode::from(4401));
    w.task(w.project, &w.owner, "另一个会话").await;
    assert_eq!(next(&mut elsewhere).await["data"]["title"], "另一个会话");
}

#[tokio::test]
async fn a_password_change_closes_the_other_sessions_sockets() {
    let w = world().await;
    let (mut old_session, _) = hello(&w.app, &w.editor, None).await;
    let r = w
        .app
        .post(
            "/me/password",
            Some(&w.editor),
            json!({ "current_password": tandem_testkit::PASSWORD, "new_password": "a new password 2" }),
        )
        .await;
    let pair = json_of(r).await;
    assert_eq!(close_code(&mut old_session).await, CloseCode::from(4401));
    let (mut new_session, _) = hello(&w.app, pair["access_token"].as_str().unwrap(), None).await;
    w.task(w.project, &w.owner, "新会话").await;
    assert_eq!(next(&mut new_session).await["data"]["title"], "新会话");
}

#[tokio::test]
async fn deactivation_closes_the_accounts_sockets_at_once() {
    let w = world().await;
    let (mut ws, _) = hello(&w.app, &w.editor, None).await;
    let admin = w.app.admin_token().await;
    let r = w
        .app
        .patch(
            &format!("/users/{}", w.editor_id),
            &admin,
            json!({ "status": "deactivated" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    // Well before the 30 s check: the change itself tells the socket.
    let code = tokio::time::timeout(Duration::from_secs(5), close_code(&mut ws))
        .await
        .expect("closed within 5 s");
    assert_eq!(code, CloseCode::from(4401));
}

#[tokio::test]
async fn an_expiring_access_token_closes_with_4401_when_it_expires() {
    let app = tandem_testkit::spawn_app_with(|c| c.access_ttl = Duration::from_secs(2)).await;
    let token = app.admin_token().await;
    let (mut ws, _) = hello(&app, &token, None).await;
    let started = std::time::Instant::now();
    assert_eq!(close_code(&mut ws).await, CloseCode::from(4401));
    // Closed at expiry, not at the next 30 s check.
    assert!(started.elapsed() < Duration::from_secs(8));
}

#[tokio::test]
async fn task_events_carry_the_version_and_not_the_description() {
    let w = world().await;
    let (mut ws, _) = hello(&w.app, &w.editor, None).await;
    let long = "描述".repeat(10_000);
    let t = json_of(
        w.app
            .post(
                &format!("/projects/{}/tasks", w.project),
                Some(&w.owner),
                json!({ "title": "长描述", "description": long }),
            )
            .await,
    )
    .await;
    assert_eq!(t["version"], 1);
    let e = next(&mut ws).await;
    assert_eq!(e["data"]["version"], 1);
    assert!(e["data"].get("description").is_none());
    assert!(e["data"].get("description_html").is_none());
    assert!(e.to_string().len() < 4096, "{} bytes", e.to_string().len());
}

/// A socket that fell behind (too slow to read) is disconnected, and the membership changes it
/// missed while behind still count: a member removed meanwhile hears nothing more of the
/// project, neither before the socket is disconnected nor after it resumes.
#[tokio::test]
async fn a_socket_that_fell_behind_rechecks_what_it_may_see() {
    let w = world_with(|c| c.live.socket_queue = 32).await;
    let (mut ws, _) = hello(&w.app, &w.editor, None).await;
    let t = w.task(w.project, &w.owner, "大量评论").await;
    // The socket learns that it sees the project.
    assert_eq!(next(&mut ws).await["kind"], "task.created");
    // Without reading, let far more than the server's per-socket backlog pile up: large
    // comments fill the connection's buffers, then the bus's queue.
    let body = "长".repeat(9_000);
    let comments = format!("/tasks/{}/comments", t["id"].as_str().unwrap());
    for _ in 0..400 {
        let r = w
            .app
            .post(&comments, Some(&w.owner), json!({ "body": body }))
            .await;
        assert_eq!(r.status(), 201);
    }
    let member = format!("/projects/{}/members/{}", w.project, w.editor_id);
    assert_eq!(w.app.delete(&member, &w.owner).await.status(), 204);
    for _ in 0..300 {
        let r = w
            .app
            .post(&comments, Some(&w.owner), json!({ "body": body }))
            .await;
        assert_eq!(r.status(), 201);
    }
    w.task(w.project, &w.owner, "移除之后").await;
    // Now read: old comments, then the close (1013: its bounded queue overflowed).
    let mut last = 0;
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .unwrap()
        {
            Some(Ok(Message::Text(t))) => {
                let e: Value = serde_json::from_str(&t).unwrap();
                assert_ne!(e["data"]["title"], "移除之后", "heard after removal: {e}");
                last = e["id"].as_u64().unwrap_or(last);
            }
            Some(Ok(Message::Close(Some(f)))) => {
                assert_eq!(u16::from(f.code), 1013);
                break;
            }
            Some(Ok(_)) => {}
            other => panic!("expected a close, got {other:?}"),
        }
    }
    // Resuming from the last id seen re-checks what the socket may see: nothing of the
    // project it was removed from comes any more.
    let (mut ws, _) = hello(&w.app, &w.editor, Some(last)).await;
    // Something the editor does hear: being added to the outsider's project.
    let r = w
        .app
        .post(
            &format!("/projects/{}/members", w.other_project),
            Some(&w.outsider),
            json!({ "user_id": w.editor_id, "role": "viewer" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    loop {
        let e = next(&mut ws).await;
        // Being removed is news to the one removed; nothing else of the project is.
        let own_removal =
            e["kind"] == "member.removed" && e["data"]["user_id"] == w.editor_id.to_string();
        assert!(
            own_removal || e["project_id"] != w.project.to_string(),
            "heard of a project they were removed from: {e}"
        );
        if e["kind"] == "member.added" {
            break;
        }
    }
}

#[tokio::test]
async fn assignments_status_changes_comments_and_memberships_notify_the_right_people() {
    let w = world().await;
    let kinds = |token: String| {
        let app = &w.app;
        async move {
            let page = json_of(app.get("/me/notifications?limit=50", &token).await).await;
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["kind"].as_str().unwrap().to_owned())
                .filter(|k| k != "account.approved")
                .collect::<Vec<_>>()
        }
    };
    // Assigned by the owner: the editor hears of it, live too.
    let (mut editor_socket, _) = hello(&w.app, &w.editor, None).await;
    let t = json_of(
        w.app
            .post(
                &format!("/projects/{}/tasks", w.project),
                Some(&w.owner),
                json!({ "title": "原型设计", "assignee_id": w.editor_id }),
            )
            .await,
    )
    .await;
    let tid = t["id"].as_str().unwrap().to_owned();
    assert_eq!(next(&mut editor_socket).await["kind"], "task.created");
    let e = next(&mut editor_socket).await;
    assert_eq!(e["kind"], "notification.created");
    assert_eq!(e["data"]["kind"], "task.assigned");
    assert_eq!(e["data"]["data"]["task_title"], "原型设计");
    // The assignee moves it on: the creator hears of it, the one who moved it does not.
    let v = t["version"].as_i64().unwrap();
    let r = w
        .app
        .req(
            reqwest::Method::PATCH,
            &format!("/tasks/{tid}"),
            Some(&w.editor),
        )
        .header("If-Match", format!("\"{v}\""))
        .json(&json!({ "status": "in_progress" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // A comment without a mention tells the assignee; one that mentions them is a mention.
    let r = w
        .app
        .patch("/me", &w.editor, json!({ "name": "李雷" }))
        .await;
    assert_eq!(r.status(), 200);
    for body in ["看过了", "@李雷 再看一下"] {
        let r = w
            .app
            .post(
                &format!("/tasks/{tid}/comments"),
                Some(&w.owner),
                json!({ "body": body }),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    assert_eq!(
        kinds(w.editor.clone()).await,
        [
            "comment.mention",
            "task.commented",
            "task.assigned",
            "project.member_added"
        ]
    );
    let owner_kinds = kinds(w.owner.clone()).await;
    assert_eq!(owner_kinds, ["task.status_changed"]);
    let owner_page = json_of(
        w.app
            .get("/me/notifications?kind=task.status_changed", &w.owner)
            .await,
    )
    .await;
    assert_eq!(owner_page["items"][0]["data"]["from"], "todo");
    assert_eq!(owner_page["items"][0]["data"]["to"], "in_progress");
    // Added to a project: the new member hears of it.
    let (outsider_id, _) = (
        json_of(w.app.get("/me", &w.outsider).await).await["id"]
            .as_str()
            .unwrap()
            .to_owned(),
        (),
    );
    let r = w
        .app
        .post(
            &format!("/projects/{}/members", w.project),
            Some(&w.owner),
            json!({ "user_id": outsider_id, "role": "viewer" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(kinds(w.outsider.clone()).await, ["project.member_added"]);
}

#[tokio::test]
async fn a_kind_turned_off_in_the_app_is_not_notified() {
    let w = world().await;
    let settings = json_of(w.app.get("/me/notification-settings", &w.editor).await).await;
    let all = settings["items"].as_array().unwrap();
    assert!(
        all.iter()
            .all(|s| s["in_app"] == true && s["email"] == true)
    );
    assert!(all.iter().any(|s| s["kind"] == "task.commented"));
    let r = w
        .app
        .req(
            reqwest::Method::PUT,
            "/me/notification-settings",
            Some(&w.editor),
        )
        .json(&json!({ "items": [{ "kind": "task.commented", "in_app": false, "email": true }] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let after: Value = r.json().await.unwrap();
    let commented = after["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "task.commented")
        .unwrap()
        .clone();
    assert_eq!(
        commented,
        json!({ "kind": "task.commented", "in_app": false, "email": true })
    );
    let t = json_of(
        w.app
            .post(
                &format!("/projects/{}/tasks", w.project),
                Some(&w.owner),
                json!({ "title": "原型设计", "assignee_id": w.editor_id }),
            )
            .await,
    )
    .await;
    let r = w
        .app
        .post(
            &format!("/tasks/{}/comments", t["id"].as_str().unwrap()),
            Some(&w.owner),
            json!({ "body": "看过了" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let page = json_of(
        w.app
            .get("/me/notifications?kind=task.commented", &w.editor)
            .await,
    )
    .await;
    assert_eq!(page["items"], json!([]));
    let page = json_of(
        w.app
            .get("/me/notifications?kind=task.assigned", &w.editor)
            .await,
    )
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    // An unknown kind is named.
    let r = w
        .app
        .req(
            reqwest::Method::PUT,
            "/me/notification-settings",
            Some(&w.editor),
        )
        .json(
            &json!({ "items": [{ "kind": "meeting.reminder", "in_app": false, "email": false }] }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "items[0].kind");
}

#[tokio::test]
async fn edited_and_deleted_comments_reach_the_project_live() {
    let w = world().await;
    let (mut editor, _) = hello(&w.app, &w.editor, None).await;
    let t = w.task(w.project, &w.owner, "评论会变").await;
    assert_eq!(next(&mut editor).await["kind"], "task.created");
    let c = json_of(
        w.app
            .post(
                &format!("/tasks/{}/comments", t["id"].as_str().unwrap()),
                Some(&w.owner),
                json!({ "body": "初稿" }),
            )
            .await,
    )
    .await;
    assert_eq!(next(&mut editor).await["kind"], "comment.created");
    let path = format!("/comments/{}", c["id"].as_str().unwrap());
    let r = w
        .app
        .patch(&path, &w.owner, json!({ "body": "改过的" }))
        .await;
    assert_eq!(r.status(), 200);
    let e = next(&mut editor).await;
    assert_eq!(
        (e["kind"].as_str(), e["data"]["body"].as_str()),
        (Some("comment.updated"), Some("改过的"))
    );
    assert_eq!(w.app.delete(&path, &w.owner).await.status(), 204);
    let e = next(&mut editor).await;
    assert_eq!(e["kind"], "comment.deleted");
    assert_eq!(
        (e["data"]["id"].clone(), e["data"]["task_id"].clone()),
        (c["id"].clone(), t["id"].clone())
    );
}

#[tokio::test]
async fn milestones_added_changed_and_removed_reach_the_project_live() {
    let w = world().await;
    let (mut editor, _) = hello(&w.app, &w.editor, None).await;
    let (mut outsider, _) = hello(&w.app, &w.outsider, None).await;
    let m = json_of(
        w.app
            .post(
                &format!("/projects/{}/milestones", w.project),
                Some(&w.owner),
                json!({ "name": "样品评审", "date": "2026-12-15" }),
            )
            .await,
    )
    .await;
    let e = next(&mut editor).await;
    assert_eq!(
        (e["kind"].as_str(), e["data"]["name"].as_str()),
        (Some("milestone.created"), Some("样品评审"))
    );
    let path = format!("/milestones/{}", m["id"].as_str().unwrap());
    let r = w
        .app
        .req(reqwest::Method::PATCH, &path, Some(&w.owner))
        .header("If-Match", format!("\"{}\"", m["version"]))
        .json(&json!({ "name": "样品终审" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let e = next(&mut editor).await;
    assert_eq!(
        (e["kind"].as_str(), e["data"]["name"].as_str()),
        (Some("milestone.updated"), Some("样品终审"))
    );
    assert_eq!(w.app.delete(&path, &w.owner).await.status(), 204);
    let e = next(&mut editor).await;
    assert_eq!(e["kind"], "milestone.deleted");
    assert_eq!(e["data"]["id"], m["id"]);
    // Nobody outside the project heard of any of it: their next event is their own.
    w.task(w.other_project, &w.outsider, "自己的").await;
    assert_eq!(next(&mut outsider).await["kind"], "task.created");
}

/// Frames name who made the change (`actor_id`), so a page can say whose change arrived.
#[tokio::test]
async fn events_name_who_made_the_change() {
    let w = world().await;
    let (mut ws, _) = hello(&w.app, &w.owner, None).await;
    let t = w.task(w.project, &w.editor, "谁改的").await;
    let e = next(&mut ws).await;
    assert_eq!(e["kind"], "task.created");
    assert_eq!(e["actor_id"], w.editor_id.to_string());
    let path = format!("/tasks/{}/comments", t["id"].as_str().unwrap());
    let r = w
        .app
        .post(&path, Some(&w.editor), json!({ "body": "看一下" }))
        .await;
    assert_eq!(r.status(), 201);
    let e = next(&mut ws).await;
    assert_eq!(e["kind"], "comment.created");
    assert_eq!(e["actor_id"], w.editor_id.to_string());
}
