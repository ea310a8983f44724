//! Owns asking the report writer for its narrative (SPEC §7.1) under a contract — the plain
//! narrative of a report, or the narrative with the structured plan of a planning run (SPEC §4
//! step 7) — unless the budget is reached or no analyser completed, in which case it is not
//! asked and the answer says why. The report and plan-draft phases both call it.

use okstra_core::config::Language;
use okstra_core::events::RunEvent;
use okstra_core::findings::present::render_converged;
use okstra_core::outcome::AnswerContract;
use okstra_core::plan::Violation;
use okstra_core::plan::answer::parse_plan_narrative;
use okstra_core::prompt::{ContextSection, REPORT_WRITER_PROFILE};
use okstra_core::report::{Narrative, NoNarrative, parse_narrative};
use okstra_core::run_paths::RoundTag;
use okstra_core::status::WorkerStatus;

use super::found::WriterAnswer;
use super::imp::Run;
use super::prompts::PromptKind;
use crate::errors::RunError;

impl Run {
    /// Asks the report writer for its narrative under `contract` (`Narrative` or `Plan`),
    /// unless the budget is reached (said with a `budget` event) or no analyser completed.
    pub(crate) async fn writer_answer(
        &mut self,
        contract: AnswerContract,
    ) -> Result<WriterAnswer, RunError> {
        let mut answer = WriterAnswer {
            narrative: Err(NoNarrative::WriterDidNotRun),
            notes: Vec::new(),
            violations: Vec::new(),
        };
        if let Some(reached) = self.settings.budget().reached(&self.team().total_tokens()) {
            self.emit(&RunEvent::Budget { reached });
            answer.narrative = Err(NoNarrative::BudgetReached(reached));
        } else if !self.any_analyser_completed() {
            answer.narrative = Err(NoNarrative::NoAnalyserCompleted {
                writer: self.settings.report_writer.value.clone(),
            });
        } else {
            match self.ask_report_writer(contract).await? {
                Ok((narrative, violations)) => {
                    answer.narrative = Ok(narrative);
                    answer.violations = violations;
                }
                Err(why) => {
                    // The one reason the run's team state also records (the writer's status).
                    if let NoNarrative::WriterFailed { .. } = &why {
                        answer.notes.push(why.to_string());
                    }
                    answer.narrative = Err(why);
                }
            }
        }
        Ok(answer)
    }

    /// Asks the report writer; `Err` says why it gave no usable answer.
    async fn ask_report_writer(
        &mut self,
        contract: AnswerContract,
    ) -> Result<Result<(Narrative, Vec<Violation>), NoNarrative>, RunError> {
        let language = self.settings.language.value;
        let mut context = vec![
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
        if let Some(record) = &self.found.fv.record {
            // A final verification's verdict is okstra's: the narrative explains it.
            context.push(super::fv_verdict::verdict_section(record));
        }
        let kind = PromptKind {
            title: "Report writer",
            profile: REPORT_WRITER_PROFILE,
            contract,
        };
        let writer = self.roster.report_writer.clone();
        let worker = self.planned(&writer, RoundTag::Round(0), kind, &context)?;
        let results = self.dispatch(vec![worker]).await?;
        let Some(r) = results.first() else {
            return Ok(Err(NoNarrative::WriterDidNotRun));
        };
        let failed = || NoNarrative::WriterFailed {
            status: r.status,
            reason: r.reason.clone(),
        };
        let (WorkerStatus::Completed, Some(text)) = (r.status, r.text.as_deref()) else {
            return Ok(Err(failed()));
        };
        // The dispatcher kept this answer only because its contract accepted it; a parse that
        // fails here anyway is the writer's failure, never a panic.
        Ok(match contract {
            AnswerContract::Plan => parse_plan_narrative(text).map_err(|_| failed()),
            _ => parse_narrative(text)
                .map(|n| (n, Vec::new()))
                .map_err(|_| failed()),
        })
    }
}
