//! The JSON protocol of `okstra wizard --json`: each call loads the state under its lock,
//! asks the core machine (with the project's facts), saves the state, and prints one JSON
//! object on stdout. A refused answer prints the error object and exits 2; `run` parses the
//! confirmed invocation with the same command line a person would type and runs it here.

use std::cell::Cell;
use std::path::{Path, PathBuf};

use okstra_core::config::Language;
use okstra_core::wizard::{
    Catalog, Invocation, WizardError, WizardState, back, back_reply, current_step, error_reply,
    next, next_reply, submit, submit_reply,
};
use okstra_engine::{
    ProjectFacts, clear_fresh_state, clear_state, load_or_default_project, read_state, with_state,
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
    let cat = Catalog::get(super::language_of(language, &project));
    // The folder the wizard was begun in: typed paths are read against it by every call,
    // from whatever folder of the project, and the run starts there.
    let folder = read_state(&root)
        .ok()
        .and_then(|s| s.folder)
        .map(PathBuf::from)
        .filter(|f| f.is_dir())
        .unwrap_or_else(|| ctx.cwd.clone());
    let flag_language = language.and_then(|l| l.parse::<Language>().ok());
    let mut facts = ProjectFacts::new(home, project, folder.clone(), ctx.env.vars().clone());
    match action {
        WizardAction::Next => match with_state(&root, |s| next(s, &facts, cat))? {
            Ok(n) => out.print(&next_reply(&n)),
            Err(e) => out.refused(&e),
        },
        WizardAction::Submit { step, value } => {
            let (answer, after) = with_state(&root, |s| {
                let answer = submit(s, &mut facts, cat, step, value);
                if answer.is_ok() {
                    s.folder.get_or_insert_with(|| folder.display().to_string());
                    if flag_language.is_some() {
                        s.language = flag_language;
                    }
                }
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
        WizardAction::Run { detach } => {
            let here = CommandContext {
                env: ctx.env.clone(),
                cwd: folder,
                ui: ctx.ui.clone(),
            };
            let inner = Out {
                ctx: &here,
                printed: Cell::new(false),
            };
            let started = start(&inner, &root, &facts, cat, *detach);
            out.printed.set(inner.printed.get());
            started
        }
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
            return out.refused(&WizardError {
                step: None,
                message: e,
                valid: Vec::new(),
            });
        }
    };
    let result = crate::commands::run::cmd_run(ctx, &args);
    if matches!(&result, Err(e) if e.kind == ErrorKind::User) {
        give_back()?;
    } else {
        // Another wizard begun while this run ran (it may take minutes) is kept.
        clear_fresh_state(root)?;
    }
    // A run that could not start printed nothing: `run` replies with its error.
    result
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
