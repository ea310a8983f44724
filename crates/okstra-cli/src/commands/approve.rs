//! `okstra approve <plan | run | --task g/id>` (SPEC §7.5): sets a plan's `approved: true` — in its data.json,
//! re-rendering the markdown, or in the front matter of a markdown-only plan — unless something
//! blocks it: a blocking plan-body gate, open `Blocks=approval` clarification items, a section 1
//! that cannot be parsed, a failing Stage Map rule, or a markdown whose `approved` was edited
//! away from its data's. Every reason is listed.

use clap::{ArgGroup, Args};
use okstra_engine::{Approval, approve_plan, load_plan};

use super::plan::target::{shown, target_files};
use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Approve an implementation plan, so its stages can be implemented
///
/// Refused, with every reason, when the plan-body gate blocked the plan, a clarification item
/// with Blocks=approval is still open, section 1 cannot be parsed, the plan fails `okstra plan
/// check`, or its markdown's `approved` differs from its data.json. With --task, the task's
/// latest implementation plan (by run seq).
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("which").required(true).args(["plan", "task"])))]
pub struct ApproveArgs {
    /// A plan: a markdown file, a final-report-implementation-planning-<seq>.data.json, or a
    /// run id (a unique prefix of one) or manifest path
    #[arg(value_name = "PLAN")]
    plan: Option<String>,

    /// The task whose latest plan to approve, as <group>/<id>
    #[arg(long, value_name = "GROUP/ID")]
    task: Option<String>,
}

/// Runs `okstra approve`.
pub fn cmd_approve(ctx: &CommandContext, args: &ApproveArgs) -> Result<ExitStatus, CommandError> {
    let plan = load_plan(target_files(
        ctx,
        args.plan.as_deref(),
        args.task.as_deref(),
    )?)?;
    match approve_plan(&plan)? {
        Approval::AlreadyApproved { plan } => {
            ctx.ui
                .data_line(&format!("already approved: {}", shown(ctx, &plan)));
        }
        Approval::Approved { plan, written } => {
            for path in &written {
                ctx.ui.status(&format!("wrote {}", shown(ctx, path)));
            }
            ctx.ui
                .data_line(&format!("approved: {}", shown(ctx, &plan)));
        }
    }
    Ok(ExitStatus::Success)
}
