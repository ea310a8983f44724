//! Owns the report phase (SPEC §4 step 8, §7.1): the report writer supplies only the
//! narrative; core assembles the rest of the report data from okstra's own state; the report
//! files are written by the one report writer of `report_file`.

use std::collections::BTreeMap;
use std::path::Path;

use jiff::Timestamp;
use okstra_core::config::Language;
use okstra_core::events::{Checkpoint, RunEvent};
use okstra_core::findings::present::render_converged;
use okstra_core::outcome::AnswerContract;
use okstra_core::prompt::{ContextSection, REPORT_WRITER_PROFILE};
use okstra_core::report::{
    Integrity, Narrative, NoNarrative, ReportInput, assemble_report, fallback_narrative,
    parse_narrative, sha256_hex,
};
use okstra_core::run_paths::RoundTag;
use okstra_core::status::WorkerStatus;

use super::imp::Run;
use super::prompts::PromptKind;
use crate::errors::{PathError, RunError};
use crate::report_file::write_report;

impl Run {
    /// Runs the report writer, then writes and renders the report.
    pub(crate) async fn report(&mut self) -> Result<(), RunError> {
        if self.interrupted() {
            return Ok(());
        }
        let mut notes = Vec::new();
        let budget_reached = self.settings.budget().reached(&self.team().total_tokens());
        self.found.budget_reached = budget_reached;
        let answer = if let Some(reached) = budget_reached {
            self.emit(&RunEvent::Budget { reached });
            Err(NoNarrative::BudgetReached(reached))
        } else if !self.any_analyser_completed() {
            Err(NoNarrative::NoAnalyserCompleted {
                writer: self.settings.report_writer.value.clone(),
            })
        } else {
            let answer = self.ask_report_writer().await?;
            // The one reason the run's team state also records (the writer's own status).
            if let Err(failed @ NoNarrative::WriterFailed { .. }) = &answer {
                notes.push(failed.to_string());
            }
            answer
        };
        let narrative = answer
            .unwrap_or_else(|why| fallback_narrative(&why, self.convergence().findings.len()));
        let integrity = self.integrity()?;
        let data = assemble_report(ReportInput {
            manifest: self.manifest(),
            language: self.settings.language.value,
            convergence: self.convergence(),
            team: self.team(),
            narrative,
            budget: self.settings.budget(),
            budget_reached,
            notes,
            integrity,
            plan_gate: None,
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

    /// Asks the report writer for the narrative; `Err` says why it gave none.
    async fn ask_report_writer(&mut self) -> Result<Result<Narrative, NoNarrative>, RunError> {
        let language = self.settings.language.value;
        let context = vec![
            ContextSection {
                title: "Report language".to_owned(),
                body: format!(
                    "Write in {} ({}).",
                    match language {
                        Language::En => "English",
                        Language::Ko => "Korean",
                    },
                    language.as_str()
                ),
            },
            ContextSection {
                title: "Converged findings".to_owned(),
                body: render_converged(self.convergence()),
            },
        ];
        let kind = PromptKind {
            title: "Report writer",
            profile: REPORT_WRITER_PROFILE,
            contract: AnswerContract::Narrative,
        };
        let writer = self.roster.report_writer.clone();
        let worker = self.planned(&writer, RoundTag::Round(0), kind, &context)?;
        let results = self.dispatch(vec![worker]).await?;
        let Some(r) = results.first() else {
            return Ok(Err(NoNarrative::WriterDidNotRun));
        };
        Ok(match r.text.as_deref().map(parse_narrative) {
            Some(Ok(narrative)) if r.status == WorkerStatus::Completed => Ok(narrative),
            _ => Err(NoNarrative::WriterFailed {
                status: r.status,
                reason: r.reason.clone(),
            }),
        })
    }

    /// Returns the hashes of the convergence record and of every completed worker's result
    /// file, as they are now.
    fn integrity(&self) -> Result<Integrity, RunError> {
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
        })
    }
}
