//! Owns turning an attempt's end into its result file (SPEC §5.3): the optional contract check
//! of the final text, the attempt's terminal status, and the file itself — YAML header and
//! body, secrets redacted — written atomically by the attempt's own executor, so completions
//! of concurrent workers are recorded in parallel and the dispatcher only updates shared state.

use std::path::PathBuf;
use std::sync::Arc;

use jiff::Timestamp;
use okstra_core::redact::Redactor;
use okstra_core::result_header::{ResultHeader, render_result};
use okstra_core::status::WorkerStatus;
use okstra_core::tokens::TokenUsage;

use super::{AttemptResult, FailCause};
use crate::fs_atomic::write_text;

/// Checks a completed worker's final text (e.g. the findings contract); an `Err` makes the
/// answer unparsable, which earns the one re-dispatch with the error appended.
pub type ResultCheck = Arc<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

/// Where and how an attempt's result file is written.
#[derive(Clone)]
pub struct ResultSpec {
    pub path: PathBuf,
    /// The header with the attempt's identity; status, reason, times and tokens are filled in
    /// at the end.
    pub header: ResultHeader,
    pub check: Option<ResultCheck>,
    pub redactor: Redactor,
}

impl std::fmt::Debug for ResultSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultSpec")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// A recorded attempt: what its result file says.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    pub status: WorkerStatus,
    /// Why it failed, when it did (decides re-dispatch).
    pub cause: Option<FailCause>,
    pub reason: Option<String>,
    /// The final text of a completed attempt.
    pub text: Option<String>,
    pub usage: TokenUsage,
    /// The answer and the check's error, when the check rejected it.
    pub rejected: Option<(String, String)>,
    pub result_path: PathBuf,
}

/// Applies the check, decides the attempt's status and writes its result file.
pub fn record(
    spec: &ResultSpec,
    result: AttemptResult,
    started_at: Option<Timestamp>,
    finished_at: Option<Timestamp>,
) -> Result<Recorded, String> {
    let mut rejected = None;
    let result = match (result, &spec.check) {
        (AttemptResult::Completed { text, usage }, Some(check)) => match check(&text) {
            Ok(()) => AttemptResult::Completed { text, usage },
            Err(error) => {
                rejected = Some((text, error.clone()));
                AttemptResult::Failed {
                    cause: FailCause::Unparsable,
                    message: error,
                    usage,
                }
            }
        },
        (result, _) => result,
    };
    let usage = result.usage();
    let (status, cause, reason, text) = match result {
        AttemptResult::Completed { text, .. } => (WorkerStatus::Completed, None, None, Some(text)),
        AttemptResult::Failed { cause, message, .. } => {
            let status = match cause {
                FailCause::Timeout => WorkerStatus::Timeout,
                FailCause::SpawnFailed => WorkerStatus::NotRun,
                _ => WorkerStatus::Error,
            };
            (status, Some(cause), Some(message), None)
        }
    };
    let redact = |t: &str| spec.redactor.redact(t).into_owned();
    let mut header = spec.header.clone();
    header.status = status;
    header.reason = reason.as_deref().map(redact);
    header.started_at = started_at;
    header.finished_at = finished_at;
    header.tokens = usage;
    let body = match (&text, &reason) {
        (Some(text), _) => redact(text),
        (None, Some(reason)) => {
            format!("okstra: this worker ended `{status}`: {}\n", redact(reason))
        }
        (None, None) => format!("okstra: this worker ended `{status}`\n"),
    };
    let file = render_result(&header, &body).map_err(|e| e.to_string())?;
    write_text(&spec.path, &file).map_err(|e| e.to_string())?;
    Ok(Recorded {
        status,
        cause,
        reason,
        text,
        usage,
        rejected,
        result_path: spec.path.clone(),
    })
}
