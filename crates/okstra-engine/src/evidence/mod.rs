//! Owns okstra's deterministic evidence on a stage's head (SPEC §8): running evidence commands
//! (`command`), the git facts of `base..head` (`git_facts`), the scratch worktree of the TDD
//! proof (`scratch`) and taking a whole `StageEvidence` (`stage`). The verdicts are core's
//! (`okstra_core::evidence`); nothing a model says enters here. This file only declares and
//! re-exports.

mod command;
mod error;
mod git_facts;
mod scratch;
mod stage;

pub use command::{CommandLimits, CommandRunner};
pub use error::EvidenceError;
pub use git_facts::{MAX_DIFF_BYTES, StageRange, read_stage_range};
pub use stage::{DB_TEST_KEY, StageEvidenceRequest, collect_stage_evidence, run_stage_validation};

#[cfg(test)]
mod tests_command;
#[cfg(test)]
mod tests_stage;
