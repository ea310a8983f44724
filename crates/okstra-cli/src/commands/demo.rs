//! `okstra demo [DIR]`: the README's first command.

use std::path::PathBuf;

use clap::Args;

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Run okstra end to end on a sample project with scripted workers (no network, no
/// credentials)
///
/// Creates a small git project with a real bug and a brief in DIR (default
/// $TMPDIR/okstra-demo-<id>, with its own OKSTRA_HOME), runs error-analysis on it with three
/// replay workers that disagree on purpose, and prints where the report is.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the sample project (default: a new folder under $TMPDIR)
    #[arg(value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// Runs `okstra demo`.
pub fn cmd_demo(_ctx: &CommandContext, _args: &DemoArgs) -> Result<ExitStatus, CommandError> {
    Err(CommandError::user_message(
        "okstra demo is not available in this build: it needs the worker runner and the \
         report, which are not built yet",
    )
    .hint(
        "the demo will create a sample git project with a bug and a brief (in DIR or \
         $TMPDIR/okstra-demo-<id>, with its own OKSTRA_HOME), run error-analysis with three \
         replay workers, and print the report path",
    ))
}
