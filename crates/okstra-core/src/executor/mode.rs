//! Owns the choice between driving a stage in one executor invocation and driving it one plan
//! step per invocation (SPEC §8), and how okstra tells that an executor could not commit.
//!
//! Step mode is chosen when `executor.stepMode` is true, when the executor's adapter is known
//! to be unable to commit, or when an earlier invocation showed it cannot:
//! - codex: its `workspace-write` sandbox keeps every `.git` folder read-only, even the git
//!   common dir okstra adds with `--add-dir` — with codex 0.169 in a linked worktree,
//!   `git commit` fails with `Unable to create '…/.git/worktrees/<name>/index.lock': Read-only
//!   file system` (okstra's real-CLI test shows it), and its JSON events do not always carry
//!   that message. So codex is driven one step at a time from the start;
//! - any other executor (a `command` agent, a CLI whose sandbox changes): after an invocation
//!   that was expected to commit, its own record — no commit made, changes left in the
//!   worktree, and git refused a write under `.git` in what it printed.
//!
//! An executor that simply did not commit is not "unable": its work is committed by okstra as
//! `okstra: uncommitted executor changes`, and the TDD proof judges the result.

use crate::config::AdapterKind;

/// How a stage's executor is driven.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExecutionMode {
    /// One invocation for the whole stage; the executor commits once per plan step.
    WholeStage,
    /// One invocation per plan step; okstra commits after each.
    StepByStep(StepModeReason),
}

/// Why a stage is driven one step at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StepModeReason {
    /// `executor.stepMode: true` in project.json.
    Configured,
    /// The executor's adapter cannot commit in its write sandbox (codex).
    AdapterCannotCommit,
    /// An earlier invocation of this executor could not commit.
    ExecutorCannotCommit,
}

impl StepModeReason {
    /// Returns the reason in words, for the report and the audit.
    pub fn describe(self) -> &'static str {
        match self {
            StepModeReason::Configured => "executor.stepMode is true in .okstra/project.json",
            StepModeReason::AdapterCannotCommit => {
                "codex's workspace-write sandbox keeps .git read-only, so okstra commits"
            }
            StepModeReason::ExecutorCannotCommit => {
                "the executor could not commit (git was refused a write under .git)"
            }
        }
    }
}

/// Returns whether an executor of adapter `kind` cannot commit in its write sandbox (codex).
pub fn adapter_cannot_commit(kind: AdapterKind) -> bool {
    kind == AdapterKind::Codex
}

/// Returns how to drive a stage: `step_mode` is the `executor.stepMode` setting, `kind` the
/// executor's adapter, `seen_unable` whether an earlier invocation of this executor showed it
/// cannot commit ([`executor_cannot_commit`]).
pub fn choose_execution_mode(
    step_mode: bool,
    kind: AdapterKind,
    seen_unable: bool,
) -> ExecutionMode {
    if step_mode {
        ExecutionMode::StepByStep(StepModeReason::Configured)
    } else if adapter_cannot_commit(kind) {
        ExecutionMode::StepByStep(StepModeReason::AdapterCannotCommit)
    } else if seen_unable {
        ExecutionMode::StepByStep(StepModeReason::ExecutorCannotCommit)
    } else {
        ExecutionMode::WholeStage
    }
}

/// What a whole-stage invocation left in the worktree, measured by okstra before it commits
/// any leftovers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvocationCommits {
    /// Commits the invocation added on top of the head it started from.
    pub commits_made: usize,
    /// Whether tracked or untracked (not ignored) changes were left uncommitted.
    pub left_changes: bool,
}

/// Returns whether an executor could not commit: it made no commit, left changes, and what it
/// printed (transcript and errors, already redacted) shows git refused a write under `.git`.
pub fn executor_cannot_commit(commits: InvocationCommits, output: &str) -> bool {
    commits.commits_made == 0 && commits.left_changes && git_write_denied(output)
}

/// Returns whether `output` shows git failing to write its own files (a lock, the index, an
/// object, a ref) because the file system refused it.
pub fn git_write_denied(output: &str) -> bool {
    const GIT_WRITES: [&str; 6] = [
        "index.lock",
        "unable to write new index file",
        "insufficient permission for adding an object",
        "unable to create temporary file",
        "cannot lock ref",
        "unable to write",
    ];
    const DENIALS: [&str; 3] = [
        "Read-only file system",
        "Permission denied",
        "Operation not permitted",
    ];
    output.lines().any(|line| {
        GIT_WRITES.iter().any(|w| line.contains(w))
            && (DENIALS.iter().any(|d| line.contains(d))
                || line.contains("insufficient permission"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setting_wins_then_the_adapter_then_what_was_seen() {
        use AdapterKind::{Claude, Codex, Command, Gemini, Replay};
        for kind in [Claude, Gemini, Command, Replay] {
            assert_eq!(
                choose_execution_mode(false, kind, false),
                ExecutionMode::WholeStage
            );
            assert_eq!(
                choose_execution_mode(false, kind, true),
                ExecutionMode::StepByStep(StepModeReason::ExecutorCannotCommit)
            );
        }
        assert_eq!(
            choose_execution_mode(true, Codex, true),
            ExecutionMode::StepByStep(StepModeReason::Configured)
        );
        assert_eq!(
            choose_execution_mode(false, Codex, false),
            ExecutionMode::StepByStep(StepModeReason::AdapterCannotCommit)
        );
    }

    #[test]
    fn only_a_refused_git_write_means_the_executor_cannot_commit() {
        let refused =
            "fatal: Unable to create '/r/.git/worktrees/s/index.lock': Read-only file system";
        let left = InvocationCommits {
            commits_made: 0,
            left_changes: true,
        };
        assert!(executor_cannot_commit(left, refused));
        assert!(executor_cannot_commit(
            left,
            "error: insufficient permission for adding an object to repository database .git/objects"
        ));
        // It committed, or left nothing, or never tried: not unable.
        assert!(!executor_cannot_commit(
            InvocationCommits {
                commits_made: 1,
                ..left
            },
            refused
        ));
        assert!(!executor_cannot_commit(
            InvocationCommits {
                left_changes: false,
                ..left
            },
            refused
        ));
        assert!(!executor_cannot_commit(left, "all tests pass"));
        assert!(!git_write_denied("src/lib.rs: Permission denied"));
    }
}
