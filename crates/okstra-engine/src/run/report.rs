//! Owns the report phase (SPEC §4 step 8, §7.1): the report writer supplies only the
//! narrative — asked here, or, for a plan, the draft the plan-draft phase collected — and core
//! assembles the rest of the report data from okstra's own state, with a plan's gate; the
//! report files are written by the one report writer of `report_file`. An implementation run
//! asks no report writer: its report is `stage_report`'s.

use std::collections::BTreeMap;
use std::path::Path;

use jiff::Timestamp;
use okstra_core::events::{Checkpoint, RunEvent};
use okstra_core::outcome::AnswerContract;
use okstra_core::report::{
    Integrity, ReportInput, assemble_report, fallback_narrative, sha256_hex,
};
use okstra_core::status::WorkerStatus;
use okstra_core::tokens::TokenUsage;
use okstra_core::worker_name::Role;

use super::imp::Run;
use crate::errors::{PathError, RunError};
use crate::report_file::write_report;

impl Run {
    /// Writes and renders the report, with the report writer's narrative: the plan draft's,
    /// when the run drafted one, else asked now.
    pub(crate) async fn report(&mut self) -> Result<(), RunError> {
        if self.interrupted() {
            return Ok(());
        }
        if self.stage_run().is_some() {
            // An implementation run's report is okstra's own (`stage_report`).
            return self.report_stage();
        }
        if self.manifest().task_type == okstra_core::TaskType::ReleaseHandoff {
            // A hand-off's report is okstra's own (`handoff_report`).
            return self.report_handoff();
        }
        let answer = match self.found.draft.clone() {
            Some(draft) => draft,
            None => self.writer_answer(AnswerContract::Narrative).await?,
        };
        // As the run validator recomputes it: on what every worker used before the report —
        // the writer included only when it drafted a plan before the plan-body round.
        let budget_reached = self.settings.budget().reached(&self.tokens_before_report());
        self.found.budget_reached = budget_reached;
        let narrative = answer
            .narrative
            .unwrap_or_else(|why| fallback_narrative(&why, self.convergence().findings.len()));
        let integrity = self.integrity()?;
        let mut data = assemble_report(ReportInput {
            manifest: self.manifest(),
            language: self.settings.language.value,
            convergence: self.convergence(),
            team: self.team(),
            narrative,
            budget: self.settings.budget(),
            budget_reached,
            notes: answer.notes,
            integrity,
            plan_gate: self.found.gate.clone(),
            implementation: None,
            generated_at: Timestamp::now(),
        });
        // A final-verification run's verdict, as its record holds it.
        data.final_verification.clone_from(&self.found.fv.record);
        let md = write_report(&self.paths.report_data(), &data)?;
        self.emit(&RunEvent::Report {
            path: self.rel(&md),
        });
        self.pass(Checkpoint::Report)?;
        self.found.report = Some(md);
        Ok(())
    }

    /// Returns the tokens every worker used before the report: all but the report writer's,
    /// unless it answered already (a plan draft).
    fn tokens_before_report(&self) -> TokenUsage {
        let drafted = self.found.draft.is_some();
        self.team()
            .workers
            .iter()
            .filter(|w| drafted || w.role != Role::ReportWriter)
            .fold(TokenUsage::default(), |sum, w| sum.plus(&w.tokens()))
    }

    /// Returns the hashes of the convergence record and of every completed worker's result
    /// file, as they are now.
    pub(super) fn integrity(&self) -> Result<Integrity, RunError> {
        let root = Path::new(&self.manifest().project_root);
        let conv = self.paths.convergence();
        let convergence_sha256 = match fs_err::read(&conv) {
            Ok(bytes) => Some(sha256_hex(&bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(PathError::at(&conv)(e).into()),
        };
        let mut results = BTreeMap::new();
        for row in &self.team().workers {
            if row.status() != WorkerStatus::Completed {
                continue;
            }
            if let Some(rel) = row.result_path() {
                let path = root.join(rel);
                let bytes = fs_err::read(&path).map_err(PathError::at(&path))?;
                results.insert(rel.to_owned(), sha256_hex(&bytes));
            }
        }
        Ok(Integrity {
            convergence_sha256,
            results,
            state: BTreeMap::new(),
        })
    }
}
