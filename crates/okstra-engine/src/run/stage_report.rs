//! Owns the report phase of an implementation run (SPEC §7.1, §8): no report writer is asked —
//! okstra writes the whole report of the stage itself from what the phases found: the stage
//! part (commits, evidence, verdict, decision, carry), its notes, and a narrative that quotes
//! the executor's own account. The files are written by the one report writer of
//! `report_file`, with the hashes of the state files the report was made from.

use std::collections::BTreeMap;
use std::path::Path;

use jiff::Timestamp;
use okstra_core::events::{Checkpoint, RunEvent};
use okstra_core::findings::converge::ConvergenceState;
use okstra_core::report::{ReportInput, assemble_report, sha256_hex};

use super::imp::Run;
use crate::errors::{PathError, RunError};
use crate::report_file::write_report;

impl Run {
    /// Writes and renders the report of the stage.
    pub(crate) fn report_stage(&mut self) -> Result<(), RunError> {
        if self.interrupted() {
            return Ok(());
        }
        let decision = match self.found.stage.decision.clone() {
            Some(decision) => decision,
            None => self.decision(),
        };
        let stage = self.stage_report(&decision, self.found.stage.carry.as_ref());
        let account = self.found.stage.account.join("\n\n");
        let narrative = okstra_core::report::stage_narrative(&stage, Some(&account));
        let mut integrity = self.integrity()?;
        integrity.state = self.state_hashes()?;
        let budget = self.settings.budget();
        let budget_reached = budget.reached(&self.team().total_tokens());
        self.found.budget_reached = budget_reached;
        let convergence = ConvergenceState::new(
            self.manifest().run_id.to_string(),
            0,
            Vec::new(),
            Vec::new(),
        );
        let data = assemble_report(ReportInput {
            manifest: self.manifest(),
            language: self.settings.language.value,
            convergence: &convergence,
            team: self.team(),
            narrative,
            budget,
            budget_reached,
            notes: Vec::new(),
            integrity,
            plan_gate: None,
            implementation: Some(stage),
            generated_at: Timestamp::now(),
        });
        let md = write_report(&self.paths.report_data(), &data)?;
        self.emit(&RunEvent::Report {
            path: self.rel(&md),
        });
        self.pass(Checkpoint::Report)?;
        self.found.report = Some(md);
        Ok(())
    }

    /// Returns the hashes of the run's evidence and execution records, by their path relative
    /// to the project root.
    fn state_hashes(&self) -> Result<BTreeMap<String, String>, RunError> {
        let mut out = BTreeMap::new();
        for path in [self.paths.evidence(), self.paths.execution()] {
            match fs_err::read(&path) {
                Ok(bytes) => {
                    out.insert(self.rel(Path::new(&path)), sha256_hex(&bytes));
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(PathError::at(&path)(e).into()),
            }
        }
        Ok(out)
    }
}
