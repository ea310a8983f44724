//! `okstra approve <plan | run | --task g/id> [--supersede]` (SPEC §7.5, §8): sets a plan's
//! `approved: true` — in its data.json, re-rendering the markdown, or in the front matter of a
//! markdown-only plan — unless something blocks it: a blocking plan-body gate, open
//! `Blocks=approval` clarification items, a section 1 that cannot be parsed, a failing Stage
//! Map rule, or a markdown whose `approved` was edited away from its data's. Every reason is
//! listed. A plan with a data.json gets the approval's record there: when, through what, and
//! — through `okstra mcp` (the hidden `--mcp-client-name/--mcp-client-version`) — which client.
//!
//! Stage state belongs to one plan: approving a plan while stages of another plan of the task
//! are started or done is refused unless `--supersede` is given, which records the switch
//! (the ledger's `plan-switches.json`; the old plan's carries move to `carry/superseded-<k>/`).

use clap::{ArgGroup, Args};
use okstra_core::ledger::{SupersedeNeed, stage_list};
use okstra_core::report::{ApprovalChannel, ApprovalClient, ApprovalRecord};
use okstra_engine::{Approval, approve_plan, load_plan, record_supersede, supersede_check};
use serde_json::json;

use super::plan::target::{shown, target_files};
use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;
use crate::json_out::print_json;

/// Approve an implementation plan, so its stages can be implemented
///
/// Refused, with every reason, when the plan-body gate blocked the plan, a clarification item
/// with Blocks=approval is still open, section 1 cannot be parsed, the plan fails `okstra plan
/// check`, or its markdown's `approved` differs from its data.json. With --task, the task's
/// latest implementation plan (by run seq). Refused too while stages of another plan of the
/// task are started or done, unless --supersede is given.
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

    /// Switch the task to this plan even though stages of another plan are started or done:
    /// from then on only this plan's stages count (the other plan's carries are kept under
    /// runs/implementation/carry/superseded-<k>/)
    #[arg(long)]
    supersede: bool,

    /// Print what was done as JSON on stdout: the plan, whether it was already approved, the
    /// files written, the approval recorded, the switch recorded
    #[arg(long)]
    json: bool,

    /// The MCP client asking for the approval, as its initialize request named it (set by
    /// `okstra mcp`'s approve tool; recorded in the plan's data.json)
    #[arg(
        long,
        hide = true,
        value_name = "NAME",
        requires = "mcp_client_version"
    )]
    mcp_client_name: Option<String>,

    /// That MCP client's version
    #[arg(
        long,
        hide = true,
        value_name = "VERSION",
        requires = "mcp_client_name"
    )]
    mcp_client_version: Option<String>,
}

impl ApproveArgs {
    /// Returns the record of an approval made now through this command.
    fn record(&self) -> ApprovalRecord {
        let client = match (&self.mcp_client_name, &self.mcp_client_version) {
            (Some(name), Some(version)) => Some(ApprovalClient::new(name, version)),
            _ => None,
        };
        let via = if client.is_some() {
            ApprovalChannel::Mcp
        } else {
            ApprovalChannel::Cli
        };
        ApprovalRecord::new(jiff::Timestamp::now(), via, client)
    }
}

/// Runs `okstra approve`.
pub fn cmd_approve(ctx: &CommandContext, args: &ApproveArgs) -> Result<ExitStatus, CommandError> {
    let plan = load_plan(target_files(
        ctx,
        args.plan.as_deref(),
        args.task.as_deref(),
    )?)?;
    // How the user named the plan, for the hints.
    let named = match (&args.plan, &args.task) {
        (Some(plan), _) => plan.clone(),
        (None, Some(task)) => format!("--task {task}"),
        (None, None) => String::new(),
    };
    // The task's ledger, for a plan that is a run of a task.
    let ledger = plan.files.run.as_ref().map(|run| {
        let m = &run.manifest;
        (m.paths().task().clone(), m.run_id.to_string())
    });
    let need = match &ledger {
        Some((task, plan_run_id)) => supersede_check(task, plan_run_id)?,
        None => None,
    };
    let already = plan.approved() && plan.check_mirror().is_ok();
    if let Some(need) = need.as_ref().filter(|n| n.has_stages())
        && !args.supersede
    {
        if already {
            ctx.ui.warn(&format!(
                "this plan's stages do not count: {}; `okstra approve {named} --supersede` switches the task to it",
                replaced(need)
            ));
        } else {
            return Err(CommandError::user_message(format!(
                "{} cannot be approved over another plan: {}",
                shown(ctx, plan.files.main_path()),
                replaced(need)
            ))
            .hint(format!(
                "`okstra approve {named} --supersede` switches the task to this plan; the other plan's carries are kept"
            )));
        }
    }
    let record = args.record();
    let (approved_path, already, written) = match approve_plan(&plan, record.clone())? {
        Approval::AlreadyApproved { plan } => (plan, true, Vec::new()),
        Approval::Approved { plan, written } => (plan, false, written),
    };
    // The approval on record: this one, the earlier one for a plan already approved, none
    // for a markdown-only plan (it has no data.json to keep it in).
    let approval = if already {
        plan.data.as_ref().and_then(|d| d.approval.clone())
    } else {
        plan.data.as_ref().map(|_| record)
    };
    if !args.json {
        for path in &written {
            ctx.ui.status(&format!("wrote {}", shown(ctx, path)));
        }
        let word = if already {
            "already approved"
        } else {
            "approved"
        };
        ctx.ui
            .data_line(&format!("{word}: {}", shown(ctx, &approved_path)));
    }
    let switch_now = need
        .as_ref()
        .is_some_and(|n| args.supersede || !n.has_stages());
    let switch = match (switch_now, &ledger) {
        (true, Some((task, plan_run_id))) => {
            record_supersede(task, plan_run_id, jiff::Timestamp::now())?
        }
        _ => None,
    };
    if args.json {
        print_json(
            &ctx.ui,
            &json!({
                "plan": approved_path.display().to_string(),
                "planRunId": ledger.as_ref().map(|(_, id)| id),
                "alreadyApproved": already,
                "written": written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
                "approval": approval,
                "superseded": switch,
            }),
        )?;
        return Ok(ExitStatus::Success);
    }
    if let Some(switch) = switch {
        let from = switch.from.as_deref().unwrap_or("(the original's rows)");
        let mut line = format!("superseded: plan {from} by plan {}", switch.to);
        if !switch.done.is_empty() || !switch.started.is_empty() {
            line.push_str(&format!(
                " ({})",
                replaced(&SupersedeNeed {
                    from: switch.from.clone(),
                    started: switch.started.clone(),
                    done: switch.done.clone(),
                })
            ));
        }
        ctx.ui.data_line(&line);
        if let Some(archive) = &switch.carry_archive {
            ctx.ui.status(&format!(
                "moved {} carry sidecar(s) to {archive} (relative to the task folder)",
                switch.archived.len()
            ));
        }
    }
    Ok(ExitStatus::Success)
}

/// Returns `stages 1, 2 of plan X done, stage 3 started`.
fn replaced(need: &SupersedeNeed) -> String {
    let plan = need.from.as_deref().map_or_else(
        || "the original okstra's ledger".to_owned(),
        |p| format!("plan {p}"),
    );
    let mut parts = Vec::new();
    if !need.done.is_empty() {
        parts.push(format!("{} done", stage_list(&need.done)));
    }
    if !need.started.is_empty() {
        parts.push(format!("{} started", stage_list(&need.started)));
    }
    format!("{} of {plan}", parts.join(", "))
}
