//! Owns the worker adapters' pure half (SPEC §5.1): turning (prompt, model, working dir, role)
//! into the exact command line of `claude`, `codex`, `gemini` or a `command` agent, and turning
//! their output streams into (final text, token usage, outcome). Spawning, pipes and kills are
//! the engine's; `replay` needs no process and lives in `replay`.
//!
//! Facts about the real CLIs come from `reference/worker-clis.md`.

pub mod claude;
pub mod codex;
pub mod command;
pub mod gemini;
#[cfg(test)]
mod recorded;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::config::AdapterKind;
use crate::tokens::TokenUsage;
use crate::worker_name::Role;

/// Everything needed to build a worker's command line.
#[derive(Clone, Debug)]
pub struct Invocation<'a> {
    pub kind: AdapterKind,
    /// The program to run (a resolved path, or a name found on PATH).
    pub program: &'a str,
    pub model: Option<&'a str>,
    /// The worker's working directory (task/stage worktree, or its monorepo subfolder).
    pub workdir: &'a Path,
    pub role: Role,
    /// Extra directories the worker may use (codex executor: the git common dir).
    pub add_dirs: &'a [PathBuf],
    /// Arguments appended from `agents.<name>.extraArgs`.
    pub extra_args: &'a [String],
    /// `command` agents: the argv template (`{model}`, `{workdir}` placeholders).
    pub argv_template: &'a [String],
    /// Codex: where `-o` writes the last message.
    pub last_message_file: &'a Path,
    /// Whether okstra runs as root (Claude refuses bypassPermissions as root without
    /// `IS_SANDBOX=1`).
    pub is_root: bool,
}

/// A worker process to spawn. The prompt goes to stdin, which is then closed; it never goes
/// through a shell or argv.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandSpec {
    pub program: String,
    pub args: Vec<String>,
    pub cwd: PathBuf,
    /// Variables the adapter itself sets (recorded by name in team state).
    pub env: BTreeMap<String, String>,
    /// The sandbox in words, e.g. `--permission-mode plan (read-only)`.
    pub sandbox: String,
    /// A note to show the user about the sandbox (e.g. that Claude is not confined as root).
    pub sandbox_note: Option<String>,
}

impl CommandSpec {
    /// Returns the command line, shell-quoted for display.
    pub fn display(&self) -> String {
        std::iter::once(self.program.as_str())
            .chain(self.args.iter().map(String::as_str))
            .map(shell_quote)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Returns `s` quoted for a POSIX shell when it needs it.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@+%{}".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// A command line that cannot be built.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum AdapterError {
    #[error("the command agent has an empty argv")]
    EmptyArgv,
    #[error("the replay adapter runs no process")]
    Replay,
}

/// Returns the worker's command line.
pub fn build_command(inv: &Invocation<'_>) -> Result<CommandSpec, AdapterError> {
    match inv.kind {
        AdapterKind::Claude => Ok(claude::build(inv)),
        AdapterKind::Codex => Ok(codex::build(inv)),
        AdapterKind::Gemini => Ok(gemini::build(inv)),
        AdapterKind::Command => command::build(inv),
        AdapterKind::Replay => Err(AdapterError::Replay),
    }
}

/// A notice that the CLI is retrying an API call (Claude `api_retry`, Codex `Reconnecting...`,
/// Gemini `Attempt N failed`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryNotice {
    /// The HTTP status retried, when the notice names one.
    pub status: Option<u16>,
    pub message: String,
}

/// What one output line told the parser.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LineEffects {
    pub retry: Option<RetryNotice>,
    /// The usage known so far, when the line carried it.
    pub usage: Option<TokenUsage>,
}

/// How a worker process ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExitInfo {
    pub code: Option<i32>,
    pub signal: Option<i32>,
    /// The last lines of stderr (already redacted).
    pub stderr_tail: Vec<String>,
}

impl ExitInfo {
    /// Returns `exit code N` / `killed by signal N`.
    pub fn describe(&self) -> String {
        match (self.code, self.signal) {
            (Some(c), _) => format!("exit code {c}"),
            (None, Some(s)) => format!("killed by signal {s}"),
            (None, None) => "unknown exit".to_owned(),
        }
    }
}

/// Why a worker attempt failed, which decides re-dispatch (SPEC §5.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// The CLI reported the failure (auth, quota, rate limit, model not found, untrusted folder,
    /// a crash with a known message): `error`, never re-dispatched.
    Reported,
    /// The process died with no known reason: re-dispatched once.
    Crash,
    /// The output has no usable result: re-dispatched once.
    Unparsable,
}

impl FailureKind {
    /// Returns whether this failure earns the one re-dispatch.
    pub fn is_retryable(self) -> bool {
        matches!(self, FailureKind::Crash | FailureKind::Unparsable)
    }
}

/// A failed attempt's kind and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
}

/// What a worker attempt produced.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Completed { text: String, usage: TokenUsage },
    Failed { failure: Failure, usage: TokenUsage },
}

impl Outcome {
    fn failed(kind: FailureKind, message: impl Into<String>, usage: TokenUsage) -> Self {
        Outcome::Failed {
            failure: Failure {
                kind,
                message: message.into(),
            },
            usage,
        }
    }

    /// Returns the attempt's usage.
    pub fn usage(&self) -> TokenUsage {
        match self {
            Outcome::Completed { usage, .. } | Outcome::Failed { usage, .. } => *usage,
        }
    }
}

/// A stateful parser of one attempt's output, fed line by line; it keeps only what the final
/// outcome needs, never the whole stream.
#[derive(Debug)]
pub enum StreamParser {
    Claude(claude::ClaudeParser),
    Codex(codex::CodexParser),
    Gemini(gemini::GeminiParser),
    Command(command::CommandParser),
}

impl StreamParser {
    /// Returns the parser for an adapter kind (`None` for replay).
    pub fn new(kind: AdapterKind) -> Option<Self> {
        match kind {
            AdapterKind::Claude => Some(StreamParser::Claude(claude::ClaudeParser::default())),
            AdapterKind::Codex => Some(StreamParser::Codex(codex::CodexParser::default())),
            AdapterKind::Gemini => Some(StreamParser::Gemini(gemini::GeminiParser::default())),
            AdapterKind::Command => Some(StreamParser::Command(command::CommandParser::default())),
            AdapterKind::Replay => None,
        }
    }

    /// Feeds one stdout line (without its newline).
    pub fn on_stdout_line(&mut self, line: &str) -> LineEffects {
        match self {
            StreamParser::Claude(p) => p.on_stdout_line(line),
            StreamParser::Codex(p) => p.on_stdout_line(line),
            StreamParser::Gemini(p) => p.on_stdout_line(line),
            StreamParser::Command(p) => p.on_stdout_line(line),
        }
    }

    /// Feeds one stderr line.
    pub fn on_stderr_line(&mut self, line: &str) -> LineEffects {
        match self {
            StreamParser::Claude(_) | StreamParser::Codex(_) => LineEffects::default(),
            StreamParser::Gemini(p) => p.on_stderr_line(line),
            StreamParser::Command(p) => p.on_stderr_line(line),
        }
    }

    /// Returns the attempt's outcome once the process has exited. `fallback_text` is the
    /// CLI's last-message file when it has one (Codex `-o`).
    pub fn finish(self, exit: &ExitInfo, fallback_text: Option<String>) -> Outcome {
        match self {
            StreamParser::Claude(p) => p.finish(exit),
            StreamParser::Codex(p) => p.finish(exit, fallback_text),
            StreamParser::Gemini(p) => p.finish(exit),
            StreamParser::Command(p) => p.finish(exit),
        }
    }
}

/// Returns the stderr line that names a known failure (not logged in, untrusted folder,
/// 401/403, quota, rate limit, model not found), if any.
pub fn known_failure(lines: &[String]) -> Option<String> {
    const MARKERS: &[&str] = &[
        "not logged in",
        "/login",
        "auth method",
        "authenticat",
        "unauthorized",
        "forbidden",
        "api key",
        "401",
        "403",
        "429",
        "rate limit",
        "quota",
        "model not found",
        "not found: model",
        "does not exist",
        "trusted directory",
        "untrusted",
        "not inside a trusted",
        "billing",
    ];
    lines.iter().rev().find_map(|line| {
        let lower = line.to_ascii_lowercase();
        MARKERS
            .iter()
            .any(|m| lower.contains(m))
            .then(|| line.trim().to_owned())
    })
}

/// Returns the HTTP status a retry message names (`status 429`, `(429)`, `429 Too Many`).
pub fn status_in(message: &str) -> Option<u16> {
    let bytes = message.as_bytes();
    (0..bytes.len().saturating_sub(2)).find_map(|i| {
        let window = &bytes[i..i + 3];
        let before_ok = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        let after_ok = bytes.get(i + 3).is_none_or(|b| !b.is_ascii_alphanumeric());
        if before_ok && after_ok && window.iter().all(u8::is_ascii_digit) {
            let n: u16 = std::str::from_utf8(window).ok()?.parse().ok()?;
            (400..600).contains(&n).then_some(n)
        } else {
            None
        }
    })
}

/// Returns the reason okstra records when it cuts a retry storm; a notice without a status is
/// quoted.
pub fn retry_storm_reason(status: Option<u16>, message: &str) -> String {
    match status {
        Some(401) => "unauthorized (HTTP 401)".to_owned(),
        Some(403) => "forbidden (HTTP 403)".to_owned(),
        Some(429) => "rate limited (HTTP 429)".to_owned(),
        Some(s) if s >= 500 => format!("server error (HTTP {s})"),
        Some(s) => format!("request refused (HTTP {s})"),
        None => format!("the CLI kept retrying: {}", message.trim()),
    }
}

/// Returns how to install a built-in CLI (empty for `command` and `replay`).
pub fn install_hint(kind: AdapterKind) -> &'static str {
    match kind {
        AdapterKind::Claude => "npm install -g @anthropic-ai/claude-code",
        AdapterKind::Codex => "npm install -g @openai/codex",
        AdapterKind::Gemini => "npm install -g @google/gemini-cli",
        AdapterKind::Command | AdapterKind::Replay => "",
    }
}

/// Returns the sandbox of a role for an adapter, in words (SPEC §5.1 table).
pub fn sandbox_label(kind: AdapterKind, role: Role) -> String {
    let writes = role.writes();
    match (kind, writes) {
        (AdapterKind::Claude, false) => "--permission-mode plan (read-only)".to_owned(),
        (AdapterKind::Claude, true) => "--permission-mode bypassPermissions (writes)".to_owned(),
        (AdapterKind::Codex, false) => "-s read-only".to_owned(),
        (AdapterKind::Codex, true) => {
            "-s workspace-write (writes; git common dir added)".to_owned()
        }
        (AdapterKind::Gemini, false) => "--approval-mode plan (read-only)".to_owned(),
        (AdapterKind::Gemini, true) => "--approval-mode yolo (writes)".to_owned(),
        (AdapterKind::Command, _) => "none (okstra cannot confine a command agent)".to_owned(),
        (AdapterKind::Replay, _) => "none (replay runs no process)".to_owned(),
    }
}

/// Parses a line as a JSON object, or `None` for non-JSON lines (banners, warnings).
pub(crate) fn json_line(line: &str) -> Option<serde_json::Value> {
    let t = line.trim();
    if !t.starts_with('{') {
        return None;
    }
    serde_json::from_str(t).ok()
}

/// Returns a JSON number as u64 when present.
pub(crate) fn num(v: &serde_json::Value, key: &str) -> Option<u64> {
    v.get(key).and_then(serde_json::Value::as_u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_extraction() {
        assert_eq!(
            status_in("Reconnecting... 2/5 (unexpected status 401 Unauthorized: x)"),
            Some(401)
        );
        assert_eq!(
            status_in("API Error: Request rejected (429) · slow down"),
            Some(429)
        );
        assert_eq!(
            status_in("Attempt 3 failed with status 503. Retrying"),
            Some(503)
        );
        assert_eq!(status_in("waiting for network 2/5"), None);
        assert_eq!(status_in("port 4290"), None);
        assert_eq!(status_in("200 OK"), None);
    }

    #[test]
    fn known_failures() {
        let lines = vec![
            "warning: x".to_owned(),
            "Not logged in · Please run /login".to_owned(),
        ];
        assert_eq!(
            known_failure(&lines).as_deref(),
            Some("Not logged in · Please run /login")
        );
        assert_eq!(known_failure(&["segfault".to_owned()]), None);
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("plain-arg"), "plain-arg");
        assert_eq!(shell_quote("has space"), "'has space'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
