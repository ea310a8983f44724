//! The `okstra` command line: argv, environment and `project.json` become settings; the engine
//! does the work; `Ui` renders the outcome; `CommandError` maps failures to the exit codes of
//! SPEC §12. Nothing here decides a rule that could be tested without a terminal — that lives
//! in `okstra-core`.

mod brief;
mod claude_mcp;
mod claude_skill;
pub mod cli;
pub mod command_error;
pub mod commands;
pub mod context;
pub mod exit_status;
mod invocation;
mod json_out;
pub mod live;
pub mod mcp;
mod progress_line;
pub mod settings;
pub mod stdout;
pub mod ui;

use std::ffi::OsString;
use std::process::ExitCode;

pub use command_error::{CommandError, ExitStatus, exit_codes};

/// Runs okstra with `args` (including the program name) and returns the process exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    ExitCode::from(cli::main(args))
}
