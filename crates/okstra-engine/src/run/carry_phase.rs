//! Owns the carry phase of an implementation run (SPEC §8): okstra decides the stage from what
//! it saw itself and the verifier's verdict — its own evidence failing is FAIL whatever the
//! verifier says — and on a PASS writes `carry/stage-<N>.json` (carry/v1: the commit range,
//! head tree, commits, files, validation evidence, TDD proof, DB gate, verdict, notes, plan run
//! id) and the `done` row, under the task lock. On a FAIL nothing is written to the ledger: the
//! stage stays started, and `--retry` runs it again. A resumed run whose carry is already on
//! disk writes it no second time (the ledger's repair turns a carry without its row into one).

use std::path::PathBuf;

use jiff::Timestamp;
use okstra_core::carry::CarrySidecar;
use okstra_core::events::{Checkpoint, RunEvent};
use okstra_core::implementation::{
    CarryInput, ExecutorEnd, StageDecision, VerifierOutcome, decide_stage, stage_carry,
};
use okstra_core::report::StageReport;
use okstra_core::run_paths::relative_to;

use super::imp::Run;
use super::stage_phase_error::StagePhaseError;
use crate::errors::RunError;
use crate::fs_atomic::read_optional;
use crate::ledger::record_stage_done;

impl Run {
    /// Decides the stage and, on a PASS, writes its carry and `done` row.
    pub(crate) fn carry(&mut self) -> Result<(), RunError> {
        if self.interrupted() {
            return Ok(());
        }
        let stage = self.stage_or_error()?;
        let decision = self.decision();
        let carry_path = self.paths.task().carry(stage.stage);
        let mut written = None;
        if decision.passed() {
            let evidence = self
                .found
                .stage
                .evidence
                .as_ref()
                .and_then(|r| r.evidence.as_ref());
            let verdict = self
                .found
                .stage
                .verifier
                .as_ref()
                .and_then(VerifierOutcome::block);
            if let (Some(evidence), Some(verdict)) = (evidence, verdict) {
                if !self.carry_written(&carry_path)? {
                    let report = self.stage_report(&decision, Some(&carry_path));
                    let carry = stage_carry(&CarryInput {
                        stage: stage.stage,
                        impl_task_key: &self.manifest().task_key().to_string(),
                        plan_run_id: stage.plan_run_id,
                        run_id: self.manifest().run_id,
                        evidence,
                        verifier: verdict,
                        verifier_worker: "verifier",
                        notes: &report.notes(),
                        written_at: Timestamp::now(),
                    });
                    record_stage_done(self.paths.task(), &carry).map_err(StagePhaseError::from)?;
                }
                written = Some(carry_path);
            }
        }
        self.emit(&RunEvent::Decided {
            stage: stage.stage.get(),
            verdict: decision.verdict,
            carry: written.as_ref().map(|p| self.rel(p)),
            reasons: decision.reasons.len(),
        });
        self.found.stage.decision = Some(decision);
        self.found.stage.carry = written;
        self.pass(Checkpoint::Carry)?;
        Ok(())
    }

    /// Returns okstra's decision from what the phases found.
    pub(crate) fn decision(&self) -> StageDecision {
        let found = &self.found.stage;
        let executor = found.executor.clone().unwrap_or(ExecutorEnd::Completed);
        let verifier = found.verifier.clone().unwrap_or_else(|| {
            VerifierOutcome::NotAsked("the verify phase did not run".to_owned())
        });
        let evidence = match &found.evidence {
            Some(record) => record.taken(),
            None => Err("the evidence phase did not run"),
        };
        decide_stage(&executor, evidence, &verifier)
    }

    /// Returns whether this run already wrote the stage's carry (a resumed run).
    fn carry_written(&self, path: &std::path::Path) -> Result<bool, RunError> {
        let Some(text) = read_optional(path)? else {
            return Ok(false);
        };
        Ok(CarrySidecar::parse(&text).is_ok_and(|c| c.run_id == self.manifest().run_id))
    }

    /// Returns the stage part of the report as the phases found it, with `carry` (absolute)
    /// written for a PASS.
    pub(crate) fn stage_report(
        &self,
        decision: &StageDecision,
        carry: Option<&PathBuf>,
    ) -> StageReport {
        let root = PathBuf::from(&self.manifest().project_root);
        let found = &self.found.stage;
        let stage = self.stage_run();
        let execution = found.execution.as_ref();
        let verifier = found.verifier.clone().unwrap_or_else(|| {
            VerifierOutcome::NotAsked("the verify phase did not run".to_owned())
        });
        let okstra_commits = execution
            .map(okstra_core::implementation::ExecutionRecord::okstra_commits)
            .unwrap_or_default();
        let evidence = match &found.evidence {
            Some(record) => record.taken(),
            None => Err("the evidence phase did not run"),
        };
        let plan = stage.map(|s| relative_to(&s.plan_path, &root).display().to_string());
        let carry = carry.map(|p| relative_to(p, &root).display().to_string());
        okstra_core::report::stage_report(&okstra_core::report::StageReportInput {
            stage: stage.map_or(0, |s| s.stage.get()),
            title: stage.map_or("", |s| s.plan_stage.title.as_str()),
            plan: plan.as_deref().unwrap_or(""),
            plan_run_id: &stage.map(|s| s.plan_run_id.to_string()).unwrap_or_default(),
            mode: stage.map_or("new", |s| s.mode.as_str()),
            executor: stage.map_or("", |s| s.executor.as_str()),
            execution: execution.map_or("skipped", |e| e.mode.as_str()),
            execution_reason: execution
                .and_then(|e| e.skipped.as_deref().or(e.mode_reason.as_deref())),
            branch: stage.and_then(|s| s.branch.as_deref()),
            evidence,
            okstra_commits: &okstra_commits,
            verifier: &verifier,
            decision,
            carry: carry.as_deref(),
        })
    }
}
