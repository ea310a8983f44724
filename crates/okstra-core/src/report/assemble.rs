//! Owns assembling a report's data from okstra's own state (SPEC §7.1): the frontmatter from
//! the manifest, the findings with their classes and verdicts from the convergence record, the
//! worker table and token figures from team state, the rounds, the budget and critic notes —
//! plus the one part an LLM supplies, the narrative. No model can alter the bookkeeping,
//! because none of it is taken from a model's answer.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::data::{
    BudgetNote, ClassCounts, CriticNote, Integrity, Narrative, ReportData, ReportFinding,
    ReportFrontmatter, ReportRound, ReportTokens, ReportVerdict, ReportWorker,
};
use crate::budget::{Budget, BudgetReached};
use crate::config::Language;
use crate::findings::converge::ConvergenceState;
use crate::findings::{ConsensusClass, Verdict};
use crate::manifest::RunManifest;
use crate::plan::check::check_plan_body;
use crate::plan::gate::PlanGate;
use crate::report::implementation::StageReport;
use crate::task_type::TaskType;
use crate::team_state::TeamState;

/// Everything a report is made from.
#[derive(Clone, Debug)]
pub struct ReportInput<'a> {
    pub manifest: &'a RunManifest,
    pub language: Language,
    pub convergence: &'a ConvergenceState,
    pub team: &'a TeamState,
    /// The report writer's part (or okstra's own, when no writer answered).
    pub narrative: Narrative,
    pub budget: Budget,
    /// Whether the budget was reached when the report was written.
    pub budget_reached: Option<BudgetReached>,
    /// Notes okstra adds (why the report writer did not answer …).
    pub notes: Vec<String>,
    /// Hashes of the records the report is made from.
    pub integrity: Integrity,
    /// The plan-body verification gate of a plan, when it ran.
    pub plan_gate: Option<PlanGate>,
    /// The stage of an implementation run.
    pub implementation: Option<StageReport>,
    pub generated_at: Timestamp,
}

/// Returns the note on how many analysers took part, when it limits what the classes mean.
fn participation_note(state: &ConvergenceState) -> Option<String> {
    match (state.analysers.as_slice(), state.participants().len()) {
        ([only], _) => Some(format!(
            "only one analyser answered ({only}): nothing can be a consensus, so every finding \
             is worker-unique"
        )),
        (_, 1) => Some(
            "only one analyser took part in convergence (the others were skipped after a \
             verification error): nothing can be a consensus"
                .to_owned(),
        ),
        _ => None,
    }
}

/// Returns the notes on the rules a plan breaks (S2, S4–S10, options; positions as pointers
/// into the data.json): one saying what it means, then one per violation. None for a plan that
/// breaks no rule, or a report with no structured plan.
pub fn plan_notes(narrative: &Narrative, gate: Option<&PlanGate>) -> Vec<String> {
    let Some(plan) = &narrative.plan else {
        return Vec::new();
    };
    let violations = check_plan_body(plan, "/narrative/plan");
    if violations.is_empty() {
        return Vec::new();
    }
    let n = violations.len();
    let mut notes = vec![format!(
        "the plan breaks {n} {} after the report writer's one re-dispatch, so it cannot be \
         approved{}",
        if n == 1 { "rule" } else { "rules" },
        if gate.is_none() {
            "; the plan-body verification gate was not run"
        } else {
            ""
        }
    )];
    notes.extend(
        violations
            .iter()
            .map(|v| format!("plan rule {} at {}: {}", v.rule, v.at, v.message)),
    );
    notes
}

/// Returns why a run stopped starting rounds or workers early, if it did: what the convergence
/// record says, else the budget reached when the report was written.
pub fn stop_reason(
    state: &ConvergenceState,
    budget_reached: Option<BudgetReached>,
) -> Option<String> {
    state
        .stopped
        .clone()
        .or_else(|| budget_reached.map(|r| format!("budget reached: {r}")))
}

/// Returns the report data of a run.
pub fn assemble_report(input: ReportInput<'_>) -> ReportData {
    let state = input.convergence;
    let classes = state.compute_classes();
    let latest = state.latest_answers();
    let mut verdicts: BTreeMap<&str, Vec<ReportVerdict>> = BTreeMap::new();
    for round in &state.rounds {
        for (worker, items) in &round.answers {
            let sent = round.sent.get(worker);
            for item in items {
                if sent.is_some_and(|s| s.contains(&item.finding_id)) {
                    verdicts
                        .entry(item.finding_id.as_str())
                        .or_default()
                        .push(ReportVerdict {
                            worker: worker.clone(),
                            round: round.round,
                            verdict: item.verdict,
                            reason: item.reason.clone(),
                        });
                }
            }
        }
    }
    let findings: Vec<ReportFinding> = state
        .findings
        .iter()
        .map(|f| {
            let mine = latest.get(f.id.as_str());
            let by = |v: Verdict| -> Vec<String> {
                mine.map(|m| {
                    m.iter()
                        .filter(|(_, a)| a.verdict == v)
                        .map(|(w, _)| (*w).to_owned())
                        .collect()
                })
                .unwrap_or_default()
            };
            ReportFinding {
                id: f.id.clone(),
                title: f.title.clone(),
                severity: f.severity,
                class: classes
                    .get(&f.id)
                    .copied()
                    .unwrap_or(ConsensusClass::WorkerUnique),
                claim: f.claim.clone(),
                reasoning: f.reasoning.clone(),
                evidence: f.evidence.clone(),
                authors: f.authors.clone(),
                sources: f.sources.clone(),
                agreed_by: by(Verdict::Agree),
                disagreed_by: by(Verdict::Disagree),
                unsure_by: by(Verdict::Unsure),
                verdicts: verdicts.remove(f.id.as_str()).unwrap_or_default(),
                round: f.round,
            }
        })
        .collect();
    let workers = input
        .team
        .workers
        .iter()
        .map(|w| ReportWorker {
            worker: w.worker.to_string(),
            kind: w.kind,
            role: w.role,
            model: w.model.clone(),
            round: w.round,
            status: w.status(),
            reason: w.reason().map(str::to_owned),
            attempts: w.attempt_count(),
            duration_ms: w.duration_ms(),
            tokens: w.tokens(),
            replay: w.replay,
        })
        .collect();
    let rounds = state
        .rounds
        .iter()
        .enumerate()
        .map(|(i, r)| ReportRound {
            round: r.round,
            queue: r.queue.clone(),
            answered_by: r.answers.keys().cloned().collect(),
            skipped_workers: state.skipped_workers_after(i + 1),
            tokens: r.tokens,
        })
        .collect();
    let stopped = state
        .stopped
        .clone()
        .or_else(|| input.budget_reached.map(|r| format!("budget reached: {r}")));
    let budget = input.budget.is_set().then(|| BudgetNote {
        max_tokens: input.budget.max_tokens,
        max_cost_usd: input.budget.max_cost_usd,
        reached: stopped.is_some(),
        message: stopped.clone().map_or_else(
            || "the budget was not reached".to_owned(),
            |s| {
                format!(
                    "{s}; okstra started no further round or worker and finished the report \
                     with what it had"
                )
            },
        ),
    });
    let critic = state.critic.as_ref().map(|c| CriticNote {
        provider: c.provider.clone(),
        gaps: u32::try_from(c.gaps.len()).unwrap_or(u32::MAX),
    });
    let mut notes: Vec<String> = participation_note(state).into_iter().collect();
    notes.extend(input.notes);
    if input.manifest.task_type == TaskType::ImplementationPlanning {
        notes.extend(plan_notes(&input.narrative, input.plan_gate.as_ref()));
    }
    if let Some(stage) = &input.implementation {
        notes.extend(stage.notes());
    }
    let m = input.manifest;
    ReportData {
        schema_version: ReportData::current_schema_version(),
        frontmatter: ReportFrontmatter {
            task_key: m.task_key().to_string(),
            task_type: m.task_type,
            run_id: m.run_id.to_string(),
            run_seq: m.run_seq.get(),
            stage: m.stage.map(crate::ids::Stage::get),
            language: input.language,
            approved: (m.task_type == TaskType::ImplementationPlanning).then_some(false),
            generated_at: input.generated_at,
            replay: m.replay,
        },
        narrative: input.narrative,
        class_counts: ClassCounts::from_findings(&findings),
        findings,
        workers,
        rounds,
        tokens: ReportTokens {
            total: input.team.total_tokens(),
        },
        budget,
        critic,
        plan_gate: input.plan_gate,
        implementation: input.implementation,
        handoff: None,
        final_verification: None,
        approval: None,
        notes,
        integrity: input.integrity,
    }
}

#[cfg(test)]
mod tests;
