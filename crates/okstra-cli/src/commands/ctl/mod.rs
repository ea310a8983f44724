//! `okstra ctl`: inspect and control runs through the central index.

pub mod attach;
pub mod batches;
pub mod gc;
pub mod kill;
pub mod list;
pub mod reconcile;
pub mod reindex;
pub mod rerun;
mod selector;
pub mod show;
mod shown_worker;
pub mod status;
mod watch;

use clap::Subcommand;

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Inspect and control runs across projects
#[derive(Debug, Subcommand)]
pub enum CtlCommand {
    List(list::CtlListArgs),
    Show(show::CtlShowArgs),
    Status(status::CtlStatusArgs),
    Rerun(rerun::CtlRerunArgs),
    Batches(batches::CtlBatchesArgs),
    Attach(attach::CtlAttachArgs),
    Kill(kill::CtlKillArgs),
    Reindex(reindex::CtlReindexArgs),
    Reconcile(reconcile::CtlReconcileArgs),
    Gc(gc::CtlGcArgs),
}

/// Runs an `okstra ctl` subcommand.
pub fn cmd_ctl(ctx: &CommandContext, cmd: &CtlCommand) -> Result<ExitStatus, CommandError> {
    match cmd {
        CtlCommand::List(args) => list::cmd_ctl_list(ctx, args),
        CtlCommand::Show(args) => show::cmd_ctl_show(ctx, args),
        CtlCommand::Status(args) => status::cmd_ctl_status(ctx, args),
        CtlCommand::Rerun(args) => rerun::cmd_ctl_rerun(ctx, args),
        CtlCommand::Batches(args) => batches::cmd_ctl_batches(ctx, args),
        CtlCommand::Attach(args) => attach::cmd_ctl_attach(ctx, args),
        CtlCommand::Kill(args) => kill::cmd_ctl_kill(ctx, args),
        CtlCommand::Reindex(args) => reindex::cmd_ctl_reindex(ctx, args),
        CtlCommand::Reconcile(args) => reconcile::cmd_ctl_reconcile(ctx, args),
        CtlCommand::Gc(args) => gc::cmd_ctl_gc(ctx, args),
    }
}
