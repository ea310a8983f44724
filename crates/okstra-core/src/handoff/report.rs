//! Owns the hand-off's part of the report data (`handoff` in a release-handoff run's
//! data.json): the PR title and body, where the body was written and from which template,
//! the final verification it rests on, and what became of the push and of `gh pr create`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A release-handoff run's hand-off, as its report data records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HandoffReport {
    pub title: String,
    /// `reports/pr-body-<seq>.md`, relative to the project root.
    pub pr_body_path: String,
    /// SHA-256 of the PR body file (the run validator compares it).
    pub pr_body_sha256: String,
    /// The PR body itself.
    pub pr_body: String,
    /// Where the template came from: `prTemplate <path>`, `<path>` or `built-in`.
    pub template: String,
    pub task_branch: String,
    /// The head handed off: the final verification's verified head.
    pub head: String,
    pub final_verification_run_id: String,
    pub final_verification_seq: u32,
    pub push: PushOutcome,
    pub pr: PrOutcome,
}

/// What became of `--push`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", tag = "status")]
pub enum PushOutcome {
    /// `--push` was not given: nothing was pushed.
    NotAsked,
    /// The remote took the branch.
    #[serde(rename_all = "camelCase")]
    Pushed { remote: String, branch: String },
    /// The remote (or git) refused; the branch is untouched locally.
    #[serde(rename_all = "camelCase")]
    Rejected {
        remote: String,
        branch: String,
        message: String,
    },
}

impl PushOutcome {
    /// Returns whether the push failed.
    pub fn failed(&self) -> bool {
        matches!(self, PushOutcome::Rejected { .. })
    }
}

/// What became of `--open-pr`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", tag = "status")]
pub enum PrOutcome {
    /// `--open-pr` was not given.
    NotAsked,
    /// `gh pr create` ran and succeeded; `url` is what it printed.
    #[serde(rename_all = "camelCase")]
    Opened { url: String },
    /// `gh` is not on PATH: the command to run by hand.
    #[serde(rename_all = "camelCase")]
    GhMissing { command: String },
    /// `gh pr create` failed, or was not run (a push that failed first).
    #[serde(rename_all = "camelCase")]
    Failed { message: String },
}

impl PrOutcome {
    /// Returns whether opening the PR failed.
    pub fn failed(&self) -> bool {
        matches!(self, PrOutcome::Failed { .. })
    }
}
