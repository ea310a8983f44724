//! Owns the run status vocabulary of SPEC §2 (`prepared`, `running`, `completed`, `failed`,
//! `interrupted`) and worktree provisioning outcomes of SPEC §8.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A run's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Prepared,
    Running,
    Completed,
    Failed,
    Interrupted,
}

impl RunStatus {
    /// Returns the spec spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Prepared => "prepared",
            RunStatus::Running => "running",
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
            RunStatus::Interrupted => "interrupted",
        }
    }

    /// Returns whether the run has ended.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            RunStatus::Completed | RunStatus::Failed | RunStatus::Interrupted
        )
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What task worktree provisioning did (SPEC §8 first bullet).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WorktreeStatus {
    /// A new worktree and branch were made.
    Created,
    /// The task's worktree already existed.
    Reused,
    /// The project is not in a git repository; runs use the project root.
    SkippedNonGit,
    /// The project root is itself a linked worktree; runs use the project root.
    SkippedNestedWorktree,
    /// No worker runs in the run (an imported plan), so it needs no worktree; the first run
    /// that does fixes the task's anchor.
    NotNeeded,
}

impl WorktreeStatus {
    /// Returns the spec spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            WorktreeStatus::Created => "created",
            WorktreeStatus::Reused => "reused",
            WorktreeStatus::SkippedNonGit => "skipped-non-git",
            WorktreeStatus::SkippedNestedWorktree => "skipped-nested-worktree",
            WorktreeStatus::NotNeeded => "not-needed",
        }
    }
}

impl fmt::Display for WorktreeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A worker's status (SPEC §5.4): the terminal ones, plus `pending` and `running` while a
/// round is under way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum WorkerStatus {
    #[default]
    Pending,
    Running,
    Completed,
    /// A failure found before spawning (binary missing, codex not logged in).
    NotRun,
    /// A failure the running CLI reported, or an interruption.
    Error,
    /// The deadline passed.
    Timeout,
    /// A reverify call that timed out or failed (convergence only).
    VerificationError,
}

impl WorkerStatus {
    /// Returns the spec spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkerStatus::Pending => "pending",
            WorkerStatus::Running => "running",
            WorkerStatus::Completed => "completed",
            WorkerStatus::NotRun => "not-run",
            WorkerStatus::Error => "error",
            WorkerStatus::Timeout => "timeout",
            WorkerStatus::VerificationError => "verification-error",
        }
    }

    /// Returns whether the status is terminal.
    pub fn is_terminal(self) -> bool {
        !matches!(self, WorkerStatus::Pending | WorkerStatus::Running)
    }
}

impl fmt::Display for WorkerStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
