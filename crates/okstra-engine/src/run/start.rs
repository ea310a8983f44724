//! Owns the engine's entry points for a run — a new one, a prepared-only one, a resumed one —
//! each a blocking call that builds the multi-thread runtime the workers are supervised on and
//! turns SIGINT, SIGTERM and SIGHUP into an interruption (SPEC §5.4: every worker stopped and
//! recorded `error: interrupted`, the run `interrupted`).

use std::collections::BTreeMap;

use okstra_core::manifest::RunManifest;
use okstra_core::settings::RunSettings;
use okstra_core::status::RunStatus;
use okstra_core::{TaskName, TaskType};
use tokio_util::sync::CancellationToken;

use super::imp::Run;
use super::lifecycle::phases;
use super::resume::Reopened;
use super::roster::{PlanInputs, plan_roster};
use super::summary::{ResumeOutcome, RunSummary};
use crate::errors::RunError;
use crate::event_sink::{EventSink, silent};
use crate::home::Home;
use crate::prepare::{PreparedRun, prepare_run};
use crate::project::LoadedProject;

/// A run to start.
pub struct NewRun {
    pub home: Home,
    /// The project (its project.json is written when it does not exist yet).
    pub project: LoadedProject,
    pub settings: RunSettings,
    pub task_type: TaskType,
    pub group: TaskName,
    pub id: TaskName,
    /// The text of `--brief`, when given.
    pub brief: Option<String>,
    /// `--base-ref`.
    pub base_ref: Option<String>,
    /// okstra's environment (workers inherit it minus `OKSTRA_*`).
    pub env: BTreeMap<String, String>,
    pub sink: EventSink,
}

/// A run to continue.
pub struct ResumeRun {
    pub home: Home,
    pub project: LoadedProject,
    /// The settings it was started with (its recorded recipe, resolved).
    pub settings: RunSettings,
    pub manifest: RunManifest,
    pub env: BTreeMap<String, String>,
    pub sink: EventSink,
}

/// Runs a task type on a task: prepares the run, then every phase of its task type. Blocks
/// until the run ends.
pub fn run(new: NewRun) -> Result<RunSummary, RunError> {
    refuse_unrunnable(new.task_type)?;
    supervise(|cancel| async move {
        let mut run = Run::prepare(new, cancel).await?;
        run.drive().await?;
        Ok(run.summary())
    })
}

/// Only prepares a run (`--prepare-only`): identity, worktree, seq, manifest with the recipe
/// `resume` will use, index `started` row.
pub fn prepare_only(new: &NewRun) -> Result<PreparedRun, RunError> {
    refuse_unrunnable(new.task_type)?;
    let roster = plan_roster(&PlanInputs {
        settings: &new.settings,
        config: &new.project.config,
        project_root: new.project.root(),
        env: &new.env,
    })?;
    let request = new.request(RunStatus::Prepared, &roster);
    Ok(prepare_run(&new.home, &new.project, &request, &silent())?)
}

/// Continues a run an okstra left unfinished. Blocks until it ends.
pub fn resume(req: ResumeRun) -> Result<ResumeOutcome, RunError> {
    refuse_unrunnable(req.manifest.task_type)?;
    supervise(|cancel| async move {
        match Run::reopen(req, cancel).await? {
            Reopened::Finished(status) => Ok(ResumeOutcome::AlreadyFinished { status }),
            Reopened::Run(mut run, stopped_leftovers) => {
                run.drive().await?;
                Ok(ResumeOutcome::Resumed {
                    summary: Box::new(run.summary()),
                    stopped_leftovers,
                })
            }
        }
    })
}

fn refuse_unrunnable(task_type: TaskType) -> Result<(), RunError> {
    match phases(task_type) {
        Some(_) => Ok(()),
        None => Err(RunError::NotRunnable { task_type }),
    }
}

/// Runs `work` on a multi-thread runtime, cancelling it on SIGINT, SIGTERM or SIGHUP.
fn supervise<T, F>(work: impl FnOnce(CancellationToken) -> F) -> Result<T, RunError>
where
    F: std::future::Future<Output = Result<T, RunError>>,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(RunError::Runtime)?;
    let cancel = CancellationToken::new();
    runtime.block_on(async {
        let watcher = tokio::spawn(interrupt_watcher(cancel.clone()));
        let out = work(cancel).await;
        watcher.abort();
        out
    })
}

/// Waits for the next delivery of a signal; forever when it could not be installed.
async fn next(s: &mut Option<tokio::signal::unix::Signal>) {
    match s.as_mut() {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending::<()>().await,
    }
}

/// Cancels the run on SIGINT (Ctrl-C), SIGTERM or SIGHUP (a closed terminal or ssh session).
async fn interrupt_watcher(cancel: CancellationToken) {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).ok();
    let mut hup = signal(SignalKind::hangup()).ok();
    let mut int = signal(SignalKind::interrupt()).ok();
    tokio::select! {
        () = next(&mut int) => {}
        () = next(&mut term) => {}
        () = next(&mut hup) => {}
    }
    cancel.cancel();
}
