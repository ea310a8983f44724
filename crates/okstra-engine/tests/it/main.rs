//! Engine integration tests: real git repositories in temp dirs, real files and locks.

mod common;
mod executor;
mod home_index;
mod ledger;
mod preflight;
mod prepare;
mod run;
mod worktree;
