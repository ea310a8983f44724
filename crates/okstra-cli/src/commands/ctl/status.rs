//! `okstra ctl status [--watch]`: what runs now, across projects — run, project, task, type,
//! stage, phase, elapsed, its okstra and each worker with its live state — from the index, the
//! manifests and live pids. A run whose okstra is gone shows `dead`, with the hint to `ctl
//! reconcile` or `okstra resume` it. `--watch` redraws it in place until Ctrl-C. Given a run,
//! it shows that one run, ended or not (its `state` is then its status once it has ended).

use std::fmt::Write as _;

use clap::Args;
use jiff::Timestamp;
use okstra_core::status::RunStatus;
use okstra_engine::{Home, LiveRun, LiveWorker, OkstraProcess, find_run, live_run, live_runs};
use serde_json::{Value, json};

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;
use crate::json_out::print_json;
use crate::ui::render_table;

/// Show what runs now, across projects, with each worker's live state
///
/// Given a run, shows that one run, whether it is running or has ended.
#[derive(Debug, Args)]
pub struct CtlStatusArgs {
    /// Only this run (a run id, a unique prefix of one, or a manifest path), ended or not
    #[arg(value_name = "RUN", conflicts_with = "watch")]
    run: Option<String>,

    /// Print the running runs (or the one run) as JSON on stdout
    #[arg(long, conflicts_with = "watch")]
    json: bool,

    /// Redraw the status in place until Ctrl-C
    #[arg(long)]
    watch: bool,

    /// With --watch: how often to redraw (e.g. 2s, 500ms)
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "2s",
        requires = "watch"
    )]
    interval: String,
}

/// Runs `okstra ctl status`.
pub fn cmd_ctl_status(
    ctx: &CommandContext,
    args: &CtlStatusArgs,
) -> Result<ExitStatus, CommandError> {
    if args.watch {
        let every = okstra_core::duration::parse_duration(&args.interval)?;
        return super::watch::watch(ctx, every, || frame(ctx));
    }
    let home = ctx.home()?;
    if let Some(run) = &args.run {
        return one_run(ctx, &home, run, args.json);
    }
    let (runs, read, unreadable) = live_runs(&home)?;
    for (path, warning) in &read.warnings {
        ctx.ui.warn(&format!("{}: {warning}", path.display()));
    }
    for e in &unreadable {
        ctx.ui.warn(&e.to_string());
    }
    let now = Timestamp::now();
    if args.json {
        let rows: Vec<Value> = runs.iter().map(|r| run_json(r, now)).collect();
        print_json(&ctx.ui, &Value::Array(rows))?;
        return Ok(ExitStatus::Success);
    }
    if runs.is_empty() {
        ctx.ui.status("no run is running");
        return Ok(ExitStatus::Success);
    }
    ctx.ui.data(&status_table(&runs, now));
    for run in runs.iter().filter(|r| r.is_dead()) {
        ctx.ui.stderr_line(&dead_hint(run));
    }
    Ok(ExitStatus::Success)
}

/// Shows one run as it is now, ended or not.
fn one_run(
    ctx: &CommandContext,
    home: &Home,
    run: &str,
    json: bool,
) -> Result<ExitStatus, CommandError> {
    let run = live_run(find_run(home, run)?.manifest);
    let now = Timestamp::now();
    if json {
        print_json(&ctx.ui, &run_json(&run, now))?;
        return Ok(ExitStatus::Success);
    }
    ctx.ui.data(&status_table(std::slice::from_ref(&run), now));
    let m = &run.manifest;
    if run.is_dead() {
        ctx.ui.stderr_line(&dead_hint(&run));
    } else if m.status != RunStatus::Running {
        ctx.ui.status(&format!("run {} is {}", m.run_id, m.status));
    }
    Ok(ExitStatus::Success)
}

/// Returns one `--watch` frame: the time, the table (or that nothing runs) and the dead runs'
/// hints.
fn frame(ctx: &CommandContext) -> Result<String, CommandError> {
    let home = ctx.home()?;
    let (runs, _, _) = live_runs(&home)?;
    let now = Timestamp::now();
    let mut out = format!(
        "okstra ctl status — {} — {} running (Ctrl-C to stop)\n\n",
        now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        runs.len()
    );
    if runs.is_empty() {
        out.push_str("no run is running\n");
    } else {
        out.push_str(&status_table(&runs, now));
        for run in runs.iter().filter(|r| r.is_dead()) {
            let _ = writeln!(out, "{}", dead_hint(run));
        }
    }
    Ok(out)
}

/// Returns the hint for a run whose okstra is gone.
fn dead_hint(run: &LiveRun) -> String {
    let id = run.manifest.run_id;
    format!(
        "hint: run {id} is dead (its okstra is gone): `okstra ctl reconcile` marks it \
         interrupted and stops its leftover workers; `okstra resume {id}` continues it"
    )
}

/// Returns the table of running runs.
fn status_table(runs: &[LiveRun], now: Timestamp) -> String {
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            let m = &r.manifest;
            vec![
                m.run_id.to_string(),
                m.project_id.to_string(),
                format!("{}/{}", m.task_group.raw(), m.task_id.raw()),
                m.task_type.to_string(),
                m.stage.map_or_else(|| "-".to_owned(), |s| s.to_string()),
                phase(r),
                elapsed(r, now),
                okstra_cell(r.okstra),
                workers_cell(&r.workers),
            ]
        })
        .collect();
    render_table(
        &[
            "RUN", "PROJECT", "TASK", "TYPE", "STAGE", "PHASE", "ELAPSED", "OKSTRA", "WORKERS",
        ],
        &rows,
    )
}

/// Returns the run's phase: its latest event's name.
fn phase(run: &LiveRun) -> String {
    let m = &run.manifest;
    m.events
        .last()
        .map(|e| e.checkpoint.clone())
        .or_else(|| {
            m.checkpoints
                .last()
                .map(|c| c.checkpoint.as_str().to_owned())
        })
        .unwrap_or_else(|| "-".to_owned())
}

/// Returns when the run (or its latest resume) started.
fn started(run: &LiveRun) -> Timestamp {
    let m = &run.manifest;
    m.events
        .iter()
        .rev()
        .find(|e| e.checkpoint == "resume")
        .map_or(m.created_at, |e| e.at)
}

/// Returns the time since the run started, as `1h02m`, `3m05s` or `12s`.
fn elapsed(run: &LiveRun, now: Timestamp) -> String {
    span_text(now.duration_since(started(run)).as_secs())
}

/// Returns a span of seconds as `1h02m`, `3m05s` or `12s` (a negative one, from a clock that
/// went back, as `0s`).
fn span_text(secs: i64) -> String {
    match secs.max(0) {
        s if s >= 3600 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        s if s >= 60 => format!("{}m{:02}s", s / 60, s % 60),
        s => format!("{s}s"),
    }
}

/// Returns the okstra cell: `pid N` when alive, `dead` otherwise.
fn okstra_cell(okstra: OkstraProcess) -> String {
    match okstra {
        OkstraProcess::Alive(pid) => format!("pid {pid}"),
        OkstraProcess::Gone(pid) => format!("dead (pid {pid} gone)"),
        OkstraProcess::None => "dead (no pid)".to_owned(),
    }
}

/// Returns a worker's live state: its status, and for one not ended whether its process lives.
fn worker_state(w: &LiveWorker) -> String {
    match (w.alive, w.pid) {
        (Some(false), Some(pid)) => format!("{} (pid {pid} gone)", w.status),
        _ => w.status.to_string(),
    }
}

/// Returns the workers cell: `worker[@round] state`, comma-separated; `-` before any.
fn workers_cell(workers: &[LiveWorker]) -> String {
    if workers.is_empty() {
        return "-".to_owned();
    }
    workers
        .iter()
        .map(|w| match w.round {
            okstra_core::run_paths::RoundTag::Round(0) => {
                format!("{} {}", w.worker, worker_state(w))
            }
            round => format!("{}@{round} {}", w.worker, worker_state(w)),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Returns the JSON of a running run.
fn run_json(run: &LiveRun, now: Timestamp) -> Value {
    let m = &run.manifest;
    let (pid, alive) = match run.okstra {
        OkstraProcess::Alive(pid) => (Some(pid), true),
        OkstraProcess::Gone(pid) => (Some(pid), false),
        OkstraProcess::None => (None, false),
    };
    json!({
        "runId": m.run_id.to_string(),
        "projectId": m.project_id.to_string(),
        "taskGroup": m.task_group.raw(),
        "taskId": m.task_id.raw(),
        "taskType": m.task_type,
        "runSeq": m.run_seq.get(),
        "stage": m.stage.map(okstra_core::Stage::get),
        "phase": phase(run),
        "startedAt": started(run).to_string(),
        "elapsedSeconds": now.duration_since(started(run)).as_secs().max(0),
        "status": m.status,
        // Running or dead while the manifest says running; else the status it ended with.
        "state": match m.status {
            RunStatus::Running if alive => "running".to_owned(),
            RunStatus::Running => "dead".to_owned(),
            status => status.to_string(),
        },
        "pid": pid,
        "tmuxSession": m.tmux_session,
        "manifest": m.paths().manifest().display().to_string(),
        "teamStateError": run.team_error,
        "workers": run.workers.iter().map(|w| json!({
            "worker": w.worker,
            "round": w.round,
            "status": w.status,
            "pid": w.pid,
            "alive": w.alive,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use okstra_core::run_paths::RoundTag;
    use okstra_core::status::WorkerStatus;

    use super::*;

    #[test]
    fn spans_read_in_hours_minutes_or_seconds() {
        assert_eq!(span_text(-3), "0s");
        assert_eq!(span_text(12), "12s");
        assert_eq!(span_text(185), "3m05s");
        assert_eq!(span_text(3720), "1h02m");
    }

    #[test]
    fn a_workers_cell_names_the_round_after_the_first_and_a_lost_pid() {
        let w = |round, status, alive| LiveWorker {
            worker: "x-worker".to_owned(),
            round,
            status,
            pid: Some(7),
            alive,
        };
        assert_eq!(workers_cell(&[]), "-");
        assert_eq!(
            workers_cell(&[
                w(RoundTag::Round(0), WorkerStatus::Completed, None),
                w(RoundTag::Round(1), WorkerStatus::Running, Some(false)),
            ]),
            "x-worker completed, x-worker@1 running (pid 7 gone)"
        );
    }
}
