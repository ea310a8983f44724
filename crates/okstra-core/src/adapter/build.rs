//! Owns `build_command`: choosing, by adapter kind, the adapter that turns an `Invocation` into
//! a `CommandSpec`. The command line's parts are in `command_spec`; each CLI's flags are in its
//! own adapter file.

use super::command_spec::{AdapterError, CommandSpec, Invocation};
use super::{claude, codex, command, gemini};
use crate::config::AdapterKind;

/// Returns the worker's command line.
pub fn build_command(inv: &Invocation<'_>) -> Result<CommandSpec, AdapterError> {
    match inv.kind {
        AdapterKind::Claude => Ok(claude::build(inv)),
        AdapterKind::Codex => Ok(codex::build(inv)),
        AdapterKind::Gemini => Ok(gemini::build(inv)),
        AdapterKind::Command => command::build(inv),
        AdapterKind::Replay => Err(AdapterError::Replay),
    }
}
