//! `okstra demo --only analysis`: the short demo — an error-analysis run on the sample project
//! by three scripted replay analysers and a scripted report writer, with its whole progress,
//! then the run's summary (absolute paths: the user stands outside the demo project) and what
//! to do next: the `validate` command and how to remove the folder.

use okstra_core::env_vars::OKSTRA_HOME;

use super::closing::{remove_line, validate_command};
use super::sample::{Demo, TASK};
use crate::command_error::{CommandError, ExitStatus};
use crate::commands::run::{RunArgs, run_and_report};
use crate::context::CommandContext;
use crate::invocation::Invocation;

/// Runs the short demo in the made `demo` folder.
pub(super) fn run(ctx: &CommandContext, demo: &Demo) -> Result<ExitStatus, CommandError> {
    ctx.ui
        .status(&format!("demo folder: {}", demo.dir.display()));
    ctx.ui.status(&format!(
        "OKSTRA_HOME: {} (the demo never touches your own)",
        demo.home.display()
    ));
    ctx.ui.status(
        "the workers are REPLAY workers: scripted answers from a fixture, not models — no network, no credentials",
    );
    let demo_ctx = CommandContext {
        env: ctx
            .env
            .clone()
            .with(OKSTRA_HOME, &demo.home.display().to_string()),
        cwd: demo.project.clone(),
        ui: ctx.ui.clone(),
    };
    let (status, summary) =
        run_and_report(&demo_ctx, &RunArgs::for_demo(TASK, demo.brief.clone()))?;
    if let Some(summary) = summary {
        // The run's summary already said where the report is and that replay workers answered;
        // these lines add only what to do next, in commands that work from where the user is.
        let okstra = Invocation::detect(&ctx.env);
        ctx.ui.status(&format!(
            "validate the run: {}",
            validate_command(&okstra, &demo.home, &summary.run_id.to_string())
        ));
        ctx.ui
            .status(&format!("remove the demo:  {}", remove_line(&demo.dir)));
    }
    Ok(status)
}
