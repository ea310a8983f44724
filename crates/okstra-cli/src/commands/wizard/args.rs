//! The arguments of `okstra wizard` (whose doc comments are its help) and the one dispatch:
//! `--json` calls go to the protocol, no call to the terminal front.

use clap::{Args, Subcommand};

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Ask step by step what a run needs, then start it
///
/// Asks the task type, the task, its brief, the base ref of a new task's worktree, the plan and
/// stage of an implementation run, the agents, models and options, then shows the exact
/// `okstra run …` command and starts it. With --json it speaks a protocol for agent UIs
/// instead: `next` prints the current step's prompt, `submit <step> <value>` answers it, `back`
/// undoes the last answer, `state` and `reset` show and forget the answers (kept in
/// .okstra/wizard/state.json), and `run` starts the confirmed run. Each reply is one JSON
/// object on stdout; a refused answer is a JSON error naming the step and the valid values,
/// with exit code 2.
#[derive(Debug, Args)]
pub struct WizardArgs {
    /// Speak the JSON protocol (one JSON object per reply on stdout)
    #[arg(long)]
    json: bool,

    /// Language of the prompts: en or ko (default: the project's language)
    #[arg(long, value_name = "LANG", value_parser = ["en", "ko"])]
    language: Option<String>,

    #[command(subcommand)]
    action: Option<WizardAction>,
}

/// A call of the JSON protocol.
#[derive(Debug, Subcommand)]
pub(crate) enum WizardAction {
    /// Print the current step's prompt (or, once confirmed, the run it will start)
    Next,
    /// Answer the current step (a multi pick takes values separated by commas)
    Submit {
        /// The step answered, e.g. task_type
        step: String,
        /// The answer: an option's value, or the text
        #[arg(allow_hyphen_values = true)]
        value: String,
    },
    /// Undo the last answer
    Back,
    /// Print the answers so far
    State,
    /// Forget every answer
    Reset,
    /// Start the confirmed run
    Run {
        /// Start it detached in a tmux session (okstra run --detach)
        #[arg(long)]
        detach: bool,
    },
}

/// Runs `okstra wizard`.
pub fn cmd_wizard(ctx: &CommandContext, args: &WizardArgs) -> Result<ExitStatus, CommandError> {
    match (args.json, &args.action) {
        (true, Some(action)) => super::json::run(ctx, args.language.as_deref(), action),
        (true, None) => super::json::run(ctx, args.language.as_deref(), &WizardAction::Next),
        (false, None) => super::tty::run(ctx, args.language.as_deref()),
        (false, Some(_)) => Err(CommandError::user_message(
            "`okstra wizard next|submit|back|state|reset|run` are calls of the JSON protocol",
        )
        .hint("add --json, e.g. `okstra wizard --json next`")),
    }
}
