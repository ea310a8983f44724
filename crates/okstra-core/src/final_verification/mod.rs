//! Owns the whole-task gate (SPEC §3, §8): a final-verification run's verdict and its record,
//! `state/final-verification-<seq>.json`, which release-handoff reads back; what it asks of the
//! plan's stages before it starts (`readiness`) and how it decides (`verdict`).

mod commands;
mod readiness;
mod record;
mod verdict;

pub use commands::{QA_KEYS, verification_commands};
pub use readiness::{
    DoneHead, ReadyInputs, Unready, UnreadyStage, check_stages_ready, merge_order,
};
pub use record::{FINAL_VERIFICATION_KIND, FinalVerdict, FinalVerificationRecord, MergedStage};
pub use verdict::{
    MIN_VERIFIERS, MergeConflict, VerdictInputs, VerdictOutcome, WeighedFinding,
    decide_final_verdict,
};
