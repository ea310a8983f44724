//! Owns the pure rules of an `implementation` run after its stage is prepared (SPEC §8): the
//! verifier's verdict contract (`verdict`), okstra's decision on the stage from its own
//! evidence and that verdict, the notes and the carry of a stage that passed (`decide`), and
//! the record of how the executor was driven (`execution`). Running the executor, taking the
//! evidence and writing the carry are the engine's.
//!
//! This file only declares and re-exports.

mod decide;
mod execution;
mod verdict;

pub use decide::{
    CarryInput, ExecutorEnd, StageDecision, VerifierOutcome, decide_stage, own_failures, short,
    stage_carry, verifier_needed,
};
pub use execution::{
    EXECUTION_KIND, ExecutionRecord, InvocationRecord, WHOLE_STAGE_KEY, mode_words, recorded_mode,
};
pub use verdict::{
    STAGE_VERDICT_SCHEMA, StageVerdictBlock, StageVerdictError, VerifierFinding,
    check_stage_verdict_answer,
};
