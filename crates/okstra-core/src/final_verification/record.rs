//! Owns `state/final-verification-<seq>.json` (`final-verification/v1`): what a
//! final-verification run verified (the task branch and its head, the stages merged into it,
//! okstra's own commands) and the verdict okstra computed.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::errors::VersionError;
use crate::evidence::CommandEvidence;
use crate::version::{check_schema_version, schema_version};

/// The `schemaVersion` kind of the record.
pub const FINAL_VERIFICATION_KIND: &str = "final-verification";

/// The whole-task verdict, computed by okstra.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FinalVerdict {
    /// Every command passed and no high or critical finding is left undisputed.
    Accepted,
    /// A command failed, or a high or critical finding is left undisputed.
    Rejected,
    /// Fewer than two verifiers answered.
    AbortedNonResult,
}

impl FinalVerdict {
    /// Returns the verdict as written in the record and the report.
    pub fn as_str(self) -> &'static str {
        match self {
            FinalVerdict::Accepted => "accepted",
            FinalVerdict::Rejected => "rejected",
            FinalVerdict::AbortedNonResult => "aborted-non-result",
        }
    }
}

impl std::fmt::Display for FinalVerdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stage branch merged into the task branch (in topological order of the Stage Map).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MergedStage {
    pub stage: u32,
    /// The stage branch's name.
    pub branch: String,
    /// The stage's `done` head (the carry's `stageCommitRange.head`).
    pub head: String,
    /// The merge commit okstra made; `None` when the task branch already contained the head.
    pub merge_commit: Option<String>,
}

/// `state/final-verification-<seq>.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FinalVerificationRecord {
    /// `final-verification/v1`.
    pub schema_version: String,
    pub run_id: String,
    pub run_seq: u32,
    /// The run id of the approved plan whose stages were verified.
    pub plan_run_id: String,
    /// The task branch verified.
    pub task_branch: String,
    /// The task's anchor: the diff verified is `anchor..verifiedHead`.
    pub anchor: String,
    /// The task branch's head the verdict is about; release-handoff refuses any other head.
    pub verified_head: String,
    pub verdict: FinalVerdict,
    /// Why the verdict is not `accepted` (empty when it is).
    pub reasons: Vec<String>,
    /// What does not block but a reviewer should see (disputed high findings …).
    pub warnings: Vec<String>,
    pub stages: Vec<MergedStage>,
    /// okstra's own runs of `qaCommands` and the plan's Validation Checklist commands, on the
    /// merged task worktree.
    pub commands: Vec<CommandEvidence>,
    /// The verifiers asked and those that answered.
    pub verifiers_asked: Vec<String>,
    pub verifiers_answered: Vec<String>,
}

impl FinalVerificationRecord {
    /// Returns the schema version string records are written with.
    pub fn current_schema_version() -> String {
        schema_version(FINAL_VERIFICATION_KIND)
    }

    /// Checks that `schemaVersion` is a version okstra can read.
    pub fn check_version(&self) -> Result<(), VersionError> {
        check_schema_version(FINAL_VERIFICATION_KIND, Some(&self.schema_version))
    }

    /// Returns whether this record lets release-handoff proceed on `head`: accepted, and about
    /// that very head.
    pub fn accepts_head(&self, head: &str) -> bool {
        self.verdict == FinalVerdict::Accepted && self.verified_head == head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_round_trips_with_its_verdict_in_kebab_case() {
        let record = FinalVerificationRecord {
            schema_version: FinalVerificationRecord::current_schema_version(),
            run_id: "R".into(),
            run_seq: 1,
            plan_run_id: "P".into(),
            task_branch: "okstra/feat/g-id".into(),
            anchor: "a".into(),
            verified_head: "h".into(),
            verdict: FinalVerdict::AbortedNonResult,
            reasons: vec!["1 of 3 verifiers answered".into()],
            warnings: vec![],
            stages: vec![MergedStage {
                stage: 1,
                branch: "okstra/feat/g-id-stage-1".into(),
                head: "s".into(),
                merge_commit: None,
            }],
            commands: vec![],
            verifiers_asked: vec!["claude".into()],
            verifiers_answered: vec![],
        };
        let text = serde_json::to_string(&record).unwrap();
        assert!(text.contains(r#""verdict":"aborted-non-result""#), "{text}");
        assert!(
            text.contains(r#""schemaVersion":"final-verification/v1""#),
            "{text}"
        );
        let back: FinalVerificationRecord = serde_json::from_str(&text).unwrap();
        assert_eq!(back, record);
        assert!(back.check_version().is_ok());
        assert!(!back.accepts_head("h"));
        let accepted = FinalVerificationRecord {
            verdict: FinalVerdict::Accepted,
            ..record
        };
        assert!(accepted.accepts_head("h"));
        assert!(!accepted.accepts_head("other"));
    }
}
