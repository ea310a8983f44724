//! Owns the `carry/v1` sidecar okstra writes for a stage the verifier passed: which stage of
//! which plan, the commit range and the head's tree the evidence was taken on, the commits and
//! files, okstra's own evidence (validation, TDD proof, DB gate, diff findings — the
//! `evidence` types), the verifier's verdict and notes.
//!
//! The field names the original okstra's readers use keep their spelling: `stage`,
//! `impl_task_key`, `status`, `stageCommitRange.head`, `commits[].sha`. `plan_run_id` is new
//! (stage state belongs to one plan); the original's readers ignore it.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::evidence::{CommandEvidence, DbGate, DiffFinding, StageCommit, StageEvidence, TddProof};
use crate::ids::{RunId, Stage};
use crate::version::schema_version;

/// The `schemaVersion` kind of a carry sidecar: `carry/v1`.
pub const CARRY_KIND: &str = "carry";

/// Returns a carry sidecar's file name: `stage-<N>.json`.
pub fn carry_file_name(stage: Stage) -> String {
    format!("stage-{stage}.json")
}

/// A stage's carry sidecar, as okstra writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CarrySidecar {
    /// `carry/v1`.
    pub schema_version: String,
    pub stage: Stage,
    /// The task key the ledger rows of the stage carry (`<projectId>:<group>:<id>`).
    #[serde(rename = "impl_task_key")]
    pub impl_task_key: String,
    /// The run id of the approved plan the stage belongs to.
    #[serde(rename = "plan_run_id")]
    pub plan_run_id: RunId,
    /// The implementation run that verified the stage.
    pub run_id: RunId,
    pub status: CarryStatus,
    pub stage_commit_range: CommitRange,
    /// `git rev-parse <head>^{tree}`: the evidence is bound to this tree; a stage branch that
    /// later points at another tree makes the stage stale.
    pub head_tree: String,
    pub commits: Vec<StageCommit>,
    pub files_changed: Vec<String>,
    /// The Stage Validation commands okstra ran at the head.
    pub validation_evidence: Vec<CommandEvidence>,
    pub tdd_proof: TddProof,
    pub db_gate: DbGate,
    /// okstra's own findings on the diff (advisory ones: a blocking one fails the stage).
    #[serde(default)]
    pub findings: Vec<DiffFinding>,
    pub verifier: VerifierVerdict,
    #[serde(default)]
    pub notes: Vec<String>,
    pub written_at: Timestamp,
}

/// A carry's status. okstra writes a carry only for a stage that passed; the original's
/// readers treat any status but `fail|failed|blocked|error|aborted` as complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CarryStatus {
    Done,
}

/// A stage's commit range `base..head`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommitRange {
    pub base: String,
    pub head: String,
}

/// The verifier's verdict on a stage (SPEC §8): PASS or FAIL with its findings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifierVerdict {
    pub verdict: Verdict,
    /// Each finding with `path:line`, rule, severity and suggested fix.
    #[serde(default)]
    pub findings: Vec<DiffFinding>,
    /// The worker that judged (e.g. `verifier`), when known.
    #[serde(default)]
    pub worker: Option<String>,
}

/// PASS or FAIL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Verdict {
    Pass,
    Fail,
}

impl Verdict {
    /// Returns `PASS` or `FAIL`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl CarrySidecar {
    /// Returns the carry of a stage that passed, from okstra's evidence on its head and the
    /// verifier's verdict.
    pub fn from_evidence(
        stage: Stage,
        impl_task_key: String,
        plan_run_id: RunId,
        run_id: RunId,
        evidence: &StageEvidence,
        verifier: VerifierVerdict,
        written_at: Timestamp,
    ) -> Self {
        Self {
            schema_version: schema_version(CARRY_KIND),
            stage,
            impl_task_key,
            plan_run_id,
            run_id,
            status: CarryStatus::Done,
            stage_commit_range: CommitRange {
                base: evidence.base.clone(),
                head: evidence.head.clone(),
            },
            head_tree: evidence.head_tree.clone(),
            commits: evidence.commits.clone(),
            files_changed: evidence.files_changed.clone(),
            validation_evidence: evidence.validation.clone(),
            tdd_proof: evidence.tdd_proof.clone(),
            db_gate: evidence.db_gate.clone(),
            findings: evidence.findings.clone(),
            verifier,
            notes: Vec::new(),
            written_at,
        }
    }

    /// Returns the sidecar as the pretty JSON okstra writes.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        Ok(text)
    }

    /// Parses a `carry/v1` sidecar okstra wrote (a newer major is refused).
    pub fn parse(text: &str) -> Result<Self, crate::errors::DocumentError> {
        crate::document::parse_versioned(text, CARRY_KIND)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::carry::probe::{CarryStage, probe_carry};
    use crate::evidence::{DbGateStatus, TddVerdict};

    pub(crate) fn evidence() -> StageEvidence {
        StageEvidence {
            base: "b".repeat(40),
            head: "h".repeat(40),
            head_tree: "t".repeat(40),
            commits: vec![
                StageCommit {
                    sha: "1".repeat(40),
                    subject: "RED: a failing test".into(),
                },
                StageCommit {
                    sha: "h".repeat(40),
                    subject: "GREEN: make it pass".into(),
                },
            ],
            files_changed: vec!["src/lib.rs".into()],
            validation: vec![],
            tdd_proof: TddProof {
                verdict: TddVerdict::Proven,
                red_commit: Some("1".repeat(40)),
                at_red: vec![],
                reason: "RED failed, the head passes".into(),
            },
            db_gate: DbGate {
                status: DbGateStatus::NotApplicable,
                triggers: vec![],
                evidence: None,
            },
            findings: vec![],
        }
    }

    pub(crate) fn sidecar(stage: u32) -> CarrySidecar {
        CarrySidecar::from_evidence(
            Stage::new(stage).unwrap(),
            "shop:payments:dev-1".into(),
            "01JD0000000000000000000000".parse().unwrap(),
            "01JD0000000000000000000001".parse().unwrap(),
            &evidence(),
            VerifierVerdict {
                verdict: Verdict::Pass,
                findings: vec![],
                worker: Some("verifier".into()),
            },
            "2026-11-29T12:00:00Z".parse().unwrap(),
        )
    }

    #[test]
    fn a_sidecar_round_trips_and_reads_as_the_original_reads_it() {
        let carry = sidecar(3);
        let text = carry.to_json().unwrap();
        assert_eq!(CarrySidecar::parse(&text).unwrap(), carry);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["schemaVersion"], "carry/v1");
        assert_eq!(value["impl_task_key"], "shop:payments:dev-1");
        assert_eq!(value["plan_run_id"], "01JD0000000000000000000000");
        assert_eq!(value["status"], "done");
        assert_eq!(value["stageCommitRange"]["head"], "h".repeat(40));
        assert_eq!(value["verifier"]["verdict"], "PASS");
        let probe = probe_carry(&text).unwrap();
        assert_eq!(probe.stage_field, CarryStage::Int(3));
        assert!(probe.is_complete());
        assert_eq!(
            probe.head_commit().as_deref(),
            Some("h".repeat(40).as_str())
        );
        assert_eq!(probe.head_tree.as_deref(), Some("t".repeat(40).as_str()));
    }

    #[test]
    fn a_newer_major_is_refused() {
        let text = sidecar(1)
            .to_json()
            .unwrap()
            .replace("carry/v1", "carry/v2");
        assert!(CarrySidecar::parse(&text).is_err());
    }
}
