//! Owns the bookkeeping check of a report (SPEC §7.1, §7.4): every field okstra fills itself —
//! frontmatter, findings with their classes and verdicts, class counts, the worker table,
//! rounds, tokens, budget and critic notes, okstra's own notes, the replay mark — is assembled
//! again from the run's own state files and compared with the report, field by field. Only the
//! report writer's narrative, the integrity record, the time it was made, the approval (which
//! `okstra approve` changes) and a final verification's verdict (checked against its own record)
//! are taken from the report as they are.

use serde_json::Value;

use super::assemble::{ReportInput, assemble_report};
use super::data::ReportData;
use crate::budget::Budget;
use crate::findings::converge::ConvergenceState;
use crate::manifest::RunManifest;
use crate::status::WorkerStatus;
use crate::team_state::TeamState;
use crate::worker_name::Role;

/// One field of a report that differs from what the run's state files give.
#[derive(Clone, Debug, PartialEq)]
pub struct BookkeepingDiff {
    /// The JSON pointer of the field, e.g. `/classCounts/fullConsensus`.
    pub pointer: String,
    pub found: Value,
    pub expected: Value,
}

/// Returns the note a report carries when its writer gave no narrative.
pub fn report_writer_note(status: WorkerStatus, reason: Option<&str>) -> String {
    format!(
        "the report writer ended {status}: {}",
        reason.unwrap_or("no answer")
    )
}

/// Returns every field of `report` okstra fills itself that differs from what `manifest`,
/// `convergence` and `team` give.
pub fn bookkeeping_differences(
    report: &ReportData,
    manifest: &RunManifest,
    convergence: &ConvergenceState,
    team: &TeamState,
) -> Vec<BookkeepingDiff> {
    let recipe = manifest.recipe.as_ref();
    let budget = recipe.map_or(
        Budget {
            max_tokens: report.budget.as_ref().and_then(|b| b.max_tokens),
            max_cost_usd: report.budget.as_ref().and_then(|b| b.max_cost_usd),
        },
        |r| Budget {
            max_tokens: r.max_tokens,
            max_cost_usd: r.max_cost_usd,
        },
    );
    // The budget is checked as the report is made: on what every worker used before — all
    // but the report writer, which answers for the report, except in a planning run, whose
    // writer drafted the plan before the plan-body round.
    let writer = team.workers.iter().find(|w| w.role == Role::ReportWriter);
    let planning = manifest.task_type == crate::TaskType::ImplementationPlanning;
    let before_writer = team
        .workers
        .iter()
        .filter(|w| planning || w.role != Role::ReportWriter)
        .fold(crate::tokens::TokenUsage::default(), |sum, w| {
            sum.plus(&w.tokens())
        });
    let notes = writer
        .and_then(|w| w.attempts.last())
        .filter(|last| last.status != WorkerStatus::Completed)
        .map(|last| report_writer_note(last.status, last.reason.as_deref()))
        .into_iter()
        .collect();
    let mut expected = assemble_report(ReportInput {
        manifest,
        language: recipe.map_or(report.frontmatter.language, |r| r.language),
        convergence,
        team,
        narrative: report.narrative.clone(),
        budget,
        budget_reached: budget.reached(&before_writer),
        notes,
        integrity: report.integrity.clone(),
        plan_gate: report.plan_gate.clone(),
        implementation: report.implementation.clone(),
        generated_at: report.frontmatter.generated_at,
    });
    expected.frontmatter.approved = report.frontmatter.approved;
    expected.approval.clone_from(&report.approval);
    // A final verification's verdict is checked against its own record (the run validator).
    expected
        .final_verification
        .clone_from(&report.final_verification);
    let (Ok(found), Ok(expected)) = (
        serde_json::to_value(report),
        serde_json::to_value(&expected),
    ) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    differences("", &found, &expected, &mut out);
    out
}

/// Collects the pointers at which `found` and `expected` differ: the deepest object field that
/// differs, or the whole array when their lengths differ.
fn differences(at: &str, found: &Value, expected: &Value, out: &mut Vec<BookkeepingDiff>) {
    match (found, expected) {
        (Value::Object(f), Value::Object(e)) => {
            let mut keys: Vec<&String> = f.keys().chain(e.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let pointer = format!("{at}/{key}");
                match (f.get(key), e.get(key)) {
                    (Some(fv), Some(ev)) => differences(&pointer, fv, ev, out),
                    (fv, ev) => out.push(BookkeepingDiff {
                        pointer,
                        found: fv.cloned().unwrap_or(Value::Null),
                        expected: ev.cloned().unwrap_or(Value::Null),
                    }),
                }
            }
        }
        (Value::Array(f), Value::Array(e)) if f.len() == e.len() => {
            for (i, (fv, ev)) in f.iter().zip(e).enumerate() {
                differences(&format!("{at}/{i}"), fv, ev, out);
            }
        }
        (f, e) if f != e => out.push(BookkeepingDiff {
            pointer: if at.is_empty() {
                "/".to_owned()
            } else {
                at.to_owned()
            },
            found: f.clone(),
            expected: e.clone(),
        }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::ConsensusClass;

    fn fixture() -> (ReportData, RunManifest, ConvergenceState, TeamState) {
        let (data, manifest, state, team) =
            crate::report::fixture::scripted_run(crate::TaskType::ErrorAnalysis);
        (data, manifest, state, team)
    }

    #[test]
    fn a_report_made_by_okstra_has_no_difference() {
        let (data, manifest, state, team) = fixture();
        assert_eq!(
            bookkeeping_differences(&data, &manifest, &state, &team),
            Vec::new()
        );
    }

    #[test]
    fn every_hand_edited_field_is_named() {
        let (mut data, manifest, state, team) = fixture();
        data.class_counts.full_consensus = 99;
        data.class_counts.disputed = 99;
        data.frontmatter.replay = false;
        data.workers[1].status = WorkerStatus::Timeout;
        data.findings[0].class = ConsensusClass::Disputed;
        data.tokens.total.output = Some(1);
        data.notes.push("all good".into());
        // What an LLM wrote, and the approval, are not bookkeeping.
        data.narrative.summary = "edited".into();
        let pointers: Vec<String> = bookkeeping_differences(&data, &manifest, &state, &team)
            .into_iter()
            .map(|d| d.pointer)
            .collect();
        assert_eq!(
            pointers,
            [
                "/classCounts/disputed",
                "/classCounts/fullConsensus",
                "/findings/0/class",
                "/frontmatter/replay",
                "/notes",
                "/tokens/total/output",
                "/workers/1/status",
            ]
        );
    }
}
