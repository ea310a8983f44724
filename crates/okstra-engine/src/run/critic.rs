//! Owns the critic (SPEC §4 step 6, opt-in): one worker looks for coverage gaps in the
//! converged findings; its gaps join the findings and go through one reverify round.

use okstra_core::events::{Checkpoint, RunEvent};
use okstra_core::findings::check::check_findings_answer;
use okstra_core::findings::converge::{CriticRecord, RoundKind};
use okstra_core::findings::merge::merge_from;
use okstra_core::findings::present::render_converged;
use okstra_core::outcome::AnswerContract;
use okstra_core::prompt::{CRITIC_PROFILE, ContextSection};
use okstra_core::run_paths::RoundTag;
use okstra_core::status::WorkerStatus;

use super::imp::Run;
use super::prompts::PromptKind;
use crate::errors::RunError;

impl Run {
    /// Runs the critic when the run has one, after convergence; its round is
    /// `maxRounds + 1`.
    pub(crate) async fn critic(&mut self) -> Result<(), RunError> {
        let Some(critic) = self.roster.critic.clone() else {
            return Ok(());
        };
        if self.interrupted() || !self.any_analyser_completed() {
            return Ok(());
        }
        let round = self.convergence().max_rounds + 1;
        let tag = RoundTag::Round(round);
        if self.convergence().critic.is_none() {
            if self.stop_if_budget_reached()? {
                return Ok(());
            }
            let context = vec![
                self.context_section(),
                ContextSection {
                    title: "Converged findings".to_owned(),
                    body: render_converged(self.convergence()),
                },
            ];
            let kind = PromptKind {
                title: "Coverage critic",
                profile: CRITIC_PROFILE,
                contract: AnswerContract::Findings,
            };
            let worker = self.planned(&critic, tag, kind, &context)?;
            let results = self.dispatch(vec![worker]).await?;
            let Some(result) = results.first() else {
                return Ok(());
            };
            let gaps = match (
                result.status,
                result.text.as_deref().map(check_findings_answer),
            ) {
                (WorkerStatus::Completed, Some(Ok(block))) => merge_from(
                    &[(result.worker.to_string(), block)],
                    round,
                    self.convergence().next_finding_number(),
                ),
                _ => Vec::new(),
            };
            let ids: Vec<String> = gaps.iter().map(|f| f.id.clone()).collect();
            let state = self.convergence_mut();
            state.add_findings(gaps);
            state.critic = Some(CriticRecord {
                provider: critic.agent.clone(),
                round,
                status: result.status,
                gaps: ids.clone(),
            });
            self.emit(&RunEvent::Critic {
                provider: critic.agent.clone(),
                gaps: ids.len(),
            });
            self.save_convergence()?;
        }
        let gaps = self
            .convergence()
            .critic
            .as_ref()
            .map(|c| c.gaps.clone())
            .unwrap_or_default();
        let reverified = self
            .convergence()
            .rounds
            .iter()
            .any(|r| r.kind == RoundKind::Critic);
        if !gaps.is_empty() && !reverified && !self.stop_if_budget_reached()? {
            let queue = self.convergence().next_queue(Some(&gaps));
            if !queue.is_empty() {
                self.reverify_round(round, RoundKind::Critic, &queue)
                    .await?;
            }
        }
        self.pass(Checkpoint::Critic)?;
        Ok(())
    }
}
