//! `okstra ledger …`: the stage ledger of a task (SPEC §8) — repair it from the carry
//! sidecars, and show where each stage of the task's plan stands.

pub mod repair;
pub mod show;
pub(crate) mod task;

use clap::Subcommand;

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Repair and show a task's stage ledger
#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    Repair(repair::LedgerRepairArgs),
    Show(show::LedgerShowArgs),
}

/// Runs `okstra ledger …`.
pub fn cmd_ledger(ctx: &CommandContext, cmd: &LedgerCommand) -> Result<ExitStatus, CommandError> {
    match cmd {
        LedgerCommand::Repair(args) => repair::cmd_ledger_repair(ctx, args),
        LedgerCommand::Show(args) => show::cmd_ledger_show(ctx, args),
    }
}
