//! Owns a round of workers: the one dispatcher task that starts every worker concurrently,
//! receives its executors' events, and is the only writer of team state, manifest events and
//! sidecars (prompts, audit, errors log, transcript, result files). It decides terminal
//! statuses and the one re-dispatch of SPEC §5.4, into `-a2` files that never overwrite
//! attempt 1's.

mod attempt;
mod reuse;
mod sidecars;

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use jiff::Timestamp;
use okstra_core::events::RunEvent;
use okstra_core::result_header::{RESULT_MARK, ResultHeader};
use okstra_core::run_paths::{ArtifactKind, relative_to};
use okstra_core::status::WorkerStatus;
use okstra_core::team_state::TeamWorker;
use okstra_core::tokens::TokenUsage;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::{PlannedLaunch, PlannedWorker, RunContext, WorkerResult};
use crate::errors::{RunError, StoreError};
use crate::kill_hook;
use crate::timer::{after, fired};
use crate::worker::result::{Recorded, ResultSpec, record};
use crate::worker::{AttemptEnd, AttemptEvent, AttemptResult, Envelope, FailCause};

/// How long a non-urgent state change (a pid, an event) may wait to be persisted; a terminal
/// status is persisted at once.
const FLUSH_DELAY: std::time::Duration = std::time::Duration::from_millis(25);

struct Slot {
    planned: PlannedWorker,
    attempt: u32,
    status: WorkerStatus,
    reason: Option<String>,
    text: Option<String>,
    usage: TokenUsage,
    started: Option<Instant>,
    duration: std::time::Duration,
    transcript: Option<BufWriter<fs_err::File>>,
    errors: Option<BufWriter<fs_err::File>>,
    /// The answer and parser error of an attempt whose contract block was unparsable.
    rejected: Option<(String, String)>,
    result_path: PathBuf,
    /// Set once the persist that carried the terminal status has returned.
    durable_at: Option<Timestamp>,
    /// Whether the current attempt's executor has yet to report `Reaped`.
    reaping: bool,
    /// Whether attempt 2 starts once attempt 1 is reaped.
    redispatch_after_reap: bool,
    /// Whether the current attempt's audit has its title line.
    audit_started: bool,
}

struct Round<'a> {
    ctx: &'a mut RunContext,
    slots: Vec<Slot>,
    tx: mpsc::Sender<Envelope>,
    executors: JoinSet<()>,
    team_dirty: bool,
    manifest_dirty: bool,
    /// A status changed: persist before waiting again.
    urgent: bool,
}

/// Runs every worker of a round to a terminal status and returns their results.
pub async fn run_round(
    ctx: &mut RunContext,
    workers: Vec<PlannedWorker>,
) -> Result<Vec<WorkerResult>, RunError> {
    let (tx, mut rx) = mpsc::channel::<Envelope>(1024);
    let slots = workers
        .into_iter()
        .map(|planned| Slot {
            planned,
            attempt: 0,
            status: WorkerStatus::Pending,
            reason: None,
            text: None,
            usage: TokenUsage::default(),
            started: None,
            duration: std::time::Duration::ZERO,
            transcript: None,
            errors: None,
            rejected: None,
            result_path: PathBuf::new(),
            durable_at: None,
            reaping: false,
            redispatch_after_reap: false,
            audit_started: false,
        })
        .collect();
    let mut round = Round {
        ctx,
        slots,
        tx,
        executors: JoinSet::new(),
        team_dirty: true,
        manifest_dirty: true,
        urgent: false,
    };
    // Every prompt and sidecar is written before the first worker starts, so the dispatcher
    // is free to record completions the moment they come.
    let mut specs = Vec::with_capacity(round.slots.len());
    let mut needed = Vec::with_capacity(round.slots.len());
    for i in 0..round.slots.len() {
        round.init_row(i);
        if let Some(recorded) = round.reusable(i) {
            // A valid result from an earlier okstra (resume): never ask the model again.
            round.reuse(i, &recorded);
            continue;
        }
        if let PlannedLaunch::NotRun(reason) = round.slots[i].planned.launch.clone() {
            round.slots[i].attempt = 1;
            round.write_prompt(i)?;
            let failed = AttemptResult::Failed {
                cause: FailCause::SpawnFailed,
                message: reason,
                usage: TokenUsage::default(),
            };
            let recorded = record(&round.result_spec(i, 1), failed, None, None)
                .map_err(|message| RunError::ResultFile { message })?;
            round.finish_terminal(i, &recorded);
        } else {
            let (spec, files) = round.prepare_attempt(i, 1);
            specs.push(spec);
            needed.push(files);
        }
    }
    round.create_files_in_parallel(needed).await?;
    let sidecars: Vec<PathBuf> = specs
        .iter()
        .flat_map(|spec| {
            [
                ArtifactKind::Transcript,
                ArtifactKind::Errors,
                ArtifactKind::Audit,
            ]
            .map(|kind| round.artifact(spec.slot, kind, spec.attempt))
        })
        .collect();
    for spec in specs {
        round.spawn(spec);
    }
    // The workers are running: create their sidecars meanwhile (append mode, so a line the
    // dispatcher wrote first is never truncated).
    round.executors.spawn(async move {
        let _ = tokio::task::spawn_blocking(move || {
            for path in sidecars {
                let _ = fs_err::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path);
            }
        })
        .await;
    });
    let mut flush = None;
    while round
        .slots
        .iter()
        .any(|s| !s.status.is_terminal() || s.reaping)
    {
        tokio::select! {
            envelope = rx.recv() => {
                let Some(envelope) = envelope else {
                    break;
                };
                round.handle(envelope)?;
                // Drain what is already queued, then persist once.
                while let Ok(envelope) = rx.try_recv() {
                    round.handle(envelope)?;
                }
                if round.urgent {
                    // A status changed: team state now; the manifest's events can follow.
                    round.persist_parts(false)?;
                }
                if (round.team_dirty || round.manifest_dirty) && flush.is_none() {
                    flush = Some(after(FLUSH_DELAY));
                }
            }
            () = fired(&mut flush) => {
                flush = None;
                round.persist()?;
            }
        }
        if kill_hook::armed(kill_hook::WORKERS_RUNNING) && round.all_running_durably() {
            kill_hook::reached(kill_hook::WORKERS_RUNNING);
        }
    }
    while round.executors.join_next().await.is_some() {}
    round.persist()?;
    for slot in &round.slots {
        if let PlannedLaunch::Process(plan) = &slot.planned.launch {
            let _ = fs_err::remove_dir_all(&plan.tmpdir);
        }
    }
    Ok(round
        .slots
        .into_iter()
        .map(|s| WorkerResult {
            worker: s.planned.worker.clone(),
            kind: s.planned.kind,
            role: s.planned.role,
            model: s.planned.model.clone(),
            round: s.planned.round,
            status: s.status,
            reason: s.reason,
            text: s.text,
            usage: s.usage,
            result_path: s.result_path,
            attempts: s.attempt,
            duration: s.duration,
            replay: matches!(s.planned.launch, PlannedLaunch::Replay(_)),
            durable_at: s.durable_at,
        })
        .collect())
}

impl Round<'_> {
    fn rel(&self, path: &Path) -> String {
        relative_to(path, Path::new(&self.ctx.manifest.project_root))
            .display()
            .to_string()
    }

    fn artifact(&self, i: usize, kind: ArtifactKind, attempt: u32) -> PathBuf {
        let p = &self.slots[i].planned;
        self.ctx.paths.artifact(&p.worker, kind, p.round, attempt)
    }

    fn emit(&mut self, event: &RunEvent) {
        (self.ctx.sink)(event);
        if event.is_recorded() {
            self.ctx
                .manifest
                .push_event(event.to_manifest(Timestamp::now()));
            self.manifest_dirty = true;
        }
    }

    fn row(&mut self, i: usize) -> &mut TeamWorker {
        self.team_dirty = true;
        let p = &self.slots[i].planned;
        let index = self
            .ctx
            .team
            .workers
            .iter()
            .position(|w| w.worker == p.worker.as_str() && w.round == p.round)
            .expect("init_row creates every row before it is updated");
        &mut self.ctx.team.workers[index]
    }

    /// Returns whether every worker of the round is running with its process recorded in
    /// the saved team state (the `workers-running` kill point).
    fn all_running_durably(&self) -> bool {
        !self.team_dirty
            && self.slots.iter().all(|slot| {
                !slot.status.is_terminal()
                    && self.ctx.team.workers.iter().any(|w| {
                        w.worker == slot.planned.worker.as_str()
                            && w.round == slot.planned.round
                            && w.attempts.last().is_some_and(|a| a.pid.is_some())
                    })
            })
    }

    fn init_row(&mut self, i: usize) {
        let p = &self.slots[i].planned;
        if self
            .ctx
            .team
            .worker(p.worker.as_str(), p.round)
            .is_some_and(|row| row.status == WorkerStatus::Completed)
        {
            // A worker finished before okstra was killed: its row stays as it was.
            return;
        }
        let env_set = match &p.launch {
            PlannedLaunch::Process(plan) => plan.env_set.clone(),
            _ => Vec::new(),
        };
        let row = TeamWorker {
            worker: p.worker.to_string(),
            kind: p.kind.as_str().to_owned(),
            role: p.role.as_str().to_owned(),
            round: p.round,
            model: p.model.clone(),
            cli: p.cli.clone(),
            env_set,
            status: WorkerStatus::Pending,
            reason: None,
            started_at: None,
            finished_at: None,
            duration_ms: None,
            tokens: TokenUsage::default(),
            result_path: None,
            attempts: Vec::new(),
            replay: matches!(p.launch, PlannedLaunch::Replay(_)),
        };
        self.ctx.team.upsert(row);
        self.team_dirty = true;
    }

    fn result_spec(&self, i: usize, attempt: u32) -> ResultSpec {
        let p = &self.slots[i].planned;
        ResultSpec {
            path: self.artifact(i, ArtifactKind::Result, attempt),
            header: ResultHeader {
                okstra: RESULT_MARK.to_owned(),
                run_id: self.ctx.manifest.run_id.to_string(),
                worker: p.worker.to_string(),
                kind: p.kind.as_str().to_owned(),
                role: p.role.as_str().to_owned(),
                task_type: self.ctx.manifest.task_type.to_string(),
                seq: self.ctx.manifest.run_seq.get(),
                round: p.round,
                attempt,
                status: WorkerStatus::Pending,
                reason: None,
                started_at: None,
                finished_at: None,
                model: p.model.clone(),
                cli: p.cli.clone(),
                tokens: TokenUsage::default(),
                replay: matches!(p.launch, PlannedLaunch::Replay(_)),
            },
            check: p.check.clone(),
            redactor: self.ctx.redactor.clone(),
        }
    }

    fn handle(&mut self, envelope: Envelope) -> Result<(), RunError> {
        let i = envelope.slot;
        if envelope.attempt != self.slots[i].attempt {
            return Ok(());
        }
        let worker = self.slots[i].planned.worker.to_string();
        let attempt = envelope.attempt;
        match envelope.event {
            AttemptEvent::Spawned {
                pid,
                process_group,
                process_start,
            } => {
                if let Some(rec) = self.row(i).attempts.last_mut() {
                    rec.pid = Some(pid);
                    rec.process_group = Some(process_group);
                    rec.process_start = process_start;
                }
                self.audit(i, &format!("spawned pid={pid}"));
                self.emit(&RunEvent::Spawned {
                    worker,
                    attempt,
                    pid,
                });
            }
            AttemptEvent::Stdout(line) => {
                let line = self.ctx.redactor.redact(&line).into_owned();
                if let Some(w) = self.sidecar(i, ArtifactKind::Transcript) {
                    let _ = writeln!(w, "{line}");
                }
            }
            AttemptEvent::Stderr(line) => {
                let line = self.ctx.redactor.redact(&line).into_owned();
                if let Some(w) = self.sidecar(i, ArtifactKind::Errors) {
                    let _ = writeln!(w, "{line}");
                }
            }
            AttemptEvent::Usage(usage) => {
                (self.ctx.sink)(&RunEvent::Progress {
                    worker,
                    tokens: usage.display_short(),
                });
            }
            AttemptEvent::Retry { notice, count } => {
                let status = notice
                    .status
                    .map_or_else(|| "none".to_owned(), |s| s.to_string());
                self.audit(i, &format!("retry status={status} count={count}"));
                self.emit(&RunEvent::Retry {
                    worker,
                    status,
                    count,
                });
            }
            AttemptEvent::Stalled { silent_for } => {
                if let Some(rec) = self.row(i).attempts.last_mut() {
                    rec.stalled = true;
                }
                self.audit(i, "stalled");
                self.emit(&RunEvent::Stalled {
                    worker,
                    silent_for: okstra_core::duration::display_elapsed(silent_for),
                });
            }
            AttemptEvent::DeadlineExpired => {
                self.audit(i, "deadline");
                self.emit(&RunEvent::Deadline { worker, attempt });
            }
            AttemptEvent::Signaled { signal } => {
                self.audit(i, &format!("signal {signal}"));
                self.emit(&RunEvent::Signal {
                    worker,
                    attempt,
                    signal: signal.to_owned(),
                });
            }
            AttemptEvent::Finished(end) => self.finish_attempt(i, end)?,
            AttemptEvent::Reaped { count } => {
                self.slots[i].reaping = false;
                // A worker that printed nothing still gets its (empty) sidecars.
                for kind in [ArtifactKind::Transcript, ArtifactKind::Errors] {
                    let _ = self.sidecar(i, kind);
                }
                self.close_sidecars(i);
                self.emit(&RunEvent::Reaped {
                    worker: worker.clone(),
                    attempt,
                    count,
                });
                if std::mem::take(&mut self.slots[i].redispatch_after_reap) {
                    let reason = self.slots[i].reason.take().unwrap_or_default();
                    self.emit(&RunEvent::Redispatch {
                        worker,
                        attempt: 2,
                        reason,
                    });
                    self.launch(i, 2)?;
                }
            }
        }
        Ok(())
    }

    fn finish_attempt(&mut self, i: usize, end: AttemptEnd) -> Result<(), RunError> {
        // Every line came before this event; the files close when the attempt is reaped.
        let slot = &mut self.slots[i];
        for w in [&mut slot.transcript, &mut slot.errors]
            .into_iter()
            .flatten()
        {
            let _ = w.flush();
        }
        self.urgent = true;
        let recorded = end
            .recorded
            .map_err(|message| RunError::ResultFile { message })?;
        if recorded.rejected.is_some() {
            self.slots[i].rejected.clone_from(&recorded.rejected);
        }
        self.slots[i].usage = self.slots[i].usage.plus(&recorded.usage);
        let rel_result = self.rel(&recorded.result_path);
        let exit = end
            .exit
            .as_ref()
            .map(okstra_core::adapter::ExitInfo::describe);
        if let Some(rec) = self.row(i).attempts.last_mut() {
            rec.finished_at = Some(end.finished_at);
            rec.status = recorded.status;
            rec.reason.clone_from(&recorded.reason);
            rec.exit = exit;
            rec.tokens = recorded.usage;
            rec.result_path = Some(rel_result);
        }
        self.audit(
            i,
            &format!(
                "finished status={}{}",
                recorded.status,
                recorded
                    .reason
                    .as_deref()
                    .map_or_else(String::new, |r| format!(" reason={r}"))
            ),
        );
        let retryable = matches!(
            recorded.cause,
            Some(FailCause::Timeout | FailCause::Crash | FailCause::Unparsable)
        );
        if retryable && self.slots[i].attempt == 1 && !self.ctx.cancel.is_cancelled() {
            // Attempt 2 starts once everything attempt 1 started is gone.
            self.slots[i].redispatch_after_reap = true;
            self.slots[i].reason = recorded.reason;
            return Ok(());
        }
        self.finish_terminal(i, &recorded);
        Ok(())
    }

    fn finish_terminal(&mut self, i: usize, recorded: &Recorded) {
        self.urgent = true;
        let (status, reason, text) = (
            recorded.status,
            recorded.reason.clone(),
            recorded.text.clone(),
        );
        let result_path = recorded.result_path.clone();
        let duration = self.slots[i]
            .started
            .map_or(std::time::Duration::ZERO, |s| s.elapsed());
        let rel = self.rel(&result_path);
        let total = self.slots[i].usage;
        let now = Timestamp::now();
        let reused = self.slots[i].started.is_none();
        let row = self.row(i);
        // A result reused on resume keeps the time it was first recorded with.
        let duration = match (reused, row.duration_ms) {
            (true, Some(ms)) => std::time::Duration::from_millis(ms),
            _ => duration,
        };
        if !(reused && row.finished_at.is_some()) {
            row.finished_at = Some(now);
        }
        row.status = status;
        row.reason.clone_from(&reason);
        row.duration_ms = Some(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX));
        row.tokens = total;
        row.result_path = Some(rel);
        let slot = &mut self.slots[i];
        slot.status = status;
        slot.reason = reason;
        slot.text = text;
        slot.result_path = result_path;
        slot.duration = duration;
        let worker = slot.planned.worker.to_string();
        self.emit(&RunEvent::Collect {
            worker,
            status: status.to_string(),
        });
        let done = self.slots.iter().filter(|s| s.status.is_terminal()).count();
        let pending = self.slots.len() - done;
        self.emit(&RunEvent::Poll { pending, done });
    }

    /// Writes team state (the durable record of every status) and, unless only the urgent part
    /// is due, the manifest's events.
    fn persist(&mut self) -> Result<(), StoreError> {
        self.persist_parts(true)
    }

    fn persist_parts(&mut self, manifest_too: bool) -> Result<(), StoreError> {
        self.urgent = false;
        if self.team_dirty {
            self.ctx.team.updated_at = Timestamp::now();
            self.ctx.save_team()?;
            self.team_dirty = false;
        }
        if manifest_too && self.manifest_dirty {
            self.ctx.save_manifest()?;
            self.manifest_dirty = false;
        }
        let now = Timestamp::now();
        for slot in &mut self.slots {
            if slot.status.is_terminal() && slot.durable_at.is_none() {
                slot.durable_at = Some(now);
            }
        }
        Ok(())
    }
}
