//! Owns a round of workers: the one dispatcher task that starts every worker concurrently,
//! receives its executors' events, and is the only writer of team state, manifest events and
//! sidecars (prompts, audit, errors log, transcript, result files). It decides terminal
//! statuses and the one re-dispatch of SPEC §5.4, into `-a2` files that never overwrite
//! attempt 1's.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use jiff::Timestamp;
use okstra_core::events::RunEvent;
use okstra_core::result_header::{
    HeaderExpectation, RESULT_MARK, ResultHeader, check_result, parse_result,
};
use okstra_core::run_paths::{ArtifactKind, relative_to};
use okstra_core::status::WorkerStatus;
use okstra_core::team_state::{AttemptRecord, TeamWorker};
use okstra_core::tokens::TokenUsage;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::{PlannedLaunch, PlannedWorker, RunContext, WorkerResult};
use crate::errors::{PathError, RunError, StoreError};
use crate::fs_atomic::replace_text;
use crate::kill_hook;
use crate::timer::{after, fired};
use crate::worker::INTERRUPTED;
use crate::worker::result::{Recorded, ResultSpec, record};
use crate::worker::unix::WORKER_TAG_VAR;
use crate::worker::{
    AttemptEnd, AttemptEvent, AttemptResult, AttemptSpec, Envelope, FailCause, Launch,
    ProcessLaunch, run_attempt,
};

/// Returns the outcome a saved transcript shows, when its worker finished its answer before
/// okstra died: the CLI's final result event (or the replay answer line).
fn recover_from_transcript(
    kind: okstra_core::config::AdapterKind,
    transcript: &str,
) -> Option<AttemptResult> {
    use okstra_core::adapter::{ExitInfo, Outcome, StreamParser};
    if kind == okstra_core::config::AdapterKind::Replay {
        let line: serde_json::Value = transcript
            .lines()
            .rev()
            .find_map(|l| serde_json::from_str(l).ok())?;
        let text = line.get("text")?.as_str()?.to_owned();
        let usage = serde_json::from_value(line.get("usage")?.clone()).unwrap_or_default();
        return Some(AttemptResult::Completed { text, usage });
    }
    // A command's output has no end marker: it cannot be told apart from a cut-off answer.
    if kind == okstra_core::config::AdapterKind::Command {
        return None;
    }
    let mut parser = StreamParser::new(kind)?;
    for line in transcript.lines() {
        parser.on_stdout_line(line);
    }
    match parser.finish(
        &ExitInfo {
            code: Some(0),
            ..ExitInfo::default()
        },
        None,
    ) {
        Outcome::Completed { text, usage } => Some(AttemptResult::Completed { text, usage }),
        Outcome::Failed { .. } => None,
    }
}

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

/// What an attempt needs on disk before it starts.
struct AttemptFiles {
    prompt: (PathBuf, String),
    tmpdir: Option<PathBuf>,
}

impl AttemptFiles {
    fn create(self) -> Result<(), RunError> {
        // The prompt is regenerated on resume, so it is replaced atomically without fsync.
        replace_text(&self.prompt.0, &self.prompt.1)?;
        if let Some(dir) = &self.tmpdir {
            let _ = fs_err::remove_dir_all(dir);
            fs_err::create_dir_all(dir).map_err(PathError::at(dir))?;
        }
        Ok(())
    }
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

    /// Appends `- PROGRESS: <stage> <ISO-UTC>` to the attempt's audit sidecar (an append-only
    /// log, never fsynced), starting it with its title line.
    fn audit(&mut self, i: usize, stage: &str) {
        let attempt = self.slots[i].attempt.max(1);
        let path = self.artifact(i, ArtifactKind::Audit, attempt);
        let mut text = String::new();
        if !self.slots[i].audit_started {
            let p = &self.slots[i].planned;
            let replay_note = if matches!(p.launch, PlannedLaunch::Replay(_)) {
                " — REPLAY: answers come from a scripted fixture, not a model"
            } else {
                ""
            };
            text.push_str(&format!(
                "# {} audit: {} #{} round {} attempt {attempt}{replay_note}\n\n",
                p.worker, self.ctx.manifest.task_type, self.ctx.manifest.run_seq, p.round
            ));
            self.slots[i].audit_started = true;
        }
        text.push_str(&format!("- PROGRESS: {stage} {}\n", iso_now()));
        if let Ok(mut f) = fs_err::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
        {
            let _ = f.write_all(self.ctx.redactor.redact(&text).as_bytes());
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

    fn prompt_text(&self, i: usize) -> String {
        let slot = &self.slots[i];
        match &slot.rejected {
            Some((answer, error)) => format!(
                "{}\n## Rejected answer\n\nYour previous answer was rejected: {error}\n\n\
                 Answer again and end with one valid fenced ```json block.\n\n\
                 <details><summary>previous answer</summary>\n\n{answer}\n\n</details>\n",
                slot.planned.prompt
            ),
            None => slot.planned.prompt.clone(),
        }
    }

    /// Returns a result this worker already has for this round: a result file that passes the
    /// header check with status `completed` and whose body passes the contract check, or else
    /// a finished answer recovered from a saved transcript (its result file is then written).
    fn reusable(&self, i: usize) -> Option<Recorded> {
        let p = &self.slots[i].planned;
        let run_id = self.ctx.manifest.run_id.to_string();
        for attempt in [2, 1] {
            let path = self.artifact(i, ArtifactKind::Result, attempt);
            let Ok(text) = fs_err::read_to_string(&path) else {
                continue;
            };
            let expect = HeaderExpectation {
                run_id: &run_id,
                worker: p.worker.as_str(),
                round: p.round,
                attempt,
            };
            let Ok(header) = check_result(&text, &expect) else {
                continue;
            };
            if header.status != WorkerStatus::Completed {
                continue;
            }
            let body = parse_result(&text)
                .map(|(_, b)| b.to_owned())
                .unwrap_or_default();
            if p.check.as_ref().is_some_and(|check| check(&body).is_err()) {
                continue;
            }
            return Some(Recorded {
                status: WorkerStatus::Completed,
                cause: None,
                reason: None,
                text: Some(body),
                usage: header.tokens,
                rejected: None,
                result_path: path,
            });
        }
        for attempt in [2, 1] {
            let path = self.artifact(i, ArtifactKind::Transcript, attempt);
            let Ok(transcript) = fs_err::read_to_string(&path) else {
                continue;
            };
            let Some(result) = recover_from_transcript(p.kind, &transcript) else {
                continue;
            };
            if let Ok(recorded) = record(&self.result_spec(i, attempt), result, None, None)
                && recorded.status == WorkerStatus::Completed
            {
                return Some(recorded);
            }
        }
        self.final_failure(i)
    }

    /// Returns the failure a worker ended with before okstra died — its team-state row is
    /// terminal and its last attempt's result file says so — since a failure is that worker's
    /// outcome too and is never re-requested. Only an interrupted worker runs again.
    fn final_failure(&self, i: usize) -> Option<Recorded> {
        let p = &self.slots[i].planned;
        let row = self.ctx.team.worker(p.worker.as_str(), p.round)?;
        if !row.status.is_terminal()
            || row.status == WorkerStatus::Completed
            || row.reason.as_deref() == Some(INTERRUPTED)
        {
            return None;
        }
        let attempt = row.attempts.last()?.attempt;
        let path = self.artifact(i, ArtifactKind::Result, attempt);
        let text = fs_err::read_to_string(&path).ok()?;
        let run_id = self.ctx.manifest.run_id.to_string();
        let header = check_result(
            &text,
            &HeaderExpectation {
                run_id: &run_id,
                worker: p.worker.as_str(),
                round: p.round,
                attempt,
            },
        )
        .ok()?;
        // A reverify failure is recorded as `verification-error` on the row afterwards.
        let same = header.status == row.status || row.status == WorkerStatus::VerificationError;
        if !header.status.is_terminal() || header.status == WorkerStatus::Completed || !same {
            return None;
        }
        Some(Recorded {
            status: header.status,
            cause: None,
            reason: header.reason,
            text: None,
            usage: header.tokens,
            rejected: None,
            result_path: path,
        })
    }

    /// Marks a slot done with a reused result.
    fn reuse(&mut self, i: usize, recorded: &Recorded) {
        let attempt = if recorded.result_path.to_string_lossy().contains("-a2.") {
            2
        } else {
            1
        };
        self.slots[i].attempt = attempt;
        self.slots[i].usage = recorded.usage;
        let worker = self.slots[i].planned.worker.to_string();
        let rel = self.rel(&recorded.result_path);
        let row = self.row(i);
        if row.attempts.is_empty() {
            row.attempts.push(AttemptRecord {
                attempt,
                status: recorded.status,
                tokens: recorded.usage,
                result_path: Some(rel),
                ..AttemptRecord::default()
            });
        }
        self.emit(&RunEvent::Reused { worker });
        self.finish_terminal(i, recorded);
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

    fn write_prompt(&mut self, i: usize) -> Result<PathBuf, RunError> {
        let path = self.artifact(i, ArtifactKind::Prompt, self.slots[i].attempt);
        let text = self.prompt_text(i);
        replace_text(&path, &text)?;
        Ok(path)
    }

    fn launch(&mut self, i: usize, attempt: u32) -> Result<(), RunError> {
        let (spec, files) = self.prepare_attempt(i, attempt);
        files.create()?;
        self.spawn(spec);
        Ok(())
    }

    /// Creates what the first attempts of a round need before they start — their prompts
    /// (fsynced) and private TMPDIRs — concurrently.
    async fn create_files_in_parallel(&self, files: Vec<AttemptFiles>) -> Result<(), RunError> {
        let mut writes = JoinSet::new();
        for f in files {
            writes.spawn_blocking(move || f.create());
        }
        while let Some(done) = writes.join_next().await {
            done.map_err(|e| RunError::ResultFile {
                message: format!("the prompt writer failed: {e}"),
            })??;
        }
        Ok(())
    }

    /// Records an attempt and returns what its executor runs, with the files it needs before
    /// it starts. No file is touched here.
    fn prepare_attempt(&mut self, i: usize, attempt: u32) -> (AttemptSpec, AttemptFiles) {
        self.slots[i].attempt = attempt;
        self.slots[i].audit_started = false;
        let prompt_path = self.artifact(i, ArtifactKind::Prompt, attempt);
        let prompt = self.prompt_text(i);
        let transcript_path = self.artifact(i, ArtifactKind::Transcript, attempt);
        let p = &self.slots[i].planned;
        let tag = format!(
            "{}.{}.r{}.a{attempt}",
            self.ctx.manifest.run_id, p.worker, p.round
        );
        let mut tmpdir = None;
        let launch = match &p.launch {
            PlannedLaunch::Process(plan) => {
                tmpdir = Some(plan.tmpdir.clone());
                let mut env = plan.env.clone();
                env.insert("TMPDIR".to_owned(), plan.tmpdir.display().to_string());
                env.insert(WORKER_TAG_VAR.to_owned(), tag.clone());
                Launch::Process(ProcessLaunch {
                    kind: p.kind,
                    spec: plan.spec.clone(),
                    env,
                    prompt: prompt.clone().into(),
                    last_message_file: plan.last_message_file.clone(),
                })
            }
            PlannedLaunch::Replay(fixture) => {
                Launch::Replay(fixture.answer(p.worker.as_str(), p.round, attempt).cloned())
            }
            PlannedLaunch::NotRun(_) => unreachable!("not-run workers are never launched"),
        };
        let now = Timestamp::now();
        let record = AttemptRecord {
            attempt,
            tag: Some(tag.clone()),
            started_at: Some(now),
            status: WorkerStatus::Running,
            prompt_path: Some(self.rel(&prompt_path)),
            transcript_path: Some(self.rel(&transcript_path)),
            ..AttemptRecord::default()
        };
        let row = self.row(i);
        row.status = WorkerStatus::Running;
        if row.started_at.is_none() {
            row.started_at = Some(now);
        }
        row.attempts.push(record);
        if self.slots[i].started.is_none() {
            self.slots[i].started = Some(Instant::now());
        }
        let spec = AttemptSpec {
            slot: i,
            attempt,
            launch,
            limits: self.ctx.limits,
            tag,
            result: self.result_spec(i, attempt),
        };
        self.slots[i].reaping = true;
        (
            spec,
            AttemptFiles {
                prompt: (prompt_path, prompt),
                tmpdir,
            },
        )
    }

    /// Starts an attempt's executor; its sidecars are created as the worker runs.
    fn spawn(&mut self, spec: AttemptSpec) {
        let i = spec.slot;
        let attempt = spec.attempt;
        self.executors
            .spawn(run_attempt(spec, self.tx.clone(), self.ctx.cancel.clone()));
        let p = &self.slots[i].planned;
        let model = p.model.clone().unwrap_or_else(|| "-".to_owned());
        let worker = p.worker.to_string();
        self.emit(&RunEvent::Dispatch {
            worker: worker.clone(),
            model: model.clone(),
        });
        self.audit(
            i,
            &format!("phase-4-dispatch worker={worker} model={model} attempt={attempt}"),
        );
    }

    /// Returns the attempt's transcript or errors writer, creating the file on first use.
    fn sidecar(&mut self, i: usize, kind: ArtifactKind) -> Option<&mut BufWriter<fs_err::File>> {
        let path = self.artifact(i, kind, self.slots[i].attempt);
        let slot = &mut self.slots[i];
        let writer = if kind == ArtifactKind::Transcript {
            &mut slot.transcript
        } else {
            &mut slot.errors
        };
        if writer.is_none() {
            *writer = fs_err::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .ok()
                .map(BufWriter::new);
        }
        writer.as_mut()
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

    fn close_sidecars(&mut self, i: usize) {
        for w in [self.slots[i].transcript.take(), self.slots[i].errors.take()]
            .into_iter()
            .flatten()
        {
            let mut w = w;
            let _ = w.flush();
        }
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

fn iso_now() -> String {
    Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}
