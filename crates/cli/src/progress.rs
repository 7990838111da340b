//! Progress of a long run: a bar redrawn in place on a terminal, a plain line every tenth
//! in CI logs (or any output that is not a terminal).

use std::cell::Cell;
use std::io::{IsTerminal, Write};

pub struct Progress {
    total: u64,
    done: Cell<u64>,
    shown_tenth: Cell<u64>,
    terminal: bool,
    quiet: bool,
    what: &'static str,
}

impl Progress {
    pub fn new(total: u64, what: &'static str, quiet: bool) -> Self {
        Self {
            total,
            done: Cell::new(0),
            shown_tenth: Cell::new(0),
            terminal: std::io::stderr().is_terminal(),
            quiet,
            what,
        }
    }

    pub fn step(&self, n: u64) {
        self.done.set((self.done.get() + n).min(self.total));
        self.show();
    }

    fn show(&self) {
        if self.quiet || self.total == 0 {
            return;
        }
        let done = self.done.get();
        let mut err = std::io::stderr().lock();
        if self.terminal {
            let width = 30;
            let filled = (done * width / self.total) as usize;
            let _ = write!(
                err,
                "\r[{}{}] {done}/{} {}",
                "#".repeat(filled),
                " ".repeat(width as usize - filled),
                self.total,
                self.what
            );
            let _ = err.flush();
        } else {
            let tenth = done * 10 / self.total;
            if tenth > self.shown_tenth.get() {
                self.shown_tenth.set(tenth);
                let _ = writeln!(err, "{done}/{} {} ({}%)", self.total, self.what, tenth * 10);
            }
        }
    }

    /// Ends the bar's line on a terminal.
    pub fn flush(&self) {
        self.show();
    }

    pub fn finish(&self) {
        if self.terminal && !self.quiet && self.total > 0 {
            let _ = writeln!(std::io::stderr());
        }
    }
}
