//! Owns the plan-body verification gate of an `implementation-planning` run (SPEC §7.3): once
//! the drafted plan passed its rules, its `P-` items go in one round (`RoundTag::PlanBody`,
//! artifacts `-pbv`) to every analyser that completed round 0 — never the report writer — under
//! the plan-verdicts contract; core decides the gate from their answers. The record is written
//! to `state/plan-body-verification-<seq>.json` and copied to `state/plan-body-verification.json`
//! (both atomically), then the `plan-body-verification` checkpoint passes. A resumed run whose
//! gate was recorded reads it back; one killed during the round reuses every finished answer.
//! A reached budget starts no round: nobody answers, so the gate is `aborted-non-result`.

use std::collections::BTreeMap;

use okstra_core::config::Language;
use okstra_core::document::parse_versioned;
use okstra_core::events::{Checkpoint, GateSummary, RunEvent};
use okstra_core::outcome::AnswerContract;
use okstra_core::plan::answer::check_plan_verdicts_answer;
use okstra_core::plan::{
    GateAnswer, PLAN_BODY_VERIFICATION_KIND, PlanBody, PlanBodyVerification, PlanGate, PlanItem,
    decide_gate, render_plan_markdown,
};
use okstra_core::prompt::{ContextSection, PLAN_BODY_PROFILE};
use okstra_core::run_paths::RoundTag;
use okstra_core::status::WorkerStatus;

use super::imp::Run;
use super::prompts::PromptKind;
use super::summary::PlanOutcome;
use crate::errors::{RunError, StoreError};
use crate::fs_atomic::{read_optional, write_json};

impl Run {
    /// Runs the gate over the drafted plan, unless the plan was not drafted or breaks rules.
    pub(crate) async fn plan_body(&mut self) -> Result<(), RunError> {
        if self.interrupted() || !matches!(self.found.plan, Some(PlanOutcome::Drafted { .. })) {
            return Ok(());
        }
        let Some(plan) = self
            .found
            .draft
            .as_ref()
            .and_then(|d| d.narrative.as_ref().ok())
            .and_then(|n| n.plan.clone())
        else {
            return Ok(());
        };
        let items = plan.items();
        let gate = if let Some(gate) = self.recorded_gate()? {
            gate
        } else {
            let gate = self.gate_round(&plan, &items).await?;
            if self.interrupted() {
                // Its interrupted workers answer on resume; no gate is recorded before.
                return Ok(());
            }
            let record = PlanBodyVerification::new(
                self.manifest().run_id.to_string(),
                self.manifest().run_seq.get(),
                gate.clone(),
            );
            write_json(&self.paths.plan_body_verification_record(), &record)?;
            write_json(&self.paths.plan_body_verification(), &record)?;
            gate
        };
        self.emit(&RunEvent::PlanGate(GateSummary::of(&gate)));
        self.found.plan = Some(PlanOutcome::Gated {
            items: items.len(),
            gate: gate.clone(),
        });
        self.found.gate = Some(gate);
        self.pass(Checkpoint::PlanBody)?;
        Ok(())
    }

    /// Returns the gate this run recorded before it was killed, once its checkpoint passed.
    fn recorded_gate(&self) -> Result<Option<PlanGate>, RunError> {
        if !self.manifest().passed(Checkpoint::PlanBody) {
            return Ok(None);
        }
        let path = self.paths.plan_body_verification_record();
        let Some(text) = read_optional(&path)? else {
            return Ok(None);
        };
        let record: PlanBodyVerification = parse_versioned(&text, PLAN_BODY_VERIFICATION_KIND)
            .map_err(|source| StoreError::Invalid { path, source })?;
        Ok(Some(record.gate))
    }

    /// Runs the round and returns the gate its answers give.
    async fn gate_round(
        &mut self,
        plan: &PlanBody,
        items: &[PlanItem],
    ) -> Result<PlanGate, RunError> {
        let asked: Vec<String> = self
            .found
            .analysis
            .iter()
            .filter(|r| r.status == WorkerStatus::Completed)
            .map(|r| r.worker.to_string())
            .collect();
        let mut answers = BTreeMap::new();
        if let Some(reached) = self.settings.budget().reached(&self.team().total_tokens()) {
            self.emit(&RunEvent::Budget { reached });
            for worker in &asked {
                answers.insert(
                    worker.clone(),
                    GateAnswer::Failed(format!("not asked: budget reached: {reached}")),
                );
            }
            return Ok(decide_gate(items, &asked, &answers));
        }
        let count = u32::try_from(items.len()).unwrap_or(u32::MAX);
        let kind = PromptKind {
            title: "Plan-body verification",
            profile: PLAN_BODY_PROFILE,
            contract: AnswerContract::PlanVerdicts { items: count },
        };
        let context = vec![
            self.context_section(),
            ContextSection {
                title: "The plan".to_owned(),
                body: plan_text(plan, self.settings.language.value),
            },
            ContextSection {
                title: "Plan items to verify".to_owned(),
                body: items_list(items),
            },
        ];
        let workers = asked
            .iter()
            .filter_map(|w| self.roster.analyser(w))
            .map(|entry| self.planned(entry, RoundTag::PlanBody, kind, &context))
            .collect::<Result<Vec<_>, _>>()?;
        self.emit(&RunEvent::PlanBodyRound {
            items: items.len(),
            analysers: workers.len(),
        });
        for r in self.dispatch(workers).await? {
            let answer = match (r.status, r.text.as_deref()) {
                (WorkerStatus::Completed, Some(text)) => {
                    match check_plan_verdicts_answer(text, count) {
                        Ok(verdicts) => GateAnswer::Answered(verdicts),
                        Err(e) => GateAnswer::Failed(format!("{}: {e}", r.status)),
                    }
                }
                (status, _) => GateAnswer::Failed(format!(
                    "{status}: {}",
                    r.reason.as_deref().unwrap_or("no answer")
                )),
            };
            answers.insert(r.worker.to_string(), answer);
        }
        self.save_team()?;
        Ok(decide_gate(items, &asked, &answers))
    }
}

/// Returns the plan as the analysers read it: the markdown of the report's section 5, in the
/// report's language; its JSON should the renderer fail (a bug in a shipped catalog).
fn plan_text(plan: &PlanBody, language: Language) -> String {
    render_plan_markdown(plan, language).unwrap_or_else(|_| {
        let json = serde_json::to_string_pretty(plan).unwrap_or_default();
        format!("```json\n{json}\n```")
    })
}

/// Returns the `P-` items, one per line: `- P-3 (stage 1) Stage 1: …`.
fn items_list(items: &[PlanItem]) -> String {
    items
        .iter()
        .map(|i| format!("- {} ({} {}) {}", i.id, i.kind.as_str(), i.number, i.title))
        .collect::<Vec<_>>()
        .join("\n")
}
