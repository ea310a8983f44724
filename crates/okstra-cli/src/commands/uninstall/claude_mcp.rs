//! `okstra uninstall claude-mcp`: remove the `okstra` MCP server `install claude-mcp` added.

use clap::Args;
use okstra_engine::{McpUninstall, uninstall_mcp_server};

use crate::claude_mcp::{McpScope, SERVER_NAME, config_path, is_okstra_entry};
use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Remove okstra's MCP server from Claude Code's config
///
/// Removes only the `okstra` entry of `mcpServers`, and only when it runs `okstra mcp`; an
/// entry of that name that runs something else is left alone without --force.
#[derive(Debug, Args)]
pub struct UninstallClaudeMcpArgs {
    /// Where to remove it from
    #[arg(long, value_enum, default_value_t = McpScope::User)]
    scope: McpScope,

    /// Remove the `okstra` entry even when it does not run `okstra mcp`
    #[arg(long)]
    force: bool,
}

/// Runs `okstra uninstall claude-mcp`.
pub fn cmd_uninstall_claude_mcp(
    ctx: &CommandContext,
    args: &UninstallClaudeMcpArgs,
) -> Result<ExitStatus, CommandError> {
    let path = config_path(ctx, args.scope)?;
    let outcome = uninstall_mcp_server(&path, SERVER_NAME, is_okstra_entry, args.force)
        .map_err(|e| CommandError::from(e).hint("keep it, or pass --force to remove it anyway"))?;
    match outcome {
        McpUninstall::Removed { path } => ctx.ui.status(&format!(
            "removed the MCP server {SERVER_NAME} from {}",
            path.display()
        )),
        McpUninstall::NotInstalled { path } => ctx.ui.status(&format!(
            "the MCP server {SERVER_NAME} is not registered in {} (nothing removed)",
            path.display()
        )),
    }
    Ok(ExitStatus::Success)
}
