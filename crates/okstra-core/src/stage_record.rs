//! Owns what an implementation run's manifest records of its stage (SPEC §8, issue 11): the
//! plan it implements (file and run id), the bases (the task's implementation base and the
//! stage's own), the stage worktree and branch, how the stage was taken (`new`, `--retry`,
//! `--redo`, `--reverify`), the executor, and the previous attempt kept under
//! `refs/okstra/attempts/`. A resumed run rebuilds its stage from this record alone.
//!
//! The record is an optional manifest field (`stageRun`): manifests of other task types, and
//! of earlier okstra releases, have none.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::{RunId, Stage};

/// How an implementation run took its stage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StageMode {
    /// A ready stage, taken for the first time.
    #[default]
    New,
    /// `--retry`: a started stage whose last run failed or died, reset to its base.
    Retry,
    /// `--redo`: a done or stale stage, reopened and reset to its base.
    Redo,
    /// `--reverify`: a done or stale stage, re-checked at its current head without the
    /// executor.
    Reverify,
}

impl StageMode {
    /// Returns the spelling in manifests and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            StageMode::New => "new",
            StageMode::Retry => "retry",
            StageMode::Redo => "redo",
            StageMode::Reverify => "reverify",
        }
    }

    /// Returns whether the stage branch is reset to its base first (keeping the old head
    /// under `refs/okstra/attempts/`).
    pub fn resets_branch(self) -> bool {
        matches!(self, StageMode::Retry | StageMode::Redo)
    }

    /// Returns whether the executor runs (every mode but `--reverify`).
    pub fn runs_executor(self) -> bool {
        self != StageMode::Reverify
    }
}

impl fmt::Display for StageMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Returns the ref that keeps a previous attempt's head: `refs/okstra/attempts/stage-<N>-<k>`.
pub fn attempt_ref(stage: Stage, attempt: u32) -> String {
    format!("{ATTEMPT_REF_PREFIX}stage-{stage}-{attempt}")
}

/// The prefix of every attempt ref.
pub const ATTEMPT_REF_PREFIX: &str = "refs/okstra/attempts/";

/// Returns the next attempt number of `stage`, given the attempt refs that exist (full names):
/// one more than the highest `stage-<N>-<k>`, starting at 1.
pub fn next_attempt<'a>(stage: Stage, existing: impl IntoIterator<Item = &'a str>) -> u32 {
    let prefix = format!("{ATTEMPT_REF_PREFIX}stage-{stage}-");
    existing
        .into_iter()
        .filter_map(|name| name.strip_prefix(&prefix)?.parse::<u32>().ok())
        .max()
        .map_or(1, |k| k.saturating_add(1))
}

/// The stage of an implementation run, as its manifest records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StageRecord {
    /// The plan's main file (its data.json, else its markdown), relative to the project root.
    pub plan: String,
    /// The run id of the implementation-planning run whose report the plan is.
    pub plan_run_id: RunId,
    /// The task's implementation base (fixed at its first stage selection); `None` outside
    /// git.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implementation_base: Option<String>,
    /// The stage's base commit: the `started` row's `head_commit`; `None` outside git.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// The stage worktree (absolute); `None` when the stage runs in the project root (outside
    /// git, or in a nested worktree).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worktree: Option<String>,
    /// The folder the executor works in (absolute): the stage worktree, its subfolder
    /// matching the project root in a monorepo, or the project root.
    pub workdir: String,
    /// The stage branch `okstra/<category>/<group-seg>-<id-seg>-stage-<N>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    pub mode: StageMode,
    /// The executor's agent name (`roles.executor`, or `--executor`).
    pub executor: String,
    /// The verifier's agent name (`roles.verifier`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verifier: Option<String>,
    /// The ref that keeps the previous attempt's head, when `--retry` / `--redo` reset the
    /// branch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt_ref: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_count_from_the_highest_existing_ref() {
        let s2 = Stage::new(2).unwrap();
        assert_eq!(attempt_ref(s2, 1), "refs/okstra/attempts/stage-2-1");
        assert_eq!(next_attempt(s2, []), 1);
        let refs = [
            "refs/okstra/attempts/stage-2-1",
            "refs/okstra/attempts/stage-2-3",
            "refs/okstra/attempts/stage-12-9",
            "refs/okstra/attempts/stage-2-x",
        ];
        assert_eq!(next_attempt(s2, refs), 4);
        assert_eq!(next_attempt(Stage::new(1).unwrap(), refs), 1);
    }

    #[test]
    fn the_record_reads_back_and_tolerates_missing_optionals() {
        let record = StageRecord {
            plan: ".okstra/tasks/g/t/runs/implementation-planning/reports/x.data.json".into(),
            plan_run_id: "01JABCDEFGHJKMNPQRSTVWXYZ0".parse().unwrap(),
            implementation_base: Some("a".repeat(40)),
            base: Some("b".repeat(40)),
            worktree: Some("/h/worktrees/p/g/t/stage-1".into()),
            workdir: "/h/worktrees/p/g/t/stage-1".into(),
            branch: Some("okstra/feat/g-t-stage-1".into()),
            mode: StageMode::Retry,
            executor: "claude".into(),
            verifier: Some("codex".into()),
            attempt_ref: Some("refs/okstra/attempts/stage-1-1".into()),
        };
        let value = serde_json::to_value(&record).unwrap();
        assert_eq!(value["mode"], "retry");
        assert_eq!(value["planRunId"], "01JABCDEFGHJKMNPQRSTVWXYZ0");
        let back: StageRecord = serde_json::from_value(value).unwrap();
        assert_eq!(back, record);
        let minimal = r#"{"plan":"p.md","planRunId":"01JABCDEFGHJKMNPQRSTVWXYZ0",
            "workdir":"/p","mode":"new","executor":"claude"}"#;
        let read: StageRecord = serde_json::from_str(minimal).unwrap();
        assert_eq!(read.base, None);
        assert!(read.mode.runs_executor() && !read.mode.resets_branch());
        assert!(StageMode::Redo.resets_branch());
        assert!(!StageMode::Reverify.runs_executor());
    }
}
