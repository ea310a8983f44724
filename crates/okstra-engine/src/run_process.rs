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

use crate::worker::unix::is_alive;

/// What became of a run's okstra process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OkstraProcess {
    /// The recorded pid is that okstra, alive.
    Alive { pid: u32 },
    /// The manifest records a pid, and no okstra of this run has it any more.
    Gone { pid: u32 },
    /// The manifest records no pid (a prepared run, or one that ended).
    None,
}

/// Returns whether `manifest`'s okstra is alive: its pid with the start time recorded beside
/// it; a manifest from before start times were recorded needs the pid's program to be okstra.
pub fn okstra_process(manifest: &RunManifest) -> OkstraProcess {
    identify(manifest.pid, manifest.pid_start)
}

/// Returns whether `pid`, which started at `start` (unknown: its program must be okstra), is
/// alive.
fn identify(pid: Option<u32>, start: Option<u64>) -> OkstraProcess {
    let Some(pid) = pid else {
        return OkstraProcess::None;
    };
    let alive = match start {
        Some(start) => is_alive(pid, Some(start)),
        None => is_alive(pid, None) && runs_okstra(pid),
    };
    if alive {
        OkstraProcess::Alive { pid }
    } else {
        OkstraProcess::Gone { pid }
    }
}

/// Returns whether the process `pid` that started at `start` is alive (not a zombie).
pub fn process_alive(pid: u32, start: Option<u64>) -> bool {
    is_alive(pid, start)
}

/// Returns whether process `pid`'s program is named okstra (`/proc/<pid>/cmdline`'s first
/// word).
fn runs_okstra(pid: u32) -> bool {
    fs_err::read(format!("/proc/{pid}/cmdline"))
        .ok()
        .and_then(|bytes| {
            let first = bytes.split(|b| *b == 0).next()?.to_vec();
            let text = String::from_utf8(first).ok()?;
            let name = std::path::Path::new(&text)
                .file_name()?
                .to_str()?
                .to_owned();
            Some(name.starts_with("okstra"))
        })
        .unwrap_or(false)
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
    let (pid, expected) = match manifest.pid {
        None => {
            return Err(KillError::NotRunning {
                run_id,
                status: manifest.status,
            });
        }
        Some(pid) => (pid, manifest.pid_start),
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
    if !matches!(identify(Some(pid), expected), OkstraProcess::Alive { .. }) {
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
        assert_eq!(identify(Some(me), start), OkstraProcess::Alive { pid: me });
        assert_eq!(
            identify(Some(me), start.map(|s| s + 1)),
            OkstraProcess::Gone { pid: me },
            "a reused pid"
        );
        // This test binary is `okstra_engine-…`: without a start time its name is asked.
        assert_eq!(identify(Some(me), None), OkstraProcess::Alive { pid: me });
        assert_eq!(identify(None, start), OkstraProcess::None);
    }
}
