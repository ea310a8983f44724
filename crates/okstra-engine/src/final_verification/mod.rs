//! Owns final verification's effects beside the run's phases: reading the task's latest
//! verification record back (release-handoff's gate reads it) and merging the stage branches
//! into the task branch (`merge`). The verdict itself is decided in
//! `okstra_core::final_verification`; the run's phases are `run/fv_*`.

mod error;
mod latest;
mod merge;

pub use error::FinalVerificationError;
pub use latest::latest_final_verification;
pub(crate) use latest::parse_record;
pub(crate) use merge::{StagesMerge, merge_stages};
