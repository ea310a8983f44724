//! Owns the crash test hook (`OKSTRA_TEST_KILL_AT`): okstra sends itself SIGKILL right after
//! it durably passes a named point — a checkpoint (`Checkpoint::as_str`) or
//! [`WORKERS_RUNNING`] — so tests can prove `okstra resume` recovers from a crash at each one.
//! Never set in real use.

use std::sync::OnceLock;

use okstra_core::events::Checkpoint;

/// The kill point reached once every worker of the first round has a recorded process.
pub const WORKERS_RUNNING: &str = "workers-running";

static KILL_AT: OnceLock<String> = OnceLock::new();

/// Returns every kill point, in the order a run reaches them: the checkpoints, with
/// [`WORKERS_RUNNING`] between `phase-2-prompts` and `phase-5-collect`.
pub fn kill_points() -> Vec<&'static str> {
    let mut points = Vec::with_capacity(Checkpoint::ALL.len() + 1);
    for checkpoint in Checkpoint::ALL {
        if checkpoint == Checkpoint::Collect {
            points.push(WORKERS_RUNNING);
        }
        points.push(checkpoint.as_str());
    }
    points
}

/// Arms the hook, once per process. Returns `false` when `point` is not a kill point.
pub fn set_test_kill_at(point: &str) -> bool {
    if !kill_points().contains(&point) {
        return false;
    }
    let _ = KILL_AT.set(point.to_owned());
    true
}

/// Returns whether the hook is armed for `point`.
pub(crate) fn armed(point: &str) -> bool {
    KILL_AT.get().is_some_and(|p| p == point)
}

/// Kills okstra on the spot when the hook is armed for `point`; the caller has made
/// everything of that point durable.
pub(crate) fn reached(point: &str) {
    if armed(point) {
        let _ = nix::sys::signal::raise(nix::sys::signal::Signal::SIGKILL);
    }
}

/// [`reached`] for a checkpoint.
pub(crate) fn passed(checkpoint: Checkpoint) {
    reached(checkpoint.as_str());
}
