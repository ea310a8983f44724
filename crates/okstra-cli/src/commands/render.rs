//! `okstra render <data.json>`: re-render a report's markdown from its data (SPEC §7.1).

use std::path::PathBuf;

use clap::Args;
use okstra_engine::render_report;

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Render a report's markdown from its final-report-<type>-<seq>.data.json
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The report data file
    #[arg(value_name = "DATA_JSON")]
    data: PathBuf,
}

/// Runs `okstra render`.
pub fn cmd_render(ctx: &CommandContext, args: &RenderArgs) -> Result<ExitStatus, CommandError> {
    let md_path = render_report(&ctx.cwd.join(&args.data))?;
    ctx.ui.data_line(&md_path.display().to_string());
    Ok(ExitStatus::Success)
}
