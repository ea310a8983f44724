//! Owns why a release hand-off is refused before anything of its run is written (exit 2): no
//! final verification, one that did not accept, or one about another head than the task
//! branch's — each naming the verification run, or the commits added since.

use std::path::PathBuf;

use thiserror::Error;

use crate::errors::{GitError, StoreError};

/// Why a release hand-off cannot start.
#[derive(Debug, Error)]
pub enum HandoffError {
    #[error("task {task_key} has no final verification: nothing is verified to hand off")]
    NoVerification { task_key: String },
    #[error(
        "the latest final verification of task {task_key} (run {run_id}, seq {seq}) is {verdict}, not accepted{}",
        reasons_text(reasons)
    )]
    NotAccepted {
        task_key: String,
        run_id: String,
        seq: u32,
        verdict: String,
        reasons: Vec<String>,
    },
    #[error(
        "final verification {run_id} (seq {seq}) of task {task_key} accepted, but its run ended \
         {status}, not completed: its verdict is not final"
    )]
    RunNotCompleted {
        task_key: String,
        run_id: String,
        seq: u32,
        status: String,
    },
    #[error(
        "the task branch {branch} moved since final verification {run_id} (seq {seq}) verified {}: {}",
        short(verified),
        moved_text(head, commits)
    )]
    HeadMoved {
        run_id: String,
        seq: u32,
        branch: String,
        verified: String,
        head: String,
        /// `<short sha> <subject>` of each commit added since (empty when the branch was
        /// rewritten rather than added to).
        commits: Vec<String>,
    },
    /// A stage's carry says its DB change was never validated against a real DB (SPEC §8):
    /// the hand-off refuses it until `--reverify` records a real run.
    #[error(
        "stage{} {} {}: its carry says `dbGate: unverified` (a DB change no real DB run validated)",
        if stages.len() == 1 { "" } else { "s" },
        stages.iter().map(u32::to_string).collect::<Vec<_>>().join(", "),
        if stages.len() == 1 { "is not handed off" } else { "are not handed off" }
    )]
    DbUnverified { stages: Vec<u32> },
    /// The verification verified a folder, not a branch (a project that is not a git
    /// repository): there is nothing to hand off as a branch or PR.
    #[error(
        "final verification {run_id} verified no task branch (the project is not a git repository): a hand-off needs a branch"
    )]
    NoBranch { run_id: String },
    #[error(
        "the task branch {branch} that final verification {run_id} verified does not exist in {}",
        repo.display()
    )]
    BranchMissing {
        run_id: String,
        branch: String,
        repo: PathBuf,
    },
    /// `prTemplate` in project.json names a file that cannot be read.
    #[error("the PR template {} (prTemplate in {}) cannot be read: {source}", path.display(), project_json.display())]
    Template {
        path: PathBuf,
        project_json: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Io(#[from] crate::errors::PathError),
    #[error(transparent)]
    Git(#[from] GitError),
}

/// Returns the first 12 characters of a commit id.
fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

fn reasons_text(reasons: &[String]) -> String {
    if reasons.is_empty() {
        String::new()
    } else {
        format!(": {}", reasons.join("; "))
    }
}

fn moved_text(head: &str, commits: &[String]) -> String {
    if commits.is_empty() {
        return format!(
            "it is now at {}, which does not contain the verified head (rewritten)",
            short(head)
        );
    }
    let n = commits.len();
    format!(
        "{n} commit{} added since ({})",
        if n == 1 { "" } else { "s" },
        commits.join(", ")
    )
}
