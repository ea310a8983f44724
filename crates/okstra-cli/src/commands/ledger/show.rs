//! `okstra ledger show --task g/id [--json]`: each stage of the task's plan — the one a switch
//! put in force, else its latest approved plan — with its state (done, stale, started, reserved,
//! ready, blocked by M), the run that started or finished it, its head and its carry. A
//! started stage whose run is gone says so (`started (run X is dead)`); a stale one names both
//! trees.

use clap::Args;
use okstra_core::Stage;
use okstra_core::ledger::{StageEntry, StageState};
use okstra_engine::{PlanChoice, RunLiveness, TaskBook, check_plan, run_liveness, task_book};
use serde_json::{Value, json};

use super::task::{Task, short, task, warn_skipped_lines};
use crate::command_error::{CommandError, ExitStatus};
use crate::commands::plan::target::shown;
use crate::context::CommandContext;
use crate::json_out::print_json;
use crate::ui::render_table;

/// Show where each stage of a task's plan stands
///
/// The plan is the one `okstra approve --supersede` put in force, else the task's latest
/// approved plan. Each stage is done, stale (done, but its stage branch now points at another
/// tree than its carry's evidence), started (by which run; `is dead` when that run's process
/// is gone), reserved, ready, or blocked by the stages it waits on. The ledger is repaired
/// from the carry sidecars first.
#[derive(Debug, Args)]
pub struct LedgerShowArgs {
    /// The task, as <group>/<id>
    #[arg(long, value_name = "GROUP/ID")]
    task: String,

    /// Print the plan and its stages as JSON on stdout
    #[arg(long)]
    json: bool,
}

/// Runs `okstra ledger show`.
pub fn cmd_ledger_show(
    ctx: &CommandContext,
    args: &LedgerShowArgs,
) -> Result<ExitStatus, CommandError> {
    let task = task(ctx, &args.task)?;
    let home = ctx.home()?;
    let root = ctx.run_project_root();
    let TaskBook {
        snapshot,
        plan,
        choice,
        plan_run_id,
        book,
        ..
    } = task_book(&home, &root, &task.group, &task.id, &task.paths)?;
    let check = check_plan(&plan)?;
    let path = shown(ctx, &check.path);
    let rows: Vec<Shown> = book.stages.iter().map(|s| shown_stage(&task, s)).collect();
    if args.json {
        print_json(
            &ctx.ui,
            &json!({
                "plan": check.path.display().to_string(),
                "planRunId": plan_run_id,
                "approved": plan.approved(),
                "choice": match choice {
                    PlanChoice::InForce => "in-force",
                    PlanChoice::LatestApproved => "latest-approved",
                    PlanChoice::LatestUnapproved => "latest-unapproved",
                },
                "conflict": book.conflict.as_ref().map(ToString::to_string),
                "ledger": task.paths.consumers_ledger().display().to_string(),
                "recovered": snapshot.recovered.len(),
                "warnings": snapshot.warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "stages": rows.iter().map(|r| r.json.clone()).collect::<Vec<_>>(),
            }),
        )?;
        return Ok(ExitStatus::Success);
    }
    warn_skipped_lines(ctx, &task, &snapshot);
    if !snapshot.recovered.is_empty() {
        ctx.ui.status(&format!(
            "recovered {} done row(s) from carry sidecars",
            snapshot.recovered.len()
        ));
    }
    if choice == PlanChoice::LatestUnapproved {
        ctx.ui.warn(&format!(
            "no plan of the task is approved; showing its latest, {path}"
        ));
    }
    if let Some(conflict) = &book.conflict {
        ctx.ui
            .warn(&format!("this plan's stages do not count: {conflict}"));
    }
    ctx.ui.data_line(&format!(
        "plan: {path} (run {}, {} stage{}, {})",
        plan_run_id.as_deref().unwrap_or("-"),
        book.stages.len(),
        if book.stages.len() == 1 { "" } else { "s" },
        if plan.approved() {
            "approved"
        } else {
            "not approved"
        },
    ));
    let table: Vec<Vec<String>> = rows.iter().map(|r| r.cells.clone()).collect();
    ctx.ui.data(&render_table(
        &["STAGE", "TITLE", "STATE", "RUN", "HEAD", "CARRY"],
        &table,
    ));
    for note in rows.iter().filter_map(|r| r.note.as_deref()) {
        ctx.ui.data_line(note);
    }
    Ok(ExitStatus::Success)
}

/// A stage as `ledger show` prints it.
struct Shown {
    cells: Vec<String>,
    note: Option<String>,
    json: Value,
}

/// Returns a stage's table row, note and JSON.
fn shown_stage(task: &Task, entry: &StageEntry) -> Shown {
    let dash = || "-".to_owned();
    let title = entry.title.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut json = json!({
        "stage": entry.stage,
        "title": entry.title,
        "dependsOn": entry.depends_on,
        "state": entry.state.word(),
    });
    let mut note = None;
    let (state, run, head, carry) = match &entry.state {
        StageState::Done(done) => {
            json["runId"] = json!(done.run_id);
            json["head"] = json!(done.head);
            json["carryPath"] = json!(done.carry_path);
            json["source"] = json!(done.source);
            json["recordedTree"] = json!(done.recorded_tree);
            (
                "done".to_owned(),
                done.run_id.clone().unwrap_or_else(dash),
                done.head
                    .as_deref()
                    .map_or_else(dash, |h| short(h).to_owned()),
                done.carry_path.clone().unwrap_or_else(dash),
            )
        }
        StageState::Stale { done, current_tree } => {
            let recorded = done.recorded_tree.clone().unwrap_or_default();
            note = Some(format!(
                "stage {}: stale — its branch points at tree {}, its evidence was taken on {}; re-verify it before later gates",
                entry.stage,
                short(current_tree),
                short(&recorded)
            ));
            json["runId"] = json!(done.run_id);
            json["head"] = json!(done.head);
            json["carryPath"] = json!(done.carry_path);
            json["recordedTree"] = json!(done.recorded_tree);
            json["currentTree"] = json!(current_tree);
            (
                "stale".to_owned(),
                done.run_id.clone().unwrap_or_else(dash),
                done.head
                    .as_deref()
                    .map_or_else(dash, |h| short(h).to_owned()),
                done.carry_path.clone().unwrap_or_else(dash),
            )
        }
        StageState::Started {
            run_id,
            base,
            started_at,
        } => {
            let liveness = run_id
                .as_deref()
                .zip(Stage::new(entry.stage).ok())
                .map(|(run, stage)| run_liveness(&task.paths, stage, run));
            json["runId"] = json!(run_id);
            json["base"] = json!(base);
            json["startedAt"] = json!(started_at);
            json["run"] = json!(liveness.map(liveness_word));
            let state = match (run_id, liveness) {
                (Some(run), Some(RunLiveness::Dead)) => format!("started (run {run} is dead)"),
                (Some(run), Some(RunLiveness::Ended(status))) => {
                    format!("started (run {run} {status})")
                }
                (Some(run), Some(RunLiveness::Prepared)) => format!("started (run {run} prepared)"),
                (Some(run), Some(RunLiveness::NoManifest)) => {
                    format!("started (run {run}, no manifest)")
                }
                _ => "started".to_owned(),
            };
            (state, run_id.clone().unwrap_or_else(dash), dash(), dash())
        }
        StageState::Blocked { by } => {
            json["blockedBy"] = json!(by);
            (entry.state.to_string(), dash(), dash(), dash())
        }
        StageState::Reserved | StageState::Ready => {
            (entry.state.to_string(), dash(), dash(), dash())
        }
    };
    Shown {
        cells: vec![entry.stage.to_string(), title, state, run, head, carry],
        note,
        json,
    }
}

fn liveness_word(liveness: RunLiveness) -> String {
    match liveness {
        RunLiveness::Running => "running".to_owned(),
        RunLiveness::Prepared => "prepared".to_owned(),
        RunLiveness::Dead => "dead".to_owned(),
        RunLiveness::Ended(status) => status.to_string(),
        RunLiveness::NoManifest => "no-manifest".to_owned(),
    }
}
