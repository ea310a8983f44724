//! Owns the machine: the current step is the first step, in order, that applies and is not
//! behind (answered, or passed as not applying when a later step was answered); `next` builds
//! its prompt (or, once confirmed, returns the run); `submit` takes an
//! answer for the current step only; `back` undoes the last answer.

use super::catalog::Catalog;
use super::facts::WizardFacts;
use super::invocation::Invocation;
use super::state::WizardState;
use super::steps::{Ctx, StepAnswer, accept, applies, build};
use super::types::{Prompt, StepId, Submitted, WizardError};

/// What `next` returns: the prompt of the current step, or, once the confirm step is answered
/// `yes`, the run to start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    Prompt(Prompt),
    Ready(Invocation),
}

/// Returns the step the wizard asks now.
pub fn current_step(
    state: &WizardState,
    facts: &dyn WizardFacts,
    catalog: &Catalog,
) -> Result<StepId, WizardError> {
    let cx = Ctx {
        state,
        facts,
        cat: catalog,
        shown: true,
    };
    for step in StepId::ALL {
        if !state.is_behind(step) && applies(step, &cx)? {
            return Ok(step);
        }
    }
    Ok(StepId::Confirm)
}

/// Returns the prompt of the current step, or the run once the confirm step said yes.
pub fn next(
    state: &WizardState,
    facts: &dyn WizardFacts,
    catalog: &Catalog,
) -> Result<Next, WizardError> {
    if state.confirmed {
        return Ok(Next::Ready(Invocation::of(state)));
    }
    let step = current_step(state, facts, catalog)?;
    let cx = Ctx {
        state,
        facts,
        cat: catalog,
        shown: true,
    };
    build(step, &cx).map(Next::Prompt)
}

/// Takes `value` as the answer of `step`, which must be the current step.
pub fn submit(
    state: &mut WizardState,
    facts: &mut dyn WizardFacts,
    catalog: &Catalog,
    step: &str,
    value: &str,
) -> Result<Submitted, WizardError> {
    let step: StepId = step.parse()?;
    if state.confirmed {
        return Err(WizardError::at(step, catalog.text("common.confirmed")));
    }
    let current = current_step(state, facts, catalog)?;
    if step != current {
        return Err(WizardError::at(
            step,
            catalog.fill("common.not_current", &[("current", current.as_str())]),
        )
        .valid(vec![current.as_str().to_owned()]));
    }
    let mut answer = StepAnswer {
        state,
        facts,
        cat: catalog,
    };
    let echo = accept(step, &mut answer, value)?;
    for earlier in StepId::ALL.into_iter().take(step.index()) {
        if !state.is_behind(earlier) {
            state.passed.push(earlier);
        }
    }
    state.answered.push(step);
    Ok(Submitted { step, echo })
}

/// Undoes the last answer; returns its step (asked again next), or `None` at the start.
pub fn back(state: &mut WizardState) -> Option<StepId> {
    let step = state.answered.pop()?;
    state.clear(step);
    // The steps passed when it was answered come after the answer before it.
    let last = state.answered.last().map(|s| s.index());
    state
        .passed
        .retain(|p| last.is_some_and(|last| p.index() < last));
    if state.answered.is_empty() {
        state.folder = None;
        state.language = None;
    }
    Some(step)
}
