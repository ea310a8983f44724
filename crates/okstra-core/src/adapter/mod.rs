//! Owns the worker adapters' pure half (SPEC §5.1): turning (prompt, model, working dir, role)
//! into the exact command line of `claude`, `codex`, `gemini` or a `command` agent, and turning
//! their output streams into (final text, token usage, outcome). Spawning, pipes and kills are
//! the engine's; `replay` needs no process and lives in `replay`.
//!
//! Facts about the real CLIs come from `reference/worker-clis.md`.
//!
//! This file only declares and re-exports: one file per CLI (`claude`, `codex`, `gemini`,
//! `command`), the command line's parts in `command_spec` and the choice of adapter in `build`,
//! what output means in `outcome`, the per-kind parser in `stream`, failure text in `failures`,
//! the sandbox and install words in `sandbox`, shared JSON helpers in `json`, and whether a
//! codex worker can authenticate in `codex_auth`.

pub mod claude;
pub mod codex;
pub mod codex_auth;
pub mod command;
pub mod gemini;
#[cfg(test)]
mod recorded;

mod build;
mod command_spec;
mod failures;
mod json;
mod outcome;
mod sandbox;
mod stream;

pub use build::build_command;
pub use command_spec::{AdapterError, CommandSpec, Invocation, shell_quote};
pub use failures::{known_failure, retry_storm_reason, status_in};
pub use outcome::{ExitInfo, Failure, FailureKind, LineEffects, Outcome, RetryNotice};
pub use sandbox::{install_hint, sandbox_label};
pub use stream::StreamParser;
