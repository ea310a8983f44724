//! `okstra plan …`: the commands that read and change plans (SPEC §7.2, §7.5) — check, show,
//! answer a clarification item, import a plan written elsewhere.

pub mod answer;
pub mod check;
pub mod import;
pub mod show;
pub(crate) mod target;

use clap::Subcommand;

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Check, show, answer and import implementation plans
#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    Check(check::PlanCheckArgs),
    Show(show::PlanShowArgs),
    Answer(answer::PlanAnswerArgs),
    Import(import::PlanImportArgs),
}

/// Runs `okstra plan …`.
pub fn cmd_plan(ctx: &CommandContext, cmd: &PlanCommand) -> Result<ExitStatus, CommandError> {
    match cmd {
        PlanCommand::Check(args) => check::cmd_plan_check(ctx, args),
        PlanCommand::Show(args) => show::cmd_plan_show(ctx, args),
        PlanCommand::Answer(args) => answer::cmd_plan_answer(ctx, args),
        PlanCommand::Import(args) => import::cmd_plan_import(ctx, args),
    }
}
