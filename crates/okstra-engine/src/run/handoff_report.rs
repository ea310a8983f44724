//! Owns a release-handoff run's report: okstra's own, from the hand-off phase — the writer's
//! summary and risks as its narrative, the hand-off (PR title and body, template, verified
//! head, push and PR) as its `handoff` part, and the hashes of the final-verification record
//! and of the PR body it rests on, so the run validator notices a later change.

use jiff::Timestamp;
use okstra_core::events::{Checkpoint, RunEvent};
use okstra_core::findings::converge::ConvergenceState;
use okstra_core::report::{Narrative, ReportInput, assemble_report};

use super::imp::Run;
use crate::errors::RunError;
use crate::report_file::write_report;

impl Run {
    /// Writes and renders the report of the hand-off.
    pub(crate) fn report_handoff(&mut self) -> Result<(), RunError> {
        if self.interrupted() {
            return Ok(());
        }
        let found = self.found.handoff.clone();
        let narrative = match (&found.block, &found.report) {
            (Some(block), Some(report)) => {
                let mut analysis = format!(
                    "The PR body is `{}` (template: {}).",
                    report.pr_body_path, report.template
                );
                for change in &block.changes {
                    analysis.push_str(&format!("\n\n- {change}"));
                }
                Narrative {
                    summary: block.summary.clone(),
                    analysis,
                    recommendations: block.risks.clone(),
                    ..Narrative::default()
                }
            }
            _ => Narrative {
                summary: "No PR body was written.".to_owned(),
                ..Narrative::default()
            },
        };
        let mut integrity = self.integrity()?;
        if let Some((rel, sha)) = &found.record {
            integrity.state.insert(rel.clone(), sha.clone());
        }
        if let Some(report) = &found.report {
            integrity
                .state
                .insert(report.pr_body_path.clone(), report.pr_body_sha256.clone());
        }
        let budget = self.settings.budget();
        let budget_reached = budget.reached(&self.team().total_tokens());
        self.found.budget_reached = budget_reached;
        let convergence = ConvergenceState::new(
            self.manifest().run_id.to_string(),
            0,
            Vec::new(),
            Vec::new(),
        );
        let mut data = assemble_report(ReportInput {
            manifest: self.manifest(),
            language: self.settings.language.value,
            convergence: &convergence,
            team: self.team(),
            narrative,
            budget,
            budget_reached,
            notes: found.notes.clone(),
            integrity,
            plan_gate: None,
            implementation: None,
            generated_at: Timestamp::now(),
        });
        data.handoff = found.report;
        let md = write_report(&self.paths.report_data(), &data)?;
        self.emit(&RunEvent::Report {
            path: self.rel(&md),
        });
        self.pass(Checkpoint::Report)?;
        self.found.report = Some(md);
        Ok(())
    }
}
