//! `okstra ctl show <run>`: one run's manifest, summarised or as JSON.

use std::fmt::Write as _;

use clap::Args;
use okstra_engine::find_run;

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Show one run: identity, status, worktree, workers, checkpoints
#[derive(Debug, Args)]
pub struct CtlShowArgs {
    /// A run id, a unique prefix of one, or a manifest path
    #[arg(value_name = "RUN")]
    run: String,

    /// Print the run's manifest as JSON on stdout
    #[arg(long)]
    json: bool,
}

/// Runs `okstra ctl show`.
pub fn cmd_ctl_show(ctx: &CommandContext, args: &CtlShowArgs) -> Result<ExitStatus, CommandError> {
    let home = ctx.home()?;
    let found = find_run(&home, &args.run)?;
    let m = &found.manifest;
    if args.json {
        ctx.ui
            .data_line(&serde_json::to_string_pretty(m).map_err(CommandError::internal)?);
        return Ok(ExitStatus::Success);
    }
    let mut out = String::new();
    let mut line = |k: &str, v: String| {
        let _ = writeln!(out, "{k:<13}{v}");
    };
    line("run:", m.run_id.to_string());
    line("task:", m.task_key().to_string());
    line("type:", m.task_type.to_string());
    line("seq:", m.run_seq.to_string());
    if let Some(stage) = m.stage {
        line("stage:", stage.to_string());
    }
    line("status:", m.status.to_string());
    line("project:", m.project_root.clone());
    line("run dir:", m.run_dir());
    line("manifest:", found.manifest_path.display().to_string());
    line(
        "worktree:",
        match (&m.worktree.path, &m.worktree.branch) {
            (Some(p), Some(b)) => format!("{p} ({}, branch {b})", m.worktree.status),
            _ => format!("{} ({})", m.worktree.workdir, m.worktree.status),
        },
    );
    if let Some(anchor) = &m.worktree.anchor_base_commit {
        line("anchor:", anchor.clone());
    }
    line("created:", m.created_at.to_string());
    line("updated:", m.updated_at.to_string());
    if let Some(f) = m.finished_at {
        line("finished:", f.to_string());
    }
    if m.replay {
        line(
            "replay:",
            "yes: replay workers answered, not real models".to_owned(),
        );
    }
    for w in &m.workers {
        line(
            "worker:",
            format!(
                "{} ({}, {}, model {})",
                w.worker,
                w.kind,
                w.role,
                w.model.as_deref().unwrap_or("-")
            ),
        );
    }
    line(
        "checkpoints:",
        m.checkpoints
            .iter()
            .map(|c| c.checkpoint.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    );
    ctx.ui.data(&out);
    Ok(ExitStatus::Success)
}
