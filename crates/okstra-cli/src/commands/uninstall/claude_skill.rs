//! `okstra uninstall claude-skill`: remove the `okstra-run` skill `install` wrote.

use std::path::PathBuf;

use clap::Args;
use okstra_engine::{SkillUninstall, uninstall_skill};

use crate::claude_skill::{SKILL_NAME, SKILL_TEXT, skills_dir, with_force_hint};
use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Remove the okstra-run skill for Claude Code
///
/// Removes only okstra-run/SKILL.md (and its folder when nothing else is in it); a SKILL.md
/// that differs from the one this okstra ships is left alone without --force.
#[derive(Debug, Args)]
pub struct UninstallClaudeSkillArgs {
    /// Skills folder to remove it from, instead of Claude Code's own
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,

    /// Remove the SKILL.md there even when it differs from the one this okstra ships
    #[arg(long)]
    force: bool,
}

/// Runs `okstra uninstall claude-skill`.
pub fn cmd_uninstall_claude_skill(
    ctx: &CommandContext,
    args: &UninstallClaudeSkillArgs,
) -> Result<ExitStatus, CommandError> {
    let dir = skills_dir(ctx, args.dir.as_ref())?;
    let outcome = uninstall_skill(&dir, SKILL_NAME, SKILL_TEXT, args.force)
        .map_err(|e| with_force_hint(e, "keep it, or pass --force to remove it anyway"))?;
    let ui = &ctx.ui;
    match outcome {
        SkillUninstall::Removed {
            path,
            folder_removed,
        } => {
            ui.status(&format!(
                "removed the Claude Code skill {SKILL_NAME}: {}",
                path.display()
            ));
            if !folder_removed && let Some(folder) = path.parent() {
                ui.status(&format!(
                    "  kept {}: other files are in it",
                    folder.display()
                ));
            }
        }
        SkillUninstall::NotInstalled { path } => ui.status(&format!(
            "the Claude Code skill {SKILL_NAME} is not installed: no {} (nothing removed)",
            path.display()
        )),
    }
    Ok(ExitStatus::Success)
}
