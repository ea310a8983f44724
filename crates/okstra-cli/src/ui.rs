//! Owns okstra's terminal output: stdout for data (tables, `--json`, ids), stderr for status,
//! warnings, errors and hints (STYLE.md §7). The only writer besides the live progress view.
//!
//! Colour is decoration only and off under `NO_COLOR` or when stderr is not a terminal. Every
//! text is printed with its control characters escaped (newlines and tabs kept), so bytes a
//! worker printed can never move the cursor, retitle the terminal or clear the screen. The
//! first failed write to stdout is kept (`stdout.rs`) and becomes the exit status at the end;
//! failed writes to stderr are ignored, there being nowhere left to report them.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex, PoisonError};

use crate::command_error::CommandError;
use crate::stdout::{DataOut, StdoutError};

/// How much status output to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verbosity {
    Quiet,
    Default,
    /// `-v`: also a run's internal events (the manifest's lines for pids, signals, reaping).
    Verbose,
}

/// The output channel of a command.
#[derive(Clone, Debug)]
pub struct Ui {
    verbosity: Verbosity,
    color: bool,
    out: DataOut,
    /// Where stderr lines go when captured (`Ui::captured`), else `None` for stderr.
    err: Option<Arc<Mutex<Vec<String>>>>,
}

impl Ui {
    /// Returns the ui; `no_color` is the `NO_COLOR` variable's presence.
    pub fn new(verbosity: Verbosity, no_color: bool) -> Self {
        let color = !no_color && std::io::stderr().is_terminal();
        Self {
            verbosity,
            color,
            out: DataOut::default(),
            err: None,
        }
    }

    /// Returns a ui that keeps its stdout and stderr instead of printing them, for a command
    /// run in-process by `okstra mcp` (whose stdout is the protocol's stream); no colour.
    pub fn captured(verbosity: Verbosity) -> Self {
        Self {
            verbosity,
            color: false,
            out: DataOut::captured(),
            err: Some(Arc::default()),
        }
    }

    /// Returns whether output is kept instead of printed (`Ui::captured`).
    pub fn is_captured(&self) -> bool {
        self.out.is_captured()
    }

    /// Returns what a captured ui kept: stdout's text and stderr's lines, and forgets them.
    pub fn take_captured(&self) -> (String, Vec<String>) {
        let out = String::from_utf8_lossy(&self.out.take_captured()).into_owned();
        let err = self.err.as_ref().map_or_else(Vec::new, |lines| {
            std::mem::take(&mut *lines.lock().unwrap_or_else(PoisonError::into_inner))
        });
        (out, err)
    }

    /// Returns whether status lines are shown.
    pub fn is_quiet(&self) -> bool {
        self.verbosity == Verbosity::Quiet
    }

    /// Returns whether internal details are shown too (`-v`).
    pub fn is_verbose(&self) -> bool {
        self.verbosity == Verbosity::Verbose
    }

    /// Writes data to stdout (control characters escaped). A failed write is kept for
    /// [`Ui::take_stdout_failure`]; data after it is dropped.
    pub fn data(&self, text: &str) {
        self.out.write(escape_controls(text).as_bytes());
    }

    /// Moves stdout's cursor home and clears the screen (`ctl status --watch` on a terminal):
    /// okstra's own escape, the one written unescaped.
    pub fn clear_screen(&self) {
        self.out.write(b"\x1b[H\x1b[2J");
    }

    /// Returns the first failed write to stdout, if any.
    pub fn take_stdout_failure(&self) -> Option<StdoutError> {
        self.out.take_failure()
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
        self.painted_line(&label, message);
    }

    /// Writes a command error: `error: …`, `caused by: …`, `hint: …`.
    pub fn error(&self, err: &CommandError) {
        for (i, line) in err.render().into_iter().enumerate() {
            if i == 0 {
                let rest = line.strip_prefix("error: ").unwrap_or(&line).to_owned();
                self.painted_line(&self.paint("error:", "31"), &rest);
            } else {
                self.stderr_line(&line);
            }
        }
    }

    /// Writes a painted label and an escaped message to stderr.
    fn painted_line(&self, label: &str, message: &str) {
        self.write_stderr(&format!("{label} {}", escape_controls(message)));
    }

    /// Writes a line to stderr (control characters escaped; the live view's plain mode uses
    /// it).
    pub fn stderr_line(&self, line: &str) {
        self.write_stderr(&escape_controls(line));
    }

    /// Writes one already escaped line to stderr, or keeps it when captured.
    fn write_stderr(&self, line: &str) {
        if let Some(lines) = &self.err {
            let mut lines = lines.lock().unwrap_or_else(PoisonError::into_inner);
            lines.push(line.to_owned());
            return;
        }
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

/// Returns whether okstra talks to a person: stdin and stderr (where prompts go) are both
/// terminals.
pub fn is_interactive() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Returns `text` with every control character but newline and tab escaped (`\u{1b}`).
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    let keep = |c: char| !c.is_control() || c == '\n' || c == '\t';
    if text.chars().all(keep) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if keep(c) {
                    c.to_string()
                } else {
                    c.escape_default().to_string()
                }
            })
            .collect(),
    )
}

/// Returns `cell` on one line: its newlines, carriage returns and tabs spelled out.
fn one_line(cell: &str) -> String {
    if !cell.contains(['\n', '\r', '\t']) {
        return cell.to_owned();
    }
    cell.replace('\n', "\\n")
        .replace('\r', "\\r")
        .replace('\t', "\\t")
}

/// Returns a plain text table: a header row and rows, columns padded to their widest cell,
/// two spaces apart, no trailing spaces. A cell is one line: a newline or tab in it (a title
/// or a reason read from a file) is shown as `\n` / `\t`, so no cell can forge a row.
pub fn render_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| one_line(cell)).collect())
        .collect();
    let rows = &rows;
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
    fn a_table_cell_never_breaks_its_row() {
        let rows = vec![vec!["1".to_owned(), "title\nFAKE  done\tx\r".to_owned()]];
        let table = render_table(&["STAGE", "TITLE"], &rows);
        assert_eq!(table.lines().count(), 2, "{table}");
        assert!(table.contains("title\\nFAKE  done\\tx\\r"), "{table}");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(
            escape_controls("ok\x1b]0;TITLE\x07\x1b[2J\r\u{9b}end\n\tx"),
            "ok\\u{1b}]0;TITLE\\u{7}\\u{1b}[2J\\r\\u{9b}end\n\tx"
        );
        assert!(matches!(escape_controls("plain\nlines"), Cow::Borrowed(_)));
    }

    #[test]
    fn table_pads_columns() {
        let t = render_table(
            &["A", "LONG-HEADER", "C"],
            &[vec!["x".into(), "y".into(), "zzz".into()]],
        );
        assert_eq!(t, "A  LONG-HEADER  C\nx  y            zzz\n");
    }
}
