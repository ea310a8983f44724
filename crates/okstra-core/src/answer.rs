//! Owns why a worker's final answer is refused: [`AnswerError`], the one error over every
//! contract check — findings and verdicts blocks (`findings::check`), the report writer's
//! narrative (`report`), the answers about a plan (`plan::answer`), a stage verifier's
//! verdict (`implementation`) and the hand-off writer's block (`handoff`). Its text is what
//! the one re-dispatch appends under `## Rejected answer`.
//!
//! The checks themselves live with what they check; this file only gathers their errors, so
//! that findings never know about plans.

use thiserror::Error;

use crate::findings::check::FindingsAnswerError;
use crate::findings::contract::ContractError;
use crate::handoff::HandoffAnswerError;
use crate::implementation::StageVerdictError;
use crate::plan::answer::PlanAnswerError;
use crate::plan::check::Violation;

/// Why a worker's final answer is not a valid contract block; its text is what the one
/// re-dispatch appends under `## Rejected answer`.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum AnswerError {
    /// A narrative block that cannot be read (`report::parse_narrative`).
    #[error(transparent)]
    Contract(#[from] ContractError),
    /// A findings or verdicts block (`findings::check`).
    #[error(transparent)]
    Findings(#[from] FindingsAnswerError),
    /// An answer about a plan (`plan::answer`).
    #[error(transparent)]
    Plan(#[from] PlanAnswerError),
    /// A stage verifier's verdict block (`implementation::verdict`).
    #[error(transparent)]
    StageVerdict(#[from] StageVerdictError),
    /// The release hand-off writer's block (`handoff::answer`).
    #[error(transparent)]
    Handoff(#[from] HandoffAnswerError),
}

impl AnswerError {
    /// Returns the rule violations of a plan that parsed, when that is all that is wrong.
    pub fn plan_violations(&self) -> Option<&[Violation]> {
        match self {
            AnswerError::Plan(e) => e.plan_violations(),
            AnswerError::Contract(_)
            | AnswerError::Findings(_)
            | AnswerError::StageVerdict(_)
            | AnswerError::Handoff(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::check::{At, Rule};

    #[test]
    fn the_text_is_the_checks_own_and_only_plan_rules_are_violations() {
        let violation = Violation {
            rule: Rule::S9,
            at: At::Pointer("/plan/stages/0/rollback".into()),
            message: "stage 1 has no rollback".into(),
        };
        let rules = AnswerError::from(PlanAnswerError::Rules {
            violations: vec![violation.clone()],
        });
        assert_eq!(
            rules.to_string(),
            "the plan breaks 1 rule: /plan/stages/0/rollback: S9 stage 1 has no rollback"
        );
        assert_eq!(rules.plan_violations(), Some(&[violation][..]));

        let no_plan = AnswerError::from(PlanAnswerError::NoPlan);
        assert_eq!(no_plan.plan_violations(), None);
        let twice = AnswerError::from(FindingsAnswerError::DuplicateFinding { id: "C-1".into() });
        assert_eq!(twice.to_string(), "finding id \"C-1\" is used twice");
        assert_eq!(twice.plan_violations(), None);
        let none = AnswerError::from(ContractError::NoBlock);
        assert_eq!(
            none.to_string(),
            "the answer has no fenced ```json block at its end"
        );
        assert_eq!(none.plan_violations(), None);
    }
}
