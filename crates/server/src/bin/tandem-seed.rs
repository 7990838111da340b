//! Seeds a database for `just bench`: an administrator, a department, a project with members and
//! N tasks, written through the db layer in batches (over HTTP it would take minutes). Prints the
//! ids the benchmark needs as JSON.
//!
//! `--projects P` (the boards benchmark, issue 12) spreads the tasks over P projects instead —
//! the first gets `--first-project-tasks` of them — with eight people in four departments,
//! start and due dates around today, estimates, milestones, and finish-to-start chains of ten
//! tasks (some crossing departments): what the Kanban board, the Gantt chart and the dashboard
//! read.

use std::process::ExitCode;

use clap::Parser;
use tandem_db::{accounts, projects, tasks};
use tandem_dto::Priority;

#[derive(Parser)]
#[command(about = "Seed a database with a project of many tasks (for benchmarks)")]
struct Args {
    /// Database URL (`sqlite://…?mode=rwc` or `postgres://…`).
    #[arg(long)]
    database_url: String,
    /// How many tasks.
    #[arg(long, default_value_t = 100_000)]
    tasks: usize,
    #[arg(long, default_value = "bench@example.com")]
    email: String,
    #[arg(long, default_value = "bench-password-1")]
    password: String,
    /// Spread the tasks over this many projects (the boards layout).
    #[arg(long)]
    projects: Option<usize>,
    /// With `--projects`: how many of the tasks go to the first project.
    #[arg(long, default_value_t = 5_000)]
    first_project_tasks: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tandem-seed: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(seed(args)) {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tandem-seed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn seed(args: Args) -> Result<serde_json::Value, String> {
    let db = tandem_db::connect(&args.database_url)
        .await
        .map_err(|e| e.to_string())?;
    tandem_db::migrate(&db).await.map_err(|e| e.to_string())?;
    let admin =
        tandem_api::bootstrap::create_admin(&db, &args.email, "Bench", None, args.password.clone())
            .await?;
    let dept = accounts::insert_department(&db, "研发部".into(), None, None)
        .await
        .map_err(|e| e.to_string())?;
    if let Some(n) = args.projects {
        return boards(&db, &args, admin.id, dept.id, n).await;
    }
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).ok_or("date")?;
    let project = projects::create_project(
        &db,
        projects::NewProject {
            name: "压测项目".into(),
            goal: String::new(),
            department_ids: vec![dept.id],
            start_date: start,
            end_date: start + chrono::Duration::days(365),
            time_zone: "Asia/Shanghai".into(),
            created_by: admin.id,
            milestones: Vec::new(),
            external_key: None,
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let priorities = [Priority::High, Priority::Medium, Priority::Low];
    let batch: Vec<tasks::NewTask> = (0..args.tasks)
        .map(|n| tasks::NewTask {
            project_id: project.id,
            title: format!("任务 {n} 需求调研与原型设计"),
            description: format!("第 {n} 个任务的说明"),
            description_html: format!("<p>第 {n} 个任务的说明</p>"),
            assignee_id: Some(admin.id),
            priority: priorities[n % 3],
            start_date: None,
            due_date: Some(start + chrono::Duration::days((n % 365) as i64)),
            milestone_id: None,
            parent_id: None,
            estimate_hours: None,
            created_by: admin.id,
        })
        .collect();
    tasks::insert_bulk(&db, batch)
        .await
        .map_err(|e| e.to_string())?;
    let (page, _) = tasks::list_tasks(
        &db,
        tasks::TaskFilter {
            project_id: Some(project.id),
            limit: 1,
            ..Default::default()
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let task = page.first().ok_or("no task")?;
    Ok(serde_json::json!({ "project_id": project.id, "task_id": task.id }))
}

/// The boards layout (see the module's comment).
async fn boards(
    db: &tandem_db::DatabaseConnection,
    args: &Args,
    admin: uuid::Uuid,
    first_dept: uuid::Uuid,
    n_projects: usize,
) -> Result<serde_json::Value, String> {
    use chrono::Duration;
    use tandem_dto::{ProjectRole, SystemRole, UserStatus};
    let err = |e: tandem_db::RepoError| e.to_string();
    let today = chrono::Utc::now().date_naive();
    let mut depts = vec![first_dept];
    for name in ["市场部", "生产部", "质量部"] {
        depts.push(
            accounts::insert_department(db, name.into(), None, None)
                .await
                .map_err(err)?
                .id,
        );
    }
    // The password of every seeded person is unusable: only the administrator signs in.
    let mut people = vec![admin];
    for n in 0..7 {
        let u = accounts::insert_user(
            db,
            accounts::NewUser {
                email: Some(format!("person{n}@example.com")),
                employee_id: None,
                name: format!("同事{n}"),
                department_id: Some(depts[(n + 1) % depts.len()]),
                position: String::new(),
                password_hash: "!".into(),
                role: SystemRole::Member,
                status: UserStatus::Active,
            },
        )
        .await
        .map_err(err)?;
        people.push(u.id);
    }
    let n_projects = n_projects.max(1);
    let rest = args.tasks.saturating_sub(args.first_project_tasks);
    let mut first = None;
    for p in 0..n_projects {
        let count = if p == 0 {
            args.first_project_tasks.min(args.tasks)
        } else {
            rest / (n_projects - 1).max(1) + usize::from(p - 1 < rest % (n_projects - 1).max(1))
        };
        let project = projects::create_project(
            db,
            projects::NewProject {
                name: format!("项目 {p:03}"),
                goal: String::new(),
                department_ids: vec![depts[p % depts.len()]],
                start_date: today - Duration::days(60),
                end_date: today + Duration::days(120),
                time_zone: "Asia/Shanghai".into(),
                created_by: admin,
                milestones: (1..=3)
                    .map(|m| projects::NewMilestone {
                        name: format!("里程碑 {m}"),
                        date: today + Duration::days(10 * m - 5),
                        description: None,
                        external_key: None,
                    })
                    .collect(),
                external_key: None,
            },
        )
        .await
        .map_err(err)?;
        for who in &people[1..] {
            projects::add_member(db, project.id, *who, ProjectRole::Editor)
                .await
                .map_err(err)?;
        }
        let batch: Vec<tasks::NewTask> = (0..count)
            .map(|n| {
                let start = today + Duration::days((n % 90) as i64 - 45);
                tasks::NewTask {
                    project_id: project.id,
                    title: format!("任务 {n} 需求调研与原型设计"),
                    description: String::new(),
                    description_html: String::new(),
                    assignee_id: Some(people[(n / 3) % people.len()]),
                    priority: [Priority::High, Priority::Medium, Priority::Low][n % 3],
                    start_date: Some(start),
                    due_date: Some(start + Duration::days(3 + (n % 7) as i64)),
                    milestone_id: None,
                    parent_id: None,
                    estimate_hours: Some(4.0 + (n % 4) as f64 * 4.0),
                    created_by: admin,
                }
            })
            .collect();
        tasks::insert_bulk(db, batch).await.map_err(err)?;
        // Chains of ten: each task waits for the one before it.
        let ids = tandem_db::task_batch::project_task_ids(db, project.id)
            .await
            .map_err(err)?;
        let edges: Vec<(uuid::Uuid, uuid::Uuid)> = ids
            .windows(2)
            .enumerate()
            .filter(|(n, _)| (n + 1) % 10 != 0)
            .map(|(_, w)| (w[1], w[0]))
            .collect();
        tandem_db::task_batch::insert_dependencies_unchecked(db, &edges, admin)
            .await
            .map_err(err)?;
        if first.is_none() {
            first = Some((project.id, ids.first().copied()));
        }
    }
    let (project, task) = first.ok_or("no project")?;
    Ok(serde_json::json!({ "project_id": project, "task_id": task, "projects": n_projects }))
}
