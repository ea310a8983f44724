//! `okstra ctl`: inspect and control runs through the central index.

pub mod list;
pub mod reconcile;
pub mod reindex;
pub mod show;
mod shown_worker;

use clap::Subcommand;

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Inspect and control runs across projects
#[derive(Debug, Subcommand)]
pub enum CtlCommand {
    List(list::CtlListArgs),
    Show(show::CtlShowArgs),
    Reindex(reindex::CtlReindexArgs),
    Reconcile(reconcile::CtlReconcileArgs),
}

/// Runs an `okstra ctl` subcommand.
pub fn cmd_ctl(ctx: &CommandContext, cmd: &CtlCommand) -> Result<ExitStatus, CommandError> {
    match cmd {
        CtlCommand::List(args) => list::cmd_ctl_list(ctx, args),
        CtlCommand::Show(args) => show::cmd_ctl_show(ctx, args),
        CtlCommand::Reindex(args) => reindex::cmd_ctl_reindex(ctx, args),
        CtlCommand::Reconcile(args) => reconcile::cmd_ctl_reconcile(ctx, args),
    }
}
