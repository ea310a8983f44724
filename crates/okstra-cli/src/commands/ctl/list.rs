//! `okstra ctl list`: the runs of the central index, one row each, oldest first — all of them,
//! or those `--project`, `--task`, `--type`, `--status` and `--since` keep, the last `--limit`.
//! Fast on a large index: lines of other projects and types are skipped undecoded.

use std::fmt::Write as _;

use clap::Args;
use jiff::Timestamp;
use okstra_core::RunId;
use okstra_core::TaskType;
use okstra_core::ids::shortest_unique_prefixes;
use okstra_core::index::IndexedRun;
use okstra_core::run_filter::{RunFilter, TaskMatch, parse_since};
use okstra_core::status::RunStatus;
use okstra_engine::list_runs_filtered;
use serde::Serialize;

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// The statuses `--status` takes.
const STATUSES: [RunStatus; 5] = [
    RunStatus::Prepared,
    RunStatus::Running,
    RunStatus::Completed,
    RunStatus::Failed,
    RunStatus::Interrupted,
];

/// List runs from the central index
///
/// One row per run, oldest first. Filters combine: a run is listed when it matches every
/// filter given, and any of the values of a repeated one.
#[derive(Debug, Args)]
pub struct CtlListArgs {
    /// Only runs of this project id (can be repeated)
    #[arg(long, value_name = "PROJECT_ID")]
    project: Vec<String>,

    /// Only runs of this task, `<group>/<id>`, or of every task of a group, `<group>` (can be
    /// repeated)
    #[arg(long, value_name = "TASK")]
    task: Vec<String>,

    /// Only runs of this task type (can be repeated)
    #[arg(long = "type", value_name = "TASK_TYPE")]
    task_type: Vec<String>,

    /// Only runs with this status: prepared, running, completed, failed, interrupted (can be
    /// repeated, or comma-separated)
    #[arg(long, value_name = "STATUS", value_delimiter = ',')]
    status: Vec<String>,

    /// Only runs started since then: a span back from now (90m, 24h, 7d, 2w) or a date or time
    /// (2026-11-21, 2026-11-21T10:00:00Z; UTC unless an offset is given)
    #[arg(long, value_name = "WHEN")]
    since: Option<String>,

    /// Only the last N runs of those kept
    #[arg(long, value_name = "N")]
    limit: Option<usize>,

    /// Print the runs as JSON on stdout
    #[arg(long)]
    json: bool,
}

impl CtlListArgs {
    /// Returns the filter the flags ask for; a bad value is the user's (exit 2).
    fn filter(&self, now: Timestamp) -> Result<RunFilter, CommandError> {
        let tasks = self
            .task
            .iter()
            .map(|t| TaskMatch::parse(t))
            .collect::<Result<Vec<_>, _>>()?;
        let task_types = self
            .task_type
            .iter()
            .map(|t| t.parse::<TaskType>())
            .collect::<Result<Vec<_>, _>>()?;
        let statuses = self
            .status
            .iter()
            .map(|s| parse_status(s))
            .collect::<Result<Vec<_>, _>>()?;
        let since = self
            .since
            .as_deref()
            .map(|s| parse_since(s, now))
            .transpose()
            .map_err(|e| CommandError::user(e).hint("e.g. --since 24h or --since 2026-11-21"))?;
        Ok(RunFilter {
            projects: self.project.clone(),
            tasks,
            task_types,
            statuses,
            since,
        })
    }
}

fn parse_status(value: &str) -> Result<RunStatus, CommandError> {
    let trimmed = value.trim();
    STATUSES
        .into_iter()
        .find(|s| s.as_str().eq_ignore_ascii_case(trimmed))
        .ok_or_else(|| {
            CommandError::user_message(format!("--status {value:?} is not a run status")).hint(
                format!("use one of {}", STATUSES.map(RunStatus::as_str).join(", ")),
            )
        })
}

/// Runs `okstra ctl list`.
pub fn cmd_ctl_list(ctx: &CommandContext, args: &CtlListArgs) -> Result<ExitStatus, CommandError> {
    let filter = args.filter(Timestamp::now())?;
    let home = ctx.home()?;
    let (mut runs, read) = list_runs_filtered(&home, &filter)?;
    for (path, warning) in &read.warnings {
        ctx.ui.warn(&format!("{}: {warning}", path.display()));
    }
    if let Some(limit) = args.limit {
        let skip = runs.len().saturating_sub(limit);
        runs.drain(..skip);
    }
    if args.json {
        ctx.ui.data_line(&runs_json(&runs)?);
        return Ok(ExitStatus::Success);
    }
    if runs.is_empty() {
        ctx.ui.status(if filter.is_empty() {
            "no runs yet"
        } else {
            "no runs match"
        });
        return Ok(ExitStatus::Success);
    }
    ctx.ui.data(&runs_table(&runs));
    Ok(ExitStatus::Success)
}

/// One run of `ctl list --json`, serialized straight from the fold (no JSON value tree: the
/// list can hold 100,000 runs).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListedRun<'a> {
    run_id: String,
    project_id: &'a str,
    task_group: &'a str,
    task_id: &'a str,
    task_type: TaskType,
    run_seq: u32,
    stage: Option<u32>,
    status: RunStatus,
    started_at: Option<String>,
    finished_at: Option<String>,
    manifest: &'a str,
}

/// Returns the runs as a pretty JSON array (README, "Machine-readable output").
fn runs_json(runs: &[IndexedRun]) -> Result<String, CommandError> {
    let rows: Vec<ListedRun<'_>> = runs
        .iter()
        .map(|r| ListedRun {
            run_id: r.run_id.to_string(),
            project_id: &r.project_id,
            task_group: &r.task_group,
            task_id: &r.task_id,
            task_type: r.task_type,
            run_seq: r.run_seq,
            stage: r.stage,
            status: r.status,
            started_at: r.started_at.map(|t| t.to_string()),
            finished_at: r.finished_at.map(|t| t.to_string()),
            manifest: &r.manifest,
        })
        .collect();
    serde_json::to_string_pretty(&rows).map_err(CommandError::internal)
}

/// Returns the table of runs: each id by its shortest unique prefix (at least 4 characters),
/// columns padded to their widest cell. Written directly (no cell strings): the table of
/// 100,000 runs is what `ctl list` spends its time on after reading.
fn runs_table(runs: &[IndexedRun]) -> String {
    const HEADERS: [&str; 8] = [
        "RUN", "PROJECT", "TASK", "TYPE", "SEQ", "STAGE", "STATUS", "STARTED",
    ];
    let ids: Vec<RunId> = runs.iter().map(|r| r.run_id).collect();
    let prefixes = shortest_unique_prefixes(&ids);
    let id_width = prefixes.iter().map(|l| (*l).max(4)).max().unwrap_or(0);
    let task = |r: &IndexedRun| r.task_group.chars().count() + 1 + r.task_id.chars().count();
    let width = |f: &dyn Fn(&IndexedRun) -> usize, header: &str| {
        runs.iter().map(f).max().unwrap_or(0).max(header.len())
    };
    let widths = [
        id_width.max(HEADERS[0].len()),
        width(&|r| r.project_id.chars().count(), HEADERS[1]),
        width(&task, HEADERS[2]),
        width(&|r| r.task_type.as_str().len(), HEADERS[3]),
        width(&|r| digits(r.run_seq), HEADERS[4]),
        width(&|r| r.stage.map_or(1, digits), HEADERS[5]),
        width(&|r| r.status.as_str().len(), HEADERS[6]),
    ];
    let mut out = String::with_capacity(runs.len() * 120);
    for (i, h) in HEADERS.iter().enumerate() {
        if i + 1 == HEADERS.len() {
            let _ = writeln!(out, "{h}");
        } else {
            let _ = write!(out, "{h:<w$}  ", w = widths[i]);
        }
    }
    for (r, len) in runs.iter().zip(prefixes) {
        let id = r.run_id.to_string();
        let stage = r.stage.map_or_else(|| "-".to_owned(), |s| s.to_string());
        let started = r.started_at.map_or_else(
            || "-".to_owned(),
            |t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        );
        let task = format!("{}/{}", r.task_group, r.task_id);
        let _ = writeln!(
            out,
            "{:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {:<w4$}  {:<w5$}  {:<w6$}  {started}",
            &id[..len.max(4).min(id.len())],
            r.project_id,
            task,
            r.task_type.as_str(),
            r.run_seq,
            stage,
            r.status.as_str(),
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3],
            w4 = widths[4],
            w5 = widths[5],
            w6 = widths[6],
        );
    }
    out
}

fn digits(n: u32) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}
