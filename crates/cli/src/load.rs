//! Reading a seed file (YAML 1.2, so JSON too) with the line of every value, so errors can
//! say where: the file is parsed into JSON values while a map from each value's JSON pointer
//! to its line is kept.

use std::collections::HashMap;

use serde_json::{Map, Number, Value};
use yaml_rust2::Event;
use yaml_rust2::parser::{MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::format::SeedFile;

/// A problem with the file, at a line when known.
#[derive(Debug, Clone, PartialEq)]
pub struct FileError {
    pub line: Option<usize>,
    /// The object's key, when the problem is about one.
    pub key: Option<String>,
    pub message: String,
}

/// A loaded file: the parsed format and where each value was.
#[derive(Debug)]
pub struct Loaded {
    pub file: SeedFile,
    pub lines: HashMap<String, usize>,
}

impl Loaded {
    /// The line of the value at `pointer` (e.g. `/projects/0/tasks/3`).
    pub fn line(&self, pointer: &str) -> Option<usize> {
        self.lines.get(pointer).copied()
    }
}

enum Frame {
    Seq(Vec<Value>, String),
    Map(Map<String, Value>, String, Option<String>),
}

struct Builder {
    stack: Vec<Frame>,
    root: Option<Value>,
    lines: HashMap<String, usize>,
    anchors: HashMap<usize, Value>,
    error: Option<String>,
}

impl Builder {
    /// The pointer of the next value in the innermost container.
    fn next_pointer(&self) -> String {
        match self.stack.last() {
            None => String::new(),
            Some(Frame::Seq(items, p)) => format!("{p}/{}", items.len()),
            Some(Frame::Map(_, p, Some(k))) => format!("{p}/{}", escape(k)),
            Some(Frame::Map(_, p, None)) => p.clone(),
        }
    }

    fn push_value(&mut self, v: Value) {
        match self.stack.last_mut() {
            None => self.root = Some(v),
            Some(Frame::Seq(items, _)) => items.push(v),
            Some(Frame::Map(map, _, pending)) => match pending.take() {
                Some(k) => {
                    map.insert(k, v);
                }
                None => match v {
                    Value::String(k) => *pending = Some(k),
                    other => *pending = Some(other.to_string()),
                },
            },
        }
    }

    /// Whether the next scalar is a mapping's key (not a value).
    fn expecting_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map(_, _, None)))
    }
}

fn escape(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

/// A plain scalar read by the YAML 1.2 core schema; quoted ones are strings.
fn scalar(s: String, style: TScalarStyle) -> Value {
    if style != TScalarStyle::Plain {
        return Value::String(s);
    }
    match s.as_str() {
        "null" | "Null" | "NULL" | "~" | "" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ => {
            if let Ok(i) = s.parse::<i64>() {
                Value::Number(i.into())
            } else if let Some(n) = s
                .parse::<f64>()
                .ok()
                .filter(|f| {
                    f.is_finite() && s.chars().all(|c| c.is_ascii_digit() || ".-+eE".contains(c))
                })
                .and_then(Number::from_f64)
            {
                Value::Number(n)
            } else {
                Value::String(s)
            }
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        let line = mark.line();
        match ev {
            Event::Scalar(s, style, anchor, _) => {
                let key = self.expecting_key();
                let v = scalar(s, style);
                if !key {
                    self.lines.insert(self.next_pointer(), line);
                }
                if anchor > 0 {
                    self.anchors.insert(anchor, v.clone());
                }
                self.push_value(v);
            }
            Event::SequenceStart(_, _) => {
                let p = self.next_pointer();
                self.lines.insert(p.clone(), line);
                self.stack.push(Frame::Seq(Vec::new(), p));
            }
            Event::MappingStart(_, _) => {
                let p = self.next_pointer();
                self.lines.insert(p.clone(), line);
                self.stack.push(Frame::Map(Map::new(), p, None));
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq(items, _)) = self.stack.pop() {
                    self.push_value(Value::Array(items));
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map(map, _, _)) = self.stack.pop() {
                    self.push_value(Value::Object(map));
                }
            }
            Event::Alias(id) => match self.anchors.get(&id).cloned() {
                Some(v) => self.push_value(v),
                None => self.error = Some(format!("line {line}: unknown alias")),
            },
            _ => {}
        }
    }
}

/// Parses `text` (YAML or JSON) into the seed format; errors carry the line.
pub fn parse(text: &str) -> Result<Loaded, FileError> {
    let mut b = Builder {
        stack: Vec::new(),
        root: None,
        lines: HashMap::new(),
        anchors: HashMap::new(),
        error: None,
    };
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut b, false) {
        return Err(FileError {
            line: Some(e.marker().line()),
            key: None,
            message: format!("not valid YAML or JSON: {}", e.info()),
        });
    }
    if let Some(e) = b.error {
        return Err(FileError {
            line: None,
            key: None,
            message: e,
        });
    }
    let root = b.root.unwrap_or(Value::Object(Map::new()));
    let root = if root.is_null() {
        Value::Object(Map::new())
    } else {
        root
    };
    let lines = b.lines;
    let de = serde_path_to_pointer(&root);
    match de {
        Ok(file) => Ok(Loaded { file, lines }),
        Err((pointer, message)) => {
            // The innermost value that has a line (a missing field has none of its own).
            let mut p = pointer.as_str();
            let line = loop {
                if let Some(l) = lines.get(p) {
                    break Some(*l);
                }
                match p.rfind('/') {
                    Some(i) => p = &p[..i],
                    None => break None,
                }
            };
            let key = object_key(&root, &pointer);
            Err(FileError { line, key, message })
        }
    }
}

/// The `key` of the object at or around `pointer`, for messages.
fn object_key(root: &Value, pointer: &str) -> Option<String> {
    let mut p = pointer;
    loop {
        if let Some(k) = root
            .pointer(p)
            .and_then(|v| v.get("key"))
            .and_then(Value::as_str)
        {
            return Some(k.to_owned());
        }
        p = &p[..p.rfind('/')?];
    }
}

/// Deserializes the format, naming the JSON pointer where it failed.
fn serde_path_to_pointer(root: &Value) -> Result<SeedFile, (String, String)> {
    // serde_json reports no path; walk the structure by hand for the first bad object.
    match serde_json::from_value::<SeedFile>(root.clone()) {
        Ok(f) => Ok(f),
        Err(e) => Err(locate(root, &e.to_string())),
    }
}

/// Finds the innermost object that fails on its own, by trying each part of the file.
fn locate(root: &Value, whole: &str) -> (String, String) {
    use crate::format::{
        Comment, Department, File, Folder, Member, Milestone, Project, Task, User,
    };
    fn first_bad<T: serde::de::DeserializeOwned>(
        items: Option<&Value>,
        base: &str,
    ) -> Option<(String, String)> {
        for (i, v) in items?.as_array()?.iter().enumerate() {
            if let Err(e) = serde_json::from_value::<T>(v.clone()) {
                return Some((format!("{base}/{i}"), e.to_string()));
            }
        }
        None
    }
    if let Some(obj) = root.as_object() {
        for k in obj.keys() {
            if !["departments", "users", "projects"].contains(&k.as_str()) {
                return (
                    format!("/{}", escape(k)),
                    format!("unknown section `{k}` (expected departments, users, projects)"),
                );
            }
        }
    } else {
        return (
            String::new(),
            "the file must be a mapping of sections".into(),
        );
    }
    if let Some(bad) = first_bad::<Department>(root.get("departments"), "/departments") {
        return bad;
    }
    if let Some(bad) = first_bad::<User>(root.get("users"), "/users") {
        return bad;
    }
    if let Some(projects) = root.get("projects").and_then(Value::as_array) {
        for (i, p) in projects.iter().enumerate() {
            let base = format!("/projects/{i}");
            for (name, bad) in [
                (
                    "members",
                    first_bad::<Member>(p.get("members"), &format!("{base}/members")),
                ),
                (
                    "milestones",
                    first_bad::<Milestone>(p.get("milestones"), &format!("{base}/milestones")),
                ),
                (
                    "folders",
                    first_bad::<Folder>(p.get("folders"), &format!("{base}/folders")),
                ),
                (
                    "files",
                    first_bad::<File>(p.get("files"), &format!("{base}/files")),
                ),
            ] {
                let _ = name;
                if let Some(bad) = bad {
                    return bad;
                }
            }
            if let Some(tasks) = p.get("tasks").and_then(Value::as_array) {
                for (j, t) in tasks.iter().enumerate() {
                    let tb = format!("{base}/tasks/{j}");
                    if let Some(bad) =
                        first_bad::<Comment>(t.get("comments"), &format!("{tb}/comments"))
                    {
                        return bad;
                    }
                    if let Err(e) = serde_json::from_value::<Task>(t.clone()) {
                        return (tb, e.to_string());
                    }
                }
            }
            if let Err(e) = serde_json::from_value::<Project>(p.clone()) {
                return (base, e.to_string());
            }
        }
    }
    (String::new(), whole.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_their_lines() {
        let text = "departments:\n  - key: rd\n    name: 研发部\nprojects:\n  - key: p\n    name: 新产品上市\n    departments: [rd]\n    start_date: 2026-12-01\n    end_date: 2027-02-28\n    tasks:\n      - key: t1\n        title: 需求调研\n";
        let l = parse(text).unwrap();
        assert_eq!(l.file.departments[0].name, "研发部");
        assert_eq!(l.line("/departments/0"), Some(2));
        assert_eq!(l.line("/projects/0/tasks/0"), Some(11));
        assert_eq!(l.line("/projects/0/tasks/0/title"), Some(12));
    }

    #[test]
    fn type_errors_name_the_line_and_key() {
        let text = "users:\n  - key: lilei\n    name: 李雷\n    position: 工程师\n  - key: hmm\n    name: [韩梅梅]\n    position: 工程师\n";
        let e = parse(text).unwrap_err();
        assert_eq!(e.line, Some(5));
        assert_eq!(e.key.as_deref(), Some("hmm"));
        assert!(e.message.contains("invalid type"), "{}", e.message);
    }

    #[test]
    fn json_is_read_too_and_dates_stay_strings() {
        let l = parse(r#"{"projects":[{"key":"p","name":"x","departments":["rd"],"start_date":"2026-12-01","end_date":"2027-01-01"}]}"#).unwrap();
        assert_eq!(l.file.projects[0].start_date.to_string(), "2026-12-01");
        let y = parse(
            "projects:\n  - key: 2026\n    name: x\n    departments: [rd]\n    start_date: 2026-12-01\n    end_date: 2027-01-01\n",
        );
        // A number where a key belongs is a clear type error, not a silent conversion.
        assert!(y.is_err());
    }
}
