//! `okstra uninstall`: remove what `okstra install` put in place.

pub mod claude_mcp;
pub mod claude_skill;

use clap::Subcommand;

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Remove what `okstra install` put in place
#[derive(Debug, Subcommand)]
pub enum UninstallCommand {
    ClaudeSkill(claude_skill::UninstallClaudeSkillArgs),
    ClaudeMcp(claude_mcp::UninstallClaudeMcpArgs),
}

/// Runs an `okstra uninstall` subcommand.
pub fn cmd_uninstall(
    ctx: &CommandContext,
    cmd: &UninstallCommand,
) -> Result<ExitStatus, CommandError> {
    match cmd {
        UninstallCommand::ClaudeSkill(args) => claude_skill::cmd_uninstall_claude_skill(ctx, args),
        UninstallCommand::ClaudeMcp(args) => claude_mcp::cmd_uninstall_claude_mcp(ctx, args),
    }
}
