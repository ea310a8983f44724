//! Owns running one worker attempt: spawning its process (or answering from a replay fixture),
//! feeding its output to the adapter's parser, enforcing its deadline, stall window and retry
//! limit, and killing and reaping every descendant when it ends. The executor side of the
//! runner: it reports `AttemptEvent`s over a channel and the dispatcher decides what they mean.

pub mod replay;
pub mod result;
pub mod spawn;
pub mod unix;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use okstra_core::adapter::{CommandSpec, ExitInfo, RetryNotice};
use okstra_core::config::AdapterKind;
use okstra_core::replay::ReplayAnswer;
use okstra_core::tokens::TokenUsage;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The time limits of a worker attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkerLimits {
    /// After this, the attempt is a `timeout`.
    pub deadline: Duration,
    /// Silence this long gets one `stalled` event (never a kill).
    pub stall_window: Duration,
    /// Between SIGTERM and SIGKILL.
    pub kill_grace: Duration,
    /// Retry notices with the same HTTP status before okstra stops the worker.
    pub retry_limit: u32,
}

/// What to run for an attempt.
#[derive(Clone, Debug)]
pub enum Launch {
    Process(ProcessLaunch),
    Replay(Option<ReplayAnswer>),
}

/// A worker process to run.
#[derive(Clone, Debug)]
pub struct ProcessLaunch {
    pub kind: AdapterKind,
    pub spec: CommandSpec,
    /// The child's whole environment (okstra's own has been cleared).
    pub env: BTreeMap<String, String>,
    pub prompt: Arc<str>,
    /// Codex's `-o` file, read when its stream has no final message.
    pub last_message_file: Option<PathBuf>,
}

/// One attempt for an executor.
#[derive(Clone, Debug)]
pub struct AttemptSpec {
    /// The worker's index in its round.
    pub slot: usize,
    pub attempt: u32,
    pub launch: Launch,
    pub limits: WorkerLimits,
    /// The `OKSTRA_WORKER_TAG` value of this attempt.
    pub tag: String,
    /// The attempt's result file.
    pub result: result::ResultSpec,
}

/// Why an attempt failed, as the executor saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailCause {
    /// The CLI reported it: `error`, not re-dispatched.
    Reported,
    /// No known reason: re-dispatched once.
    Crash,
    /// No usable result: re-dispatched once.
    Unparsable,
    /// The deadline passed: re-dispatched once.
    Timeout,
    /// Too many retry notices with one HTTP status: `error`.
    RetryStorm,
    /// Ctrl-C: `error: interrupted`.
    Interrupted,
    /// The process could not be started: `not-run`.
    SpawnFailed,
}

/// The reason recorded for an attempt stopped by Ctrl-C or SIGTERM; `okstra resume` runs such a
/// worker again.
pub const INTERRUPTED: &str = "interrupted";

/// How an attempt ended.
#[derive(Clone, Debug, PartialEq)]
pub enum AttemptResult {
    Completed {
        text: String,
        usage: TokenUsage,
    },
    Failed {
        cause: FailCause,
        message: String,
        usage: TokenUsage,
    },
}

impl AttemptResult {
    /// Returns the attempt's usage.
    pub fn usage(&self) -> TokenUsage {
        match self {
            AttemptResult::Completed { usage, .. } | AttemptResult::Failed { usage, .. } => *usage,
        }
    }
}

/// The end of an attempt, whose result file is already written. Leftover descendants are
/// killed after it is reported, so the status becomes durable at once; `AttemptEvent::Reaped`
/// follows.
#[derive(Clone, Debug)]
pub struct AttemptEnd {
    /// What the result file says, or why it could not be written.
    pub recorded: Result<result::Recorded, String>,
    pub exit: Option<ExitInfo>,
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
}

/// What an executor reports.
#[derive(Clone, Debug)]
pub enum AttemptEvent {
    Spawned {
        pid: u32,
        process_group: u32,
        process_start: Option<u64>,
    },
    Stdout(String),
    Stderr(String),
    Usage(TokenUsage),
    Retry {
        notice: RetryNotice,
        count: u32,
    },
    Stalled {
        silent_for: Duration,
    },
    DeadlineExpired,
    Signaled {
        signal: &'static str,
    },
    Finished(AttemptEnd),
    /// Every descendant of the attempt is gone: `count` leftovers were killed and reaped.
    /// Always the attempt's last event.
    Reaped {
        count: usize,
    },
}

/// An executor's message to the dispatcher.
#[derive(Clone, Debug)]
pub struct Envelope {
    pub slot: usize,
    pub attempt: u32,
    pub event: AttemptEvent,
}

/// The sending side an executor holds.
#[derive(Clone, Debug)]
pub struct Reporter {
    pub slot: usize,
    pub attempt: u32,
    pub tx: mpsc::Sender<Envelope>,
}

impl Reporter {
    /// Sends an event; a closed dispatcher means the run is over, so it is ignored.
    pub async fn send(&self, event: AttemptEvent) {
        let _ = self
            .tx
            .send(Envelope {
                slot: self.slot,
                attempt: self.attempt,
                event,
            })
            .await;
    }
}

/// Runs one attempt to its end, reporting as it goes.
pub async fn run_attempt(spec: AttemptSpec, tx: mpsc::Sender<Envelope>, cancel: CancellationToken) {
    let reporter = Reporter {
        slot: spec.slot,
        attempt: spec.attempt,
        tx,
    };
    match spec.launch {
        Launch::Process(launch) => {
            spawn::run_process(launch, spec.limits, spec.tag, spec.result, reporter, cancel).await;
        }
        Launch::Replay(answer) => {
            replay::run_replay(answer, spec.limits, spec.result, reporter, cancel).await;
        }
    }
}

/// Records an attempt's end in its result file (off the async threads) and reports it.
pub(crate) async fn report_end(
    reporter: &Reporter,
    spec: result::ResultSpec,
    result: AttemptResult,
    exit: Option<ExitInfo>,
    started_at: Timestamp,
) {
    let finished_at = Timestamp::now();
    let recorded = tokio::task::spawn_blocking(move || {
        result::record(&spec, result, Some(started_at), Some(finished_at))
    })
    .await
    .unwrap_or_else(|e| Err(format!("the result writer failed: {e}")));
    reporter
        .send(AttemptEvent::Finished(AttemptEnd {
            recorded,
            exit,
            started_at,
            finished_at,
        }))
        .await;
}
