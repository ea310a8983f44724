//! Owns the wizard's step machine (SPEC §9): the steps of `okstra wizard` in the seed's order,
//! their prompts built from the `prompts.<lang>.json` catalogs, the state each answer fills, and
//! the `okstra run …` invocation the answers make. Pure: the world (tasks, plans, stages,
//! agents, defaults) is asked through [`WizardFacts`], only for what the current step needs.
//! Both fronts — the terminal and `okstra wizard --json` — drive this one machine.

mod catalog;
mod facts;
mod invocation;
mod machine;
mod protocol;
mod state;
mod steps;
mod types;

pub use catalog::Catalog;
pub use facts::{
    AgentVerdict, PlanRef, PlanStanding, PreviousRun, RunDefaults, StageInfo, TaskRef, WizardFacts,
};
pub use invocation::{Invocation, shell_quote};
pub use machine::{Next, back, current_step, next, submit};
pub use protocol::{back_reply, error_reply, next_reply, submit_reply};
pub use state::{BriefAnswer, ModelChoice, PlanCandidate, WIZARD_STATE_KIND, WizardState};
pub use types::{Prompt, PromptKind, PromptOption, StepId, Submitted, WizardError};
