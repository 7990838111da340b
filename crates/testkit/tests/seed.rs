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
    seed_opts(app, token, text, dry_run, prune, false).await
}

async fn seed_opts(
    app: &TestApp,
    token: &str,
    text: &str,
    dry_run: bool,
    prune: bool,
    prune_instance: bool,
) -> Result<Summary, String> {
    let loaded = tandem_cli::read("seed.yaml", text).map_err(|e| e.join("\n"))?;
    let opts = Options {
        dry_run,
        prune,
        prune_instance,
        print_passwords: false,
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
    let file = tandem_cli::export::export(&client, None)
        .await
        .expect("export");
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
    let c = &first.counts();
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
    let cal = get(&app, &token, &format!("/projects/{p}/calendar")).await;
    assert_eq!(cal["holidays"].as_array().unwrap().len(), 6, "{cal}");
    assert_eq!(cal["extra_work_days"][0]["name"], "春节调休");
    assert_eq!(c["calendars"].created, 1);
    let board = get(&app, &token, &format!("/projects/{p}/board?limit=1")).await;
    assert_eq!(board["columns"][1]["wip_limit"], 3, "{board}");
    assert_eq!(board["columns"][2]["wip_limit"], 2);
    assert_eq!(c["wip_limits"].created, 1);
    // Seeded accounts log in with TANDEM_USER_PASSWORD.
    app.login_ok("lilei@example.com", "seeded-password-1").await;
    // The library: folders, the restricted one with its grants, files with content and links.
    assert_eq!((c["folders"].created, c["files"].created), (2, 3));
    let design = key(&app, &token, "folder", Some(p), "design").await;
    let drafts = key(&app, &token, "folder", Some(p), "drafts").await;
    let brief = key(&app, &token, "file", Some(p), "brief").await;
    let logo = key(&app, &token, "file", Some(p), "logo").await;
    let d = get(&app, &token, &format!("/folders/{drafts}")).await;
    assert_eq!(
        (d["parent_id"].as_str(), d["restricted"].as_bool()),
        (Some(design.to_string().as_str()), Some(true))
    );
    let g = get(&app, &token, &format!("/folders/{drafts}/grants")).await;
    assert_eq!(g["grants"].as_array().unwrap().len(), 2, "{g}");
    let b = get(&app, &token, &format!("/files/{brief}")).await;
    assert_eq!(b["name"], "需求说明.md");
    assert_eq!(b["linked_task_ids"], json!([t1]));
    let v = get(&app, &token, &format!("/files/{brief}/versions")).await;
    assert_eq!(v["items"][0]["note"], "初稿");
    let l = get(&app, &token, &format!("/files/{logo}")).await;
    assert_eq!(
        (l["content_type"].as_str(), l["folder_id"].as_str()),
        (Some("image/png"), Some(drafts.to_string().as_str()))
    );
    // A co-edited document, its text live.
    let minutes = key(&app, &token, "file", Some(p), "minutes").await;
    let m = get(&app, &token, &format!("/docs/{minutes}")).await;
    assert_eq!(m["file"]["kind"], "doc");
    assert_eq!(m["file"]["folder_id"], design.to_string());
    assert!(
        m["text"].as_str().unwrap().starts_with("# 周会纪要\n"),
        "{m}"
    );
    // The restricted folder is invisible to a project member outside its grants.
    let wq = app
        .login_ok("E1003", "seeded-password-1")
        .await
        .access_token;
    assert_eq!(
        app.get(&format!("/folders/{drafts}"), &wq).await.status(),
        404
    );
    assert_eq!(app.get(&format!("/files/{logo}"), &wq).await.status(), 404);
    assert_eq!(app.get(&format!("/files/{brief}"), &wq).await.status(), 200);
    // Nor do its keys tell of it.
    let listed = get(
        &app,
        &wq,
        &format!("/external-keys?kind=folder&project_id={p}"),
    )
    .await;
    let names: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["key"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["design"]);

    let before = writes(&app).await;
    let second = seed(&app, &token, EXAMPLE).await;
    assert_eq!(second.writes(), 0, "{second:?}");
    assert_eq!(
        writes(&app).await,
        before,
        "a second run wrote to the server"
    );
    assert_eq!(second.counts()["tasks"].unchanged, 4);
    assert_eq!(second.counts()["calendars"].unchanged, 1);
    assert_eq!(second.counts()["wip_limits"].unchanged, 1);
    assert_eq!(second.counts()["files"].unchanged, 3);
    assert_eq!(second.counts()["folders"].unchanged, 2);

    // New content makes a new version; a file left out of the file stays unless pruned,
    // and a pruned one goes to the trash, from which the next seed that lists it restores it.
    let changed = EXAMPLE.replace("上市时间：2027 年 2 月", "上市时间：2027 年 3 月");
    let third = seed(&app, &token, &changed).await;
    assert_eq!(third.counts()["files"].updated, 1, "{third:?}");
    let v = get(&app, &token, &format!("/files/{brief}/versions")).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    // A document's new text is applied to the live text and saved as a version with the note.
    let edited = changed.replace("待市场部确认", "市场部已确认");
    let fourth = seed(&app, &token, &edited).await;
    assert_eq!(fourth.counts()["files"].updated, 1, "{fourth:?}");
    let m = get(&app, &token, &format!("/docs/{minutes}")).await;
    assert!(m["text"].as_str().unwrap().contains("市场部已确认"), "{m}");
    let v = get(&app, &token, &format!("/files/{minutes}/versions")).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v["items"][0]["note"], "周会后整理");
    assert_eq!(seed(&app, &token, &edited).await.writes(), 0);
    let changed = edited;
    let without_logo = changed
        .split("      - key: logo\n")
        .next()
        .unwrap()
        .to_owned();
    let pruned = seed_with(&app, &token, &without_logo, false, true)
        .await
        .unwrap();
    assert!(pruned.counts()["files"].deleted >= 1, "{pruned:?}");
    assert_eq!(
        app.get(&format!("/files/{logo}"), &token).await.status(),
        404
    );
    let back = seed(&app, &token, &changed).await;
    assert!(
        back.counts()["files"].updated + back.counts()["files"].unchanged >= 2,
        "{back:?}"
    );
    assert_eq!(
        get(&app, &token, &format!("/files/{logo}")).await["id"],
        logo.to_string()
    );
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
    assert_eq!(s.counts()["tasks"].updated, 1);
    assert_eq!(s.counts()["tasks"].unchanged, 3);
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
    assert_eq!(s.counts()["tasks"].updated, 1, "{s:?}");
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
    assert_eq!(plan.counts()["tasks"].created, 4);
    assert_eq!(plan.counts()["projects"].created, 1);
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
    assert_eq!(plan.counts()["tasks"].updated, 2, "{plan:?}");
    assert_eq!(plan.counts()["tasks"].created, 1, "{plan:?}");
    // The plan names each object and what would change in it.
    let lines: Vec<String> = plan.plan.iter().map(|l| l.to_string()).collect();
    for expected in [
        "update    tasks launch/t2a (title)",
        "update    tasks launch/t3 (depends_on)",
        "create    tasks launch/t4",
        "unchanged tasks launch/t1",
    ] {
        assert!(
            lines.iter().any(|l| l == expected),
            "{expected} not in {lines:#?}"
        );
    }
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
    assert_eq!(s.counts()["tasks"].deleted, 1);
    assert_eq!(app.get(&format!("/tasks/{t3}"), &token).await.status(), 404);
    // Seeding the whole file again makes the task anew under its key.
    let s = seed(&app, &token, EXAMPLE).await;
    assert_eq!(s.counts()["tasks"].created, 1);
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
    assert_eq!(s.counts()["departments"].created, 1);
    let mine = "departments:\n  - key: d\n    name: 部门\nprojects:\n  - key: p\n    name: 自己的项目\n    departments: [d]\n    start_date: 2026-12-01\n    end_date: 2027-01-31\n    tasks:\n      - key: a\n        title: 任务\n";
    // Naming a project in the instance is administration ...
    let err = seed_with(&app, &writer, mine, false, false)
        .await
        .unwrap_err();
    assert!(err.starts_with("seed.yaml:5: p: 403"), "{err}");
    // ... but in a project an administrator named, a token that may edit it seeds tasks.
    seed(&app, &full, mine).await;
    let more = mine.replace(
        "        title: 任务\n",
        "        title: 任务（改）\n      - key: b\n        title: 新任务\n",
    );
    let s = seed(&app, &writer, &more).await;
    assert_eq!(s.counts()["tasks"].created, 1);
    assert_eq!(s.counts()["tasks"].updated, 1);
    assert_eq!(s.counts()["departments"].unchanged, 1);
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
    assert_eq!(s.counts()["tasks"].created, 4);
    let again = export(&b, &token_b).await;
    assert_eq!(again, exported, "export → seed → export changed something");
    // And the export is itself idempotent to seed.
    assert_eq!(seed(&b, &token_b, &exported).await.writes(), 0);
}

#[tokio::test]
async fn export_with_a_files_directory_writes_contents_beside_it_and_seeds_back() {
    let a = spawn_app().await;
    let token_a = pat(&a, &["read", "write", "admin"]).await;
    seed(&a, &token_a, EXAMPLE).await;
    let dir = tandem_testkit::Scratch::new("export-files");
    let out = dir.path().join("export.yaml");
    let files = tandem_cli::export::FilesDir {
        dir: dir.path().join("files"),
        base: dir.path().to_path_buf(),
    };
    let client = TandemClient::new(a.base.clone()).with_token(&token_a);
    let file = tandem_cli::export::export(&client, Some(&files))
        .await
        .unwrap();
    let text = tandem_cli::export::render(&file, false).unwrap();
    assert!(!text.contains("content_base64"), "{text}");
    assert!(text.contains("path: files/"), "{text}");
    std::fs::write(&out, &text).unwrap();

    let b = spawn_app().await;
    let token_b = pat(&b, &["read", "write", "admin"]).await;
    let loaded = tandem_cli::read(&out.display().to_string(), &text).unwrap();
    let opts = Options {
        dry_run: false,
        prune: false,
        prune_instance: false,
        print_passwords: false,
        parallel: 4,
        user_password: Some("seeded-password-1".into()),
        file_name: out.display().to_string(),
    };
    let client_b = TandemClient::new(b.base.clone()).with_token(&token_b);
    let mut progress = Progress::new(0, "tasks", true);
    let s = tandem_cli::seed(&client_b, &loaded, &opts, &mut progress)
        .await
        .unwrap();
    assert_eq!(s.counts()["files"].created, 3);
    let p = key(&b, &token_b, "project", None, "launch").await;
    let logo = key(&b, &token_b, "file", Some(p), "logo").await;
    let l = get(&b, &token_b, &format!("/files/{logo}")).await;
    assert_eq!(l["content_type"], "image/png");
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

// ------------------------------------------------------------------ found in review

#[tokio::test]
async fn a_batch_checks_nesting_on_its_final_state_not_row_by_row() {
    let app = spawn_app().await;
    let token = pat(&app, &["read", "write", "admin"]).await;
    let p = project(&app, &token).await;
    let r = batch(
        &app,
        &token,
        p,
        json!({ "tasks": [
        { "key": "a", "title": "甲" },
        { "key": "b", "title": "乙", "parent": "a" },
        { "key": "c", "title": "丙" },
        { "key": "e", "title": "戊" },
    ] }),
    )
    .await;
    assert_eq!(r.status(), 200);
    // An existing task goes under a task the same batch creates; and a parent gives up its
    // sub-task and becomes a sub-task itself, listed before the move that frees it.
    let r = batch(
        &app,
        &token,
        p,
        json!({ "tasks": [
        { "key": "n", "title": "新父任务" },
        { "key": "e", "parent": "n" },
        { "key": "a", "parent": "c" },
        { "key": "b", "parent": "n" },
    ] }),
    )
    .await;
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    let e = key(&app, &token, "task", Some(p), "e").await;
    let n = key(&app, &token, "task", Some(p), "n").await;
    assert_eq!(
        get(&app, &token, &format!("/tasks/{e}")).await["parent_id"],
        n.to_string()
    );
}

#[tokio::test]
async fn status_changes_follow_the_lifecycle_and_done_means_complete() {
    let app = spawn_app().await;
    let token = pat(&app, &["read", "write", "admin"]).await;
    seed(&app, &token, EXAMPLE).await;
    let p = key(&app, &token, "project", None, "launch").await;
    let t3 = key(&app, &token, "task", Some(p), "t3").await;
    let done = EXAMPLE.replace(
        "        depends_on: [t2]\n        estimate_hours: 24\n",
        "        depends_on: [t2]\n        estimate_hours: 24\n        status: done\n",
    );
    let s = seed(&app, &token, &done).await;
    assert_eq!(s.counts()["tasks"].updated, 1);
    let task = get(&app, &token, &format!("/tasks/{t3}")).await;
    assert_eq!(task["status"], "done");
    assert_eq!(task["progress"], 100);
    let activity = get(&app, &token, &format!("/tasks/{t3}/activity")).await;
    let steps: Vec<&str> = activity["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["field"] == "status")
        .map(|a| a["new_value"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["in_progress", "done"], "{activity}");
    assert_eq!(seed(&app, &token, &done).await.writes(), 0);
    // A done task at another percent is a contradiction the file is told about.
    let wrong = done.replace(
        "        status: done\n",
        "        status: done\n        progress: 60\n",
    );
    let err = seed_with(&app, &token, &wrong, false, false)
        .await
        .unwrap_err();
    assert!(err.contains("t3: a done task's progress is 100"), "{err}");
}

#[tokio::test]
async fn only_administrators_name_projects_in_the_instance() {
    let app = spawn_app().await;
    let token = pat(&app, &["read", "write", "admin"]).await;
    let p = project(&app, &token).await;
    let dept = key(&app, &token, "department", None, "d").await;
    let (_, member) = app.member("squatter@example.com", dept).await;
    let body = json!({ "name": "抢注", "department_ids": [dept], "start_date": "2026-12-01",
                       "end_date": "2027-01-31", "external_key": "launch" });
    let r = app.post("/projects", Some(&member), body.clone()).await;
    assert_eq!(r.status(), 403);
    let mut plain = body;
    plain.as_object_mut().unwrap().remove("external_key");
    let r = app.post("/projects", Some(&member), plain).await;
    assert_eq!(r.status(), 201);
    let own: Value = r.json().await.unwrap();
    let r = app
        .post(
            "/external-keys",
            Some(&member),
            json!({ "kind": "project", "key": "launch", "id": own["id"] }),
        )
        .await;
    assert_eq!(r.status(), 403);
    // Inside a project they may edit, members name milestones and tasks as they like.
    let r = app
        .post(
            &format!("/projects/{}/tasks", own["id"].as_str().unwrap()),
            Some(&member),
            json!({ "title": "任务", "external_key": "t1" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let _ = p;
}

#[tokio::test]
async fn project_dependencies_hide_projects_the_caller_cannot_see() {
    let app = spawn_app().await;
    let token = pat(&app, &["read", "write", "admin"]).await;
    let p = project(&app, &token).await;
    let dept = key(&app, &token, "department", None, "d").await;
    let (viewer, viewer_token) = app.member("viewer@example.com", dept).await;
    let r = app
        .post(
            &format!("/projects/{p}/members"),
            Some(&token),
            json!({ "user_id": viewer, "role": "viewer" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    seed(&app, &token, "departments:\n  - key: d\n    name: 部门\nprojects:\n  - key: secret\n    name: 保密项目\n    departments: [d]\n    start_date: 2026-12-01\n    end_date: 2027-06-30\n    tasks:\n      - key: s\n        title: 保密任务\n").await;
    let secret = key(&app, &token, "project", None, "secret").await;
    let s = key(&app, &token, "task", Some(secret), "s").await;
    let r = batch(
        &app,
        &token,
        p,
        json!({ "tasks": [{ "key": "a", "title": "甲" }] }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let a = key(&app, &token, "task", Some(p), "a").await;
    let r = app
        .post(
            &format!("/tasks/{a}/dependencies"),
            Some(&token),
            json!({ "depends_on": s }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let edges = get(&app, &viewer_token, &format!("/projects/{p}/dependencies")).await;
    assert_eq!(edges["items"][0]["depends_on_project_id"], Value::Null);
    let edges = get(&app, &token, &format!("/projects/{p}/dependencies")).await;
    assert_eq!(
        edges["items"][0]["depends_on_project_id"],
        secret.to_string()
    );
}

#[tokio::test]
async fn a_dry_run_plans_new_milestones_members_and_accounts() {
    let app = spawn_app().await;
    let token = pat(&app, &["read", "write", "admin"]).await;
    seed(&app, &token, EXAMPLE).await;
    let more = EXAMPLE
        .replace("users:\n", "users:\n  - key: bob\n    email: bob@example.com\n    name: 鲍勃\n    department: rd\n    position: 测试\n")
        .replace("    members:\n", "    members:\n      - user: bob\n        role: editor\n")
        .replace("    milestones:\n", "    milestones:\n      - key: m0\n        name: 立项\n        date: 2026-12-05\n")
        .replace("      - key: t2a\n        title: 交互稿\n", "      - key: t2a\n        title: 交互稿\n        assignee: bob\n        milestone: m0\n");
    let before = writes(&app).await;
    let plan = seed_with(&app, &token, &more, true, false).await.unwrap();
    assert_eq!(writes(&app).await, before);
    assert_eq!(plan.counts()["users"].created, 1);
    assert_eq!(plan.counts()["milestones"].created, 1);
    assert_eq!(plan.counts()["tasks"].updated, 1, "{plan:?}");
    let s = seed(&app, &token, &more).await;
    assert_eq!(s.counts()["tasks"].updated, 1);
}

#[tokio::test]
async fn deactivated_accounts_are_made_deactivated_and_archived_projects_are_left_alone() {
    let app = spawn_app().await;
    let token = pat(&app, &["read", "write", "admin"]).await;
    let file = EXAMPLE.replace("    status: pending\n", "    status: deactivated\n");
    let s = seed_with(&app, &token, &file, false, false).await.unwrap();
    let intern = key(&app, &token, "user", None, "intern").await;
    assert_eq!(
        get(&app, &token, &format!("/users/{intern}")).await["status"],
        "deactivated"
    );
    assert_eq!(
        app.login("intern@example.com", "seeded-password-1")
            .await
            .status(),
        403
    );
    assert!(s.passwords.is_empty(), "TANDEM_USER_PASSWORD was set");
    let p = key(&app, &token, "project", None, "launch").await;
    let v = get(&app, &token, &format!("/projects/{p}")).await["version"]
        .as_i64()
        .unwrap();
    let r = app
        .req(
            reqwest::Method::DELETE,
            &format!("/projects/{p}"),
            Some(&token),
        )
        .header("If-Match", format!("\"{v}\""))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let changed = file.replace("title: 需求调研", "title: 需求调研（改）");
    let s = seed(&app, &token, &changed).await;
    assert_eq!(s.writes(), 0);
    assert!(
        s.warnings.iter().any(|w| w.contains("launch is archived")),
        "{:?}",
        s.warnings
    );
}

#[tokio::test]
async fn an_export_of_unkeyed_objects_seeds_back_into_the_same_instance_without_copies() {
    let app = spawn_app().await;
    let token = pat(&app, &["read", "write", "admin"]).await;
    let dept = app.department("研发部").await;
    let r = app
        .post(
            "/projects",
            Some(&token),
            json!({ "name": "网页上建的项目", "department_ids": [dept],
              "start_date": "2026-12-01", "end_date": "2027-03-31",
              "milestones": [{ "name": "评审", "date": "2027-01-10" }] }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let p: Value = r.json().await.unwrap();
    let pid = p["id"].as_str().unwrap();
    let t: Value = app
        .post(
            &format!("/projects/{pid}/tasks"),
            Some(&token),
            json!({ "title": "代码块", "description": "    缩进的代码\n正文\n\n" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let r = app
        .post(
            &format!("/tasks/{}/comments", t["id"].as_str().unwrap()),
            Some(&token),
            json!({ "body": "好的" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let exported = export(&app, &token).await;
    let before = writes(&app).await;
    let s = seed(&app, &token, &exported).await;
    assert_eq!(s.writes(), 0, "{s:?}");
    assert_eq!(writes(&app).await, before);
    assert_eq!(task_count(&app, &token, pid.parse().unwrap()).await, 1);
    // The description survives the trip through YAML exactly.
    let b = spawn_app().await;
    let token_b = pat(&b, &["read", "write", "admin"]).await;
    seed(&b, &token_b, &exported).await;
    assert_eq!(export(&b, &token_b).await, exported);
    let again: Value =
        serde_json::to_value(&tandem_cli::read("x.yaml", &exported).unwrap().file).unwrap();
    assert_eq!(
        again["projects"][0]["tasks"][0]["description"],
        "    缩进的代码\n正文\n\n"
    );
}

#[tokio::test]
async fn identifiers_are_not_blanked_by_accident() {
    let app = spawn_app().await;
    let token = pat(&app, &["read", "write", "admin"]).await;
    let dept = app.department("部门").await;
    let (u, _) = app.member("blank@example.com", dept).await;
    let v = get(&app, &token, &format!("/users/{u}")).await["version"]
        .as_i64()
        .unwrap();
    let r = app
        .req(reqwest::Method::PATCH, &format!("/users/{u}"), Some(&token))
        .header("If-Match", format!("\"{v}\""))
        .json(&json!({ "email": "" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn pruning_the_instance_is_asked_for_separately() {
    let app = spawn_app().await;
    let token = pat(&app, &["read", "write", "admin"]).await;
    let full = "departments:\n  - key: a\n    name: 甲部\n  - key: b\n    name: 乙部\nusers:\n  - key: x\n    email: x@example.com\n    name: 小张\n    department: a\n    position: 工程师\n  - key: y\n    email: y@example.com\n    name: 小李\n    department: a\n    position: 工程师\nprojects:\n  - key: p1\n    name: 项目一\n    departments: [a]\n    start_date: 2026-12-01\n    end_date: 2027-01-31\n  - key: p2\n    name: 项目二\n    departments: [a]\n    start_date: 2026-12-01\n    end_date: 2027-01-31\n";
    seed(&app, &token, full).await;
    let fewer = full
        .replace("  - key: b\n    name: 乙部\n", "")
        .replace("  - key: y\n    email: y@example.com\n    name: 小李\n    department: a\n    position: 工程师\n", "")
        .replace("  - key: p2\n    name: 项目二\n    departments: [a]\n    start_date: 2026-12-01\n    end_date: 2027-01-31\n", "");
    let s = seed_with(&app, &token, &fewer, false, true).await.unwrap();
    assert_eq!(
        s.writes(),
        0,
        "--prune stays inside the file's projects: {s:?}"
    );
    let plan = seed_opts(&app, &token, &fewer, true, true, true)
        .await
        .unwrap();
    let s = seed_opts(&app, &token, &fewer, false, true, true)
        .await
        .unwrap();
    assert_eq!(
        plan.counts(),
        s.counts(),
        "the dry run planned what the run did"
    );
    assert_eq!(s.counts()["projects"].deleted, 1);
    assert_eq!(s.counts()["users"].deleted, 1);
    assert_eq!(s.counts()["departments"].deleted, 1);
    let p2 = key(&app, &token, "project", None, "p2").await;
    assert_eq!(
        get(&app, &token, &format!("/projects/{p2}")).await["status"],
        "archived"
    );
    let y = key(&app, &token, "user", None, "y").await;
    assert_eq!(
        get(&app, &token, &format!("/users/{y}")).await["status"],
        "deactivated"
    );
    // Nothing left to prune.
    assert_eq!(
        seed_opts(&app, &token, &fewer, false, true, true)
            .await
            .unwrap()
            .writes(),
        0
    );
}

#[tokio::test]
async fn a_batch_takes_its_longest_valid_input_in_chinese() {
    let app = spawn_app().await;
    let token = pat(&app, &["read", "write", "admin"]).await;
    let p = project(&app, &token).await;
    let long = |n: usize, seed: &str| -> String { seed.chars().cycle().take(n).collect() };
    let k1 = long(200, "外部键甲");
    let k2 = long(200, "外部键乙");
    let r = batch(
        &app,
        &token,
        p,
        json!({ "tasks": [
        { "key": k1, "title": long(300, "标题"), "description": long(20000, "描述文字"),
          "estimate_hours": 10000.0, "progress": 99 },
        { "key": k2, "title": long(300, "子任务"), "parent": k1, "depends_on": [k1],
          "milestone": null },
    ] }),
    )
    .await;
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    let r = batch(
        &app,
        &token,
        p,
        json!({ "tasks": [{ "key": k1 }, { "key": k2 }] }),
    )
    .await;
    assert_eq!(r.json::<Value>().await.unwrap()["unchanged"], 2);
    let id = key(&app, &token, "task", Some(p), &k1).await;
    let r = app
        .post(
            &format!("/tasks/{id}/comments"),
            Some(&token),
            json!({ "body": long(10000, "评论"), "external_key": long(200, "评论键") }),
        )
        .await;
    assert_eq!(r.status(), 201);
}
