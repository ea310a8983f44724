//! Owns the dispatch loop of one round: the slots of its workers, the loop over executor events
//! (each drained batch handled in order, the attempts that finished in it recorded as one
//! durable group), and the results it returns.

use std::path::PathBuf;
use std::time::Duration;

use jiff::Timestamp;
use okstra_core::answer::AnswerError;
use okstra_core::config::AdapterKind;
use okstra_core::events::RunEvent;
use okstra_core::outcome::AnswerContract;
use okstra_core::run_paths::{ArtifactKind, RoundTag};
use okstra_core::team_state::TeamWorker;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::appender::Appender;
use crate::errors::RunError;
use crate::fs_atomic::Reserved;
use crate::kill_hook;
use crate::run::imp::Run;
use crate::run::roster::RosterEntry;
use crate::run::summary::WorkerResult;
use crate::timer::{after, fired};
use crate::worker::{AttemptEnd, AttemptEvent, Envelope};

/// How long a non-urgent state change (a pid, an event) may wait to be persisted; a terminal
/// status is persisted with its group at once.
const FLUSH_DELAY: Duration = Duration::from_millis(25);

/// A worker of a round, ready to dispatch.
#[derive(Clone, Debug)]
pub(crate) struct PlannedWorker {
    pub(crate) entry: RosterEntry,
    pub(crate) round: RoundTag,
    /// Attempt 1's prompt (a re-dispatch after a rejected answer appends to it).
    pub(crate) prompt: String,
    /// The contract the final answer must meet.
    pub(crate) contract: Option<AnswerContract>,
}

/// What the dispatcher tracks of a worker while the round runs; its facts (attempts, statuses,
/// tokens, files) live in its team-state row.
pub(super) struct Slot {
    pub(super) planned: PlannedWorker,
    /// Its row in team state (rows are never removed during a round).
    pub(super) row: usize,
    pub(super) attempt: u32,
    /// The final text of a completed worker.
    pub(super) text: Option<String>,
    /// The answer of an attempt the contract check rejected, with the check's error.
    pub(super) rejected: Option<(String, AnswerError)>,
    /// The temp file of the first attempt's result file, made before it started.
    pub(super) result_tmp: Option<Reserved>,
    /// The current attempt's private TMPDIR, removed once the attempt is reaped.
    pub(super) tmpdir: Option<PathBuf>,
    /// Whether the current attempt's executor has yet to report `Reaped`.
    pub(super) reaping: bool,
    /// The reason of a retryable failure: attempt 2 starts once attempt 1 is reaped.
    pub(super) redispatch: Option<String>,
    /// Whether the current attempt's audit has its title line.
    pub(super) audit_started: bool,
    /// Set once the write that carried the terminal status has returned.
    pub(super) durable_at: Option<Timestamp>,
}

/// One round being dispatched.
pub(super) struct Round<'a> {
    pub(super) run: &'a mut Run,
    pub(super) slots: Vec<Slot>,
    pub(super) tx: mpsc::Sender<Envelope>,
    pub(super) executors: JoinSet<()>,
    /// The thread that writes the attempts' sidecars.
    pub(super) sidecars: Appender,
    /// Team state changed since it was last written.
    pub(super) team_dirty: bool,
    /// The manifest's events changed since it was last written.
    pub(super) manifest_dirty: bool,
    /// Attempts that finished in the batch being handled, recorded together.
    pub(super) finished: Vec<(usize, AttemptEnd)>,
}

impl Run {
    /// Runs every worker of a round to a terminal status and returns their results.
    pub(crate) async fn dispatch(
        &mut self,
        workers: Vec<PlannedWorker>,
    ) -> Result<Vec<WorkerResult>, RunError> {
        let (tx, mut rx) = mpsc::channel::<Envelope>(1024);
        let mut round = Round {
            run: self,
            slots: Vec::with_capacity(workers.len()),
            tx,
            executors: JoinSet::new(),
            sidecars: Appender::start(),
            team_dirty: true,
            manifest_dirty: true,
            finished: Vec::new(),
        };
        round.start(workers).await?;
        let mut flush = None;
        while round
            .slots
            .iter()
            .enumerate()
            .any(|(i, s)| !round.is_done(i) || s.reaping)
        {
            tokio::select! {
                envelope = rx.recv() => {
                    let Some(envelope) = envelope else {
                        break;
                    };
                    let mut batch = vec![envelope];
                    while let Ok(more) = rx.try_recv() {
                        batch.push(more);
                    }
                    round.handle_batch(batch).await?;
                    if (round.team_dirty || round.manifest_dirty) && flush.is_none() {
                        flush = Some(after(FLUSH_DELAY));
                    }
                }
                () = fired(&mut flush) => {
                    flush = None;
                    round.persist().await?;
                }
            }
            if kill_hook::armed(kill_hook::WORKERS_RUNNING) && round.all_running_durably() {
                kill_hook::reached(kill_hook::WORKERS_RUNNING);
            }
        }
        while round.executors.join_next().await.is_some() {}
        round.sidecars.finish().await;
        round.persist().await?;
        Ok(round.results())
    }
}

impl Round<'_> {
    /// Returns the team-state row of a slot.
    pub(super) fn row(&self, i: usize) -> &TeamWorker {
        &self.run.team().workers[self.slots[i].row]
    }

    /// Returns the team-state row of a slot, for update.
    pub(super) fn row_mut(&mut self, i: usize) -> &mut TeamWorker {
        self.team_dirty = true;
        let row = self.slots[i].row;
        &mut self.run.team_mut().workers[row]
    }

    /// Returns whether a slot's worker has its terminal status.
    pub(super) fn is_done(&self, i: usize) -> bool {
        self.row(i).status().is_terminal()
    }

    /// Returns the path of one of a slot's artifacts.
    pub(super) fn artifact(&self, i: usize, kind: ArtifactKind, attempt: u32) -> PathBuf {
        let p = &self.slots[i].planned;
        self.run
            .paths
            .artifact(&p.entry.worker, kind, p.round, attempt)
    }

    /// Emits an event; the manifest keeps it (written with the next persist).
    pub(super) fn emit(&mut self, event: &RunEvent) {
        self.run.emit(event);
        if event.is_recorded() {
            self.manifest_dirty = true;
        }
    }

    /// Returns whether every worker of the round is running with its process recorded in the
    /// saved team state (the `workers-running` kill point).
    fn all_running_durably(&self) -> bool {
        !self.team_dirty
            && (0..self.slots.len()).all(|i| {
                !self.is_done(i) && self.row(i).attempts.last().is_some_and(|a| a.pid.is_some())
            })
    }

    /// Handles a batch of executor events in order. The attempts that finished in it are
    /// recorded as one group; an attempt's `Reaped`, which follows its `Finished`, is handled
    /// after that record, so each worker's events keep their order.
    async fn handle_batch(&mut self, batch: Vec<Envelope>) -> Result<(), RunError> {
        let mut deferred = Vec::new();
        for envelope in batch {
            if envelope.attempt != self.slots[envelope.slot].attempt {
                continue;
            }
            match envelope.event {
                AttemptEvent::Finished(end) => {
                    self.finished.push((envelope.slot, end));
                }
                AttemptEvent::Reaped { .. }
                    if self.finished.iter().any(|(i, _)| *i == envelope.slot) =>
                {
                    deferred.push(envelope);
                }
                _ => self.handle(envelope)?,
            }
        }
        self.record_finished().await?;
        for envelope in deferred {
            self.handle(envelope)?;
        }
        Ok(())
    }

    fn handle(&mut self, envelope: Envelope) -> Result<(), RunError> {
        let i = envelope.slot;
        let worker = self.slots[i].planned.entry.worker.clone();
        let attempt = envelope.attempt;
        match envelope.event {
            AttemptEvent::Spawned {
                pid,
                process_group,
                process_start,
            } => {
                if let Some(rec) = self.row_mut(i).attempts.last_mut() {
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
                let line = self.run.redactor.redact(&line);
                // A command agent prints plain text: its transcript gets one JSON object per
                // line, like the CLIs' own event streams.
                let line = if self.slots[i].planned.entry.kind == AdapterKind::Command {
                    serde_json::json!({"stream": "stdout", "line": line}).to_string()
                } else {
                    line.into_owned()
                };
                self.sidecar_line(i, ArtifactKind::Transcript, line);
            }
            AttemptEvent::Stderr(line) => {
                let line = self.run.redactor.redact(&line).into_owned();
                self.sidecar_line(i, ArtifactKind::Errors, line);
            }
            AttemptEvent::Usage(tokens) => {
                self.emit(&RunEvent::Progress { worker, tokens });
            }
            AttemptEvent::Retry { notice, count } => {
                let status = notice
                    .status
                    .map_or_else(|| "none".to_owned(), |s| s.to_string());
                self.audit(i, &format!("retry status={status} count={count}"));
                self.emit(&RunEvent::Retry {
                    worker,
                    status: notice.status,
                    count,
                });
            }
            AttemptEvent::Stalled { silent_for } => {
                if let Some(rec) = self.row_mut(i).attempts.last_mut() {
                    rec.stalled = true;
                }
                self.audit(i, "stalled");
                self.emit(&RunEvent::Stalled { worker, silent_for });
            }
            AttemptEvent::DeadlineExpired => {
                self.audit(i, "deadline");
                self.emit(&RunEvent::Deadline { worker, attempt });
            }
            AttemptEvent::Signaled(signal) => {
                self.audit(i, &format!("signal {}", signal.as_str()));
                self.emit(&RunEvent::Signal {
                    worker,
                    attempt,
                    signal,
                });
            }
            AttemptEvent::Finished(end) => {
                // Reached only through `handle_batch`, which records it; kept whole here.
                self.finished.push((i, end));
            }
            AttemptEvent::Reaped { count } => {
                self.slots[i].reaping = false;
                // A worker that printed nothing still gets its (empty) sidecars.
                self.close_sidecars(i);
                self.emit(&RunEvent::Reaped {
                    worker: worker.clone(),
                    attempt,
                    count,
                });
                if let Some(reason) = self.slots[i].redispatch.take() {
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

    /// Writes what changed — team state, and the manifest's events — unless nothing did.
    pub(super) async fn persist(&mut self) -> Result<(), RunError> {
        if self.team_dirty || self.manifest_dirty {
            // Unchanged files are skipped by their digests.
            self.run.save_team_and_manifest().await?;
            self.team_dirty = false;
            self.manifest_dirty = false;
        }
        Ok(())
    }

    /// Returns the round's results, in roster order.
    fn results(self) -> Vec<WorkerResult> {
        let root = PathBuf::from(&self.run.manifest().project_root);
        let team = self.run.team();
        self.slots
            .into_iter()
            .map(|s| {
                let row = &team.workers[s.row];
                WorkerResult {
                    worker: row.worker.clone(),
                    kind: row.kind,
                    role: row.role,
                    model: row.model.clone(),
                    round: row.round,
                    // How its last attempt ended (a failed reverify call is a verification
                    // error by the row's rule; callers see the failure itself).
                    status: row.attempts.last().map_or(row.status(), |a| a.status),
                    reason: row.reason().map(str::to_owned),
                    text: s.text,
                    usage: row.tokens(),
                    result_path: row
                        .result_path()
                        .map(|rel| root.join(rel))
                        .unwrap_or_default(),
                    attempts: row.attempt_count(),
                    duration: Duration::from_millis(row.duration_ms().unwrap_or(0)),
                    replay: row.replay,
                    durable_at: s.durable_at,
                }
            })
            .collect()
    }
}
