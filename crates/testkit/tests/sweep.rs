//! Sweeps over every operation of the OpenAPI spec, so a new endpoint is covered by being in
//! the spec (and having a fixture here — a test fails until it has one):
//! - a `read`-only token is refused every write (403 `insufficient_scope`);
//! - an administrator's token without the `admin` scope gets exactly what a member gets;
//! - members of other projects see nothing of a project (404);
//! - the headers the spec declares are sent (`ETag`, `Location`) and honoured (`If-Match`,
//!   `Idempotency-Key`);
//! - every write takes its longest valid input, in Chinese, on both engines.
//!
//! Runs on SQLite and (TANDEM_TEST_PG) PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU32, Ordering};

use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};
use tandem_testkit::{ADMIN_PASSWORD, PASSWORD, TestApp, spawn_app};
use uuid::Uuid;

/// Operations the sweeps do not drive, and why.
const NOT_SWEPT: [(&str, &str, &str); 4] = [
    ("get", "/api/health", "public liveness, no input"),
    ("get", "/api/ping", "public liveness, no input"),
    ("get", "/api/v1/ws", "a WebSocket upgrade: tests/live.rs"),
    (
        "get",
        "/api/v1/ws/docs/{id}",
        "a WebSocket upgrade: tests/files.rs (tokens, tickets, other projects)",
    ),
];

/// Where an operation's authority comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// No token (registration, login…).
    Public,
    /// The caller's own data, the directory, their project list.
    Own,
    /// System administration.
    Admin,
    /// Something inside a project.
    Project,
}

#[derive(Debug, Clone)]
struct Op {
    method: String,
    path: String,
    spec: Value,
}

impl Op {
    fn id(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }

    fn scope(&self) -> Scope {
        let p = self.path.as_str();
        let secured = self.spec["security"]
            .as_array()
            .is_some_and(|s| !s.is_empty());
        if !secured {
            Scope::Public
        } else if p.starts_with("/api/v1/admin/")
            || (p.starts_with("/api/v1/departments") && self.method != "get")
            || (p == "/api/v1/users/{id}" && self.method == "patch")
            || (p == "/api/v1/users" && self.method == "post")
        {
            Scope::Admin
        } else if p.starts_with("/api/v1/projects/{id}")
            || p.starts_with("/api/v1/tasks/")
            || p.starts_with("/api/v1/milestones/")
            || p.starts_with("/api/v1/comments/")
            || p.starts_with("/api/v1/attachments/")
            || p.starts_with("/api/v1/folders/")
            || p.starts_with("/api/v1/files/")
            || p.starts_with("/api/v1/docs/")
        {
            Scope::Project
        } else {
            Scope::Own
        }
    }

    /// Changes something (needs the `write` scope).
    fn writes(&self) -> bool {
        // Rendering a Markdown preview reads nothing and changes nothing; a document's
        // socket ticket carries the token's own scopes (a read-only token's socket is
        // read-only).
        !matches!(self.method.as_str(), "get" | "head" | "options")
            && self.path != "/api/v1/markdown"
            && self.path != "/api/v1/docs/{id}/ticket"
    }

    /// Ends the caller's other sessions: run after every other operation of a sweep.
    fn ends_sessions(&self) -> bool {
        self.path == "/api/v1/me/password"
    }

    fn declares_header(&self, status: u16, name: &str) -> bool {
        self.spec["responses"][status.to_string()]["headers"]
            .get(name)
            .is_some()
    }

    fn takes_header(&self, name: &str) -> bool {
        self.spec["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| p["in"] == "header" && p["name"] == name)
    }
}

/// Every operation of the served spec, the one that ends sessions last.
async fn operations(app: &TestApp) -> (Vec<Op>, Value) {
    let spec: Value = app
        .http
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if NOT_SWEPT.iter().any(|(m, p, _)| m == method && p == path) {
                continue;
            }
            ops.push(Op {
                method: method.clone(),
                path: path.clone(),
                spec: op.clone(),
            });
        }
    }
    ops.sort_by_key(|o| o.ends_sessions());
    (ops, spec)
}

/// Someone calling: the token sent, and a session of the same user to prepare their own data.
#[derive(Clone)]
struct Caller {
    token: String,
    session: String,
    id: Uuid,
    password: &'static str,
}

/// A project owned by `owner` (with milestones, an editor and an avatar), members of other
/// projects and of none, the system administrator, and tokens of every shape.
struct World {
    app: TestApp,
    dept: Uuid,
    owner: Caller,
    owner_read: Caller,
    outsider: Caller,
    plain: Caller,
    sys: Caller,
    sys_read: Caller,
    sys_member_like: Caller,
    editor_id: Uuid,
    project: Uuid,
    seq: AtomicU32,
}

async fn token(app: &TestApp, session: &str, scopes: &[&str]) -> String {
    let r = app
        .post(
            "/me/tokens",
            Some(session),
            json!({ "name": "sweep", "scopes": scopes }),
        )
        .await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn ok(r: reqwest::Response) -> Value {
    let status = r.status();
    let text = r.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

fn png() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(8, 8, image::Rgb([51, 112, 255]));
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

impl World {
    async fn new() -> World {
        let app = spawn_app().await;
        let dept = app.department("研发部").await;
        let member = |email: &'static str| {
            let app = &app;
            async move {
                let (id, session) = app.member(email, dept).await;
                Caller {
                    token: session.clone(),
                    session,
                    id,
                    password: PASSWORD,
                }
            }
        };
        let owner = member("owner@example.com").await;
        let outsider = member("outsider@example.com").await;
        let plain = member("plain@example.com").await;
        let (editor_id, _) = app.member("editor@example.com", dept).await;
        let sys_session = app.admin_token().await;
        let sys = Caller {
            token: sys_session.clone(),
            session: sys_session.clone(),
            id: app.admin_id,
            password: ADMIN_PASSWORD,
        };
        let with_token = |c: &Caller, t: String| Caller {
            token: t,
            ..c.clone()
        };
        let owner_read = with_token(&owner, token(&app, &owner.session, &["read"]).await);
        let sys_read = with_token(&sys, token(&app, &sys.session, &["read"]).await);
        let sys_member_like = with_token(&sys, token(&app, &sys.session, &["read", "write"]).await);
        let r = app
            .req(Method::PUT, "/me/avatar", Some(&owner.session))
            .header("content-type", "image/png")
            .body(png())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let w = World {
            app,
            dept,
            owner,
            owner_read,
            outsider,
            plain,
            sys,
            sys_read,
            sys_member_like,
            editor_id,
            project: Uuid::nil(),
            seq: AtomicU32::new(0),
        };
        let project = w.project_of(&w.owner.session).await;
        World { project, ..w }
    }

    fn n(&self) -> u32 {
        self.seq.fetch_add(1, Ordering::SeqCst)
    }

    async fn project_of(&self, session: &str) -> Uuid {
        let v = ok(self
            .app
            .post(
                "/projects",
                Some(session),
                json!({
                    "name": format!("项目{}", self.n()), "goal": "按时上市",
                    "department_ids": [self.dept],
                    "start_date": "2026-11-01", "end_date": "2027-01-31",
                    "milestones": [{ "name": "研发完成", "date": "2026-12-01" }],
                }),
            )
            .await)
        .await;
        let id: Uuid = v["id"].as_str().unwrap().parse().unwrap();
        let r = self
            .app
            .post(
                &format!("/projects/{id}/members"),
                Some(session),
                json!({ "user_id": self.editor_id, "role": "editor" }),
            )
            .await;
        assert_eq!(r.status(), 201);
        id
    }

    async fn task(&self) -> Uuid {
        let v = ok(self
            .app
            .post(
                &format!("/projects/{}/tasks", self.project),
                Some(&self.owner.session),
                json!({ "title": format!("任务{}", self.n()), "assignee_id": self.owner.id }),
            )
            .await)
        .await;
        v["id"].as_str().unwrap().parse().unwrap()
    }

    async fn fresh_user(&self) -> Uuid {
        self.app
            .member(&format!("u{}@example.com", self.n()), self.dept)
            .await
            .0
    }

    /// A folder of the world's project, made by its owner.
    async fn lib_folder(&self) -> Uuid {
        let v = ok(self
            .app
            .post(
                &format!("/projects/{}/folders", self.project),
                Some(&self.owner.session),
                json!({ "name": format!("设计稿{}", self.n()) }),
            )
            .await)
        .await;
        v["id"].as_str().unwrap().parse().unwrap()
    }

    /// A library file at the top of the world's project, uploaded by its owner.
    async fn lib_file(&self) -> Uuid {
        let name = format!("文案{}.txt", self.n());
        self.lib_upload(&name, "第一版".as_bytes()).await
    }

    /// A co-edited document at the top of the world's project, made by its owner.
    async fn lib_doc(&self) -> Uuid {
        let v = ok(self
            .app
            .post(
                &format!("/projects/{}/docs", self.project),
                Some(&self.owner.session),
                json!({ "name": format!("纪要{}.md", self.n()), "content": "# 纪要\n" }),
            )
            .await)
        .await;
        v["file"]["id"].as_str().unwrap().parse().unwrap()
    }

    /// A library file called `name` holding `bytes`, at the top of the world's project.
    async fn lib_upload(&self, name: &str, bytes: &[u8]) -> Uuid {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned()),
        );
        let v = ok(self
            .app
            .req(
                Method::POST,
                &format!("/projects/{}/files", self.project),
                Some(&self.owner.session),
            )
            .multipart(form)
            .send()
            .await
            .unwrap())
        .await;
        v["id"].as_str().unwrap().parse().unwrap()
    }

    async fn upload(&self, task: Uuid) -> Uuid {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(b"hello".to_vec()).file_name("报告.txt"),
        );
        let v = ok(self
            .app
            .req(
                Method::POST,
                &format!("/tasks/{task}/attachments"),
                Some(&self.owner.session),
            )
            .multipart(form)
            .send()
            .await
            .unwrap())
        .await;
        v["id"].as_str().unwrap().parse().unwrap()
    }
}

/// What to send.
enum Body {
    None,
    Json(Value),
    Png,
    Upload {
        file_name: String,
    },
    /// A tus request: its headers, and bytes sent as `application/offset+octet-stream`.
    Tus {
        headers: Vec<(&'static str, String)>,
        bytes: Option<Vec<u8>>,
    },
}

/// One prepared request: fresh objects for `caller`, made by their owners.
struct Prepared {
    path: String,
    body: Body,
}

impl Prepared {
    fn json(path: String, v: Value) -> Self {
        Prepared {
            path,
            body: Body::Json(v),
        }
    }
    fn bare(path: String) -> Self {
        Prepared {
            path,
            body: Body::None,
        }
    }
}

/// Prepares `op` for `caller`: objects inside projects belong to the world's project (or a
/// fresh one of its owner); the caller's own objects (quick replies, tokens) are the caller's.
/// The headers that start a tus upload of five bytes called `name` into project `p`.
fn tus_creation(p: Uuid, name: &str) -> Vec<(&'static str, String)> {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    vec![
        ("Upload-Length", "5".to_owned()),
        (
            "Upload-Metadata",
            format!("filename {},project_id {}", b64(name), b64(&p.to_string())),
        ),
    ]
}

async fn prepare(w: &World, op: &Op, caller: &Caller) -> Prepared {
    let app = &w.app;
    let p = w.project;
    let n = w.n();
    match (op.method.as_str(), op.path.as_str()) {
        ("post", "/api/v1/auth/register") => Prepared::json(
            op.path.clone(),
            json!({ "email": format!("reg{n}@example.com"), "name": "新人", "department_id": w.dept,
                    "position": "工程师", "password": PASSWORD }),
        ),
        ("post", "/api/v1/auth/login") => Prepared::json(
            op.path.clone(),
            json!({ "login": "plain@example.com", "password": PASSWORD }),
        ),
        ("post", "/api/v1/auth/refresh") | ("post", "/api/v1/auth/logout") => {
            let pair = app.login_ok("plain@example.com", PASSWORD).await;
            Prepared::json(
                op.path.clone(),
                json!({ "refresh_token": pair.refresh_token }),
            )
        }
        ("get", "/api/v1/departments") => Prepared::bare(op.path.clone()),
        ("post", "/api/v1/departments") => {
            Prepared::json(op.path.clone(), json!({ "name": format!("部门{n}") }))
        }
        (_, "/api/v1/departments/{id}") => {
            let d = app.department(&format!("待改部门{n}")).await;
            let path = format!("/api/v1/departments/{d}");
            match op.method.as_str() {
                "patch" => Prepared::json(path, json!({ "name": format!("新名{n}") })),
                _ => Prepared::bare(path),
            }
        }
        ("get", "/api/v1/admin/audit-log") | ("get", "/api/v1/admin/registrations") => {
            Prepared::bare(op.path.clone())
        }
        ("post", "/api/v1/admin/registrations/{user_id}/approve")
        | ("post", "/api/v1/admin/registrations/{user_id}/reject") => {
            let u = app
                .register(&format!("pending{n}@example.com"), w.dept)
                .await;
            let path = op.path.replace("{user_id}", &u.to_string());
            if op.path.ends_with("reject") {
                Prepared::json(path, json!({ "reason": "信息不全" }))
            } else {
                Prepared::json(path, json!({}))
            }
        }
        ("get", "/api/v1/users") => Prepared::bare(op.path.clone()),
        ("post", "/api/v1/users") => Prepared::json(
            op.path.clone(),
            json!({ "email": format!("made{n}@example.com"), "name": "韩梅梅", "department_id": w.dept,
                    "position": "产品经理", "password": PASSWORD, "external_key": format!("hmm{n}") }),
        ),
        ("get", "/api/v1/external-keys") => {
            Prepared::bare(format!("/api/v1/external-keys?kind=task&project_id={p}"))
        }
        ("post", "/api/v1/external-keys") => Prepared::json(
            op.path.clone(),
            json!({ "kind": "task", "key": format!("外部键{n}"), "id": w.task().await }),
        ),
        ("post", "/api/v1/projects/{id}/tasks/batch") => Prepared::json(
            format!("/api/v1/projects/{p}/tasks/batch"),
            json!({ "tasks": [
                { "key": format!("b{n}-1"), "title": "需求调研", "priority": "high" },
                { "key": format!("b{n}-2"), "title": "原型设计", "depends_on": [format!("b{n}-1")] },
            ] }),
        ),
        ("get", "/api/v1/projects/{id}/dependencies")
        | ("get", "/api/v1/projects/{id}/comments") => {
            Prepared::bare(op.path.replace("{id}", &p.to_string()))
        }
        ("get", "/api/v1/users/{id}") | ("get", "/api/v1/users/{id}/avatar") => {
            Prepared::bare(op.path.replace("{id}", &w.owner.id.to_string()))
        }
        ("patch", "/api/v1/users/{id}") => {
            let u = w.fresh_user().await;
            Prepared::json(
                format!("/api/v1/users/{u}"),
                json!({ "position": "高级工程师" }),
            )
        }
        ("get", "/api/v1/me")
        | ("get", "/api/v1/me/notifications")
        | ("get", "/api/v1/me/notifications/unread-count")
        | ("get", "/api/v1/me/notification-settings")
        | ("get", "/api/v1/me/quick-replies")
        | ("get", "/api/v1/me/tokens")
        | ("get", "/api/v1/me/tasks")
        | ("get", "/api/v1/me/board")
        | ("get", "/api/v1/dashboard")
        | ("get", "/api/v1/tasks")
        | ("get", "/api/v1/projects") => Prepared::bare(op.path.clone()),
        ("patch", "/api/v1/me") => {
            Prepared::json(op.path.clone(), json!({ "position": "项目经理" }))
        }
        ("put", "/api/v1/me/avatar") => Prepared {
            path: op.path.clone(),
            body: Body::Png,
        },
        ("post", "/api/v1/me/notifications/read") => Prepared::json(op.path.clone(), json!({})),
        ("put", "/api/v1/me/notification-settings") => Prepared::json(
            op.path.clone(),
            json!({ "items": [{ "kind": "task.commented", "in_app": false, "email": true }] }),
        ),
        ("post", "/api/v1/me/password") => Prepared::json(
            op.path.clone(),
            json!({ "current_password": caller.password, "new_password": caller.password }),
        ),
        ("post", "/api/v1/me/quick-replies") => Prepared::json(
            op.path.clone(),
            json!({ "title": "收到", "body": "收到，马上处理。" }),
        ),
        (_, "/api/v1/me/quick-replies/{id}") => {
            let q = ok(app
                .post(
                    "/me/quick-replies",
                    Some(&caller.session),
                    json!({ "title": "好的", "body": "好的" }),
                )
                .await)
            .await;
            let path = format!("/api/v1/me/quick-replies/{}", q["id"].as_str().unwrap());
            match op.method.as_str() {
                "patch" => Prepared::json(path, json!({ "body": "好的，明天给你。" })),
                _ => Prepared::bare(path),
            }
        }
        ("post", "/api/v1/me/tokens") => {
            Prepared::json(op.path.clone(), json!({ "name": "CI", "scopes": ["read"] }))
        }
        ("delete", "/api/v1/me/tokens/{id}") => {
            let t = ok(app
                .post(
                    "/me/tokens",
                    Some(&caller.session),
                    json!({ "name": "待撤销", "scopes": ["read"] }),
                )
                .await)
            .await;
            Prepared::bare(format!(
                "/api/v1/me/tokens/{}",
                t["info"]["id"].as_str().unwrap()
            ))
        }
        ("post", "/api/v1/markdown") => {
            Prepared::json(op.path.clone(), json!({ "text": "**重点**" }))
        }
        ("post", "/api/v1/projects") => Prepared::json(
            op.path.clone(),
            json!({ "name": format!("新项目{n}"), "goal": "", "department_ids": [w.dept],
                    "start_date": "2026-11-01", "end_date": "2027-01-31" }),
        ),
        (_, "/api/v1/projects/{id}") => {
            // Archiving or changing settings gets a project of its own.
            let fresh = w.project_of(&w.owner.session).await;
            let path = format!("/api/v1/projects/{fresh}");
            match op.method.as_str() {
                "patch" => Prepared::json(path, json!({ "goal": "提前一周上市" })),
                _ => Prepared::bare(path),
            }
        }
        ("get", "/api/v1/projects/{id}/members")
        | ("get", "/api/v1/projects/{id}/milestones")
        | ("get", "/api/v1/projects/{id}/risks")
        | ("get", "/api/v1/projects/{id}/calendar")
        | ("get", "/api/v1/projects/{id}/gantt")
        | ("get", "/api/v1/projects/{id}/board")
        | ("get", "/api/v1/projects/{id}/tasks") => {
            Prepared::bare(op.path.replace("{id}", &p.to_string()))
        }
        ("post", "/api/v1/projects/{id}/reschedule") => {
            let t = ok(app
                .post(
                    &format!("/projects/{p}/tasks"),
                    Some(&w.owner.session),
                    json!({ "title": "排期", "start_date": "2026-12-01", "due_date": "2026-12-03" }),
                )
                .await)
            .await;
            Prepared::json(
                format!("/api/v1/projects/{p}/reschedule"),
                json!({ "moves": [{ "task_id": t["id"], "start_date": "2026-12-02" }], "dry_run": true }),
            )
        }
        ("put", "/api/v1/projects/{id}/board/limits") => Prepared::json(
            format!("/api/v1/projects/{p}/board/limits"),
            json!({ "limits": [{ "status": "in_progress", "limit": 5 }] }),
        ),
        ("put", "/api/v1/projects/{id}/calendar") => Prepared::json(
            format!("/api/v1/projects/{p}/calendar"),
            json!({ "work_days": ["mon", "tue", "wed", "thu", "fri"],
                    "holidays": [{ "date": "2027-01-01", "name": "元旦" }],
                    "extra_work_days": [{ "date": "2027-02-07", "name": "春节调休" }] }),
        ),
        ("post", "/api/v1/projects/{id}/members") => {
            let u = w.fresh_user().await;
            Prepared::json(
                format!("/api/v1/projects/{p}/members"),
                json!({ "user_id": u, "role": "viewer" }),
            )
        }
        (_, "/api/v1/projects/{id}/members/{user_id}") => {
            let u = w.fresh_user().await;
            let r = app
                .post(
                    &format!("/projects/{p}/members"),
                    Some(&w.owner.session),
                    json!({ "user_id": u, "role": "viewer" }),
                )
                .await;
            assert_eq!(r.status(), 201);
            let path = format!("/api/v1/projects/{p}/members/{u}");
            match op.method.as_str() {
                "patch" => Prepared::json(path, json!({ "role": "editor" })),
                _ => Prepared::bare(path),
            }
        }
        ("post", "/api/v1/projects/{id}/milestones") => Prepared::json(
            format!("/api/v1/projects/{p}/milestones"),
            json!({ "name": "验收", "date": "2027-01-20", "description": "客户验收" }),
        ),
        (_, "/api/v1/milestones/{id}") => {
            let m = ok(app
                .post(
                    &format!("/projects/{p}/milestones"),
                    Some(&w.owner.session),
                    json!({ "name": "评审", "date": "2027-01-10" }),
                )
                .await)
            .await;
            let path = format!("/api/v1/milestones/{}", m["id"].as_str().unwrap());
            match op.method.as_str() {
                "patch" => Prepared::json(path, json!({ "name": "终审" })),
                _ => Prepared::bare(path),
            }
        }
        ("post", "/api/v1/projects/{id}/tasks") => Prepared::json(
            format!("/api/v1/projects/{p}/tasks"),
            json!({ "title": "原型设计", "description": "先画线框图", "priority": "high" }),
        ),
        (_, "/api/v1/tasks/{id}") => {
            let t = w.task().await;
            let path = format!("/api/v1/tasks/{t}");
            match op.method.as_str() {
                "patch" => Prepared::json(path, json!({ "title": "原型设计（修订）" })),
                _ => Prepared::bare(path),
            }
        }
        ("get", "/api/v1/tasks/{id}/progress")
        | ("get", "/api/v1/tasks/{id}/activity")
        | ("get", "/api/v1/tasks/{id}/comments")
        | ("get", "/api/v1/tasks/{id}/attachments")
        | ("get", "/api/v1/tasks/{id}/dependencies") => {
            Prepared::bare(op.path.replace("{id}", &w.task().await.to_string()))
        }
        ("post", "/api/v1/tasks/{id}/move") => Prepared::json(
            format!("/api/v1/tasks/{}/move", w.task().await),
            json!({ "status": "in_progress" }),
        ),
        ("post", "/api/v1/tasks/{id}/progress") => Prepared::json(
            format!("/api/v1/tasks/{}/progress", w.task().await),
            json!({ "percent": 40, "note": "完成了一半的调研" }),
        ),
        ("post", "/api/v1/tasks/{id}/comments") => Prepared::json(
            format!("/api/v1/tasks/{}/comments", w.task().await),
            json!({ "body": "收到，今天处理" }),
        ),
        ("post", "/api/v1/tasks/{id}/dependencies") => {
            let (a, b) = (w.task().await, w.task().await);
            Prepared::json(
                format!("/api/v1/tasks/{a}/dependencies"),
                json!({ "depends_on": b }),
            )
        }
        ("delete", "/api/v1/tasks/{id}/dependencies/{dep_id}") => {
            let (a, b) = (w.task().await, w.task().await);
            let r = app
                .post(
                    &format!("/tasks/{a}/dependencies"),
                    Some(&w.owner.session),
                    json!({ "depends_on": b }),
                )
                .await;
            assert_eq!(r.status(), 201);
            Prepared::bare(format!("/api/v1/tasks/{a}/dependencies/{b}"))
        }
        ("post", "/api/v1/tasks/{id}/attachments") => Prepared {
            path: format!("/api/v1/tasks/{}/attachments", w.task().await),
            body: Body::Upload {
                file_name: "方案.txt".into(),
            },
        },
        (_, "/api/v1/comments/{id}") => {
            let t = w.task().await;
            let c = ok(app
                .post(
                    &format!("/tasks/{t}/comments"),
                    Some(&w.owner.session),
                    json!({ "body": "初稿" }),
                )
                .await)
            .await;
            let path = format!("/api/v1/comments/{}", c["id"].as_str().unwrap());
            match op.method.as_str() {
                "patch" => Prepared::json(path, json!({ "body": "修改后的意见" })),
                _ => Prepared::bare(path),
            }
        }
        (method, "/api/v1/attachments/{id}") | (method, "/api/v1/attachments/{id}/versions") => {
            let a = w.upload(w.task().await).await;
            let path = op.path.replace("{id}", &a.to_string());
            match method {
                "patch" => Prepared::json(path, json!({ "permission": "assignee_only" })),
                "post" => Prepared {
                    path,
                    body: Body::Upload {
                        file_name: "方案-v2.txt".into(),
                    },
                },
                _ => Prepared::bare(path),
            }
        }
        ("get", "/api/v1/projects/{id}/folders")
        | ("get", "/api/v1/projects/{id}/files")
        | ("get", "/api/v1/projects/{id}/trash")
        | ("get", "/api/v1/projects/{id}/storage") => {
            Prepared::bare(op.path.replace("{id}", &p.to_string()))
        }
        ("post", "/api/v1/projects/{id}/folders") => Prepared::json(
            format!("/api/v1/projects/{p}/folders"),
            json!({ "name": format!("会议纪要{n}") }),
        ),
        ("put", "/api/v1/projects/{id}/storage") => {
            let fresh = w.project_of(&w.owner.session).await;
            Prepared::json(
                format!("/api/v1/projects/{fresh}/storage"),
                json!({ "quota_bytes": 1_073_741_824u64 }),
            )
        }
        ("post", "/api/v1/projects/{id}/files") => Prepared {
            path: format!("/api/v1/projects/{p}/files"),
            body: Body::Upload {
                file_name: format!("方案{n}.txt"),
            },
        },
        (method, "/api/v1/folders/{id}") | (method, "/api/v1/folders/{id}/grants") => {
            let f = w.lib_folder().await;
            let path = op.path.replace("{id}", &f.to_string());
            match method {
                "patch" => Prepared::json(path, json!({ "name": format!("定稿{n}") })),
                "put" => Prepared::json(
                    path,
                    json!({ "grants": [{ "subject_kind": "department", "subject_id": w.dept, "level": "edit" }],
                            "restricted": false }),
                ),
                _ => Prepared::bare(path),
            }
        }
        ("post", "/api/v1/folders/{id}/restore") => {
            let f = w.lib_folder().await;
            ok(app.delete(&format!("/folders/{f}"), &w.owner.session).await).await;
            Prepared::json(format!("/api/v1/folders/{f}/restore"), json!({}))
        }
        ("post", "/api/v1/files/{id}/restore") => {
            let f = w.lib_file().await;
            ok(app.delete(&format!("/files/{f}"), &w.owner.session).await).await;
            Prepared::json(format!("/api/v1/files/{f}/restore"), json!({}))
        }
        (method, "/api/v1/files/{id}")
        | (method, "/api/v1/files/{id}/content")
        | (method, "/api/v1/files/{id}/preview")
        | (method, "/api/v1/files/{id}/diff")
        | (method, "/api/v1/files/{id}/versions")
        | (method, "/api/v1/files/{id}/grants")
        | (method, "/api/v1/files/{id}/copy") => {
            let f = w.lib_file().await;
            let path = op.path.replace("{id}", &f.to_string());
            match (method, op.path.as_str()) {
                ("patch", _) => Prepared::json(path, json!({ "name": format!("终稿{n}.txt") })),
                ("put", _) => Prepared::json(
                    path,
                    json!({ "grants": [{ "subject_kind": "user", "subject_id": w.editor_id, "level": "manage" }] }),
                ),
                ("post", "/api/v1/files/{id}/copy") => {
                    Prepared::json(path, json!({ "name": format!("副本{n}.txt") }))
                }
                ("post", _) => Prepared {
                    path,
                    body: Body::Upload {
                        file_name: "文案-v2.txt".into(),
                    },
                },
                _ => Prepared::bare(path),
            }
        }
        ("post", "/api/v1/uploads") | ("options", "/api/v1/uploads") => Prepared {
            path: op.path.clone(),
            body: Body::Tus {
                headers: tus_creation(p, &format!("大文件{n}.bin")),
                bytes: None,
            },
        },
        (method, "/api/v1/uploads/{id}") => {
            // An upload of the caller's own, made with their session where their token may
            // see the project; otherwise someone's upload they cannot see.
            let sees = app
                .get(&format!("/projects/{p}"), &caller.token)
                .await
                .status()
                == 200;
            let session = if sees {
                caller.session.as_str()
            } else {
                w.owner.session.as_str()
            };
            let r = app
                .req(Method::POST, "/uploads", Some(session))
                .header("Tus-Resumable", "1.0.0")
                .headers(tus_creation(p, &format!("大文件{n}.bin")).into_iter().fold(
                    reqwest::header::HeaderMap::new(),
                    |mut m, (k, v)| {
                        m.insert(k, v.parse().unwrap());
                        m
                    },
                ))
                .send()
                .await
                .unwrap();
            let path = r.headers()["location"].to_str().unwrap().to_owned();
            let bytes = (method == "patch").then(|| b"12345".to_vec());
            let headers = if method == "patch" {
                vec![("Upload-Offset", "0".to_owned())]
            } else {
                Vec::new()
            };
            Prepared {
                path,
                body: Body::Tus { headers, bytes },
            }
        }
        ("get", "/api/v1/projects/{id}/docs") => {
            w.lib_doc().await;
            Prepared::bare(format!("/api/v1/projects/{p}/docs"))
        }
        ("post", "/api/v1/projects/{id}/docs") => Prepared::json(
            format!("/api/v1/projects/{p}/docs"),
            json!({ "name": format!("周报{n}.md"), "content": "# 周报\n" }),
        ),
        ("get", "/api/v1/docs/{id}") | ("post", "/api/v1/docs/{id}/ticket") => {
            let d = w.lib_doc().await;
            Prepared::json(op.path.replace("{id}", &d.to_string()), json!({}))
        }
        ("post", "/api/v1/docs/{id}/versions") => {
            let d = w.lib_doc().await;
            Prepared::json(
                format!("/api/v1/docs/{d}/versions"),
                json!({ "note": "定稿" }),
            )
        }
        ("put", "/api/v1/docs/{id}/text") => {
            let d = w.lib_doc().await;
            Prepared::json(
                format!("/api/v1/docs/{d}/text"),
                json!({ "text": format!("# 周报\n\n第{n}版"), "note": "脚本更新" }),
            )
        }
        ("post", "/api/v1/docs/{id}/versions/{n}/restore") => {
            let d = w.lib_doc().await;
            Prepared::json(format!("/api/v1/docs/{d}/versions/1/restore"), json!({}))
        }
        ("get", "/api/v1/files/{id}/preview/thumbnail") => {
            let mut png = std::io::Cursor::new(Vec::new());
            image::DynamicImage::ImageRgb8(image::RgbImage::new(8, 8))
                .write_to(&mut png, image::ImageFormat::Png)
                .unwrap();
            let f = w.lib_upload(&format!("图{n}.png"), png.get_ref()).await;
            Prepared::bare(format!("/api/v1/files/{f}/preview/thumbnail"))
        }
        ("get", "/api/v1/files/{id}/preview/pdf") => {
            let pdf = b"%PDF-1.4\n%%EOF\n";
            let f = w.lib_upload(&format!("合同{n}.pdf"), pdf).await;
            Prepared::bare(format!("/api/v1/files/{f}/preview/pdf"))
        }
        ("post", "/api/v1/files/{id}/versions/{n}/restore") => {
            let f = w.lib_file().await;
            Prepared::json(format!("/api/v1/files/{f}/versions/1/restore"), json!({}))
        }
        ("get", "/api/v1/tasks/{id}/files") => {
            Prepared::bare(format!("/api/v1/tasks/{}/files", w.task().await))
        }
        ("post", "/api/v1/tasks/{id}/files") => Prepared::json(
            format!("/api/v1/tasks/{}/files", w.task().await),
            json!({ "file_id": w.lib_file().await }),
        ),
        ("delete", "/api/v1/tasks/{id}/files/{file_id}") => {
            let (t, f) = (w.task().await, w.lib_file().await);
            let r = app
                .post(
                    &format!("/tasks/{t}/files"),
                    Some(&w.owner.session),
                    json!({ "file_id": f }),
                )
                .await;
            assert_eq!(r.status(), 204);
            Prepared::bare(format!("/api/v1/tasks/{t}/files/{f}"))
        }
        _ => panic!(
            "no fixture for {}: add one to crates/testkit/tests/sweep.rs",
            op.id()
        ),
    }
}

/// The request for `prepared`, with `If-Match: *` where the operation takes one (unless
/// `if_match` names another) and the prepared body (unless `body` replaces it).
fn request(
    app: &TestApp,
    op: &Op,
    prepared: &Prepared,
    token: Option<&str>,
    body: Option<&Value>,
    if_match: Option<&str>,
) -> RequestBuilder {
    let method = Method::from_bytes(op.method.to_uppercase().as_bytes()).unwrap();
    let mut r = app.req(method, &prepared.path, token);
    if op.takes_header("If-Match") {
        r = r.header("If-Match", if_match.unwrap_or("*"));
    }
    match (&prepared.body, body) {
        (_, Some(v)) => r.json(v),
        (Body::None, None) => r,
        (Body::Json(v), None) => r.json(v),
        (Body::Png, None) => r.header("content-type", "image/png").body(png()),
        (Body::Tus { headers, bytes }, None) => {
            let mut r = r.header("Tus-Resumable", "1.0.0");
            for (k, v) in headers {
                r = r.header(*k, v);
            }
            match bytes {
                Some(b) => r
                    .header("content-type", "application/offset+octet-stream")
                    .body(b.clone()),
                None => r,
            }
        }
        (Body::Upload { file_name }, None) => r.multipart(
            reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes("第二版".as_bytes().to_vec())
                    .file_name(file_name.clone()),
            ),
        ),
    }
}

async fn run(w: &World, op: &Op, caller: &Caller) -> (u16, Value) {
    let prepared = prepare(w, op, caller).await;
    let r = request(&w.app, op, &prepared, Some(&caller.token), None, None)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The caller an operation is meant for: the project's owner, or the system administrator.
fn entitled(w: &World, op: &Op) -> Caller {
    if op.scope() == Scope::Admin {
        w.sys.clone()
    } else {
        w.owner.clone()
    }
}

#[tokio::test]
async fn every_operation_has_a_fixture() {
    let w = World::new().await;
    let (ops, _) = operations(&w.app).await;
    assert!(ops.len() >= 65, "only {} operations", ops.len());
    let mut failures = Vec::new();
    for op in &ops {
        let caller = entitled(&w, op);
        let (status, body) = run(&w, op, &caller).await;
        if !(200..300).contains(&status) {
            failures.push(format!(
                "{} as its entitled caller: {status} {body}",
                op.id()
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn read_only_tokens_are_refused_every_write() {
    let w = World::new().await;
    let (ops, _) = operations(&w.app).await;
    let mut failures = Vec::new();
    for op in ops.iter().filter(|o| o.scope() != Scope::Public) {
        let caller = if op.scope() == Scope::Admin {
            w.sys_read.clone()
        } else {
            w.owner_read.clone()
        };
        let (status, body) = run(&w, op, &caller).await;
        let expect_refusal = op.writes() || op.scope() == Scope::Admin;
        let ok = if expect_refusal {
            status == 403 && body["code"] == "insufficient_scope"
        } else {
            (200..300).contains(&status)
        };
        if !ok {
            failures.push(format!(
                "{} with a read-only token: {status} {body}",
                op.id()
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn an_administrators_token_without_the_admin_scope_gets_what_a_member_gets() {
    let w = World::new().await;
    let (ops, _) = operations(&w.app).await;
    let mut failures = Vec::new();
    for op in ops.iter().filter(|o| o.scope() != Scope::Public) {
        let (as_token, _) = run(&w, op, &w.sys_member_like).await;
        let (as_member, _) = run(&w, op, &w.plain).await;
        if as_token != as_member {
            failures.push(format!(
                "{}: the administrator's read/write token got {as_token}, a member {as_member}",
                op.id()
            ));
        }
        if op.scope() == Scope::Project && as_token != 404 {
            failures.push(format!("{}: {as_token}, not 404", op.id()));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // The same administrator with a session still manages every project (a new one: the
    // sweep changed their password, which ended the others).
    let r = w
        .app
        .get(
            &format!("/projects/{}/members", w.project),
            &w.app.admin_token().await,
        )
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn members_of_other_projects_see_nothing_of_it() {
    let w = World::new().await;
    let (ops, _) = operations(&w.app).await;
    let mut failures = Vec::new();
    for op in ops.iter().filter(|o| o.scope() == Scope::Project) {
        for (who, caller) in [
            ("another project's member", &w.outsider),
            ("no project's member", &w.plain),
        ] {
            let (status, body) = run(&w, op, caller).await;
            if status != 404 {
                failures.push(format!("{} as {who}: {status} {body}", op.id()));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn declared_headers_are_sent_and_honoured() {
    let w = World::new().await;
    let (ops, _) = operations(&w.app).await;
    let mut failures = Vec::new();
    for op in &ops {
        let caller = entitled(&w, op);
        let token = (op.scope() != Scope::Public).then_some(caller.token.as_str());
        // Sent: ETag and Location exactly where declared.
        let prepared = prepare(&w, op, &caller).await;
        let r = request(&w.app, op, &prepared, token, None, None)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        for name in ["ETag", "Location"] {
            let sent = r.headers().contains_key(name.to_lowercase().as_str());
            let declared = op.declares_header(status, name);
            if sent != declared {
                failures.push(format!(
                    "{} {status}: {name} sent {sent}, declared {declared}",
                    op.id()
                ));
            }
        }
        // If-Match: a stale version is refused.
        if op.takes_header("If-Match") {
            let prepared = prepare(&w, op, &caller).await;
            let r = request(&w.app, op, &prepared, token, None, Some("\"999999\""))
                .send()
                .await
                .unwrap();
            if r.status() != 412 {
                failures.push(format!("{} with a stale If-Match: {}", op.id(), r.status()));
            }
        }
        // Idempotency-Key: a retry replays.
        if op.takes_header("Idempotency-Key") {
            let prepared = prepare(&w, op, &caller).await;
            let key = format!("sweep-{}", Uuid::now_v7());
            let send = || {
                request(&w.app, op, &prepared, token, None, None)
                    .header("Idempotency-Key", key.clone())
                    .send()
            };
            let first = send().await.unwrap();
            let first_status = first.status();
            let again = send().await.unwrap();
            if again.status() != first_status
                || again
                    .headers()
                    .get("idempotency-replayed")
                    .is_none_or(|v| v != "true")
            {
                failures.push(format!(
                    "{}: a retry with the same Idempotency-Key was not replayed ({} then {})",
                    op.id(),
                    first_status,
                    again.status()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The longest valid value of a text field, in Chinese (three bytes a character in UTF-8):
/// what PostgreSQL's column lengths must take.
fn longest(field: &Value) -> Option<Value> {
    let max = field["maxLength"].as_u64()? as usize;
    if field.get("format").is_some() || field.get("enum").is_some() {
        return None;
    }
    let candidate: String = "测试文字中文内容".chars().cycle().take(max).collect();
    if let Some(pattern) = field["pattern"].as_str()
        && !regex::Regex::new(pattern).unwrap().is_match(&candidate)
    {
        return None;
    }
    Some(Value::String(candidate))
}

/// `body` with every free-text field of its schema at its longest.
fn maximal(spec: &Value, op: &Op, body: &Value) -> Value {
    let mut schema = &op.spec["requestBody"]["content"]["application/json"]["schema"];
    if let Some(name) = schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        schema = &spec["components"]["schemas"][name];
    }
    let mut out = body.clone();
    for (name, field) in schema["properties"].as_object().into_iter().flatten() {
        // Secrets and identifiers name something that exists; they are not free text.
        if name.contains("password")
            || ["device_token", "login", "refresh_token"].contains(&name.as_str())
        {
            continue;
        }
        if let Some(v) = longest(field) {
            // Unique names stay unique across the sweep.
            let v = match (name.as_str(), v) {
                ("name" | "title" | "external_key" | "key" | "employee_id", Value::String(s)) => {
                    let n = Uuid::now_v7().simple().to_string();
                    let keep = s.chars().count() - n.len();
                    Value::String(s.chars().take(keep).collect::<String>() + &n)
                }
                (_, v) => v,
            };
            out[name.as_str()] = v;
        }
    }
    out
}

#[tokio::test]
async fn every_write_takes_its_longest_valid_input_in_chinese() {
    let w = World::new().await;
    let (ops, spec) = operations(&w.app).await;
    let mut failures = Vec::new();
    let mut checked = 0;
    for op in ops.iter().filter(|o| o.writes()) {
        // Every field at its longest includes a project's external key, which only an
        // administrator gives (the policy's `NameInstanceObjects`).
        let caller = if op.method == "post" && op.path == "/api/v1/projects" {
            w.sys.clone()
        } else {
            entitled(&w, op)
        };
        let token = (op.scope() != Scope::Public).then_some(caller.token.as_str());
        let mut prepared = prepare(&w, op, &caller).await;
        let body = match &prepared.body {
            Body::Json(v) => Some(maximal(&spec, op, v)),
            Body::Upload { .. } => {
                // The longest file name kept.
                prepared.body = Body::Upload {
                    file_name: format!("{}.txt", "测".repeat(251)),
                };
                None
            }
            _ => None,
        };
        checked += 1;
        let r = request(&w.app, op, &prepared, token, body.as_ref(), None)
            .send()
            .await
            .unwrap();
        let status = r.status();
        if !status.is_success() {
            failures.push(format!(
                "{} with its longest input: {status} {}",
                op.id(),
                r.text().await.unwrap()
            ));
        }
    }
    assert!(checked >= 40, "only {checked} writes");
    assert!(failures.is_empty(), "{failures:#?}");
}
