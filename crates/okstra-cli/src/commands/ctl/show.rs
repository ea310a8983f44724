//! `okstra ctl show <run>`: one run — its identity, status, worktree, checkpoints, each worker's
//! status, reason, tokens and result file, and its report — as text or as JSON.

use std::fmt::Write as _;
use std::path::Path;

use clap::Args;
use okstra_core::team_state::TeamState;
use okstra_engine::{FoundRun, OkstraProcess, find_run, load_team_state, okstra_process};
use serde_json::{Value, json};

use super::shown_worker::{ShownWorker, shown_workers};
use crate::command_error::{CommandError, ExitStatus};
use crate::commands::run::tokens_line;
use crate::context::CommandContext;
use crate::json_out::{absolute, print_json};
use crate::ui::render_table;

/// Show one run: identity, status, worktree, checkpoints, workers, report
#[derive(Debug, Args)]
pub struct CtlShowArgs {
    /// A run id, a unique prefix of one, or a manifest path
    #[arg(value_name = "RUN")]
    run: String,

    /// Print the run as JSON on stdout (workers with status, reason, tokens and result path)
    #[arg(long)]
    json: bool,
}

/// Runs `okstra ctl show`.
pub fn cmd_ctl_show(ctx: &CommandContext, args: &CtlShowArgs) -> Result<ExitStatus, CommandError> {
    let home = ctx.home()?;
    let found = find_run(&home, &args.run)?;
    // A team state that cannot be read hides the workers' outcomes, not the rest of the run.
    let team = load_team_state(&found.manifest).unwrap_or_else(|e| {
        ctx.ui.warn(&format!("{e}"));
        None
    });
    let workers = shown_workers(&found.manifest, team.as_ref());
    if args.json {
        print_json(&ctx.ui, &run_json(&found, team.as_ref(), &workers))?;
    } else {
        ctx.ui.data(&run_text(&found, team.as_ref(), &workers));
    }
    Ok(ExitStatus::Success)
}

/// Returns the report's markdown, when it was written.
fn report_path(found: &FoundRun) -> Option<std::path::PathBuf> {
    Some(found.manifest.paths().report_markdown()).filter(|p| p.is_file())
}

/// Returns the JSON of a run (README, "Machine-readable output"); paths are absolute.
fn run_json(found: &FoundRun, team: Option<&TeamState>, workers: &[ShownWorker]) -> Value {
    let m = &found.manifest;
    let root = Path::new(&m.project_root);
    let paths = m.paths();
    json!({
        "runId": m.run_id.to_string(),
        "taskKey": m.task_key().to_string(),
        "taskType": m.task_type,
        "runSeq": m.run_seq.get(),
        "stage": m.stage.map(okstra_core::Stage::get),
        "status": m.status,
        "projectRoot": m.project_root,
        "runDir": absolute(paths.run_dir(), root),
        "manifest": absolute(&found.manifest_path, root),
        "teamState": team.map(|_| absolute(&paths.team_state(), root)),
        "worktree": m.worktree,
        "createdAt": m.created_at.to_string(),
        "updatedAt": m.updated_at.to_string(),
        "finishedAt": m.finished_at.map(|t| t.to_string()),
        "replay": m.replay,
        "okstraPid": m.pid,
        "okstraAlive": match okstra_process(m) {
            OkstraProcess::None => Value::Null,
            OkstraProcess::Alive(_) => Value::Bool(true),
            OkstraProcess::Gone(_) => Value::Bool(false),
        },
        "checkpoints": m.checkpoints.iter().map(|c| c.checkpoint.as_str()).collect::<Vec<_>>(),
        "events": m.events.iter().map(|e| json!({
            "at": e.at.to_string(),
            "checkpoint": e.checkpoint,
            "message": e.message,
        })).collect::<Vec<_>>(),
        "workers": workers.iter().map(ShownWorker::to_json).collect::<Vec<_>>(),
        "tokens": team.map(TeamState::total_tokens).unwrap_or_default(),
        "report": report_path(found).map(|p| absolute(&p, root)),
    })
}

/// Returns the text of a run: one `key: value` line each, then a table of the workers and
/// why each that did not complete ended as it did. Paths inside the project are relative to it.
fn run_text(found: &FoundRun, team: Option<&TeamState>, workers: &[ShownWorker]) -> String {
    let m = &found.manifest;
    let root = Path::new(&m.project_root);
    let shown = |p: &Path| CommandContext::display_path(p, root);
    let mut out = String::new();
    let mut line = |k: &str, v: String| {
        let _ = writeln!(out, "{k:<13}{v}");
    };
    line("run:", m.run_id.to_string());
    line("task:", m.task_key().to_string());
    line("type:", m.task_type.to_string());
    line("seq:", m.run_seq.to_string());
    if let Some(stage) = m.stage {
        line("stage:", stage.to_string());
    }
    line("status:", m.status.to_string());
    match okstra_process(m) {
        OkstraProcess::None => {}
        OkstraProcess::Alive(pid) => line("okstra:", format!("pid {pid}, alive")),
        OkstraProcess::Gone(pid) => line(
            "okstra:",
            format!(
                "pid {pid} is gone: `okstra ctl reconcile` marks the run interrupted, then \
                 `okstra resume {}` continues it",
                m.run_id
            ),
        ),
    }
    line("project:", m.project_root.clone());
    line("run dir:", m.run_dir());
    line("manifest:", found.manifest_path.display().to_string());
    line(
        "worktree:",
        match (&m.worktree.path, &m.worktree.branch) {
            (Some(p), Some(b)) => format!("{p} ({}, branch {b})", m.worktree.status),
            _ => format!("{} ({})", m.worktree.workdir, m.worktree.status),
        },
    );
    if let Some(anchor) = &m.worktree.anchor_base_commit {
        line("anchor:", anchor.clone());
    }
    line("created:", m.created_at.to_string());
    line("updated:", m.updated_at.to_string());
    if let Some(f) = m.finished_at {
        line("finished:", f.to_string());
    }
    if m.replay {
        line(
            "replay:",
            "yes: replay workers answered, not real models".to_owned(),
        );
    }
    line(
        "checkpoints:",
        m.checkpoints
            .iter()
            .map(|c| c.checkpoint.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    );
    if let Some(team) = team {
        line("tokens:", tokens_line(&team.total_tokens()));
    }
    line(
        "report:",
        report_path(found).map_or_else(|| "not written".to_owned(), |p| shown(&p)),
    );
    let rows: Vec<Vec<String>> = workers
        .iter()
        .map(|w| {
            vec![
                w.worker.clone(),
                w.kind.to_owned(),
                w.round.map_or_else(|| "-".to_owned(), |r| r.to_string()),
                w.model.clone().unwrap_or_else(|| "-".to_owned()),
                w.status.to_string(),
                w.tokens.display_short(),
                w.result_path
                    .as_deref()
                    .map_or_else(|| "-".to_owned(), shown),
            ]
        })
        .collect();
    out.push('\n');
    out.push_str(&render_table(
        &[
            "WORKER", "KIND", "ROUND", "MODEL", "STATUS", "TOKENS", "RESULT",
        ],
        &rows,
    ));
    for w in workers {
        if let (Some(reason), Some(round)) = (&w.reason, w.round) {
            let _ = writeln!(out, "  {} round {round} {}: {reason}", w.worker, w.status);
        }
    }
    out
}
