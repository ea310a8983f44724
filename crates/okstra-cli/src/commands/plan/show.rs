//! `okstra plan show <plan | --task g/id>`: a plan's stages with what each depends on and
//! where it stands — not started, started or done, from the task's stage ledger (repaired
//! from carry first; a stale stage counts as done here, `okstra ledger show` tells them apart)
//! for a plan of a task — and which are ready (no unmet dependency) or waiting on which stage;
//! as a table, JSON, or a Graphviz DAG.

use std::collections::BTreeSet;

use clap::{ArgGroup, Args};
use okstra_core::ledger::StageState;
use okstra_core::plan::PlanBody;
use okstra_core::plan::progress::{
    StageProgress, StageState as ProgressState, render_dot, stage_progress,
};
use okstra_engine::{LoadedPlan, check_plan, open_plan, plan_body, read_ledger_repaired};
use serde_json::json;

use super::target::{shown, target_files};
use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;
use crate::json_out::print_json;
use crate::ui::render_table;

/// Show a plan's stages: what each depends on, its state, and which are ready
///
/// With --task, the task's latest implementation plan (by run seq).
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("which").required(true).args(["plan", "task"])))]
pub struct PlanShowArgs {
    /// A plan: a markdown file, a final-report-implementation-planning-<seq>.data.json, or a
    /// run id (a unique prefix of one) or manifest path
    #[arg(value_name = "PLAN")]
    plan: Option<String>,

    /// The task whose latest plan to show, as <group>/<id>
    #[arg(long, value_name = "GROUP/ID")]
    task: Option<String>,

    /// Print the plan and its stages as JSON on stdout
    #[arg(long, conflicts_with = "dot")]
    json: bool,

    /// Print the Stage Map as a Graphviz digraph (pipe it to `dot -Tsvg`)
    #[arg(long)]
    dot: bool,
}

/// Runs `okstra plan show`.
pub fn cmd_plan_show(
    ctx: &CommandContext,
    args: &PlanShowArgs,
) -> Result<ExitStatus, CommandError> {
    let files = target_files(ctx, args.plan.as_deref(), args.task.as_deref())?;
    let plan = open_plan(files)?;
    let check = check_plan(&plan)?;
    let path = shown(ctx, &check.path);
    if !check.violations.is_empty() {
        ctx.ui.warn(&format!(
            "{path} fails plan check ({} violations): `okstra plan check {path}` lists them",
            check.violations.len()
        ));
    }
    let body = plan_body(&plan)?;
    if args.dot {
        ctx.ui.data(&render_dot(&body));
        return Ok(ExitStatus::Success);
    }
    let (started, done) = ledger_state(ctx, &plan, &body)?;
    let mut stages = stage_progress(&body, &started, &done);
    // A started stage is taken: it is not the next one to run.
    for stage in &mut stages {
        if stage.state == ProgressState::Started {
            stage.ready = false;
        }
    }
    let approved = plan.approved();
    if args.json {
        print_json(
            &ctx.ui,
            &json!({
                "plan": check.path.display().to_string(),
                "data": plan.files.data.as_ref().map(|p| p.display().to_string()),
                "markdown": plan.files.markdown.as_ref().map(|p| p.display().to_string()),
                "runId": plan.files.run.as_ref().map(|r| r.manifest.run_id.to_string()),
                "approved": approved,
                "gate": plan.gate().map(|g| g.result.as_str()),
                "violations": check.violations.len(),
                "stages": stages,
            }),
        )?;
        return Ok(ExitStatus::Success);
    }
    let gate = plan
        .gate()
        .map(|g| format!(", gate {}", g.result))
        .unwrap_or_default();
    ctx.ui.data_line(&format!(
        "plan: {path} ({} stage{}, {}{gate})",
        stages.len(),
        if stages.len() == 1 { "" } else { "s" },
        if approved { "approved" } else { "not approved" },
    ));
    let rows: Vec<Vec<String>> = stages.iter().map(row).collect();
    ctx.ui.data(&render_table(
        &["STAGE", "TITLE", "DEPENDS-ON", "STATE", "NEXT"],
        &rows,
    ));
    Ok(ExitStatus::Success)
}

/// Returns the started and done stages of a plan of a task, from the task's ledger (a plan
/// that is no task's run has none).
fn ledger_state(
    ctx: &CommandContext,
    plan: &LoadedPlan,
    body: &PlanBody,
) -> Result<(BTreeSet<u32>, BTreeSet<u32>), CommandError> {
    let Some(run) = &plan.files.run else {
        return Ok((BTreeSet::new(), BTreeSet::new()));
    };
    let m = &run.manifest;
    let task = m.paths().task().clone();
    let snapshot = read_ledger_repaired(&task)?;
    for warning in &snapshot.warnings {
        ctx.ui.warn(&format!(
            "{}: {warning}",
            shown(ctx, &task.consumers_ledger())
        ));
    }
    let book = snapshot.book(
        body,
        Some(&m.run_id.to_string()),
        &BTreeSet::new(),
        &std::collections::BTreeMap::new(),
    );
    if let Some(conflict) = &book.conflict {
        ctx.ui
            .warn(&format!("this plan's stages do not count: {conflict}"));
    }
    let started = book.numbers_where(|s| matches!(s, StageState::Started { .. }));
    let done = book.numbers_where(|s| matches!(s, StageState::Done(_) | StageState::Stale { .. }));
    Ok((started, done))
}

/// Returns a stage's table row.
fn row(stage: &StageProgress) -> Vec<String> {
    let numbers = |list: &[u32]| {
        list.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let next = if stage.ready {
        "ready".to_owned()
    } else if stage.waiting_on.is_empty() {
        "-".to_owned()
    } else {
        let stages = if stage.waiting_on.len() == 1 {
            "stage"
        } else {
            "stages"
        };
        format!("waiting on {stages} {}", numbers(&stage.waiting_on))
    };
    vec![
        stage.number.to_string(),
        stage.title.split_whitespace().collect::<Vec<_>>().join(" "),
        if stage.depends_on.is_empty() {
            "(none)".to_owned()
        } else {
            numbers(&stage.depends_on)
        },
        stage.state.as_str().to_owned(),
        next,
    ]
}
