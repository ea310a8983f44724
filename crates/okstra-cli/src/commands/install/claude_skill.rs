//! `okstra install claude-skill`: write the `okstra-run` skill where Claude Code finds it.

use std::path::PathBuf;

use clap::Args;
use okstra_engine::{SkillInstall, install_skill};

use crate::claude_skill::{SKILL_NAME, SKILL_TEXT, skills_dir, with_force_hint};
use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Install the okstra-run skill for Claude Code, which starts runs through `okstra wizard --json`
///
/// Writes okstra-run/SKILL.md into ~/.claude/skills (or $CLAUDE_CONFIG_DIR/skills, or DIR).
/// Running it again changes nothing; a SKILL.md there that differs is left alone without
/// --force.
#[derive(Debug, Args)]
pub struct InstallClaudeSkillArgs {
    /// Skills folder to install into, instead of Claude Code's own
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,

    /// Replace a SKILL.md there that differs from the one this okstra ships
    #[arg(long)]
    force: bool,
}

/// Runs `okstra install claude-skill`.
pub fn cmd_install_claude_skill(
    ctx: &CommandContext,
    args: &InstallClaudeSkillArgs,
) -> Result<ExitStatus, CommandError> {
    let dir = skills_dir(ctx, args.dir.as_ref())?;
    let outcome = install_skill(&dir, SKILL_NAME, SKILL_TEXT, args.force)
        .map_err(|e| with_force_hint(e, "keep it, or pass --force to replace it with okstra's"))?;
    let ui = &ctx.ui;
    match outcome {
        SkillInstall::Installed { path } => {
            ui.status(&format!(
                "installed the Claude Code skill {SKILL_NAME}: {}",
                path.display()
            ));
            ui.status("  new Claude Code sessions offer it: ask Claude to start an okstra run");
        }
        SkillInstall::Unchanged { path } => ui.status(&format!(
            "the Claude Code skill {SKILL_NAME} is already installed: {} (unchanged)",
            path.display()
        )),
        SkillInstall::Replaced { path } => ui.status(&format!(
            "replaced {} with the skill this okstra ships (--force)",
            path.display()
        )),
    }
    Ok(ExitStatus::Success)
}
