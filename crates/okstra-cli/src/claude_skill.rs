//! Owns the Claude Code skill okstra ships — `okstra-run/SKILL.md`, embedded in the binary — and
//! where it is installed: `--dir`, else `$CLAUDE_CONFIG_DIR/skills`, else `~/.claude/skills`
//! (where Claude Code looks for a user's skills). Writing and removing it is the engine's.

use std::path::PathBuf;

use okstra_core::env_vars;
use okstra_engine::SkillError;

use crate::command_error::CommandError;
use crate::context::CommandContext;

/// The skill's name: its folder, and the `name` in its frontmatter.
pub(crate) const SKILL_NAME: &str = "okstra-run";

/// The skill's text.
pub(crate) const SKILL_TEXT: &str = include_str!("../skill/okstra-run/SKILL.md");

/// Returns the skills folder: `dir` (relative to where okstra was started), else Claude Code's
/// own.
pub(crate) fn skills_dir(
    ctx: &CommandContext,
    dir: Option<&PathBuf>,
) -> Result<PathBuf, CommandError> {
    if let Some(dir) = dir {
        return Ok(ctx.env.start_dir().join(dir));
    }
    let config = if let Some(config) = ctx.env.get(env_vars::CLAUDE_CONFIG_DIR) {
        PathBuf::from(config)
    } else if let Some(home) = ctx.env.get("HOME") {
        PathBuf::from(home).join(".claude")
    } else {
        return Err(CommandError::user_message(
            "cannot find Claude Code's skills folder: neither CLAUDE_CONFIG_DIR nor HOME is set",
        )
        .hint("name the folder with --dir DIR"));
    };
    Ok(ctx.env.start_dir().join(config).join("skills"))
}

/// Returns the command error of `err`, with `hint` (what `--force` would do) when the file there
/// differs from okstra's.
pub(crate) fn with_force_hint(err: SkillError, hint: &str) -> CommandError {
    let changed = matches!(err, SkillError::Changed { .. });
    let err = CommandError::from(err);
    if changed { err.hint(hint) } else { err }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_skill_names_itself_and_says_what_it_does() {
        let front = SKILL_TEXT
            .strip_prefix("---\n")
            .and_then(|rest| rest.split_once("\n---\n"))
            .map(|(front, _)| front)
            .expect("SKILL.md starts with a frontmatter block");
        let field = |key: &str| {
            front
                .lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix(": "))
                .unwrap_or_else(|| panic!("no `{key}` in the frontmatter"))
        };
        assert_eq!(field("name"), SKILL_NAME);
        assert!(field("description").contains("okstra wizard --json"));
    }
}
