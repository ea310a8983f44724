//! `okstra install`: put okstra's integrations in place.

pub mod claude_mcp;
pub mod claude_skill;

use clap::Subcommand;

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Install okstra's integrations with other tools
#[derive(Debug, Subcommand)]
pub enum InstallCommand {
    ClaudeSkill(claude_skill::InstallClaudeSkillArgs),
    ClaudeMcp(claude_mcp::InstallClaudeMcpArgs),
}

/// Runs an `okstra install` subcommand.
pub fn cmd_install(ctx: &CommandContext, cmd: &InstallCommand) -> Result<ExitStatus, CommandError> {
    match cmd {
        InstallCommand::ClaudeSkill(args) => claude_skill::cmd_install_claude_skill(ctx, args),
        InstallCommand::ClaudeMcp(args) => claude_mcp::cmd_install_claude_mcp(ctx, args),
    }
}
