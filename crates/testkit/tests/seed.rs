//! I3: `tandem seed` / `tandem export` against the real server over HTTP, and the bulk
//! endpoint they stand on (`POST /projects/{id}/tasks/batch`), on the engine of the lane.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use tandem_cli::progress::Progress;
use tandem_cli::{Options, Summary};
use tandem_client::TandemClient;
use tandem_testkit::{TestApp, spawn_app};
use uuid::Uuid;

const EXAMPLE: &str = include_str!("../../../examples/seed/launch.yaml");

/// A personal access token of the administrator with `scopes`.
async fn pat(app: &TestApp, scopes: &[&str]) -> String {
    let admin = app.admin_token().await;
    let r = app
        .post(
            "/me/tokens",
            Some(&admin),
            json!({ "name": "ci", "scopes": scopes }),
        )
        .await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn seed_with(
    app: &TestApp,
    token: &str,
    text: &str,
    dry_run: bool,
    prune: bool,
) -> Result<Summary, String> {
    let loaded = tandem_cli::read("seed.yaml", text).map_err(|e| e.join("\n"))?;
    let opts = Options {
        dry_run,
        prune,
        parallel: 4,
        user_password: Some("seeded-password-1".into()),
        file_name: "seed.yaml".into(),
    };
    let client = TandemClient::new(app.base.clone()).with_token(token);
    let mut progress = Progress::new(0, "tasks", true);
    tandem_cli::seed(&client, &loaded, &opts, &mut progress)
        .await
        .map_err(|e| e.to_string())
}

async fn seed(app: &TestApp, token: &str, text: &str) -> Summary {
    seed_with(app, token, text, false, false)
        .await
        .expect("seed")
}

async fn export(app: &TestApp, token: &str) -> String {
    let client = TandemClient::new(app.base.clone()).with_token(token);
    let file = tandem_cli::export::export(&client).await.expect("export");
    tandem_cli::export::render(&file, false).expect("render")
}

/// What the server wrote: audit entries, task activity, progress updates, comments.
async fn writes(app: &TestApp) -> [u64; 4] {
    use tandem_db::entities::{audit_log, comments, task_activity, task_progress};
    [
        audit_log::Entity::find().count(&app.db).await.unwrap(),
        task_activity::Entity::find().count(&app.db).await.unwrap(),
        task_progress::Entity::find().count(&app.db).await.unwrap(),
        comments::Entity::find().count(&app.db).await.unwrap(),
    ]
}

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    let r = app.get(path, token).await;
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.unwrap()
}

/// The id an external key names.
async fn key(app: &TestApp, token: &str, kind: &str, project: Option<Uuid>, key: &str) -> Uuid {
    let mut path = format!("/external-keys?kind={kind}&limit=200");
    if let Some(p) = project {
        path.push_str(&format!("&project_id={p}"));
    }
    let page = get(app, token, &path).await;
    let found = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key"] == key)
        .unwrap_or_else(|| panic!("no {kind} key {key}"));
    found["id"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_example_seeds_everything_and_a_second_run_writes_nothing() {
    let app = spawn_app().await;
    let token = pat(&app, &["read", "write", "admin"]).await;
    let first = seed(&app, &token, EXAMPLE).await;
    let c = &first.counts;
    assert_eq!(c["departments"].created, 4);
    assert_eq!(c["users"].created, 4);
    assert_eq!(c["tasks"].created, 4);
    assert_eq!(c["comments"].created, 1);

    // The objects are what the file says.
    let p = key(&app, &token, "project", None, "launch").await;
    let t1 = key(&app, &token, "task", Some(p), "t1").await;
    let t2 = key(&app, &token, "task", Some(p), "t2").await;
    let t2a = key(&app, &token, "task", Some(p), "t2a").await;
    let task1 = get(&app, &token, &format!("/tasks/{t1}")).await;
    assert_eq!(task1["status"], "in_progress");
    assert_eq!(task1["progress"], 40);
    assert_eq!(task1["priority"], "high");
    let lilei = key(&app, &token, "user", None, "lilei").await;
    assert_eq!(task1["assignee_id"], lilei.to_string());
    // Assignees named by employee ID and by e-mail resolve too.
    let task2 = get(&app, &token, &format!("/tasks/{t2}")).await;
    assert_eq!(task2["assignee_id"], lilei.to_string());
    assert_eq!(task2["blocked"], true);
    let sub = get(&app, &token, &format!("/tasks/{t2a}")).await;
    assert_eq!(sub["parent_id"], t2.to_string());
    let deps = get(&app, &token, &format!("/tasks/{t2}/dependencies")).await;
    assert_eq!(deps["items"][0]["depends_on"]["id"], t1.to_string());
    let comments = get(&app, &token, &format!("/tasks/{t1}/comments")).await;
    assert_eq!(comments["items"].as_array().unwrap().len(), 1);
    let rd = key(&app, &token, "department", None, "rd").await;
    let dept = get(&app, &token, &format!("/departments/{rd}")).await;
    assert_eq!(dept["head_id"], lilei.to_string());
    let intern = key(&app, &token, "user", None, "intern").await;
    assert_eq!(
        get(&app, &token, &format!("/users/{intern}")).await["status"],
        "pending"
    );
    // Seeded accounts log in with TANDEM_USER_PASSWORD.
    app.login_ok("lilei@example.com", "seeded-password-1").await;

    let before = writes(&app).await;
    let second = seed(&app, &token, EXAMPLE).await;
    assert_eq!(second.writes(), 0, "{second:?}");
    assert_eq!(
        writes(&app).await,
        before,
        "a second run wrote to the server"
    );
    assert_eq!(second.counts["tasks"].unchanged, 4);
}

#[tokio::test]
async fn a_changed_field_changes_only_that_field() {
    let app = spawn_app().await;
    let token = pat(&app, &["read", "write", "admin"]).await;
    seed(&app, &token, EXAMPLE).await;
    let p = key(&app, &token, "project", None, "launch").await;
    let t1 = key(&app, &token, "task", Some(p), "t1").await;
    let t3 = key(&app, &token, "task", Some(p), "t3").await;
    // Someone edits a field the file does not set.
    let v = get(&app, &token, &format!("/tasks/{t3}")).await["version"]
        .as_i64()
        .unwrap();
    let r = app
        .req(
            reqwest::Method::PATCH,
            &format!("/tasks/{t3}"),
            Some(&token),
        )
        .header("If-Match", format!("\"{v}\""))
        .json(&json!({ "description": "渠道方案见附件" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let changed = EXAMPLE.replace("title: 需求调研", "title: 需求调研（第二轮）");
    let before = writes(&app).await;
    let s = seed(&app, &token, &changed).await;
    assert_eq!(s.counts["tasks"].updated, 1);
    assert_eq!(s.counts["tasks"].unchanged, 3);
    assert_eq!(s.writes(), 1, "{s:?}");
    let after = writes(&app).await;
    assert_eq!(after[1], before[1] + 1, "one activity entry: the title");
    let task1 = get(&app, &token, &format!("/tasks/{t1}")).await;
    assert_eq!(task1["title"], "需求调研（第二轮）");
    assert_eq!(task1["progress"], 40);
    let activity = get(&app, &token, &format!("/tasks/{t1}/activity")).await;
    assert!(
        activity["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["field"] == "title")
    );
    // The colleague's edit stays.
    assert_eq!(
        get(&app, &token, &format!("/tasks/{t3}")).await["description"],
        "渠道方案见附件"
    );
}

#[tokio::test]
async fn null_clears_a_field_and_an_empty_list_removes_dependencies() {
    let app = spawn_app().await;
    let token = pat(&app, &["read", "write", "admin"]).await;
    seed(&app, &token, EXAMPLE).await;
    let p = key(&app, &token, "project", None, "launch").await;
    let t2 = key(&app, &token, "task", Some(p), "t2").await;
    let changed = EXAMPLE
        .replace(
            "        depends_on: [t1]\n        assignee: E1001\n",
            "        depends_on: []\n        assignee: null\n        milestone: null\n",
        )
        .replace(
            "        milestone: m1\n        parent: null\n",
            "        parent: null\n",
        );
    let s = seed(&app, &token, &changed).await;
    assert_eq!(s.counts["tasks"].updated, 1, "{s:?}");
    let task2 = get(&app, &token, &format!("/tasks/{t2}")).await;
    assert_eq!(task2["assignee_id"], Value::Null);
    assert_eq!(task2["milestone_id"], Value::Null);
    assert_eq!(task2["blocked"], false);
    assert_eq!(
        get(&app, &token, &format!("/tasks/{t2}/dependencies")).await["items"],
        json!([])
    );
    // Leaving the fields out now leaves them alone.
    assert_eq!(seed(&app, &token, &changed).await.writes(), 0);
}

#[tokio::test]
async fn a_dry_run_plans_and_writes_nothing() {
    let app = spawn_app().await;
    let token = pat(&app, &["read", "write", "admin"]).await;
    let before = writes(&app).await;
    let plan = seed_with(&app, &token, EXAMPLE, true, false).await.unwrap();
    assert_eq!(plan.counts["tasks"].created, 4);
    assert_eq!(plan.counts["projects"].created, 1);
    assert_eq!(writes(&app).await, before);
    let admin = app.admin_token().await;
    assert_eq!(
        get(&app, &admin, "/projects?scope=all").await["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        get(&app, &admin, "/departments").await["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    seed(&app, &token, EXAMPLE).await;
    let changed = EXAMPLE
        .replace("title: 交互稿", "title: 交互稿 v2")
        .replace("depends_on: [t2]", "depends_on: [t1, t2]")
        .replace(
            "  - key: t3\n",
            "  - key: t4\n        title: 新任务\n      - key: t3\n",
        );
    let before = writes(&app).await;
    let plan = seed_with(&app, &token, &changed, true, false)
        .await
        .unwrap();
    assert_eq!(plan.counts["tasks"].updated, 2, "{plan:?}");
    assert_eq!(plan.counts["tasks"].created, 1, "{plan:?}");
    assert_eq!(writes(&app).await, before);
    let p = key(&app, &token, "project", None, "launch").await;
    let t2a = key(&app, &token, "task", Some(p), "t2a").await;
    assert_eq!(
        get(&app, &token, &format!("/tasks/{t2a}")).await["title"],
        "交互稿"
    );
}

#[tokio::test]
async fn removed_objects_stay_unless_pruned() {
    let app = spawn_app().await;
    let token = pat(&app, &["read", "write", "admin"]).await;
    seed(&app, &token, EXAMPLE).await;
    let p = key(&app, &token, "project", None, "launch").await;
    let t3 = key(&app, &token, "task", Some(p), "t3").await;
    let without = EXAMPLE
        .split("      - key: t3\n")
        .next()
        .unwrap()
        .to_owned();
    let s = seed(&app, &token, &without).await;
    assert_eq!(s.writes(), 0);
    assert_eq!(app.get(&format!("/tasks/{t3}"), &token).await.status(), 200);
    let s = seed_with(&app, &token, &without, false, true)
        .await
        .unwrap();
    assert_eq!(s.counts["tasks"].deleted, 1);
    assert_eq!(app.get(&format!("/tasks/{t3}"), &token).await.status(), 404);
    // Seeding the whole file again makes the task anew under its key.
    let s = seed(&app, &token, EXAMPLE).await;
    assert_eq!(s.counts["tasks"].created, 1);
}

#[tokio::test]
async fn token_scopes_are_respected() {
    let app = spawn_app().await;
    let read_only = pat(&app, &["read"]).await;
    let err = seed_with(&app, &read_only, EXAMPLE, false, false)
        .await
        .unwrap_err();
    assert!(err.contains("seed.yaml:4: hq: 403"), "{err}");
    let admin = app.admin_token().await;
    assert_eq!(
        get(&app, &admin, "/departments").await["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // Without `admin`, departments and accounts are out of reach; projects are not.
    let writer = pat(&app, &["read", "write"]).await;
    let err = seed_with(&app, &writer, EXAMPLE, false, false)
        .await
        .unwrap_err();
    assert!(err.contains("403") && err.contains("admin"), "{err}");
    let full = pat(&app, &["read", "write", "admin"]).await;
    let s = seed(&app, &full, "departments:\n  - key: d\n    name: 部门\n").await;
    assert_eq!(s.counts["departments"].created, 1);
    let mine = "departments:\n  - key: d\n    name: 部门\nprojects:\n  - key: p\n    name: 自己的项目\n    departments: [d]\n    start_date: 2026-12-01\n    end_date: 2027-01-31\n    tasks:\n      - key: a\n        title: 任务\n";
    let s = seed(&app, &writer, mine).await;
    assert_eq!(s.counts["projects"].created, 1);
    assert_eq!(s.counts["departments"].unchanged, 1);
}

#[tokio::test]
async fn export_then_seed_into_an_empty_instance_round_trips() {
    let a = spawn_app().await;
    let token_a = pat(&a, &["read", "write", "admin"]).await;
    seed(&a, &token_a, EXAMPLE).await;
    let exported = export(&a, &token_a).await;
    assert!(exported.contains("key: launch"), "{exported}");

    let b = spawn_app().await;
    let token_b = pat(&b, &["read", "write", "admin"]).await;
    let s = seed(&b, &token_b, &exported).await;
    assert_eq!(s.counts["tasks"].created, 4);
    let again = export(&b, &token_b).await;
    assert_eq!(again, exported, "export → seed → export changed something");
    // And the export is itself idempotent to seed.
    assert_eq!(seed(&b, &token_b, &exported).await.writes(), 0);
}

// ------------------------------------------------------------------ the batch endpoint

async fn project(app: &TestApp, token: &str) -> Uuid {
    seed(app, token, "departments:\n  - key: d\n    name: 部门\nprojects:\n  - key: p\n    name: 批量项目\n    departments: [d]\n    start_date: 2026-12-01\n    end_date: 2027-06-30\n").await;
    key(app, token, "project", None, "p").await
}

async fn batch(app: &TestApp, token: &str, p: Uuid, body: Value) -> reqwest::Response {
    app.post(&format!("/projects/{p}/tasks/batch"), Some(token), body)
        .await
}

async fn task_count(app: &TestApp, token: &str, p: Uuid) -> usize {
    let client = TandemClient::new(app.base.clone()).with_token(token);
    client
        .get_all::<Value>(&format!("/projects/{p}/tasks"))
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_batch_is_all_or_nothing_and_names_the_bad_item() {
    let app = spawn_app().await;
    let token = pat(&app, &["read", "write", "admin"]).await;
    let p = project(&app, &token).await;
    let r = batch(
        &app,
        &token,
        p,
        json!({ "tasks": [
        { "key": "a", "title": "甲" },
        { "key": "b", "title": "乙", "milestone": "nope" },
        { "key": "c" },
    ] }),
    )
    .await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["tasks[1].milestone", "tasks[2].title"]);
    assert_eq!(task_count(&app, &token, p).await, 0);

    let too_many: Vec<Value> = (0..1001)
        .map(|i| json!({ "key": format!("k{i}"), "title": "任务" }))
        .collect();
    assert_eq!(
        batch(&app, &token, p, json!({ "tasks": too_many }))
            .await
            .status(),
        422
    );

    // A thousand at once, with dependencies and sub-tasks inside the batch.
    let items: Vec<Value> = (0..1000)
        .map(|i| {
            let mut t = json!({ "key": format!("k{i}"), "title": format!("任务{i}") });
            if i % 10 != 0 {
                t["parent"] = json!(format!("k{}", i - i % 10));
            }
            if i > 0 && i % 10 == 0 {
                t["depends_on"] = json!([format!("k{}", i - 10)]);
            }
            t
        })
        .collect();
    let r = batch(&app, &token, p, json!({ "tasks": items })).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["created"], 1000);
    assert_eq!(task_count(&app, &token, p).await, 1000);
    // Closing a cycle from another request is refused, naming the item.
    let r = batch(
        &app,
        &token,
        p,
        json!({ "tasks": [{ "key": "k0", "depends_on": ["k990"] }] }),
    )
    .await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "tasks[0].depends_on");
    assert_eq!(body["errors"][0]["code"], "cycle");
    // A sub-task cannot take sub-tasks.
    let r = batch(
        &app,
        &token,
        p,
        json!({ "tasks": [{ "key": "x", "title": "孙任务", "parent": "k1" }] }),
    )
    .await;
    assert_eq!(r.status(), 422);
    // Listing fewer predecessors removes the others (in this project).
    let r = batch(
        &app,
        &token,
        p,
        json!({ "tasks": [{ "key": "k20", "depends_on": [] }] }),
    )
    .await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["items"][0]["changed"], json!(["depends_on"]));
    let k20 = key(&app, &token, "task", Some(p), "k20").await;
    assert_eq!(
        get(&app, &token, &format!("/tasks/{k20}/dependencies")).await["items"],
        json!([])
    );
}

#[tokio::test]
async fn concurrent_batches_with_the_same_keys_make_each_task_once() {
    let app = spawn_app().await;
    let token = pat(&app, &["read", "write", "admin"]).await;
    let p = project(&app, &token).await;
    let items: Vec<Value> = (0..300)
        .map(|i| json!({ "key": format!("k{i}"), "title": format!("任务{i}") }))
        .collect();
    let body = json!({ "tasks": items });
    let (a, b, c) = tokio::join!(
        batch(&app, &token, p, body.clone()),
        batch(&app, &token, p, body.clone()),
        batch(&app, &token, p, body.clone())
    );
    let mut created = 0;
    for r in [a, b, c] {
        assert_eq!(r.status(), 200);
        created += r.json::<Value>().await.unwrap()["created"]
            .as_u64()
            .unwrap();
    }
    assert_eq!(created, 300);
    assert_eq!(task_count(&app, &token, p).await, 300);
}

#[tokio::test]
async fn a_batch_asks_the_policy_for_progress_and_reassignment() {
    let app = spawn_app().await;
    let token = pat(&app, &["read", "write", "admin"]).await;
    let p = project(&app, &token).await;
    let dept = key(&app, &token, "department", None, "d").await;
    let (editor, editor_token) = app.member("editor@example.com", dept).await;
    let (other, _) = app.member("other@example.com", dept).await;
    for u in [editor, other] {
        let r = app
            .post(
                &format!("/projects/{p}/members"),
                Some(&token),
                json!({ "user_id": u, "role": "editor" }),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    let r = batch(
        &app,
        &token,
        p,
        json!({ "tasks": [{ "key": "t", "title": "别人的任务", "assignee_id": other }] }),
    )
    .await;
    assert_eq!(r.status(), 200);
    // An editor may not report progress on someone else's task, nor take it over.
    let r = batch(
        &app,
        &editor_token,
        p,
        json!({ "tasks": [{ "key": "t", "progress": 50 }] }),
    )
    .await;
    assert_eq!(r.status(), 403);
    let r = batch(
        &app,
        &editor_token,
        p,
        json!({ "tasks": [{ "key": "t", "assignee_id": editor }] }),
    )
    .await;
    assert_eq!(r.status(), 403);
    // A viewer's token may not write at all; a read-only token neither.
    let read_only = pat(&app, &["read"]).await;
    let r = batch(
        &app,
        &read_only,
        p,
        json!({ "tasks": [{ "key": "u", "title": "任务" }] }),
    )
    .await;
    assert_eq!(r.status(), 403);
}
