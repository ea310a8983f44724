//! `okstra plan check <plan | --task g/id>`: the structural rules of SPEC §7.2 (S1–S10, heading keywords,
//! options, section 1) over a plan, every violation listed as `path:line: S<n> <message>`
//! (or `path:/json/pointer: …` for a plan checked as report data).

use clap::{ArgGroup, Args};
use okstra_engine::{check_plan, open_plan};
use serde_json::json;

use super::target::{shown, target_files};
use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;
use crate::json_out::print_json;

/// Check a plan against the Stage Map rules S1–S10, the heading keywords and the options rule
///
/// A data.json with a structured plan is checked as data (positions are JSON pointers); a
/// markdown plan as markdown (positions are lines). Prints every violation on stdout and
/// exits 2 when there is any; else prints one line saying it passed. With --task, the task's
/// latest implementation plan (by run seq).
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("which").required(true).args(["plan", "task"])))]
pub struct PlanCheckArgs {
    /// A plan: a markdown file, a final-report-implementation-planning-<seq>.data.json, or a
    /// run id (a unique prefix of one) or manifest path
    #[arg(value_name = "PLAN")]
    plan: Option<String>,

    /// The task whose latest plan to check, as <group>/<id>
    #[arg(long, value_name = "GROUP/ID")]
    task: Option<String>,

    /// Print the result as JSON on stdout (printed too when the check fails)
    #[arg(long)]
    json: bool,
}

/// Runs `okstra plan check`.
pub fn cmd_plan_check(
    ctx: &CommandContext,
    args: &PlanCheckArgs,
) -> Result<ExitStatus, CommandError> {
    let files = target_files(ctx, args.plan.as_deref(), args.task.as_deref())?;
    let plan = open_plan(files)?;
    let check = check_plan(&plan)?;
    let path = shown(ctx, &check.path);
    if args.json {
        print_json(
            &ctx.ui,
            &json!({
                "plan": check.path.display().to_string(),
                "checkedAs": if check.as_data { "data" } else { "markdown" },
                "passed": check.violations.is_empty(),
                "stages": check.stages,
                "violations": check.violations.iter().map(|v| json!({
                    "rule": v.rule,
                    "at": v.at.to_string(),
                    "message": v.message,
                    "diagnostic": v.display_in(&path),
                })).collect::<Vec<_>>(),
            }),
        )?;
    } else {
        for v in &check.violations {
            ctx.ui.data_line(&v.display_in(&path));
        }
    }
    if check.violations.is_empty() {
        if !args.json {
            ctx.ui.data_line(&format!(
                "plan check passed: {path} ({} stage{})",
                check.stages,
                if check.stages == 1 { "" } else { "s" }
            ));
        }
        return Ok(ExitStatus::Success);
    }
    let n = check.violations.len();
    Err(CommandError::user_message(format!(
        "{path} fails plan check: {n} violation{}",
        if n == 1 { "" } else { "s" }
    ))
    .hint(if check.as_data {
        "a plan okstra wrote is fixed by a new `okstra run implementation-planning`, \
         not by editing its data.json"
    } else {
        "fix each line named above, then run `okstra plan check` again"
    }))
}
