//! Test helpers for okstra: a hermetic `TestEnv` (private HOME and OKSTRA_HOME, a real git
//! project), `GitRepoBuilder` for real repositories in temp dirs, and output filters that
//! replace temp paths, run ids, timestamps and commit hashes with stable tokens.
//!
//! This crate is a dev-dependency only; nothing in the product links it.

pub mod fake_agent;
pub mod filters;
pub mod git_repo;
pub mod mcp_client;
pub mod model_server;
pub mod peak_rss;
pub mod test_env;

pub use filters::normalize;
pub use git_repo::{GitRepoBuilder, hermetic_git};
pub use test_env::{CommandOutput, TestEnv, host_program};
