//! Owns the task-type table (SPEC §3, §4): which phases each task type runs, in order, and the
//! loop that runs them. A new task type is a new entry here, with the phases it needs — each
//! an `impl Run` block in a file of its own.

use okstra_core::TaskType;

use super::imp::Run;
use crate::errors::RunError;

/// A phase of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Round 0: every analyser's prompt, dispatched and collected (`round_zero`).
    Analyse,
    /// The convergence rounds (`converge`).
    Converge,
    /// The opt-in coverage critic and its reverify round (`critic`).
    Critic,
    /// The report writer drafts the structured plan (`plan_draft`).
    PlanDraft,
    /// The plan-body verification gate over the plan's `P-` items (`plan_body`).
    PlanBody,
    /// Implementation: the executor implements the stage, okstra commits what it left
    /// (`execute`).
    Execute,
    /// Implementation: okstra's own evidence on the stage's head (`evidence_phase`).
    Evidence,
    /// Implementation: the verifier's verdict (`verify`).
    Verify,
    /// Implementation: okstra's decision, the carry and the `done` row (`carry_phase`).
    Carry,
    /// Release hand-off: the gate again, the writer, the PR body, the push and the PR when
    /// asked (`handoff_phase`).
    Handoff,
    /// The report writer's narrative and the report (`report`; an implementation run's is
    /// okstra's own, `stage_report`).
    Report,
    /// Validation, the run's status, timeline and index (`persist`).
    Persist,
    /// Final verification: the stage branches merged into the task branch (`fv_merge`).
    FvMerge,
    /// Final verification: okstra's own commands on the merged head (`fv_commands`).
    FvCommands,
    /// Final verification: the verifiers' review, converged (`fv_review`).
    FvReview,
    /// Final verification: okstra's verdict and its record (`fv_verdict`).
    FvVerdict,
}

/// The phases of the task types that run a team of analysers.
const ANALYSIS: &[Phase] = &[
    Phase::Analyse,
    Phase::Converge,
    Phase::Critic,
    Phase::Report,
    Phase::Persist,
];

/// The phases of `implementation-planning`: the analysis, then the plan drafted and verified
/// before the report carries it with its gate.
const PLANNING: &[Phase] = &[
    Phase::Analyse,
    Phase::Converge,
    Phase::Critic,
    Phase::PlanDraft,
    Phase::PlanBody,
    Phase::Report,
    Phase::Persist,
];

/// The phases of `implementation`: one stage executed, okstra's evidence taken, the verifier
/// asked, the stage decided (`--reverify` skips the executor inside its phase).
const IMPLEMENTATION: &[Phase] = &[
    Phase::Execute,
    Phase::Evidence,
    Phase::Verify,
    Phase::Carry,
    Phase::Report,
    Phase::Persist,
];

/// The phases of `release-handoff`: the PR body written (and pushed, opened when asked),
/// then okstra's own report (`handoff_report`).
const RELEASE_HANDOFF: &[Phase] = &[Phase::Handoff, Phase::Report, Phase::Persist];
/// The phases of `final-verification`: the stages merged, okstra's commands run on the merged
/// head, the verifiers' review converged (and the opt-in critic's gaps), okstra's verdict,
/// then the report.
const FINAL_VERIFICATION: &[Phase] = &[
    Phase::FvMerge,
    Phase::FvCommands,
    Phase::FvReview,
    Phase::Critic,
    Phase::FvVerdict,
    Phase::Report,
    Phase::Persist,
];

/// Returns the phases of a task type, or `None` when this okstra cannot run it yet.
#[expect(
    clippy::unnecessary_wraps,
    reason = "every task type runs today; a new one starts as `None` until its phases exist"
)]
pub(crate) fn phases(task_type: TaskType) -> Option<&'static [Phase]> {
    match task_type {
        TaskType::RequirementsDiscovery | TaskType::ErrorAnalysis => Some(ANALYSIS),
        TaskType::FinalVerification => Some(FINAL_VERIFICATION),
        TaskType::ImplementationPlanning => Some(PLANNING),
        TaskType::Implementation => Some(IMPLEMENTATION),
        TaskType::ReleaseHandoff => Some(RELEASE_HANDOFF),
    }
}

/// Returns whether this okstra can run a task type (`run --help` lists only those).
pub fn is_runnable(task_type: TaskType) -> bool {
    phases(task_type).is_some()
}

impl Run {
    /// Runs every phase of the run's task type, in order. A phase that finds the run
    /// interrupted does only what must be recorded; persisting always runs.
    pub(crate) async fn drive(&mut self) -> Result<(), RunError> {
        let task_type = self.manifest().task_type;
        let phases = phases(task_type).ok_or(RunError::NotRunnable { task_type })?;
        for phase in phases {
            match phase {
                Phase::Analyse => self.analyse().await?,
                Phase::Converge => self.converge().await?,
                Phase::Critic => self.critic().await?,
                Phase::PlanDraft => self.plan_draft().await?,
                Phase::PlanBody => self.plan_body().await?,
                Phase::Execute => self.execute().await?,
                Phase::Evidence => self.take_evidence().await?,
                Phase::Verify => self.verify().await?,
                Phase::Carry => self.carry()?,
                Phase::Handoff => self.hand_off().await?,
                Phase::Report => self.report().await?,
                Phase::Persist => self.persist()?,
                Phase::FvMerge => self.fv_merge()?,
                Phase::FvCommands => self.fv_commands().await?,
                Phase::FvReview => self.fv_review().await?,
                Phase::FvVerdict => self.fv_verdict()?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_runnable_type_ends_by_persisting() {
        for task_type in TaskType::ALL {
            if let Some(phases) = phases(task_type) {
                assert_eq!(phases.last(), Some(&Phase::Persist), "{task_type}");
                let first = match task_type {
                    TaskType::Implementation => Phase::Execute,
                    TaskType::ReleaseHandoff => Phase::Handoff,
                    TaskType::FinalVerification => Phase::FvMerge,
                    _ => Phase::Analyse,
                };
                assert_eq!(phases.first(), Some(&first), "{task_type}");
            }
        }
        let planning = phases(TaskType::ImplementationPlanning).unwrap_or_default();
        let at = |p: Phase| planning.iter().position(|q| *q == p);
        assert!(at(Phase::Critic) < at(Phase::PlanDraft));
        assert!(at(Phase::PlanDraft) < at(Phase::PlanBody));
        assert!(at(Phase::PlanBody) < at(Phase::Report));
        for other in [TaskType::ErrorAnalysis, TaskType::RequirementsDiscovery] {
            let phases = phases(other).unwrap_or_default();
            assert!(!phases.contains(&Phase::PlanDraft) && !phases.contains(&Phase::PlanBody));
        }
        assert_eq!(phases(TaskType::Implementation), Some(IMPLEMENTATION));
        assert_eq!(phases(TaskType::ReleaseHandoff), Some(RELEASE_HANDOFF));
        assert_eq!(
            phases(TaskType::FinalVerification),
            Some(FINAL_VERIFICATION)
        );
    }
}
