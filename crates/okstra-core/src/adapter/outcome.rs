//! Owns what an attempt's output says: the `LineEffects` of one line (a `RetryNotice`, the usage
//! so far), how the process ended (`ExitInfo`) and the attempt's `Outcome` (`Completed`, or
//! `Failed` with a `Failure` whose `FailureKind` decides re-dispatch). Parsing the output is the
//! adapters' job; recognising failure messages is `failures`'.

use crate::tokens::TokenUsage;

/// A notice that the CLI is retrying an API call (Claude `api_retry`, Codex `Reconnecting...`,
/// Gemini `Attempt N failed`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryNotice {
    /// The HTTP status retried, when the notice names one.
    pub status: Option<u16>,
    pub message: String,
}

/// What one output line told the parser.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LineEffects {
    pub retry: Option<RetryNotice>,
    /// The usage known so far, when the line carried it.
    pub usage: Option<TokenUsage>,
}

/// How a worker process ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExitInfo {
    pub code: Option<i32>,
    pub signal: Option<i32>,
    /// The last lines of stderr (already redacted).
    pub stderr_tail: Vec<String>,
}

impl ExitInfo {
    /// Returns `exit code N` / `killed by signal N`.
    pub fn describe(&self) -> String {
        match (self.code, self.signal) {
            (Some(c), _) => format!("exit code {c}"),
            (None, Some(s)) => format!("killed by signal {s}"),
            (None, None) => "unknown exit".to_owned(),
        }
    }
}

/// Why a worker attempt failed, which decides re-dispatch (SPEC §5.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// The CLI reported the failure (auth, quota, rate limit, model not found, untrusted folder,
    /// a crash with a known message): `error`, never re-dispatched.
    Reported,
    /// The process died with no known reason: re-dispatched once.
    Crash,
    /// The output has no usable result: re-dispatched once.
    Unparsable,
}

impl FailureKind {
    /// Returns whether this failure earns the one re-dispatch.
    pub fn is_retryable(self) -> bool {
        matches!(self, FailureKind::Crash | FailureKind::Unparsable)
    }
}

/// A failed attempt's kind and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
}

/// What a worker attempt produced.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Completed { text: String, usage: TokenUsage },
    Failed { failure: Failure, usage: TokenUsage },
}

impl Outcome {
    pub(super) fn failed(kind: FailureKind, message: impl Into<String>, usage: TokenUsage) -> Self {
        Outcome::Failed {
            failure: Failure {
                kind,
                message: message.into(),
            },
            usage,
        }
    }

    /// Returns the attempt's usage.
    pub fn usage(&self) -> TokenUsage {
        match self {
            Outcome::Completed { usage, .. } | Outcome::Failed { usage, .. } => *usage,
        }
    }
}
