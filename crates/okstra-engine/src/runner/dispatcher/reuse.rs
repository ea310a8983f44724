//! Owns what a resumed round already has: a valid result file, an answer recovered from a
//! saved transcript, or a failure that was final before okstra died — never asked again.

use okstra_core::events::RunEvent;
use okstra_core::result_header::{HeaderExpectation, check_result, parse_result};
use okstra_core::run_paths::ArtifactKind;
use okstra_core::status::WorkerStatus;
use okstra_core::team_state::AttemptRecord;

use super::Round;
use crate::worker::result::{Recorded, record};
use crate::worker::{AttemptResult, INTERRUPTED};

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

impl Round<'_> {
    /// Returns a result this worker already has for this round: a result file that passes the
    /// header check with status `completed` and whose body passes the contract check, or else
    /// a finished answer recovered from a saved transcript (its result file is then written).
    pub(super) fn reusable(&self, i: usize) -> Option<Recorded> {
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
    pub(super) fn reuse(&mut self, i: usize, recorded: &Recorded) {
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
}
