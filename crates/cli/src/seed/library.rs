//! Seeding a project's file library: folders (parents first), files with their content,
//! links to tasks and grants. A file's content becomes a new version only when it differs
//! from the current one (compared by SHA-256), so a second run uploads nothing. Keyed items
//! found in the trash are restored: the file says they exist.

use std::collections::{HashMap, HashSet};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};
use sha2::Digest;
use tandem_client::{ClientError, HttpMethod as Method};
use tandem_dto::{
    BatchOutcome, ExternalKeyKind, FileResponse, FolderResponse, GrantInput, GrantSubjectKind,
    GrantsResponse, Problem, TrashItem,
};
use uuid::Uuid;

use super::{Run, SeedError, describe};
use crate::format::{Grant, Project, set};

/// A library item's version (for `If-Match`).
trait Versioned {
    fn version(&self) -> i64;
}

impl Versioned for FileResponse {
    fn version(&self) -> i64 {
        self.version
    }
}

impl Versioned for FolderResponse {
    fn version(&self) -> i64 {
        self.version
    }
}

fn is_404(e: &ClientError) -> bool {
    matches!(e, ClientError::Api(Problem { status: 404, .. }))
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Grants in a comparable order.
fn sorted(mut g: Vec<GrantInput>) -> Vec<GrantInput> {
    g.sort_by_key(|x| (x.subject_kind.as_str(), x.subject_id));
    g
}

impl Run<'_> {
    pub(super) async fn library(
        &mut self,
        p: &Project,
        pid: Option<Uuid>,
        i: usize,
    ) -> Result<(), SeedError> {
        if p.folders.is_empty() && p.files.is_empty() && !self.opts.prune {
            return Ok(());
        }
        let Some(pid) = pid else {
            // A dry run of a new project: everything in it would be made.
            for d in &p.folders {
                let key = format!("{}/{}", p.key, d.key);
                self.summary
                    .add("folders", key, BatchOutcome::Created, Vec::new());
            }
            for f in &p.files {
                let key = format!("{}/{}", p.key, f.key);
                self.summary
                    .add("files", key, BatchOutcome::Created, Vec::new());
            }
            return Ok(());
        };
        let ptr = format!("/projects/{i}");
        let trash: Vec<TrashItem> = self
            .client
            .get_all(&format!("/projects/{pid}/trash"))
            .await
            .map_err(|e| self.api(&ptr, &p.key, e))?;
        let folder_ids = self.folders(p, pid, i, &trash).await?;
        self.files(p, pid, i, &trash, &folder_ids).await?;
        if self.opts.prune {
            self.prune_library(p, pid, i).await?;
        }
        Ok(())
    }

    /// The keyed item `/{what}/{id}`, brought back from the trash when it is there (with
    /// `true`); `None` when it is gone. A dry run reports an item at the top of the trash as
    /// one it would restore.
    async fn live_or_restored<T: serde::de::DeserializeOwned>(
        &self,
        trash: &[TrashItem],
        what: &str,
        id: Uuid,
        pointer: &str,
        key: &str,
    ) -> Result<(Option<T>, bool), SeedError> {
        let path = format!("/{what}/{id}");
        match self.client.get_json::<T>(&path).await {
            Ok(x) => return Ok((Some(x), false)),
            Err(e) if is_404(&e) => {}
            Err(e) => return Err(self.api(pointer, key, e)),
        }
        if self.opts.dry_run {
            return Ok((None, trash.iter().any(|t| t.id == id)));
        }
        // Not only the trash's top items: one inside a trashed folder comes back too.
        match self
            .client
            .call::<_, Value>(Method::POST, &format!("{path}/restore"), &json!({}), None)
            .await
        {
            Ok(_) => {}
            Err(e) if is_404(&e) => return Ok((None, false)),
            Err(e) => return Err(self.api(pointer, key, e)),
        }
        let x = self
            .client
            .get_json::<T>(&path)
            .await
            .map_err(|e| self.api(pointer, key, e))?;
        Ok((Some(x), true))
    }

    /// The file's grants as the API takes them.
    fn grant_inputs(
        &self,
        grants: &[Grant],
        pointer: &str,
        key: &str,
    ) -> Result<Vec<GrantInput>, SeedError> {
        grants
            .iter()
            .map(|g| {
                let (kind, id) = match (&g.user, &g.department) {
                    (Some(u), None) => (GrantSubjectKind::User, self.users.get(u).copied()),
                    (None, Some(d)) => (
                        GrantSubjectKind::Department,
                        self.departments.get(d).copied(),
                    ),
                    _ => (GrantSubjectKind::User, None),
                };
                let id = id.ok_or_else(|| {
                    self.fail(
                        pointer,
                        Some(key),
                        "a grant's user or department is not known".into(),
                    )
                })?;
                Ok(GrantInput {
                    subject_kind: kind,
                    subject_id: id,
                    level: g.level,
                })
            })
            .collect()
    }

    /// Makes the grants (and, for folders, `restricted`) of `path` (`/folders/{id}` or
    /// `/files/{id}`) what the file says; `true` when something changed.
    async fn grants(
        &self,
        path: &str,
        want: Option<&[Grant]>,
        restricted: Option<bool>,
        pointer: &str,
        key: &str,
    ) -> Result<bool, SeedError> {
        if want.is_none() && restricted.is_none() {
            return Ok(false);
        }
        let now: GrantsResponse = self
            .client
            .get_json(&format!("{path}/grants"))
            .await
            .map_err(|e| self.api(pointer, key, e))?;
        let own = sorted(
            now.grants
                .iter()
                .filter(|g| !g.inherited)
                .map(|g| GrantInput {
                    subject_kind: g.subject_kind,
                    subject_id: g.subject_id,
                    level: g.level,
                })
                .collect(),
        );
        let grants = match want {
            Some(w) => sorted(self.grant_inputs(w, pointer, key)?),
            None => own.clone(),
        };
        let restricted_now = restricted.unwrap_or(now.restricted);
        if grants == own && restricted_now == now.restricted {
            return Ok(false);
        }
        if !self.opts.dry_run {
            let mut body = json!({ "grants": grants });
            if restricted.is_some() {
                body["restricted"] = json!(restricted_now);
            }
            self.client
                .call::<_, Value>(Method::PUT, &format!("{path}/grants"), &body, None)
                .await
                .map_err(|e| self.api(pointer, key, e))?;
        }
        Ok(true)
    }

    async fn folders(
        &mut self,
        p: &Project,
        pid: Uuid,
        i: usize,
        trash: &[TrashItem],
    ) -> Result<HashMap<String, Uuid>, SeedError> {
        let keyed = self.keys(ExternalKeyKind::Folder, Some(pid)).await?;
        let mut ids: HashMap<String, Uuid> = HashMap::new();
        for (j, d) in p.folders.iter().enumerate() {
            let ptr = format!("/projects/{i}/folders/{j}");
            let parent = set(&d.parent).and_then(|k| ids.get(k).copied());
            let (found, restored) = match keyed.get(&d.key) {
                Some(id) => {
                    self.live_or_restored::<FolderResponse>(trash, "folders", *id, &ptr, &d.key)
                        .await?
                }
                None => (None, false),
            };
            let key = format!("{}/{}", p.key, d.key);
            if restored && found.is_none() {
                // A dry run: it would come back from the trash.
                self.summary.add(
                    "folders",
                    key,
                    BatchOutcome::Updated,
                    vec!["restored".into()],
                );
                if let Some(id) = keyed.get(&d.key) {
                    ids.insert(d.key.clone(), *id);
                }
                continue;
            }
            let id = match found {
                Some(x) => {
                    let mut c = serde_json::Map::new();
                    if x.name != d.name {
                        c.insert("name".into(), json!(d.name));
                    }
                    if d.parent.is_some() && x.parent_id != parent {
                        c.insert("parent_id".into(), json!(parent));
                    }
                    let (mut o, mut fields) = self
                        .patch(&format!("/folders/{}", x.id), c, x.version, &ptr, &d.key)
                        .await?;
                    if restored {
                        o = BatchOutcome::Updated;
                        fields.push("restored".into());
                    }
                    let path = format!("/folders/{}", x.id);
                    if self
                        .grants(&path, d.grants.as_deref(), d.restricted, &ptr, &d.key)
                        .await?
                    {
                        o = BatchOutcome::Updated;
                        fields.push("grants".into());
                    }
                    self.summary.add("folders", key, o, fields);
                    Some(x.id)
                }
                None => {
                    self.summary
                        .add("folders", key, BatchOutcome::Created, Vec::new());
                    if self.opts.dry_run {
                        None
                    } else {
                        let x: FolderResponse = self
                            .client
                            .call(
                                Method::POST,
                                &format!("/projects/{pid}/folders"),
                                &json!({"name": d.name, "parent_id": parent, "external_key": d.key}),
                                None,
                            )
                            .await
                            .map_err(|e| self.api(&ptr, &d.key, e))?;
                        let path = format!("/folders/{}", x.id);
                        self.grants(&path, d.grants.as_deref(), d.restricted, &ptr, &d.key)
                            .await?;
                        Some(x.id)
                    }
                }
            };
            if let Some(id) = id {
                ids.insert(d.key.clone(), id);
            }
        }
        Ok(ids)
    }

    /// The bytes the file gives for `f`, if any.
    fn content(
        &self,
        f: &crate::format::File,
        pointer: &str,
    ) -> Result<Option<Vec<u8>>, SeedError> {
        let bytes = if let Some(t) = &f.content {
            Some(t.as_bytes().to_vec())
        } else if let Some(b) = &f.content_base64 {
            Some(B64.decode(b.trim()).map_err(|e| {
                self.fail(
                    &format!("{pointer}/content_base64"),
                    Some(&f.key),
                    format!("not base64: {e}"),
                )
            })?)
        } else if let Some(path) = &f.path {
            let base = std::path::Path::new(&self.opts.file_name)
                .parent()
                .unwrap_or_else(|| std::path::Path::new("."));
            let full = base.join(path);
            Some(std::fs::read(&full).map_err(|e| {
                self.fail(
                    &format!("{pointer}/path"),
                    Some(&f.key),
                    format!("cannot read {}: {e}", full.display()),
                )
            })?)
        } else {
            None
        };
        if let (Some(b), Some(want)) = (&bytes, &f.sha256)
            && sha256(b) != want.to_ascii_lowercase()
        {
            return Err(self.fail(
                pointer,
                Some(&f.key),
                "the content does not match its sha256".into(),
            ));
        }
        Ok(bytes)
    }

    async fn files(
        &mut self,
        p: &Project,
        pid: Uuid,
        i: usize,
        trash: &[TrashItem],
        folder_ids: &HashMap<String, Uuid>,
    ) -> Result<(), SeedError> {
        let keyed = self.keys(ExternalKeyKind::File, Some(pid)).await?;
        let tasks = if p.files.iter().any(|f| f.tasks.is_some()) {
            self.keys(ExternalKeyKind::Task, Some(pid)).await?
        } else {
            HashMap::new()
        };
        for (j, f) in p.files.iter().enumerate() {
            let ptr = format!("/projects/{i}/files/{j}");
            let bytes = self.content(f, &ptr)?;
            let folder = set(&f.folder).and_then(|k| folder_ids.get(k).copied());
            let (found, restored) = match keyed.get(&f.key) {
                Some(id) => {
                    self.live_or_restored::<FileResponse>(trash, "files", *id, &ptr, &f.key)
                        .await?
                }
                None => (None, false),
            };
            let key = format!("{}/{}", p.key, f.key);
            if restored && found.is_none() {
                self.summary
                    .add("files", key, BatchOutcome::Updated, vec!["restored".into()]);
                continue;
            }
            let note = f.note.clone().unwrap_or_default();
            let doc = f.kind == Some(crate::format::SeedFileKind::Doc);
            // A document's content is its Markdown text.
            let text = match (doc, &bytes) {
                (true, Some(b)) => Some(String::from_utf8(b.clone()).map_err(|_| {
                    self.fail(
                        &ptr,
                        Some(&f.key),
                        "a document's content must be UTF-8 text".into(),
                    )
                })?),
                _ => None,
            };
            if let Some(x) = &found
                && (x.kind == tandem_dto::FileKind::Doc) != doc
            {
                return Err(self.fail(
                    &format!("{ptr}/kind"),
                    Some(&f.key),
                    format!(
                        "it is a {} in the library; a seed does not change what it is",
                        if doc { "file" } else { "document" }
                    ),
                ));
            }
            let (id, linked, mut outcome, mut fields) = match found {
                Some(x) => {
                    let mut c = serde_json::Map::new();
                    if x.name != f.name {
                        c.insert("name".into(), json!(f.name));
                    }
                    if f.folder.is_some() && x.folder_id != folder {
                        c.insert("folder_id".into(), json!(folder));
                    }
                    let (mut o, mut fields) = self
                        .patch(&format!("/files/{}", x.id), c, x.version, &ptr, &f.key)
                        .await?;
                    if restored {
                        o = BatchOutcome::Updated;
                        fields.push("restored".into());
                    }
                    let changed = match (&text, &bytes) {
                        (Some(text), _) => self.doc_text(x.id, text, f, &ptr).await?,
                        (None, Some(b)) if !doc && sha256(b) != x.sha256 => {
                            if !self.opts.dry_run {
                                self.client
                                    .upload::<Value>(
                                        &format!("/files/{}/versions", x.id),
                                        &f.name,
                                        b.clone(),
                                        &[("note", note.clone())],
                                    )
                                    .await
                                    .map_err(|e| self.api(&ptr, &f.key, e))?;
                            }
                            true
                        }
                        _ => false,
                    };
                    if changed {
                        o = BatchOutcome::Updated;
                        fields.push("content".into());
                    }
                    (Some(x.id), x.linked_task_ids.clone(), o, fields)
                }
                None if doc => {
                    let id = if self.opts.dry_run {
                        None
                    } else {
                        let d: tandem_dto::DocResponse = self
                            .client
                            .call(
                                Method::POST,
                                &format!("/projects/{pid}/docs"),
                                &json!({
                                    "name": f.name,
                                    "folder_id": folder,
                                    "content": text.clone().unwrap_or_default(),
                                    "external_key": f.key,
                                }),
                                None,
                            )
                            .await
                            .map_err(|e| self.api(&ptr, &f.key, e))?;
                        Some(d.file.id)
                    };
                    (id, Vec::new(), BatchOutcome::Created, Vec::new())
                }
                None => {
                    let Some(b) = &bytes else {
                        return Err(self.fail(
                            &ptr,
                            Some(&f.key),
                            "a new file needs content, content_base64 or path".into(),
                        ));
                    };
                    let id = if self.opts.dry_run {
                        None
                    } else {
                        let mut form =
                            vec![("note", note.clone()), ("external_key", f.key.clone())];
                        if let Some(folder) = folder {
                            form.push(("folder_id", folder.to_string()));
                        }
                        let x: FileResponse = self
                            .client
                            .upload(&format!("/projects/{pid}/files"), &f.name, b.clone(), &form)
                            .await
                            .map_err(|e| self.api(&ptr, &f.key, e))?;
                        Some(x.id)
                    };
                    (id, Vec::new(), BatchOutcome::Created, Vec::new())
                }
            };
            if let (Some(id), Some(want)) = (id, &f.tasks) {
                let mut wanted = HashSet::new();
                for t in want {
                    let Some(tid) = tasks.get(t) else {
                        return Err(self.fail(
                            &format!("{ptr}/tasks"),
                            Some(&f.key),
                            format!("no task {t:?} in the project"),
                        ));
                    };
                    wanted.insert(*tid);
                }
                let have: HashSet<Uuid> = linked.iter().copied().collect();
                let mut changed = false;
                for t in wanted.difference(&have) {
                    changed = true;
                    if !self.opts.dry_run {
                        self.client
                            .call_empty(
                                Method::POST,
                                &format!("/tasks/{t}/files"),
                                &json!({"file_id": id}),
                            )
                            .await
                            .map_err(|e| self.api(&ptr, &f.key, e))?;
                    }
                }
                for t in have.difference(&wanted) {
                    changed = true;
                    if !self.opts.dry_run {
                        self.client
                            .delete_at(&format!("/tasks/{t}/files/{id}"), None)
                            .await
                            .map_err(|e| self.api(&ptr, &f.key, e))?;
                    }
                }
                if changed && outcome == BatchOutcome::Unchanged {
                    outcome = BatchOutcome::Updated;
                    fields.push("tasks".into());
                }
            }
            if let Some(id) = id {
                let path = format!("/files/{id}");
                if self
                    .grants(&path, f.grants.as_deref(), None, &ptr, &f.key)
                    .await?
                    && outcome == BatchOutcome::Unchanged
                {
                    outcome = BatchOutcome::Updated;
                    fields.push("grants".into());
                }
            }
            self.summary.add("files", key, outcome, fields);
        }
        Ok(())
    }

    /// Makes document `id`'s live text `text` (as edits, then a version with the entry's
    /// note); `false` when it already is. The live text is compared, not the last version:
    /// that is what people see.
    async fn doc_text(
        &self,
        id: Uuid,
        text: &str,
        f: &crate::format::File,
        ptr: &str,
    ) -> Result<bool, SeedError> {
        let live: tandem_dto::DocResponse = self
            .client
            .get_json(&format!("/docs/{id}"))
            .await
            .map_err(|e| self.api(ptr, &f.key, e))?;
        if live.text == text {
            return Ok(false);
        }
        if !self.opts.dry_run {
            self.client
                .call::<_, Value>(
                    Method::PUT,
                    &format!("/docs/{id}/text"),
                    &json!({
                        "text": text,
                        "note": f.note.as_ref().filter(|n| !n.is_empty()),
                    }),
                    None,
                )
                .await
                .map_err(|e| self.api(ptr, &f.key, e))?;
        }
        Ok(true)
    }

    /// Moves the live item `/{what}/{id}` to the trash; `false` when it is not live.
    async fn trash<T: serde::de::DeserializeOwned + Versioned>(
        &self,
        what: &str,
        id: Uuid,
        pointer: &str,
        key: &str,
    ) -> Result<bool, SeedError> {
        let path = format!("/{what}/{id}");
        let x = match self.client.get_json::<T>(&path).await {
            Ok(x) => x,
            Err(e) if is_404(&e) => return Ok(false),
            Err(e) => return Err(self.api(pointer, key, e)),
        };
        if !self.opts.dry_run {
            self.client
                .delete_at(&path, Some(x.version()))
                .await
                .map_err(|e| self.api(pointer, key, e))?;
        }
        Ok(true)
    }

    /// `--prune`: keyed files and folders the file no longer lists go to the trash (files
    /// first, then folders, deepest first), where they stay restorable for 30 days.
    async fn prune_library(&mut self, p: &Project, pid: Uuid, i: usize) -> Result<(), SeedError> {
        let ptr = format!("/projects/{i}");
        let listed: HashSet<&str> = p.files.iter().map(|f| f.key.as_str()).collect();
        for (k, id) in self.keys(ExternalKeyKind::File, Some(pid)).await? {
            if listed.contains(k.as_str()) {
                continue;
            }
            if !self.trash::<FileResponse>("files", id, &ptr, &k).await? {
                continue;
            }
            self.summary.deleted("files", format!("{}/{k}", p.key));
        }
        let listed: HashSet<&str> = p.folders.iter().map(|f| f.key.as_str()).collect();
        let live: Vec<FolderResponse> = self
            .client
            .get_all(&format!("/projects/{pid}/folders"))
            .await
            .map_err(|e| self.fail(&ptr, Some(&p.key), describe(&e)))?;
        let depth = |id: Uuid| {
            let mut d = 0;
            let mut at = live.iter().find(|f| f.id == id).and_then(|f| f.parent_id);
            while let Some(parent) = at {
                d += 1;
                at = live
                    .iter()
                    .find(|f| f.id == parent)
                    .and_then(|f| f.parent_id);
                if d > 1000 {
                    break;
                }
            }
            d
        };
        let mut stale: Vec<(String, Uuid)> = self
            .keys(ExternalKeyKind::Folder, Some(pid))
            .await?
            .into_iter()
            .filter(|(k, id)| !listed.contains(k.as_str()) && live.iter().any(|f| f.id == *id))
            .collect();
        stale.sort_by_key(|(_, id)| std::cmp::Reverse(depth(*id)));
        for (k, id) in stale {
            // A parent pruned first took this one with it.
            if !self
                .trash::<FolderResponse>("folders", id, &ptr, &k)
                .await?
            {
                continue;
            }
            self.summary.deleted("folders", format!("{}/{k}", p.key));
        }
        Ok(())
    }
}
