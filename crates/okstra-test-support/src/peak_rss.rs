//! Owns measuring the peak resident set size of one process alone — not of its children.
//!
//! `getrusage(RUSAGE_CHILDREN)` is the largest of every descendant the caller waited for
//! (directly or through a child that waited for its own), and `wait4`'s `ru_maxrss` for a
//! child is, on Linux, the kernel's `RUSAGE_BOTH` for it: the child or any descendant it
//! reaped, whichever was larger (`wait_task_zombie` in `kernel/exit.c`; checked: a child whose
//! grandchild touched 300 MB reports ~300 MB through `wait4`). So neither tells okstra's own
//! memory from its workers' and git's.
//!
//! [`run_measuring_peak_rss`] instead traces the process (`PTRACE_SEIZE` with
//! `PTRACE_O_TRACEEXIT`): when its main thread stops at `PTRACE_EVENT_EXIT`, its address space
//! still exists, and `/proc/<pid>/status` `VmHWM` is its own high-water mark — the figure the
//! kernel would later put in its `ru_maxrss`. No sampling, no polling: one read at the exit
//! stop. Signals the process gets meanwhile are passed on unchanged.

use std::process::Command;

use nix::sys::ptrace;
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::Pid;

/// How a measured process ended, and its own peak RSS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Measured {
    /// The exit code, or `None` when a signal ended it.
    pub code: Option<i32>,
    /// `VmHWM` at its exit, in KiB.
    pub peak_rss_kib: u64,
}

/// Spawns `cmd` and waits for it, returning its exit and the peak RSS of that process alone.
/// Panics when it cannot be traced (e.g. it ended before it could be seized, or ptrace is
/// not allowed).
pub fn run_measuring_peak_rss(cmd: &mut Command) -> Measured {
    #[expect(
        clippy::zombie_processes,
        reason = "reaped by the waitpid loop below, which tracing needs instead of Child::wait"
    )]
    let child = cmd.spawn().expect("spawn the measured process");
    let pid = Pid::from_raw(i32::try_from(child.id()).expect("a pid fits i32"));
    ptrace::seize(pid, ptrace::Options::PTRACE_O_TRACEEXIT)
        .expect("trace the measured process (PTRACE_SEIZE)");
    let mut peak = None;
    loop {
        match waitpid(pid, None).expect("wait for the measured process") {
            WaitStatus::PtraceEvent(_, _, event)
                if event == ptrace::Event::PTRACE_EVENT_EXIT as i32 =>
            {
                peak = Some(vm_hwm_kib(pid));
                let _ = ptrace::cont(pid, None);
            }
            WaitStatus::Stopped(_, signal) => {
                // A signal on its way to the process: deliver it.
                let _ = ptrace::cont(pid, Some(signal));
            }
            WaitStatus::PtraceEvent(..)
            | WaitStatus::PtraceSyscall(_)
            | WaitStatus::Continued(_) => {
                let _ = ptrace::cont(pid, None);
            }
            WaitStatus::Exited(_, code) => {
                return Measured {
                    code: Some(code),
                    peak_rss_kib: peak.expect("an exit stop came before the exit"),
                };
            }
            WaitStatus::Signaled(..) => {
                return Measured {
                    code: None,
                    peak_rss_kib: peak.expect("an exit stop came before the exit"),
                };
            }
            WaitStatus::StillAlive => {}
        }
    }
}

/// Reads `VmHWM` (KiB) of a live (or exit-stopped) process.
fn vm_hwm_kib(pid: Pid) -> u64 {
    let status = fs_err::read_to_string(format!("/proc/{pid}/status")).expect("read status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmHWM in /proc/{pid}/status:\n{status}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_figure_is_the_process_own_not_its_childrens() {
        // sh stays small; the dd it runs (and waits for) touches a 200 MB buffer.
        let m = run_measuring_peak_rss(Command::new("sh").args([
            "-c",
            "dd if=/dev/zero of=/dev/null bs=200M count=1 2>/dev/null; exit 3",
        ]));
        assert_eq!(m.code, Some(3));
        assert!(m.peak_rss_kib > 0);
        assert!(m.peak_rss_kib < 20 * 1024, "{} KiB", m.peak_rss_kib);
        // The same dd measured itself is large.
        let m = run_measuring_peak_rss(Command::new("dd").args([
            "if=/dev/zero",
            "of=/dev/null",
            "bs=200M",
            "count=1",
            "status=none",
        ]));
        assert_eq!(m.code, Some(0));
        assert!(m.peak_rss_kib > 190 * 1024, "{} KiB", m.peak_rss_kib);
    }
}
