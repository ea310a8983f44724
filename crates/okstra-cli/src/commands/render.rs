//! `okstra render <data.json>`: re-render a report's markdown and HTML page from its data
//! (SPEC §7.1).

use std::path::PathBuf;

use clap::Args;
use okstra_engine::{html_path, render_report};
use serde_json::json;

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;
use crate::json_out::print_json;

/// Render a report's markdown and HTML page from its final-report-<type>-<seq>.data.json
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The report data file
    #[arg(value_name = "DATA_JSON")]
    data: PathBuf,

    /// Print the data, markdown and HTML paths as JSON on stdout
    #[arg(long)]
    json: bool,
}

/// Runs `okstra render`.
pub fn cmd_render(ctx: &CommandContext, args: &RenderArgs) -> Result<ExitStatus, CommandError> {
    let data_path = ctx.cwd.join(&args.data);
    let md_path = render_report(&data_path)?;
    let page = html_path(&data_path)?;
    if args.json {
        // Both files exist now; their canonical paths carry no `..` from the argument.
        let canonical = |p: &PathBuf| fs_err::canonicalize(p).unwrap_or_else(|_| p.clone());
        print_json(
            &ctx.ui,
            &json!({
                "data": canonical(&data_path).display().to_string(),
                "markdown": canonical(&md_path).display().to_string(),
                "html": canonical(&page).display().to_string(),
            }),
        )?;
    } else {
        ctx.ui.data_line(&md_path.display().to_string());
        ctx.ui.data_line(&page.display().to_string());
    }
    Ok(ExitStatus::Success)
}
