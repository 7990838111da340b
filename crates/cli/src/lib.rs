//! The `tandem seed` and `tandem export` commands (I3): a documented file format, checked
//! with line numbers, applied idempotently through the REST API, and written back from a
//! live instance.

pub mod check;
pub mod export;
pub mod format;
pub mod load;
pub mod progress;
pub mod seed;

pub use format::{SeedFile, schema_json};
pub use load::{FileError, Loaded, parse};
pub use seed::{Options, SeedError, Summary, seed};

/// Reads and checks a seed file; every problem, rendered `file:line: key: message`.
pub fn read(file_name: &str, text: &str) -> Result<Loaded, Vec<String>> {
    let render = |e: &FileError| {
        let at = match e.line {
            Some(l) => format!("{file_name}:{l}"),
            None => file_name.to_owned(),
        };
        match &e.key {
            Some(k) => format!("{at}: {k}: {}", e.message),
            None => format!("{at}: {}", e.message),
        }
    };
    let loaded = parse(text).map_err(|e| vec![render(&e)])?;
    let problems = check::check(&loaded);
    if problems.is_empty() {
        Ok(loaded)
    } else {
        Err(problems.iter().map(render).collect())
    }
}

/// The summary as printed at the end of a run.
pub fn render_summary(s: &Summary, dry_run: bool) -> String {
    let mut out = String::new();
    let verb = if dry_run { "would be" } else { "" };
    for (kind, c) in &s.counts() {
        out.push_str(&format!(
            "{kind:<11} {:>7} created {:>7} updated {:>7} unchanged{}{}\n",
            c.created,
            c.updated,
            c.unchanged,
            if c.deleted > 0 {
                format!(" {:>7} deleted", c.deleted)
            } else {
                String::new()
            },
            if verb.is_empty() {
                String::new()
            } else {
                format!("  ({verb})")
            },
        ));
    }
    out
}
