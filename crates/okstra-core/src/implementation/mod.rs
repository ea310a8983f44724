//! Owns the pure rules of an `implementation` run after its stage is prepared (SPEC §8): the
//! verifier's verdict contract (`verdict`), okstra's decision on the stage from its own
//! evidence and that verdict and the carry of a stage that passed (`decide`), what the
//! executor's and the verifier's prompts say about the stage (`prompt`), and the state records
//! of the evidence and of how the executor was driven (`execution`). Running the executor,
//! taking the evidence and writing the carry are the engine's.
//!
//! This file only declares and re-exports.

mod decide;
mod execution;
mod prompt;
mod verdict;

pub use decide::{
    CarryInput, ExecutorEnd, StageDecision, VerifierOutcome, decide_stage, own_failures, short,
    stage_carry, verifier_needed,
};
pub use execution::{
    EVIDENCE_KIND, EXECUTION_KIND, EvidenceRecord, ExecutionRecord, InvocationRecord,
    WHOLE_STAGE_KEY, mode_words, recorded_mode,
};
pub use prompt::{
    CarryText, ExecutorContext, MAX_CARRY_BYTES, MAX_PROMPT_DIFF_BYTES, VerifierContext,
    executor_sections, fenced, stage_markdown, verifier_sections,
};
pub use verdict::{
    STAGE_VERDICT_SCHEMA, StageVerdictBlock, StageVerdictError, VerifierFinding,
    check_stage_verdict_answer,
};
