//! Projects, members, milestones and tasks over HTTP: the role matrix, validation, the task
//! lifecycle, concurrency, lists. Runs on SQLite and (TANDEM_TEST_PG) PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use reqwest::Method;
use serde_json::{Value, json};
use tandem_testkit::{TestApp, problem, spawn_app_with};
use uuid::Uuid;

async fn body(r: reqwest::Response) -> Value {
    r.json().await.unwrap()
}

/// A project owned by `owner` with a viewer and an editor, an outsider in another project, and
/// the system administrator.
struct Fx {
    app: TestApp,
    dept: Uuid,
    sys: String,
    owner: String,
    owner_id: Uuid,
    editor: String,
    editor_id: Uuid,
    viewer: String,
    outsider: String,
    project: Uuid,
    other_project: Uuid,
    seq: std::sync::atomic::AtomicU32,
}

impl Fx {
    async fn new() -> Fx {
        Fx::with(|_| {}).await
    }

    async fn with(adjust: impl FnOnce(&mut tandem_api::config::ApiConfig)) -> Fx {
        let app = spawn_app_with(adjust).await;
        let dept = app.department("市场部").await;
        let sys = app.admin_token().await;
        let (owner_id, owner) = app.member("owner@example.com", dept).await;
        let (editor_id, editor) = app.member("editor@example.com", dept).await;
        let (viewer_id, viewer) = app.member("viewer@example.com", dept).await;
        let (_, outsider) = app.member("outsider@example.com", dept).await;
        let project = create_project(&app, &owner, dept, "新产品上市").await;
        let other_project = create_project(&app, &outsider, dept, "别的项目").await;
        for (id, role) in [(editor_id, "editor"), (viewer_id, "viewer")] {
            let r = app
                .post(
                    &format!("/projects/{project}/members"),
                    Some(&owner),
                    json!({ "user_id": id, "role": role }),
                )
                .await;
            assert_eq!(r.status(), 201);
        }
        Fx {
            app,
            dept,
            sys,
            owner,
            owner_id,
            editor,
            editor_id,
            viewer,
            outsider,
            project,
            other_project,
            seq: 0.into(),
        }
    }

    async fn task(&self, project: Uuid, token: &str, extra: Value) -> Value {
        let mut b = json!({ "title": "需求调研" });
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let r = self
            .app
            .post(&format!("/projects/{project}/tasks"), Some(token), b)
            .await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        body(r).await
    }

    /// Makes every day of `project` a working day (as its administrator).
    async fn work_every_day(&self, project: Uuid) {
        let r = self
            .app
            .req(
                Method::PUT,
                &format!("/api/v1/projects/{project}/calendar"),
                Some(&self.owner),
            )
            .json(&json!({ "work_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }

    async fn milestone(&self) -> Uuid {
        let r = self
            .app
            .post(
                &format!("/projects/{}/milestones", self.project),
                Some(&self.owner),
                json!({ "name": "研发完成", "date": "2026-12-15" }),
            )
            .await;
        assert_eq!(r.status(), 201);
        body(r).await["id"].as_str().unwrap().parse().unwrap()
    }

    /// A fresh active user (to be added as a member).
    async fn newcomer(&self) -> Uuid {
        let n = self.seq.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.app
            .member(&format!("new{n}@example.com"), self.dept)
            .await
            .0
    }

    async fn send(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> u16 {
        let mut r = self
            .app
            .req(method, path, Some(token))
            .header("If-Match", "*");
        if let Some(b) = body {
            r = r.json(&b);
        }
        r.send().await.unwrap().status().as_u16()
    }
}

async fn create_project(app: &TestApp, token: &str, dept: Uuid, name: &str) -> Uuid {
    let r = app
        .post(
            "/projects",
            Some(token),
            json!({
                "name": name,
                "goal": "三个月内完成上市",
                "department_ids": [dept],
                "start_date": "2026-11-01",
                "end_date": "2027-01-31",
                "milestones": [
                    { "name": "研发完成", "date": "2026-12-01" },
                    { "name": "生产备货", "date": "2027-01-05" },
                    { "name": "市场预热", "date": "2027-01-20", "description": "发布会" }
                ]
            }),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let v = body(r).await;
    assert_eq!(
        location,
        format!("/api/v1/projects/{}", v["id"].as_str().unwrap())
    );
    v["id"].as_str().unwrap().parse().unwrap()
}

#[derive(Debug, Clone, Copy)]
enum Op {
    GetProject,
    PatchProject,
    ArchiveProject,
    ListMembers,
    AddMember,
    PatchMember,
    RemoveMember,
    ListMilestones,
    AddMilestone,
    PatchMilestone,
    DeleteMilestone,
    ListTasks,
    CreateTask,
    GetTask,
    PatchTask,
    DeleteTask,
    ListProgress,
    PostProgressUnassigned,
    ListActivity,
    ListComments,
    CreateComment,
    ListDependencies,
    CreateDependency,
    GetBoard,
    MoveCard,
    SetWipLimits,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Need {
    View,
    Edit,
    Manage,
}

impl Op {
    const ALL: [Op; 26] = [
        Op::GetProject,
        Op::PatchProject,
        Op::ArchiveProject,
        Op::ListMembers,
        Op::AddMember,
        Op::PatchMember,
        Op::RemoveMember,
        Op::ListMilestones,
        Op::AddMilestone,
        Op::PatchMilestone,
        Op::DeleteMilestone,
        Op::ListTasks,
        Op::CreateTask,
        Op::GetTask,
        Op::PatchTask,
        Op::DeleteTask,
        Op::ListProgress,
        Op::PostProgressUnassigned,
        Op::ListActivity,
        Op::ListComments,
        Op::CreateComment,
        Op::ListDependencies,
        Op::CreateDependency,
        Op::GetBoard,
        Op::MoveCard,
        Op::SetWipLimits,
    ];

    fn need(self) -> Need {
        match self {
            Op::GetProject
            | Op::ListMembers
            | Op::ListMilestones
            | Op::ListTasks
            | Op::GetTask
            | Op::ListProgress
            | Op::ListActivity
            | Op::ListComments
            | Op::ListDependencies
            | Op::GetBoard => Need::View,
            Op::MoveCard
            | Op::CreateTask
            | Op::PatchTask
            | Op::DeleteTask
            | Op::CreateComment
            | Op::CreateDependency => Need::Edit,
            // Progress on a task nobody is assigned to: administrators only.
            Op::PostProgressUnassigned
            | Op::PatchProject
            | Op::ArchiveProject
            | Op::AddMember
            | Op::PatchMember
            | Op::RemoveMember
            | Op::AddMilestone
            | Op::PatchMilestone
            | Op::DeleteMilestone
            | Op::SetWipLimits => Need::Manage,
        }
    }

    /// Runs the operation as `token` on fresh objects of project `p` (set up by its owner).
    async fn run(self, fx: &Fx, p: Uuid, token: &str) -> u16 {
        use Method as M;
        let owner = if p == fx.project {
            &fx.owner
        } else {
            &fx.outsider
        };
        match self {
            Op::GetProject => {
                fx.send(M::GET, &format!("/projects/{p}"), token, None)
                    .await
            }
            Op::PatchProject => {
                fx.send(
                    M::PATCH,
                    &format!("/projects/{p}"),
                    token,
                    Some(json!({ "goal": "新目标" })),
                )
                .await
            }
            Op::ArchiveProject => {
                let s = fx
                    .send(M::DELETE, &format!("/projects/{p}"), token, None)
                    .await;
                if s == 204 {
                    // Restore for the next role.
                    let r = fx
                        .send(
                            M::PATCH,
                            &format!("/projects/{p}"),
                            owner,
                            Some(json!({ "status": "active" })),
                        )
                        .await;
                    assert_eq!(r, 200);
                }
                s
            }
            Op::ListMembers => {
                fx.send(M::GET, &format!("/projects/{p}/members"), token, None)
                    .await
            }
            Op::AddMember => {
                let u = fx.newcomer().await;
                fx.send(
                    M::POST,
                    &format!("/projects/{p}/members"),
                    token,
                    Some(json!({ "user_id": u, "role": "viewer" })),
                )
                .await
            }
            Op::PatchMember | Op::RemoveMember => {
                let u = fx.newcomer().await;
                let added = fx
                    .send(
                        M::POST,
                        &format!("/projects/{p}/members"),
                        owner,
                        Some(json!({ "user_id": u, "role": "viewer" })),
                    )
                    .await;
                assert_eq!(added, 201);
                let path = format!("/projects/{p}/members/{u}");
                if matches!(self, Op::PatchMember) {
                    fx.send(M::PATCH, &path, token, Some(json!({ "role": "editor" })))
                        .await
                } else {
                    fx.send(M::DELETE, &path, token, None).await
                }
            }
            Op::ListMilestones => {
                fx.send(M::GET, &format!("/projects/{p}/milestones"), token, None)
                    .await
            }
            Op::AddMilestone => {
                fx.send(
                    M::POST,
                    &format!("/projects/{p}/milestones"),
                    token,
                    Some(json!({ "name": "验收", "date": "2027-01-30" })),
                )
                .await
            }
            Op::PatchMilestone | Op::DeleteMilestone => {
                let r = fx
                    .app
                    .post(
                        &format!("/projects/{p}/milestones"),
                        Some(owner),
                        json!({ "name": "验收", "date": "2027-01-30" }),
                    )
                    .await;
                let m = body(r).await["id"].as_str().unwrap().to_owned();
                if matches!(self, Op::PatchMilestone) {
                    fx.send(
                        M::PATCH,
                        &format!("/milestones/{m}"),
                        token,
                        Some(json!({ "name": "终验" })),
                    )
                    .await
                } else {
                    fx.send(M::DELETE, &format!("/milestones/{m}"), token, None)
                        .await
                }
            }
            Op::ListTasks => {
                fx.send(M::GET, &format!("/projects/{p}/tasks"), token, None)
                    .await
            }
            Op::GetBoard => {
                fx.send(M::GET, &format!("/projects/{p}/board"), token, None)
                    .await
            }
            Op::SetWipLimits => {
                fx.send(
                    M::PUT,
                    &format!("/projects/{p}/board/limits"),
                    token,
                    Some(json!({ "limits": [{ "status": "in_progress", "limit": 3 }] })),
                )
                .await
            }
            Op::CreateTask => {
                fx.send(
                    M::POST,
                    &format!("/projects/{p}/tasks"),
                    token,
                    Some(json!({ "title": "原型设计" })),
                )
                .await
            }
            Op::GetTask
            | Op::PatchTask
            | Op::DeleteTask
            | Op::ListProgress
            | Op::PostProgressUnassigned
            | Op::ListActivity
            | Op::ListComments
            | Op::CreateComment
            | Op::ListDependencies
            | Op::CreateDependency
            | Op::MoveCard => {
                let t = fx.task(p, owner, json!({})).await["id"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                let (m, path, b) = match self {
                    Op::GetTask => (M::GET, format!("/tasks/{t}"), None),
                    Op::PatchTask => (
                        M::PATCH,
                        format!("/tasks/{t}"),
                        Some(json!({ "priority": "high" })),
                    ),
                    Op::DeleteTask => (M::DELETE, format!("/tasks/{t}"), None),
                    Op::MoveCard => (
                        M::POST,
                        format!("/tasks/{t}/move"),
                        Some(json!({ "status": "in_progress" })),
                    ),
                    Op::ListProgress => (M::GET, format!("/tasks/{t}/progress"), None),
                    Op::PostProgressUnassigned => (
                        M::POST,
                        format!("/tasks/{t}/progress"),
                        Some(json!({ "percent": 30, "note": "进行中" })),
                    ),
                    Op::ListComments => (M::GET, format!("/tasks/{t}/comments"), None),
                    Op::CreateComment => (
                        M::POST,
                        format!("/tasks/{t}/comments"),
                        Some(json!({ "body": "收到" })),
                    ),
                    Op::ListDependencies => (M::GET, format!("/tasks/{t}/dependencies"), None),
                    Op::CreateDependency => {
                        let other = fx.task(p, owner, json!({})).await;
                        (
                            M::POST,
                            format!("/tasks/{t}/dependencies"),
                            Some(json!({ "depends_on": other["id"] })),
                        )
                    }
                    _ => (M::GET, format!("/tasks/{t}/activity"), None),
                };
                fx.send(m, &path, token, b).await
            }
        }
    }
}

#[tokio::test]
async fn the_role_matrix_for_every_project_and_task_endpoint() {
    let fx = Fx::new().await;
    let roles = [
        ("non-member", fx.outsider.clone()),
        ("viewer", fx.viewer.clone()),
        ("editor", fx.editor.clone()),
        ("admin", fx.owner.clone()),
        ("system admin", fx.sys.clone()),
    ];
    let mut failures = Vec::new();
    for op in Op::ALL {
        for (role, token) in &roles {
            let status = op.run(&fx, fx.project, token).await;
            let allowed = match (*role, op.need()) {
                ("non-member", _) => false,
                ("viewer", n) => n == Need::View,
                ("editor", n) => n != Need::Manage,
                _ => true,
            };
            let ok = if allowed {
                (200..300).contains(&status)
            } else if *role == "non-member" {
                status == 404
            } else {
                status == 403
            };
            if !ok {
                failures.push(format!("{op:?} as {role}: {status}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn objects_of_other_projects_are_invisible() {
    let fx = Fx::new().await;
    // The owner of project A knows the ids of project B's objects: all 404, reads and writes.
    for op in Op::ALL {
        let status = op.run(&fx, fx.other_project, &fx.owner).await;
        assert_eq!(status, 404, "{op:?}");
    }
    // Referencing another project's objects from inside one's own is a validation error.
    let foreign = fx.task(fx.other_project, &fx.outsider, json!({})).await;
    let r = fx
        .app
        .post(
            &format!("/projects/{}/tasks", fx.project),
            Some(&fx.owner),
            json!({ "title": "子任务", "parent_id": foreign["id"] }),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(problem(r).await["errors"][0]["field"], "parent_id");
}

#[tokio::test]
async fn creating_a_project_validates_every_field() {
    let fx = Fx::new().await;
    let base = json!({
        "name": "上市", "department_ids": [fx.dept],
        "start_date": "2026-11-01", "end_date": "2026-12-31"
    });
    let with = |patch: Value| {
        let mut b = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                b.as_object_mut().unwrap().remove(k);
            } else {
                b[k] = v.clone();
            }
        }
        b
    };
    let cases = [
        (json!({ "name": "  " }), "name", "required"),
        (json!({ "name": "x".repeat(201) }), "name", "length"),
        (json!({ "department_ids": [] }), "department_ids", "length"),
        (
            json!({ "department_ids": [Uuid::now_v7()] }),
            "department_ids",
            "not_found",
        ),
        (
            json!({ "end_date": "2026-10-01" }),
            "end_date",
            "before_start",
        ),
        (
            json!({ "time_zone": "Mars/Olympus" }),
            "time_zone",
            "invalid",
        ),
        (
            json!({ "milestones": [{ "name": "晚了", "date": "2027-03-01" }] }),
            "milestones[0].date",
            "out_of_period",
        ),
    ];
    for (patch, field, code) in cases {
        let r = fx
            .app
            .post("/projects", Some(&fx.owner), with(patch.clone()))
            .await;
        assert_eq!(r.status(), 422, "{patch}");
        let p = problem(r).await;
        assert!(
            p["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field && e["code"] == code),
            "{patch}: {p}"
        );
    }
    for (patch, status) in [
        (json!({ "start_date": "2026-13-01" }), 422),
        (json!({ "start_date": null }), 422),
        (json!({ "owner": "me" }), 422),
    ] {
        let r = fx
            .app
            .post("/projects", Some(&fx.owner), with(patch.clone()))
            .await;
        assert_eq!(r.status(), status, "{patch}");
    }
    let r = fx.app.post("/projects", None, base.clone()).await;
    assert_eq!(r.status(), 401);
    // The creator is the administrator; the figures start at zero.
    let v = body(fx.app.post("/projects", Some(&fx.editor), base).await).await;
    assert_eq!(v["my_role"], "admin");
    assert_eq!(v["tasks_total"], 0);
    assert_eq!(v["time_zone"], "Asia/Shanghai");
}

#[tokio::test]
async fn the_last_administrator_stays() {
    let fx = Fx::new().await;
    let path = format!("/projects/{}/members/{}", fx.project, fx.owner_id);
    let r = fx
        .app
        .patch(&path, &fx.owner, json!({ "role": "editor" }))
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(problem(r).await["code"], "last_admin");
    let r = fx.app.delete(&path, &fx.owner).await;
    assert_eq!(r.status(), 409);
    // With a second administrator, the first may step down.
    let r = fx
        .app
        .patch(
            &format!("/projects/{}/members/{}", fx.project, fx.editor_id),
            &fx.owner,
            json!({ "role": "admin" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = fx
        .app
        .patch(&path, &fx.owner, json!({ "role": "viewer" }))
        .await;
    assert_eq!(r.status(), 200);
    // Adding someone twice, or someone who is not an active user, is refused.
    let r = fx
        .app
        .post(
            &format!("/projects/{}/members", fx.project),
            Some(&fx.editor),
            json!({ "user_id": fx.editor_id, "role": "viewer" }),
        )
        .await;
    assert_eq!(r.status(), 409);
    let r = fx
        .app
        .post(
            &format!("/projects/{}/members", fx.project),
            Some(&fx.editor),
            json!({ "user_id": Uuid::now_v7(), "role": "viewer" }),
        )
        .await;
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn archived_projects_are_read_only_until_restored() {
    let fx = Fx::new().await;
    let t = fx.task(fx.project, &fx.owner, json!({})).await;
    let r = fx
        .app
        .delete(&format!("/projects/{}", fx.project), &fx.owner)
        .await;
    assert_eq!(r.status(), 204);
    let r = fx
        .app
        .get(&format!("/tasks/{}", t["id"].as_str().unwrap()), &fx.viewer)
        .await;
    assert_eq!(r.status(), 200);
    let r = fx
        .app
        .post(
            &format!("/projects/{}/tasks", fx.project),
            Some(&fx.editor),
            json!({ "title": "x" }),
        )
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(problem(r).await["code"], "project_archived");
    let r = fx
        .app
        .patch(
            &format!("/projects/{}", fx.project),
            &fx.owner,
            json!({ "goal": "x" }),
        )
        .await;
    assert_eq!(r.status(), 409);
    // Only an administrator restores, and then work goes on.
    let r = fx
        .app
        .patch(
            &format!("/projects/{}", fx.project),
            &fx.editor,
            json!({ "status": "active" }),
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = fx
        .app
        .patch(
            &format!("/projects/{}", fx.project),
            &fx.owner,
            json!({ "status": "active" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await["status"], "active");
    let archived: Value = body(fx.app.get("/projects?status=archived", &fx.owner).await).await;
    assert_eq!(archived["items"].as_array().unwrap().len(), 0);
}

async fn patch_task(
    fx: &Fx,
    id: &str,
    token: &str,
    etag: Option<&str>,
    b: Value,
) -> reqwest::Response {
    let mut r = fx
        .app
        .req(Method::PATCH, &format!("/tasks/{id}"), Some(token))
        .json(&b);
    if let Some(e) = etag {
        r = r.header("If-Match", e);
    }
    r.send().await.unwrap()
}

async fn etag(fx: &Fx, id: &str) -> String {
    let r = fx.app.get(&format!("/tasks/{id}"), &fx.owner).await;
    r.headers()["etag"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_task_lifecycle_and_concurrent_edits() {
    let fx = Fx::new().await;
    let t = fx
        .task(
            fx.project,
            &fx.editor,
            json!({ "assignee_id": fx.editor_id }),
        )
        .await;
    let id = t["id"].as_str().unwrap();
    assert_eq!(t["status"], "todo");
    assert_eq!(t["priority"], "medium");
    // T10: no If-Match → 428; a stale one → 412.
    let r = patch_task(
        &fx,
        id,
        &fx.editor,
        None,
        json!({ "status": "in_progress" }),
    )
    .await;
    assert_eq!(r.status(), 428);
    let first = etag(&fx, id).await;
    let r = patch_task(
        &fx,
        id,
        &fx.editor,
        Some(&first),
        json!({ "status": "in_progress" }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = patch_task(&fx, id, &fx.owner, Some(&first), json!({ "title": "覆盖" })).await;
    assert_eq!(r.status(), 412);
    // Transitions that make no sense are 409.
    for (to, status) in [
        ("archived", 409),
        ("in_review", 200),
        ("todo", 409),
        ("done", 200),
        ("archived", 200),
        ("done", 200),
        ("in_progress", 200),
    ] {
        let e = etag(&fx, id).await;
        let r = patch_task(&fx, id, &fx.editor, Some(&e), json!({ "status": to })).await;
        assert_eq!(r.status(), status, "→ {to}");
        if status == 409 {
            assert_eq!(problem(r).await["code"], "invalid_transition");
        }
    }
    // T9: every change is in the activity log.
    let log = body(
        fx.app
            .get(&format!("/tasks/{id}/activity"), &fx.viewer)
            .await,
    )
    .await;
    let fields: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields[0], "created");
    assert_eq!(fields.iter().filter(|f| **f == "status").count(), 6);
    let last = log["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["old_value"], "done");
    assert_eq!(last["new_value"], "in_progress");
    assert!(last["new_label"].is_null(), "plain values have no label");
    // Values naming someone come with their name.
    let e = etag(&fx, id).await;
    let r = patch_task(
        &fx,
        id,
        &fx.owner,
        Some(&e),
        json!({ "assignee_id": fx.owner_id }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let me = body(fx.app.get("/me", &fx.owner).await).await;
    let log = body(
        fx.app
            .get(&format!("/tasks/{id}/activity?limit=100"), &fx.viewer)
            .await,
    )
    .await;
    let last = log["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["field"], "assignee_id");
    assert_eq!(last["new_label"], me["name"]);
    assert_eq!(last["actor_name"], me["name"]);
    assert!(last["old_label"].is_string());
}

#[tokio::test]
async fn retried_creates_make_exactly_one_task() {
    let fx = Fx::new().await;
    let path = format!("/projects/{}/tasks", fx.project);
    let mut ids = Vec::new();
    for _ in 0..3 {
        let r = fx
            .app
            .req(Method::POST, &path, Some(&fx.editor))
            .header("Idempotency-Key", "ci-run-42")
            .json(&json!({ "title": "生产排期" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        ids.push(body(r).await["id"].clone());
    }
    assert!(ids.windows(2).all(|w| w[0] == w[1]));
    let list = body(fx.app.get(&path, &fx.editor).await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn task_validation() {
    let fx = Fx::new().await;
    let (outsider_id, _) = fx.app.member("nobody@example.com", fx.dept).await;
    let parent = fx.task(fx.project, &fx.owner, json!({})).await;
    let child = fx
        .task(fx.project, &fx.owner, json!({ "parent_id": parent["id"] }))
        .await;
    let path = format!("/projects/{}/tasks", fx.project);
    let cases = [
        (json!({ "title": " " }), "title", "required"),
        (json!({ "title": "x".repeat(301) }), "title", "length"),
        (
            json!({ "title": "x", "assignee_id": outsider_id }),
            "assignee_id",
            "not_member",
        ),
        (
            json!({ "title": "x", "milestone_id": Uuid::now_v7() }),
            "milestone_id",
            "not_found",
        ),
        (
            json!({ "title": "x", "parent_id": child["id"] }),
            "parent_id",
            "nested_subtask",
        ),
        (
            json!({ "title": "x", "start_date": "2026-12-10", "due_date": "2026-12-01" }),
            "due_date",
            "before_start",
        ),
        (
            json!({ "title": "x", "estimate_hours": -1 }),
            "estimate_hours",
            "range",
        ),
    ];
    for (b, field, code) in cases {
        let r = fx.app.post(&path, Some(&fx.owner), b.clone()).await;
        assert_eq!(r.status(), 422, "{b}");
        let p = problem(r).await;
        assert_eq!(p["errors"][0]["field"], field, "{b}: {p}");
        assert_eq!(p["errors"][0]["code"], code, "{b}: {p}");
    }
    for b in [
        json!({}),
        json!({ "title": "x", "priority": "urgent" }),
        json!({ "title": "x", "status": "done" }),
    ] {
        let r = fx.app.post(&path, Some(&fx.owner), b.clone()).await;
        assert_eq!(r.status(), 422, "{b}");
    }
    // A task with sub-tasks cannot become a sub-task itself.
    let other = fx.task(fx.project, &fx.owner, json!({})).await;
    let e = etag(&fx, parent["id"].as_str().unwrap()).await;
    let r = patch_task(
        &fx,
        parent["id"].as_str().unwrap(),
        &fx.owner,
        Some(&e),
        json!({ "parent_id": other["id"] }),
    )
    .await;
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn progress_rolls_up_and_is_kept() {
    let fx = Fx::new().await;
    let parent = fx
        .task(
            fx.project,
            &fx.owner,
            json!({ "assignee_id": fx.editor_id }),
        )
        .await;
    let pid = parent["id"].as_str().unwrap();
    // T3: the assignee posts progress; history is kept and the latest percent is on the task.
    for (pct, note) in [(20, "调研问卷已发出"), (60, "回收 120 份")] {
        let r = fx
            .app
            .post(
                &format!("/tasks/{pid}/progress"),
                Some(&fx.editor),
                json!({ "percent": pct, "note": note }),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    for bad in [
        json!({ "percent": 101 }),
        json!({ "percent": -1 }),
        json!({ "note": "x" }),
    ] {
        let r = fx
            .app
            .post(
                &format!("/tasks/{pid}/progress"),
                Some(&fx.editor),
                bad.clone(),
            )
            .await;
        assert_eq!(r.status(), 422, "{bad}");
    }
    let t = body(fx.app.get(&format!("/tasks/{pid}"), &fx.viewer).await).await;
    assert_eq!(t["progress"], 60);
    let history = body(
        fx.app
            .get(&format!("/tasks/{pid}/progress"), &fx.viewer)
            .await,
    )
    .await;
    assert_eq!(history["items"].as_array().unwrap().len(), 2);
    assert_eq!(history["items"][0]["note"], "调研问卷已发出");
    // Sub-tasks roll up into the parent.
    for _ in 0..3 {
        fx.task(fx.project, &fx.owner, json!({ "parent_id": pid }))
            .await;
    }
    let subs = body(
        fx.app
            .get(
                &format!("/projects/{}/tasks?parent_id={pid}", fx.project),
                &fx.owner,
            )
            .await,
    )
    .await;
    let sub = subs["items"][0]["id"].as_str().unwrap().to_owned();
    for s in ["in_progress", "done"] {
        let e = etag(&fx, &sub).await;
        assert_eq!(
            patch_task(&fx, &sub, &fx.owner, Some(&e), json!({ "status": s }))
                .await
                .status(),
            200
        );
    }
    let t = body(fx.app.get(&format!("/tasks/{pid}"), &fx.viewer).await).await;
    assert_eq!(
        (t["subtasks_total"].as_i64(), t["subtasks_done"].as_i64()),
        (Some(3), Some(1))
    );
}

#[tokio::test]
async fn lists_filter_sort_and_page() {
    let fx = Fx::new().await;
    let m = fx.milestone().await;
    let p = fx.project;
    fx.task(p, &fx.owner, json!({ "title": "需求调研", "priority": "high", "due_date": "2020-01-01", "assignee_id": fx.editor_id })).await;
    fx.task(p, &fx.owner, json!({ "title": "原型设计", "priority": "low", "due_date": "2099-01-01", "milestone_id": m, "description": "高保真**原型**" })).await;
    fx.task(
        p,
        &fx.owner,
        json!({ "title": "生产排期", "priority": "medium" }),
    )
    .await;
    let titles = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let list = |q: &str| {
        let path = format!("/projects/{p}/tasks?{q}");
        let app = &fx.app;
        let token = fx.viewer.clone();
        async move { body(app.get(&path, &token).await).await }
    };
    assert_eq!(
        titles(&list("").await),
        ["生产排期", "原型设计", "需求调研"]
    );
    assert_eq!(
        titles(&list("sort=due").await),
        ["需求调研", "原型设计", "生产排期"]
    );
    assert_eq!(
        titles(&list("sort=priority").await),
        ["需求调研", "生产排期", "原型设计"]
    );
    assert_eq!(titles(&list("overdue=true").await), ["需求调研"]);
    let overdue = list("overdue=true").await;
    assert_eq!(overdue["items"][0]["overdue"], true);
    assert_eq!(titles(&list("priority=low").await), ["原型设计"]);
    assert_eq!(
        titles(&list(&format!("milestone_id={m}")).await),
        ["原型设计"]
    );
    assert_eq!(
        titles(&list(&format!("assignee_id={}", fx.editor_id)).await),
        ["需求调研"]
    );
    assert_eq!(
        titles(&list(&format!("department_id={}", fx.dept)).await),
        ["需求调研"]
    );
    assert_eq!(
        titles(&list(&format!("q={}", urlencode("原型"))).await),
        ["原型设计"]
    );
    assert_eq!(
        titles(&list(&format!("q={}", urlencode("高保真"))).await),
        ["原型设计"]
    );
    assert_eq!(titles(&list("due_before=2021-01-01").await), ["需求调研"]);
    assert_eq!(titles(&list("due_after=2021-01-01").await), ["原型设计"]);
    assert_eq!(titles(&list("status=done").await), Vec::<String>::new());
    for bad in [
        "sort=random",
        "overdue=maybe",
        "status=finished",
        "limit=0",
        "limit=201",
        "cursor=nope",
        "due_before=yesterday",
    ] {
        let r = fx
            .app
            .get(&format!("/projects/{p}/tasks?{bad}"), &fx.viewer)
            .await;
        assert!(
            matches!(r.status().as_u16(), 400 | 422),
            "{bad}: {}",
            r.status()
        );
    }
    // The project center's figures.
    let center = body(
        fx.app
            .get(&format!("/projects?department_id={}", fx.dept), &fx.viewer)
            .await,
    )
    .await;
    let proj = &center["items"][0];
    assert_eq!(proj["id"], p.to_string());
    assert_eq!(
        (
            proj["tasks_total"].as_i64(),
            proj["tasks_done"].as_i64(),
            proj["tasks_overdue"].as_i64()
        ),
        (Some(3), Some(0), Some(1))
    );
    assert_eq!(proj["next_milestone"]["name"], "研发完成");
    assert_eq!(proj["my_role"], "viewer");
    let none = body(
        fx.app
            .get(
                &format!("/projects?department_id={}", Uuid::now_v7()),
                &fx.viewer,
            )
            .await,
    )
    .await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
    // Only system administrators may list every project.
    assert_eq!(
        fx.app.get("/projects?scope=all", &fx.viewer).await.status(),
        403
    );
    let all = body(fx.app.get("/projects?scope=all", &fx.sys).await).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);

    // /me/tasks: what is assigned to me, across projects.
    let mine = body(fx.app.get("/me/tasks", &fx.editor).await).await;
    assert_eq!(titles(&mine), ["需求调研"]);
    assert_eq!(mine["items"][0]["overdue"], true);
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn paging_stays_correct_while_tasks_are_created() {
    let fx = Fx::new().await;
    let p = fx.project;
    let mut originals = Vec::new();
    for i in 0..7 {
        let t = fx.task(p, &fx.owner, json!({ "title": format!("任务 {i}"), "due_date": format!("2026-12-{:02}", 10 - i % 3) })).await;
        originals.push(t["id"].as_str().unwrap().to_owned());
    }
    for sort in ["created", "due", "priority", "updated"] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut added = 0;
        loop {
            let q = match &cursor {
                Some(c) => format!("/projects/{p}/tasks?sort={sort}&limit=3&cursor={c}"),
                None => format!("/projects/{p}/tasks?sort={sort}&limit=3"),
            };
            let page = body(fx.app.get(&q, &fx.viewer).await).await;
            for t in page["items"].as_array().unwrap() {
                seen.push(t["id"].as_str().unwrap().to_owned());
            }
            // Someone adds a task between pages.
            fx.task(p, &fx.editor, json!({ "title": "插队" })).await;
            added += 1;
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "{sort}: a task came twice");
        // Every task that existed before paging began is on some page, whatever was added.
        for id in &originals {
            assert!(
                seen.contains(id),
                "{sort}: {id} never seen ({} seen, {added} added)",
                seen.len()
            );
        }
    }
}

#[tokio::test]
async fn dependencies_across_projects_block_until_done_and_refuse_cycles() {
    let fx = Fx::new().await;
    // The owner also works in the other project.
    let r = fx
        .app
        .post(
            &format!("/projects/{}/members", fx.other_project),
            Some(&fx.outsider),
            json!({ "user_id": fx.owner_id, "role": "editor" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let here = fx
        .task(fx.project, &fx.owner, json!({ "title": "生产排期" }))
        .await;
    let there = fx
        .task(
            fx.other_project,
            &fx.outsider,
            json!({ "title": "原型设计" }),
        )
        .await;
    let (h, t) = (here["id"].as_str().unwrap(), there["id"].as_str().unwrap());
    let add = |from: &str, to: &str, token: &str| {
        let path = format!("/tasks/{from}/dependencies");
        let b = json!({ "depends_on": to });
        let token = token.to_owned();
        let app = &fx.app;
        async move { app.post(&path, Some(&token), b).await }
    };
    let r = add(h, t, &fx.owner).await;
    assert_eq!(r.status(), 201);
    assert_eq!(body(r).await["blocking"], true);
    let task = body(fx.app.get(&format!("/tasks/{h}"), &fx.viewer).await).await;
    assert_eq!(task["blocked"], true);
    // The viewer sees that it is blocked, but not the other project's task.
    let deps = body(
        fx.app
            .get(&format!("/tasks/{h}/dependencies"), &fx.viewer)
            .await,
    )
    .await;
    assert_eq!(deps["items"][0]["depends_on_id"], t);
    assert!(deps["items"][0]["depends_on"].is_null());
    let deps = body(
        fx.app
            .get(&format!("/tasks/{h}/dependencies"), &fx.owner)
            .await,
    )
    .await;
    assert_eq!(deps["items"][0]["depends_on"]["title"], "原型设计");
    // The activity log names the predecessor for those who may see it, and only for them.
    let added = |v: &Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["field"] == "dependency_added")
            .cloned()
            .unwrap()
    };
    let log = body(fx.app.get(&format!("/tasks/{h}/activity"), &fx.owner).await).await;
    let a = added(&log);
    assert_eq!(a["new_value"], t);
    assert_eq!(a["new_label"], "原型设计");
    assert!(a["actor_name"].is_string());
    let log = body(
        fx.app
            .get(&format!("/tasks/{h}/activity"), &fx.viewer)
            .await,
    )
    .await;
    assert!(added(&log)["new_label"].is_null());
    // Cycles, self-dependencies and duplicates are conflicts; invisible tasks do not exist.
    assert_eq!(add(t, h, &fx.owner).await.status(), 409);
    let r = add(h, h, &fx.owner).await;
    assert_eq!(problem(r).await["code"], "dependency_cycle");
    assert_eq!(add(h, t, &fx.owner).await.status(), 409);
    let secret = fx.task(fx.other_project, &fx.outsider, json!({})).await;
    let r = add(h, secret["id"].as_str().unwrap(), &fx.editor).await;
    assert_eq!(r.status(), 422);
    // Done predecessor: no longer blocked.
    for s in ["in_progress", "done"] {
        let e = fx
            .app
            .get(&format!("/tasks/{t}"), &fx.outsider)
            .await
            .headers()["etag"]
            .to_str()
            .unwrap()
            .to_owned();
        let r = fx
            .app
            .req(Method::PATCH, &format!("/tasks/{t}"), Some(&fx.outsider))
            .header("If-Match", e)
            .json(&json!({ "status": s }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let task = body(fx.app.get(&format!("/tasks/{h}"), &fx.viewer).await).await;
    assert_eq!(task["blocked"], false);
    // Removing it is logged.
    let r = fx
        .app
        .delete(&format!("/tasks/{h}/dependencies/{t}"), &fx.editor)
        .await;
    assert_eq!(r.status(), 204);
    let r = fx
        .app
        .delete(&format!("/tasks/{h}/dependencies/{t}"), &fx.editor)
        .await;
    assert_eq!(r.status(), 404);
    let log = body(
        fx.app
            .get(&format!("/tasks/{h}/activity"), &fx.viewer)
            .await,
    )
    .await;
    let fields: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["created", "dependency_added", "dependency_removed"]
    );
}

#[tokio::test]
async fn comments_render_safely_and_mentions_notify() {
    let fx = Fx::new().await;
    // Give the editor a distinctive name to mention.
    let r = fx
        .app
        .patch("/me", &fx.editor, json!({ "name": "李雷" }))
        .await;
    assert_eq!(r.status(), 200);
    let t = fx
        .task(
            fx.project,
            &fx.owner,
            json!({ "description": "**重点** <script>alert(1)</script>" }),
        )
        .await;
    assert!(
        t["description_html"]
            .as_str()
            .unwrap()
            .contains("<strong>重点</strong>")
    );
    assert!(!t["description_html"].as_str().unwrap().contains("<script"));
    let id = t["id"].as_str().unwrap();
    let path = format!("/tasks/{id}/comments");
    let r = fx
        .app
        .post(
            &path,
            Some(&fx.owner),
            json!({ "body": "@李雷 请看一下 <img src=x onerror=alert(1)>" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let c = body(r).await;
    assert!(!c["body_html"].as_str().unwrap().contains("onerror"));
    assert_eq!(c["mentions"][0], fx.editor_id.to_string());
    // The mentioned member is notified; the author is not.
    let n = body(fx.app.get("/me/notifications", &fx.editor).await).await;
    let items = n["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|n| n["kind"] == "comment.mention" && n["data"]["task_id"] == id),
        "{n}"
    );
    let n = body(fx.app.get("/me/notifications", &fx.owner).await).await;
    assert!(
        !n["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "comment.mention")
    );
    // Validation.
    for bad in [
        json!({ "body": "  " }),
        json!({ "body": "x".repeat(10001) }),
        json!({}),
        json!({ "body": "x", "pinned": true }),
    ] {
        let r = fx.app.post(&path, Some(&fx.owner), bad.clone()).await;
        assert_eq!(r.status(), 422, "{bad}");
    }
    // Own comments are edited by their author only; administrators may delete any.
    let cid = c["id"].as_str().unwrap();
    let r = fx
        .app
        .patch(
            &format!("/comments/{cid}"),
            &fx.editor,
            json!({ "body": "改" }),
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = fx
        .app
        .patch(
            &format!("/comments/{cid}"),
            &fx.owner,
            json!({ "body": "已更新" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await["edited"], true);
    let mine = body(
        fx.app
            .post(&path, Some(&fx.editor), json!({ "body": "好的" }))
            .await,
    )
    .await;
    let mid = mine["id"].as_str().unwrap();
    assert_eq!(
        fx.app
            .delete(&format!("/comments/{cid}"), &fx.editor)
            .await
            .status(),
        403
    );
    assert_eq!(
        fx.app
            .delete(&format!("/comments/{mid}"), &fx.owner)
            .await
            .status(),
        204
    );
    assert_eq!(
        fx.app
            .delete(&format!("/comments/{cid}"), &fx.outsider)
            .await
            .status(),
        404
    );
    let list = body(fx.app.get(&path, &fx.viewer).await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    // The preview renders like the server stores.
    let r = fx
        .app
        .post(
            "/markdown",
            Some(&fx.viewer),
            json!({ "text": "*a* <script>x</script>" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = body(r).await["html"].as_str().unwrap().to_owned();
    assert!(html.contains("<em>a</em>") && !html.contains("<script"));
    assert_eq!(
        fx.app
            .post("/markdown", None, json!({ "text": "x" }))
            .await
            .status(),
        401
    );
}

fn form(name: &str, bytes: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
    )
}

async fn upload(
    fx: &Fx,
    task: &str,
    token: &str,
    form: reqwest::multipart::Form,
) -> reqwest::Response {
    fx.app
        .req(
            Method::POST,
            &format!("/tasks/{task}/attachments"),
            Some(token),
        )
        .multipart(form)
        .send()
        .await
        .unwrap()
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0";

#[tokio::test]
async fn attachments_are_stored_hashed_and_downloaded_as_attachments() {
    let scratch = tandem_testkit::Scratch::new("files");
    let files = scratch.path().join("store");
    let dir = files.clone();
    let fx = Fx::with(move |c| {
        c.files_dir = dir;
        c.max_upload_bytes = 64 * 1024;
    })
    .await;
    let t = fx
        .task(
            fx.project,
            &fx.owner,
            json!({ "assignee_id": fx.editor_id }),
        )
        .await;
    let tid = t["id"].as_str().unwrap();
    let r = upload(
        &fx,
        tid,
        &fx.editor,
        form("../../etc/报告.png", PNG.to_vec()),
    )
    .await;
    assert_eq!(r.status(), 201);
    let a = body(r).await;
    assert_eq!(a["name"], "报告.png");
    assert_eq!(a["content_type"], "image/png");
    assert_eq!(a["size"], PNG.len());
    assert_eq!(a["sha256"], hex_sha(PNG));
    assert_eq!(a["can_edit"], true);
    let aid = a["id"].as_str().unwrap().to_owned();
    // Downloads: the same bytes, as an attachment, never sniffed or rendered.
    let r = fx.app.get(&format!("/attachments/{aid}"), &fx.viewer).await;
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .contains("filename*=UTF-8''%E6%8A%A5")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), PNG);
    // A page or a script is never stored as one.
    let html = b"<html><script>alert(1)</script></html>".to_vec();
    let r = upload(&fx, tid, &fx.editor, form("x.html", html)).await;
    let h = body(r).await;
    assert!(!h["content_type"].as_str().unwrap().contains("html"), "{h}");
    // Too large: 413 while streaming, and nothing stays on disk.
    let before = count_files(&files);
    let r = upload(&fx, tid, &fx.editor, form("big.bin", vec![7u8; 100 * 1024])).await;
    assert_eq!(r.status(), 413);
    assert_eq!(count_files(&files), before);
    // Bad forms.
    let r = fx
        .app
        .req(
            Method::POST,
            &format!("/tasks/{tid}/attachments"),
            Some(&fx.editor),
        )
        .json(&json!({ "file": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let empty = reqwest::multipart::Form::new().text("permission", "project");
    assert_eq!(upload(&fx, tid, &fx.editor, empty).await.status(), 422);
    assert_eq!(
        upload(&fx, tid, &fx.editor, form("e.txt", vec![]))
            .await
            .status(),
        422
    );
    let odd = form("a.txt", b"a".to_vec()).text("owner", "me");
    assert_eq!(upload(&fx, tid, &fx.editor, odd).await.status(), 422);
    let odd = form("a.txt", b"a".to_vec()).text("permission", "everyone");
    assert_eq!(upload(&fx, tid, &fx.editor, odd).await.status(), 422);
    assert_eq!(count_files(&files), before);
    // Roles: viewers cannot upload; outsiders see nothing.
    assert_eq!(
        upload(&fx, tid, &fx.viewer, form("v.txt", b"v".to_vec()))
            .await
            .status(),
        403
    );
    assert_eq!(
        upload(&fx, tid, &fx.outsider, form("o.txt", b"o".to_vec()))
            .await
            .status(),
        404
    );
    assert_eq!(
        fx.app
            .get(&format!("/attachments/{aid}"), &fx.outsider)
            .await
            .status(),
        404
    );
    assert_eq!(
        fx.app
            .get(&format!("/tasks/{tid}/attachments"), &fx.outsider)
            .await
            .status(),
        404
    );
    // Deleting the task removes its files too.
    assert!(count_files(&files) > 0);
    assert_eq!(
        fx.app
            .delete(&format!("/tasks/{tid}"), &fx.owner)
            .await
            .status(),
        204
    );
    // Removed by the jobs queued with the deletion.
    fx.app.run_due_jobs().await;
    assert_eq!(count_files(&files), 0);
}

fn hex_sha(b: &[u8]) -> String {
    use std::fmt::Write;
    let d = <sha2::Sha256 as sha2::Digest>::digest(b);
    d.iter().fold(String::new(), |mut s, x| {
        let _ = write!(s, "{x:02x}");
        s
    })
}

fn count_files(dir: &std::path::Path) -> usize {
    fn walk(p: &std::path::Path) -> usize {
        std::fs::read_dir(p)
            .map(|rd| {
                rd.flatten()
                    .map(|e| {
                        if e.path().is_dir() {
                            walk(&e.path())
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(dir)
}

#[tokio::test]
async fn attachment_versions_and_permissions() {
    let fx = Fx::new().await;
    let (helper_id, helper) = second_editor(&fx).await;
    let t = fx
        .task(
            fx.project,
            &fx.owner,
            json!({ "assignee_id": fx.editor_id }),
        )
        .await;
    let tid = t["id"].as_str().unwrap();
    // Only the assignee (and administrators) may replace an assignee_only file.
    let f = form("方案.txt", b"v1".to_vec()).text("permission", "assignee_only");
    let a = body(upload(&fx, tid, &fx.editor, f).await).await;
    let aid = a["id"].as_str().unwrap().to_owned();
    assert_eq!(a["permission"], "assignee_only");
    let new_version = |token: String, bytes: &'static [u8]| {
        let app = &fx.app;
        let path = format!("/attachments/{aid}/versions");
        async move {
            app.req(Method::POST, &path, Some(&token))
                .multipart(form("方案.txt", bytes.to_vec()))
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(new_version(helper.clone(), b"x").await.status(), 403);
    // …nor delete the task holding it (the file would go with the task).
    let r = fx.app.delete(&format!("/tasks/{tid}"), &helper).await;
    assert_eq!(r.status(), 403);
    assert_eq!(problem(r).await["code"], "attachments_protected");
    // Nothing changed: the task, its attachment and its version are all still there.
    {
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        use tandem_db::entities::{
            file_versions as attachment_versions, files as attachments, tasks,
        };
        let task_id: Uuid = tid.parse().unwrap();
        assert!(
            tasks::Entity::find_by_id(task_id)
                .one(&fx.app.db)
                .await
                .unwrap()
                .is_some()
        );
        let kept = attachments::Entity::find()
            .filter(attachments::Column::TaskId.eq(task_id))
            .count(&fx.app.db)
            .await
            .unwrap();
        assert_eq!(kept, 1);
        let versions = attachment_versions::Entity::find()
            .filter(attachment_versions::Column::FileId.eq(aid.parse::<Uuid>().unwrap()))
            .count(&fx.app.db)
            .await
            .unwrap();
        assert_eq!(versions, 1);
    }
    let r = new_version(fx.editor.clone(), b"v2").await;
    assert_eq!(r.status(), 201);
    assert_eq!(body(r).await["current_version"], 2);
    assert_eq!(new_version(fx.owner.clone(), b"v3").await.status(), 201);
    // The history is kept.
    let versions = body(
        fx.app
            .get(&format!("/attachments/{aid}/versions"), &fx.viewer)
            .await,
    )
    .await;
    assert_eq!(versions["items"].as_array().unwrap().len(), 3);
    let old = fx
        .app
        .get(&format!("/attachments/{aid}?version=1"), &fx.viewer)
        .await;
    assert_eq!(old.bytes().await.unwrap().as_ref(), b"v1");
    let cur = fx.app.get(&format!("/attachments/{aid}"), &fx.viewer).await;
    assert_eq!(cur.bytes().await.unwrap().as_ref(), b"v3");
    assert_eq!(
        fx.app
            .get(&format!("/attachments/{aid}?version=9"), &fx.viewer)
            .await
            .status(),
        404
    );
    // Viewing restricted to named people: others don't see it at all.
    let r = fx
        .app
        .patch(
            &format!("/attachments/{aid}"),
            &helper,
            json!({ "viewers": [helper_id] }),
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = fx
        .app
        .patch(
            &format!("/attachments/{aid}"),
            &fx.editor,
            json!({ "viewers": [helper_id], "permission": "project" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let list = body(
        fx.app
            .get(&format!("/tasks/{tid}/attachments"), &fx.viewer)
            .await,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    assert_eq!(
        fx.app
            .get(&format!("/attachments/{aid}"), &fx.viewer)
            .await
            .status(),
        404
    );
    assert_eq!(
        fx.app
            .get(&format!("/attachments/{aid}"), &helper)
            .await
            .status(),
        200
    );
    // The uploader and administrators still see it.
    assert_eq!(
        fx.app
            .get(&format!("/attachments/{aid}"), &fx.editor)
            .await
            .status(),
        200
    );
    assert_eq!(
        fx.app
            .get(&format!("/attachments/{aid}"), &fx.owner)
            .await
            .status(),
        200
    );
    // Stale If-Match; then delete.
    let r = fx
        .app
        .req(
            Method::PATCH,
            &format!("/attachments/{aid}"),
            Some(&fx.owner),
        )
        .header("If-Match", "\"1\"")
        .json(&json!({ "viewers": null }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 412);
    assert_eq!(
        fx.app
            .delete(&format!("/attachments/{aid}"), &fx.viewer)
            .await
            .status(),
        404
    );
    assert_eq!(
        fx.app
            .delete(&format!("/attachments/{aid}"), &helper)
            .await
            .status(),
        204
    );
    assert_eq!(
        fx.app
            .get(&format!("/attachments/{aid}"), &fx.owner)
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn review_findings_stay_fixed() {
    let fx = Fx::new().await;
    let p = fx.project;
    // A cursor naming another project's task is never used to compare sort keys: it behaves
    // like the end of the list, whatever the dates.
    fx.task(
        p,
        &fx.owner,
        json!({ "title": "早", "due_date": "2099-11-30" }),
    )
    .await;
    let foreign = fx
        .task(
            fx.other_project,
            &fx.outsider,
            json!({ "due_date": "2026-11-01" }),
        )
        .await;
    let id: Uuid = foreign["id"].as_str().unwrap().parse().unwrap();
    let cursor = tandem_db::pagination::encode_cursor(id);
    let v = body(
        fx.app
            .get(
                &format!("/projects/{p}/tasks?sort=due&cursor={cursor}"),
                &fx.owner,
            )
            .await,
    )
    .await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0);
    // overdue=false keeps tasks without a due date.
    fx.task(p, &fx.owner, json!({ "title": "无截止日期" }))
        .await;
    fx.task(
        p,
        &fx.owner,
        json!({ "title": "已逾期", "due_date": "2020-01-01" }),
    )
    .await;
    let v = body(
        fx.app
            .get(&format!("/projects/{p}/tasks?overdue=false"), &fx.viewer)
            .await,
    )
    .await;
    let titles: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["无截止日期", "早"]);
    // Dates outside 1900–9999 are 422, never a database error.
    let r = fx
        .app
        .post(
            &format!("/projects/{p}/tasks"),
            Some(&fx.owner),
            json!({ "title": "x", "due_date": "-5000-01-01" }),
        )
        .await;
    assert_eq!(r.status(), 422);
    // Query bounds outside that range are clamped, not refused.
    let r = fx
        .app
        .get(
            &format!("/projects/{p}/tasks?due_before=0100-01-01"),
            &fx.owner,
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await["items"].as_array().unwrap().len(), 0);
    // Moving the end before a milestone is refused.
    let r = fx
        .app
        .patch(
            &format!("/projects/{p}"),
            &fx.owner,
            json!({ "end_date": "2026-11-15" }),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        problem(r).await["errors"][0]["code"],
        "milestone_out_of_period"
    );
}

/// On SQLite, reads go through the in-process read cache (`tandem_api::cache`): a read right
/// after a write must already see it, whoever wrote.
#[tokio::test]
async fn reads_right_after_writes_see_them() {
    let fx = Fx::new().await;
    let p = fx.project;
    let parent = fx.task(p, &fx.owner, json!({ "title": "原型设计" })).await;
    let id = parent["id"].as_str().unwrap();
    let path = format!("/tasks/{id}");
    // Warm every cached kind: the users, the project, the memberships, the task.
    for token in [&fx.owner, &fx.editor, &fx.viewer] {
        assert_eq!(fx.app.get(&path, token).await.status(), 200);
    }
    // The task list too (its pages are cached as well).
    let list = format!("/projects/{p}/tasks?sort=updated");
    let titles = |v: Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        titles(body(fx.app.get(&list, &fx.viewer).await).await),
        ["原型设计"]
    );
    // A field change.
    let tag = etag(&fx, id).await;
    let r = patch_task(
        &fx,
        id,
        &fx.editor,
        Some(&tag),
        json!({ "title": "原型设计 v2" }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let v = body(fx.app.get(&path, &fx.viewer).await).await;
    assert_eq!(v["title"], "原型设计 v2");
    assert_eq!(
        titles(body(fx.app.get(&list, &fx.viewer).await).await),
        ["原型设计 v2"]
    );
    assert_ne!(etag(&fx, id).await, tag);
    // A new sub-task changes the parent's roll-up.
    fx.task(p, &fx.editor, json!({ "title": "交互稿", "parent_id": id }))
        .await;
    let v = body(fx.app.get(&path, &fx.viewer).await).await;
    assert_eq!(v["subtasks_total"], 1);
    // A role change takes effect on the next request: the demoted editor can no longer write.
    let r = fx
        .app
        .patch(
            &format!("/projects/{p}/members/{}", fx.editor_id),
            &fx.owner,
            json!({ "role": "viewer" }),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let tag = etag(&fx, id).await;
    let r = patch_task(&fx, id, &fx.editor, Some(&tag), json!({ "title": "x" })).await;
    assert_eq!(r.status(), 403);
    // Removed from the project: the task is gone for them at once.
    let r = fx
        .app
        .delete(
            &format!("/projects/{p}/members/{}", fx.editor_id),
            &fx.owner,
        )
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(fx.app.get(&path, &fx.editor).await.status(), 404);
    assert_eq!(
        fx.app
            .get(&format!("/projects/{p}"), &fx.editor)
            .await
            .status(),
        404
    );
    // Deleted: 404 for everyone.
    assert_eq!(fx.app.delete(&path, &fx.owner).await.status(), 204);
    assert_eq!(fx.app.get(&path, &fx.viewer).await.status(), 404);
}

/// Many writers at once on read-then-write paths (sub-task nesting checks, progress updating
/// its task, comments with mentions): every request succeeds — on SQLite, a transaction that
/// read before another writer committed must not fail with "database is locked".
#[tokio::test]
async fn concurrent_writers_all_succeed() {
    let fx = Fx::new().await;
    let p = fx.project;
    let parent = fx.task(p, &fx.owner, json!({ "title": "父任务" })).await;
    let parent = parent["id"].as_str().unwrap().to_owned();
    let mine = fx
        .task(p, &fx.owner, json!({ "assignee_id": fx.editor_id }))
        .await;
    let mine = mine["id"].as_str().unwrap().to_owned();
    let mut requests = Vec::new();
    for i in 0..12 {
        requests.push(
            fx.app
                .req(
                    Method::POST,
                    &format!("/projects/{p}/tasks"),
                    Some(&fx.owner),
                )
                .json(&json!({ "title": format!("子任务 {i}"), "parent_id": parent })),
        );
        requests.push(
            fx.app
                .req(
                    Method::POST,
                    &format!("/tasks/{mine}/progress"),
                    Some(&fx.editor),
                )
                .json(&json!({ "percent": i * 5, "note": format!("进展 {i}") })),
        );
        requests.push(
            fx.app
                .req(
                    Method::POST,
                    &format!("/tasks/{mine}/comments"),
                    Some(&fx.owner),
                )
                .json(&json!({ "body": format!("评论 {i}") })),
        );
    }
    let mut set = tokio::task::JoinSet::new();
    for r in requests {
        set.spawn(async move {
            let r = r.send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        });
    }
    while let Some(done) = set.join_next().await {
        let (status, text) = done.unwrap();
        assert_eq!(status, 201, "{text}");
    }
    let v = body(fx.app.get(&format!("/tasks/{parent}"), &fx.viewer).await).await;
    assert_eq!(v["subtasks_total"], 12);
    let v = body(
        fx.app
            .get(&format!("/tasks/{mine}/progress?limit=100"), &fx.viewer)
            .await,
    )
    .await;
    assert_eq!(v["items"].as_array().unwrap().len(), 12);
}

/// Bad input on the smaller write endpoints: 422 with the field named, nothing changed.
#[tokio::test]
async fn the_other_write_endpoints_refuse_bad_input() {
    let scratch = tandem_testkit::Scratch::new("files");
    let files = scratch.path().join("store");
    let dir = files.clone();
    let fx = Fx::with(move |c| c.files_dir = dir).await;
    let p = fx.project;
    let (stranger, _) = fx.app.member("stranger@example.com", fx.dept).await;
    let expect = |r: reqwest::Response, field: &'static str| async move {
        assert_eq!(r.status(), 422);
        let v = problem(r).await;
        if !field.is_empty() {
            assert_eq!(v["errors"][0]["field"], field, "{v}");
        }
    };
    // Milestones.
    let path = format!("/projects/{p}/milestones");
    for (b, field) in [
        (json!({}), ""),
        (json!({ "name": " ", "date": "2026-12-01" }), "name"),
        (json!({ "name": "太早", "date": "1999-01-01" }), "date"),
        (
            json!({ "name": "x", "date": "2026-12-01", "color": "red" }),
            "",
        ),
    ] {
        expect(fx.app.post(&path, Some(&fx.owner), b).await, field).await;
    }
    let m = fx.milestone().await;
    for (b, field) in [
        (json!({ "date": "2030-01-01" }), "date"),
        (json!({ "name": "" }), "name"),
        (json!({ "date": "soon" }), ""),
    ] {
        expect(
            fx.app
                .patch(&format!("/milestones/{m}"), &fx.owner, b)
                .await,
            field,
        )
        .await;
    }
    // Members.
    let member = format!("/projects/{p}/members/{}", fx.editor_id);
    for b in [json!({}), json!({ "role": "owner" })] {
        expect(fx.app.patch(&member, &fx.owner, b).await, "").await;
    }
    // Dependencies.
    let t = fx.task(p, &fx.owner, json!({})).await;
    let tid = t["id"].as_str().unwrap().to_owned();
    for b in [json!({}), json!({ "depends_on": "x" })] {
        expect(
            fx.app
                .post(&format!("/tasks/{tid}/dependencies"), Some(&fx.owner), b)
                .await,
            "",
        )
        .await;
    }
    // Comments.
    let c = body(
        fx.app
            .post(
                &format!("/tasks/{tid}/comments"),
                Some(&fx.owner),
                json!({ "body": "好" }),
            )
            .await,
    )
    .await;
    let cpath = format!("/comments/{}", c["id"].as_str().unwrap());
    for b in [json!({ "body": " " }), json!({})] {
        expect(fx.app.patch(&cpath, &fx.owner, b).await, "").await;
    }
    // Attachments: viewers must be members of the project, at upload and later.
    let before = count_files(&files);
    let f = form("名单.txt", b"x".to_vec()).text("viewers", stranger.to_string());
    expect(upload(&fx, &tid, &fx.owner, f).await, "viewers").await;
    assert_eq!(
        count_files(&files),
        before,
        "a refused upload leaves no file"
    );
    let a = body(upload(&fx, &tid, &fx.owner, form("名单.txt", b"x".to_vec())).await).await;
    let apath = format!("/attachments/{}", a["id"].as_str().unwrap());
    for (b, field) in [
        (json!({ "viewers": [stranger] }), "viewers"),
        (json!({ "permission": "everyone" }), ""),
    ] {
        expect(fx.app.patch(&apath, &fx.owner, b).await, field).await;
    }
    let r = fx
        .app
        .patch(&apath, &fx.owner, json!({ "viewers": [fx.editor_id] }))
        .await;
    assert_eq!(r.status(), 200);
}

/// A second editor of the project (not the assignee of anything yet).
async fn second_editor(fx: &Fx) -> (Uuid, String) {
    let (id, token) = fx.app.member("helper@example.com", fx.dept).await;
    let r = fx
        .app
        .post(
            &format!("/projects/{}/members", fx.project),
            Some(&fx.owner),
            json!({ "user_id": id, "role": "editor" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    (id, token)
}

#[tokio::test]
async fn only_the_assignee_or_an_administrator_reassigns_an_assigned_task() {
    let fx = Fx::new().await;
    let (helper_id, helper) = second_editor(&fx).await;
    let t = fx
        .task(
            fx.project,
            &fx.owner,
            json!({ "assignee_id": fx.editor_id }),
        )
        .await;
    let tid = t["id"].as_str().unwrap();
    let f = form("合同.txt", b"v1".to_vec()).text("permission", "assignee_only");
    assert_eq!(upload(&fx, tid, &fx.editor, f).await.status(), 201);
    // Another editor cannot make the task theirs…
    let r = patch_task(
        &fx,
        tid,
        &helper,
        Some(&etag(&fx, tid).await),
        json!({ "assignee_id": helper_id }),
    )
    .await;
    assert_eq!(r.status(), 403);
    assert_eq!(problem(r).await["code"], "reassign_not_allowed");
    // …nor take it away from its assignee.
    let r = patch_task(
        &fx,
        tid,
        &helper,
        Some(&etag(&fx, tid).await),
        json!({ "assignee_id": null }),
    )
    .await;
    assert_eq!(r.status(), 403);
    // So what is only the assignee's stays theirs: progress, the protected task.
    let r = fx
        .app
        .post(
            &format!("/tasks/{tid}/progress"),
            Some(&helper),
            json!({ "percent": 90, "note": "我来" }),
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        fx.app
            .delete(&format!("/tasks/{tid}"), &helper)
            .await
            .status(),
        403
    );
    // Other fields stay editable by every editor.
    let r = patch_task(
        &fx,
        tid,
        &helper,
        Some(&etag(&fx, tid).await),
        json!({ "priority": "high" }),
    )
    .await;
    assert_eq!(r.status(), 200);
    // The assignee hands it over; the log says so.
    let r = patch_task(
        &fx,
        tid,
        &fx.editor,
        Some(&etag(&fx, tid).await),
        json!({ "assignee_id": helper_id }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let log = body(
        fx.app
            .get(&format!("/tasks/{tid}/activity"), &fx.owner)
            .await,
    )
    .await;
    let handover = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["field"] == "handed_over")
        .expect("a hand-over in the activity log");
    assert_eq!(handover["actor_id"], fx.editor_id.to_string());
    assert_eq!(handover["old_value"], fx.editor_id.to_string());
    assert_eq!(handover["new_value"], helper_id.to_string());
    assert_eq!(handover["new_label"], "Tester");
    // An administrator reassigns anything; that is an assignment, not a hand-over.
    let r = patch_task(
        &fx,
        tid,
        &fx.owner,
        Some(&etag(&fx, tid).await),
        json!({ "assignee_id": fx.editor_id }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let log = body(
        fx.app
            .get(&format!("/tasks/{tid}/activity"), &fx.owner)
            .await,
    )
    .await;
    let last = log["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["field"], "assignee_id");
    // Unassigned work can be taken by any editor.
    let open = fx.task(fx.project, &fx.owner, json!({})).await;
    let oid = open["id"].as_str().unwrap();
    let r = patch_task(
        &fx,
        oid,
        &helper,
        Some(&etag(&fx, oid).await),
        json!({ "assignee_id": helper_id }),
    )
    .await;
    assert_eq!(r.status(), 200);
    // Viewers change nothing at all.
    let r = patch_task(
        &fx,
        oid,
        &fx.viewer,
        Some(&etag(&fx, oid).await),
        json!({ "assignee_id": null }),
    )
    .await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn who_sees_an_attachment_is_changed_by_its_uploader_and_administrators_only() {
    let fx = Fx::new().await;
    let (helper_id, helper) = second_editor(&fx).await;
    let t = fx.task(fx.project, &fx.owner, json!({})).await;
    let tid = t["id"].as_str().unwrap();
    // The editor uploads a file for themselves and the helper only.
    let f = form("薪资.txt", b"secret".to_vec()).text("viewers", helper_id.to_string());
    let a = body(upload(&fx, tid, &fx.editor, f).await).await;
    let aid = a["id"].as_str().unwrap().to_owned();
    assert_eq!(a["can_manage"], true);
    // The helper may see and edit it, but not open it to everyone.
    let listed = body(
        fx.app
            .get(&format!("/tasks/{tid}/attachments"), &helper)
            .await,
    )
    .await;
    assert_eq!(listed["items"][0]["can_manage"], false);
    for change in [
        json!({ "viewers": null }),
        json!({ "permission": "assignee_only" }),
    ] {
        let r = fx
            .app
            .patch(&format!("/attachments/{aid}"), &helper, change)
            .await;
        assert_eq!(r.status(), 403);
        assert_eq!(problem(r).await["code"], "project_role");
    }
    assert_eq!(
        fx.app
            .get(&format!("/attachments/{aid}"), &fx.viewer)
            .await
            .status(),
        404
    );
    // The uploader and the project's administrators may.
    let r = fx
        .app
        .patch(
            &format!("/attachments/{aid}"),
            &fx.owner,
            json!({ "viewers": [helper_id, fx.editor_id] }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = fx
        .app
        .patch(
            &format!("/attachments/{aid}"),
            &fx.editor,
            json!({ "viewers": null }),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        fx.app
            .get(&format!("/attachments/{aid}"), &fx.viewer)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn an_unreadable_viewer_list_restricts_to_administrators() {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use tandem_db::entities::files as attachments;
    let fx = Fx::new().await;
    let t = fx.task(fx.project, &fx.owner, json!({})).await;
    let tid = t["id"].as_str().unwrap();
    let a = body(upload(&fx, tid, &fx.editor, form("a.txt", b"x".to_vec())).await).await;
    let aid: Uuid = a["id"].as_str().unwrap().parse().unwrap();
    // Data no version of the server writes: not a list of ids.
    attachments::Entity::update_many()
        .col_expr(
            attachments::Column::Viewers,
            Expr::value(json!({ "everyone": true })),
        )
        .filter(attachments::Column::Id.eq(aid))
        .exec(&fx.app.db)
        .await
        .unwrap();
    for token in [&fx.editor, &fx.viewer] {
        assert_eq!(
            fx.app
                .get(&format!("/attachments/{aid}"), token)
                .await
                .status(),
            404
        );
        let list = body(
            fx.app
                .get(&format!("/tasks/{tid}/attachments"), token)
                .await,
        )
        .await;
        assert_eq!(list["items"].as_array().unwrap().len(), 0);
    }
    let list = body(
        fx.app
            .get(&format!("/tasks/{tid}/attachments"), &fx.owner)
            .await,
    )
    .await;
    assert_eq!(list["items"][0]["viewers"], json!([]));
}

#[tokio::test]
async fn deleting_a_task_is_audited_with_its_title() {
    let fx = Fx::new().await;
    let t = fx
        .task(fx.project, &fx.owner, json!({ "title": "要删除的任务" }))
        .await;
    let tid = t["id"].as_str().unwrap();
    assert_eq!(
        fx.app
            .delete(&format!("/tasks/{tid}"), &fx.editor)
            .await
            .status(),
        204
    );
    let log = body(
        fx.app
            .get(
                &format!("/admin/audit-log?action=task.deleted&target_id={tid}"),
                &fx.sys,
            )
            .await,
    )
    .await;
    let entry = &log["items"][0];
    assert_eq!(entry["actor_id"], fx.editor_id.to_string());
    assert_eq!(entry["detail"]["title"], "要删除的任务");
    assert_eq!(entry["detail"]["project_id"], fx.project.to_string());
}

/// A mention on a task with the longest title: PostgreSQL's notification title column once
/// refused it after the comment had been stored, so the client saw a 500 and a retry doubled
/// the comment. Now the comment and its notification are one write.
#[tokio::test]
async fn a_mention_on_a_task_with_the_longest_title_is_one_comment_and_one_notification() {
    let fx = Fx::new().await;
    let r = fx
        .app
        .patch("/me", &fx.editor, json!({ "name": "李雷" }))
        .await;
    assert_eq!(r.status(), 200);
    let title: String = "需求调研与原型设计".chars().cycle().take(300).collect();
    let t = fx
        .task(fx.project, &fx.owner, json!({ "title": title }))
        .await;
    let tid = t["id"].as_str().unwrap();
    let r = fx
        .app
        .post(
            &format!("/tasks/{tid}/comments"),
            Some(&fx.owner),
            json!({ "body": "@李雷 请看一下" }),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let comments = body(
        fx.app
            .get(&format!("/tasks/{tid}/comments"), &fx.owner)
            .await,
    )
    .await;
    assert_eq!(comments["items"].as_array().unwrap().len(), 1);
    let notes = body(fx.app.get("/me/notifications", &fx.editor).await).await;
    let mentions: Vec<&Value> = notes["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "comment.mention")
        .collect();
    assert_eq!(mentions.len(), 1);
    assert!(mentions[0]["title"].as_str().unwrap().chars().count() <= 200);
}

/// B3: `GET /projects/{id}/risks` names the overdue, behind-pace and blocked tasks with their
/// reasons as data, due first, leaves done and healthy tasks out, and calls the project late.
#[tokio::test]
async fn risks_name_each_flagged_task_with_its_reasons() {
    let fx = Fx::new().await;
    let p = fx.project;
    let shanghai = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let today = chrono::Utc::now().with_timezone(&shanghai).date_naive();
    let d = |n: i64| (today + chrono::Duration::days(n)).to_string();
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    let late = fx
        .task(p, &fx.owner, json!({ "title": "逾期", "due_date": d(-3) }))
        .await;
    // Begun three weeks ago, a tenth done: at that pace it ends months after its due date.
    let slow = fx
        .task(
            p,
            &fx.owner,
            json!({ "title": "进度慢", "start_date": d(-21), "due_date": d(2) }),
        )
        .await;
    let r = fx
        .app
        .post(
            &format!("/tasks/{}/progress", id(&slow)),
            Some(&fx.owner),
            json!({ "percent": 10, "note": "刚开始" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    // Ten working days of work that cannot start before the slow task ends.
    let waits = fx
        .task(
            p,
            &fx.owner,
            json!({ "title": "等待", "start_date": d(1), "due_date": d(14) }),
        )
        .await;
    let r = fx
        .app
        .post(
            &format!("/tasks/{}/dependencies", id(&waits)),
            Some(&fx.owner),
            json!({ "depends_on": id(&slow) }),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    // Healthy, and done: not listed.
    fx.task(p, &fx.owner, json!({ "title": "正常", "due_date": d(40) }))
        .await;
    let done = fx
        .task(
            p,
            &fx.owner,
            json!({ "title": "已完成", "due_date": d(-10) }),
        )
        .await;
    for status in ["in_progress", "done"] {
        let cur = body(
            fx.app
                .get(&format!("/tasks/{}", id(&done)), &fx.owner)
                .await,
        )
        .await;
        let r = fx
            .app
            .req(
                Method::PATCH,
                &format!("/api/v1/tasks/{}", id(&done)),
                Some(&fx.owner),
            )
            .header("If-Match", format!("\"{}\"", cur["version"]))
            .json(&json!({ "status": status }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }

    let v = body(
        fx.app
            .get(&format!("/projects/{p}/risks"), &fx.viewer)
            .await,
    )
    .await;
    assert_eq!(v["health"], "late");
    assert!(
        v["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"] == "task" && r["task_id"] == id(&late).as_str()),
        "{v}"
    );
    let items = v["items"].as_array().unwrap();
    let titles: Vec<&str> = items.iter().map(|i| i["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["逾期", "进度慢", "等待"], "{v}");
    assert_eq!(items[0]["overdue"], true);
    assert_eq!(items[0]["reasons"][0]["code"], "overdue");
    assert_eq!(items[0]["reasons"][0]["days_late"], 3);
    assert_eq!(items[1]["at_risk"], true);
    let pace = &items[1]["reasons"][0];
    assert_eq!(pace["code"], "behind_pace");
    assert_eq!(pace["percent"], 10);
    assert_eq!(pace["due"], d(2));
    assert!(pace["projected_finish"].as_str().unwrap() > d(2).as_str());
    assert_eq!(items[2]["blocked"], true);
    let blocked = &items[2]["reasons"][0];
    assert_eq!(blocked["code"], "blocked");
    assert_eq!(blocked["predecessor_id"], id(&slow).as_str());
    assert_eq!(blocked["needed_days"], 10);
    // Milestones roll their tasks up: at risk exactly when a flagged task is due by their date,
    // and their reasons name those tasks.
    let ms = v["milestones"].as_array().unwrap();
    assert_eq!(ms.len(), 3, "{v}");
    for m in ms {
        let date = m["date"].as_str().unwrap();
        let expected: Vec<&str> = items
            .iter()
            .filter(|i| i["due_date"].as_str().is_some_and(|d| d <= date))
            .map(|i| i["task_id"].as_str().unwrap())
            .collect();
        let named: Vec<&str> = m["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["task_id"].as_str().unwrap())
            .collect();
        assert_eq!(m["at_risk"], !expected.is_empty(), "{m}");
        let (mut a, mut b) = (expected.clone(), named.clone());
        a.sort();
        b.sort();
        assert_eq!(a, b, "{m}");
    }
    assert!(
        ms.windows(2)
            .all(|w| w[0]["date"].as_str() <= w[1]["date"].as_str())
    );
}

/// B3: the project calendar decides which days count. A task silent for six of its ten days is
/// at risk in a seven-day week; with five of those days holidays it is not. Only project
/// administrators change the calendar; a date is a holiday or a worked day off, not both.
#[tokio::test]
async fn the_work_calendar_decides_which_days_risk_counts() {
    let fx = Fx::new().await;
    let p = fx.project;
    let shanghai = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let today = chrono::Utc::now().with_timezone(&shanghai).date_naive();
    let d = |n: i64| (today + chrono::Duration::days(n)).to_string();
    let put = |token: &str, v: Value| {
        fx.app
            .req(
                Method::PUT,
                &format!("/api/v1/projects/{p}/calendar"),
                Some(token),
            )
            .json(&v)
            .send()
    };

    let c = body(
        fx.app
            .get(&format!("/projects/{p}/calendar"), &fx.viewer)
            .await,
    )
    .await;
    assert_eq!(
        c,
        json!({ "work_days": ["mon", "tue", "wed", "thu", "fri"], "holidays": [], "extra_work_days": [] })
    );
    let every_day = json!(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);
    let r = put(&fx.editor, json!({ "work_days": every_day }))
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "editors do not set the calendar");

    let r = put(&fx.owner, json!({ "work_days": every_day }))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    fx.task(
        p,
        &fx.owner,
        json!({ "title": "沉默的任务", "start_date": d(-6), "due_date": d(3) }),
    )
    .await;
    let flagged = |v: &Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["title"].as_str().unwrap().to_owned(),
                    i["reasons"][0]["code"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    let v = body(
        fx.app
            .get(&format!("/projects/{p}/risks"), &fx.viewer)
            .await,
    )
    .await;
    assert_eq!(
        flagged(&v),
        [("沉默的任务".to_owned(), json!("no_progress"))],
        "{v}"
    );

    // Five holidays (a long name in Chinese: 100 characters fit on both engines), and a
    // worked day off that is outside the task's span.
    let long_name = "国".repeat(100);
    let holidays: Vec<Value> = (2..=6)
        .map(|n| json!({ "date": d(-n), "name": long_name }))
        .collect();
    let cal = json!({ "work_days": ["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
                      "holidays": holidays,
                      "extra_work_days": [{ "date": d(30), "name": " 调休 " }] });
    let r = put(&fx.owner, cal).await.unwrap();
    assert_eq!(r.status(), 200);
    let saved: Value = r.json().await.unwrap();
    assert_eq!(saved["work_days"], every_day, "Monday first");
    assert_eq!(saved["holidays"][0]["date"], d(-6), "by date");
    assert_eq!(saved["extra_work_days"][0]["name"], "调休");
    let again = body(
        fx.app
            .get(&format!("/projects/{p}/calendar"), &fx.viewer)
            .await,
    )
    .await;
    assert_eq!(again, saved);
    let v = body(
        fx.app
            .get(&format!("/projects/{p}/risks"), &fx.viewer)
            .await,
    )
    .await;
    assert_eq!(flagged(&v), [], "{v}");

    // Refused: a date twice, no working day, a name too long, a date out of range.
    for bad in [
        json!({ "work_days": ["mon"], "holidays": [{ "date": d(1) }], "extra_work_days": [{ "date": d(1) }] }),
        json!({ "work_days": [] }),
        json!({ "work_days": ["mon"], "holidays": [{ "date": d(1), "name": "国".repeat(101) }] }),
        json!({ "work_days": ["mon"], "holidays": [{ "date": "1800-01-01" }] }),
        json!({ "work_days": ["someday"] }),
    ] {
        let r = put(&fx.owner, bad.clone()).await.unwrap();
        assert!(
            r.status() == 422 || r.status() == 400,
            "{bad}: {}",
            r.status()
        );
    }
    let unchanged = body(
        fx.app
            .get(&format!("/projects/{p}/calendar"), &fx.viewer)
            .await,
    )
    .await;
    assert_eq!(unchanged, saved);
    let r = fx
        .app
        .get(&format!("/projects/{p}/calendar"), &fx.outsider)
        .await;
    assert_eq!(r.status(), 404);
}

/// B3: a change queues the project's risk evaluation; the evaluation stores each flagged task's
/// risk (on task responses, `?risk=` filters) and notifies the assignee and the project's
/// administrators once when a task turns at risk — not again while it stays so, and the risk
/// goes when progress puts the task back on track.
#[tokio::test]
async fn risk_is_stored_filtered_and_announced_once_per_transition() {
    let fx = Fx::new().await;
    let p = fx.project;
    let state = &fx.app.state;
    let shanghai = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let today = chrono::Utc::now().with_timezone(&shanghai).date_naive();
    let d = |n: i64| (today + chrono::Duration::days(n)).to_string();
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    // Every day worked: the outcome does not depend on today's weekday.
    fx.work_every_day(p).await;
    let silent = fx
        .task(
            p,
            &fx.owner,
            json!({ "title": "没有进度", "assignee_id": fx.editor_id,
                    "start_date": d(-6), "due_date": d(3) }),
        )
        .await;
    let late = fx
        .task(p, &fx.owner, json!({ "title": "逾期", "due_date": d(-2) }))
        .await;
    // The changes queued one evaluation of the project (not one per change).
    let queued: Vec<_> = tandem_db::jobs::recent(&state.db, Some("queued"), 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.kind == "risk.evaluate")
        .collect();
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert!(queued[0].payload.contains(&p.to_string()));

    let sent = tandem_api::jobs::risk::evaluate_and_store(state, p)
        .await
        .unwrap();
    assert_eq!(sent, 2, "the assignee and the project's administrator");
    let t = body(
        fx.app
            .get(&format!("/tasks/{}", id(&silent)), &fx.viewer)
            .await,
    )
    .await;
    assert_eq!(t["risk"]["at_risk"], true, "{t}");
    assert_eq!(t["risk"]["overdue"], false);
    assert_eq!(t["risk"]["reasons"][0]["code"], "no_progress");
    let t = body(
        fx.app
            .get(&format!("/tasks/{}", id(&late)), &fx.viewer)
            .await,
    )
    .await;
    assert_eq!(t["risk"]["overdue"], true, "{t}");
    let titles = |v: Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let app = &fx.app;
    let viewer = fx.viewer.clone();
    let list = |q: &'static str| {
        let path = format!("/projects/{p}/tasks?{q}");
        let viewer = viewer.clone();
        async move { titles(body(app.get(&path, &viewer).await).await) }
    };
    assert_eq!(list("risk=at_risk").await, ["没有进度"]);
    assert_eq!(list("risk=overdue").await, ["逾期"]);
    let card = body(app.get(&format!("/projects/{p}"), &fx.viewer).await).await;
    assert_eq!(
        card["tasks_at_risk"], 1,
        "the project center counts by the same rule"
    );
    assert!(list("risk=blocked").await.is_empty());
    let r = fx
        .app
        .get(&format!("/projects/{p}/tasks?risk=late"), &fx.viewer)
        .await;
    assert_eq!(r.status(), 422);

    // The notice: Chinese for a Chinese reader, with the reason as its body.
    let notes = |token: &str| {
        let token = token.to_owned();
        async move {
            let v = body(app.get("/me/notifications?kind=at_risk", &token).await).await;
            v["items"].as_array().unwrap().clone()
        }
    };
    let n = notes(&fx.editor).await;
    assert_eq!(n.len(), 1, "{n:?}");
    assert_eq!(n[0]["data"]["task_id"], id(&silent));
    assert_eq!(notes(&fx.owner).await.len(), 1);
    assert!(notes(&fx.viewer).await.is_empty(), "viewers are not told");

    // Still at risk: no second notice.
    assert_eq!(
        tandem_api::jobs::risk::evaluate_and_store(state, p)
            .await
            .unwrap(),
        0
    );
    assert_eq!(notes(&fx.editor).await.len(), 1);

    // Nine tenths done today: on track again, and no longer listed.
    let r = fx
        .app
        .post(
            &format!("/tasks/{}/progress", id(&silent)),
            Some(&fx.editor),
            json!({ "percent": 90, "note": "快好了" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(
        tandem_api::jobs::risk::evaluate_and_store(state, p)
            .await
            .unwrap(),
        0
    );
    let t = body(
        fx.app
            .get(&format!("/tasks/{}", id(&silent)), &fx.viewer)
            .await,
    )
    .await;
    assert_eq!(t["risk"], Value::Null, "{t}");
    assert!(list("risk=at_risk").await.is_empty());
    assert_eq!(list("risk=overdue").await, ["逾期"]);
    let card = body(app.get(&format!("/projects/{p}"), &fx.viewer).await).await;
    assert_eq!(card["tasks_at_risk"], 0);
}

/// B3: evaluations of one project running at once (a change's job and the daily scan, or two
/// instances) announce a task turning at risk once: each holds the project's row while it
/// compares and writes.
#[tokio::test]
async fn concurrent_risk_evaluations_announce_once() {
    let fx = Fx::new().await;
    let p = fx.project;
    let shanghai = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let today = chrono::Utc::now().with_timezone(&shanghai).date_naive();
    let d = |n: i64| (today + chrono::Duration::days(n)).to_string();
    // Every day worked: the outcome does not depend on today's weekday.
    fx.work_every_day(p).await;
    fx.task(
        p,
        &fx.owner,
        json!({ "title": "没有进度", "assignee_id": fx.editor_id,
                "start_date": d(-6), "due_date": d(3) }),
    )
    .await;
    let runs = (0..4).map(|_| {
        let state = fx.app.state.clone();
        tokio::spawn(async move { tandem_api::jobs::risk::evaluate_and_store(&state, p).await })
    });
    let mut sent = 0;
    for r in futures_util::future::join_all(runs).await {
        sent += r.unwrap().unwrap();
    }
    assert_eq!(
        sent, 2,
        "one notice each for the assignee and the administrator"
    );
}

/// B3: the hourly scan queues an evaluation of each active project not yet evaluated on its
/// local today — the passage of time turns tasks overdue or at risk without any change — and
/// leaves alone the projects already evaluated today.
#[tokio::test]
async fn the_risk_scan_queues_projects_not_evaluated_today() {
    let fx = Fx::new().await;
    let state = &fx.app.state;
    let queued = || async {
        let mut ps: Vec<String> = tandem_db::jobs::recent(&state.db, Some("queued"), 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|j| j.kind == "risk.evaluate")
            .map(|j| j.payload)
            .collect();
        ps.sort();
        ps
    };
    // Nothing evaluated yet: both projects are queued, each once however often the scan runs.
    for _ in 0..2 {
        assert_eq!(tandem_api::jobs::risk::scan(state).await.unwrap(), 2);
    }
    let q = queued().await;
    assert_eq!(q.len(), 2, "{q:?}");
    assert!(q.iter().any(|p| p.contains(&fx.project.to_string())));
    assert!(q.iter().any(|p| p.contains(&fx.other_project.to_string())));

    // Evaluated today: not queued again by the scan.
    tandem_api::jobs::risk::evaluate_and_store(state, fx.project)
        .await
        .unwrap();
    tandem_api::jobs::risk::evaluate_and_store(state, fx.other_project)
        .await
        .unwrap();
    assert_eq!(tandem_api::jobs::risk::scan(state).await.unwrap(), 0);
}

/// B2: moving a task previews the successors shifted after it, saves nothing on a dry run,
/// saves everything in one go with the preview's versions, and refuses (409, nothing saved)
/// when a task changed since the preview. Viewers may not, outsiders see nothing.
#[tokio::test]
async fn reschedule_previews_then_saves_the_chain_or_nothing() {
    let fx = Fx::new().await;
    let p = fx.project;
    let shanghai = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let today = chrono::Utc::now().with_timezone(&shanghai).date_naive();
    let d = |n: i64| (today + chrono::Duration::days(n)).to_string();
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    // Every day worked: the outcome does not depend on today's weekday.
    fx.work_every_day(p).await;
    let a = fx
        .task(
            p,
            &fx.owner,
            json!({ "title": "设计", "start_date": d(10), "due_date": d(12) }),
        )
        .await;
    let b = fx
        .task(
            p,
            &fx.owner,
            json!({ "title": "开发", "start_date": d(13), "due_date": d(14) }),
        )
        .await;
    let c = fx
        .task(
            p,
            &fx.owner,
            json!({ "title": "发布", "start_date": d(30), "due_date": d(31) }),
        )
        .await;
    for (task, on) in [(&b, &a), (&c, &b)] {
        let r = fx
            .app
            .post(
                &format!("/tasks/{}/dependencies", id(task)),
                Some(&fx.owner),
                json!({ "depends_on": id(on) }),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    let post = |token: &str, body: Value| {
        fx.app
            .req(
                Method::POST,
                &format!("/api/v1/projects/{p}/reschedule"),
                Some(token),
            )
            .json(&body)
            .send()
    };
    // A new start alone keeps the length (three days).
    let moves = json!([{ "task_id": id(&a), "start_date": d(15) }]);
    let r = post(&fx.editor, json!({ "moves": moves, "dry_run": true }))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let preview: Value = r.json().await.unwrap();
    assert_eq!(preview["applied"], false);
    let items = preview["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{preview}");
    assert_eq!(items[0]["task_id"], id(&a));
    assert_eq!(items[0]["requested"], true);
    assert_eq!(
        (
            items[0]["start_date"].as_str(),
            items[0]["due_date"].as_str()
        ),
        (Some(d(15).as_str()), Some(d(17).as_str()))
    );
    assert_eq!(
        items[1]["task_id"],
        id(&b),
        "the successor moves, the one with slack does not"
    );
    assert_eq!(items[1]["requested"], false);
    assert_eq!(items[1]["old_start_date"], d(13));
    assert_eq!(
        (
            items[1]["start_date"].as_str(),
            items[1]["due_date"].as_str()
        ),
        (Some(d(18).as_str()), Some(d(19).as_str()))
    );
    let unchanged = body(fx.app.get(&format!("/tasks/{}", id(&a)), &fx.viewer).await).await;
    assert_eq!(unchanged["start_date"], d(10), "a dry run saves nothing");

    let versions: Vec<Value> = items
        .iter()
        .map(|i| json!({ "task_id": i["task_id"], "version": i["version"] }))
        .collect();
    let r = post(&fx.editor, json!({ "moves": moves, "versions": versions }))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let saved: Value = r.json().await.unwrap();
    assert_eq!(saved["applied"], true);
    let now_b = body(fx.app.get(&format!("/tasks/{}", id(&b)), &fx.viewer).await).await;
    assert_eq!(
        (now_b["start_date"].as_str(), now_b["due_date"].as_str()),
        (Some(d(18).as_str()), Some(d(19).as_str()))
    );
    assert_eq!(saved["items"][1]["version"], now_b["version"]);

    // A preview, then someone changes the successor: applying the preview is refused whole.
    let moves = json!([{ "task_id": id(&a), "start_date": d(20), "due_date": d(22) }]);
    let preview: Value = post(&fx.editor, json!({ "moves": moves, "dry_run": true }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let versions: Vec<Value> = preview["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| json!({ "task_id": i["task_id"], "version": i["version"] }))
        .collect();
    let r = fx
        .app
        .req(
            Method::PATCH,
            &format!("/api/v1/tasks/{}", id(&b)),
            Some(&fx.owner),
        )
        .header("If-Match", format!("\"{}\"", now_b["version"]))
        .json(&json!({ "title": "开发与自测" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = post(&fx.editor, json!({ "moves": moves, "versions": versions }))
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["code"], "schedule_changed");
    let still = body(fx.app.get(&format!("/tasks/{}", id(&a)), &fx.viewer).await).await;
    assert_eq!(
        still["start_date"],
        d(15),
        "nothing of a refused reschedule is saved"
    );

    let r = post(&fx.viewer, json!({ "moves": moves, "dry_run": true }))
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = post(&fx.outsider, json!({ "moves": moves, "dry_run": true }))
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = post(
        &fx.editor,
        json!({ "moves": [{ "task_id": Uuid::now_v7() , "start_date": d(1) }] }),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 422);
    let r = post(&fx.editor, json!({ "moves": [{ "task_id": id(&a) }] }))
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let _ = c;
}

/// B2: the Gantt chart's data — bars by start, arrows, milestones, the critical path (the
/// longest chain in working days) marked on its bars, stored risk, archived tasks left out.
#[tokio::test]
async fn the_gantt_has_bars_arrows_milestones_and_the_critical_path() {
    let fx = Fx::new().await;
    let p = fx.project;
    let shanghai = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let today = chrono::Utc::now().with_timezone(&shanghai).date_naive();
    let d = |n: i64| (today + chrono::Duration::days(n)).to_string();
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    let task = |title: &'static str, s: i64, e: i64| {
        fx.task(
            p,
            &fx.owner,
            json!({ "title": title, "start_date": d(s), "due_date": d(e) }),
        )
    };
    let a = task("设计", 10, 12).await;
    let b = task("开发", 13, 14).await;
    let c = task("发布", 30, 31).await;
    let solo = task("采购", 1, 2).await;
    let late = fx
        .task(p, &fx.owner, json!({ "title": "逾期", "due_date": d(-2) }))
        .await;
    for (t, on) in [(&b, &a), (&c, &b)] {
        let r = fx
            .app
            .post(
                &format!("/tasks/{}/dependencies", id(t)),
                Some(&fx.owner),
                json!({ "depends_on": id(on) }),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    tandem_api::jobs::risk::evaluate_and_store(&fx.app.state, p)
        .await
        .unwrap();

    let g = body(
        fx.app
            .get(&format!("/projects/{p}/gantt"), &fx.viewer)
            .await,
    )
    .await;
    let titles: Vec<&str> = g["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        ["逾期", "采购", "设计", "开发", "发布"],
        "by start (or due), {g}"
    );
    assert_eq!(g["critical_path"], json!([id(&a), id(&b), id(&c)]));
    let critical: Vec<bool> = g["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["critical"].as_bool().unwrap())
        .collect();
    assert_eq!(critical, [false, false, true, true, true]);
    assert_eq!(g["dependencies"].as_array().unwrap().len(), 2);
    assert_eq!(g["milestones"].as_array().unwrap().len(), 3);
    assert_eq!(g["tasks"][0]["risk"]["overdue"], true);
    assert_eq!(g["tasks"][1]["risk"], Value::Null);
    assert_eq!(
        g["calendar"]["work_days"],
        json!(["mon", "tue", "wed", "thu", "fri"])
    );
    assert_eq!(g["today"], d(0));
    let _ = (solo, late);
    let r = fx
        .app
        .get(&format!("/projects/{p}/gantt"), &fx.outsider)
        .await;
    assert_eq!(r.status(), 404);
}

/// Cards of a board column, by title.
fn column_titles(b: &Value, status: &str) -> Vec<String> {
    b["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == status)
        .map(|c| {
            c["cards"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["title"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn column<'a>(b: &'a Value, status: &str) -> &'a Value {
    b["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == status)
        .unwrap()
}

/// `POST /tasks/{id}/move` with the task's current ETag.
async fn move_card(fx: &Fx, token: &str, task: &str, b: Value) -> reqwest::Response {
    let tag = etag(fx, task).await;
    fx.app
        .req(
            Method::POST,
            &format!("/api/v1/tasks/{task}/move"),
            Some(token),
        )
        .header("If-Match", tag)
        .json(&b)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn cards_move_between_and_across_columns_by_rank() {
    let fx = Fx::new().await;
    let p = fx.project;
    let mut ids = HashMap::new();
    for t in ["一", "二", "三", "四", "五"] {
        let v = fx.task(p, &fx.owner, json!({ "title": t })).await;
        ids.insert(t, v["id"].as_str().unwrap().to_owned());
    }
    let board = |q: &str| {
        let path = format!("/projects/{p}/board{q}");
        let fx = &fx;
        async move { body(fx.app.get(&path, &fx.viewer).await).await }
    };
    let b = board("").await;
    assert_eq!(column_titles(&b, "todo"), ["一", "二", "三", "四", "五"]);
    assert_eq!(column(&b, "todo")["count"], 5);
    assert_eq!(
        b["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["status"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["todo", "in_progress", "in_review", "done"]
    );
    let versions = |b: &Value| -> HashMap<String, i64> {
        column(b, "todo")["cards"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["title"].as_str().unwrap().to_owned(),
                    t["version"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let before = versions(&b);

    // Within a column: only the moved card changes.
    let r = move_card(
        &fx,
        &fx.editor,
        &ids["五"],
        json!({ "after_id": ids["一"], "before_id": ids["二"] }),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("etag").is_some());
    let b = board("").await;
    assert_eq!(column_titles(&b, "todo"), ["一", "五", "二", "三", "四"]);
    let after = versions(&b);
    for t in ["一", "二", "三", "四"] {
        assert_eq!(before[t], after[t], "{t} was not renumbered");
    }
    assert_eq!(after["五"], before["五"] + 1);

    // Across columns, following the lifecycle; the end of the column without neighbours.
    let r = move_card(
        &fx,
        &fx.editor,
        &ids["三"],
        json!({ "status": "in_progress" }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = move_card(
        &fx,
        &fx.editor,
        &ids["一"],
        json!({ "status": "in_progress" }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let b = board("").await;
    assert_eq!(column_titles(&b, "in_progress"), ["三", "一"]);
    assert_eq!(column(&b, "todo")["count"], 3);
    let r = move_card(&fx, &fx.editor, &ids["二"], json!({ "status": "done" })).await;
    assert_eq!(r.status(), 409);
    assert_eq!(body(r).await["code"], "invalid_transition");
    let r = move_card(&fx, &fx.editor, &ids["二"], json!({ "status": "archived" })).await;
    assert_eq!(r.status(), 422);
    // Activity shows the status change, not the rank.
    let act = body(
        fx.app
            .get(&format!("/tasks/{}/activity", ids["三"]), &fx.owner)
            .await,
    )
    .await;
    let fields: Vec<&str> = act["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"status"), "{act}");

    // Paged columns: a card dropped after the last one seen lands right after it, before the
    // cards the mover has not loaded.
    let b = board("?limit=1").await;
    assert_eq!(column_titles(&b, "todo"), ["五"]);
    let cursor = column(&b, "todo")["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let next = board(&format!("?limit=1&column=todo&cursor={cursor}")).await;
    assert_eq!(next["columns"].as_array().unwrap().len(), 1);
    assert_eq!(column_titles(&next, "todo"), ["二"]);
    let r = move_card(
        &fx,
        &fx.editor,
        &ids["一"],
        json!({ "status": "todo", "after_id": ids["五"] }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let b = board("").await;
    assert_eq!(column_titles(&b, "todo"), ["五", "一", "二", "四"]);
    let r = move_card(
        &fx,
        &fx.editor,
        &ids["四"],
        json!({ "before_id": ids["五"] }),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        column_titles(&board("").await, "todo"),
        ["四", "五", "一", "二"]
    );

    // Stale or missing If-Match, a neighbour elsewhere, viewers.
    let path = format!("/api/v1/tasks/{}/move", ids["二"]);
    let r = fx
        .app
        .req(Method::POST, &path, Some(&fx.editor))
        .header("If-Match", "\"99\"")
        .json(&json!({ "status": "in_progress" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 412);
    let r = fx
        .app
        .req(Method::POST, &path, Some(&fx.editor))
        .json(&json!({ "status": "in_progress" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 428);
    let elsewhere = fx.task(fx.other_project, &fx.outsider, json!({})).await;
    let r = move_card(
        &fx,
        &fx.editor,
        &ids["二"],
        json!({ "after_id": elsewhere["id"] }),
    )
    .await;
    assert_eq!(r.status(), 409);
    assert_eq!(body(r).await["code"], "board_changed");
    let r = move_card(
        &fx,
        &fx.viewer,
        &ids["二"],
        json!({ "after_id": ids["五"] }),
    )
    .await;
    assert_eq!(r.status(), 403);
    let r = fx
        .app
        .get(&format!("/projects/{p}/board"), &fx.outsider)
        .await;
    assert_eq!(r.status(), 404);
    // A cursor that is not one is refused, with or without a column.
    for q in ["?cursor=null", "?column=todo&cursor=null"] {
        let r = fx
            .app
            .get(&format!("/projects/{p}/board{q}"), &fx.viewer)
            .await;
        assert_eq!(r.status(), 422, "{q}");
    }
    // Filters are the task list's.
    let b = board(&format!("?q={}", urlencode("五"))).await;
    assert_eq!(column_titles(&b, "todo"), ["五"]);
    assert_eq!(column(&b, "todo")["count"], 1);
}

#[tokio::test]
async fn swimlanes_limits_and_my_board() {
    let fx = Fx::new().await;
    let p = fx.project;
    let milestone = fx.milestone().await;
    let a = fx
        .task(
            p,
            &fx.owner,
            json!({ "title": "海报设计", "assignee_id": fx.editor_id, "milestone_id": milestone }),
        )
        .await;
    fx.task(
        p,
        &fx.owner,
        json!({ "title": "渠道洽谈", "assignee_id": fx.editor_id }),
    )
    .await;
    fx.task(p, &fx.owner, json!({ "title": "无人认领" })).await;
    let get = |q: &str, token: &str| {
        let path = format!("/projects/{p}/board{q}");
        let (fx, token) = (&fx, token.to_owned());
        async move { body(fx.app.get(&path, &token).await).await }
    };
    let b = get("?swimlane=assignee", &fx.viewer).await;
    assert_eq!(b["swimlane"], "assignee");
    let lanes = b["lanes"].as_array().unwrap();
    assert_eq!(lanes.len(), 2, "{b}");
    assert_eq!(lanes[0]["id"], json!(fx.editor_id));
    assert!(lanes[0]["name"].as_str().is_some());
    assert_eq!(
        lanes[0]["counts"],
        json!([{ "status": "todo", "count": 2 }])
    );
    assert_eq!(
        lanes[1]["id"],
        Value::Null,
        "the lane without an assignee is last"
    );
    let b = get("?swimlane=department", &fx.viewer).await;
    let lanes = b["lanes"].as_array().unwrap();
    assert_eq!(lanes[0]["id"], json!(fx.dept));
    assert_eq!(lanes[0]["name"], "市场部");
    assert_eq!(lanes[0]["members"], json!([fx.editor_id]));
    let b = get("?swimlane=milestone", &fx.viewer).await;
    assert_eq!(b["lanes"][0]["name"], "研发完成");
    assert_eq!(b["lanes"][0]["counts"][0]["count"], 1);
    let r = fx
        .app
        .get(
            &format!("/projects/{p}/board?swimlane=sideways"),
            &fx.viewer,
        )
        .await;
    assert_eq!(r.status(), 422);

    // Work-in-progress limits: shown, replaced whole, checked.
    let put = |b: Value| {
        let path = format!("/api/v1/projects/{p}/board/limits");
        let fx = &fx;
        async move {
            fx.app
                .req(Method::PUT, &path, Some(&fx.owner))
                .json(&b)
                .send()
                .await
                .unwrap()
        }
    };
    let r = put(json!({ "limits": [{ "status": "in_review", "limit": 2 }, { "status": "in_progress", "limit": 1 }] })).await;
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await["limits"][0]["status"], "in_progress");
    let b = get("", &fx.viewer).await;
    assert_eq!(column(&b, "in_progress")["wip_limit"], 1);
    assert_eq!(column(&b, "todo")["wip_limit"], Value::Null);
    for bad in [
        json!({ "limits": [{ "status": "todo", "limit": 1 }, { "status": "todo", "limit": 2 }] }),
        json!({ "limits": [{ "status": "archived", "limit": 1 }] }),
        json!({ "limits": [{ "status": "todo", "limit": 0 }] }),
    ] {
        assert_eq!(put(bad).await.status(), 422);
    }
    assert_eq!(put(json!({ "limits": [] })).await.status(), 200);
    assert_eq!(
        column(&get("", &fx.viewer).await, "in_progress")["wip_limit"],
        Value::Null
    );
    let audit = body(
        fx.app
            .get("/admin/audit-log?action=project.board_limits_set", &fx.sys)
            .await,
    )
    .await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 2, "{audit}");

    // "My tasks": across projects, moved among my own cards.
    let other = create_project(&fx.app, &fx.owner, fx.dept, "第二个项目").await;
    let r = fx
        .app
        .post(
            &format!("/projects/{other}/members"),
            Some(&fx.owner),
            json!({ "user_id": fx.editor_id, "role": "editor" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let c = fx
        .task(
            other,
            &fx.owner,
            json!({ "title": "跨项目", "assignee_id": fx.editor_id }),
        )
        .await;
    let mine = body(fx.app.get("/me/board?swimlane=project", &fx.editor).await).await;
    // Ranks are kept per project: across projects, cards interleave until someone arranges them.
    let mut titles = column_titles(&mine, "todo");
    titles.sort();
    let mut want = ["海报设计", "渠道洽谈", "跨项目"];
    want.sort();
    assert_eq!(titles, want);
    assert_eq!(mine["lanes"].as_array().unwrap().len(), 2);
    let tag = etag(&fx, c["id"].as_str().unwrap()).await;
    let r = fx
        .app
        .req(
            Method::POST,
            &format!("/api/v1/tasks/{}/move?mine=true", c["id"].as_str().unwrap()),
            Some(&fx.editor),
        )
        .header("If-Match", tag)
        .json(&json!({ "before_id": a["id"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mine = body(fx.app.get("/me/board", &fx.editor).await).await;
    assert_eq!(
        column_titles(&mine, "todo"),
        ["跨项目", "海报设计", "渠道洽谈"]
    );
    assert_eq!(column(&mine, "todo")["wip_limit"], Value::Null);
    let viewer_board = body(fx.app.get("/me/board", &fx.viewer).await).await;
    assert_eq!(column(&viewer_board, "todo")["count"], 0);
}

#[tokio::test]
async fn tied_ranks_are_repaired_and_concurrent_moves_keep_a_strict_order() {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use tandem_db::entities::tasks;
    let fx = Fx::new().await;
    let p = fx.project;
    let mut ids = Vec::new();
    for t in ["甲", "乙", "丙", "丁"] {
        ids.push(
            fx.task(p, &fx.owner, json!({ "title": t })).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    // Two servers creating at the same moment could give 乙 and 丙 the same rank.
    let same: Vec<Uuid> = ids[1..3].iter().map(|s| s.parse().unwrap()).collect();
    tasks::Entity::update_many()
        .col_expr(tasks::Column::BoardRank, Expr::value("8180"))
        .filter(tasks::Column::Id.is_in(same))
        .exec(&fx.app.state.db)
        .await
        .unwrap();
    let r = move_card(
        &fx,
        &fx.editor,
        &ids[3],
        json!({ "after_id": ids[1], "before_id": ids[2] }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let b = body(fx.app.get(&format!("/projects/{p}/board"), &fx.owner).await).await;
    assert_eq!(column_titles(&b, "todo"), ["甲", "乙", "丁", "丙"]);
    let ranks: Vec<String> = column(&b, "todo")["cards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["board_rank"].as_str().unwrap().to_owned())
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{ranks:?}");

    // Many cards dropped into the same gap at once: all land, in some strict order.
    let mut more = Vec::new();
    for n in 0..6 {
        more.push(
            fx.task(p, &fx.owner, json!({ "title": format!("并发{n}") }))
                .await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let moves = more.iter().map(|id| {
        move_card(
            &fx,
            &fx.editor,
            id,
            json!({ "after_id": ids[0], "before_id": ids[1] }),
        )
    });
    for r in futures_util::future::join_all(moves).await {
        assert_eq!(r.status(), 200);
    }
    let b = body(fx.app.get(&format!("/projects/{p}/board"), &fx.owner).await).await;
    let titles = column_titles(&b, "todo");
    assert_eq!(titles.len(), 10);
    assert_eq!(titles[0], "甲");
    assert_eq!(&titles[7..], ["乙", "丁", "丙"]);
    let ranks: Vec<String> = column(&b, "todo")["cards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["board_rank"].as_str().unwrap().to_owned())
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{ranks:?}");
}

#[tokio::test]
async fn the_dashboard_sums_projects_departments_workload_and_handoffs() {
    let fx = Fx::new().await;
    let p = fx.project;
    let shanghai = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let today = chrono::Utc::now().with_timezone(&shanghai).date_naive();
    let d = |n: i64| (today + chrono::Duration::days(n)).to_string();
    let rd = fx.app.department("研发部").await;
    let (dev, _) = fx.app.member("dev@example.com", rd).await;
    let r = fx
        .app
        .post(
            &format!("/projects/{p}/members"),
            Some(&fx.owner),
            json!({ "user_id": dev, "role": "editor" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let r = fx
        .app
        .post(
            &format!("/projects/{p}/milestones"),
            Some(&fx.owner),
            json!({ "name": "样机评审", "date": d(10) }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let design = fx
        .task(
            p,
            &fx.owner,
            json!({ "title": "外观设计", "assignee_id": fx.editor_id, "estimate_hours": 40,
                    "start_date": d(-3), "due_date": d(3) }),
        )
        .await;
    let build = fx
        .task(
            p,
            &fx.owner,
            json!({ "title": "样机制作", "assignee_id": dev, "estimate_hours": 16,
                    "start_date": d(-1), "due_date": d(8) }),
        )
        .await;
    let r = fx
        .app
        .post(
            &format!("/tasks/{}/dependencies", build["id"].as_str().unwrap()),
            Some(&fx.owner),
            json!({ "depends_on": design["id"] }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let quote = fx
        .task(
            p,
            &fx.owner,
            json!({ "title": "报价单", "assignee_id": fx.editor_id, "due_date": d(-2) }),
        )
        .await;
    tandem_api::jobs::risk::evaluate_and_store(&fx.app.state, p)
        .await
        .unwrap();

    let dash = body(fx.app.get("/dashboard", &fx.viewer).await).await;
    assert_eq!(dash["today"], d(0));
    let projects = dash["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 1, "only the caller's projects: {dash}");
    let proj = &projects[0];
    assert_eq!(proj["name"], "新产品上市");
    assert_eq!(proj["total"], 3);
    assert_eq!(proj["overdue"], 1);
    assert_ne!(proj["health"], "on_track");
    let m = proj["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "样机评审")
        .unwrap();
    assert_eq!(m["at_risk"], true, "an overdue task is due before it");
    assert!(
        proj["milestones"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["date"].as_str().unwrap() <= d(14).as_str()),
        "only the next 14 days"
    );
    let depts = dash["departments"].as_array().unwrap();
    let market = depts.iter().find(|x| x["id"] == json!(fx.dept)).unwrap();
    assert_eq!(market["name"], "市场部");
    assert_eq!(market["open"], 2);
    assert_eq!(market["overdue"], 1);
    let rnd = depts.iter().find(|x| x["id"] == json!(rd)).unwrap();
    assert_eq!(rnd["open"], 1);
    // Workload: 40 h of design from today to d(3), 16 h of the prototype up to d(8).
    assert_eq!(dash["workload"]["weeks"].as_array().unwrap().len(), 8);
    let total = |row: &Value| -> f64 {
        row["hours"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_f64().unwrap())
            .sum::<f64>()
            + row["later"].as_f64().unwrap()
    };
    let rows = dash["workload"]["rows"].as_array().unwrap();
    let row = |id: Uuid| rows.iter().find(|r| r["id"] == json!(id)).unwrap();
    assert!((total(row(fx.dept)) - 40.0).abs() < 0.5, "{rows:?}");
    assert!((total(row(rd)) - 16.0).abs() < 0.5);
    // The hand-off from marketing to R&D, waiting since the prototype's planned start.
    let h = &dash["handoffs"][0];
    assert_eq!(h["title"], "样机制作");
    assert_eq!(h["predecessor_title"], "外观设计");
    assert_eq!(h["department_name"], "研发部");
    assert_eq!(h["predecessor_department_name"], "市场部");
    assert_eq!(h["ready"], false);
    assert_eq!(h["waiting_days"], 1);
    let flagged = dash["flagged"].as_array().unwrap();
    let late = flagged.iter().find(|f| f["title"] == "报价单").unwrap();
    assert_eq!(late["reasons"][0]["code"], "overdue");

    // Drill-down: the people of one department.
    let people = body(
        fx.app
            .get(
                &format!("/dashboard?workload_department={}&weeks=4", fx.dept),
                &fx.viewer,
            )
            .await,
    )
    .await;
    assert_eq!(people["workload"]["weeks"].as_array().unwrap().len(), 4);
    let rows = people["workload"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], json!(fx.editor_id));
    assert!(rows[0]["name"].as_str().is_some());
    assert_eq!(
        fx.app.get("/dashboard?weeks=0", &fx.viewer).await.status(),
        422
    );

    // Others see their own; the system administrator sees every active project.
    let theirs = body(fx.app.get("/dashboard", &fx.outsider).await).await;
    assert_eq!(theirs["projects"].as_array().unwrap().len(), 1);
    assert_eq!(theirs["projects"][0]["name"], "别的项目");
    assert!(theirs["flagged"].as_array().unwrap().is_empty());
    let all = body(fx.app.get("/dashboard", &fx.sys).await).await;
    assert_eq!(all["projects"].as_array().unwrap().len(), 2);
    assert_eq!(
        all["projects"][0]["name"], "新产品上市",
        "troubled projects first"
    );

    // Every department figure leads to the same tasks across projects (GET /tasks).
    let titles = |v: &Value| -> Vec<String> {
        let mut t: Vec<String> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap().to_owned())
            .collect();
        t.sort();
        t
    };
    let across = |q: String| {
        let app = &fx.app;
        let viewer = fx.viewer.clone();
        async move { body(app.get(&format!("/tasks?{q}"), &viewer).await).await }
    };
    let dept = fx.dept;
    let open = across(format!("department_id={dept}&open=true")).await;
    assert_eq!(titles(&open), ["外观设计", "报价单"], "{open}");
    let late = across(format!("department_id={dept}&risk=overdue")).await;
    assert_eq!(titles(&late), ["报价单"]);
    assert!(titles(&across(format!("department_id={dept}&status=done")).await).is_empty());
    let rnd_open = across(format!("department_id={rd}&open=true")).await;
    assert_eq!(titles(&rnd_open), ["样机制作"]);
    assert!(
        titles(&across("open=false&status=todo".to_owned()).await).is_empty(),
        "both must hold"
    );
    // The workload's cells: estimated or not, under way before a date (a task without a start
    // counts from its due date).
    let est = across(format!("department_id={dept}&estimated=true")).await;
    assert_eq!(titles(&est), ["外观设计"]);
    let unest = across(format!("department_id={dept}&estimated=false")).await;
    assert_eq!(titles(&unest), ["报价单"]);
    let started = across(format!("department_id={dept}&starts_before={}", d(-1))).await;
    assert_eq!(titles(&started), ["外观设计", "报价单"]);
    let week = across(format!(
        "department_id={rd}&starts_before={}&due_after={}",
        d(0),
        d(7)
    ))
    .await;
    assert_eq!(titles(&week), ["样机制作"]);
    let not_yet = across(format!("department_id={rd}&starts_before={}", d(-1))).await;
    assert!(titles(&not_yet).is_empty());

    // Only the projects the caller may see; the system administrator's cover every one.
    fx.task(
        fx.other_project,
        &fx.outsider,
        json!({ "title": "别处的任务" }),
    )
    .await;
    assert!(!titles(&across(String::new()).await).contains(&"别处的任务".to_owned()));
    let theirs = body(fx.app.get("/tasks", &fx.outsider).await).await;
    assert_eq!(titles(&theirs), ["别处的任务"], "{theirs}");
    let undated = body(fx.app.get("/tasks?dated=false", &fx.sys).await).await;
    assert_eq!(titles(&undated), ["别处的任务"]);
    let everyone = body(fx.app.get("/tasks?limit=200", &fx.sys).await).await;
    let everyone = everyone["items"].as_array().unwrap();
    assert!(everyone.iter().any(|t| t["project_id"] == json!(p)));
    assert!(everyone.iter().any(|t| t["project_id"] != json!(p)));

    // No longer late: the next evaluation clears the flags the figures count.
    let path = format!("/tasks/{}", quote["id"].as_str().unwrap());
    let moved = fx
        .send(
            Method::PATCH,
            &path,
            &fx.owner,
            Some(json!({ "due_date": d(30) })),
        )
        .await;
    assert_eq!(moved, 200);
    tandem_api::jobs::risk::evaluate_and_store(&fx.app.state, p)
        .await
        .unwrap();
    let dash = body(fx.app.get("/dashboard", &fx.viewer).await).await;
    assert_eq!(dash["projects"][0]["overdue"], 0, "{dash}");
    let depts = dash["departments"].as_array().unwrap();
    let market = depts.iter().find(|x| x["id"] == json!(fx.dept)).unwrap();
    assert_eq!(market["overdue"], 0);
    assert!(
        !dash["flagged"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["title"] == "报价单")
    );
}
