//! The JSON protocol of `okstra wizard --json`: each call loads the state under its lock,
//! asks the core machine (with the project's facts), saves the state, and prints one JSON
//! object on stdout. A refused answer prints the error object and exits 2; `run` parses the
//! confirmed invocation with the same command line a person would type and runs it here.

use okstra_core::config::Language;
use okstra_core::wizard::{
    Catalog, Invocation, WizardError, back, back_reply, current_step, error_reply, next,
    next_reply, submit, submit_reply,
};
use okstra_engine::{
    LoadedProject, ProjectFacts, clear_state, load_or_default_project, read_state, with_state,
};
use serde_json::{Value, json};

use super::WizardAction;
use crate::command_error::{CommandError, ErrorKind, ExitStatus};
use crate::context::CommandContext;

/// Runs one call of the protocol.
pub(super) fn run(
    ctx: &CommandContext,
    language: Option<&str>,
    action: &WizardAction,
) -> Result<ExitStatus, CommandError> {
    let home = ctx.home()?;
    let root = ctx.run_project_root();
    let project = load_or_default_project(&home, &root)?;
    let cat = Catalog::get(language_of(language, &project));
    let mut facts = ProjectFacts::new(home, project, ctx.cwd.clone(), ctx.env.vars().clone());
    match action {
        WizardAction::Next => match with_state(&root, |s| next(s, &facts, cat))? {
            Ok(n) => print(ctx, &next_reply(&n)),
            Err(e) => refused(ctx, &e),
        },
        WizardAction::Submit { step, value } => {
            let (answer, after) = with_state(&root, |s| {
                let answer = submit(s, &mut facts, cat, step, value);
                let after = answer.is_ok().then(|| next(s, &facts, cat));
                (answer, after)
            })?;
            match (answer, after) {
                (Ok(submitted), Some(after)) => {
                    print(ctx, &submit_reply(&submitted, after.as_ref()))
                }
                (Err(e), _) => refused(ctx, &e),
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
            print(ctx, &back_reply(undone, after.as_ref()))
        }
        WizardAction::State => {
            let state = read_state(&root)?;
            let command = Invocation::of(&state).command_line();
            print(ctx, &json!({ "state": state, "command": command }))
        }
        WizardAction::Reset => {
            let removed = clear_state(&root)?;
            print(ctx, &json!({ "reset": true, "removed": removed }))
        }
        WizardAction::Run { detach } => {
            let state = with_state(&root, |s| s.clone())?;
            if !state.confirmed {
                let step = current_step(&state, &facts, cat).ok();
                let message = match step {
                    Some(step) => {
                        format!("the run is not confirmed yet: the wizard asks {step} now")
                    }
                    None => "the run is not confirmed yet".to_owned(),
                };
                return refused(
                    ctx,
                    &WizardError {
                        step,
                        message,
                        valid: Vec::new(),
                    },
                );
            }
            let mut argv = Invocation::of(&state).argv;
            argv.push("--json".into());
            if *detach {
                argv.push("--detach".into());
            }
            let args = match crate::cli::parse_run(&argv) {
                Ok(args) => args,
                Err(e) => {
                    let message = e.to_string();
                    let message = message.lines().next().unwrap_or_default();
                    let message = message.trim_start_matches("error: ").to_owned();
                    return refused(
                        ctx,
                        &WizardError {
                            step: None,
                            message,
                            valid: Vec::new(),
                        },
                    );
                }
            };
            let result = crate::commands::run::cmd_run(ctx, &args);
            // A run that started (whatever its end) used the answers up; a refused one keeps
            // them, to change and start again.
            if !matches!(&result, Err(e) if e.kind == ErrorKind::User) {
                clear_state(&root)?;
            }
            result
        }
    }
}

/// Returns the prompts' language: `--language`, else the project's.
fn language_of(flag: Option<&str>, project: &LoadedProject) -> Language {
    flag.and_then(|l| l.parse().ok())
        .or(project.config.language)
        .unwrap_or_default()
}

fn print(ctx: &CommandContext, reply: &Value) -> Result<ExitStatus, CommandError> {
    let text = serde_json::to_string(reply).map_err(CommandError::internal)?;
    ctx.ui.data_line(&text);
    Ok(ExitStatus::Success)
}

/// Prints the error object and exits 2 with its message.
fn refused(ctx: &CommandContext, err: &WizardError) -> Result<ExitStatus, CommandError> {
    print(ctx, &error_reply(err))?;
    Err(CommandError::user_message(err.to_string()))
}
