//! Owns the verdict phase of a final-verification run (SPEC §3, issue 12): okstra's verdict
//! decided by core (`decide_final_verdict`) from what okstra merged and ran and what
//! convergence classed — never from what a verifier concluded — and recorded with the head it
//! is about as `state/final-verification-<seq>.json`, which the report carries and
//! release-handoff reads. An interrupted run records no verdict.

use std::fmt::Write as _;

use okstra_core::events::RunEvent;
use okstra_core::final_verification::{
    FinalVerificationRecord, VerdictInputs, WeighedFinding, decide_final_verdict,
};
use okstra_core::prompt::ContextSection;

use super::imp::Run;
use crate::errors::RunError;
use crate::fs_atomic::write_json;

impl Run {
    /// Decides the verdict and writes the record.
    pub(crate) fn fv_verdict(&mut self) -> Result<(), RunError> {
        if self.interrupted() {
            return Ok(());
        }
        let asked: Vec<String> = if self.found.fv.conflict.is_some() {
            Vec::new()
        } else {
            self.roster
                .analysers
                .iter()
                .map(|e| e.worker.to_string())
                .collect()
        };
        let state = self.convergence();
        let answered = state.analysers.clone();
        let classes = state.compute_classes();
        let findings: Vec<WeighedFinding<'_>> = state
            .findings
            .iter()
            .filter_map(|f| {
                Some(WeighedFinding {
                    id: &f.id,
                    title: &f.title,
                    severity: f.severity,
                    class: *classes.get(&f.id)?,
                })
            })
            .collect();
        let fv = &self.found.fv;
        let outcome = decide_final_verdict(&VerdictInputs {
            conflict: fv.conflict.as_ref(),
            asked: &asked,
            answered: &answered,
            commands: &fv.commands,
            findings: &findings,
        });
        let m = self.manifest();
        let record = FinalVerificationRecord {
            schema_version: FinalVerificationRecord::current_schema_version(),
            run_id: m.run_id.to_string(),
            run_seq: m.run_seq.get(),
            plan_run_id: fv
                .ready
                .as_ref()
                .map(|r| r.plan.run_id.to_string())
                .unwrap_or_default(),
            task_branch: fv.task_branch.clone().unwrap_or_default(),
            anchor: m.worktree.anchor_base_commit.clone().unwrap_or_default(),
            verified_head: fv.head.clone().unwrap_or_default(),
            verdict: outcome.verdict,
            reasons: outcome.reasons,
            warnings: outcome.warnings,
            stages: fv.merged.clone(),
            commands: fv.commands.clone(),
            verifiers_asked: asked,
            verifiers_answered: answered,
        };
        write_json(&self.paths.final_verification_record(), &record)?;
        self.emit(&RunEvent::FvVerdict {
            verdict: record.verdict,
            reasons: record.reasons.len(),
        });
        self.found.fv.record = Some(record);
        Ok(())
    }
}

/// Returns the report writer's section on okstra's verdict: the verdict is decided; the
/// narrative explains it and states no other.
pub(crate) fn verdict_section(record: &FinalVerificationRecord) -> ContextSection {
    let mut body = format!(
        "okstra decided the verdict: **{}** (head {}). Your summary and analysis explain this \
         verdict from the findings and okstra's commands; they never state another one.\n",
        record.verdict, record.verified_head
    );
    for reason in &record.reasons {
        let _ = writeln!(body, "- reason: {reason}");
    }
    for warning in &record.warnings {
        let _ = writeln!(body, "- warning: {warning}");
    }
    ContextSection {
        title: "okstra's verdict".to_owned(),
        body,
    }
}
