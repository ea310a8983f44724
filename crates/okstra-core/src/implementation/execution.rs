//! Owns the state records of a stage run: the evidence okstra took (`state/evidence-<seq>.json`,
//! [`EvidenceRecord`]) and the record of its executor (`state/execution-<seq>.json`): how the
//! stage was driven (whole-stage or one plan step per invocation, and why), and per invocation
//! the head it started from, how it ended and what became of its changes — committed by the
//! executor, by okstra with the step's subject or as `okstra: uncommitted executor changes`,
//! or nothing changed. The run writes it after each invocation, so a resumed run never drives a
//! finished step again nor commits twice; the report reads it.

use serde::{Deserialize, Serialize};

use crate::evidence::{StageCommit, StageEvidence};
use crate::executor::{ExecutionMode, StepModeReason};
use crate::status::WorkerStatus;
use crate::version::schema_version;

/// The `schemaVersion` kind of an execution record.
pub const EXECUTION_KIND: &str = "execution";

/// The `schemaVersion` kind of an evidence record.
pub const EVIDENCE_KIND: &str = "stage-evidence";

/// The evidence okstra took on a stage's head, or why it could not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceRecord {
    /// `stage-evidence/v1`.
    pub schema_version: String,
    pub run_id: String,
    pub stage: u32,
    #[serde(default)]
    pub evidence: Option<StageEvidence>,
    /// Why okstra could not take it.
    #[serde(default)]
    pub error: Option<String>,
}

impl EvidenceRecord {
    /// Returns the record of evidence taken (`Ok`) or not (`Err` with why).
    pub fn new(run_id: String, stage: u32, taken: Result<StageEvidence, String>) -> Self {
        let (evidence, error) = match taken {
            Ok(e) => (Some(e), None),
            Err(why) => (None, Some(why)),
        };
        Self {
            schema_version: schema_version(EVIDENCE_KIND),
            run_id,
            stage,
            evidence,
            error,
        }
    }

    /// Returns the evidence, or why there is none.
    pub fn taken(&self) -> Result<&StageEvidence, &str> {
        match (&self.evidence, &self.error) {
            (Some(e), _) => Ok(e),
            (None, Some(why)) => Err(why),
            (None, None) => Err("the record holds no evidence"),
        }
    }

    /// Parses a record (a newer major is refused).
    pub fn parse(text: &str) -> Result<Self, crate::errors::DocumentError> {
        crate::document::parse_versioned(text, EVIDENCE_KIND)
    }
}

/// The fixture and record key of a whole-stage invocation.
pub const WHOLE_STAGE_KEY: &str = "whole-stage";

/// How the executor of a stage run was driven.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionRecord {
    /// `execution/v1`.
    pub schema_version: String,
    pub run_id: String,
    pub stage: u32,
    /// `whole-stage` or `step-by-step`.
    pub mode: String,
    /// Why step by step, in words.
    #[serde(default)]
    pub mode_reason: Option<String>,
    /// The executor did not run (`--reverify`): why.
    #[serde(default)]
    pub skipped: Option<String>,
    pub invocations: Vec<InvocationRecord>,
    /// Seen in an invocation: the executor could not commit (git refused a write under
    /// `.git`); the next run of the stage is driven step by step.
    #[serde(default)]
    pub cannot_commit: bool,
    /// Why okstra started no further invocation though the stage had more steps: the budget
    /// was reached (SPEC §11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

/// One invocation of the executor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvocationRecord {
    /// `whole-stage` or `step-<n>` (also its replay fixture key).
    pub key: String,
    /// The step's commit subject (step mode).
    #[serde(default)]
    pub subject: Option<String>,
    /// The head when it started.
    pub head_before: String,
    /// How it ended; `None` while it runs.
    #[serde(default)]
    pub status: Option<WorkerStatus>,
    /// The head once okstra committed what it left.
    #[serde(default)]
    pub head_after: Option<String>,
    /// Commits the executor made itself.
    #[serde(default)]
    pub commits_made: usize,
    /// The commit okstra made of what it left (the step's subject, or the leftover subject).
    #[serde(default)]
    pub okstra_commit: Option<StageCommit>,
}

impl InvocationRecord {
    /// Returns whether the invocation ended (its changes committed, when it completed).
    pub fn is_finished(&self) -> bool {
        self.status.is_some_and(WorkerStatus::is_terminal) && self.head_after.is_some()
    }
}

impl ExecutionRecord {
    /// Returns a new record of a stage driven in `mode`.
    pub fn new(run_id: String, stage: u32, mode: ExecutionMode) -> Self {
        let (mode, reason) = mode_words(mode);
        Self {
            schema_version: schema_version(EXECUTION_KIND),
            run_id,
            stage,
            mode: mode.to_owned(),
            mode_reason: reason.map(str::to_owned),
            skipped: None,
            invocations: Vec::new(),
            cannot_commit: false,
            stopped: None,
        }
    }

    /// Returns the record of an invocation, if it started.
    pub fn invocation(&self, key: &str) -> Option<&InvocationRecord> {
        self.invocations.iter().find(|i| i.key == key)
    }

    /// Sets the record of an invocation (replacing an earlier one with its key).
    pub fn set(&mut self, record: InvocationRecord) {
        match self.invocations.iter_mut().find(|i| i.key == record.key) {
            Some(slot) => *slot = record,
            None => self.invocations.push(record),
        }
    }

    /// Returns every commit okstra made of the executor's work, in order.
    pub fn okstra_commits(&self) -> Vec<StageCommit> {
        self.invocations
            .iter()
            .filter_map(|i| i.okstra_commit.clone())
            .collect()
    }

    /// Parses a record (a newer major is refused).
    pub fn parse(text: &str) -> Result<Self, crate::errors::DocumentError> {
        crate::document::parse_versioned(text, EXECUTION_KIND)
    }
}

/// Returns the mode in words: `whole-stage`, or `step-by-step` with its reason.
pub fn mode_words(mode: ExecutionMode) -> (&'static str, Option<&'static str>) {
    match mode {
        ExecutionMode::WholeStage => ("whole-stage", None),
        ExecutionMode::StepByStep(reason) => ("step-by-step", Some(reason.describe())),
    }
}

/// Returns whether a recorded mode is step by step, and why (for a resumed run).
pub fn recorded_mode(record: &ExecutionRecord) -> ExecutionMode {
    if record.mode != "step-by-step" {
        return ExecutionMode::WholeStage;
    }
    let reason = [
        StepModeReason::Configured,
        StepModeReason::AdapterCannotCommit,
        StepModeReason::ExecutorCannotCommit,
    ]
    .into_iter()
    .find(|r| record.mode_reason.as_deref() == Some(r.describe()))
    .unwrap_or(StepModeReason::Configured);
    ExecutionMode::StepByStep(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_round_trips_and_keeps_its_mode() {
        let mode = ExecutionMode::StepByStep(StepModeReason::AdapterCannotCommit);
        let mut record = ExecutionRecord::new("r".into(), 2, mode);
        record.set(InvocationRecord {
            key: "step-1".into(),
            subject: Some("RED: t".into()),
            head_before: "a".into(),
            status: Some(WorkerStatus::Running),
            head_after: None,
            commits_made: 0,
            okstra_commit: None,
        });
        assert!(!record.invocations[0].is_finished());
        let mut done = record.invocations[0].clone();
        done.status = Some(WorkerStatus::Completed);
        done.head_after = Some("b".into());
        done.okstra_commit = Some(StageCommit {
            sha: "b".into(),
            subject: "RED: t".into(),
        });
        record.set(done);
        assert_eq!(record.invocations.len(), 1);
        assert!(
            record
                .invocation("step-1")
                .is_some_and(InvocationRecord::is_finished)
        );
        let text = serde_json::to_string(&record).unwrap();
        assert!(
            text.contains("\"schemaVersion\":\"execution/v1\""),
            "{text}"
        );
        let back = ExecutionRecord::parse(&text).unwrap();
        assert_eq!(back, record);
        assert_eq!(recorded_mode(&back), mode);
        assert_eq!(back.okstra_commits().len(), 1);
        let whole = ExecutionRecord::new("r".into(), 1, ExecutionMode::WholeStage);
        assert_eq!(recorded_mode(&whole), ExecutionMode::WholeStage);
    }

    #[test]
    fn an_evidence_record_keeps_the_evidence_or_why_not() {
        let missing = EvidenceRecord::new("r".into(), 1, Err("no worktree".into()));
        let text = serde_json::to_string(&missing).unwrap();
        assert!(
            text.contains("\"schemaVersion\":\"stage-evidence/v1\""),
            "{text}"
        );
        let back = EvidenceRecord::parse(&text).unwrap();
        assert_eq!(back.taken(), Err("no worktree"));
    }
}
