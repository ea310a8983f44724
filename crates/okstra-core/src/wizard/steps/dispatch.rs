//! Owns the dispatch of a step to its theme's module: whether it applies, the prompt it
//! builds and how it takes an answer.

use super::super::types::{Prompt, StepId, WizardError};
use super::kit::Answer;
use super::kit::Ctx;
use super::{finish, plan, task, team};

/// Returns whether `step` applies, given the answers so far.
pub(crate) fn applies(step: StepId, cx: &Ctx<'_>) -> Result<bool, WizardError> {
    use StepId as S;
    match step {
        S::TaskType | S::TaskPick | S::TaskNew | S::BriefPick | S::BriefFile | S::BriefText => {
            task::applies(step, cx)
        }
        S::BaseRefPick | S::BaseRefText => task::base_ref_applies(step, cx),
        S::ApprovedPlanPick | S::ApprovedPlan | S::ApprovePlanConfirm | S::StagePick => {
            plan::applies(step, cx)
        }
        S::Executor
        | S::CriticPick
        | S::Workers
        | S::ReusePrevious
        | S::DefaultsOrCustom
        | S::CustomModels => team::applies(step, cx),
        _ => finish::applies(step, cx),
    }
}

/// Returns the prompt of `step`.
pub(crate) fn build(step: StepId, cx: &Ctx<'_>) -> Result<Prompt, WizardError> {
    use StepId as S;
    match step {
        S::TaskType | S::TaskPick | S::TaskNew | S::BriefPick | S::BriefFile | S::BriefText => {
            task::build(step, cx)
        }
        S::BaseRefPick | S::BaseRefText => Ok(task::build_base_ref(step, cx)),
        S::ApprovedPlanPick | S::ApprovedPlan | S::ApprovePlanConfirm | S::StagePick => {
            plan::build(step, cx)
        }
        S::Executor
        | S::CriticPick
        | S::Workers
        | S::ReusePrevious
        | S::DefaultsOrCustom
        | S::CustomModels => team::build(step, cx),
        _ => finish::build(step, cx),
    }
}

/// Takes `value` as the answer of `step`: checks it, then sets the fields the step owns.
/// Returns the echo. Nothing is changed when the answer is refused.
pub(crate) fn accept(step: StepId, a: &mut Answer<'_>, value: &str) -> Result<String, WizardError> {
    use StepId as S;
    match step {
        S::TaskType | S::TaskPick | S::TaskNew | S::BriefPick | S::BriefFile | S::BriefText => {
            task::accept(step, a, value)
        }
        S::BaseRefPick | S::BaseRefText => task::accept_base_ref(step, a, value),
        S::ApprovedPlanPick | S::ApprovedPlan | S::ApprovePlanConfirm | S::StagePick => {
            plan::accept(step, a, value)
        }
        S::Executor
        | S::CriticPick
        | S::Workers
        | S::ReusePrevious
        | S::DefaultsOrCustom
        | S::CustomModels => team::accept(step, a, value),
        _ => finish::accept(step, a, value),
    }
}
