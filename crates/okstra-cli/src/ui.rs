//! Owns okstra's terminal output: stdout for data (tables, `--json`, ids), stderr for status,
//! warnings, errors and hints (STYLE.md §7). The only writer besides the live progress view.
//!
//! Colour is decoration only and off under `NO_COLOR` or when stderr is not a terminal. Write
//! failures (a closed pipe) are ignored: the exit code still tells the outcome.

use std::io::{IsTerminal, Write};

use crate::command_error::CommandError;

/// How much status output to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verbosity {
    Quiet,
    Default,
}

/// The output channel of a command.
#[derive(Clone, Debug)]
pub struct Ui {
    verbosity: Verbosity,
    color: bool,
}

impl Ui {
    /// Returns the ui; `no_color` is the `NO_COLOR` variable's presence.
    pub fn new(verbosity: Verbosity, no_color: bool) -> Self {
        let color = !no_color && std::io::stderr().is_terminal();
        Self { verbosity, color }
    }

    /// Returns whether status lines are shown.
    pub fn is_quiet(&self) -> bool {
        self.verbosity == Verbosity::Quiet
    }

    /// Writes data to stdout as is.
    pub fn data(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    /// Writes one data line to stdout.
    pub fn data_line(&self, line: &str) {
        self.data(&format!("{line}\n"));
    }

    /// Writes a status line to stderr unless quiet.
    pub fn status(&self, line: &str) {
        if !self.is_quiet() {
            self.stderr_line(line);
        }
    }

    /// Writes `warning: …` to stderr.
    pub fn warn(&self, message: &str) {
        let label = self.paint("warning:", "33");
        self.stderr_line(&format!("{label} {message}"));
    }

    /// Writes a command error: `error: …`, `caused by: …`, `hint: …`.
    pub fn error(&self, err: &CommandError) {
        for (i, line) in err.render().into_iter().enumerate() {
            if i == 0 {
                let rest = line.strip_prefix("error: ").unwrap_or(&line).to_owned();
                self.stderr_line(&format!("{} {rest}", self.paint("error:", "31")));
            } else {
                self.stderr_line(&line);
            }
        }
    }

    /// Writes a raw line to stderr (the live view's plain mode uses it).
    pub fn stderr_line(&self, line: &str) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{line}");
    }

    fn paint(&self, text: &str, code: &str) -> String {
        if self.color {
            format!("\x1b[1;{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

/// Returns a plain text table: a header row and rows, columns padded to their widest cell,
/// two spaces apart, no trailing spaces.
pub fn render_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                let pad = widths[i] - cell.chars().count();
                s.push_str(cell);
                s.push_str(&" ".repeat(pad + 2));
            }
        }
        s.trim_end().to_owned()
    };
    let mut out = line(headers.to_vec());
    out.push('\n');
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_pads_columns() {
        let t = render_table(
            &["A", "LONG-HEADER", "C"],
            &[vec!["x".into(), "y".into(), "zzz".into()]],
        );
        assert_eq!(t, "A  LONG-HEADER  C\nx  y            zzz\n");
    }
}
