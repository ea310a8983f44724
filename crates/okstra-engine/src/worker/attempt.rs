//! Owns the executor's vocabulary: what an attempt runs (`Launch`) and what it reports
//! (`AttemptEvent`, ending with `Finished` and then `Reaped`) through its `Reporter`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use okstra_core::adapter::{CommandSpec, ExitInfo, RetryNotice};
use okstra_core::config::AdapterKind;
use okstra_core::events::KillSignal;
use okstra_core::outcome::AttemptResult;
use okstra_core::replay::ReplayAnswer;
use okstra_core::settings::WorkerLimits;
use okstra_core::tokens::TokenUsage;
use okstra_core::worker_name::Role;
use tokio::sync::mpsc;

/// What to run for an attempt.
#[derive(Clone, Debug)]
pub(crate) enum Launch {
    Process(ProcessLaunch),
    Replay(ReplayLaunch),
}

/// A replay attempt: the fixture's answer, and where an executor's scripted patch applies.
#[derive(Clone, Debug)]
pub(crate) struct ReplayLaunch {
    /// `None` when the fixture has nothing for this worker and round.
    pub(crate) answer: Option<ReplayAnswer>,
    /// The worker's folder (the task or stage worktree, or its monorepo subfolder).
    pub(crate) workdir: PathBuf,
    /// Only a role that writes (the executor) may apply a patch, as only it may write.
    pub(crate) role: Role,
}

/// A worker process to run.
#[derive(Clone, Debug)]
pub(crate) struct ProcessLaunch {
    pub(crate) kind: AdapterKind,
    pub(crate) spec: CommandSpec,
    /// The child's whole environment (okstra's own has been cleared).
    pub(crate) env: BTreeMap<String, String>,
    pub(crate) prompt: Arc<str>,
    /// Codex's `-o` file, read when its stream has no final message.
    pub(crate) last_message_file: Option<PathBuf>,
    /// The `OKSTRA_WORKER_TAG` value of this attempt.
    pub(crate) tag: String,
}

/// One attempt for an executor.
#[derive(Clone, Debug)]
pub(crate) struct AttemptSpec {
    /// The worker's index in its round.
    pub(crate) slot: usize,
    pub(crate) attempt: u32,
    pub(crate) launch: Launch,
    pub(crate) limits: WorkerLimits,
}

/// The end of an attempt, before its answer is checked or written. Leftover descendants are
/// killed after it is reported, so its status can become durable at once;
/// `AttemptEvent::Reaped` follows.
#[derive(Clone, Debug)]
pub(crate) struct AttemptEnd {
    pub(crate) result: AttemptResult,
    pub(crate) exit: Option<ExitInfo>,
    pub(crate) started_at: Timestamp,
    pub(crate) finished_at: Timestamp,
}

/// What an executor reports.
#[derive(Clone, Debug)]
pub(crate) enum AttemptEvent {
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
    Signaled(KillSignal),
    Finished(AttemptEnd),
    /// Every descendant of the attempt is gone: `count` leftovers were killed and reaped.
    /// Always the attempt's last event.
    Reaped {
        count: usize,
    },
}

/// An executor's message to the dispatcher.
#[derive(Clone, Debug)]
pub(crate) struct Envelope {
    pub(crate) slot: usize,
    pub(crate) attempt: u32,
    pub(crate) event: AttemptEvent,
}

/// The sending side an executor holds.
#[derive(Clone, Debug)]
pub(crate) struct Reporter {
    slot: usize,
    attempt: u32,
    tx: mpsc::Sender<Envelope>,
}

impl Reporter {
    /// Returns the reporter of one attempt.
    pub(crate) fn new(slot: usize, attempt: u32, tx: mpsc::Sender<Envelope>) -> Self {
        Self { slot, attempt, tx }
    }

    /// Sends an event; a closed dispatcher means the run is over, so it is ignored.
    pub(crate) async fn send(&self, event: AttemptEvent) {
        let _ = self
            .tx
            .send(Envelope {
                slot: self.slot,
                attempt: self.attempt,
                event,
            })
            .await;
    }

    /// Reports the attempt's end.
    pub(crate) async fn finished(
        &self,
        result: AttemptResult,
        exit: Option<ExitInfo>,
        started_at: Timestamp,
    ) {
        self.send(AttemptEvent::Finished(AttemptEnd {
            result,
            exit,
            started_at,
            finished_at: Timestamp::now(),
        }))
        .await;
    }
}
