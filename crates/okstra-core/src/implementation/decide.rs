//! Owns okstra's decision on a stage (SPEC §8): from what okstra saw itself — how the executor
//! ended, the evidence it took on the head — and the verifier's verdict, PASS or FAIL with
//! every reason. okstra's own evidence failing is FAIL whatever the verifier says, and a PASS
//! needs the verifier's PASS. Also the carry sidecar of a stage that passed (its notes are the
//! report's, `report::implementation`).

use jiff::Timestamp;

use crate::carry::{CarrySidecar, Verdict, VerifierVerdict};
use crate::evidence::StageEvidence;
use crate::ids::{RunId, Stage};
use crate::status::WorkerStatus;

use super::verdict::StageVerdictBlock;

/// How the executor's part of the stage run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExecutorEnd {
    /// Every invocation completed.
    Completed,
    /// `--reverify`: the executor did not run; the head is checked as it is.
    Skipped,
    /// An invocation ended with a failure status.
    Failed {
        status: WorkerStatus,
        reason: String,
    },
}

/// What became of the verifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifierOutcome {
    /// It answered with a valid verdict block.
    Answered(StageVerdictBlock),
    /// It ran and gave no valid verdict (after its one re-dispatch): the reason.
    Failed(String),
    /// It was not asked: why (okstra's own evidence already fails the stage).
    NotAsked(String),
}

impl VerifierOutcome {
    /// Returns the verdict block, when the verifier answered.
    pub fn block(&self) -> Option<&StageVerdictBlock> {
        match self {
            VerifierOutcome::Answered(block) => Some(block),
            VerifierOutcome::Failed(_) | VerifierOutcome::NotAsked(_) => None,
        }
    }
}

/// What okstra decides on a stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageDecision {
    pub verdict: Verdict,
    /// Why it is FAIL, each on one line; empty for a PASS.
    pub reasons: Vec<String>,
}

impl StageDecision {
    /// Returns whether the stage passed.
    pub fn passed(&self) -> bool {
        self.verdict == Verdict::Pass
    }
}

/// Returns whether the verifier should be asked: the executor did not fail and okstra's own
/// evidence holds — otherwise the stage fails whatever it would say, and it is not asked.
pub fn verifier_needed(executor: &ExecutorEnd, evidence: Result<&StageEvidence, &str>) -> bool {
    !matches!(executor, ExecutorEnd::Failed { .. })
        && evidence.is_ok_and(|e| own_failures(e).is_empty())
}

/// Returns why okstra's own evidence fails the stage: no commit in `base..head`, then each
/// failure of the evidence (`StageEvidence::failures`).
pub fn own_failures(evidence: &StageEvidence) -> Vec<String> {
    let mut out = Vec::new();
    // Outside git (no base) there are no commits to have.
    if evidence.commits.is_empty() && !evidence.base.is_empty() {
        out.push(format!(
            "the stage has no commit: its head is its base {}",
            short(&evidence.base)
        ));
    }
    out.extend(evidence.failures());
    out
}

/// Returns okstra's decision on a stage from how its executor ended, the evidence okstra took
/// (or why it could not) and the verifier's outcome.
pub fn decide_stage(
    executor: &ExecutorEnd,
    evidence: Result<&StageEvidence, &str>,
    verifier: &VerifierOutcome,
) -> StageDecision {
    let mut reasons = Vec::new();
    if let ExecutorEnd::Failed { status, reason } = executor {
        reasons.push(format!("the executor ended `{status}`: {reason}"));
    }
    match evidence {
        Ok(evidence) => reasons.extend(own_failures(evidence)),
        Err(why) => reasons.push(format!("okstra could not take the stage's evidence: {why}")),
    }
    match verifier {
        VerifierOutcome::Answered(block) if block.verdict == Verdict::Fail => {
            reasons.extend(block.blocking().map(|f| {
                let message = if f.message.trim().is_empty() {
                    String::new()
                } else {
                    format!(": {}", f.message.trim())
                };
                format!("the verifier said FAIL: {} {}{message}", f.at, f.rule)
            }));
        }
        VerifierOutcome::Answered(_) => {}
        VerifierOutcome::Failed(why) => {
            reasons.push(format!("the verifier gave no verdict: {why}"));
        }
        VerifierOutcome::NotAsked(why) => {
            if reasons.is_empty() {
                // Never a PASS without the verifier's.
                reasons.push(format!("the verifier was not asked: {why}"));
            }
        }
    }
    StageDecision {
        verdict: if reasons.is_empty() {
            Verdict::Pass
        } else {
            Verdict::Fail
        },
        reasons,
    }
}

/// What the carry of a stage that passed is made of.
#[derive(Clone, Copy, Debug)]
pub struct CarryInput<'a> {
    pub stage: Stage,
    pub impl_task_key: &'a str,
    pub plan_run_id: RunId,
    pub run_id: RunId,
    pub evidence: &'a StageEvidence,
    pub verifier: &'a StageVerdictBlock,
    pub verifier_worker: &'a str,
    pub notes: &'a [String],
    pub written_at: Timestamp,
}

/// Returns the `carry/v1` sidecar of a stage that passed.
pub fn stage_carry(input: &CarryInput<'_>) -> CarrySidecar {
    let verifier: VerifierVerdict = input.verifier.recorded(input.verifier_worker);
    let mut carry = CarrySidecar::from_evidence(
        input.stage,
        input.impl_task_key.to_owned(),
        input.plan_run_id,
        input.run_id,
        input.evidence,
        verifier,
        input.written_at,
    );
    carry.notes = input.notes.to_vec();
    carry
}

/// Returns the first 12 characters of a commit id.
pub fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

#[cfg(test)]
#[path = "decide_tests.rs"]
mod tests;
