//! `tandem export`: the instance as the token sees it, in the seed format, so that seeding
//! the export into an empty instance makes the same objects.

use std::collections::{HashMap, HashSet};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;
use sha2::Digest;
use tandem_client::TandemClient;
use tandem_dto::{
    CommentResponse, DepartmentResponse, DependencyEdgeResponse, ExternalKeyKind,
    ExternalKeyResponse, FileResponse, FolderResponse, GrantSubjectKind, GrantsResponse,
    MemberResponse, MilestoneResponse, ProjectResponse, ProjectStatus, TaskResponse, UserResponse,
    UserStatus,
};
use uuid::Uuid;

use crate::format::{
    Comment, Department, File, Folder, Grant, Member, Milestone, Project, SeedFile, SeedUserStatus,
    Task, User,
};
use crate::seed::describe;

/// Keys of one kind: the server's, and for objects without one a stable name of our own.
struct Names {
    by_id: HashMap<Uuid, String>,
    used: HashSet<String>,
}

impl Names {
    fn new(keys: Vec<ExternalKeyResponse>) -> Self {
        let by_id: HashMap<Uuid, String> = keys.into_iter().map(|k| (k.id, k.key)).collect();
        let used = by_id.values().cloned().collect();
        Self { by_id, used }
    }

    /// The object's key, or `preferred` when free, or its id.
    fn name(&mut self, id: Uuid, preferred: Option<&str>) -> String {
        if let Some(k) = self.by_id.get(&id) {
            return k.clone();
        }
        let k =
            match preferred.filter(|p| tandem_dto::external_key_ok(p) && !self.used.contains(*p)) {
                Some(p) => p.to_owned(),
                None => id.to_string(),
            };
        self.used.insert(k.clone());
        self.by_id.insert(id, k.clone());
        k
    }
}

async fn keys(
    c: &TandemClient,
    kind: ExternalKeyKind,
    project: Option<Uuid>,
) -> Result<Names, String> {
    Ok(Names::new(
        c.external_keys(kind, project)
            .await
            .map_err(|e| describe(&e))?,
    ))
}

/// Files up to this size are written into the export itself (text as is, other bytes in
/// base64); larger ones need `--files`.
pub const INLINE_BYTES: i64 = 8 * 1024 * 1024;

/// A project's library: folders (parents first) and files, with their content, links and
/// own grants (where the token may read them).
async fn library(
    c: &TandemClient,
    pid: Uuid,
    task_names: &mut Names,
    dept_names: &Names,
    user_names: &Names,
    project_key: &str,
    files_dir: Option<&FilesDir>,
) -> Result<(Vec<Folder>, Vec<File>), String> {
    let err = |e: tandem_client::ClientError| describe(&e);
    let mut folder_names = keys(c, ExternalKeyKind::Folder, Some(pid)).await?;
    let mut file_names = keys(c, ExternalKeyKind::File, Some(pid)).await?;
    let mut folders: Vec<FolderResponse> = c
        .get_all(&format!("/projects/{pid}/folders"))
        .await
        .map_err(err)?;
    folders.sort_by_key(|f| f.id);
    // Parents before children: by depth, then by id.
    let parent: HashMap<Uuid, Option<Uuid>> = folders.iter().map(|f| (f.id, f.parent_id)).collect();
    let depth = |mut id: Uuid| {
        let mut d = 0;
        while let Some(Some(p)) = parent.get(&id) {
            d += 1;
            id = *p;
            if d > 1000 {
                break;
            }
        }
        d
    };
    folders.sort_by_key(|f| (depth(f.id), f.id));
    let grants_of = |g: GrantsResponse| -> Option<Vec<Grant>> {
        let own: Vec<Grant> = g
            .grants
            .iter()
            .filter(|x| !x.inherited)
            .filter_map(|x| {
                let (user, department) = match x.subject_kind {
                    GrantSubjectKind::User => {
                        (Some(user_names.by_id.get(&x.subject_id)?.clone()), None)
                    }
                    GrantSubjectKind::Department => {
                        (None, Some(dept_names.by_id.get(&x.subject_id)?.clone()))
                    }
                };
                Some(Grant {
                    user,
                    department,
                    level: x.level,
                })
            })
            .collect();
        let mut own = own;
        own.sort_by(|a, b| (&a.user, &a.department).cmp(&(&b.user, &b.department)));
        (!own.is_empty()).then_some(own)
    };
    let mut out_folders = Vec::new();
    for f in &folders {
        // Only managers read grants; others export the folder without them.
        let grants = c
            .get_json::<GrantsResponse>(&format!("/folders/{}/grants", f.id))
            .await
            .ok()
            .and_then(grants_of);
        out_folders.push(Folder {
            key: folder_names.name(f.id, Some(&f.name)),
            name: f.name.clone(),
            parent: f.parent_id.map(|p| Some(folder_names.name(p, None))),
            restricted: f.restricted.then_some(true),
            grants,
        });
    }
    let mut places: Vec<Option<Uuid>> = vec![None];
    places.extend(folders.iter().map(|f| Some(f.id)));
    let mut out_files = Vec::new();
    for place in places {
        let path = match place {
            Some(id) => format!("/projects/{pid}/files?folder_id={id}"),
            None => format!("/projects/{pid}/files"),
        };
        let mut files: Vec<FileResponse> = c.get_all(&path).await.map_err(err)?;
        // Attachments belong to their tasks; files and documents to the library.
        files.retain(|f| {
            matches!(
                f.kind,
                tandem_dto::FileKind::File | tandem_dto::FileKind::Doc
            )
        });
        files.sort_by_key(|f| f.id);
        for f in files {
            let key = file_names.name(f.id, Some(&f.name));
            let grants = c
                .get_json::<GrantsResponse>(&format!("/files/{}/grants", f.id))
                .await
                .ok()
                .and_then(grants_of);
            let mut tasks: Vec<String> = f
                .linked_task_ids
                .iter()
                .map(|t| task_names.name(*t, None))
                .collect();
            tasks.sort();
            let doc = f.kind == tandem_dto::FileKind::Doc;
            let mut file = File {
                key: key.clone(),
                kind: doc.then_some(crate::format::SeedFileKind::Doc),
                name: f.name.clone(),
                folder: f.folder_id.map(|p| Some(folder_names.name(p, None))),
                content: None,
                content_base64: None,
                path: None,
                note: None,
                sha256: Some(f.sha256.clone()),
                tasks: (!tasks.is_empty()).then_some(tasks),
                grants,
            };
            if doc {
                // A document is its live text (edits since the last version included).
                let d: tandem_dto::DocResponse =
                    c.get_json(&format!("/docs/{}", f.id)).await.map_err(err)?;
                file.sha256 = Some(hex::encode(sha2::Sha256::digest(d.text.as_bytes())));
                match files_dir {
                    Some(dir) => {
                        file.path = Some(dir.write(project_key, &key, d.text.as_bytes())?)
                    }
                    None => file.content = Some(d.text),
                }
                out_files.push(file);
                continue;
            }
            if files_dir.is_none() && f.size > INLINE_BYTES {
                return Err(format!(
                    "file {:?} of project {project_key:?} has {} MiB: export with --files DIR \
                     to write file contents beside the export",
                    f.name,
                    f.size / (1024 * 1024)
                ));
            }
            let bytes = c
                .download(&format!("/files/{}/content", f.id))
                .await
                .map_err(err)?;
            match files_dir {
                Some(dir) => file.path = Some(dir.write(project_key, &key, &bytes)?),
                None => match String::from_utf8(bytes) {
                    Ok(text) if !text.contains('\0') => file.content = Some(text),
                    Ok(text) => file.content_base64 = Some(B64.encode(text.as_bytes())),
                    Err(e) => file.content_base64 = Some(B64.encode(e.as_bytes())),
                },
            }
            out_files.push(file);
        }
    }
    out_files.sort_by(|a, b| a.key.cmp(&b.key));
    Ok((out_folders, out_files))
}

/// Where `--files` puts file contents: `<dir>/<project key>/<file key>`, named in the export
/// relative to the export's own directory (as a seed reads them).
pub struct FilesDir {
    pub dir: std::path::PathBuf,
    /// The directory the export is written to (paths in it are relative to this).
    pub base: std::path::PathBuf,
}

impl FilesDir {
    fn write(&self, project: &str, key: &str, bytes: &[u8]) -> Result<String, String> {
        // Keys are free text: the name on disk keeps what is safe and adds a hash of the key,
        // so two keys never share a file.
        let safe = |s: &str| -> String {
            let kept: String = s
                .chars()
                .map(|c| {
                    if c.is_alphanumeric() || "-_.".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .take(60)
                .collect();
            let digest = sha2::Sha256::digest(s.as_bytes());
            format!(
                "{}-{}",
                kept.trim_start_matches('.'),
                hex::encode(&digest[..4])
            )
        };
        let dir = self.dir.join(safe(project));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = dir.join(safe(key));
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        let shown = pathdiff(&path, &self.base);
        Ok(shown.to_string_lossy().replace('\\', "/"))
    }
}

/// `path` relative to `base` when it is inside it, else as given.
fn pathdiff(path: &std::path::Path, base: &std::path::Path) -> std::path::PathBuf {
    let abs = |p: &std::path::Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (p, b) = (abs(path), abs(base));
    p.strip_prefix(&b).map(|r| r.to_path_buf()).unwrap_or(p)
}

/// Reads everything the token may see; file contents go into the export, or into
/// `files_dir` when given.
pub async fn export(c: &TandemClient, files_dir: Option<&FilesDir>) -> Result<SeedFile, String> {
    let err = |e: tandem_client::ClientError| describe(&e);
    let mut dept_names = keys(c, ExternalKeyKind::Department, None).await?;
    let mut user_names = keys(c, ExternalKeyKind::User, None).await?;
    let mut project_names = keys(c, ExternalKeyKind::Project, None).await?;

    let mut departments: Vec<DepartmentResponse> = c.get_all("/departments").await.map_err(err)?;
    departments.sort_by_key(|d| d.id);
    let mut users: Vec<UserResponse> = c.get_all("/users").await.map_err(err)?;
    // Administrators see pending accounts in the approval queue as well.
    if let Ok(pending) = c.get_all::<UserResponse>("/users?status=pending").await {
        let seen: HashSet<Uuid> = users.iter().map(|u| u.id).collect();
        users.extend(pending.into_iter().filter(|u| !seen.contains(&u.id)));
    }
    users.retain(|u| u.status != UserStatus::Rejected);
    users.sort_by_key(|u| u.id);
    for d in &departments {
        dept_names.name(d.id, Some(&d.name));
    }
    for u in &users {
        user_names.name(u.id, u.email.as_deref().or(u.employee_id.as_deref()));
    }
    let user_key = |names: &Names, id: Uuid| names.by_id.get(&id).cloned();

    let mut out = SeedFile::default();
    for d in &departments {
        out.departments.push(Department {
            key: dept_names.name(d.id, None),
            name: d.name.clone(),
            parent: d.parent_id.map(|p| Some(dept_names.name(p, None))),
            head: d.head_id.and_then(|h| user_key(&user_names, h)).map(Some),
        });
    }
    for u in &users {
        out.users.push(User {
            key: user_names.name(u.id, None),
            email: u.email.clone(),
            employee_id: u.employee_id.clone(),
            name: u.name.clone(),
            department: u.department_id.map(|d| dept_names.name(d, None)),
            position: u.position.clone(),
            role: Some(u.role),
            status: Some(match u.status {
                UserStatus::Pending => SeedUserStatus::Pending,
                UserStatus::Deactivated => SeedUserStatus::Deactivated,
                _ => SeedUserStatus::Active,
            }),
        });
    }

    // Every project for an administrator's token, one's own otherwise.
    let projects: Vec<ProjectResponse> = match c.get_all("/projects?scope=all").await {
        Ok(p) => p,
        Err(_) => c.get_all("/projects").await.map_err(err)?,
    };
    for p in projects
        .iter()
        .filter(|p| p.status != ProjectStatus::Archived)
    {
        let pid = p.id;
        let mut milestone_names = keys(c, ExternalKeyKind::Milestone, Some(pid)).await?;
        let mut task_names = keys(c, ExternalKeyKind::Task, Some(pid)).await?;
        let mut comment_names = keys(c, ExternalKeyKind::Comment, Some(pid)).await?;
        let members: Vec<MemberResponse> = c
            .get_all(&format!("/projects/{pid}/members"))
            .await
            .map_err(err)?;
        let milestones: Vec<MilestoneResponse> = c
            .get_all(&format!("/projects/{pid}/milestones"))
            .await
            .map_err(err)?;
        let calendar: tandem_dto::ProjectCalendar = c
            .get_json(&format!("/projects/{pid}/calendar"))
            .await
            .map_err(err)?;
        let board: tandem_dto::BoardResponse = c
            .get_json(&format!("/projects/{pid}/board?limit=1"))
            .await
            .map_err(err)?;
        let mut tasks: Vec<TaskResponse> = c
            .get_all(&format!("/projects/{pid}/tasks"))
            .await
            .map_err(err)?;
        tasks.extend(
            c.get_all::<TaskResponse>(&format!("/projects/{pid}/tasks?status=archived"))
                .await
                .map_err(err)?,
        );
        tasks.sort_by_key(|t| t.id);
        let edges: Vec<DependencyEdgeResponse> = c
            .get_all(&format!("/projects/{pid}/dependencies"))
            .await
            .map_err(err)?;
        let comments: Vec<CommentResponse> = c
            .get_all(&format!("/projects/{pid}/comments"))
            .await
            .map_err(err)?;
        for t in &tasks {
            task_names.name(t.id, None);
        }
        let mut depends: HashMap<Uuid, Vec<String>> = HashMap::new();
        for e in edges
            .iter()
            .filter(|e| e.depends_on_project_id == Some(pid))
        {
            depends
                .entry(e.task_id)
                .or_default()
                .push(task_names.name(e.depends_on_id, None));
        }
        let mut by_task: HashMap<Uuid, Vec<Comment>> = HashMap::new();
        for cm in &comments {
            by_task.entry(cm.task_id).or_default().push(Comment {
                key: comment_names.name(cm.id, None),
                body: cm.body.clone(),
                author: user_key(&user_names, cm.author_id),
            });
        }
        let mut project = Project {
            key: project_names.name(pid, None),
            name: p.name.clone(),
            goal: Some(p.goal.clone()).filter(|g| !g.is_empty()),
            departments: p
                .department_ids
                .iter()
                .map(|d| dept_names.name(*d, None))
                .collect(),
            start_date: p.start_date,
            end_date: p.end_date,
            time_zone: Some(p.time_zone.clone()),
            members: members
                .iter()
                .filter_map(|m| {
                    Some(Member {
                        user: user_key(&user_names, m.user_id)?,
                        role: m.role,
                    })
                })
                .collect(),
            milestones: milestones
                .iter()
                .map(|m| Milestone {
                    key: milestone_names.name(m.id, None),
                    name: m.name.clone(),
                    date: m.date,
                    description: m.description.clone().map(Some),
                })
                .collect(),
            // The default calendar is left out, as a file written by hand would.
            calendar: Some(crate::format::Calendar::from_dto(&calendar))
                .filter(|c| c.to_dto() != default_calendar()),
            wip_limits: Some(crate::format::WipLimit::from_board(&board)).filter(|l| !l.is_empty()),
            tasks: Vec::new(),
            folders: Vec::new(),
            files: Vec::new(),
        };
        for t in &tasks {
            let mut deps = depends.remove(&t.id).unwrap_or_default();
            deps.sort();
            let mut comments = by_task.remove(&t.id).unwrap_or_default();
            comments.sort_by(|a, b| a.key.cmp(&b.key));
            project.tasks.push(Task {
                key: task_names.name(t.id, None),
                title: t.title.clone(),
                description: Some(t.description.clone())
                    .filter(|d| !d.is_empty())
                    .map(Some),
                assignee: t
                    .assignee_id
                    .and_then(|a| user_key(&user_names, a))
                    .map(Some),
                priority: Some(t.priority),
                status: Some(t.status),
                start_date: t.start_date.map(Some),
                due_date: t.due_date.map(Some),
                milestone: t.milestone_id.map(|m| Some(milestone_names.name(m, None))),
                parent: t.parent_id.map(|p| Some(task_names.name(p, None))),
                depends_on: (!deps.is_empty()).then_some(deps),
                estimate_hours: t.estimate_hours.map(Some),
                progress: Some(t.progress).filter(|p| *p > 0),
                comments,
            });
        }
        let (folders, files) = library(
            c,
            pid,
            &mut task_names,
            &dept_names,
            &user_names,
            &project.key,
            files_dir,
        )
        .await?;
        project.folders = folders;
        project.files = files;
        project.departments.sort();
        project.members.sort_by(|a, b| a.user.cmp(&b.user));
        project.milestones.sort_by(|a, b| a.key.cmp(&b.key));
        project.tasks.sort_by(|a, b| a.key.cmp(&b.key));
        out.projects.push(project);
    }
    out.departments.sort_by(|a, b| a.key.cmp(&b.key));
    out.users.sort_by(|a, b| a.key.cmp(&b.key));
    out.projects.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(out)
}

/// The file as YAML (or JSON for a `.json` name).
pub fn render(file: &SeedFile, json: bool) -> Result<String, String> {
    let v = serde_json::to_value(file).map_err(|e| e.to_string())?;
    if json {
        return serde_json::to_string_pretty(&v).map_err(|e| e.to_string());
    }
    let mut s = String::new();
    let mut em = yaml_rust2::YamlEmitter::new(&mut s);
    // Block scalars (`|`) cannot carry every text (a first line that starts with spaces,
    // trailing blank lines); quoted strings with escapes can.
    em.multiline_strings(false);
    em.dump(&to_yaml(&v)).map_err(|e| format!("{e:?}"))?;
    s.push('\n');
    Ok(s)
}

fn to_yaml(v: &Value) -> yaml_rust2::Yaml {
    use yaml_rust2::Yaml;
    match v {
        Value::Null => Yaml::Null,
        Value::Bool(b) => Yaml::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Yaml::Integer(i),
            None => Yaml::Real(n.to_string()),
        },
        Value::String(s) => Yaml::String(s.clone()),
        Value::Array(a) => Yaml::Array(a.iter().map(to_yaml).collect()),
        Value::Object(o) => {
            // The key and name first, lists of objects last: how people write the format.
            let rank = |k: &str, v: &Value| match k {
                "key" => 0,
                "name" | "title" => 1,
                _ if v.as_array().is_some_and(|a| a.iter().any(Value::is_object)) => 3,
                _ => 2,
            };
            let mut fields: Vec<(&String, &Value)> = o.iter().collect();
            fields.sort_by_key(|(k, v)| rank(k, v));
            let mut h = yaml_rust2::yaml::Hash::new();
            for (k, v) in fields {
                h.insert(Yaml::String(k.clone()), to_yaml(v));
            }
            Yaml::Hash(h)
        }
    }
}

fn default_calendar() -> tandem_dto::ProjectCalendar {
    tandem_dto::ProjectCalendar {
        work_days: tandem_dto::WorkWeek::default().days(),
        holidays: Vec::new(),
        extra_work_days: Vec::new(),
    }
}
