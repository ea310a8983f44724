//! Owns the carry sidecar (`runs/implementation/carry/stage-<N>.json`, SPEC §8): the proof a
//! stage passed, which okstra writes once the verifier passes it and which is the source of
//! truth of the stage ledger. `sidecar` is the `carry/v1` shape okstra writes; `probe` reads
//! any carry — okstra's or the original okstra's — as leniently as the original's carry repair
//! does, keeping only what the repair and the stage state need; `scan` names and orders the
//! files of the carry folder; `cache` keeps what each file gave, keyed by its stamp.
//!
//! Reading and writing the files is the engine's job.

mod cache;
mod facts;
pub mod probe;
mod scan;
pub(crate) mod sidecar;

pub use cache::{CARRY_CACHE_FILE, CARRY_CACHE_KIND, CachedCarry, CarryCache, FileStamp};
pub use facts::CarryFacts;
pub use probe::{
    CarryHead, CarryProbe, CarryStage, FAILED_CARRY_STATUSES, HEAD_FIELDS, ProbeError, Truthy,
    db_gate_word, probe_carry,
};
pub use scan::{
    CarryFile, CarryUnreadable, ProbedCarry, is_carry_file_name, probe_carries, sort_carries,
};
pub use sidecar::{
    CARRY_KIND, CarrySidecar, CarryStatus, CommitRange, Verdict, VerifierVerdict, carry_file_name,
};
