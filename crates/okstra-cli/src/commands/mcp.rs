//! `okstra mcp`: serves okstra's tools and resources over the Model Context Protocol — on
//! stdin/stdout for an agent UI that starts it, or over Streamable HTTP with `--http`.

use std::net::SocketAddr;

use clap::Args;
use okstra_core::env_vars;
use tokio_util::sync::CancellationToken;

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;
use crate::mcp::{Gates, HttpOptions, OkstraMcp, serve_http, serve_stdio};

/// Serve okstra over the Model Context Protocol (stdio, or Streamable HTTP with --http)
///
/// An agent UI (Claude Code, Codex, Gemini CLI, an IDE) can then list, start and watch runs,
/// validate them, read and answer plans, and read every report as a resource.
/// `okstra install claude-mcp` registers it with Claude Code.
#[derive(Debug, Args)]
pub struct McpArgs {
    /// Serve Streamable HTTP on this address (e.g. 127.0.0.1:8765; port 0 picks one) at
    /// /mcp, instead of stdio. The URL is printed on stdout once listening
    #[arg(long, value_name = "ADDR")]
    http: Option<SocketAddr>,

    /// Allow --http on a non-loopback address; needs OKSTRA_MCP_TOKEN, the bearer token every
    /// request must then carry
    #[arg(long, requires = "http")]
    allow_remote: bool,

    /// Offer the `approve` tool, which approves a plan: a human gate, so off unless asked
    #[arg(long)]
    allow_approve: bool,

    /// Let `start_run` push the task branch and open a pull request (a release hand-off's
    /// `push` / `open_pr`): a human gate, so refused unless asked
    #[arg(long)]
    allow_publish: bool,
}

/// Runs `okstra mcp`.
pub fn cmd_mcp(ctx: &CommandContext, args: &McpArgs) -> Result<ExitStatus, CommandError> {
    let token = ctx.env.get(env_vars::OKSTRA_MCP_TOKEN).map(str::to_owned);
    // The token guards the server; nothing the server starts (runs, git, gh) gets it.
    let env = ctx.env.clone().without(env_vars::OKSTRA_MCP_TOKEN);
    let cwd = ctx.cwd.clone();
    let gates = Gates {
        approve: args.allow_approve,
        publish: args.allow_publish,
    };
    let make = move || OkstraMcp::new(env.clone(), cwd.clone(), gates);
    let http = args.http.map(|addr| HttpOptions {
        addr,
        allow_remote: args.allow_remote,
        token,
    });
    if let Some(http) = &http {
        http.check()?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CommandError::internal)?;
    runtime.block_on(async {
        match http {
            None => serve_stdio(make()).await,
            Some(options) => {
                let shutdown = CancellationToken::new();
                let on_signal = shutdown.clone();
                tokio::spawn(async move {
                    let _ = tokio::signal::ctrl_c().await;
                    on_signal.cancel();
                });
                let ui = ctx.ui.clone();
                serve_http(make, options, shutdown, move |bound| {
                    ui.data_line(&format!("http://{bound}/mcp"));
                    ui.status("okstra MCP server listening; Ctrl-C stops it");
                })
                .await
            }
        }
    })?;
    Ok(ExitStatus::Success)
}
