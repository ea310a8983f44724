//! Owns every deliberate wait in okstra. Completion is never detected by sleeping (SPEC §4
//! step 4); the only sleeps are the test hook that widens locked sections, the pace of a
//! `--watch` view (`pause_between_frames`) or of a follower (`pause_between_reads`) and, in
//! async code,
//! deadline and stall timers built from `tokio::time` here.
//!
//! `clippy.toml` bans `sleep` everywhere else.

use std::sync::OnceLock;
use std::time::Duration;

static LOCK_HOLD: OnceLock<Duration> = OnceLock::new();

/// Sets, once per process, how long every lock is held after it is taken (the
/// `OKSTRA_TEST_LOCK_HOLD_MS` test hook). Never set in real use.
pub fn set_test_lock_hold(hold: Duration) {
    let _ = LOCK_HOLD.set(hold);
}

/// Waits for the test hold, if one is set; called right after a lock is taken.
pub(crate) fn hold_lock_for_test() {
    if let Some(hold) = LOCK_HOLD.get() {
        #[expect(
            clippy::disallowed_methods,
            reason = "the one test hook that widens locked sections"
        )]
        std::thread::sleep(*hold);
    }
}

/// Waits `d` between two frames of a `--watch` view: pacing a display, never waiting for
/// something to complete.
pub fn pause_between_frames(d: Duration) {
    #[expect(
        clippy::disallowed_methods,
        reason = "a watch view's refresh interval is a pace, not a wait for completion"
    )]
    std::thread::sleep(d);
}

/// Waits `d` between two reads of a run another process drives (`okstra mcp` following a run
/// for a call that waits): the async pace of a `--watch` view, never a wait for completion of
/// this process's own work.
pub async fn pause_between_reads(d: Duration) {
    #[expect(
        clippy::disallowed_methods,
        reason = "a follower's refresh interval is a pace, as a watch view's is"
    )]
    tokio::time::sleep(d).await;
}

/// Returns a timer that fires after `d`: deadlines, kill graces, stall windows, replay delays.
/// Never used to wait for completion, which is always awaited directly.
pub(crate) fn after(d: Duration) -> std::pin::Pin<Box<tokio::time::Sleep>> {
    #[expect(
        clippy::disallowed_methods,
        reason = "the timer module is where deadline and stall timers are built"
    )]
    Box::pin(tokio::time::sleep(d))
}

/// Returns a future that fires when the optional timer does, or never.
pub(crate) async fn fired(timer: &mut Option<std::pin::Pin<Box<tokio::time::Sleep>>>) {
    match timer.as_mut() {
        Some(t) => t.as_mut().await,
        None => std::future::pending::<()>().await,
    }
}
