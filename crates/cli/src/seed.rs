//! `tandem seed FILE`: makes an instance hold what a seed file describes, through the REST
//! API. Objects are found by their external keys (kept on the server); a field that differs
//! is changed, nothing else is written, so a second run of the same file writes nothing.
//! Tasks go a thousand per request, several requests in flight.

use std::collections::{BTreeMap, HashMap, HashSet};

use futures_util::stream::{self, StreamExt, TryStreamExt};
use serde_json::{Value, json};
use tandem_client::{ClientError, HttpMethod as Method, TandemClient};
use tandem_dto::{
    BatchOutcome, CommentResponse, DepartmentResponse, ExternalKeyKind, MemberResponse,
    MilestoneResponse, ProjectResponse, TaskBatchItem, TaskBatchRequest, TaskBatchResponse,
    UserResponse, UserStatus,
};
use uuid::Uuid;

use crate::format::{Project, SeedUserStatus, set};

mod library;
use crate::load::Loaded;
use crate::progress::Progress;

/// Tasks per batch request (the server's limit).
pub const BATCH: usize = 1000;
/// Bytes of text per batch request, well under the server's 32 MiB body limit: a thousand
/// tasks with long Chinese descriptions would be over it.
const BATCH_BYTES: usize = 8 * 1024 * 1024;

/// `items` cut into requests of at most [`BATCH`] tasks and about [`BATCH_BYTES`].
fn batches(items: &[TaskBatchItem]) -> Vec<Vec<TaskBatchItem>> {
    let mut out = Vec::new();
    let mut current: Vec<TaskBatchItem> = Vec::new();
    let mut bytes = 0;
    for t in items {
        let size = 256
            + t.key.len()
            + t.title.as_ref().map_or(0, String::len)
            + t.description.as_ref().map_or(0, String::len)
            + t.depends_on
                .iter()
                .flatten()
                .map(|d| d.len() + 3)
                .sum::<usize>();
        if !current.is_empty() && (current.len() == BATCH || bytes + size > BATCH_BYTES) {
            out.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += size;
        current.push(t.clone());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

pub struct Options {
    pub dry_run: bool,
    /// Inside the file's projects: delete keyed tasks, milestones and comments the file no
    /// longer lists, and remove members it does not list.
    pub prune: bool,
    /// Also across the instance: archive keyed projects, deactivate keyed accounts and
    /// delete keyed departments that the file's sections no longer list.
    pub prune_instance: bool,
    /// Print each generated password as soon as its account exists (the CLI), so a run that
    /// fails later does not lose them.
    pub print_passwords: bool,
    /// Requests in flight at once.
    pub parallel: usize,
    /// `TANDEM_USER_PASSWORD`: every new account's password; otherwise one is generated
    /// and printed once per new account.
    pub user_password: Option<String>,
    /// The file's name, for messages.
    pub file_name: String,
}

/// What a run did (or, dry, would do): every object and what happened to it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Summary {
    /// Passwords generated for new accounts (login, password), printed once.
    pub passwords: Vec<(String, String)>,
    /// What was skipped and why (e.g. an archived project).
    pub warnings: Vec<String>,
    /// Every object of the file, what happened to it and which fields changed, in order.
    pub plan: Vec<PlanLine>,
}

/// One object of a run's plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanLine {
    pub kind: &'static str,
    /// The object's key; inside a project `project/key`.
    pub key: String,
    pub action: PlanAction,
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanAction {
    Create,
    Update,
    Unchanged,
    Delete,
}

impl std::fmt::Display for PlanLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let verb = match self.action {
            PlanAction::Create => "create",
            PlanAction::Update => "update",
            PlanAction::Unchanged => "unchanged",
            PlanAction::Delete => "delete",
        };
        write!(f, "{verb:<9} {} {}", self.kind, self.key)?;
        if !self.fields.is_empty() {
            write!(f, " ({})", self.fields.join(", "))?;
        }
        Ok(())
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub deleted: u64,
}

impl Summary {
    fn add(&mut self, kind: &'static str, key: String, outcome: BatchOutcome, fields: Vec<String>) {
        let action = match outcome {
            BatchOutcome::Created => PlanAction::Create,
            BatchOutcome::Updated => PlanAction::Update,
            BatchOutcome::Unchanged => PlanAction::Unchanged,
        };
        self.plan.push(PlanLine {
            kind,
            key,
            action,
            fields,
        });
    }

    fn deleted(&mut self, kind: &'static str, key: String) {
        self.plan.push(PlanLine {
            kind,
            key,
            action: PlanAction::Delete,
            fields: Vec::new(),
        });
    }

    /// A change found after the object was recorded (a department's head, set once the
    /// accounts exist).
    fn touch(&mut self, kind: &'static str, key: &str, field: &str) {
        if let Some(line) = self
            .plan
            .iter_mut()
            .find(|l| l.kind == kind && l.key == key)
        {
            if line.action == PlanAction::Unchanged {
                line.action = PlanAction::Update;
            }
            line.fields.push(field.to_owned());
        }
    }

    /// How many objects of each kind were created, updated, left unchanged and deleted.
    pub fn counts(&self) -> BTreeMap<&'static str, Counts> {
        let mut out: BTreeMap<&'static str, Counts> = BTreeMap::new();
        for l in &self.plan {
            let c = out.entry(l.kind).or_default();
            match l.action {
                PlanAction::Create => c.created += 1,
                PlanAction::Update => c.updated += 1,
                PlanAction::Unchanged => c.unchanged += 1,
                PlanAction::Delete => c.deleted += 1,
            }
        }
        out
    }

    /// Objects written (created, updated or deleted).
    pub fn writes(&self) -> u64 {
        self.plan
            .iter()
            .filter(|l| l.action != PlanAction::Unchanged)
            .count() as u64
    }
}

/// A failure, named by file, line and key when it is about one object.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.render())]
pub struct SeedError {
    pub file: String,
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
}

impl SeedError {
    fn render(&self) -> String {
        let at = match self.line {
            Some(l) => format!("{}:{l}", self.file),
            None => self.file.clone(),
        };
        match &self.key {
            Some(k) => format!("{at}: {k}: {}", self.message),
            None => format!("{at}: {}", self.message),
        }
    }
}

/// Describes a client error for a person: the server's problem with its field errors.
pub fn describe(e: &ClientError) -> String {
    match e {
        ClientError::Api(p) => {
            let mut s = format!(
                "{} {}",
                p.status,
                p.detail.clone().unwrap_or(p.title.clone())
            );
            for f in &p.errors {
                s.push_str(&format!("; {}: {}", f.field, f.message));
            }
            if p.status == 403 {
                s.push_str(" (does the token have the scopes this needs: write, and admin for departments and users?)");
            }
            s
        }
        ClientError::Http(e) => format!("no answer from the server: {e}"),
    }
}

struct Run<'a> {
    client: &'a TandemClient,
    loaded: &'a Loaded,
    opts: &'a Options,
    summary: Summary,
    me: Uuid,
    departments: HashMap<String, Uuid>,
    users: HashMap<String, Uuid>,
    /// Every account the token may see, for adopting and resolving assignees.
    all_users: Vec<UserResponse>,
    /// E-mails and employee IDs of the accounts known so far (those seen and those created).
    logins: HashMap<String, Uuid>,
}

impl Run<'_> {
    fn fail(&self, pointer: &str, key: Option<&str>, message: String) -> SeedError {
        SeedError {
            file: self.opts.file_name.clone(),
            line: self.loaded.line(pointer),
            key: key.map(str::to_owned),
            message,
        }
    }

    fn api(&self, pointer: &str, key: &str, e: ClientError) -> SeedError {
        self.fail(pointer, Some(key), describe(&e))
    }

    async fn keys(
        &self,
        kind: ExternalKeyKind,
        project: Option<Uuid>,
    ) -> Result<HashMap<String, Uuid>, SeedError> {
        let rows = self
            .client
            .external_keys(kind, project)
            .await
            .map_err(|e| self.fail("", None, describe(&e)))?;
        Ok(rows.into_iter().map(|k| (k.key, k.id)).collect())
    }

    async fn bind(
        &self,
        kind: ExternalKeyKind,
        key: &str,
        id: Uuid,
        pointer: &str,
    ) -> Result<(), SeedError> {
        if self.opts.dry_run {
            return Ok(());
        }
        self.client
            .call::<_, Value>(
                Method::POST,
                "/external-keys",
                &json!({"kind": kind, "key": key, "id": id}),
                None,
            )
            .await
            .map_err(|e| self.api(pointer, key, e))?;
        Ok(())
    }

    /// PATCHes `changes` (a JSON object) unless empty; the outcome.
    async fn patch(
        &self,
        path: &str,
        changes: serde_json::Map<String, Value>,
        version: i64,
        pointer: &str,
        key: &str,
    ) -> Result<(BatchOutcome, Vec<String>), SeedError> {
        if changes.is_empty() {
            return Ok((BatchOutcome::Unchanged, Vec::new()));
        }
        let fields: Vec<String> = changes.keys().cloned().collect();
        if !self.opts.dry_run {
            self.client
                .call::<_, Value>(Method::PATCH, path, &Value::Object(changes), Some(version))
                .await
                .map_err(|e| self.api(pointer, key, e))?;
        }
        Ok((BatchOutcome::Updated, fields))
    }

    // ------------------------------------------------------------------ departments

    async fn departments(&mut self) -> Result<(), SeedError> {
        let f = &self.loaded.file;
        if f.departments.is_empty() {
            return Ok(());
        }
        let keyed = self.keys(ExternalKeyKind::Department, None).await?;
        let all: Vec<DepartmentResponse> = self
            .client
            .get_all("/departments")
            .await
            .map_err(|e| self.fail("", None, describe(&e)))?;
        let by_id: HashMap<Uuid, &DepartmentResponse> = all.iter().map(|d| (d.id, d)).collect();
        let keyed_ids: HashSet<Uuid> = keyed.values().copied().collect();
        // Parents before children.
        let mut order: Vec<usize> = Vec::new();
        let mut placed: HashSet<&str> = HashSet::new();
        while order.len() < f.departments.len() {
            let before = order.len();
            for (i, d) in f.departments.iter().enumerate() {
                if !placed.contains(d.key.as_str())
                    && set(&d.parent).is_none_or(|p| placed.contains(p.as_str()))
                {
                    placed.insert(&d.key);
                    order.push(i);
                }
            }
            if order.len() == before {
                break;
            }
        }
        for i in order {
            let d = &f.departments[i];
            let ptr = format!("/departments/{i}");
            let parent_id = set(&d.parent).and_then(|p| self.departments.get(p).copied());
            let found = keyed
                .get(&d.key)
                .and_then(|id| by_id.get(id))
                .copied()
                .or_else(|| {
                    // An unkeyed department of the same name is adopted (names are unique).
                    all.iter()
                        .find(|x| x.name == d.name && !keyed_ids.contains(&x.id))
                });
            match found {
                Some(x) => {
                    if !keyed.contains_key(&d.key) {
                        self.bind(ExternalKeyKind::Department, &d.key, x.id, &ptr)
                            .await?;
                    }
                    let mut c = serde_json::Map::new();
                    if x.name != d.name {
                        c.insert("name".into(), json!(d.name));
                    }
                    if d.parent.is_some() && x.parent_id != parent_id {
                        c.insert("parent_id".into(), json!(parent_id));
                    }
                    let (o, fields) = self
                        .patch(
                            &format!("/departments/{}", x.id),
                            c,
                            x.version,
                            &ptr,
                            &d.key,
                        )
                        .await?;
                    self.summary.add("departments", d.key.clone(), o, fields);
                    self.departments.insert(d.key.clone(), x.id);
                }
                None => {
                    let id = if self.opts.dry_run {
                        Uuid::nil()
                    } else {
                        let r: DepartmentResponse = self
                            .client
                            .call(Method::POST, "/departments", &json!({"name": d.name, "parent_id": parent_id, "external_key": d.key}), None)
                            .await
                            .map_err(|e| self.api(&ptr, &d.key, e))?;
                        r.id
                    };
                    self.summary.add(
                        "departments",
                        d.key.clone(),
                        BatchOutcome::Created,
                        Vec::new(),
                    );
                    self.departments.insert(d.key.clone(), id);
                }
            }
        }
        Ok(())
    }

    /// Heads are users, so they are set once the users exist.
    async fn department_heads(&mut self) -> Result<(), SeedError> {
        let f = &self.loaded.file;
        if self.opts.dry_run || !f.departments.iter().any(|d| d.head.is_some()) {
            return Ok(());
        }
        let all: Vec<DepartmentResponse> = self
            .client
            .get_all("/departments")
            .await
            .map_err(|e| self.fail("", None, describe(&e)))?;
        for (i, d) in f.departments.iter().enumerate() {
            let (Some(h), Some(id)) = (&d.head, self.departments.get(&d.key)) else {
                continue;
            };
            let head = h.as_ref().and_then(|h| self.users.get(h).copied());
            if let Some(x) = all.iter().find(|x| x.id == *id)
                && x.head_id != head
            {
                let mut c = serde_json::Map::new();
                c.insert("head_id".into(), json!(head));
                let ptr = format!("/departments/{i}/head");
                self.patch(&format!("/departments/{id}"), c, x.version, &ptr, &d.key)
                    .await?;
                self.summary.touch("departments", &d.key, "head_id");
            }
        }
        Ok(())
    }

    // ------------------------------------------------------------------ users

    async fn users(&mut self) -> Result<(), SeedError> {
        let f = &self.loaded.file;
        let keyed = self.keys(ExternalKeyKind::User, None).await?;
        self.all_users = self
            .client
            .get_all("/users")
            .await
            .map_err(|e| self.fail("", None, describe(&e)))?;
        let keyed_ids: HashSet<Uuid> = keyed.values().copied().collect();
        for u in self.all_users.clone() {
            self.known_login(u.email.as_deref(), u.employee_id.as_deref(), u.id);
        }
        for (i, u) in f.users.iter().enumerate() {
            let ptr = format!("/users/{i}");
            let email = u.email.as_ref().map(|e| e.trim().to_lowercase());
            let department_id = u
                .department
                .as_ref()
                .and_then(|d| self.departments.get(d).copied());
            let found = keyed
                .get(&u.key)
                .and_then(|id| self.all_users.iter().find(|x| x.id == *id))
                .or_else(|| {
                    // An account that exists already (registered itself, or the administrator)
                    // is adopted by its e-mail or employee ID.
                    self.all_users.iter().find(|x| {
                        !keyed_ids.contains(&x.id)
                            && ((email.is_some() && x.email == email)
                                || (u.employee_id.is_some() && x.employee_id == u.employee_id))
                    })
                });
            match found.cloned() {
                Some(x) => {
                    if !keyed.contains_key(&u.key) {
                        self.bind(ExternalKeyKind::User, &u.key, x.id, &ptr).await?;
                    }
                    let mut c = serde_json::Map::new();
                    if x.name != u.name {
                        c.insert("name".into(), json!(u.name));
                    }
                    if email.is_some() && x.email != email {
                        c.insert("email".into(), json!(email));
                    }
                    if u.employee_id.is_some() && x.employee_id != u.employee_id {
                        c.insert("employee_id".into(), json!(u.employee_id));
                    }
                    if department_id.is_some() && x.department_id != department_id {
                        c.insert("department_id".into(), json!(department_id));
                    }
                    if x.position != u.position {
                        c.insert("position".into(), json!(u.position));
                    }
                    if let Some(r) = u.role
                        && r != x.role
                    {
                        c.insert("role".into(), json!(r));
                    }
                    let mut outcome = BatchOutcome::Unchanged;
                    match (u.status, x.status) {
                        (Some(SeedUserStatus::Active), UserStatus::Pending) => {
                            if !self.opts.dry_run {
                                self.client
                                    .call::<_, Value>(
                                        Method::POST,
                                        &format!("/admin/registrations/{}/approve", x.id),
                                        &json!({}),
                                        None,
                                    )
                                    .await
                                    .map_err(|e| self.api(&ptr, &u.key, e))?;
                            }
                            outcome = BatchOutcome::Updated;
                        }
                        (Some(SeedUserStatus::Active), UserStatus::Deactivated) => {
                            c.insert("status".into(), json!("active"));
                        }
                        (Some(SeedUserStatus::Deactivated), UserStatus::Active) => {
                            c.insert("status".into(), json!("deactivated"));
                        }
                        _ => {}
                    }
                    let version = if outcome == BatchOutcome::Updated
                        && !self.opts.dry_run
                        && !c.is_empty()
                    {
                        let fresh: UserResponse = self
                            .client
                            .get_json(&format!("/users/{}", x.id))
                            .await
                            .map_err(|e| self.api(&ptr, &u.key, e))?;
                        fresh.version
                    } else {
                        x.version
                    };
                    let approved = outcome == BatchOutcome::Updated;
                    let (o, mut fields) = self
                        .patch(&format!("/users/{}", x.id), c, version, &ptr, &u.key)
                        .await?;
                    if o == BatchOutcome::Updated {
                        outcome = o;
                    }
                    if approved {
                        fields.insert(0, "status".into());
                    }
                    self.summary.add("users", u.key.clone(), outcome, fields);
                    self.users.insert(u.key.clone(), x.id);
                }
                None => {
                    let password = match &self.opts.user_password {
                        Some(p) => p.clone(),
                        None => generate_password(),
                    };
                    let status = match u.status {
                        Some(SeedUserStatus::Pending) => "pending",
                        Some(SeedUserStatus::Deactivated) => "deactivated",
                        _ => "active",
                    };
                    let id = if self.opts.dry_run {
                        Uuid::nil()
                    } else {
                        let r: UserResponse = self
                            .client
                            .call(
                                Method::POST,
                                "/users",
                                &json!({"email": email, "employee_id": u.employee_id, "name": u.name,
                                        "department_id": department_id, "position": u.position,
                                        "role": u.role, "status": status, "password": password,
                                        "external_key": u.key}),
                                None,
                            )
                            .await
                            .map_err(|e| self.api(&ptr, &u.key, e))?;
                        // A deactivated account cannot log in: its password is nobody's business.
                        if self.opts.user_password.is_none() && status != "deactivated" {
                            let login = email.clone().or(u.employee_id.clone()).unwrap_or_default();
                            if self.opts.print_passwords {
                                println!("new account {login}: password {password}");
                            }
                            self.summary.passwords.push((login, password));
                        }
                        r.id
                    };
                    self.summary
                        .add("users", u.key.clone(), BatchOutcome::Created, Vec::new());
                    self.users.insert(u.key.clone(), id);
                    self.known_login(email.as_deref(), u.employee_id.as_deref(), id);
                }
            }
        }
        Ok(())
    }

    /// A task's assignee: a user key of the file, or an e-mail or employee ID on the server.
    fn assignee(&self, who: &str) -> Option<Uuid> {
        if let Some(id) = self.users.get(who) {
            return Some(*id);
        }
        self.logins
            .get(who)
            .or_else(|| self.logins.get(&who.to_lowercase()))
            .copied()
    }

    fn known_login(&mut self, email: Option<&str>, employee_id: Option<&str>, id: Uuid) {
        for l in [email, employee_id].into_iter().flatten() {
            self.logins.insert(l.to_owned(), id);
        }
    }

    // ------------------------------------------------------------------ projects

    async fn projects(&mut self, progress: &mut Progress) -> Result<(), SeedError> {
        let f = &self.loaded.file;
        if f.projects.is_empty() {
            return Ok(());
        }
        let keyed = self.keys(ExternalKeyKind::Project, None).await?;
        for (i, p) in f.projects.iter().enumerate() {
            let ptr = format!("/projects/{i}");
            let department_ids: Vec<Uuid> = p
                .departments
                .iter()
                .filter_map(|d| self.departments.get(d).copied())
                .collect();
            let existing = match keyed.get(&p.key) {
                Some(id) => Some(
                    self.client
                        .get_json::<ProjectResponse>(&format!("/projects/{id}"))
                        .await
                        .map_err(|e| self.api(&ptr, &p.key, e))?,
                ),
                None => self.adopt_project(&p.key, &keyed, &ptr).await?,
            };
            if let Some(x) = &existing
                && x.status == tandem_dto::ProjectStatus::Archived
            {
                self.summary.warnings.push(format!(
                    "{}: project {} is archived: left alone (restore it to seed it)",
                    self.opts.file_name, p.key
                ));
                self.summary.add(
                    "projects",
                    p.key.clone(),
                    BatchOutcome::Unchanged,
                    Vec::new(),
                );
                progress.step(p.tasks.len() as u64);
                continue;
            }
            let is_new = existing.is_none();
            let pid = match existing {
                Some(x) => {
                    let mut c = serde_json::Map::new();
                    if x.name != p.name {
                        c.insert("name".into(), json!(p.name));
                    }
                    if let Some(g) = &p.goal
                        && *g != x.goal
                    {
                        c.insert("goal".into(), json!(g));
                    }
                    let mut want = department_ids.clone();
                    let mut have = x.department_ids.clone();
                    want.sort();
                    have.sort();
                    if want != have {
                        c.insert("department_ids".into(), json!(department_ids));
                    }
                    if x.start_date != p.start_date {
                        c.insert("start_date".into(), json!(p.start_date));
                    }
                    if x.end_date != p.end_date {
                        c.insert("end_date".into(), json!(p.end_date));
                    }
                    if let Some(tz) = &p.time_zone
                        && *tz != x.time_zone
                    {
                        c.insert("time_zone".into(), json!(tz));
                    }
                    let (o, fields) = self
                        .patch(&format!("/projects/{}", x.id), c, x.version, &ptr, &p.key)
                        .await?;
                    self.summary.add("projects", p.key.clone(), o, fields);
                    self.milestones(p, x.id, i).await?;
                    Some(x.id)
                }
                None => {
                    self.summary
                        .add("projects", p.key.clone(), BatchOutcome::Created, Vec::new());
                    for m in &p.milestones {
                        let key = format!("{}/{}", p.key, m.key);
                        self.summary
                            .add("milestones", key, BatchOutcome::Created, Vec::new());
                    }
                    if self.opts.dry_run {
                        None
                    } else {
                        let milestones: Vec<Value> = p
                            .milestones
                            .iter()
                            .map(|m| json!({"name": m.name, "date": m.date, "description": m.description, "external_key": m.key}))
                            .collect();
                        let r: ProjectResponse = self
                            .client
                            .call(
                                Method::POST,
                                "/projects",
                                &json!({"name": p.name, "goal": p.goal.clone().unwrap_or_default(),
                                        "department_ids": department_ids, "start_date": p.start_date,
                                        "end_date": p.end_date, "time_zone": p.time_zone,
                                        "milestones": milestones, "external_key": p.key}),
                                None,
                            )
                            .await
                            .map_err(|e| self.api(&ptr, &p.key, e))?;
                        Some(r.id)
                    }
                }
            };
            self.members(p, pid, i).await?;
            self.calendar(p, pid, is_new, i).await?;
            self.wip_limits(p, pid, is_new, i).await?;
            self.tasks(p, pid, i, progress).await?;
            self.library(p, pid, i).await?;
        }
        Ok(())
    }

    /// A project whose own id is the file's key (an export of projects made in the web app,
    /// seeded back) and that has no key yet: named by it now rather than copied.
    async fn adopt_project(
        &self,
        key: &str,
        keyed: &HashMap<String, Uuid>,
        ptr: &str,
    ) -> Result<Option<ProjectResponse>, SeedError> {
        let Some(id) = own_id(key, keyed) else {
            return Ok(None);
        };
        match self
            .client
            .get_json::<ProjectResponse>(&format!("/projects/{id}"))
            .await
        {
            Ok(x) => {
                self.bind(ExternalKeyKind::Project, key, id, ptr).await?;
                Ok(Some(x))
            }
            Err(ClientError::Api(tandem_dto::Problem { status: 404, .. })) => Ok(None),
            Err(e) => Err(self.api(ptr, key, e)),
        }
    }

    async fn members(&mut self, p: &Project, pid: Option<Uuid>, i: usize) -> Result<(), SeedError> {
        let have: Vec<MemberResponse> = match pid {
            Some(pid) => self
                .client
                .get_all(&format!("/projects/{pid}/members"))
                .await
                .map_err(|e| self.api(&format!("/projects/{i}"), &p.key, e))?,
            None => Vec::new(),
        };
        let mut listed = HashSet::new();
        for (j, m) in p.members.iter().enumerate() {
            let ptr = format!("/projects/{i}/members/{j}");
            let Some(uid) = self
                .users
                .get(&m.user)
                .copied()
                .or_else(|| self.assignee(&m.user))
            else {
                return Err(self.fail(&ptr, Some(&p.key), format!("unknown user {:?}", m.user)));
            };
            listed.insert(uid);
            let outcome = match have.iter().find(|x| x.user_id == uid) {
                Some(x) if x.role == m.role => BatchOutcome::Unchanged,
                Some(_) => {
                    if let (false, Some(pid)) = (self.opts.dry_run, pid) {
                        self.client
                            .call::<_, Value>(
                                Method::PATCH,
                                &format!("/projects/{pid}/members/{uid}"),
                                &json!({"role": m.role}),
                                None,
                            )
                            .await
                            .map_err(|e| self.api(&ptr, &m.user, e))?;
                    }
                    BatchOutcome::Updated
                }
                None => {
                    if let (false, Some(pid)) = (self.opts.dry_run, pid) {
                        self.client
                            .call::<_, Value>(
                                Method::POST,
                                &format!("/projects/{pid}/members"),
                                &json!({"user_id": uid, "role": m.role}),
                                None,
                            )
                            .await
                            .map_err(|e| self.api(&ptr, &m.user, e))?;
                    }
                    BatchOutcome::Created
                }
            };
            let fields = if outcome == BatchOutcome::Updated {
                vec!["role".to_owned()]
            } else {
                Vec::new()
            };
            self.summary
                .add("members", format!("{}/{}", p.key, m.user), outcome, fields);
        }
        if self.opts.prune
            && let Some(pid) = pid
        {
            for x in have
                .iter()
                .filter(|x| !listed.contains(&x.user_id) && x.user_id != self.me)
            {
                if !self.opts.dry_run {
                    self.client
                        .delete_at(&format!("/projects/{pid}/members/{}", x.user_id), None)
                        .await
                        .map_err(|e| self.api(&format!("/projects/{i}/members"), &p.key, e))?;
                }
                self.summary
                    .deleted("members", format!("{}/{}", p.key, x.name));
            }
        }
        Ok(())
    }

    /// Replaces the project's calendar when the file gives one that differs.
    async fn calendar(
        &mut self,
        p: &Project,
        pid: Option<Uuid>,
        is_new: bool,
        i: usize,
    ) -> Result<(), SeedError> {
        let Some(want) = &p.calendar else {
            return Ok(());
        };
        let ptr = format!("/projects/{i}/calendar");
        let want = want.to_dto();
        let have = match pid {
            Some(pid) if !is_new => Some(
                self.client
                    .get_json::<tandem_dto::ProjectCalendar>(&format!("/projects/{pid}/calendar"))
                    .await
                    .map_err(|e| self.api(&ptr, &p.key, e))?,
            ),
            _ => None,
        };
        // Compared as the server keeps it.
        let norm = want.clone().normalized();
        let outcome = match &have {
            Some(h) if *h == norm => BatchOutcome::Unchanged,
            Some(_) => BatchOutcome::Updated,
            None => BatchOutcome::Created,
        };
        if outcome != BatchOutcome::Unchanged
            && !self.opts.dry_run
            && let Some(pid) = pid
        {
            let _: tandem_dto::ProjectCalendar = self
                .client
                .call(
                    Method::PUT,
                    &format!("/projects/{pid}/calendar"),
                    &want,
                    None,
                )
                .await
                .map_err(|e| self.api(&ptr, &p.key, e))?;
        }
        self.summary
            .add("calendars", p.key.clone(), outcome, Vec::new());
        Ok(())
    }

    /// Replaces the board's work-in-progress limits when the file gives ones that differ.
    async fn wip_limits(
        &mut self,
        p: &Project,
        pid: Option<Uuid>,
        is_new: bool,
        i: usize,
    ) -> Result<(), SeedError> {
        let Some(want) = &p.wip_limits else {
            return Ok(());
        };
        let ptr = format!("/projects/{i}/wip_limits");
        let want = crate::format::WipLimit::to_dto(want);
        let have = match pid {
            Some(pid) if !is_new => {
                let b: tandem_dto::BoardResponse = self
                    .client
                    .get_json(&format!("/projects/{pid}/board?limit=1"))
                    .await
                    .map_err(|e| self.api(&ptr, &p.key, e))?;
                Some(crate::format::WipLimit::to_dto(
                    &crate::format::WipLimit::from_board(&b),
                ))
            }
            _ => None,
        };
        let outcome = match &have {
            Some(h) if *h == want => BatchOutcome::Unchanged,
            Some(_) => BatchOutcome::Updated,
            None => BatchOutcome::Created,
        };
        if outcome != BatchOutcome::Unchanged
            && !self.opts.dry_run
            && let Some(pid) = pid
        {
            let _: tandem_dto::BoardLimits = self
                .client
                .call(
                    Method::PUT,
                    &format!("/projects/{pid}/board/limits"),
                    &want,
                    None,
                )
                .await
                .map_err(|e| self.api(&ptr, &p.key, e))?;
        }
        self.summary
            .add("wip_limits", p.key.clone(), outcome, Vec::new());
        Ok(())
    }

    async fn milestones(&mut self, p: &Project, pid: Uuid, i: usize) -> Result<(), SeedError> {
        let keyed = self.keys(ExternalKeyKind::Milestone, Some(pid)).await?;
        let have: Vec<MilestoneResponse> = self
            .client
            .get_all(&format!("/projects/{pid}/milestones"))
            .await
            .map_err(|e| self.api(&format!("/projects/{i}"), &p.key, e))?;
        for (j, m) in p.milestones.iter().enumerate() {
            let ptr = format!("/projects/{i}/milestones/{j}");
            let found = match keyed.get(&m.key) {
                Some(id) => have.iter().find(|x| x.id == *id),
                None => {
                    // A milestone whose own id is the key and that has no key: adopted.
                    let x = own_id(&m.key, &keyed).and_then(|id| have.iter().find(|x| x.id == id));
                    if let Some(x) = x {
                        self.bind(ExternalKeyKind::Milestone, &m.key, x.id, &ptr)
                            .await?;
                    }
                    x
                }
            };
            match found {
                Some(x) => {
                    let mut c = serde_json::Map::new();
                    if x.name != m.name {
                        c.insert("name".into(), json!(m.name));
                    }
                    if x.date != m.date {
                        c.insert("date".into(), json!(m.date));
                    }
                    // The server keeps a blank description as none.
                    if let Some(d) = &m.description
                        && x.description != d.clone().filter(|d| !d.trim().is_empty())
                    {
                        c.insert("description".into(), json!(d));
                    }
                    let (o, fields) = self
                        .patch(&format!("/milestones/{}", x.id), c, x.version, &ptr, &m.key)
                        .await?;
                    self.summary
                        .add("milestones", format!("{}/{}", p.key, m.key), o, fields);
                }
                None => {
                    if !self.opts.dry_run {
                        self.client
                            .call::<_, Value>(Method::POST, &format!("/projects/{pid}/milestones"), &json!({"name": m.name, "date": m.date, "description": m.description, "external_key": m.key}), None)
                            .await
                            .map_err(|e| self.api(&ptr, &m.key, e))?;
                    }
                    let key = format!("{}/{}", p.key, m.key);
                    self.summary
                        .add("milestones", key, BatchOutcome::Created, Vec::new());
                }
            }
        }
        if self.opts.prune {
            let listed: HashSet<&str> = p.milestones.iter().map(|m| m.key.as_str()).collect();
            for (k, id) in keyed.iter().filter(|(k, _)| !listed.contains(k.as_str())) {
                if !self.opts.dry_run {
                    self.client
                        .delete_at(&format!("/milestones/{id}"), None)
                        .await
                        .map_err(|e| self.api(&format!("/projects/{i}"), k, e))?;
                }
                self.summary.deleted("milestones", format!("{}/{k}", p.key));
            }
        }
        Ok(())
    }

    // ------------------------------------------------------------------ tasks

    fn item(&self, p: &Project, i: usize, j: usize) -> Result<TaskBatchItem, SeedError> {
        let t = &p.tasks[j];
        let assignee = match &t.assignee {
            Some(None) => Some(None),
            Some(Some(a)) => Some(Some(self.assignee(a).ok_or_else(|| {
                self.fail(
                    &format!("/projects/{i}/tasks/{j}/assignee"),
                    Some(&t.key),
                    format!("no user {a:?} (a user key, e-mail or employee ID)"),
                )
            })?)),
            None => None,
        };
        Ok(TaskBatchItem {
            key: t.key.clone(),
            title: Some(t.title.clone()),
            description: t.description.clone().map(Option::unwrap_or_default),
            assignee_id: assignee,
            priority: t.priority,
            status: t.status,
            start_date: t.start_date,
            due_date: t.due_date,
            milestone: t.milestone.clone(),
            parent: t.parent.clone(),
            depends_on: None,
            estimate_hours: t.estimate_hours,
            progress: t.progress,
        })
    }

    async fn send(
        &self,
        pid: Uuid,
        items: Vec<TaskBatchItem>,
        i: usize,
        p: &Project,
        index: &HashMap<&str, usize>,
    ) -> Result<TaskBatchResponse, SeedError> {
        let req = TaskBatchRequest {
            tasks: items,
            dry_run: self.opts.dry_run,
        };
        self.client
            .call(
                Method::POST,
                &format!("/projects/{pid}/tasks/batch"),
                &req,
                None,
            )
            .await
            .map_err(|e| {
                // Name the first item the server complained about.
                if let ClientError::Api(prob) = &e
                    && let Some(f) = prob.errors.first()
                    && let Some(n) = f
                        .field
                        .strip_prefix("tasks[")
                        .and_then(|s| s.split(']').next())
                        .and_then(|s| s.parse::<usize>().ok())
                    && let Some(key) = req.tasks.get(n).map(|t| t.key.clone())
                {
                    let j = index.get(key.as_str()).copied().unwrap_or(0);
                    return self.fail(
                        &format!("/projects/{i}/tasks/{j}"),
                        Some(&key),
                        describe(&e),
                    );
                }
                // A conflict found while writing names its item in `context`.
                if let ClientError::Api(prob) = &e
                    && let Some(key) = prob
                        .context
                        .as_ref()
                        .and_then(|c| c.get("key"))
                        .and_then(Value::as_str)
                    && let Some(j) = index.get(key).copied()
                {
                    return self.fail(&format!("/projects/{i}/tasks/{j}"), Some(key), describe(&e));
                }
                self.fail(&format!("/projects/{i}"), Some(&p.key), describe(&e))
            })
    }

    async fn tasks(
        &mut self,
        p: &Project,
        pid: Option<Uuid>,
        i: usize,
        progress: &mut Progress,
    ) -> Result<(), SeedError> {
        let Some(pid) = pid else {
            // A project a dry run would create: all its tasks would be new.
            for t in &p.tasks {
                let key = format!("{}/{}", p.key, t.key);
                self.summary
                    .add("tasks", key, BatchOutcome::Created, Vec::new());
                for c in &t.comments {
                    let key = format!("{}/{}", p.key, c.key);
                    self.summary
                        .add("comments", key, BatchOutcome::Created, Vec::new());
                }
            }
            progress.step(p.tasks.len() as u64);
            return Ok(());
        };
        let index: HashMap<&str, usize> = p
            .tasks
            .iter()
            .enumerate()
            .map(|(j, t)| (t.key.as_str(), j))
            .collect();
        let mut items = Vec::with_capacity(p.tasks.len());
        for j in 0..p.tasks.len() {
            items.push(self.item(p, i, j)?);
        }
        let mut outcome: HashMap<String, (Uuid, BatchOutcome, Vec<String>)> = HashMap::new();
        if self.opts.dry_run {
            // Nothing is written, so a reference to a task another request would create
            // cannot resolve: it is left out, and its task counted as changing.
            let known: HashSet<String> = self
                .keys(ExternalKeyKind::Task, Some(pid))
                .await?
                .into_keys()
                .collect();
            // Milestones and members the run would add do not exist either.
            let milestones: HashSet<String> = self
                .keys(ExternalKeyKind::Milestone, Some(pid))
                .await?
                .into_keys()
                .collect();
            let members: HashSet<Uuid> = self
                .client
                .get_all::<MemberResponse>(&format!("/projects/{pid}/members"))
                .await
                .map_err(|e| self.api(&format!("/projects/{i}"), &p.key, e))?
                .into_iter()
                .map(|m| m.user_id)
                .collect();
            for (j, t) in p.tasks.iter().enumerate() {
                items[j].depends_on = t.depends_on.clone();
            }
            for chunk in batches(&items) {
                let here: HashSet<&str> = chunk.iter().map(|t| t.key.as_str()).collect();
                // Per task, the fields that name what this run would create.
                let mut stripped: HashMap<String, Vec<String>> = HashMap::new();
                let chunk: Vec<TaskBatchItem> = chunk
                    .iter()
                    .cloned()
                    .map(|mut t| {
                        let ok = |k: &String| known.contains(k) || here.contains(k.as_str());
                        if let Some(Some(pk)) = &t.parent
                            && !ok(pk)
                        {
                            t.parent = None;
                            stripped
                                .entry(t.key.clone())
                                .or_default()
                                .push("parent".into());
                        }
                        if let Some(d) = &mut t.depends_on {
                            let before = d.len();
                            d.retain(ok);
                            if d.len() != before {
                                stripped
                                    .entry(t.key.clone())
                                    .or_default()
                                    .push("depends_on".into());
                            }
                        }
                        if let Some(Some(m)) = &t.milestone
                            && !milestones.contains(m)
                        {
                            t.milestone = None;
                            stripped
                                .entry(t.key.clone())
                                .or_default()
                                .push("milestone".into());
                        }
                        if let Some(Some(u)) = t.assignee_id
                            && !members.contains(&u)
                        {
                            t.assignee_id = None;
                            stripped
                                .entry(t.key.clone())
                                .or_default()
                                .push("assignee_id".into());
                        }
                        t
                    })
                    .collect();
                let r = self.send(pid, chunk, i, p, &index).await?;
                for it in r.items {
                    let extra = stripped.remove(&it.key).unwrap_or_default();
                    let o = match it.outcome {
                        BatchOutcome::Unchanged if !extra.is_empty() => BatchOutcome::Updated,
                        o => o,
                    };
                    let mut fields = it.changed;
                    if o == BatchOutcome::Updated {
                        fields.extend(
                            extra
                                .into_iter()
                                .filter(|f| !fields.contains(f))
                                .collect::<Vec<_>>(),
                        );
                    }
                    outcome.insert(it.key, (it.id, o, fields));
                }
                progress.step(r.created as u64 + r.updated as u64 + r.unchanged as u64);
            }
        } else {
            // Top-level tasks, then sub-tasks (their parents exist by then), then the
            // dependencies (every task exists by then): within each wave, requests in
            // parallel.
            let (top, sub): (Vec<TaskBatchItem>, Vec<TaskBatchItem>) = items
                .into_iter()
                .partition(|t| matches!(t.parent, None | Some(None)));
            for wave in [top, sub] {
                let responses: Vec<TaskBatchResponse> = stream::iter(batches(&wave))
                    .map(|chunk| self.send(pid, chunk, i, p, &index))
                    .buffer_unordered(self.opts.parallel.max(1))
                    .inspect_ok(|r| progress.step(r.items.len() as u64))
                    .try_collect()
                    .await?;
                for r in responses {
                    for it in r.items {
                        outcome.insert(it.key, (it.id, it.outcome, it.changed));
                    }
                }
            }
            progress.flush();
            let deps: Vec<TaskBatchItem> = p
                .tasks
                .iter()
                .filter(|t| t.depends_on.is_some())
                .map(|t| TaskBatchItem {
                    key: t.key.clone(),
                    depends_on: t.depends_on.clone(),
                    ..Default::default()
                })
                .collect();
            let responses: Vec<TaskBatchResponse> = stream::iter(batches(&deps))
                .map(|chunk| self.send(pid, chunk, i, p, &index))
                .buffer_unordered(self.opts.parallel.max(1))
                .try_collect()
                .await?;
            for r in responses {
                for it in r.items {
                    if it.outcome == BatchOutcome::Updated
                        && let Some(o) = outcome.get_mut(&it.key)
                    {
                        if o.1 == BatchOutcome::Unchanged {
                            o.1 = BatchOutcome::Updated;
                        }
                        o.2.extend(it.changed);
                    }
                }
            }
        }
        for t in &p.tasks {
            if let Some((_, o, fields)) = outcome.get(&t.key) {
                let key = format!("{}/{}", p.key, t.key);
                self.summary.add("tasks", key, *o, fields.clone());
            }
        }
        let ids: HashMap<String, Uuid> = outcome
            .iter()
            .map(|(k, (id, _, _))| (k.clone(), *id))
            .collect();
        self.comments(p, pid, i, &ids).await?;
        if self.opts.prune {
            let listed: HashSet<&str> = p.tasks.iter().map(|t| t.key.as_str()).collect();
            let keyed = self.keys(ExternalKeyKind::Task, Some(pid)).await?;
            for (k, id) in keyed.iter().filter(|(k, _)| !listed.contains(k.as_str())) {
                if !self.opts.dry_run {
                    match self.client.delete_at(&format!("/tasks/{id}"), None).await {
                        Ok(()) | Err(ClientError::Api(tandem_dto::Problem { status: 404, .. })) => {
                        }
                        Err(e) => return Err(self.api(&format!("/projects/{i}"), k, e)),
                    }
                }
                self.summary.deleted("tasks", format!("{}/{k}", p.key));
            }
        }
        Ok(())
    }

    async fn comments(
        &mut self,
        p: &Project,
        pid: Uuid,
        i: usize,
        task_ids: &HashMap<String, Uuid>,
    ) -> Result<(), SeedError> {
        if p.tasks.iter().all(|t| t.comments.is_empty()) && !self.opts.prune {
            return Ok(());
        }
        let keyed = self.keys(ExternalKeyKind::Comment, Some(pid)).await?;
        let by_own_id = p
            .tasks
            .iter()
            .flat_map(|t| &t.comments)
            .any(|c| !keyed.contains_key(&c.key) && c.key.parse::<Uuid>().is_ok());
        let have: HashMap<Uuid, CommentResponse> = if keyed.is_empty() && !by_own_id {
            HashMap::new()
        } else {
            self.client
                .get_all::<CommentResponse>(&format!("/projects/{pid}/comments"))
                .await
                .map_err(|e| self.api(&format!("/projects/{i}"), &p.key, e))?
                .into_iter()
                .map(|c| (c.id, c))
                .collect()
        };
        let mut posts = Vec::new();
        for (j, t) in p.tasks.iter().enumerate() {
            for (c, cm) in t.comments.iter().enumerate() {
                let ptr = format!("/projects/{i}/tasks/{j}/comments/{c}");
                let found = match keyed.get(&cm.key) {
                    Some(id) => have.get(id),
                    None => {
                        // A comment whose own id is the key and that has no key: adopted.
                        let x = own_id(&cm.key, &keyed).and_then(|id| have.get(&id));
                        if let Some(x) = x {
                            self.bind(ExternalKeyKind::Comment, &cm.key, x.id, &ptr)
                                .await?;
                        }
                        x
                    }
                };
                match found {
                    Some(x) if x.body == cm.body => {
                        let key = format!("{}/{}", p.key, cm.key);
                        self.summary
                            .add("comments", key, BatchOutcome::Unchanged, Vec::new())
                    }
                    Some(x) => {
                        let mut ch = serde_json::Map::new();
                        ch.insert("body".into(), json!(cm.body));
                        let (o, fields) = self
                            .patch(&format!("/comments/{}", x.id), ch, x.version, &ptr, &cm.key)
                            .await?;
                        let key = format!("{}/{}", p.key, cm.key);
                        self.summary.add("comments", key, o, fields);
                    }
                    None => {
                        let key = format!("{}/{}", p.key, cm.key);
                        self.summary
                            .add("comments", key, BatchOutcome::Created, Vec::new());
                        if let (false, Some(tid)) = (self.opts.dry_run, task_ids.get(&t.key)) {
                            posts.push((ptr, cm.key.clone(), *tid, cm.body.clone()));
                        }
                    }
                }
            }
        }
        let client = self.client;
        let results: Vec<Result<(), (String, String, ClientError)>> = stream::iter(posts)
            .map(|(ptr, key, tid, body)| async move {
                client
                    .call::<_, Value>(
                        Method::POST,
                        &format!("/tasks/{tid}/comments"),
                        &json!({"body": body, "external_key": key}),
                        None,
                    )
                    .await
                    .map(|_| ())
                    .map_err(|e| (ptr, key, e))
            })
            .buffer_unordered(self.opts.parallel.max(1))
            .collect()
            .await;
        for r in results {
            if let Err((ptr, key, e)) = r {
                return Err(self.api(&ptr, &key, e));
            }
        }
        if self.opts.prune {
            let listed: HashSet<&str> = p
                .tasks
                .iter()
                .flat_map(|t| t.comments.iter().map(|c| c.key.as_str()))
                .collect();
            for (k, id) in keyed.iter().filter(|(k, _)| !listed.contains(k.as_str())) {
                if !self.opts.dry_run {
                    match self
                        .client
                        .delete_at(&format!("/comments/{id}"), None)
                        .await
                    {
                        Ok(()) | Err(ClientError::Api(tandem_dto::Problem { status: 404, .. })) => {
                        }
                        Err(e) => return Err(self.api(&format!("/projects/{i}"), k, e)),
                    }
                }
                self.summary.deleted("comments", format!("{}/{k}", p.key));
            }
        }
        Ok(())
    }
}

impl Run<'_> {
    /// `--prune`: keyed objects of the file's sections that the file no longer lists —
    /// projects archived, accounts deactivated, departments deleted (the server refuses one
    /// that is still in use, and says by what). Tasks, milestones, comments and members are
    /// pruned with their project.
    async fn prune(&mut self) -> Result<(), SeedError> {
        let f = &self.loaded.file;
        if !f.projects.is_empty() {
            let listed: HashSet<&str> = f.projects.iter().map(|p| p.key.as_str()).collect();
            for (k, id) in self.keys(ExternalKeyKind::Project, None).await? {
                if listed.contains(k.as_str()) {
                    continue;
                }
                let p: ProjectResponse =
                    match self.client.get_json(&format!("/projects/{id}")).await {
                        Ok(p) => p,
                        Err(ClientError::Api(tandem_dto::Problem { status: 404, .. })) => continue,
                        Err(e) => return Err(self.api("/projects", &k, e)),
                    };
                if p.status == tandem_dto::ProjectStatus::Archived {
                    continue;
                }
                if !self.opts.dry_run {
                    self.client
                        .delete_at(&format!("/projects/{id}"), Some(p.version))
                        .await
                        .map_err(|e| self.api("/projects", &k, e))?;
                }
                self.summary.deleted("projects", k.clone());
            }
        }
        if !f.users.is_empty() {
            let listed: HashSet<&str> = f.users.iter().map(|u| u.key.as_str()).collect();
            for (k, id) in self.keys(ExternalKeyKind::User, None).await? {
                if listed.contains(k.as_str()) || id == self.me {
                    continue;
                }
                let Some(u) = self.all_users.iter().find(|u| u.id == id) else {
                    continue;
                };
                if u.status != UserStatus::Active {
                    continue;
                }
                if !self.opts.dry_run {
                    self.client
                        .call::<_, Value>(
                            Method::PATCH,
                            &format!("/users/{id}"),
                            &json!({"status": "deactivated"}),
                            Some(u.version),
                        )
                        .await
                        .map_err(|e| self.api("/users", &k, e))?;
                }
                self.summary.deleted("users", k.clone());
            }
        }
        if !f.departments.is_empty() {
            let listed: HashSet<&str> = f.departments.iter().map(|d| d.key.as_str()).collect();
            let all: Vec<DepartmentResponse> = self
                .client
                .get_all("/departments")
                .await
                .map_err(|e| self.fail("", None, describe(&e)))?;
            for (k, id) in self.keys(ExternalKeyKind::Department, None).await? {
                if listed.contains(k.as_str()) {
                    continue;
                }
                let Some(d) = all.iter().find(|d| d.id == id) else {
                    continue;
                };
                if !self.opts.dry_run {
                    self.client
                        .delete_at(&format!("/departments/{id}"), Some(d.version))
                        .await
                        .map_err(|e| self.api("/departments", &k, e))?;
                }
                self.summary.deleted("departments", k.clone());
            }
        }
        Ok(())
    }
}

/// The object a key names by being its own id, when no key names that object yet: what
/// `export` writes for objects made without a key, adopted on seeding back.
fn own_id(key: &str, keyed: &HashMap<String, Uuid>) -> Option<Uuid> {
    key.parse::<Uuid>()
        .ok()
        .filter(|id| !keyed.values().any(|v| v == id))
}

fn generate_password() -> String {
    use rand::Rng;
    const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..16)
        .map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char)
        .collect()
}

/// Applies `loaded` to the instance behind `client` (its token decides what is allowed).
pub async fn seed(
    client: &TandemClient,
    loaded: &Loaded,
    opts: &Options,
    progress: &mut Progress,
) -> Result<Summary, SeedError> {
    let me: UserResponse = client.get_json("/me").await.map_err(|e| SeedError {
        file: opts.file_name.clone(),
        line: None,
        key: None,
        message: format!("cannot use the token: {}", describe(&e)),
    })?;
    let mut run = Run {
        client,
        loaded,
        opts,
        summary: Summary::default(),
        me: me.id,
        departments: HashMap::new(),
        users: HashMap::new(),
        all_users: Vec::new(),
        logins: HashMap::new(),
    };
    run.departments().await?;
    run.users().await?;
    run.department_heads().await?;
    run.projects(progress).await?;
    progress.finish();
    if opts.prune_instance {
        run.prune().await?;
    }
    Ok(run.summary)
}
