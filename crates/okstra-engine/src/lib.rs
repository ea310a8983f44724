//! okstra's effects: atomic files, JSONL ledgers, locks, the central home and its registry,
//! git worktrees, run preparation, and (from the runner) worker processes.
//!
//! Async choice (STYLE.md §2): the CLI builds one multi-thread tokio runtime in `main` for the
//! commands that supervise workers (`run`, `resume`, `demo`); everything here that does not
//! supervise a process — files, locks, git, preparation — is synchronous and takes
//! milliseconds, so it is called directly. The engine never prints; it returns typed results
//! and emits `RunEvent`s through a callback.

pub mod doctor;
pub mod errors;
pub mod fs_atomic;
pub mod git;
pub mod home;
pub mod jsonl;
pub mod kill_hook;
pub mod lock;
pub mod prepare;
pub mod probe;
pub mod project;
pub mod registry;
pub mod runner;
pub mod runs;
pub mod timer;
pub mod validate;
pub mod worker;
