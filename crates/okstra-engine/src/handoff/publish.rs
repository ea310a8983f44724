//! Owns publishing a hand-off: the task branch pushed with the real `git push` (only ever when
//! `--push` is given: the phase decides), and the PR opened with `gh pr create` when `gh` is
//! on PATH — else the exact command to run. Failures are outcomes the report records, never
//! lost work: a rejected push changes nothing locally.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use okstra_core::handoff::{PrOutcome, PushOutcome};

use crate::git::GitCommand;
use crate::probe::find_program;

/// The most characters of a git or gh message kept in the report.
const MAX_MESSAGE_CHARS: usize = 2_000;

/// Returns a tool's message bounded, on as few lines as it came.
fn bounded(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= MAX_MESSAGE_CHARS {
        return text.to_owned();
    }
    let skip = text.chars().count() - MAX_MESSAGE_CHARS;
    format!("…{}", text.chars().skip(skip).collect::<String>())
}

/// Returns the names of the remotes of the repository at `repo` (`git remote`); none outside
/// a repository.
pub fn remote_names(repo: &Path) -> Vec<String> {
    GitCommand::new(repo)
        .output(&["remote"])
        .ok()
        .filter(|out| out.status.success())
        .map(|out| {
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(|l| l.trim().to_owned())
                .filter(|l| !l.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// Returns whether `remote` has `branch` at `head` (`git ls-remote`; an unreachable remote
/// has nothing).
fn remote_has(repo: &Path, remote: &str, branch: &str, head: &str) -> bool {
    GitCommand::new(repo)
        .output(&[
            "ls-remote",
            "--heads",
            "--end-of-options",
            remote,
            &format!("refs/heads/{branch}"),
        ])
        .is_ok_and(|out| {
            out.status.success()
                && String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .any(|l| l.split_whitespace().next() == Some(head))
        })
}

/// Pushes the commit `head` — the one final verification accepted — of the repository at
/// `repo` to `remote` as `branch`: a commit added to the branch since is never pushed.
pub(crate) fn push_branch(repo: &Path, remote: &str, branch: &str, head: &str) -> PushOutcome {
    let refspec = format!("{head}:refs/heads/{branch}");
    let git = GitCommand::new(repo);
    let rejected = |message: String| PushOutcome::Rejected {
        remote: remote.to_owned(),
        branch: branch.to_owned(),
        message: bounded(&message),
    };
    match git.output(&["push", "--porcelain", "--end-of-options", remote, &refspec]) {
        Ok(out) if out.status.success() => PushOutcome::Pushed {
            remote: remote.to_owned(),
            branch: branch.to_owned(),
        },
        Ok(out) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let stdout = String::from_utf8_lossy(&out.stdout);
            // The porcelain `!` line says why the ref was refused; stderr says the rest.
            let refused: Vec<&str> = stdout.lines().filter(|l| l.starts_with('!')).collect();
            let mut message = stderr.trim().to_owned();
            if !refused.is_empty() {
                message.push_str(&format!("\n{}", refused.join("\n")));
            }
            rejected(format!(
                "git push exited with {}: {}",
                out.status
                    .code()
                    .map_or_else(|| "a signal".to_owned(), |c| c.to_string()),
                message.trim()
            ))
        }
        Err(e) => rejected(e.to_string()),
    }
}

/// What `gh pr create` is asked.
#[derive(Clone, Debug)]
pub(crate) struct PrAsk<'a> {
    pub(crate) repo: &'a Path,
    pub(crate) title: &'a str,
    pub(crate) body_file: &'a Path,
    pub(crate) branch: &'a str,
    pub(crate) draft: bool,
    /// Without `--push`, the remote the branch must already be on, at `head`: gh opens the PR
    /// from the remote's branch.
    pub(crate) unpushed: Option<(&'a str, &'a str)>,
    /// okstra's environment (gh is found on its `PATH` and inherits it).
    pub(crate) env: &'a BTreeMap<String, String>,
}

impl PrAsk<'_> {
    /// Returns gh's arguments after `gh`.
    fn args(&self) -> Vec<String> {
        let mut args = vec![
            "pr".to_owned(),
            "create".to_owned(),
            "--title".to_owned(),
            self.title.to_owned(),
            "--body-file".to_owned(),
            self.body_file.display().to_string(),
            "--head".to_owned(),
            self.branch.to_owned(),
        ];
        if self.draft {
            args.push("--draft".to_owned());
        }
        args
    }

    /// Returns the command a person would type, each argument quoted for a POSIX shell.
    pub(crate) fn command_line(&self) -> String {
        std::iter::once("gh".to_owned())
            .chain(self.args().iter().map(|a| shell_quote(a)))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Returns `arg` quoted for a POSIX shell when it needs it.
fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:@,+".contains(&b));
    if plain {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// Returns where `gh` is on the `PATH` of `env`, if it is.
fn find_gh(env: &BTreeMap<String, String>, repo: &Path) -> Option<PathBuf> {
    find_program("gh", env.get("PATH").map(String::as_str), repo)
}

/// Opens the PR with `gh pr create` when gh is on PATH; otherwise says what to run.
pub(crate) fn open_pr(ask: &PrAsk<'_>) -> PrOutcome {
    let Some(gh) = find_gh(ask.env, ask.repo) else {
        return PrOutcome::GhMissing {
            command: ask.command_line(),
        };
    };
    if let Some((remote, head)) = ask.unpushed
        && !remote_has(ask.repo, remote, ask.branch, head)
    {
        return PrOutcome::Failed {
            message: format!(
                "not opened: {remote} has no {} at the verified head {}; run the hand-off with \
                 --push (or push that commit yourself), then open the PR",
                ask.branch,
                head.get(..12).unwrap_or(head)
            ),
        };
    }
    let mut cmd = Command::new(&gh);
    cmd.args(ask.args())
        .current_dir(ask.repo)
        .env_clear()
        .envs(ask.env)
        .env("GH_PROMPT_DISABLED", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            return PrOutcome::Failed {
                message: format!("cannot run {}: {e}", gh.display()),
            };
        }
    };
    let pid = child.id();
    crate::worker::unix::register_managed(pid);
    let out = child.wait_with_output();
    crate::worker::unix::unregister_managed(pid);
    match out {
        Ok(out) if out.status.success() => PrOutcome::Opened {
            url: bounded(
                String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("(gh printed no URL)"),
            ),
        },
        Ok(out) => PrOutcome::Failed {
            message: bounded(&format!(
                "gh pr create exited with {}: {}",
                out.status
                    .code()
                    .map_or_else(|| "a signal".to_owned(), |c| c.to_string()),
                String::from_utf8_lossy(&out.stderr).trim()
            )),
        },
        Err(e) => PrOutcome::Failed {
            message: format!("cannot run {}: {e}", gh.display()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_to_run_is_quoted_for_a_shell() {
        let env = BTreeMap::new();
        let ask = PrAsk {
            repo: Path::new("/p"),
            title: "Round totals: it's done",
            body_file: Path::new("/p/.okstra/pr body.md"),
            branch: "okstra/feat/g-id",
            draft: true,
            unpushed: None,
            env: &env,
        };
        assert_eq!(
            ask.command_line(),
            r"gh pr create --title 'Round totals: it'\''s done' --body-file '/p/.okstra/pr body.md' --head okstra/feat/g-id --draft"
        );
        assert!(matches!(open_pr(&ask), PrOutcome::GhMissing { .. }));
        assert_eq!(
            bounded(&"x".repeat(3000)).chars().count(),
            MAX_MESSAGE_CHARS + 1
        );
    }
}
