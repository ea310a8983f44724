//! Owns the verify phase of an implementation run (SPEC §8): the verifier, read-only, judges
//! the stage from the plan's stage, the diff `base..head` and okstra's own evidence — never the
//! executor's transcript — against the rule catalog of its profile (the hexagonal overlay only
//! with `verifier.hexagonal`), and answers with a verdict block. An unparsable block is
//! re-dispatched once with the parser's error (the dispatcher's rule for every contract). It is
//! not asked when the stage already fails: the executor failed or okstra's evidence fails.
//! A resumed run reuses a finished verifier's answer.

use okstra_core::events::{Checkpoint, RunEvent};
use okstra_core::implementation::{
    ExecutorEnd, VerifierContext, VerifierOutcome, check_stage_verdict_answer, verifier_needed,
    verifier_sections,
};
use okstra_core::outcome::AnswerContract;
use okstra_core::prompt::verifier_profile;
use okstra_core::run_paths::RoundTag;
use okstra_core::status::WorkerStatus;

use super::imp::Run;
use super::prompts::PromptKind;
use super::stage_phase_error::StagePhaseError;
use crate::errors::RunError;
use crate::evidence::read_stage_range;

impl Run {
    /// Asks the verifier for its verdict on the stage, when the stage could still pass.
    pub(crate) async fn verify(&mut self) -> Result<(), RunError> {
        if self.interrupted() {
            return Ok(());
        }
        let executor = self
            .found
            .stage
            .executor
            .clone()
            .unwrap_or(ExecutorEnd::Completed);
        let evidence = self
            .found
            .stage
            .evidence
            .as_ref()
            .and_then(|r| r.evidence.clone());
        let outcome = match &evidence {
            Some(e) if verifier_needed(&executor, Ok(e)) => match self.budget_stops_verifier() {
                Some(why) => VerifierOutcome::NotAsked(why),
                None => match self.ask_verifier(e).await? {
                    Some(outcome) => outcome,
                    // Its interrupted verifier answers on resume.
                    None => return Ok(()),
                },
            },
            _ => VerifierOutcome::NotAsked(match executor {
                ExecutorEnd::Failed { .. } => "the executor failed".to_owned(),
                _ if evidence.is_none() => "okstra could not take the stage's evidence".to_owned(),
                _ => "okstra's own evidence fails the stage".to_owned(),
            }),
        };
        self.emit(&match &outcome {
            VerifierOutcome::Answered(block) => RunEvent::Verified {
                verdict: Some(block.verdict),
                findings: block.findings.len(),
                reason: None,
            },
            VerifierOutcome::Failed(why) | VerifierOutcome::NotAsked(why) => RunEvent::Verified {
                verdict: None,
                findings: 0,
                reason: Some(why.clone()),
            },
        });
        self.found.stage.verifier = Some(outcome);
        self.pass(Checkpoint::Verify)?;
        Ok(())
    }

    /// Returns why the verifier is not started: the budget is reached (SPEC §11) and it has not
    /// started yet (a resumed run's verifier answers whatever the budget).
    fn budget_stops_verifier(&self) -> Option<String> {
        let reached = self.budget_reached()?;
        let verifier = &self.roster.stage.as_ref()?.verifier;
        let started = self
            .team()
            .workers
            .iter()
            .any(|w| w.worker == verifier.worker);
        (!started).then(|| format!("budget reached: {reached}"))
    }

    /// Runs the verifier; `None` when the run was interrupted meanwhile.
    async fn ask_verifier(
        &mut self,
        evidence: &okstra_core::evidence::StageEvidence,
    ) -> Result<Option<VerifierOutcome>, RunError> {
        let stage = self.stage_or_error()?;
        let entry = self
            .roster
            .stage
            .as_ref()
            .map(|team| team.verifier.clone())
            .ok_or_else(|| StagePhaseError::NoTeam {
                run_id: self.manifest().run_id.to_string(),
            })?;
        let range = {
            let (workdir, base, head) = (
                stage.workdir.clone(),
                evidence.base.clone(),
                evidence.head.clone(),
            );
            tokio::task::spawn_blocking(move || read_stage_range(&workdir, &base, &head))
                .await
                .map_err(|source| RunError::Task {
                    what: "reading the stage's diff",
                    source,
                })?
        };
        let (diff, truncated) = match &range {
            Ok(r) => (r.diff.as_str(), r.diff_truncated),
            Err(_) if evidence.base.is_empty() => (
                "(the project is not in git: there is no diff; read the files the stage names \
                 in your working directory)",
                false,
            ),
            Err(_) => ("(okstra could not read the diff)", false),
        };
        let mut sections = vec![self.context_section()];
        sections.extend(verifier_sections(&VerifierContext {
            stage: &stage.plan_stage,
            diff,
            diff_truncated: truncated,
            evidence,
        }));
        let profile = verifier_profile(self.settings.hexagonal.value)?;
        let kind = PromptKind {
            title: "Stage verification",
            profile: &profile,
            contract: AnswerContract::StageVerdict,
        };
        let planned = self.planned(&entry, RoundTag::Round(0), kind, &sections)?;
        let results = self.dispatch(vec![planned]).await?;
        if self.interrupted() {
            return Ok(None);
        }
        let Some(r) = results.into_iter().next() else {
            return Ok(Some(VerifierOutcome::Failed(
                "the verifier did not run".to_owned(),
            )));
        };
        let outcome = match (r.status, r.text.as_deref()) {
            (WorkerStatus::Completed, Some(text)) => match check_stage_verdict_answer(text) {
                Ok(block) => VerifierOutcome::Answered(block),
                // The dispatcher kept it only because the contract accepted it.
                Err(e) => VerifierOutcome::Failed(e.to_string()),
            },
            (status, _) => VerifierOutcome::Failed(format!(
                "{status}: {}",
                r.reason.as_deref().unwrap_or("no answer")
            )),
        };
        self.found.stage.workers.push(r);
        Ok(Some(outcome))
    }
}
