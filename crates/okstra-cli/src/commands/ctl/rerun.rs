//! `okstra ctl rerun <selector>`: a batch of new runs of the selected runs' tasks and types,
//! each with the settings its original recorded, each started detached in its own tmux
//! session through the engine's one launcher (SPEC §10). Every rerun is prepared — its seq
//! reserved on disk under its task's lock — before any session starts, so two reruns of one
//! task never share a seq. Implementation runs are rejected (stage-isolated); `--max-spawn`
//! skips the rest with the reason; a rerun that cannot be prepared is skipped with why. The
//! batch goes to `batches/<batch-id>.json`; stdout gets the `batch <id> …` line and the
//! RUN-ID / SESSION-NAME / ATTACH table.

use std::path::Path;

use clap::Args;
use jiff::Timestamp;
use okstra_core::TaskType;
use okstra_core::batch::{
    BatchFile, BatchItem, BatchItemStatus, SeqReservations, new_batch_id, select_runs,
};
use okstra_core::index::IndexedRun;
use okstra_core::manifest::RunManifest;
use okstra_core::settings::{RunSettings, SettingsLayer};
use okstra_engine::{
    NewRun, PreparedRun, ResumeLaunch, Tmux, TmuxError, highest_seq, list_runs, load_manifest,
    load_project, prepare_detached, silent, write_batch,
};

use super::selector::{parse_selector, selector_error};
use crate::command_error::{CommandError, ExitStatus, settings_error};
use crate::context::CommandContext;
use crate::json_out::print_json;
use crate::ui::render_table;

/// Rerun runs, each detached in its own tmux session, as one batch
///
/// SELECTOR is one or more run ids (or unique prefixes), `failed` (each task type's latest run,
/// when it failed) or `last` (the run started last); or give --task. Each rerun is a new run of
/// the same task and task type with the settings the original recorded. Implementation runs
/// are rejected: start a new one with `okstra run implementation --stage auto`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("what").required(true).args(["selector", "task"]))]
pub struct CtlRerunArgs {
    /// Run ids or unique prefixes, `failed`, or `last`
    #[arg(value_name = "SELECTOR")]
    selector: Vec<String>,

    /// Rerun the latest run of each task type of this task (<group>/<id>)
    #[arg(long, value_name = "GROUP/ID", conflicts_with = "selector")]
    task: Option<String>,

    /// With --task: the project of the task, when several projects have one of that name
    #[arg(long, value_name = "PROJECT", requires = "task")]
    project: Option<String>,

    /// Start at most N reruns; the rest are skipped, with the reason
    #[arg(long, value_name = "N")]
    max_spawn: Option<usize>,

    /// Show what would be rerun and the seqs it would take; start nothing
    #[arg(long)]
    dry_run: bool,

    /// Print the batch (as its file holds it, with its path) as JSON on stdout
    #[arg(long)]
    json: bool,
}

/// Why an implementation run is never rerun (SPEC §10), with what to do instead.
fn implementation_reason(run: &IndexedRun) -> String {
    format!(
        "implementation runs are stage-isolated: a rerun cannot know which stage-<N> it would \
         take or its per-stage seq; start a new implementation run with `okstra run \
         implementation --task {}/{} --stage auto`",
        run.task_group, run.task_id
    )
}

/// A rerun prepared on disk, waiting for its session.
struct Pending {
    original: IndexedRun,
    prepared: PreparedRun,
}

/// Runs `okstra ctl rerun`.
pub fn cmd_ctl_rerun(
    ctx: &CommandContext,
    args: &CtlRerunArgs,
) -> Result<ExitStatus, CommandError> {
    let (selector, selector_raw) = parse_selector(
        &args.selector,
        args.task.as_deref(),
        args.project.as_deref(),
    )?;
    let home = ctx.home()?;
    let (runs, read) = list_runs(&home)?;
    for (path, warning) in &read.warnings {
        ctx.ui.warn(&format!("{}: {warning}", path.display()));
    }
    let selected = select_runs(&runs, &selector).map_err(selector_error)?;
    // No tmux is refused before anything is written.
    let tmux = Tmux::locate(ctx.env.vars()).map_err(no_tmux)?;

    // Phase 1: every rerun prepared (its seq reserved on disk), or predicted for a dry run.
    let mut slots: Vec<Option<Pending>> = Vec::new();
    let mut items: Vec<BatchItem> = Vec::new();
    let mut batch = Phase1 {
        reserved: SeqReservations::default(),
        started: 0,
    };
    for run in selected {
        let (item, pending) = batch.take(ctx, &home, args, run);
        items.push(item);
        slots.push(pending);
    }

    // Phase 2: the sessions, once every seq of the batch is reserved.
    let okstra = std::env::current_exe().map_err(CommandError::internal)?;
    for (item, slot) in items.iter_mut().zip(&slots) {
        let Some(pending) = slot else { continue };
        let launched = tmux.launch_resume(&ResumeLaunch {
            okstra: &okstra,
            manifest: &pending.prepared.manifest,
            home: &home,
            env: ctx.env.vars(),
        });
        match launched {
            Ok(session) => {
                item.status = BatchItemStatus::Spawned;
                item.session_name = Some(session);
                item.spawned_at = Some(Timestamp::now());
                item.skip_reason = None;
            }
            Err(e) => {
                let id = pending.prepared.run_id();
                item.skip_reason = Some(format!(
                    "its session could not start ({e}); run {id} (a rerun of {}) is prepared: \
                     `okstra resume {id}` runs it in the foreground",
                    pending.original.run_id
                ));
            }
        }
    }

    let batch = BatchFile::new(
        new_batch_id(),
        Timestamp::now(),
        selector_raw,
        args.max_spawn,
        args.dry_run,
        items,
    );
    let path = write_batch(&home, &batch)?;
    print_batch(ctx, &tmux, &batch, &path, args.json)?;
    Ok(ExitStatus::Success)
}

/// What the first phase of a batch has handed out so far.
struct Phase1 {
    /// The seqs a dry run predicts.
    reserved: SeqReservations,
    /// The reruns prepared (or, in a dry run, predicted), for `--max-spawn`.
    started: usize,
}

impl Phase1 {
    /// Returns the item of `run` — rejected, skipped with the reason, predicted, or prepared
    /// on disk and waiting for its session (then with its [`Pending`]).
    fn take(
        &mut self,
        ctx: &CommandContext,
        home: &okstra_engine::Home,
        args: &CtlRerunArgs,
        run: &IndexedRun,
    ) -> (BatchItem, Option<Pending>) {
        let not_started =
            |status, reason: String| BatchItem::not_started(run.run_id, status, reason);
        let skipped = |reason: String| (not_started(BatchItemStatus::Skipped, reason), None);
        if run.task_type == TaskType::Implementation {
            let reason = implementation_reason(run);
            return (not_started(BatchItemStatus::Rejected, reason), None);
        }
        if let Some(max) = args.max_spawn.filter(|max| self.started >= *max) {
            return skipped(format!(
                "--max-spawn {max} reached: {} rerun(s) already in this batch",
                self.started
            ));
        }
        let original = match load_manifest(Path::new(&run.manifest)) {
            Ok(m) => m,
            Err(e) => return skipped(format!("its manifest cannot be read: {e}")),
        };
        if args.dry_run {
            let on_disk = match highest_seq(&original) {
                Ok(n) => n,
                Err(e) => return skipped(e.to_string()),
            };
            let key = format!("{}|{}", original.task_key(), original.task_type);
            self.started += 1;
            let item = BatchItem {
                new_run_seq: Some(self.reserved.next(&key, on_disk)),
                skip_reason: None,
                ..not_started(BatchItemStatus::DryRun, String::new())
            };
            return (item, None);
        }
        match prepare_rerun(ctx, home, &original) {
            Ok(prepared) => {
                self.started += 1;
                // Skipped until its session starts (phase 2), which says why if it does not.
                let item = BatchItem {
                    new_run_id: Some(prepared.run_id()),
                    new_run_seq: Some(prepared.manifest.run_seq.get()),
                    session_name: Some(okstra_engine::session_of(&prepared.manifest)),
                    ..not_started(BatchItemStatus::Skipped, String::new())
                };
                let pending = Pending {
                    original: run.clone(),
                    prepared,
                };
                (item, Some(pending))
            }
            Err(e) => skipped(reason_of(&e)),
        }
    }
}

/// Prepares a new run of `original`'s task and type with the settings it recorded.
fn prepare_rerun(
    ctx: &CommandContext,
    home: &okstra_engine::Home,
    original: &RunManifest,
) -> Result<PreparedRun, CommandError> {
    let project = load_project(Path::new(&original.project_root))?;
    let flags = original
        .recipe
        .as_ref()
        .map(SettingsLayer::from_recipe)
        .unwrap_or_default();
    // Each rerun takes the next free seq of its task: a seq override in the caller's
    // environment would give every rerun of a batch the same one.
    let mut env = ctx.env.vars().clone();
    env.remove(okstra_core::env_vars::OKSTRA_RUN_SEQ_OVERRIDE);
    let settings = RunSettings::resolve(original.task_type, &flags, &project.config, &env)
        .map_err(|e| settings_error(e, &project.paths.project_json()))?;
    let new = NewRun::again(original, home.clone(), project, settings, env, silent());
    Ok(prepare_detached(&new)?)
}

/// Returns an error as one line: its message, causes and hints.
fn reason_of(err: &CommandError) -> String {
    err.render()
        .iter()
        .map(|l| l.strip_prefix("error: ").unwrap_or(l).to_owned())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Returns the error for a tmux that cannot be used, with `ctl rerun`'s hint.
fn no_tmux(err: TmuxError) -> CommandError {
    match err {
        TmuxError::NotFound => CommandError::user_message(
            "tmux is not on PATH: ctl rerun starts each rerun in a tmux session",
        )
        .hint("install tmux, or run one again in the foreground with `okstra run <type> --task <group>/<id>`"),
        other => CommandError::from(other),
    }
}

/// Prints the batch: the `batch <id> …` line, a blank line and the RUN-ID / SESSION-NAME /
/// ATTACH table on stdout; why each skipped or rejected run was not started on stderr.
fn print_batch(
    ctx: &CommandContext,
    tmux: &Tmux,
    batch: &BatchFile,
    path: &Path,
    json: bool,
) -> Result<(), CommandError> {
    for item in &batch.items {
        if let (BatchItemStatus::Skipped | BatchItemStatus::Rejected, Some(reason)) =
            (item.status, &item.skip_reason)
        {
            ctx.ui.warn(&format!(
                "{} {}: {reason}",
                item.status, item.original_run_id
            ));
        }
    }
    if json {
        let mut value = serde_json::to_value(batch).map_err(CommandError::internal)?;
        value["path"] = path.display().to_string().into();
        return print_json(&ctx.ui, &value);
    }
    let rows: Vec<Vec<String>> = batch
        .items
        .iter()
        .filter_map(|item| match item.status {
            BatchItemStatus::Spawned => {
                let session = item.session_name.clone().unwrap_or_default();
                Some(vec![
                    item.new_run_id.map(|id| id.to_string()).unwrap_or_default(),
                    session.clone(),
                    tmux.attach_command(&session),
                ])
            }
            // A dry run starts no run: the row names the run it would repeat.
            BatchItemStatus::DryRun => Some(vec![
                item.original_run_id.to_string(),
                "-".to_owned(),
                "-".to_owned(),
            ]),
            BatchItemStatus::Skipped | BatchItemStatus::Rejected => None,
        })
        .collect();
    let mut out = format!("{}\n\n", batch.headline());
    out.push_str(&render_table(&["RUN-ID", "SESSION-NAME", "ATTACH"], &rows));
    ctx.ui.data(&out);
    if batch.dry_run {
        ctx.ui.status(&format!(
            "dry run: nothing started; RUN-ID is the run each rerun would repeat; {} records it",
            path.display()
        ));
    }
    Ok(())
}
