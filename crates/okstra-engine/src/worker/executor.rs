//! Owns the executor task: one per attempt, it runs the attempt's process or replay answer to
//! its end and reports over the dispatcher's channel.

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::attempt::{AttemptSpec, Envelope, Launch, Reporter};
use super::replay::run_replay;
use super::spawn::run_process;

/// Runs one attempt to its end, reporting as it goes.
pub(crate) async fn run_attempt(
    spec: AttemptSpec,
    tx: mpsc::Sender<Envelope>,
    cancel: CancellationToken,
) {
    let reporter = Reporter::new(spec.slot, spec.attempt, tx);
    match spec.launch {
        Launch::Process(launch) => run_process(launch, spec.limits, reporter, cancel).await,
        Launch::Replay(launch) => run_replay(launch, spec.limits, reporter, cancel).await,
    }
}
