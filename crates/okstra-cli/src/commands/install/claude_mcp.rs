//! `okstra install claude-mcp`: register `okstra mcp` with Claude Code, as `claude mcp add`
//! would, and print the same for Codex CLI and Gemini CLI.

use clap::Args;
use okstra_engine::{McpInstall, install_mcp_server};

use crate::claude_mcp::{McpScope, SERVER_NAME, config_path, entry, okstra_path, other_clients};
use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Register okstra's MCP server (okstra mcp) with Claude Code
///
/// Writes the `okstra` entry of `mcpServers` in Claude Code's user config (~/.claude.json, or
/// $CLAUDE_CONFIG_DIR/.claude.json) or in the project's .mcp.json, and prints how to register
/// it with Codex CLI and Gemini CLI. Running it again changes nothing; a different `okstra`
/// entry there is left alone without --force.
#[derive(Debug, Args)]
pub struct InstallClaudeMcpArgs {
    /// Where to register it
    #[arg(long, value_enum, default_value_t = McpScope::User)]
    scope: McpScope,

    /// Replace an `okstra` entry there that differs from this okstra's
    #[arg(long)]
    force: bool,
}

/// Runs `okstra install claude-mcp`.
pub fn cmd_install_claude_mcp(
    ctx: &CommandContext,
    args: &InstallClaudeMcpArgs,
) -> Result<ExitStatus, CommandError> {
    let path = config_path(ctx, args.scope)?;
    let okstra = okstra_path()?;
    let outcome =
        install_mcp_server(&path, SERVER_NAME, &entry(&okstra), args.force).map_err(|e| {
            CommandError::from(e).hint("keep it, or pass --force to replace it with this okstra's")
        })?;
    let ui = &ctx.ui;
    match outcome {
        McpInstall::Installed { path } => ui.status(&format!(
            "registered the MCP server {SERVER_NAME} ({okstra} mcp) with Claude Code: {}",
            path.display()
        )),
        McpInstall::Unchanged { path } => ui.status(&format!(
            "the MCP server {SERVER_NAME} is already registered: {} (unchanged)",
            path.display()
        )),
        McpInstall::Replaced { path } => ui.status(&format!(
            "replaced the MCP server {SERVER_NAME} in {} with this okstra's (--force)",
            path.display()
        )),
    }
    for line in other_clients(&okstra) {
        ui.data_line(&line);
    }
    Ok(ExitStatus::Success)
}
