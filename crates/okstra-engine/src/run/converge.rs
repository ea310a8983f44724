//! Owns convergence (SPEC §4 step 5, §6): the convergence state after round 0 — the completed
//! analysers' findings merged into `F-<n>` — or the one a resumed run saved, then the reverify
//! rounds until the queue is empty, the rounds are spent or the budget is reached. Core decides
//! who gets what and which class a finding has; this phase runs the rounds and keeps the
//! record in `state/convergence-<seq>.json`.

use okstra_core::events::{Checkpoint, RunEvent};
use okstra_core::findings::FindingsBlock;
use okstra_core::findings::check::check_findings_answer;
use okstra_core::findings::converge::{ConvergenceState, RoundKind};
use okstra_core::findings::merge::merge_findings;
use okstra_core::outcome::INTERRUPTED;
use okstra_core::status::WorkerStatus;

use super::imp::Run;
use crate::errors::{RunError, StoreError};
use crate::fs_atomic::read_optional;

impl Run {
    /// Makes (or loads) the convergence state, then runs the convergence rounds. Rounds
    /// already recorded (a resumed run) are not run again.
    pub(crate) async fn converge(&mut self) -> Result<(), RunError> {
        self.start_convergence()?;
        if self.interrupted() || !self.any_analyser_completed() {
            return Ok(());
        }
        let done = self
            .convergence()
            .rounds
            .iter()
            .filter(|r| r.kind == RoundKind::Reverify)
            .map(|r| r.round)
            .max()
            .unwrap_or(0);
        for round in (done + 1)..=self.convergence().max_rounds {
            if self.stop_if_budget_reached()? {
                break;
            }
            let queue = self.convergence().next_queue(None);
            if queue.is_empty() {
                break;
            }
            self.emit(&RunEvent::Convergence {
                round,
                queue: queue.findings.len(),
            });
            self.reverify_round(round, RoundKind::Reverify, &queue)
                .await?;
        }
        self.save_convergence()?;
        self.pass(Checkpoint::Convergence)?;
        Ok(())
    }

    /// Sets the convergence state: the one a resumed run saved once a round was recorded on
    /// it; before that, round 0 (now complete) decides it afresh, and the merged findings are
    /// saved for whoever looks while the rounds run.
    fn start_convergence(&mut self) -> Result<(), RunError> {
        let path = self.paths.convergence();
        let saved = match read_optional(&path)? {
            Some(text) => Some(
                ConvergenceState::parse(&text)
                    .map_err(|source| StoreError::Invalid { path, source })?,
            ),
            None => None,
        }
        .filter(|s| !s.rounds.is_empty() || s.critic.is_some() || s.stopped.is_some());
        if let Some(state) = saved {
            self.set_convergence(state);
        } else {
            let state = self.initial_state();
            self.set_convergence(state);
            if !self.interrupted() {
                self.save_convergence()?;
            }
        }
        Ok(())
    }

    /// Returns the convergence state after round 0: the completed analysers' findings, merged.
    /// Analysers an interruption stopped are awaited (resume runs them again), so the summary
    /// of an interrupted run calls nothing `full-consensus` they have not answered.
    fn initial_state(&self) -> ConvergenceState {
        let blocks: Vec<(String, FindingsBlock)> = self
            .found
            .analysis
            .iter()
            .filter(|r| r.status == WorkerStatus::Completed)
            .filter_map(|r| {
                let block = check_findings_answer(r.text.as_deref()?).ok()?;
                Some((r.worker.to_string(), block))
            })
            .collect();
        let analysers = blocks.iter().map(|(w, _)| w.clone()).collect();
        let awaiting = self
            .found
            .analysis
            .iter()
            .filter(|r| {
                r.status != WorkerStatus::Completed && r.reason.as_deref() == Some(INTERRUPTED)
            })
            .map(|r| r.worker.to_string())
            .collect();
        ConvergenceState::new(
            self.manifest().run_id.to_string(),
            self.settings.max_rounds.value,
            analysers,
            merge_findings(&blocks, 0),
        )
        .awaiting(awaiting)
    }

    /// Returns why the run's budget is reached by the tokens its workers used, if it is.
    pub(crate) fn budget_reached(&self) -> Option<okstra_core::budget::BudgetReached> {
        self.settings.budget().reached(&self.team().total_tokens())
    }

    /// Records that the budget stopped the run's rounds, when it is reached; returns whether
    /// it is.
    pub(crate) fn stop_if_budget_reached(&mut self) -> Result<bool, RunError> {
        let Some(reached) = self.budget_reached() else {
            return Ok(false);
        };
        if self.convergence().stopped.is_none() {
            self.convergence_mut().stopped = Some(format!("budget reached: {reached}"));
            self.emit(&RunEvent::Budget { reached });
            self.save_convergence()?;
        }
        Ok(true)
    }
}
