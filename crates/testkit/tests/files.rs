//! The file library (F1–F6) over HTTP: folders, upload and download (ranges, names, types),
//! versions, the trash and its purge, shared blobs, quotas, permission tiers, and the S3 store.
//! Runs on SQLite and (TANDEM_TEST_PG) PostgreSQL; the S3 test against the local S3 server the
//! test script starts (TANDEM_TEST_S3_BUCKET).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::Method;
use serde_json::{Value, json};
use tandem_testkit::{TestApp, problem, spawn_app_with};
use uuid::Uuid;

async fn body(r: reqwest::Response) -> Value {
    r.json().await.unwrap()
}

/// A project with an owner, an editor, a viewer (in 设计部) and an outsider (in 市场部).
struct Fx {
    app: TestApp,
    design: Uuid,
    owner: String,
    editor: String,
    editor_id: Uuid,
    viewer: String,
    viewer_id: Uuid,
    outsider: String,
    project: Uuid,
}

impl Fx {
    async fn new() -> Fx {
        Fx::with(|_| {}).await
    }

    async fn with(adjust: impl FnOnce(&mut tandem_api::config::ApiConfig)) -> Fx {
        let app = spawn_app_with(adjust).await;
        let market = app.department("市场部").await;
        let design = app.department("设计部").await;
        let (_, owner) = app.member("owner@example.com", market).await;
        let (editor_id, editor) = app.member("editor@example.com", market).await;
        let (viewer_id, viewer) = app.member("viewer@example.com", design).await;
        let (_, outsider) = app.member("outsider@example.com", market).await;
        let r = app
            .post(
                "/projects",
                Some(&owner),
                json!({
                    "name": "新产品上市", "goal": "上市", "department_ids": [market],
                    "start_date": "2026-11-01", "end_date": "2027-01-31"
                }),
            )
            .await;
        assert_eq!(r.status(), 201);
        let project: Uuid = body(r).await["id"].as_str().unwrap().parse().unwrap();
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
            design,
            owner,
            editor,
            editor_id,
            viewer,
            viewer_id,
            outsider,
            project,
        }
    }

    async fn folder(&self, token: &str, name: &str, parent: Option<&str>) -> reqwest::Response {
        self.app
            .post(
                &format!("/projects/{}/folders", self.project),
                Some(token),
                json!({ "name": name, "parent_id": parent }),
            )
            .await
    }

    async fn folder_id(&self, name: &str, parent: Option<&str>) -> String {
        let r = self.folder(&self.owner, name, parent).await;
        assert_eq!(r.status(), 201);
        body(r).await["id"].as_str().unwrap().to_owned()
    }

    async fn upload(
        &self,
        token: &str,
        folder: Option<&str>,
        name: &str,
        bytes: &[u8],
    ) -> reqwest::Response {
        let mut form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned()),
        );
        if let Some(f) = folder {
            form = form.text("folder_id", f.to_owned());
        }
        self.app
            .req(
                Method::POST,
                &format!("/projects/{}/files", self.project),
                Some(token),
            )
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    async fn file_id(&self, folder: Option<&str>, name: &str, bytes: &[u8]) -> String {
        let r = self.upload(&self.owner, folder, name, bytes).await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        body(r).await["id"].as_str().unwrap().to_owned()
    }

    async fn new_version(
        &self,
        token: &str,
        id: &str,
        bytes: &[u8],
        note: &str,
    ) -> reqwest::Response {
        let form = reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes.to_vec()).file_name("ignored.txt"),
            )
            .text("note", note.to_owned());
        self.app
            .req(Method::POST, &format!("/files/{id}/versions"), Some(token))
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    async fn content(&self, token: &str, path: &str) -> reqwest::Response {
        self.app.get(path, token).await
    }

    async fn names(&self, token: &str, folder: Option<&str>) -> Vec<String> {
        let q = folder
            .map(|f| format!("?folder_id={f}"))
            .unwrap_or_default();
        let r = self
            .app
            .get(&format!("/projects/{}/files{q}", self.project), token)
            .await;
        assert_eq!(r.status(), 200);
        body(r).await["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap().to_owned())
            .collect()
    }

    async fn put(&self, path: &str, token: &str, v: Value) -> reqwest::Response {
        self.app
            .req(Method::PUT, path, Some(token))
            .json(&v)
            .send()
            .await
            .unwrap()
    }
}

/// Every file in the trash went there 40 days ago (past the 30 days it is kept).
async fn trashed_long_ago(fx: &Fx) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    use tandem_db::entities::files;
    files::Entity::update_many()
        .col_expr(
            files::Column::DeletedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::days(40)),
        )
        .filter(files::Column::DeletedAt.is_not_null())
        .exec(&fx.app.db)
        .await
        .unwrap();
}

fn count_objects(dir: &std::path::Path) -> usize {
    fn walk(p: &std::path::Path) -> usize {
        std::fs::read_dir(p)
            .map(|rd| {
                rd.flatten()
                    .map(|e| {
                        let p = e.path();
                        if p.is_dir() { walk(&p) } else { 1 }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(dir)
}

#[tokio::test]
async fn folders_nest_and_files_upload_download_rename_move_and_copy() {
    let fx = Fx::new().await;
    let design = fx.folder_id("设计稿", None).await;
    let drafts = fx.folder_id("初稿", Some(&design)).await;
    // Names are unique per folder, ignoring case, and a 409 names the holder.
    let r = fx.folder(&fx.editor, "设计稿", None).await;
    assert_eq!(r.status(), 409);
    let p = problem(r).await;
    assert_eq!(p["code"], "name_taken");
    assert_eq!(p["context"]["id"], design.as_str());
    assert_eq!(fx.folder(&fx.editor, "初稿", None).await.status(), 201);
    // Names that would be paths are refused.
    for bad in ["a/b", "..", "x\\y", " "] {
        assert_eq!(
            fx.folder(&fx.editor, bad, None).await.status(),
            422,
            "{bad}"
        );
    }
    // Viewers cannot create anything.
    assert_eq!(fx.folder(&fx.viewer, "看看", None).await.status(), 403);

    let text = "第一版：这个批次的原材料有问题\n".repeat(100);
    let r = fx
        .upload(&fx.editor, Some(&drafts), "海报 文案.txt", text.as_bytes())
        .await;
    assert_eq!(r.status(), 201);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let f = body(r).await;
    let id = f["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/files/{id}"));
    assert_eq!(f["folder_id"], drafts.as_str());
    assert_eq!(f["size"], text.len());
    assert_eq!(f["content_type"], "text/plain; charset=utf-8");
    assert_eq!(f["access"]["level"], "edit");
    assert_eq!(f["access"]["source"], "project_role");
    assert_eq!(f["access"]["role"], "editor");
    // The same name again in the same folder: 409 naming the file (upload a version instead).
    let r = fx
        .upload(&fx.editor, Some(&drafts), "海报 文案.TXT", b"x")
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(problem(r).await["context"]["id"], id.as_str());
    assert_eq!(
        fx.names(&fx.viewer, Some(&drafts)).await,
        vec!["海报 文案.txt"]
    );

    // Download: whole, ranges, conditional, with the exact Chinese name.
    let r = fx
        .content(&fx.viewer, &format!("/files/{id}/content"))
        .await;
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h["accept-ranges"], "bytes");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("sandbox")
    );
    let cd = h["content-disposition"].to_str().unwrap();
    assert!(cd.starts_with("attachment;"), "{cd}");
    assert!(
        cd.contains("filename*=UTF-8''%E6%B5%B7%E6%8A%A5%20%E6%96%87%E6%A1%88.txt"),
        "{cd}"
    );
    let etag = h["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, format!("\"{}\"", f["sha256"].as_str().unwrap()));
    assert_eq!(r.bytes().await.unwrap().as_ref(), text.as_bytes());
    let r = fx
        .app
        .req(
            Method::GET,
            &format!("/files/{id}/content"),
            Some(&fx.viewer),
        )
        .header("Range", "bytes=3-8")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes 3-8/{}", text.len()).as_str()
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), &text.as_bytes()[3..9]);
    let r = fx
        .app
        .req(
            Method::GET,
            &format!("/files/{id}/content"),
            Some(&fx.viewer),
        )
        .header("Range", format!("bytes={}-", text.len() + 10))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 416, "{}", r.text().await.unwrap());
    let r = fx
        .app
        .req(
            Method::GET,
            &format!("/files/{id}/content"),
            Some(&fx.viewer),
        )
        .header("If-None-Match", etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);

    // Rename and move: needs edit; a stale If-Match is 412.
    let r = fx
        .app
        .patch(
            &format!("/files/{id}"),
            &fx.viewer,
            json!({ "name": "x.txt" }),
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = fx
        .app
        .req(Method::PATCH, &format!("/files/{id}"), Some(&fx.editor))
        .header("If-Match", "\"999\"")
        .json(&json!({ "name": "x.txt" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 412);
    let r = fx
        .app
        .patch(
            &format!("/files/{id}"),
            &fx.editor,
            json!({ "name": "海报文案-定稿.txt", "folder_id": design }),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        fx.names(&fx.viewer, Some(&design)).await,
        vec!["海报文案-定稿.txt"]
    );
    assert!(fx.names(&fx.viewer, Some(&drafts)).await.is_empty());
    // A folder cannot move into itself.
    let r = fx
        .app
        .patch(
            &format!("/folders/{design}"),
            &fx.editor,
            json!({ "parent_id": drafts }),
        )
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(problem(r).await["code"], "folder_cycle");

    // Copy: same content, a free name.
    let r = fx
        .app
        .post(
            &format!("/files/{id}/copy"),
            Some(&fx.editor),
            json!({ "folder_id": design }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let copy = body(r).await;
    assert_eq!(copy["name"], "海报文案-定稿 (2).txt");
    assert_eq!(copy["sha256"], f["sha256"]);
    // The folder list is the tree the caller sees.
    let r = fx
        .app
        .get(&format!("/projects/{}/folders", fx.project), &fx.viewer)
        .await;
    let folders = body(r).await;
    assert_eq!(folders["items"].as_array().unwrap().len(), 3);
    // Outsiders see none of it.
    for path in [
        format!("/projects/{}/folders", fx.project),
        format!("/projects/{}/files", fx.project),
        format!("/files/{id}"),
        format!("/files/{id}/content"),
        format!("/folders/{design}"),
    ] {
        assert_eq!(
            fx.app.get(&path, &fx.outsider).await.status(),
            404,
            "{path}"
        );
    }
}

#[tokio::test]
async fn versions_keep_history_and_restore_as_the_newest() {
    let fx = Fx::new().await;
    let id = fx.file_id(None, "方案.md", b"# v1\n").await;
    let r = fx.new_version(&fx.editor, &id, b"# v2\n", "改了标题").await;
    assert_eq!(r.status(), 201);
    let f = body(r).await;
    assert_eq!(f["current_version"], 2);
    // The file keeps its name; the version is the upload, and its author is who modified it.
    assert_eq!(f["name"], "方案.md");
    assert_eq!(f["updated_by"], fx.editor_id.to_string());
    assert_ne!(f["created_by"], f["updated_by"]);
    assert_eq!(
        fx.new_version(&fx.viewer, &id, b"no", "").await.status(),
        403
    );
    let r = fx
        .app
        .post(
            &format!("/files/{id}/versions/1/restore"),
            Some(&fx.editor),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(body(r).await["current_version"], 3);
    let r = fx
        .app
        .get(&format!("/files/{id}/versions"), &fx.viewer)
        .await;
    let versions = body(r).await;
    let list = versions["items"].as_array().unwrap();
    assert_eq!(
        list.iter()
            .map(|v| v["number"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        vec![3, 2, 1]
    );
    assert_eq!(list[1]["note"], "改了标题");
    assert_eq!(list[0]["note"], "restored from version 1");
    assert_eq!(list[0]["sha256"], list[2]["sha256"]);
    let current = fx
        .content(&fx.viewer, &format!("/files/{id}/content"))
        .await;
    assert_eq!(current.bytes().await.unwrap().as_ref(), b"# v1\n");
    let v2 = fx
        .content(&fx.viewer, &format!("/files/{id}/content?version=2"))
        .await;
    assert_eq!(v2.bytes().await.unwrap().as_ref(), b"# v2\n");
    assert_eq!(
        fx.content(&fx.viewer, &format!("/files/{id}/content?version=9"))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn the_trash_keeps_things_30_days_and_restores_them() {
    let scratch = tandem_testkit::Scratch::new("store");
    let store = scratch.path().join("blobs");
    let dir = store.clone();
    let fx = Fx::with(move |c| c.files_dir = dir).await;
    let folder = fx.folder_id("会议纪要", None).await;
    let inside = fx.file_id(Some(&folder), "周会.txt", b"inside").await;
    let loose = fx.file_id(None, "草稿.txt", b"loose").await;
    assert_eq!(
        fx.app
            .delete(&format!("/files/{loose}"), &fx.viewer)
            .await
            .status(),
        403
    );
    assert_eq!(
        fx.app
            .delete(&format!("/files/{loose}"), &fx.editor)
            .await
            .status(),
        204
    );
    assert_eq!(
        fx.app
            .delete(&format!("/folders/{folder}"), &fx.editor)
            .await
            .status(),
        204
    );
    // Gone from the library, the folder's contents with it…
    assert!(fx.names(&fx.owner, None).await.is_empty());
    assert_eq!(
        fx.app
            .get(&format!("/files/{inside}"), &fx.owner)
            .await
            .status(),
        404
    );
    assert_eq!(
        fx.app
            .get(&format!("/folders/{folder}"), &fx.owner)
            .await
            .status(),
        404
    );
    // …listed in the trash (the folder, not what is inside it), with when they go for good.
    let r = fx
        .app
        .get(&format!("/projects/{}/trash", fx.project), &fx.editor)
        .await;
    let trash = body(r).await;
    let items = trash["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["kind"], "folder");
    assert_eq!(items[0]["size"], 6);
    assert_eq!(items[1]["name"], "草稿.txt");
    // A new file takes the trashed one's name; restoring the old one then renames it.
    fx.file_id(None, "草稿.txt", b"new").await;
    let r = fx
        .app
        .post(
            &format!("/files/{loose}/restore"),
            Some(&fx.editor),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await["name"], "草稿 (2).txt");
    let r = fx
        .app
        .post(
            &format!("/folders/{folder}/restore"),
            Some(&fx.editor),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(fx.names(&fx.owner, Some(&folder)).await, vec!["周会.txt"]);

    // Trashed more than 30 days ago: the purge removes it, its blob and then its object.
    let objects = count_objects(&store);
    assert_eq!(
        fx.app
            .delete(&format!("/folders/{folder}"), &fx.editor)
            .await
            .status(),
        204
    );
    {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        use tandem_db::entities::folders;
        let long_ago = chrono::Utc::now() - chrono::Duration::days(31);
        folders::Entity::update_many()
            .col_expr(folders::Column::DeletedAt, Expr::value(long_ago))
            .filter(folders::Column::Id.eq(folder.parse::<Uuid>().unwrap()))
            .exec(&fx.app.db)
            .await
            .unwrap();
    }
    let removed = tandem_api::jobs::files::purge_trash(&fx.app.state)
        .await
        .unwrap();
    assert_eq!(removed, 1);
    fx.app.run_due_jobs().await;
    assert_eq!(count_objects(&store), objects - 1);
    assert_eq!(
        fx.app
            .get(&format!("/files/{inside}"), &fx.owner)
            .await
            .status(),
        404
    );
    let r = fx
        .app
        .get(&format!("/projects/{}/trash", fx.project), &fx.editor)
        .await;
    assert!(body(r).await["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn identical_content_is_stored_once_and_removed_with_its_last_version() {
    let scratch = tandem_testkit::Scratch::new("store");
    let store = scratch.path().join("blobs");
    let dir = store.clone();
    let fx = Fx::with(move |c| c.files_dir = dir).await;
    let a = fx.file_id(None, "a.bin", b"same bytes").await;
    let b = fx.file_id(None, "b.bin", b"same bytes").await;
    // A task attachment of the same content shares the blob too: one store for both.
    let r = fx
        .app
        .post(
            &format!("/projects/{}/tasks", fx.project),
            Some(&fx.owner),
            json!({ "title": "附件任务" }),
        )
        .await;
    let task = body(r).await["id"].as_str().unwrap().to_owned();
    let r = fx
        .app
        .req(
            Method::POST,
            &format!("/tasks/{task}/attachments"),
            Some(&fx.owner),
        )
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(b"same bytes".to_vec()).file_name("c.bin"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let attachment = body(r).await["id"].as_str().unwrap().to_owned();
    fx.app.run_due_jobs().await;
    assert_eq!(count_objects(&store), 1);
    // The attachment is visible from the library, and readable by its id there.
    let r = fx
        .app
        .get(
            &format!("/projects/{}/files?attached=true", fx.project),
            &fx.viewer,
        )
        .await;
    let attached = body(r).await;
    assert_eq!(attached["items"][0]["id"], attachment.as_str());
    assert_eq!(attached["items"][0]["task_id"], task.as_str());
    assert_eq!(attached["items"][0]["access"]["source"], "attachment");
    let r = fx
        .content(&fx.viewer, &format!("/files/{attachment}/content"))
        .await;
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"same bytes");
    // Library changes to an attachment go through its task.
    let r = fx
        .app
        .patch(
            &format!("/files/{attachment}"),
            &fx.owner,
            json!({ "name": "x" }),
        )
        .await;
    assert_eq!(r.status(), 409);
    // Gone from everywhere: the object goes with the last version naming it.
    for id in [&a, &b] {
        assert_eq!(
            fx.app
                .delete(&format!("/files/{id}"), &fx.owner)
                .await
                .status(),
            204
        );
    }
    trashed_long_ago(&fx).await;
    tandem_api::jobs::files::purge_trash(&fx.app.state)
        .await
        .unwrap();
    fx.app.run_due_jobs().await;
    assert_eq!(count_objects(&store), 1, "the attachment still names it");
    assert_eq!(
        fx.app
            .delete(&format!("/attachments/{attachment}"), &fx.owner)
            .await
            .status(),
        204
    );
    fx.app.run_due_jobs().await;
    assert_eq!(count_objects(&store), 0);
}

#[tokio::test]
async fn a_quota_caps_what_a_project_stores() {
    let fx = Fx::new().await;
    fx.file_id(None, "a.txt", b"0123456789").await;
    let path = format!("/projects/{}/storage", fx.project);
    assert_eq!(
        fx.put(&path, &fx.editor, json!({ "quota_bytes": 15 }))
            .await
            .status(),
        403
    );
    let r = fx.put(&path, &fx.owner, json!({ "quota_bytes": 15 })).await;
    assert_eq!(r.status(), 200);
    let s = body(r).await;
    assert_eq!(
        (s["used_bytes"].as_i64(), s["quota_bytes"].as_i64()),
        (Some(10), Some(15))
    );
    let r = fx.upload(&fx.editor, None, "b.txt", b"0123456789").await;
    assert_eq!(r.status(), 409);
    let p = problem(r).await;
    assert_eq!(p["code"], "quota_exceeded");
    assert_eq!(p["context"]["used_bytes"], 10);
    assert_eq!(
        fx.upload(&fx.editor, None, "b.txt", b"01234")
            .await
            .status(),
        201
    );
    let r = fx.app.get(&path, &fx.viewer).await;
    let s = body(r).await;
    assert_eq!(
        (s["used_bytes"].as_i64(), s["files"].as_i64()),
        (Some(15), Some(2))
    );
    assert_eq!(
        fx.put(&path, &fx.owner, json!({ "quota_bytes": null }))
            .await
            .status(),
        200
    );
    assert_eq!(
        fx.upload(&fx.editor, None, "c.txt", b"0123456789")
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn grants_restricted_folders_and_inheritance_decide_who_sees_and_does_what() {
    let fx = Fx::new().await;
    let secret = fx.folder_id("薪酬", None).await;
    let sub = fx.folder_id("2026", Some(&secret)).await;
    let file = fx.file_id(Some(&sub), "名单.csv", b"name,pay\n").await;
    // Restrict it to 设计部 (view) — the viewer is in it, the editor is not.
    let r = fx
        .put(
            &format!("/folders/{secret}/grants"),
            &fx.editor,
            json!({ "grants": [], "restricted": true }),
        )
        .await;
    assert_eq!(r.status(), 403, "editors do not manage");
    let r = fx
        .put(
            &format!("/folders/{secret}/grants"),
            &fx.owner,
            json!({
                "grants": [{ "subject_kind": "department", "subject_id": fx.design, "level": "view" }],
                "restricted": true
            }),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    // The editor no longer sees it: 404 everywhere, and not listed.
    for path in [
        format!("/folders/{secret}"),
        format!("/folders/{sub}"),
        format!("/files/{file}"),
        format!("/files/{file}/content"),
        format!("/files/{file}/versions"),
    ] {
        assert_eq!(fx.app.get(&path, &fx.editor).await.status(), 404, "{path}");
    }
    let r = fx
        .app
        .get(&format!("/projects/{}/folders", fx.project), &fx.editor)
        .await;
    assert!(body(r).await["items"].as_array().unwrap().is_empty());
    assert_eq!(
        fx.app
            .get(
                &format!("/projects/{}/files?folder_id={sub}", fx.project),
                &fx.editor
            )
            .await
            .status(),
        404
    );
    // The viewer sees it through the department grant, inherited, and can say why.
    let r = fx.app.get(&format!("/files/{file}"), &fx.viewer).await;
    assert_eq!(r.status(), 200);
    let f = body(r).await;
    assert_eq!(f["access"]["level"], "view");
    assert_eq!(f["access"]["source"], "grant");
    assert_eq!(f["access"]["on_name"], "薪酬");
    assert_eq!(f["access"]["subject_name"], "设计部");
    assert_eq!(
        fx.upload(&fx.viewer, Some(&sub), "x.csv", b"x")
            .await
            .status(),
        403
    );
    // A grant further down gives the viewer edit in 2026 only.
    let r = fx
        .put(
            &format!("/folders/{sub}/grants"),
            &fx.owner,
            json!({ "grants": [{ "subject_kind": "user", "subject_id": fx.viewer_id, "level": "edit" }] }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let g = body(r).await;
    let grants = g["grants"].as_array().unwrap();
    assert_eq!(grants.len(), 2);
    assert_eq!(grants[0]["inherited"], false);
    assert_eq!(grants[1]["inherited"], true);
    assert_eq!(grants[1]["on_name"], "薪酬");
    assert_eq!(g["restricted_by"], secret.as_str());
    assert_eq!(
        fx.upload(&fx.viewer, Some(&sub), "x.csv", b"x")
            .await
            .status(),
        201
    );
    assert_eq!(
        fx.upload(&fx.viewer, Some(&secret), "y.csv", b"y")
            .await
            .status(),
        403
    );
    // Project administrators always manage; outsiders and unknown subjects are refused.
    assert_eq!(
        fx.app
            .get(&format!("/files/{file}"), &fx.owner)
            .await
            .status(),
        200
    );
    let r = fx
        .put(
            &format!("/folders/{sub}/grants"),
            &fx.owner,
            json!({ "grants": [{ "subject_kind": "user", "subject_id": Uuid::now_v7(), "level": "edit" }] }),
        )
        .await;
    assert_eq!(r.status(), 422);
    // A file grant opens one file of the restricted folder to the editor.
    let r = fx
        .put(
            &format!("/files/{file}/grants"),
            &fx.owner,
            json!({ "grants": [{ "subject_kind": "user", "subject_id": fx.editor_id, "level": "view" }] }),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        fx.app
            .get(&format!("/files/{file}"), &fx.editor)
            .await
            .status(),
        200
    );
    assert_eq!(
        fx.app
            .get(&format!("/folders/{sub}"), &fx.editor)
            .await
            .status(),
        404
    );
    // Opening the folder again gives everyone their project role back.
    let r = fx
        .put(
            &format!("/folders/{secret}/grants"),
            &fx.owner,
            json!({ "grants": [], "restricted": false }),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        fx.app
            .get(&format!("/folders/{sub}"), &fx.editor)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn uploads_are_stored_safely_whatever_their_name_size_or_content() {
    let fx = Fx::with(|c| c.max_upload_bytes = 64 * 1024).await;
    // Over the limit: refused while streaming, nothing kept.
    let r = fx
        .upload(&fx.editor, None, "big.bin", &vec![1u8; 64 * 1024 + 1])
        .await;
    assert_eq!(r.status(), 413);
    // Empty: refused.
    assert_eq!(
        fx.upload(&fx.editor, None, "empty.txt", b"").await.status(),
        422
    );
    // Names that are paths, carry NUL or are too long are cleaned, never used as paths.
    for (raw, want) in [
        ("../../etc/passwd", "passwd".to_owned()),
        ("C:\\Users\\x\\报告.docx", "报告.docx".to_owned()),
        ("/abs/path.txt", "path.txt".to_owned()),
        (&"长".repeat(300), "长".repeat(255)),
    ] {
        let r = fx.upload(&fx.editor, None, raw, b"content").await;
        assert_eq!(r.status(), 201, "{raw:?}");
        assert_eq!(body(r).await["name"], want.as_str());
    }
    // A NUL inside the part's header: the form cannot be read, nothing is stored.
    let r = fx.upload(&fx.editor, None, "a\u{0}b.txt", b"content").await;
    assert_eq!(r.status(), 400);
    assert_eq!(problem(r).await["code"], "bad_multipart");
    // HTML, SVG and a polyglot (a valid GIF that is also a page) are never served as such.
    let polyglot = b"GIF89a/*<html><script>alert(1)</script></html>*/=1;";
    for (name, bytes) in [
        (
            "page.html",
            b"<html><script>alert(1)</script></html>".as_slice(),
        ),
        (
            "pic.svg",
            b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>".as_slice(),
        ),
        ("both.gif", polyglot.as_slice()),
    ] {
        let r = fx.upload(&fx.editor, None, name, bytes).await;
        assert_eq!(r.status(), 201);
        let f = body(r).await;
        let ct = f["content_type"].as_str().unwrap();
        assert!(!ct.contains("html") && !ct.contains("svg"), "{name}: {ct}");
        let r = fx
            .content(
                &fx.viewer,
                &format!("/files/{}/content", f["id"].as_str().unwrap()),
            )
            .await;
        let h = r.headers();
        assert!(
            h["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert!(
            h["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("sandbox")
        );
    }
    // Lying content types: the bytes decide.
    let r = fx
        .app
        .req(
            Method::POST,
            &format!("/projects/{}/files", fx.project),
            Some(&fx.editor),
        )
        .multipart(
            reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec())
                    .file_name("liar.txt")
                    .mime_str("text/html")
                    .unwrap(),
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(body(r).await["content_type"], "image/png");
}

#[tokio::test]
async fn two_uploads_of_one_name_at_once_make_one_file() {
    let fx = Fx::new().await;
    let (a, b) = tokio::join!(
        fx.upload(&fx.editor, None, "同名.txt", b"first"),
        fx.upload(&fx.owner, None, "同名.txt", b"second")
    );
    let mut codes = [a.status().as_u16(), b.status().as_u16()];
    codes.sort_unstable();
    assert_eq!(codes, [201, 409]);
    assert_eq!(fx.names(&fx.owner, None).await, vec!["同名.txt"]);
}

#[tokio::test]
async fn library_events_reach_only_those_who_see_the_change() {
    let fx = Fx::new().await;
    let secret = fx.folder_id("机密", None).await;
    let r = fx
        .put(
            &format!("/folders/{secret}/grants"),
            &fx.owner,
            json!({
                "grants": [{ "subject_kind": "user", "subject_id": fx.viewer_id, "level": "view" }],
                "restricted": true
            }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let open = fx.folder_id("公开", None).await;
    fx.file_id(Some(&secret), "a.txt", b"a").await;
    fx.file_id(Some(&open), "b.txt", b"b").await;
    // The event log holds whom each was for: the restricted one only names the grantee and
    // the administrators.
    use sea_orm::{EntityTrait, QueryOrder};
    use tandem_db::entities::events;
    let rows = events::Entity::find()
        .order_by_asc(events::Column::Id)
        .all(&fx.app.db)
        .await
        .unwrap();
    let library: Vec<_> = rows
        .iter()
        .filter(|e| e.kind == "library.changed")
        .collect();
    let about = |folder: &str| {
        library
            .iter()
            .rev()
            .find(|e| e.data.contains(folder) && e.data.contains("\"file\""))
            .map(|e| e.audience.clone())
            .unwrap()
    };
    // None: every member of the project.
    let restricted = about(&secret).expect("a list of people");
    assert!(
        restricted.contains(&fx.viewer_id.to_string()),
        "{restricted}"
    );
    assert!(
        !restricted.contains(&fx.editor_id.to_string()),
        "{restricted}"
    );
    assert_eq!(about(&open), None);
}

/// The same lifecycle against S3-compatible storage (moto on loopback, started by the test
/// script): upload, range download, a new version, dedup, removal.
#[tokio::test]
async fn s3_storage_holds_the_library() {
    let Ok(bucket) = std::env::var("TANDEM_TEST_S3_BUCKET") else {
        assert!(
            std::env::var_os("TANDEM_TEST_REQUIRE_S3").is_none(),
            "TANDEM_TEST_REQUIRE_S3 is set but no S3 server is"
        );
        eprintln!("skipped: no TANDEM_TEST_S3_BUCKET (scripts/s3-up.sh starts one)");
        return;
    };
    let prefix = Uuid::now_v7();
    let fx = Fx::with(move |c| c.storage_url = Some(format!("s3://{bucket}/{prefix}"))).await;
    let big: Vec<u8> = (0..12 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let id = fx.file_id(None, "视频素材.bin", &big).await;
    let r = fx
        .app
        .req(
            Method::GET,
            &format!("/files/{id}/content"),
            Some(&fx.viewer),
        )
        .header("Range", "bytes=6000000-6000009")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(
        r.bytes().await.unwrap().as_ref(),
        &big[6_000_000..6_000_010]
    );
    let r = fx.new_version(&fx.editor, &id, b"small now", "").await;
    assert_eq!(r.status(), 201);
    let whole = fx
        .content(&fx.viewer, &format!("/files/{id}/content?version=1"))
        .await;
    assert_eq!(whole.bytes().await.unwrap().len(), big.len());
    let twin = fx.file_id(None, "twin.bin", b"small now").await;
    let keys = tandem_db::files::blob_keys(&fx.app.db).await.unwrap();
    assert_eq!(keys.len(), 2, "identical content shares a blob");
    fx.app.run_due_jobs().await;
    for k in &keys {
        assert!(tandem_api::features::library::files::object_exists(&fx.app.state.files, k).await);
    }
    // Removed for good: the objects go.
    for f in [&id, &twin] {
        assert_eq!(
            fx.app
                .delete(&format!("/files/{f}"), &fx.owner)
                .await
                .status(),
            204
        );
    }
    trashed_long_ago(&fx).await;
    tandem_api::jobs::files::purge_trash(&fx.app.state)
        .await
        .unwrap();
    fx.app.run_due_jobs().await;
    for k in &keys {
        assert!(!tandem_api::features::library::files::object_exists(&fx.app.state.files, k).await);
    }
}

/// Task attachments written before the library existed become library files attached to their
/// tasks (same ids), with their versions and blobs, on both engines.
#[tokio::test]
async fn the_library_migration_moves_existing_attachments() {
    use sea_orm::sea_query::{Alias, Query};
    use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
    use tandem_migration::MigratorTrait;
    let scratch = tandem_testkit::Scratch::new("migration");
    let url = tandem_testkit::fresh_database_url(&scratch).await;
    let db = tandem_db::connect(&url).await.unwrap();
    // Every migration before the library's.
    let before = tandem_migration::Migrator::migrations()
        .iter()
        .position(|m| m.name() == "m20261201_000001_file_library")
        .unwrap();
    tandem_migration::Migrator::up(&db, Some(before as u32))
        .await
        .unwrap();
    let admin = tandem_api::bootstrap::create_admin(
        &db,
        "admin@example.com",
        "Admin",
        None,
        "long enough password".into(),
    )
    .await
    .unwrap();
    let now = chrono::Utc::now();
    let (project, task) = (Uuid::now_v7(), Uuid::now_v7());
    let backend = db.get_database_backend();
    let insert = |q: &mut sea_orm::sea_query::InsertStatement| backend.build(&*q);
    db.execute(insert(
        Query::insert()
            .into_table(Alias::new("projects"))
            .columns(
                [
                    "id",
                    "name",
                    "goal",
                    "status",
                    "start_date",
                    "end_date",
                    "time_zone",
                    "work_week",
                    "created_by",
                    "created_at",
                    "updated_at",
                    "version",
                ]
                .map(Alias::new),
            )
            .values_panic([
                project.into(),
                "老项目".into(),
                "".into(),
                "active".into(),
                chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap().into(),
                chrono::NaiveDate::from_ymd_opt(2027, 1, 31).unwrap().into(),
                "Asia/Shanghai".into(),
                "1111100".into(),
                admin.id.into(),
                now.into(),
                now.into(),
                1i64.into(),
            ]),
    ))
    .await
    .unwrap();
    tandem_db::entities::tasks::ActiveModel {
        id: Set(task),
        project_id: Set(project),
        title: Set("有附件的任务".into()),
        description: Set(String::new()),
        description_html: Set(String::new()),
        search_text: Set(String::new()),
        assignee_id: Set(None),
        priority: Set("medium".into()),
        priority_rank: Set(2),
        status: Set("todo".into()),
        start_date: Set(None),
        due_date: Set(None),
        due_key: Set(chrono::NaiveDate::from_ymd_opt(9999, 12, 31).unwrap()),
        milestone_id: Set(None),
        parent_id: Set(None),
        estimate_hours: Set(None),
        progress: Set(0),
        created_by: Set(admin.id),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        board_rank: Set("a0".into()),
        risk_flags: Set(0),
    }
    .insert(&db)
    .await
    .unwrap();
    // Two attachments; the second's two versions hold the first's content and new content.
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    for (id, name, current, viewers) in [
        (a, "报价单.xlsx", 1, None),
        (b, "合同.pdf", 2, Some(format!("[\"{}\"]", admin.id))),
    ] {
        db.execute(insert(
            Query::insert()
                .into_table(Alias::new("attachments"))
                .columns(
                    [
                        "id",
                        "task_id",
                        "name",
                        "permission",
                        "viewers",
                        "current_version",
                        "created_by",
                        "created_at",
                        "updated_at",
                        "version",
                    ]
                    .map(Alias::new),
                )
                .values_panic([
                    id.into(),
                    task.into(),
                    name.into(),
                    "assignee_only".into(),
                    viewers
                        .map(|v| serde_json::from_str::<Value>(&v).unwrap())
                        .into(),
                    current.into(),
                    admin.id.into(),
                    now.into(),
                    now.into(),
                    3i64.into(),
                ]),
        ))
        .await
        .unwrap();
    }
    for (attachment, number, sha, key, size) in [
        (a, 1, "aa", "attachments/k1", 10i64),
        (b, 1, "aa", "attachments/k2", 10),
        (b, 2, "bb", "attachments/k3", 20),
    ] {
        db.execute(insert(
            Query::insert()
                .into_table(Alias::new("attachment_versions"))
                .columns(
                    [
                        "id",
                        "attachment_id",
                        "number",
                        "name",
                        "size",
                        "sha256",
                        "content_type",
                        "storage_key",
                        "uploaded_by",
                        "created_at",
                    ]
                    .map(Alias::new),
                )
                .values_panic([
                    Uuid::now_v7().into(),
                    attachment.into(),
                    number.into(),
                    "x".into(),
                    size.into(),
                    sha.into(),
                    "application/pdf".into(),
                    key.into(),
                    admin.id.into(),
                    now.into(),
                ]),
        ))
        .await
        .unwrap();
    }
    tandem_db::migrate(&db).await.unwrap();

    let moved = tandem_db::files::files_by_ids(&db, &[a, b]).await.unwrap();
    assert_eq!(moved.len(), 2);
    let contract = moved.iter().find(|f| f.id == b).unwrap();
    assert_eq!(contract.task_id, Some(task));
    assert_eq!(contract.project_id, project);
    assert_eq!((contract.current_version, contract.size), (2, 20));
    assert_eq!(contract.permission, "assignee_only");
    assert_eq!(
        tandem_db::attachments::viewers(contract),
        tandem_db::attachments::Viewers::Listed(vec![admin.id])
    );
    assert_eq!(contract.version, 3);
    let versions = tandem_db::files::versions(&db, &[b]).await.unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[1].created_by, admin.id);
    // One blob per content; the content both held is stored once.
    let mut keys = tandem_db::files::blob_keys(&db).await.unwrap();
    keys.sort();
    assert_eq!(keys, vec!["attachments/k1", "attachments/k3"]);
    assert_eq!(
        tandem_db::attachments::list_for_task(&db, task)
            .await
            .unwrap()
            .len(),
        2
    );
}

/// A zip archive of `parts` (name, text), deflated.
fn zipped(parts: &[(&str, &str)]) -> Vec<u8> {
    use std::io::Write;
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in parts {
        zip.start_file(*name, opts).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

/// A one-sheet workbook, as Excel lays one out.
fn xlsx(sheet: &str, rows: &str) -> Vec<u8> {
    const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    const PKG: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
    zipped(&[
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            &format!(
                r#"<?xml version="1.0"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/workbook.xml",
            &format!(
                r#"<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>"#
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            &format!(
                r#"<?xml version="1.0"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/worksheets/sheet1.xml",
            &format!(
                r#"<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>"#
            ),
        ),
    ])
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
        w,
        h,
        image::Rgb([30, 120, 200]),
    ));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

impl Fx {
    async fn preview(&self, token: &str, id: &str) -> Value {
        let r = self.app.get(&format!("/files/{id}/preview"), token).await;
        assert_eq!(r.status(), 200, "{id}");
        let h = r.headers();
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert!(
            h["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("sandbox")
        );
        body(r).await
    }
}

#[tokio::test]
async fn previews_show_each_format_and_never_serve_a_page() {
    let fx = Fx::new().await;
    // A picture: its size, and a re-encoded thumbnail kept for next time.
    let pic = fx.file_id(None, "海报.png", &png(1600, 800)).await;
    let p = fx.preview(&fx.viewer, &pic).await;
    assert_eq!(
        (
            p["kind"].as_str(),
            p["width"].as_u64(),
            p["height"].as_u64()
        ),
        (Some("image"), Some(1600), Some(800))
    );
    let thumb = format!("/files/{pic}/preview/thumbnail?size=256");
    let r = fx.app.get(&thumb, &fx.viewer).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let small = image::load_from_memory(&r.bytes().await.unwrap()).unwrap();
    assert_eq!((small.width(), small.height()), (256, 128));
    let kept = {
        use futures_util::StreamExt;
        use object_store::ObjectStore as _;
        let prefix = object_store::path::Path::from("previews");
        fx.app.state.files.list(Some(&prefix)).count().await
    };
    assert_eq!(kept, 1);
    let r = fx
        .app
        .req(Method::GET, &thumb, Some(&fx.viewer))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    // Other sizes are served by the next size kept; past 4096 is refused.
    let r = fx
        .app
        .get(
            &format!("/files/{pic}/preview/thumbnail?size=300"),
            &fx.viewer,
        )
        .await;
    let big = image::load_from_memory(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(big.width(), 1024);
    let r = fx
        .app
        .get(
            &format!("/files/{pic}/preview/thumbnail?size=5000"),
            &fx.viewer,
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = fx
        .app
        .get(&format!("/files/{pic}/preview/pdf"), &fx.viewer)
        .await;
    assert_eq!(problem(r).await["code"], "preview_unavailable");

    // A PDF: for the browser's viewer, inline but sandboxed.
    let pdf = fx
        .file_id(
            None,
            "合同.pdf",
            b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
        )
        .await;
    assert_eq!(fx.preview(&fx.viewer, &pdf).await["kind"], "pdf");
    let r = fx
        .app
        .get(&format!("/files/{pdf}/preview/pdf"), &fx.viewer)
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline")
    );
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );

    // A CSV saved by Chinese Excel (GB18030) and a workbook: tables.
    let (gbk, _, _) = encoding_rs::GB18030.encode("姓名,部门\n张三,研发部\n");
    let csv = fx.file_id(None, "名单.csv", &gbk).await;
    let p = fx.preview(&fx.viewer, &csv).await;
    assert_eq!(p["kind"], "table");
    assert_eq!(p["encoding"], "GB18030");
    assert_eq!(
        p["sheets"][0]["rows"],
        json!([["姓名", "部门"], ["张三", "研发部"]])
    );
    let book = xlsx(
        "预算",
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>项目</t></is></c><c r="B1" t="inlineStr"><is><t>金额</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>上市</t></is></c><c r="B2"><v>12000</v></c></row>"#,
    );
    let book = fx.file_id(None, "预算.xlsx", &book).await;
    let p = fx.preview(&fx.viewer, &book).await;
    assert_eq!(p["kind"], "table", "{p}");
    assert_eq!(p["sheets"][0]["name"], "预算");
    assert_eq!(
        p["sheets"][0]["rows"],
        json!([["项目", "金额"], ["上市", "12000"]])
    );

    // A Word document: headings through its style sheet.
    let docx = zipped(&[
        (
            "word/styles.xml",
            r#"<?xml version="1.0"?><w:styles xmlns:w="w"><w:style w:styleId="1"><w:name w:val="heading 1"/></w:style></w:styles>"#,
        ),
        (
            "word/document.xml",
            r#"<?xml version="1.0"?><w:document xmlns:w="w"><w:body><w:p><w:pPr><w:pStyle w:val="1"/></w:pPr><w:r><w:t>会议纪要</w:t></w:r></w:p><w:p><w:r><w:t>下周上线</w:t></w:r></w:p></w:body></w:document>"#,
        ),
    ]);
    let doc = fx.file_id(None, "纪要.docx", &docx).await;
    let p = fx.preview(&fx.viewer, &doc).await;
    assert_eq!(p["kind"], "document");
    assert_eq!(
        p["blocks"][0],
        json!({"kind": "heading", "level": 1, "text": "会议纪要"})
    );
    assert_eq!(p["blocks"][1]["text"], "下周上线");

    // Markdown, rendered and sanitized; source code and HTML, highlighted as text.
    let md = fx
        .file_id(
            None,
            "说明.md",
            "# 发布说明\n<script>alert(1)</script>\n".as_bytes(),
        )
        .await;
    let p = fx.preview(&fx.viewer, &md).await;
    let html = p["html"].as_str().unwrap();
    assert!(html.contains("<h1>") && html.contains("发布说明"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    let rs = fx.file_id(None, "main.rs", b"fn main() {}\n").await;
    let p = fx.preview(&fx.viewer, &rs).await;
    assert_eq!(
        (p["kind"].as_str(), p["language"].as_str()),
        (Some("text"), Some("Rust"))
    );
    assert_eq!(p["lines"][0][0], json!({"class": "keyword", "text": "fn"}));
    let page = fx
        .file_id(None, "page.html", b"<html><script>alert(1)</script></html>")
        .await;
    let p = fx.preview(&fx.viewer, &page).await;
    assert_eq!(p["kind"], "text");
    assert!(p.get("html").is_none());

    // A polyglot (a GIF that is also a page), a zip bomb dressed as a workbook and unknown
    // bytes: no preview, never the bytes.
    let poly = fx
        .file_id(
            None,
            "both.gif",
            b"GIF89a/*<html><script>alert(1)</script></html>*/=1;",
        )
        .await;
    let p = fx.preview(&fx.viewer, &poly).await;
    assert_eq!(
        (p["kind"].as_str(), p["unavailable"].as_str()),
        (Some("none"), Some("too_complex"))
    );
    let r = fx
        .app
        .get(&format!("/files/{poly}/preview/thumbnail"), &fx.viewer)
        .await;
    assert_eq!(r.status(), 409);
    let spaces = " ".repeat(40 * 1024 * 1024);
    let bomb = zipped(&[("xl/worksheets/sheet1.xml", &spaces)]);
    assert!(bomb.len() < 1024 * 1024);
    let bomb = fx.file_id(None, "炸弹.xlsx", &bomb).await;
    let p = fx.preview(&fx.viewer, &bomb).await;
    assert_eq!(
        (p["kind"].as_str(), p["unavailable"].as_str()),
        (Some("none"), Some("too_complex"))
    );
    let bin = fx
        .file_id(None, "data.bin", &[0u8, 159, 146, 150, 1, 2])
        .await;
    let p = fx.preview(&fx.viewer, &bin).await;
    assert_eq!(p["unavailable"], "unsupported");

    // A repeat is answered from the ETag; a stranger sees nothing.
    let r = fx
        .app
        .get(&format!("/files/{rs}/preview"), &fx.viewer)
        .await;
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let r = fx
        .app
        .req(
            Method::GET,
            &format!("/files/{rs}/preview"),
            Some(&fx.viewer),
        )
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    for path in ["preview", "preview/thumbnail", "preview/pdf", "diff"] {
        let r = fx
            .app
            .get(&format!("/files/{pic}/{path}"), &fx.outsider)
            .await;
        assert_eq!(r.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn two_versions_of_a_text_file_compare_line_by_line() {
    let fx = Fx::new().await;
    let id = fx
        .file_id(None, "计划.txt", "第一步\n第二步\n第三步\n".as_bytes())
        .await;
    let r = fx
        .new_version(
            &fx.editor,
            &id,
            "第一步\n第二步（改）\n第三步\n第四步\n".as_bytes(),
            "补充",
        )
        .await;
    assert_eq!(r.status(), 201);
    let r = fx.app.get(&format!("/files/{id}/diff"), &fx.viewer).await;
    assert_eq!(r.status(), 200);
    let d = body(r).await;
    assert_eq!((d["from"].as_i64(), d["to"].as_i64()), (Some(1), Some(2)));
    assert_eq!(
        (d["insertions"].as_i64(), d["deletions"].as_i64()),
        (Some(2), Some(1))
    );
    let lines: Vec<(String, String)> = d["hunks"][0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["op"].as_str().unwrap().to_owned(),
                l["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        lines.contains(&("delete".into(), "第二步".into())),
        "{lines:?}"
    );
    assert!(
        lines.contains(&("insert".into(), "第四步".into())),
        "{lines:?}"
    );
    // Backwards works too; a version that does not exist is 404; bad numbers are 422.
    let d = body(
        fx.app
            .get(&format!("/files/{id}/diff?from=2&to=1"), &fx.viewer)
            .await,
    )
    .await;
    assert_eq!(d["insertions"], 1);
    assert_eq!(
        fx.app
            .get(&format!("/files/{id}/diff?from=7"), &fx.viewer)
            .await
            .status(),
        404
    );
    assert_eq!(
        fx.app
            .get(&format!("/files/{id}/diff?to=0"), &fx.viewer)
            .await
            .status(),
        422
    );
    // Pictures are not compared.
    let pic = fx.file_id(None, "a.png", &png(10, 10)).await;
    let r = fx
        .new_version(&fx.editor, &pic, &png(20, 20), "大一点")
        .await;
    assert_eq!(r.status(), 201);
    let r = fx.app.get(&format!("/files/{pic}/diff"), &fx.viewer).await;
    assert_eq!(problem(r).await["code"], "not_text");
}

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

impl Fx {
    /// Starts a tus upload of `len` bytes with `meta` (key, plain value) pairs.
    async fn tus_create(
        &self,
        token: &str,
        len: usize,
        meta: &[(&str, String)],
    ) -> reqwest::Response {
        let meta: Vec<String> = meta
            .iter()
            .map(|(k, v)| format!("{k} {}", b64(v)))
            .collect();
        self.app
            .req(Method::POST, "/uploads", Some(token))
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Length", len.to_string())
            .header("Upload-Metadata", meta.join(","))
            .send()
            .await
            .unwrap()
    }

    async fn tus_patch(
        &self,
        token: &str,
        url: &str,
        offset: usize,
        bytes: &[u8],
    ) -> reqwest::Response {
        self.app
            .http
            .patch(format!("{}{url}", self.app.base))
            .bearer_auth(token)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Offset", offset.to_string())
            .header("Content-Type", "application/offset+octet-stream")
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap()
    }

    async fn tus_offset(&self, token: &str, url: &str) -> (u16, Option<usize>) {
        let r = self
            .app
            .http
            .head(format!("{}{url}", self.app.base))
            .bearer_auth(token)
            .header("Tus-Resumable", "1.0.0")
            .send()
            .await
            .unwrap();
        let offset = r
            .headers()
            .get("upload-offset")
            .map(|v| v.to_str().unwrap().parse().unwrap());
        (r.status().as_u16(), offset)
    }

    async fn staged_pieces(&self) -> usize {
        use futures_util::StreamExt;
        use object_store::ObjectStore as _;
        let prefix = object_store::path::Path::from("uploads");
        self.app.state.files.list(Some(&prefix)).count().await
    }
}

/// Sends a PATCH that announces `announced` bytes, writes only `bytes` and hangs up — a
/// browser tab closed mid-upload.
async fn broken_patch(
    fx: &Fx,
    token: &str,
    url: &str,
    offset: usize,
    announced: usize,
    bytes: &[u8],
) {
    use tokio::io::AsyncWriteExt;
    let addr = fx
        .app
        .base
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let mut s = tokio::net::TcpStream::connect(addr.as_str()).await.unwrap();
    let head = format!(
        "PATCH {url} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: {offset}\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: {announced}\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(bytes).await.unwrap();
    s.flush().await.unwrap();
    drop(s);
}

#[tokio::test]
async fn a_resumable_upload_broken_off_midway_goes_on_from_where_it_stopped() {
    let fx = Fx::new().await;
    let folder = fx.folder_id("视频", None).await;
    let data: Vec<u8> = (0..1_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let r = fx
        .tus_create(
            &fx.editor,
            data.len(),
            &[
                ("filename", "发布会录像.mp4".into()),
                ("project_id", fx.project.to_string()),
                ("folder_id", folder.clone()),
                ("note", "初剪".into()),
            ],
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["tus-resumable"], "1.0.0");
    assert!(r.headers().contains_key("upload-expires"));
    let url = r.headers()["location"].to_str().unwrap().to_owned();
    let url = url.trim_start_matches("/api/v1").to_owned();
    let full = format!("/api/v1{url}");

    // The first 100 kB arrive whole.
    let r = fx.tus_patch(&fx.editor, &full, 0, &data[..100_000]).await;
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["upload-offset"], "100000");
    // The next request is cut off after 500 kB of the 900 kB it announced: what arrived is kept.
    broken_patch(
        &fx,
        &fx.editor,
        &full,
        100_000,
        900_000,
        &data[100_000..600_000],
    )
    .await;
    let mut offset = 100_000;
    for _ in 0..100 {
        if let (200, Some(o)) = fx.tus_offset(&fx.editor, &full).await {
            offset = o;
            if o > 100_000 {
                // Stored pieces count at once; wait a moment for the rest of this one.
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                offset = fx.tus_offset(&fx.editor, &full).await.1.unwrap();
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(offset > 100_000 && offset <= 600_000, "{offset}");
    // Sending from anywhere else is refused with the offset to send from.
    let r = fx.tus_patch(&fx.editor, &full, 0, &data[..10]).await;
    assert_eq!(r.status(), 409);
    assert_eq!(problem(r).await["context"]["offset"], offset as u64);
    // Others do not see the upload at all.
    assert_eq!(fx.tus_offset(&fx.owner, &full).await.0, 404);
    // The rest: the file is stored, whole, where it was meant to go.
    let r = fx
        .tus_patch(&fx.editor, &full, offset, &data[offset..])
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(
        r.headers()["upload-offset"],
        data.len().to_string().as_str()
    );
    let file_id = r.headers()["tandem-file-id"].to_str().unwrap().to_owned();
    let f = body(fx.app.get(&format!("/files/{file_id}"), &fx.viewer).await).await;
    assert_eq!(f["name"], "发布会录像.mp4");
    assert_eq!(f["folder_id"], folder.as_str());
    assert_eq!(f["size"], data.len() as u64);
    let got = fx
        .content(&fx.viewer, &format!("/files/{file_id}/content"))
        .await
        .bytes()
        .await
        .unwrap();
    assert!(got.as_ref() == data.as_slice());
    let v = body(
        fx.app
            .get(&format!("/files/{file_id}/versions"), &fx.viewer)
            .await,
    )
    .await;
    assert_eq!(v["items"][0]["note"], "初剪");
    // The upload says what it made; its staged pieces are gone; a late HEAD sees it complete.
    let u = body(fx.app.get(&url, &fx.editor).await).await;
    assert_eq!(
        (u["state"].as_str(), u["file_id"].as_str()),
        (Some("done"), Some(file_id.as_str()))
    );
    assert_eq!(
        fx.tus_offset(&fx.editor, &full).await,
        (200, Some(data.len()))
    );
    assert_eq!(fx.staged_pieces().await, 0);
    let r = fx.tus_patch(&fx.editor, &full, data.len(), b"x").await;
    assert_eq!(problem(r).await["code"], "upload_finished");

    // A new version through the same protocol.
    let r = fx
        .tus_create(
            &fx.editor,
            5,
            &[("filename", "v2.mp4".into()), ("file_id", file_id.clone())],
        )
        .await;
    assert_eq!(r.status(), 201);
    let v2 = r.headers()["location"].to_str().unwrap().to_owned();
    let r = fx.tus_patch(&fx.editor, &v2, 0, b"12345").await;
    assert_eq!(r.status(), 204);
    let f = body(fx.app.get(&format!("/files/{file_id}"), &fx.viewer).await).await;
    assert_eq!(
        (f["current_version"].as_i64(), f["size"].as_i64()),
        (Some(2), Some(5))
    );
}

#[tokio::test]
async fn resumable_uploads_refuse_early_what_they_would_refuse_at_the_end() {
    let fx = Fx::with(|c| c.max_upload_bytes = 1_000_000).await;
    let project = fx.project.to_string();
    let meta = |name: &str| {
        vec![
            ("filename", name.to_owned()),
            ("project_id", project.clone()),
        ]
    };
    // Protocol: the version header, the content type, the offsets, the length.
    let r = fx
        .app
        .req(Method::POST, "/uploads", Some(&fx.editor))
        .header("Upload-Length", "5")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["tus-version"], "1.0.0");
    let r = fx
        .app
        .req(Method::POST, "/uploads", Some(&fx.editor))
        .header("Tus-Resumable", "0.2.2")
        .header("Upload-Length", "5")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 412);
    assert_eq!(r.headers()["tus-version"], "1.0.0");
    let r = fx
        .app
        .req(Method::OPTIONS, "/uploads", Some(&fx.editor))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(
        r.headers()["tus-extension"]
            .to_str()
            .unwrap()
            .contains("creation")
    );
    assert_eq!(
        fx.tus_create(&fx.editor, 1_000_001, &meta("big.bin"))
            .await
            .status(),
        413
    );
    assert_eq!(
        fx.tus_create(&fx.editor, 0, &meta("empty.bin"))
            .await
            .status(),
        422
    );
    assert_eq!(
        fx.tus_create(&fx.editor, 5, &[("project_id", project.clone())])
            .await
            .status(),
        422
    );
    // Rights and names, before a byte is sent.
    assert_eq!(
        fx.tus_create(&fx.viewer, 5, &meta("a.txt")).await.status(),
        403
    );
    assert_eq!(
        fx.tus_create(&fx.outsider, 5, &meta("a.txt"))
            .await
            .status(),
        404
    );
    fx.file_id(None, "已有.txt", b"x").await;
    let r = fx.tus_create(&fx.editor, 5, &meta("已有.txt")).await;
    assert_eq!(problem(r).await["code"], "name_taken");
    // Uploads under way count against the quota.
    let r = fx
        .put(
            &format!("/projects/{}/storage", fx.project),
            &fx.owner,
            json!({ "quota_bytes": 600_000 }),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    assert_eq!(
        fx.tus_create(&fx.editor, 400_000, &meta("a.bin"))
            .await
            .status(),
        201
    );
    let r = fx.tus_create(&fx.editor, 400_000, &meta("b.bin")).await;
    assert_eq!(problem(r).await["code"], "quota_exceeded");

    // Bytes: the right type, no more than announced.
    let r = fx.tus_create(&fx.editor, 5, &meta("c.txt")).await;
    let url = r.headers()["location"].to_str().unwrap().to_owned();
    let r = fx
        .app
        .http
        .patch(format!("{}{url}", fx.app.base))
        .bearer_auth(&fx.editor)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", "0")
        .header("Content-Type", "text/plain")
        .body("12345")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    assert_eq!(
        fx.tus_patch(&fx.editor, &url, 0, b"123456").await.status(),
        413
    );
    assert_eq!(fx.tus_offset(&fx.editor, &url).await, (200, Some(0)));

    // A name taken while the bytes were on their way: the upload fails and says why.
    let r = fx.tus_create(&fx.editor, 5, &meta("后来.txt")).await;
    let late = r.headers()["location"].to_str().unwrap().to_owned();
    fx.file_id(None, "后来.txt", b"first").await;
    let r = fx.tus_patch(&fx.editor, &late, 0, b"12345").await;
    assert_eq!(r.status(), 409);
    assert_eq!(problem(r).await["context"]["problem"]["code"], "name_taken");
    let u = body(
        fx.app
            .get(late.trim_start_matches("/api/v1"), &fx.editor)
            .await,
    )
    .await;
    assert_eq!(u["state"], "failed");
    assert_eq!(fx.tus_offset(&fx.editor, &late).await.0, 410);

    // Given up, or left to expire: the staged bytes go.
    let r = fx.tus_patch(&fx.editor, &url, 0, b"12").await;
    assert_eq!(r.status(), 204);
    assert_eq!(fx.staged_pieces().await, 1);
    let r = fx
        .app
        .http
        .delete(format!("{}{url}", fx.app.base))
        .bearer_auth(&fx.editor)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(fx.tus_offset(&fx.editor, &url).await.0, 404);
    assert_eq!(fx.staged_pieces().await, 0);
    let r = fx.tus_create(&fx.editor, 5, &meta("d.txt")).await;
    let old = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(fx.tus_patch(&fx.editor, &old, 0, b"12").await.status(), 204);
    {
        use sea_orm::{EntityTrait, sea_query::Expr};
        tandem_db::entities::uploads::Entity::update_many()
            .col_expr(
                tandem_db::entities::uploads::Column::ExpiresAt,
                Expr::value(chrono::Utc::now() - chrono::Duration::minutes(1)),
            )
            .exec(&fx.app.db)
            .await
            .unwrap();
    }
    let removed = tandem_api::features::library::resumable::expire(&fx.app.state)
        .await
        .unwrap();
    assert!(removed >= 2, "{removed}");
    assert_eq!(fx.tus_offset(&fx.editor, &old).await.0, 404);
    assert_eq!(fx.staged_pieces().await, 0);
}

// ------------------------------------------------------------------ co-edited documents (F5)

use tandem_testkit::yjs::{Auth, YjsClient};

impl Fx {
    async fn new_doc(&self, name: &str, content: &str) -> Uuid {
        let r = self
            .app
            .post(
                &format!("/projects/{}/docs", self.project),
                Some(&self.editor),
                json!({ "name": name, "content": content }),
            )
            .await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        body(r).await["file"]["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    }

    async fn ticket(&self, token: &str, doc: Uuid) -> String {
        let r = self
            .app
            .post(&format!("/docs/{doc}/ticket"), Some(token), json!({}))
            .await;
        assert_eq!(r.status(), 200);
        body(r).await["ticket"].as_str().unwrap().to_owned()
    }
}

#[tokio::test]
async fn a_document_is_co_edited_over_the_yjs_protocol_with_the_files_permission() {
    let fx = Fx::new().await;
    let doc = fx.new_doc("周报.md", "# 周报\n").await;
    // Two editors (one by token in the protocol header), a viewer by ticket.
    let mut a = YjsClient::connect(&fx.app, doc, Auth::Bearer(&fx.editor))
        .await
        .unwrap();
    let mut b = YjsClient::connect(&fx.app, doc, Auth::Bearer(&fx.owner))
        .await
        .unwrap();
    let t = fx.ticket(&fx.viewer, doc).await;
    let mut v = YjsClient::connect(&fx.app, doc, Auth::Ticket(&t))
        .await
        .unwrap();
    assert_eq!(a.string(), "# 周报\n");
    assert_eq!(v.string(), "# 周报\n");
    // A ticket works once.
    assert_eq!(
        tandem_testkit::yjs::open(&fx.app, doc, Auth::Ticket(&t))
            .await
            .err(),
        Some(401)
    );
    // Strangers and bad tokens never get a socket.
    assert_eq!(
        tandem_testkit::yjs::open(&fx.app, doc, Auth::Bearer(&fx.outsider))
            .await
            .err(),
        Some(404)
    );
    assert_eq!(
        tandem_testkit::yjs::open(&fx.app, doc, Auth::Bearer("nonsense"))
            .await
            .err(),
        Some(401)
    );

    // An edit reaches the others; awareness too (names and cursors).
    a.insert(7, "本周完成了登录页。\n").await;
    b.wait_for(|t| t.contains("登录页")).await;
    v.wait_for(|t| t.contains("登录页")).await;
    a.announce(r##"{"user":{"name":"编辑","color":"#1a7"}}"##)
        .await;
    b.pump(std::time::Duration::from_millis(300)).await;
    assert!(
        b.peers.values().any(|s| s.contains("编辑")),
        "{:?}",
        b.peers
    );
    // A viewer's edit is dropped: nobody else gets it, the server's text keeps without it.
    v.insert(0, "偷改").await;
    b.insert(0, "> 草稿\n").await;
    a.wait_for(|t| t.starts_with("> 草稿")).await;
    a.pump(std::time::Duration::from_millis(200)).await;
    assert!(!a.string().contains("偷改"));
    let d = body(fx.app.get(&format!("/docs/{doc}"), &fx.viewer).await).await;
    assert_eq!(d["text"], a.string().as_str());
    assert_eq!(d["can_edit"], false);
    assert_eq!(d["editors"], 3);

    // Versions are snapshots of the live text; restoring one edits the live text for all.
    let r = fx
        .app
        .post(
            &format!("/docs/{doc}/versions"),
            Some(&fx.editor),
            json!({ "note": "周五定稿" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(body(r).await["current_version"], 2);
    let r = fx
        .app
        .post(
            &format!("/docs/{doc}/versions"),
            Some(&fx.editor),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200, "unchanged text makes no version");
    let diff = body(fx.app.get(&format!("/files/{doc}/diff"), &fx.viewer).await).await;
    assert!(diff["insertions"].as_u64().unwrap() >= 1, "{diff}");
    let r = fx
        .app
        .post(
            &format!("/docs/{doc}/versions/1/restore"),
            Some(&fx.editor),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    a.wait_for(|t| t == "# 周报\n").await;
    b.wait_for(|t| t == "# 周报\n").await;
    let versions = body(
        fx.app
            .get(&format!("/files/{doc}/versions"), &fx.viewer)
            .await,
    )
    .await;
    assert_eq!(versions["items"][0]["note"], "restored from version 1");
    // The viewer may not save or restore; documents take no uploaded versions.
    let r = fx
        .app
        .post(
            &format!("/docs/{doc}/versions"),
            Some(&fx.viewer),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = fx.new_version(&fx.editor, &doc.to_string(), b"x", "").await;
    assert_eq!(problem(r).await["code"], "live_document");
    // The documents list shows it; a plain file is not a document.
    let list = body(
        fx.app
            .get(&format!("/projects/{}/docs", fx.project), &fx.viewer)
            .await,
    )
    .await;
    assert_eq!(list["items"][0]["name"], "周报.md");
    let plain = fx.file_id(None, "plain.md", b"# x").await;
    assert_eq!(
        fx.app
            .get(&format!("/docs/{plain}"), &fx.viewer)
            .await
            .status(),
        404
    );

    // Deleted to the trash: the sockets close within the next check.
    let r = fx.app.delete(&format!("/files/{doc}"), &fx.editor).await;
    assert_eq!(r.status(), 204);
    assert_eq!(
        fx.app
            .get(&format!("/docs/{doc}"), &fx.editor)
            .await
            .status(),
        404
    );
    a.close().await;
}

#[tokio::test]
async fn concurrent_edits_converge_and_survive_a_restart_and_a_second_instance() {
    use rand::{Rng, SeedableRng};
    // On PostgreSQL no room polls in the test's time: another instance's `NOTIFY` has to bring
    // its edits.
    let pg = std::env::var("TANDEM_TEST_PG").is_ok_and(|v| !v.is_empty());
    let slow_poll = move |c: &mut tandem_api::config::ApiConfig| {
        if pg {
            c.live.doc_poll = Some(std::time::Duration::from_secs(600));
        }
    };
    let fx = Fx::with(slow_poll).await;
    let doc = fx.new_doc("并发.md", "").await;
    let tokens = [fx.editor.clone(), fx.owner.clone(), fx.editor.clone()];
    // Three clients type and delete at random positions with random pauses, all at once.
    let mut tasks = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let mut c = YjsClient::connect(&fx.app, doc, Auth::Bearer(token))
            .await
            .unwrap();
        tasks.push(tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(i as u64 + 7);
            for n in 0..40 {
                let len = c.string().encode_utf16().count() as u32;
                if n % 5 == 4 && len > 3 {
                    c.remove(rng.gen_range(0..len), 2).await;
                } else {
                    let at = rng.gen_range(0..=len);
                    c.insert(at, &format!("{}字{n};", ["甲", "乙", "丙"][i]))
                        .await;
                }
                let pause = rng.gen_range(0..15);
                c.pump(std::time::Duration::from_millis(pause)).await;
            }
            c
        }));
    }
    let mut clients = Vec::new();
    for t in tasks {
        clients.push(t.await.unwrap());
    }
    // Everyone settles on one text, which is the server's.
    for _ in 0..40 {
        for c in &mut clients {
            c.pump(std::time::Duration::from_millis(50)).await;
        }
        if clients.windows(2).all(|w| w[0].string() == w[1].string()) {
            break;
        }
    }
    let text = clients[0].string();
    assert!(clients.iter().all(|c| c.string() == text), "diverged");
    assert!(text.contains("甲字39;") || text.contains("甲字"), "{text}");
    let d = body(fx.app.get(&format!("/docs/{doc}"), &fx.editor).await).await;
    assert_eq!(d["text"], text.as_str());

    // A second instance on the same database: its editors join the same document and the
    // two instances pass edits both ways.
    let other = fx.app.restarted_with(slow_poll).await;
    let mut far = YjsClient::connect(&other, doc, Auth::Bearer(&fx.editor))
        .await
        .unwrap();
    assert_eq!(far.string(), text, "what was acknowledged is stored");
    far.insert(0, "【远端】").await;
    clients[0].wait_for(|t| t.starts_with("【远端】")).await;
    clients[1].insert(0, "【近端】").await;
    far.wait_for(|t| t.contains("【近端】")).await;

    // A fresh instance loads the same thing from what was stored.
    drop(clients);
    far.close().await;
    let third = fx.app.restarted().await;
    let late = YjsClient::connect(&third, doc, Auth::Bearer(&fx.owner))
        .await
        .unwrap();
    assert!(late.string().contains("【远端】") && late.string().contains("【近端】"));
}
