//! Owns what a worker's command line is made of: the `Invocation` an adapter builds from, the
//! `CommandSpec` it returns (program, argv, cwd, env, sandbox in words), its shell-quoted display
//! and `AdapterError`. Which adapter builds it is `build`'s job; the adapters themselves are in
//! `claude`, `codex`, `gemini` and `command`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::config::AdapterKind;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("plain-arg"), "plain-arg");
        assert_eq!(shell_quote("has space"), "'has space'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
