//! `tandem export`: the instance as the token sees it, in the seed format, so that seeding
//! the export into an empty instance makes the same objects.

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use tandem_client::TandemClient;
use tandem_dto::{
    CommentResponse, DepartmentResponse, DependencyEdgeResponse, ExternalKeyKind,
    ExternalKeyResponse, MemberResponse, MilestoneResponse, ProjectResponse, ProjectStatus,
    TaskResponse, UserResponse, UserStatus,
};
use uuid::Uuid;

use crate::format::{
    Comment, Department, Member, Milestone, Project, SeedFile, SeedUserStatus, Task, User,
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

/// Reads everything the token may see.
pub async fn export(c: &TandemClient) -> Result<SeedFile, String> {
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
