//! The JSON protocol of `okstra wizard --json`: each call loads the state under its lock,
//! asks the core machine (with the project's facts), saves the state, and prints one JSON
//! object on stdout. A refused answer prints the error object and exits 2; `run` parses the
//! confirmed invocation with the same command line a person would type and runs it here.

use std::cell::Cell;
use std::path::Path;

use okstra_core::config::Language;
use okstra_core::wizard::{
    Catalog, Invocation, WizardError, WizardState, back, back_reply, current_step, error_reply,
    next, next_reply, submit, submit_reply,
};
use okstra_engine::{
    LoadedProject, ProjectFacts, clear_state, load_or_default_project, read_state, with_state,
};
use serde_json::{Value, json};

use super::WizardAction;
use crate::command_error::{CommandError, ErrorKind, ExitStatus};
use crate::context::CommandContext;

/// Runs one call of the protocol. Whatever fails, the reply is one JSON object: a failure that
/// printed nothing (a project.json that cannot be read, a state file that cannot be written)
/// replies with its error.
pub(super) fn run(
    ctx: &CommandContext,
    language: Option<&str>,
    action: &WizardAction,
) -> Result<ExitStatus, CommandError> {
    let out = Out {
        ctx,
        printed: Cell::new(false),
    };
    let result = answer(&out, language, action);
    if let Err(e) = &result
        && !out.printed.get()
    {
        out.print(&error_reply(&WizardError {
            step: None,
            message: described(e),
            valid: Vec::new(),
        }))?;
    }
    result
}

/// Where the replies go, and whether one was printed.
struct Out<'a> {
    ctx: &'a CommandContext,
    printed: Cell<bool>,
}

fn answer(
    out: &Out<'_>,
    language: Option<&str>,
    action: &WizardAction,
) -> Result<ExitStatus, CommandError> {
    let ctx = out.ctx;
    let home = ctx.home()?;
    let root = ctx.run_project_root();
    let project = load_or_default_project(&home, &root)?;
    let cat = Catalog::get(language_of(language, &project));
    let mut facts = ProjectFacts::new(home, project, ctx.cwd.clone(), ctx.env.vars().clone());
    match action {
        WizardAction::Next => match with_state(&root, |s| next(s, &facts, cat))? {
            Ok(n) => out.print(&next_reply(&n)),
            Err(e) => out.refused(&e),
        },
        WizardAction::Submit { step, value } => {
            let (answer, after) = with_state(&root, |s| {
                let answer = submit(s, &mut facts, cat, step, value);
                let after = answer.is_ok().then(|| next(s, &facts, cat));
                (answer, after)
            })?;
            match (answer, after) {
                (Ok(submitted), Some(after)) => {
                    out.print(&submit_reply(&submitted, after.as_ref()))
                }
                (Err(e), _) => out.refused(&e),
                (Ok(_), None) => Err(CommandError::internal(std::io::Error::other(
                    "the wizard accepted an answer but has no next step",
                ))),
            }
        }
        WizardAction::Back => {
            let (undone, after) = with_state(&root, |s| {
                let undone = back(s);
                (undone, next(s, &facts, cat))
            })?;
            out.print(&back_reply(undone, after.as_ref()))
        }
        WizardAction::State => {
            let state = read_state(&root)?;
            let command = Invocation::of(&state).command_line();
            out.print(&json!({ "state": state, "command": command }))
        }
        WizardAction::Reset => {
            let removed = clear_state(&root)?;
            out.print(&json!({ "reset": true, "removed": removed }))
        }
        WizardAction::Run { detach } => start(out, &root, &facts, cat, *detach),
    }
}

/// Starts the confirmed run. Its answers are taken out of the state file under the lock first,
/// so a second `run` cannot start it again; a run that is refused (exit 2) gives them back, to
/// change and start again.
fn start(
    out: &Out<'_>,
    root: &Path,
    facts: &ProjectFacts,
    cat: &Catalog,
    detach: bool,
) -> Result<ExitStatus, CommandError> {
    let ctx = out.ctx;
    let state = with_state(root, |s| {
        if s.confirmed {
            std::mem::take(s)
        } else {
            s.clone()
        }
    })?;
    if !state.confirmed {
        let step = current_step(&state, facts, cat).ok();
        let message = match step {
            Some(step) => format!("the run is not confirmed yet: the wizard asks {step} now"),
            None => "the run is not confirmed yet".to_owned(),
        };
        return out.refused(&WizardError {
            step,
            message,
            valid: Vec::new(),
        });
    }
    let give_back = || {
        with_state(root, |s| {
            if *s == WizardState::default() {
                *s = state.clone();
            }
        })
    };
    let mut argv = Invocation::of(&state).argv;
    argv.push("--json".into());
    if detach {
        argv.push("--detach".into());
    }
    let args = match crate::cli::parse_run(&argv) {
        Ok(args) => args,
        Err(e) => {
            give_back()?;
            let message = e.to_string();
            let message = message.lines().next().unwrap_or_default();
            let message = message.trim_start_matches("error: ").to_owned();
            return out.refused(&WizardError {
                step: None,
                message,
                valid: Vec::new(),
            });
        }
    };
    let result = crate::commands::run::cmd_run(ctx, &args);
    if matches!(&result, Err(e) if e.kind == ErrorKind::User) {
        give_back()?;
    } else {
        clear_state(root)?;
    }
    // A run that could not start printed nothing: `run` replies with its error.
    result
}

/// Returns the prompts' language: `--language`, else the project's.
fn language_of(flag: Option<&str>, project: &LoadedProject) -> Language {
    flag.and_then(|l| l.parse().ok())
        .or(project.config.language)
        .unwrap_or_default()
}

impl Out<'_> {
    fn print(&self, reply: &Value) -> Result<ExitStatus, CommandError> {
        let text = serde_json::to_string(reply).map_err(CommandError::internal)?;
        self.ctx.ui.data_line(&text);
        self.printed.set(true);
        Ok(ExitStatus::Success)
    }

    /// Prints the error object and exits 2 with its message.
    fn refused(&self, err: &WizardError) -> Result<ExitStatus, CommandError> {
        self.print(&error_reply(err))?;
        Err(CommandError::user_message(err.to_string()))
    }
}

/// Returns a command error as one message: the error, then its hints.
fn described(e: &CommandError) -> String {
    std::iter::once(e.error.to_string())
        .chain(e.hints.iter().map(|h| format!("hint: {h}")))
        .collect::<Vec<_>>()
        .join("\n")
}
