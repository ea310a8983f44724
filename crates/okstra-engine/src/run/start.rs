//! Owns the engine's entry points for a run — a new one, a prepared-only one, a resumed one —
//! each a blocking call that builds the multi-thread runtime the workers are supervised on and
//! turns SIGINT, SIGTERM and SIGHUP into an interruption (SPEC §5.4: every worker stopped and
//! recorded `error: interrupted`, the run `interrupted`).

use okstra_core::report::{ClassCounts, stop_reason};
use okstra_core::status::RunStatus;
use tokio_util::sync::CancellationToken;

use super::imp::Run;
use super::preflight::{refuse_unknown_related, refuse_unrunnable};
use super::request::{NewRun, ResumeRun};
use super::resume::Reopened;
use super::roster::roster_for;
use super::summary::{ResumeOutcome, RunSummary, StageOutcome};
use crate::errors::RunError;
use crate::event_sink::silent;
use crate::prepare::PreparedRun;

/// Runs a task type on a task: prepares the run, then every phase of its task type. Blocks
/// until the run ends.
pub fn run(new: NewRun) -> Result<RunSummary, RunError> {
    refuse_unrunnable(new.task_type)?;
    supervise(|cancel| async move {
        let mut run = Run::prepare(new, cancel).await?;
        if let Err(e) = run.drive().await {
            run.abandon();
            return Err(e);
        }
        Ok(run.summary())
    })
}

/// Only prepares a run (`--prepare-only`): identity, worktree, seq, manifest with the recipe
/// `resume` will use, index `started` row — and for an implementation run its stage: plan,
/// selection and reservation, stage worktree (status `prepared`). An implementation run is
/// prepared even before this okstra can drive its phases: preparing it is this path's whole
/// job.
pub fn prepare_only(new: &NewRun) -> Result<PreparedRun, RunError> {
    if !new.task_type.is_stage_scoped() {
        refuse_unrunnable(new.task_type)?;
    }
    new.refuse_unready_stages()?;
    refuse_unknown_related(&new.project, &new.task_key(), &new.related)?;
    let roster = roster_for(new.task_type, &new.settings, &new.project, &new.env)?;
    let request = new.request(RunStatus::Prepared, &roster, false);
    Ok(new.prepare_on_disk(&request, &silent())?.0)
}

/// Prepares a run to run detached (`okstra run --detach`): every check a real run makes
/// before anything is written (the brief, the related tasks, the stages, the team's CLIs, so
/// each refusal is the caller's to show at once), then the run prepared on disk — status
/// `prepared`, its tmux session named in the manifest — for `okstra resume` to run in that
/// session. Blocks while the CLIs are probed.
pub fn prepare_detached(new: &NewRun) -> Result<PreparedRun, RunError> {
    prepare_checked(new, true)
}

/// Prepares a run to run as a background process (`okstra run --background`): the checks
/// and preparation of [`prepare_detached`], the manifest naming no tmux session.
pub fn prepare_background(new: &NewRun) -> Result<PreparedRun, RunError> {
    prepare_checked(new, false)
}

/// Checks `new` as a real run would, then prepares it on disk with status `prepared`;
/// `in_tmux` names its tmux session in the manifest.
fn prepare_checked(new: &NewRun, in_tmux: bool) -> Result<PreparedRun, RunError> {
    refuse_unrunnable(new.task_type)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(RunError::Runtime)?;
    let checked = runtime.block_on(new.check())?;
    let request = new.request(RunStatus::Prepared, &checked.roster, in_tmux);
    Ok(new.prepare_on_disk(&request, &silent())?.0)
}

/// Continues a run an okstra left unfinished. Blocks until it ends.
pub fn resume(req: ResumeRun) -> Result<ResumeOutcome, RunError> {
    refuse_unrunnable(req.manifest.task_type)?;
    supervise(|cancel| async move {
        match Run::reopen(req, cancel).await? {
            Reopened::Finished(status) => Ok(ResumeOutcome::AlreadyFinished { status }),
            Reopened::Run(mut run, stopped_leftovers) => {
                if let Err(e) = run.drive().await {
                    run.abandon();
                    return Err(e);
                }
                Ok(ResumeOutcome::Resumed {
                    summary: Box::new(run.summary()),
                    stopped_leftovers,
                })
            }
        }
    })
}

/// Runs `work` on a multi-thread runtime, cancelling it on SIGINT, SIGTERM or SIGHUP.
fn supervise<T, F>(work: impl FnOnce(CancellationToken) -> F) -> Result<T, RunError>
where
    F: std::future::Future<Output = Result<T, RunError>>,
{
    if crate::supervision::supervision_forbidden() {
        return Err(RunError::NotHere);
    }
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

impl Run {
    /// Returns the run's summary, once its phases ran.
    fn summary(&self) -> RunSummary {
        let state = self.convergence();
        let classes = ClassCounts::count(state.compute_classes().into_values());
        RunSummary {
            run_id: self.manifest().run_id,
            paths: self.paths.clone(),
            manifest: self.manifest().clone(),
            workers: if self.stage_run().is_some() {
                self.found.stage.workers.clone()
            } else if self.manifest().task_type == okstra_core::TaskType::ReleaseHandoff {
                self.found.handoff.workers.clone()
            } else {
                self.found.analysis.clone()
            },
            status: self.found.status.unwrap_or(self.manifest().status),
            wall: self.started.elapsed(),
            tokens: self.team().total_tokens(),
            report: self.found.report.clone(),
            classes,
            validation: self.found.validation.clone(),
            stopped: stop_reason(state, self.found.budget_reached),
            plan: self.found.plan.clone(),
            stage: self.stage_outcome(),
            handoff: self.found.handoff.report.clone(),
            final_verification: self.found.fv.record.clone(),
        }
    }

    /// Returns what an implementation run decided of its stage, once it decided.
    fn stage_outcome(&self) -> Option<StageOutcome> {
        let stage = self.stage_run()?;
        let decision = self.found.stage.decision.as_ref()?;
        let report = self.stage_report(decision, self.found.stage.carry.as_ref());
        Some(StageOutcome {
            stage: stage.stage.get(),
            mode: stage.mode.as_str().to_owned(),
            verdict: decision.verdict,
            reasons: decision.reasons.clone(),
            carry: self.found.stage.carry.clone(),
            notes: report.notes(),
        })
    }
}
