//! Owns what a resumed round already has, so it is never asked again: a valid result file, an
//! answer recovered from a saved transcript, or a failure that was final before okstra died.

use jiff::Timestamp;
use okstra_core::adapter::{ExitInfo, Outcome, StreamParser};
use okstra_core::config::AdapterKind;
use okstra_core::events::RunEvent;
use okstra_core::outcome::{AttemptResult, INTERRUPTED, decide_attempt};
use okstra_core::result_header::{HeaderExpectation, ResultHeader, check_result, parse_result};
use okstra_core::run_paths::ArtifactKind;
use okstra_core::status::WorkerStatus;
use okstra_core::team_state::AttemptRecord;

use super::imp::Round;
use crate::errors::RunError;
use crate::fs_atomic::write_text;

/// Returns the outcome a saved transcript shows, when its worker finished its answer before
/// okstra died: the CLI's final result event (or the replay answer line).
fn recover_from_transcript(kind: AdapterKind, transcript: &str) -> Option<AttemptResult> {
    if kind == AdapterKind::Replay {
        let line: serde_json::Value = transcript
            .lines()
            .rev()
            .find_map(|l| serde_json::from_str(l).ok())?;
        let text = line.get("text")?.as_str()?.to_owned();
        let usage = serde_json::from_value(line.get("usage")?.clone()).unwrap_or_default();
        return Some(AttemptResult::Completed { text, usage });
    }
    // A command's output has no end marker: it cannot be told apart from a cut-off answer.
    if kind == AdapterKind::Command {
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

/// A completed answer found on disk.
struct Found {
    attempt: u32,
    header: ResultHeader,
    text: String,
}

impl Round<'_> {
    /// Reuses what a worker already has for this round, if anything: marks its slot done and
    /// says so. Returns whether it did.
    pub(super) fn reuse_if_done(&mut self, i: usize) -> Result<bool, RunError> {
        let found = match self.completed_result(i) {
            Some(found) => Some(found),
            None => self.recovered_answer(i)?,
        };
        let status = if let Some(found) = found {
            self.slots[i].attempt = found.attempt;
            self.keep_completed(i, &found);
            self.slots[i].text = Some(found.text);
            WorkerStatus::Completed
        } else if let Some(status) = self.final_failure(i) {
            self.slots[i].attempt = self.row(i).attempts.last().map_or(1, |a| a.attempt);
            status
        } else {
            return Ok(false);
        };
        let worker = self.slots[i].planned.entry.worker.clone();
        self.emit(&RunEvent::Reused { worker });
        self.collected(i, status);
        // It was on disk before this okstra started.
        self.slots[i].durable_at = Some(Timestamp::now());
        Ok(true)
    }

    /// Returns the run id and worker name a result file of this slot must carry.
    fn expectation(&self, i: usize) -> (String, String) {
        (
            self.run.manifest().run_id.to_string(),
            self.slots[i].planned.entry.worker.to_string(),
        )
    }

    /// Returns a result file of this worker and round that passes the header check with status
    /// `completed` and whose body passes the contract.
    fn completed_result(&self, i: usize) -> Option<Found> {
        let p = &self.slots[i].planned;
        for attempt in [2, 1] {
            let path = self.artifact(i, ArtifactKind::Result, attempt);
            let Ok(text) = fs_err::read_to_string(&path) else {
                continue;
            };
            let (run_id, worker) = self.expectation(i);
            let expect = HeaderExpectation {
                run_id: &run_id,
                worker: &worker,
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
            if p.contract
                .is_some_and(|c| c.accepts(&body, attempt).is_err())
            {
                continue;
            }
            return Some(Found {
                attempt,
                header,
                text: body,
            });
        }
        None
    }

    /// Returns an answer a saved transcript shows finished before okstra died; its result file
    /// is written now.
    fn recovered_answer(&mut self, i: usize) -> Result<Option<Found>, RunError> {
        let p = &self.slots[i].planned;
        for attempt in [2, 1] {
            let path = self.artifact(i, ArtifactKind::Transcript, attempt);
            let Ok(transcript) = fs_err::read_to_string(&path) else {
                continue;
            };
            let Some(result) = recover_from_transcript(p.entry.kind, &transcript) else {
                continue;
            };
            let mut decision = decide_attempt(result, p.contract, attempt);
            if decision.status != WorkerStatus::Completed {
                continue;
            }
            decision.text = decision
                .text
                .as_deref()
                .map(|t| self.run.redactor.redact(t).into_owned());
            let header = self.result_header(i, attempt, &decision, None, None);
            let text = decision.text.clone().unwrap_or_default();
            let file =
                okstra_core::result_header::render_result(&header, &text).map_err(|source| {
                    crate::errors::ResultFileError::Header {
                        path: self.artifact(i, ArtifactKind::Result, attempt),
                        source,
                    }
                })?;
            write_text(&self.artifact(i, ArtifactKind::Result, attempt), &file)?;
            return Ok(Some(Found {
                attempt,
                header,
                text,
            }));
        }
        Ok(None)
    }

    /// Makes the worker's row say what its result file says: that attempt completed, with the
    /// file's tokens and times; earlier attempts are kept, later ones dropped.
    fn keep_completed(&mut self, i: usize, found: &Found) {
        let result_path = self
            .run
            .rel(&self.artifact(i, ArtifactKind::Result, found.attempt));
        let h = &found.header;
        let row = self.row_mut(i);
        let mut record = row
            .attempts
            .iter()
            .find(|a| a.attempt == found.attempt)
            .cloned()
            .unwrap_or(AttemptRecord {
                attempt: found.attempt,
                ..AttemptRecord::default()
            });
        record.status = WorkerStatus::Completed;
        record.reason = None;
        record.tokens = h.tokens;
        record.result_path = Some(result_path);
        record.started_at = record.started_at.or(h.started_at);
        record.finished_at = record.finished_at.or(h.finished_at);
        row.attempts.retain(|a| a.attempt < found.attempt);
        row.attempts.push(record);
    }

    /// Returns the status a worker ended with before okstra died, when that failure was final:
    /// its row's last attempt failed (not by an interruption) and that attempt's result file
    /// says so. A failure is that worker's outcome too and is never re-requested; only an
    /// interrupted worker runs again.
    fn final_failure(&self, i: usize) -> Option<WorkerStatus> {
        let row = self.row(i);
        let last = row.attempts.last()?;
        if !last.status.is_terminal()
            || last.status == WorkerStatus::Completed
            || last.reason.as_deref() == Some(INTERRUPTED)
        {
            return None;
        }
        let path = self.artifact(i, ArtifactKind::Result, last.attempt);
        let text = fs_err::read_to_string(&path).ok()?;
        let (run_id, worker) = self.expectation(i);
        let header = check_result(
            &text,
            &HeaderExpectation {
                run_id: &run_id,
                worker: &worker,
                round: row.round,
                attempt: last.attempt,
            },
        )
        .ok()?;
        (header.status == last.status).then_some(last.status)
    }
}
