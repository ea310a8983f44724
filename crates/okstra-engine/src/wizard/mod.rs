//! Owns the wizard's effects: [`ProjectFacts`], the real project behind the core step
//! machine's `WizardFacts` (tasks, git, plans through `plan_file`, stages through the ledger,
//! doctor's verdicts, settings resolution, the previous run's manifest), and the wizard's state
//! file `.okstra/wizard/state.json`, changed only under its lock.

mod facts;
mod plans;
mod store;

pub use facts::ProjectFacts;
pub use store::{
    WizardStoreError, clear_fresh_state, clear_state, read_state, state_path, with_state,
};
