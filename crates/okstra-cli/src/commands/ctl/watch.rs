//! `--watch`: a frame redrawn in place every interval until Ctrl-C. On a terminal each frame
//! clears the screen first; into a pipe frames follow one another, each ended by a blank line,
//! so the output can be read or logged.

use std::io::IsTerminal as _;
use std::time::Duration;

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Prints `frame()` every `every` until the process is interrupted.
pub(super) fn watch(
    ctx: &CommandContext,
    every: Duration,
    frame: impl Fn() -> Result<String, CommandError>,
) -> Result<ExitStatus, CommandError> {
    let tty = std::io::stdout().is_terminal();
    loop {
        let text = frame()?;
        if tty {
            // Home, then clear the screen: the frame is redrawn in place.
            ctx.ui.clear_screen();
            ctx.ui.data(&text);
        } else {
            ctx.ui.data(&format!("{text}\n"));
        }
        if let Some(err) = ctx.ui.take_stdout_failure() {
            // A reader that went away ends the watch.
            return Err(err.into());
        }
        okstra_engine::pause_between_frames(every);
    }
}
