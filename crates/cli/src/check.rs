//! What can be wrong with a seed file before anything is sent: duplicate keys, references to
//! keys the file does not have, cycles, sub-tasks of sub-tasks, dates out of order.

use std::collections::{HashMap, HashSet};

use tandem_dto::external_key_ok;

use crate::format::{Task, set};
use crate::load::{FileError, Loaded};

fn deps(t: &Task) -> &[String] {
    t.depends_on.as_deref().unwrap_or(&[])
}

/// Every problem found, in file order.
pub fn check(l: &Loaded) -> Vec<FileError> {
    let f = &l.file;
    let mut out = Vec::new();
    let mut err = |pointer: String, key: &str, message: String| {
        out.push(FileError {
            line: l.line(&pointer),
            key: Some(key.to_owned()),
            message,
        })
    };
    let unique = |seen: &mut HashSet<String>, pointer: String, key: &str, what: &str| {
        if !external_key_ok(key) {
            return Some((
                pointer,
                format!("{what} key {key:?}: 1–200 characters, no leading or trailing spaces"),
            ));
        }
        (!seen.insert(key.to_owned())).then(|| (pointer, format!("duplicate {what} key {key:?}")))
    };

    let mut departments = HashSet::new();
    for (i, d) in f.departments.iter().enumerate() {
        if let Some((p, m)) = unique(
            &mut departments,
            format!("/departments/{i}"),
            &d.key,
            "department",
        ) {
            err(p, &d.key, m);
        }
    }
    let mut users = HashSet::new();
    for (i, u) in f.users.iter().enumerate() {
        if let Some((p, m)) = unique(&mut users, format!("/users/{i}"), &u.key, "user") {
            err(p, &u.key, m);
        }
        if u.email.is_none() && u.employee_id.is_none() {
            err(
                format!("/users/{i}"),
                &u.key,
                "a user needs an email or an employee_id".into(),
            );
        }
        if let Some(d) = &u.department
            && !departments.contains(d)
        {
            err(
                format!("/users/{i}/department"),
                &u.key,
                format!("unknown department {d:?}"),
            );
        }
    }
    // Departments: parents and heads known, no cycle in the tree.
    let parent_of: HashMap<&str, &str> = f
        .departments
        .iter()
        .filter_map(|d| Some((d.key.as_str(), set(&d.parent)?.as_str())))
        .collect();
    for (i, d) in f.departments.iter().enumerate() {
        if let Some(p) = set(&d.parent)
            && !departments.contains(p)
        {
            err(
                format!("/departments/{i}/parent"),
                &d.key,
                format!("unknown department {p:?}"),
            );
        }
        if let Some(h) = set(&d.head)
            && !users.contains(h)
        {
            err(
                format!("/departments/{i}/head"),
                &d.key,
                format!("unknown user {h:?}"),
            );
        }
        let mut at = d.key.as_str();
        let mut steps = 0;
        while let Some(p) = parent_of.get(at) {
            steps += 1;
            if *p == d.key || steps > parent_of.len() {
                err(
                    format!("/departments/{i}/parent"),
                    &d.key,
                    "the department tree has a cycle".into(),
                );
                break;
            }
            at = p;
        }
    }
    let mut projects = HashSet::new();
    for (i, p) in f.projects.iter().enumerate() {
        let base = format!("/projects/{i}");
        if let Some((ptr, m)) = unique(&mut projects, base.clone(), &p.key, "project") {
            err(ptr, &p.key, m);
        }
        if p.end_date < p.start_date {
            err(
                format!("{base}/end_date"),
                &p.key,
                "end_date is before start_date".into(),
            );
        }
        if p.departments.is_empty() {
            err(
                format!("{base}/departments"),
                &p.key,
                "a project needs at least one department".into(),
            );
        }
        for (j, d) in p.departments.iter().enumerate() {
            if !departments.contains(d) {
                err(
                    format!("{base}/departments/{j}"),
                    &p.key,
                    format!("unknown department {d:?}"),
                );
            }
        }
        let mut members = HashSet::new();
        for (j, m) in p.members.iter().enumerate() {
            if !users.contains(&m.user) {
                err(
                    format!("{base}/members/{j}"),
                    &p.key,
                    format!("unknown user {:?}", m.user),
                );
            } else if !members.insert(m.user.clone()) {
                err(
                    format!("{base}/members/{j}"),
                    &p.key,
                    format!("{:?} is listed twice", m.user),
                );
            }
        }
        let mut milestones = HashSet::new();
        for (j, m) in p.milestones.iter().enumerate() {
            let ptr = format!("{base}/milestones/{j}");
            if let Some((ptr, msg)) = unique(&mut milestones, ptr.clone(), &m.key, "milestone") {
                err(ptr, &m.key, msg);
            }
            if m.date < p.start_date || m.date > p.end_date {
                err(
                    format!("{ptr}/date"),
                    &m.key,
                    "the milestone is outside the project's period".into(),
                );
            }
        }
        let mut tasks = HashSet::new();
        let mut comments = HashSet::new();
        for (j, t) in p.tasks.iter().enumerate() {
            if let Some((ptr, m)) = unique(&mut tasks, format!("{base}/tasks/{j}"), &t.key, "task")
            {
                err(ptr, &t.key, m);
            }
            for (c, cm) in t.comments.iter().enumerate() {
                if let Some((ptr, m)) = unique(
                    &mut comments,
                    format!("{base}/tasks/{j}/comments/{c}"),
                    &cm.key,
                    "comment",
                ) {
                    err(ptr, &cm.key, m);
                }
            }
        }
        let parent: HashMap<&str, &str> = p
            .tasks
            .iter()
            .filter_map(|t| Some((t.key.as_str(), set(&t.parent)?.as_str())))
            .collect();
        for (j, t) in p.tasks.iter().enumerate() {
            let ptr = format!("{base}/tasks/{j}");
            if let (Some(s), Some(d)) = (set(&t.start_date), set(&t.due_date))
                && d < s
            {
                err(
                    format!("{ptr}/due_date"),
                    &t.key,
                    "due_date is before start_date".into(),
                );
            }
            if let Some(m) = set(&t.milestone)
                && !milestones.contains(m)
            {
                err(
                    format!("{ptr}/milestone"),
                    &t.key,
                    format!("unknown milestone {m:?}"),
                );
            }
            if let Some(pk) = set(&t.parent) {
                if !tasks.contains(pk) {
                    err(
                        format!("{ptr}/parent"),
                        &t.key,
                        format!("unknown task {pk:?}"),
                    );
                } else if pk == &t.key {
                    err(
                        format!("{ptr}/parent"),
                        &t.key,
                        "a task cannot be its own parent".into(),
                    );
                } else if parent.contains_key(pk.as_str()) {
                    err(
                        format!("{ptr}/parent"),
                        &t.key,
                        format!("{pk:?} is a sub-task itself (one level of sub-tasks)"),
                    );
                }
            }
            let mut seen = HashSet::new();
            for (k, d) in t.depends_on.iter().flatten().enumerate() {
                if !tasks.contains(d) {
                    err(
                        format!("{ptr}/depends_on/{k}"),
                        &t.key,
                        format!("unknown task {d:?}"),
                    );
                } else if !seen.insert(d) {
                    err(
                        format!("{ptr}/depends_on/{k}"),
                        &t.key,
                        format!("{d:?} is listed twice"),
                    );
                }
            }
            if let Some(pr) = t.progress
                && !(0..=100).contains(&pr)
            {
                err(
                    format!("{ptr}/progress"),
                    &t.key,
                    "progress is 0–100".into(),
                );
            } else if t.status == Some(tandem_dto::TaskStatus::Done)
                && t.progress.is_some_and(|p| p != 100)
            {
                err(
                    format!("{ptr}/progress"),
                    &t.key,
                    "a done task's progress is 100".into(),
                );
            }
        }
        if let Some((j, key)) = dependency_cycle(p) {
            err(
                format!("{base}/tasks/{j}/depends_on"),
                &key,
                format!("the dependencies form a cycle through {key:?}"),
            );
        }
        // The library: folders listed after their parent (which also rules out cycles),
        // files in listed folders, grants to known people, links to listed tasks.
        let grant_problems = |grants: &Option<Vec<crate::format::Grant>>| {
            let mut found = Vec::new();
            for (g, grant) in grants.iter().flatten().enumerate() {
                let msg = match (&grant.user, &grant.department) {
                    (Some(u), None) if !users.contains(u) => Some(format!("unknown user {u:?}")),
                    (None, Some(d)) if !departments.contains(d) => {
                        Some(format!("unknown department {d:?}"))
                    }
                    (Some(_), None) | (None, Some(_)) => None,
                    _ => Some("a grant names one user or one department".to_owned()),
                };
                if let Some(m) = msg {
                    found.push((format!("/grants/{g}"), m));
                }
            }
            found
        };
        let mut folders = HashSet::new();
        for (j, d) in p.folders.iter().enumerate() {
            let ptr = format!("{base}/folders/{j}");
            if let Some(parent) = set(&d.parent)
                && !folders.contains(parent)
            {
                err(
                    format!("{ptr}/parent"),
                    &d.key,
                    format!("unknown folder {parent:?} (list a parent before its children)"),
                );
            }
            if let Some((ptr, msg)) = unique(&mut folders, ptr.clone(), &d.key, "folder") {
                err(ptr, &d.key, msg);
            }
            if !tandem_dto::valid_file_name(&d.name) {
                err(format!("{ptr}/name"), &d.key, "not a folder name".into());
            }
            for (at, m) in grant_problems(&d.grants) {
                err(format!("{ptr}{at}"), &d.key, m);
            }
        }
        let mut files = HashSet::new();
        for (j, f) in p.files.iter().enumerate() {
            let ptr = format!("{base}/files/{j}");
            if let Some((ptr, msg)) = unique(&mut files, ptr.clone(), &f.key, "file") {
                err(ptr, &f.key, msg);
            }
            if !tandem_dto::valid_file_name(&f.name) {
                err(format!("{ptr}/name"), &f.key, "not a file name".into());
            }
            if let Some(folder) = set(&f.folder)
                && !folders.contains(folder)
            {
                err(
                    format!("{ptr}/folder"),
                    &f.key,
                    format!("unknown folder {folder:?}"),
                );
            }
            let sources = [
                f.content.is_some(),
                f.content_base64.is_some(),
                f.path.is_some(),
            ];
            if sources.iter().filter(|s| **s).count() > 1 {
                err(
                    ptr.clone(),
                    &f.key,
                    "give one of content, content_base64 and path".into(),
                );
            }
            if f.kind == Some(crate::format::SeedFileKind::Doc) && f.content_base64.is_some() {
                err(
                    format!("{ptr}/content_base64"),
                    &f.key,
                    "a document's content is Markdown text: give content or path".into(),
                );
            }
            for t in f.tasks.iter().flatten() {
                if !tasks.contains(t) {
                    err(
                        format!("{ptr}/tasks"),
                        &f.key,
                        format!("unknown task {t:?}"),
                    );
                }
            }
            for (at, m) in grant_problems(&f.grants) {
                err(format!("{ptr}{at}"), &f.key, m);
            }
        }
    }
    out.sort_by_key(|e| e.line.unwrap_or(usize::MAX));
    out
}

/// A task on a dependency cycle (index and key), if there is one.
fn dependency_cycle(p: &crate::format::Project) -> Option<(usize, String)> {
    let index: HashMap<&str, usize> = p
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.key.as_str(), i))
        .collect();
    let mut state = vec![0u8; p.tasks.len()];
    for root in 0..p.tasks.len() {
        if state[root] != 0 {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        state[root] = 1;
        while let Some((n, i)) = stack.pop() {
            let next = deps(&p.tasks[n])
                .get(i)
                .and_then(|k| index.get(k.as_str()))
                .copied();
            match next {
                Some(m) => {
                    stack.push((n, i + 1));
                    match state[m] {
                        1 => return Some((m, p.tasks[m].key.clone())),
                        0 => {
                            state[m] = 1;
                            stack.push((m, 0));
                        }
                        _ => {}
                    }
                }
                None if deps(&p.tasks[n]).len() > i => stack.push((n, i + 1)),
                None => state[n] = 2,
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    /// The problems `read` reports for `text`, as printed.
    fn problems(text: &str) -> Vec<String> {
        crate::read("f.yaml", text).err().unwrap_or_default()
    }

    const BASE: &str = "departments:
  - key: rd
    name: 研发部
users:
  - key: lilei
    email: lilei@example.com
    name: 李雷
    department: rd
    position: 工程师
projects:
  - key: p
    name: 项目
    departments: [rd]
    start_date: 2026-12-01
    end_date: 2027-02-28
    milestones:
      - key: m1
        name: 里程碑
        date: 2027-01-15
    tasks:
      - key: t1
        title: 一
      - key: t2
        title: 二
        depends_on: [t1]
";

    #[test]
    fn a_good_file_has_no_problems() {
        assert_eq!(problems(BASE), Vec::<String>::new());
    }

    #[test]
    fn library_references_are_checked() {
        let text = format!(
            "{BASE}    folders:
      - key: sub
        name: 子目录
        parent: top
      - key: top
        name: 设计稿
        grants:
          - user: nobody
            level: view
    files:
      - key: f1
        name: a/b.txt
        folder: gone
        content: 文字
        path: x.txt
        tasks: [t9]
"
        );
        let p = problems(&text);
        for want in [
            "unknown folder \"top\"",
            "unknown user \"nobody\"",
            "not a file name",
            "unknown folder \"gone\"",
            "give one of content",
            "unknown task \"t9\"",
        ] {
            assert!(p.iter().any(|x| x.contains(want)), "{want}: {p:?}");
        }
    }

    #[test]
    fn unknown_references_name_the_line_and_key() {
        let text = BASE.replace(
            "depends_on: [t1]",
            "depends_on: [t9]\n        milestone: m9\n        parent: t8",
        );
        assert_eq!(
            problems(&text),
            [
                "f.yaml:25: t2: unknown task \"t9\"",
                "f.yaml:26: t2: unknown milestone \"m9\"",
                "f.yaml:27: t2: unknown task \"t8\"",
            ]
        );
    }

    #[test]
    fn unknown_departments_are_named() {
        let text = BASE
            .replace("    department: rd\n", "    department: hr\n")
            .replace("departments: [rd]", "departments: [rd, qa]");
        assert_eq!(
            problems(&text),
            [
                "f.yaml:8: lilei: unknown department \"hr\"",
                "f.yaml:13: p: unknown department \"qa\"",
            ]
        );
    }

    #[test]
    fn cycles_are_found_in_dependencies_and_the_department_tree() {
        let text = BASE
            .replace(
                "        title: 一\n",
                "        title: 一\n        depends_on: [t2]\n",
            )
            .replace("    name: 研发部\n", "    name: 研发部\n    parent: rd\n");
        let p = problems(&text);
        assert!(
            p.contains(&"f.yaml:4: rd: the department tree has a cycle".to_owned()),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|l| l.contains("the dependencies form a cycle")),
            "{p:?}"
        );
    }

    #[test]
    fn duplicate_keys_are_named_where_they_repeat() {
        let text = BASE.replace(
            "      - key: t2\n        title: 二\n        depends_on: [t1]\n",
            "      - key: t1\n        title: 二\n",
        );
        assert_eq!(
            problems(&text),
            ["f.yaml:23: t1: duplicate task key \"t1\""]
        );
    }

    #[test]
    fn wrong_types_and_unknown_fields_name_the_object() {
        let text = BASE.replace(
            "        title: 二\n",
            "        title: 二\n        progress: lots\n",
        );
        let p = problems(&text);
        assert_eq!(p.len(), 1);
        assert!(p[0].starts_with("f.yaml:23: t2: invalid type"), "{p:?}");
        let text = BASE.replace(
            "    position: 工程师\n",
            "    position: 工程师\n    salary: 1\n",
        );
        let p = problems(&text);
        assert!(
            p[0].starts_with("f.yaml:5: lilei: unknown field `salary`"),
            "{p:?}"
        );
        let p = problems("tasks: []\n");
        assert!(p[0].contains("unknown section `tasks`"), "{p:?}");
    }

    #[test]
    fn sub_tasks_of_sub_tasks_and_bad_dates_are_refused() {
        let text = BASE
            .replace("        title: 二\n", "        title: 二\n        parent: t1\n      - key: t3\n        title: 三\n        parent: t2\n")
            .replace("date: 2027-01-15", "date: 2028-01-15");
        let p = problems(&text);
        assert!(
            p.iter()
                .any(|l| l.contains("t3: \"t2\" is a sub-task itself")),
            "{p:?}"
        );
        assert!(
            p.iter().any(|l| l.contains("m1: the milestone is outside")),
            "{p:?}"
        );
    }

    #[test]
    fn the_committed_schema_is_the_format_read() {
        let committed = include_str!("../../../api-spec/seed.schema.json");
        assert_eq!(
            committed,
            crate::schema_json() + "\n",
            "api-spec/seed.schema.json is stale: run `tandem seed-schema --out api-spec/seed.schema.json`"
        );
    }
}
