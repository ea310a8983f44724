//! `okstra validate <run>`: the run validator of SPEC §7.4.

use clap::Args;
use okstra_engine::{find_run, validate_run};

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Check a run: manifest, prompts, result headers, report data and markdown, consensus classes
///
/// Prints each failed check with its path; exits 3 when any check fails.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// A run id, a unique prefix of one, or a manifest path
    #[arg(value_name = "RUN")]
    run: String,
}

/// Runs `okstra validate`.
pub fn cmd_validate(ctx: &CommandContext, args: &ValidateArgs) -> Result<ExitStatus, CommandError> {
    let home = ctx.home()?;
    let found = find_run(&home, &args.run)?;
    let failures = validate_run(&found.manifest);
    if failures.is_empty() {
        ctx.ui.data_line(&format!(
            "ok: run {} ({} #{}) passed every check",
            found.manifest.run_id, found.manifest.task_type, found.manifest.run_seq
        ));
        return Ok(ExitStatus::Success);
    }
    let mut text = String::new();
    for f in &failures {
        text.push_str(&format!("FAIL {f}\n"));
    }
    text.push_str(&format!(
        "{} check(s) failed for run {}\n",
        failures.len(),
        found.manifest.run_id
    ));
    ctx.ui.data(&text);
    Ok(ExitStatus::RunFailed)
}
