//! `okstra task`: one task as a whole — its runs, its stages and its latest reports.

pub mod show;

use clap::Subcommand;

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Look at one task as a whole
#[derive(Debug, Subcommand)]
pub enum TaskCommand {
    Show(show::TaskShowArgs),
}

/// Runs an `okstra task` subcommand.
pub fn cmd_task(ctx: &CommandContext, cmd: &TaskCommand) -> Result<ExitStatus, CommandError> {
    match cmd {
        TaskCommand::Show(args) => show::cmd_task_show(ctx, args),
    }
}
