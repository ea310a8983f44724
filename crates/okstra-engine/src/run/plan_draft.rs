//! Owns the plan draft of an `implementation-planning` run (SPEC §4 step 7): the report writer
//! returns its narrative with the structured plan under the plan contract (schema, a `plan`,
//! the rules S2, S4–S10 and the option rules), re-dispatched once with every violation when it
//! fails them. A plan that still breaks rules after that is kept — the report lists its
//! violations and the gate is not run; a writer that gives no plan leaves the run without one.
//! Either fails the run (`persist`). The `plan-draft` checkpoint follows; on resume the
//! writer's finished answer is reused, never asked again.

use okstra_core::events::{Checkpoint, RunEvent};
use okstra_core::outcome::AnswerContract;

use super::imp::Run;
use super::summary::PlanOutcome;
use crate::errors::RunError;

impl Run {
    /// Asks the report writer for the plan and records what became of it.
    pub(crate) async fn plan_draft(&mut self) -> Result<(), RunError> {
        if self.interrupted() {
            return Ok(());
        }
        let answer = self.writer_answer(AnswerContract::Plan).await?;
        if self.interrupted() {
            // An interrupted writer is asked again on resume.
            return Ok(());
        }
        let outcome = match &answer.narrative {
            Ok(narrative) => match &narrative.plan {
                Some(plan) if answer.violations.is_empty() => PlanOutcome::Drafted {
                    items: plan.items().len(),
                },
                Some(plan) => PlanOutcome::BreaksRules {
                    items: plan.items().len(),
                    violations: answer.violations.clone(),
                },
                None => PlanOutcome::Missing {
                    reason: "the report writer's narrative has no plan".to_owned(),
                },
            },
            Err(why) => PlanOutcome::Missing {
                reason: why.to_string(),
            },
        };
        self.emit(&match &outcome {
            PlanOutcome::Missing { reason } => RunEvent::NoPlan {
                reason: reason.clone(),
            },
            PlanOutcome::BreaksRules { items, violations } => RunEvent::PlanDrafted {
                items: *items,
                violations: violations.len(),
            },
            PlanOutcome::Drafted { items } | PlanOutcome::Gated { items, .. } => {
                RunEvent::PlanDrafted {
                    items: *items,
                    violations: 0,
                }
            }
        });
        self.found.plan = Some(outcome);
        self.found.draft = Some(answer);
        self.pass(Checkpoint::PlanDraft)?;
        Ok(())
    }
}
