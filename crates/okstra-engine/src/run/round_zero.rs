//! Owns round 0 (SPEC §4 steps 2–4): every analyser's prompt under the findings contract, then
//! the round dispatched and collected — the `phase-2-prompts` and `phase-5-collect` checkpoints.

use okstra_core::events::{Checkpoint, RunEvent};
use okstra_core::outcome::AnswerContract;
use okstra_core::prompt::profile;
use okstra_core::run_paths::RoundTag;

use super::imp::Run;
use super::prompts::{PromptKind, title};
use crate::errors::RunError;

impl Run {
    /// Runs round 0: every analyser, under the findings contract.
    pub(crate) async fn analyse(&mut self) -> Result<(), RunError> {
        let round = RoundTag::Round(0);
        let mut context = vec![self.context_section()];
        context.extend(self.inputs.prior.iter().cloned());
        // A final-verification run's verifiers also get the plan, carries and evidence.
        context.extend(self.found.fv.context.iter().cloned());
        let task_type = self.manifest().task_type;
        let kind = PromptKind {
            title: title(task_type),
            profile: profile(task_type),
            contract: AnswerContract::Findings,
        };
        let workers = self
            .roster
            .analysers
            .iter()
            .map(|entry| self.planned(entry, round, kind, &context))
            .collect::<Result<Vec<_>, _>>()?;
        if !self.manifest().passed(Checkpoint::Prompts) {
            self.emit(&RunEvent::Prompts {
                count: workers.len(),
            });
            self.pass(Checkpoint::Prompts)?;
        }
        self.found.analysis = self.dispatch(workers).await?;
        if !self.interrupted() {
            // An interrupted round is not collected: its interrupted workers run again on
            // resume.
            self.pass(Checkpoint::Collect)?;
        }
        Ok(())
    }

    /// Returns whether any analyser completed round 0.
    pub(crate) fn any_analyser_completed(&self) -> bool {
        self.found
            .analysis
            .iter()
            .any(|r| r.status == okstra_core::status::WorkerStatus::Completed)
    }
}
