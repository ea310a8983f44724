//! `okstra validate <run>`: the run validator of SPEC §7.4.

use clap::Args;
use okstra_engine::{FoundRun, ValidationCheck, find_run, validate_run, validate_run_checks};
use serde_json::json;

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;
use crate::json_out::print_json;

/// Check a run: manifest, prompts, result headers, report data and markdown, consensus classes
///
/// Prints each failed check with its path; exits 3 when any check fails.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// A run id, a unique prefix of one, or a manifest path
    #[arg(value_name = "RUN")]
    run: String,

    /// Print every check made (passed or failed, with its file) as JSON on stdout
    #[arg(long)]
    json: bool,
}

/// Runs `okstra validate`.
pub fn cmd_validate(ctx: &CommandContext, args: &ValidateArgs) -> Result<ExitStatus, CommandError> {
    let home = ctx.home()?;
    let found = find_run(&home, &args.run)?;
    if args.json {
        let checks = validate_run_checks(&found.manifest);
        print_json(&ctx.ui, &checks_json(&found, &checks))?;
        return Ok(if checks.iter().all(ValidationCheck::passed) {
            ExitStatus::Success
        } else {
            ExitStatus::RunFailed
        });
    }
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

/// Returns the JSON of a validation: the run, whether it passed, and every check made.
fn checks_json(found: &FoundRun, checks: &[ValidationCheck]) -> serde_json::Value {
    let m = &found.manifest;
    let failed = checks.iter().filter(|c| !c.passed()).count();
    json!({
        "runId": m.run_id.to_string(),
        "taskKey": m.task_key().to_string(),
        "taskType": m.task_type,
        "runSeq": m.run_seq.get(),
        "manifest": found.manifest_path.display().to_string(),
        "passed": failed == 0,
        "failed": failed,
        "checks": checks
            .iter()
            .map(|c| json!({
                "check": c.check,
                "path": c.path.display().to_string(),
                "passed": c.passed(),
                "failures": c.failures,
            }))
            .collect::<Vec<_>>(),
    })
}
