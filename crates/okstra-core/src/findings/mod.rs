//! Owns findings (SPEC §6): the contract block analysers end their answers with, merging
//! duplicates across workers into `F-<n>` findings, and convergence — rounds, queues,
//! verdicts and consensus classes. Pure decisions; the engine dispatches the rounds.

pub mod check;
pub mod contract;
pub mod converge;
pub mod merge;
pub mod model;
pub mod present;

pub use model::{
    ConsensusClass, Finding, FindingsBlock, RawFinding, Severity, Verdict, VerdictItem,
    VerdictsBlock,
};
