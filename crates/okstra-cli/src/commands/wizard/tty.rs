//! The terminal front of the wizard (arrow-key picks, Esc goes back, Ctrl-C leaves). Built by
//! issue 13's terminal work; until then it says so.

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Runs the terminal wizard.
pub(super) fn run(
    _ctx: &CommandContext,
    _language: Option<&str>,
) -> Result<ExitStatus, CommandError> {
    Err(
        CommandError::user_message("the terminal wizard is not built yet; use --json")
            .hint("`okstra wizard --json next` prints the first step"),
    )
}
