//! Blame for installing or removing the Claude Code skill: every failure is about a folder the
//! user chose or owns (exit 2); the command adds the hint for a changed file.

use okstra_engine::SkillError;

use crate::command_error::CommandError;

impl From<SkillError> for CommandError {
    fn from(err: SkillError) -> Self {
        match &err {
            SkillError::Changed { .. } => CommandError::user(err)
                .hint("it was edited by hand or written by another okstra version"),
            SkillError::NotAFile { .. } => {
                CommandError::user(err).hint("move it out of the way, or choose --dir DIR")
            }
            SkillError::Io(_) => CommandError::user(err)
                .hint("check that the skills folder is one you can write, or choose --dir DIR"),
        }
    }
}
