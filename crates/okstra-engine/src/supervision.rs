//! Owns whether a run may be driven on the current thread: not on a thread that runs a command
//! inside another program (`okstra mcp`'s tools), where a run's supervisor would set up its
//! runtime and signal handlers — and tokio never removes a signal handler, so the server would
//! ignore SIGINT, SIGTERM and SIGHUP from then on.

use std::cell::Cell;

thread_local! {
    /// Set on a thread that runs a command inside another program.
    static FORBIDDEN: Cell<bool> = const { Cell::new(false) };
}

/// Forbids driving a run on this thread: such a command gets `RunError::NotHere` instead.
pub fn forbid_supervision_on_this_thread() {
    FORBIDDEN.with(|f| f.set(true));
}

/// Returns whether driving a run is forbidden on this thread.
pub(crate) fn supervision_forbidden() -> bool {
    FORBIDDEN.with(Cell::get)
}
