//! `okstra render <data.json>`: re-render a report's markdown from its data (SPEC §7.1).

use std::path::PathBuf;

use clap::Args;
use okstra_core::report::{ReportData, render_markdown, sha256_hex, validate_report_value};
use okstra_engine::fs_atomic::write_text;

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
    let path = ctx.cwd.join(&args.data);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Some(stem) = name.strip_suffix(".data.json") else {
        return Err(CommandError::user_message(format!(
            "{} is not a report data file (its name must end in .data.json)",
            path.display()
        )));
    };
    let bytes = fs_err::read(&path)
        .map_err(|e| CommandError::user(e).hint("name an existing data.json"))?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        CommandError::user_message(format!(
            "{}: line {}, column {}: {e}",
            path.display(),
            e.line(),
            e.column()
        ))
    })?;
    if let Err(violations) = validate_report_value(&value) {
        let list: Vec<String> = violations.iter().map(ToString::to_string).collect();
        return Err(CommandError::user_message(format!(
            "{} does not match the report schema: {}",
            path.display(),
            list.join("; ")
        ))
        .hint("fix the data, or re-run the task type to write it again"));
    }
    let data: ReportData = serde_json::from_value(value).map_err(CommandError::internal)?;
    data.check_version().map_err(CommandError::user)?;
    let markdown = render_markdown(&data, &sha256_hex(&bytes)).map_err(CommandError::internal)?;
    let md_path = path.with_file_name(format!("{stem}.md"));
    write_text(&md_path, &markdown)?;
    ctx.ui.data_line(&md_path.display().to_string());
    Ok(ExitStatus::Success)
}
