//! Owns the whole-task gate (SPEC §3, §8): a final-verification run's verdict and its record,
//! `state/final-verification-<seq>.json`, which release-handoff reads back.

mod record;

pub use record::{FINAL_VERIFICATION_KIND, FinalVerdict, FinalVerificationRecord, MergedStage};
