//! Owns one reverify round (SPEC §6.3): each recipient gets the findings queued for it with the
//! earlier answers' reasons, answers under the verdicts contract, and the round is recorded in
//! the convergence state. A call that fails is a `verification-error`: that worker is skipped
//! from then on and its missing answers never count as DISAGREE. Convergence rounds and the
//! critic's round both use it.

use std::collections::BTreeMap;

use okstra_core::findings::check::check_verdicts_answer;
use okstra_core::findings::converge::{Queue, RoundAnswer, RoundKind};
use okstra_core::findings::present::render_reverify_findings;
use okstra_core::outcome::AnswerContract;
use okstra_core::prompt::{ContextSection, REVERIFY_PROFILE};
use okstra_core::run_paths::{ArtifactKind, RoundTag};
use okstra_core::status::WorkerStatus;
use okstra_core::tokens::TokenUsage;

use super::imp::Run;
use super::prompts::PromptKind;
use crate::errors::RunError;

impl Run {
    /// Runs one reverify round of `queue` and records it.
    pub(crate) async fn reverify_round(
        &mut self,
        round: u32,
        kind: RoundKind,
        queue: &Queue,
    ) -> Result<(), RunError> {
        let tag = RoundTag::Round(round);
        let prompt_kind = PromptKind {
            title: "Re-verification",
            profile: REVERIFY_PROFILE,
            contract: AnswerContract::Verdicts,
        };
        let mut workers = Vec::new();
        let mut prompts = BTreeMap::new();
        for (worker, ids) in &queue.recipients {
            let Some(entry) = self.roster.analyser(worker) else {
                continue;
            };
            let context = vec![
                self.context_section(),
                ContextSection {
                    title: "Findings to re-verify".to_owned(),
                    body: render_reverify_findings(self.convergence(), ids),
                },
            ];
            let path = self
                .paths
                .artifact(&entry.worker, ArtifactKind::Prompt, tag, 1);
            prompts.insert(worker.clone(), self.rel(&path));
            workers.push(self.planned(entry, tag, prompt_kind, &context)?);
        }
        let results = self.dispatch(workers).await?;
        let mut outcomes = BTreeMap::new();
        for r in &results {
            let outcome = match (r.status, r.text.as_deref().map(check_verdicts_answer)) {
                (WorkerStatus::Completed, Some(Ok(block))) => RoundAnswer::Answered(block),
                (status, _) => RoundAnswer::VerificationError(format!(
                    "{status}: {}",
                    r.reason.as_deref().unwrap_or("no answer")
                )),
            };
            outcomes.insert(r.worker.to_string(), outcome);
        }
        let tokens = results
            .iter()
            .fold(TokenUsage::default(), |acc, r| acc.plus(&r.usage));
        self.convergence_mut()
            .record_round(round, kind, queue, outcomes, prompts, tokens);
        self.save_convergence()?;
        self.save_team()?;
        Ok(())
    }
}
