//! Owns the okstra process of a run, as `ctl kill` and `ctl status` see it: whether the pid a
//! manifest records is still that okstra (its start time matches, so a reused pid is never
//! taken for it), and stopping it — SIGTERM, which makes it stop its workers and record
//! `interrupted`, then SIGKILL once the grace is over. Whether a worker's process is alive is
//! answered here too, from its team state's pid and start time. Linux `/proc`.

use std::time::{Duration, Instant};

use std::os::fd::OwnedFd;

use okstra_core::manifest::RunManifest;
use okstra_core::status::RunStatus;
use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::process::{Pid, PidfdFlags, Signal, pidfd_open, pidfd_send_signal};
use thiserror::Error;

use jiff::Timestamp;

use crate::worker::unix::{is_alive, process_name, process_started_at};

/// The okstra process a run's manifest records, as it stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OkstraProcess {
    /// The manifest records none (the run is prepared, or has ended).
    None,
    /// It is alive and still that okstra.
    Alive(u32),
    /// It is gone (or the pid is now another process): `ctl reconcile` will interrupt the run.
    Gone(u32),
}

/// Returns the state of the okstra a manifest records, from its pid (no lock is taken, so it
/// never disturbs a run): what `ctl show`, `ctl status` and `ctl kill` tell.
pub fn okstra_process(manifest: &RunManifest) -> OkstraProcess {
    match manifest.pid {
        None => OkstraProcess::None,
        Some(pid) if okstra_alive(manifest) => OkstraProcess::Alive(pid),
        Some(pid) => OkstraProcess::Gone(pid),
    }
}

/// Returns whether the okstra that wrote `manifest` still drives it: its pid is alive and is
/// that process — by the start time recorded beside the pid (`pidStart`), or, in a manifest
/// without one, by being an okstra that started no later than the manifest's last write.
pub(crate) fn okstra_alive(manifest: &RunManifest) -> bool {
    identify(manifest.pid, manifest.pid_start, manifest.updated_at)
}

/// Returns whether `pid` is the okstra that started at `start` (clock ticks), or, with no
/// start recorded, an okstra started no later than `written`.
fn identify(pid: Option<u32>, start: Option<u64>, written: Timestamp) -> bool {
    let Some(pid) = pid else {
        return false;
    };
    match start {
        Some(start) => is_alive(pid, Some(start)),
        None => {
            is_alive(pid, None)
                && process_name(pid).as_deref() == Some(OKSTRA_COMM)
                && process_started_at(pid).is_none_or(|at| at.as_second() <= written.as_second())
        }
    }
}

/// The name of okstra's own process (`/proc/<pid>/comm`).
const OKSTRA_COMM: &str = "okstra";

/// Returns whether the process `pid` that started at `start` is alive (not a zombie).
pub fn process_alive(pid: u32, start: Option<u64>) -> bool {
    is_alive(pid, start)
}

/// A run `ctl kill` cannot stop.
#[derive(Debug, Error)]
pub enum KillError {
    #[error("run {run_id} is {status}: no okstra runs it")]
    NotRunning { run_id: String, status: RunStatus },
    #[error("run {run_id}'s okstra (pid {pid}) is gone already")]
    Gone { run_id: String, pid: u32 },
    #[error("cannot signal pid {pid}: {source}")]
    Signal {
        pid: u32,
        #[source]
        source: rustix::io::Errno,
    },
}

/// How `ctl kill` stopped a run's okstra.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Killed {
    /// It ended on SIGTERM within the grace, after this long.
    Terminated { pid: u32, after: Duration },
    /// It outlived the grace and was sent SIGKILL.
    Killed { pid: u32 },
}

/// Stops `manifest`'s okstra: SIGTERM, then SIGKILL if it has not ended after `grace`. The
/// process is pinned by a pidfd opened before its start time is checked, and signalled and
/// awaited through it, so no other process that comes to hold the pid is ever signalled.
pub fn kill_run(manifest: &RunManifest, grace: Duration) -> Result<Killed, KillError> {
    let run_id = manifest.run_id.to_string();
    let Some(pid) = manifest.pid else {
        return Err(KillError::NotRunning {
            run_id,
            status: manifest.status,
        });
    };
    let gone = || KillError::Gone {
        run_id: run_id.clone(),
        pid,
    };
    let raw = i32::try_from(pid)
        .ok()
        .and_then(Pid::from_raw)
        .ok_or_else(gone)?;
    let pidfd = match pidfd_open(raw, PidfdFlags::empty()) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::SRCH) => return Err(gone()),
        Err(source) => return Err(KillError::Signal { pid, source }),
    };
    // Checked once the pidfd holds the process: the pid cannot be reused while it is open.
    if !okstra_alive(manifest) {
        return Err(gone());
    }
    let began = Instant::now();
    send(&pidfd, pid, Signal::TERM)?;
    if wait_exit(&pidfd, grace).map_err(|source| KillError::Signal { pid, source })? {
        return Ok(Killed::Terminated {
            pid,
            after: began.elapsed(),
        });
    }
    send(&pidfd, pid, Signal::KILL)?;
    Ok(Killed::Killed { pid })
}

/// Sends `signal` through `pidfd`; a process that ended meanwhile is not an error.
fn send(pidfd: &OwnedFd, pid: u32, signal: Signal) -> Result<(), KillError> {
    match pidfd_send_signal(pidfd, signal) {
        Ok(()) | Err(rustix::io::Errno::SRCH) => Ok(()),
        Err(source) => Err(KillError::Signal { pid, source }),
    }
}

/// Waits until the process of `pidfd` ends (the pidfd becomes readable) or `timeout` passes;
/// returns whether it ended. The kernel wakes us; nothing is polled on a timer.
fn wait_exit(pidfd: &OwnedFd, timeout: Duration) -> Result<bool, rustix::io::Errno> {
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let spec = Timespec {
            tv_sec: i64::try_from(left.as_secs()).unwrap_or(i64::MAX),
            tv_nsec: i64::from(left.subsec_nanos()),
        };
        let mut fds = [PollFd::new(pidfd, PollFlags::IN)];
        match poll(&mut fds, Some(&spec)) {
            Ok(0) => return Ok(false),
            Ok(_) => return Ok(true),
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::unix::process_start;

    #[test]
    fn this_process_is_okstra_only_with_its_own_start_time() {
        let me = std::process::id();
        let start = process_start(me);
        let now = Timestamp::now();
        assert!(identify(Some(me), start, now));
        assert!(
            !identify(Some(me), start.map(|s| s + 1), now),
            "a reused pid"
        );
        // Without a start time the name is asked: this test binary is not `okstra`.
        assert!(!identify(Some(me), None, now));
        assert!(!identify(None, start, now));
    }
}
