//! `okstra task show <g/id> [--html|--json]`: a task's overview — every run in order with its
//! status and page, the latest report of each type, and the Stage Map of its plan with each
//! stage's state — as text, as JSON, or written as `.okstra/tasks/<g>/<id>/overview.html`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Args;
use okstra_core::TaskKey;
use okstra_core::config::Language;
use okstra_core::plan::model::Stage;
use okstra_core::report::html::{OverviewInput, OverviewRun, latest_pages, render_overview};
use okstra_engine::{
    LedgerError, PlanFileError, load_project, task_book, task_overview_runs, write_task_overview,
};
use serde_json::json;

use crate::command_error::{CommandError, ExitStatus};
use crate::commands::ledger::task::{Task, task};
use crate::commands::plan::target::shown;
use crate::context::CommandContext;
use crate::json_out::print_json;
use crate::ui::render_table;

/// Show a task's overview: its runs, its stages and its latest reports
///
/// With --html, writes the overview as one self-contained page,
/// .okstra/tasks/<group>/<id>/overview.html, and prints its path (`okstra open <group>/<id>`
/// opens it).
#[derive(Debug, Args)]
pub struct TaskShowArgs {
    /// The task, as <group>/<id>
    #[arg(value_name = "GROUP/ID")]
    task: String,

    /// Write the overview page (overview.html in the task's folder) and print its path
    #[arg(long, conflicts_with = "json")]
    html: bool,

    /// Print the overview as JSON on stdout
    #[arg(long)]
    json: bool,
}

/// A task's overview, read.
pub(crate) struct Overview {
    pub task: Task,
    pub task_key: String,
    pub language: Language,
    pub runs: Vec<OverviewRun>,
    /// The plan's stages with each stage's state word, when the task has a plan.
    pub stages: Option<(Vec<Stage>, BTreeMap<u32, String>)>,
}

impl Overview {
    /// Reads the overview of task `arg` (`<group>/<id>`).
    pub(crate) fn read(ctx: &CommandContext, arg: &str) -> Result<Self, CommandError> {
        let task = task(ctx, arg)?;
        let root = ctx.run_project_root();
        let project = load_project(&root)?;
        let task_key = TaskKey::new(
            project.project_id.clone(),
            task.group.clone(),
            task.id.clone(),
        );
        let language = project.config.language.unwrap_or_default();
        let runs = task_overview_runs(&task.paths)?;
        // A task without a plan (an analysis alone) has no Stage Map; a plan that cannot be
        // read is said, and the runs are still shown.
        let stages = match task_book(&ctx.home()?, &root, &task.group, &task.id, &task.paths) {
            Ok(b) => {
                let states = b
                    .book
                    .stages
                    .iter()
                    .map(|s| (s.stage, s.state.word().to_owned()))
                    .collect();
                Some((b.body.stages, states))
            }
            Err(LedgerError::Plan(PlanFileError::NoTaskPlan { .. })) => None,
            Err(e) => {
                ctx.ui
                    .warn(&format!("the task's Stage Map is left out: {e}"));
                None
            }
        };
        let task_key = task_key.to_string();
        Ok(Self {
            task,
            task_key,
            language,
            runs,
            stages,
        })
    }

    /// Renders and writes `overview.html`; returns its path.
    pub(crate) fn write_page(&self) -> Result<PathBuf, CommandError> {
        let html = render_overview(&OverviewInput {
            task_key: &self.task_key,
            language: self.language,
            runs: &self.runs,
            stage_map: self.stages.as_ref().map(|(s, st)| (s.as_slice(), st)),
        });
        Ok(write_task_overview(&self.task.paths, &html)?)
    }
}

/// Runs `okstra task show`.
pub fn cmd_task_show(
    ctx: &CommandContext,
    args: &TaskShowArgs,
) -> Result<ExitStatus, CommandError> {
    let overview = Overview::read(ctx, &args.task)?;
    if args.html {
        let path = overview.write_page()?;
        ctx.ui.data_line(&path.display().to_string());
        return Ok(ExitStatus::Success);
    }
    let root = overview.task.paths.task_root();
    let absolute = |rel: &Option<String>| rel.as_ref().map(|r| root.join(r).display().to_string());
    if args.json {
        let stages = overview.stages.as_ref().map(|(stages, states)| {
            stages
                .iter()
                .map(|s| {
                    json!({
                        "stage": s.number,
                        "title": s.title,
                        "dependsOn": s.depends_on,
                        "state": states.get(&s.number),
                    })
                })
                .collect::<Vec<_>>()
        });
        let runs: Vec<_> = overview
            .runs
            .iter()
            .map(|r| {
                let mut v = serde_json::to_value(r).unwrap_or_default();
                v["page"] = json!(absolute(&r.page));
                v
            })
            .collect();
        let latest: Vec<_> = latest_pages(&overview.runs)
            .iter()
            .map(|r| json!({"taskType": r.task_type, "runId": r.run_id, "page": absolute(&r.page)}))
            .collect();
        print_json(
            &ctx.ui,
            &json!({
                "task": overview.task_key,
                "runs": runs,
                "latest": latest,
                "stages": stages,
            }),
        )?;
        return Ok(ExitStatus::Success);
    }
    let rows: Vec<Vec<String>> = overview
        .runs
        .iter()
        .map(|r| {
            vec![
                format!("{} #{}", r.task_type.as_str(), r.run_seq),
                r.stage.map_or_else(|| "-".to_owned(), |s| s.to_string()),
                r.status.clone(),
                r.started_at.clone(),
                r.run_id.clone(),
            ]
        })
        .collect();
    ctx.ui.data_line(&format!("task {}", overview.task_key));
    ctx.ui.data(&render_table(
        &["RUN", "STAGE", "STATUS", "STARTED", "ID"],
        &rows,
    ));
    if let Some((stages, states)) = &overview.stages {
        let rows: Vec<Vec<String>> = stages
            .iter()
            .map(|s| {
                vec![
                    s.number.to_string(),
                    s.title.clone(),
                    states.get(&s.number).cloned().unwrap_or_default(),
                ]
            })
            .collect();
        ctx.ui
            .data(&render_table(&["STAGE", "TITLE", "STATE"], &rows));
    }
    for r in latest_pages(&overview.runs) {
        if let Some(page) = absolute(&r.page) {
            ctx.ui.data_line(&format!(
                "latest {}: {}",
                r.task_type.as_str(),
                shown(ctx, std::path::Path::new(&page))
            ));
        }
    }
    Ok(ExitStatus::Success)
}
