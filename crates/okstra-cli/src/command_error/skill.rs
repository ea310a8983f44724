//! Blame for installing or removing the Claude Code skill or MCP server: every failure is about
//! a file or folder the user chose or owns (exit 2); the command adds the hint for a changed
//! file.

use okstra_engine::{McpConfigError, SkillError};

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

impl From<McpConfigError> for CommandError {
    fn from(err: McpConfigError) -> Self {
        match &err {
            McpConfigError::Changed { .. } => {
                CommandError::user(err).hint("it was written by hand or by `claude mcp add`")
            }
            McpConfigError::Malformed { .. } => CommandError::user(err)
                .hint("fix the file by hand (okstra does not rewrite a file it cannot read)"),
            McpConfigError::Io(_) => {
                CommandError::user(err).hint("check that the file is one you can write")
            }
        }
    }
}
