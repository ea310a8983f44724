//! Owns the evidence of a stage (SPEC §8) and the pure rules over it: the recorded shapes
//! (`model`), reading a `git diff` (`diff`), classifying paths (`paths`), the output tail
//! (`tail`), the TDD verdict (`tdd`), the DB gate's detection (`db_gate`) and the real-IO-test
//! detector with its pattern table (`real_io`, `io_patterns`). It never runs a command or reads
//! a file: the engine does, and hands the text here.

pub mod db_gate;
pub mod diff;
pub mod io_patterns;
mod model;
pub mod paths;
pub mod real_io;
pub mod tail;
pub mod tdd;

pub use model::{
    CommandEvidence, DbGate, DbGateStatus, DiffFinding, DiffSeverity, OUTPUT_TAIL_BYTES,
    StageCommit, StageEvidence, TddProof, TddVerdict,
};
