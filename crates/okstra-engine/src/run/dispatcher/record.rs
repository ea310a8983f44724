//! Owns recording finished attempts (SPEC §5.3, §5.4): each attempt's status is decided by
//! core's rule — after its answer is checked against the contract and every worker-given text
//! is redacted — and its result file written; then its team-state record and events.
//!
//! Completions that arrive together are made durable together: their result files are written
//! concurrently — a first attempt's into a temp file made before it started — and synced with
//! one folder sync, and only then are their statuses recorded in
//! team state and the manifest, which are written once for the group. Each result file is
//! durable before its status is; the order of records is the order the attempts finished in.

use std::path::PathBuf;

use jiff::Timestamp;
use okstra_core::events::RunEvent;
use okstra_core::outcome::{AttemptDecision, decide_attempt};
use okstra_core::result_header::{RESULT_MARK, ResultHeader, render_result};
use okstra_core::run_paths::ArtifactKind;
use okstra_core::status::WorkerStatus;
use okstra_core::team_state::AttemptRecord;

use super::imp::Round;
use crate::errors::{ResultFileError, RunError};
use crate::fs_atomic::{PendingWrite, Reserved, all_blocking, commit_all};
use crate::worker::AttemptEnd;

/// Makes the temp files of the first attempts' result files before they start, concurrently; a
/// result file that could not be reserved (or a later attempt's) is made when it is written.
pub(super) async fn reserve_result_files(files: Vec<(usize, PathBuf)>) -> Vec<(usize, Reserved)> {
    let jobs = files
        .into_iter()
        .map(|(i, path)| move || Reserved::beside(&path).ok().map(|r| (i, r)))
        .collect();
    all_blocking(jobs).await
}

/// A finished attempt, decided, with its result file.
struct Decided {
    slot: usize,
    end: AttemptEnd,
    decision: AttemptDecision,
    redispatch: bool,
}

impl Round<'_> {
    /// Records every attempt that finished in the batch just handled, as one durable group.
    pub(super) async fn record_finished(&mut self) -> Result<(), RunError> {
        let ends = std::mem::take(&mut self.finished);
        if ends.is_empty() {
            return Ok(());
        }
        let mut writes = Vec::with_capacity(ends.len());
        let mut group = Vec::with_capacity(ends.len());
        for (i, end) in ends {
            let decision = self.decide(i, &end);
            let attempt = self.slots[i].attempt;
            let redispatch = decision.redispatches(attempt, self.run.interrupted());
            let path = self.artifact(i, ArtifactKind::Result, attempt);
            let file = self.result_file(i, attempt, &decision, &end)?;
            let reserved = self.slots[i].result_tmp.take();
            writes.push(PendingWrite::bytes(&path, file.into_bytes()).with_temp(reserved));
            group.push(Decided {
                slot: i,
                end,
                decision,
                redispatch,
            });
        }
        // Every line a finished worker printed is in its transcript before its status is
        // recorded; the sidecar thread writes while the result files are synced.
        let (committed, ()) = tokio::join!(commit_all(writes, true), self.sidecars.flushed());
        committed?;
        for decided in group {
            self.record(decided);
        }
        self.run.save_team_and_manifest().await?;
        self.team_dirty = false;
        self.manifest_dirty = false;
        let now = Timestamp::now();
        for i in 0..self.slots.len() {
            if self.is_done(i) && self.slots[i].durable_at.is_none() {
                self.slots[i].durable_at = Some(now);
            }
        }
        Ok(())
    }

    /// Decides an attempt's end by core's rule; every text that came from the worker (its
    /// answer, its failure message, a rejected answer) is redacted here, once, before okstra
    /// keeps or writes it anywhere.
    fn decide(&self, i: usize, end: &AttemptEnd) -> AttemptDecision {
        let mut decision = decide_attempt(
            end.result.clone(),
            self.slots[i].planned.contract,
            self.slots[i].attempt,
        );
        let redact = |t: &str| self.run.redactor.redact(t).into_owned();
        decision.text = decision.text.as_deref().map(redact);
        decision.reason = decision.reason.as_deref().map(redact);
        if let Some((answer, _)) = &mut decision.rejected {
            *answer = redact(answer);
        }
        decision
    }

    /// Returns the whole result file of an attempt: its header and the final message (or why
    /// it ended).
    pub(super) fn result_file(
        &self,
        i: usize,
        attempt: u32,
        decision: &AttemptDecision,
        end: &AttemptEnd,
    ) -> Result<String, ResultFileError> {
        let header = self.result_header(
            i,
            attempt,
            decision,
            Some(end.started_at),
            Some(end.finished_at),
        );
        let status = decision.status;
        let body = match (&decision.text, &decision.reason) {
            (Some(text), _) => text.clone(),
            (None, Some(reason)) => format!("okstra: this worker ended `{status}`: {reason}\n"),
            (None, None) => format!("okstra: this worker ended `{status}`\n"),
        };
        render_result(&header, &body).map_err(|source| ResultFileError::Header {
            path: self.artifact(i, ArtifactKind::Result, attempt),
            source,
        })
    }

    /// Returns the header of an attempt's result file.
    pub(super) fn result_header(
        &self,
        i: usize,
        attempt: u32,
        decision: &AttemptDecision,
        started_at: Option<Timestamp>,
        finished_at: Option<Timestamp>,
    ) -> ResultHeader {
        let p = &self.slots[i].planned;
        let m = self.run.manifest();
        ResultHeader {
            okstra: RESULT_MARK.to_owned(),
            run_id: m.run_id.to_string(),
            worker: p.entry.worker.to_string(),
            kind: p.entry.kind,
            role: p.entry.role,
            task_type: m.task_type,
            seq: m.run_seq.get(),
            round: p.round,
            attempt,
            status: decision.status,
            reason: decision.reason.clone(),
            started_at,
            finished_at,
            model: p.entry.model.clone(),
            cli: p.entry.cli.clone(),
            tokens: decision.usage,
            replay: p.entry.fixture.is_some(),
        }
    }

    /// Records a decided attempt in team state and emits what it means: the re-dispatch to
    /// come, or the worker's terminal status.
    fn record(&mut self, d: Decided) {
        let i = d.slot;
        let attempt = self.slots[i].attempt;
        let result_path = self
            .run
            .rel(&self.artifact(i, ArtifactKind::Result, attempt));
        let exit = d
            .end
            .exit
            .as_ref()
            .map(okstra_core::adapter::ExitInfo::describe);
        let status = d.decision.status;
        let reason = d.decision.reason.clone();
        self.audit(
            i,
            &format!(
                "finished status={status}{}",
                reason
                    .as_deref()
                    .map_or_else(String::new, |r| format!(" reason={r}"))
            ),
        );
        let row = self.row_mut(i);
        if let Some(rec) = row.attempts.last_mut() {
            rec.finished_at = Some(d.end.finished_at);
            rec.status = status;
            rec.reason.clone_from(&reason);
            rec.exit = exit;
            rec.tokens = d.decision.usage;
            rec.result_path = Some(result_path);
        }
        if d.redispatch {
            // Attempt 2 is due once attempt 1 is reaped: its record says so from now on.
            row.attempts.push(AttemptRecord {
                attempt: attempt + 1,
                status: WorkerStatus::Pending,
                ..AttemptRecord::default()
            });
            self.slots[i].redispatch = Some(reason.unwrap_or_default());
            self.slots[i].rejected = d.decision.rejected;
            return;
        }
        self.slots[i].text = d.decision.text;
        self.collected(i, status);
    }

    /// Emits that a worker reached its terminal status (as its last attempt ended), and the
    /// round's progress.
    pub(super) fn collected(&mut self, i: usize, status: WorkerStatus) {
        let worker = self.slots[i].planned.entry.worker.clone();
        self.emit(&RunEvent::Collect { worker, status });
        let done = (0..self.slots.len()).filter(|&j| self.is_done(j)).count();
        let pending = self.slots.len() - done;
        self.emit(&RunEvent::Poll { pending, done });
    }
}
