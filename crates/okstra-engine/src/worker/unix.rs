//! Owns the Unix process mechanics of workers: okstra as child subreaper, process groups,
//! signals, the worker tag every descendant inherits (`OKSTRA_WORKER_TAG`), finding and killing
//! tagged descendants (even ones that left the group with `setsid`), reaping adopted orphans,
//! and process start times for identifying a pid later.
//!
//! Linux only (`/proc`); on other systems the tag sweep finds nothing and group kills remain.

use std::collections::HashSet;
use std::sync::{LazyLock, Mutex};

use nix::sys::signal::{Signal, kill, killpg};
use nix::sys::wait::waitpid;
use nix::unistd::Pid;

/// The variable okstra sets in each worker attempt's environment; descendants inherit it, so
/// okstra can find every process a worker started.
pub(crate) const WORKER_TAG_VAR: &str = "OKSTRA_WORKER_TAG";

/// Pids of direct children okstra itself waits for (worker leaders, git). The orphan reaper
/// never touches them, so their own `wait` cannot lose its status.
static MANAGED: LazyLock<Mutex<HashSet<i32>>> = LazyLock::new(|| Mutex::new(HashSet::new()));

/// Makes okstra the child subreaper: orphaned descendants of workers are re-parented to okstra
/// instead of init, so they can be found and reaped. Idempotent.
pub(crate) fn become_subreaper() {
    #[cfg(target_os = "linux")]
    {
        let _ = nix::sys::prctl::set_child_subreaper(true);
    }
}

/// Marks a direct child as waited for by its owner.
pub(crate) fn register_managed(pid: u32) {
    if let (Ok(pid), Ok(mut set)) = (i32::try_from(pid), MANAGED.lock()) {
        set.insert(pid);
    }
}

/// Unmarks a direct child once its owner has waited for it.
pub(crate) fn unregister_managed(pid: u32) {
    if let (Ok(pid), Ok(mut set)) = (i32::try_from(pid), MANAGED.lock()) {
        set.remove(&pid);
    }
}

/// Sends `signal` to a process group; a group that no longer exists is not an error.
pub(crate) fn signal_group(pgid: u32, signal: Signal) {
    if let Ok(pgid) = i32::try_from(pgid) {
        let _ = killpg(Pid::from_raw(pgid), signal);
    }
}

/// Returns the stat fields of a process after its `(comm)`: index 0 is the state.
fn stat_fields(pid: i32) -> Option<Vec<String>> {
    let text = fs_err::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = text.rsplit_once(')')?.1;
    Some(after.split_whitespace().map(str::to_owned).collect())
}

/// Returns a process's start time (clock ticks since boot), which with its pid identifies it.
pub(crate) fn process_start(pid: u32) -> Option<u64> {
    stat_fields(i32::try_from(pid).ok()?)?.get(19)?.parse().ok()
}

/// Returns a process's command name (`/proc/<pid>/comm`).
pub(crate) fn process_name(pid: u32) -> Option<String> {
    let text = fs_err::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    Some(text.trim_end().to_owned())
}

/// Returns when a process started, to the second: the boot time (`/proc/stat` `btime`) plus
/// its start in clock ticks, which Linux reports in `USER_HZ` — 100 on every architecture it
/// supports.
pub(crate) fn process_started_at(pid: u32) -> Option<jiff::Timestamp> {
    const USER_HZ: u64 = 100;
    let stat = fs_err::read_to_string("/proc/stat").ok()?;
    let boot: i64 = stat
        .lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()?;
    let since_boot = i64::try_from(process_start(pid)? / USER_HZ).ok()?;
    jiff::Timestamp::from_second(boot.checked_add(since_boot)?).ok()
}

/// Returns whether the process `pid` that started at `start` is still alive (and not a
/// zombie).
pub(crate) fn is_alive(pid: u32, start: Option<u64>) -> bool {
    let Ok(p) = i32::try_from(pid) else {
        return false;
    };
    match stat_fields(p) {
        Some(fields) => {
            fields.first().is_some_and(|s| s != "Z")
                && start.is_none_or(|s| fields.get(19).and_then(|v| v.parse().ok()) == Some(s))
        }
        None => false,
    }
}

fn proc_pids() -> Vec<i32> {
    let Ok(entries) = fs_err::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()))
        .collect()
}

/// One process as `/proc/<pid>/stat` describes it.
#[derive(Clone, Copy, Debug)]
struct ProcInfo {
    pid: i32,
    ppid: i32,
    zombie: bool,
    start: u64,
}

/// Returns every process, from one pass over `/proc/*/stat`.
fn scan() -> Vec<ProcInfo> {
    proc_pids()
        .into_iter()
        .filter_map(|pid| {
            let f = stat_fields(pid)?;
            Some(ProcInfo {
                pid,
                ppid: f.get(1)?.parse().ok()?,
                zombie: f.first().is_some_and(|s| s == "Z"),
                start: f.get(19)?.parse().ok()?,
            })
        })
        .collect()
}

fn environ(pid: i32) -> Option<Vec<u8>> {
    fs_err::read(format!("/proc/{pid}/environ")).ok()
}

fn has_var(environ: &[u8], needle: &[u8]) -> bool {
    environ.split(|b| *b == 0).any(|kv| kv == needle)
}

fn is_managed(pid: i32) -> bool {
    MANAGED.lock().map_or(true, |s| s.contains(&pid))
}

/// One caller's sweep: its tag, its start bound, and where its count goes.
struct Sweep {
    needle: Vec<u8>,
    since: u64,
    killed: HashSet<i32>,
    done: std::sync::mpsc::SyncSender<usize>,
}

/// The sweeps asked for and not yet begun, and whether a caller is sweeping (it then does them
/// too).
#[derive(Default)]
struct SweepQueue {
    waiting: Vec<Sweep>,
    sweeping: bool,
}

static SWEEPS: LazyLock<Mutex<SweepQueue>> = LazyLock::new(Mutex::default);

fn sweep_queue() -> std::sync::MutexGuard<'static, SweepQueue> {
    // The queue stays consistent whatever a panicking holder did: keep using it.
    SWEEPS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Held by the caller that sweeps: should it unwind, the next caller sweeps, and those waiting
/// get an answer (nothing killed) instead of waiting forever.
struct Sweeping;

impl Drop for Sweeping {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let mut queue = sweep_queue();
            queue.sweeping = false;
            for sweep in queue.waiting.drain(..) {
                let _ = sweep.done.send(0);
            }
        }
    }
}

/// SIGKILLs every process tagged `tag` that started at or after `since` (clock ticks since
/// boot; the attempt's leader start, or 0 for any), repeating until none is left (a dying
/// parent can still fork); reaps what becomes okstra's; returns how many it killed.
///
/// Sweeps asked for at the same time share their passes over `/proc` (one caller does them all
/// while the others wait for their count): when several workers end together, their sweeps cost
/// about one. `environ` is read only for processes young enough to be descendants.
pub(crate) fn kill_tagged(tag: &str, since: u64) -> usize {
    let (done, count) = std::sync::mpsc::sync_channel(1);
    let sweep = Sweep {
        needle: format!("{WORKER_TAG_VAR}={tag}").into_bytes(),
        since,
        killed: HashSet::new(),
        done,
    };
    let lead = {
        let mut queue = sweep_queue();
        queue.waiting.push(sweep);
        !std::mem::replace(&mut queue.sweeping, true)
    };
    if lead {
        let _sweeping = Sweeping;
        loop {
            let mut batch = {
                let mut queue = sweep_queue();
                if queue.waiting.is_empty() {
                    queue.sweeping = false;
                    break;
                }
                std::mem::take(&mut queue.waiting)
            };
            sweep_all(&mut batch);
            for s in batch {
                let _ = s.done.send(s.killed.len());
            }
        }
    }
    count.recv().unwrap_or(0)
}

/// Runs sweeps together: one pass over `/proc` per round for all of them, until none finds a
/// process left (at most ten rounds).
fn sweep_all(sweeps: &mut [Sweep]) {
    let me = i32::try_from(std::process::id()).unwrap_or(0);
    let mut open: Vec<bool> = vec![true; sweeps.len()];
    for _ in 0..10 {
        let procs = scan();
        reap_zombies(&procs, me);
        let oldest = sweeps
            .iter()
            .zip(&open)
            .filter(|(_, o)| **o)
            .map(|(s, _)| s.since)
            .min()
            .unwrap_or(u64::MAX);
        let mut found_any = vec![false; sweeps.len()];
        for p in procs
            .iter()
            .filter(|p| !p.zombie && p.pid != me && p.start >= oldest)
        {
            let Some(env) = environ(p.pid) else {
                continue;
            };
            for (j, sweep) in sweeps.iter_mut().enumerate() {
                if !open[j] || p.start < sweep.since || !has_var(&env, &sweep.needle) {
                    continue;
                }
                found_any[j] = true;
                if kill(Pid::from_raw(p.pid), Signal::SIGKILL).is_ok() {
                    sweep.killed.insert(p.pid);
                    if p.ppid == me && !is_managed(p.pid) {
                        // Killed just now: the wait returns at once.
                        let _ = waitpid(Pid::from_raw(p.pid), None);
                    }
                }
            }
        }
        for (o, found) in open.iter_mut().zip(found_any) {
            *o = *o && found;
        }
        if !open.iter().any(|o| *o) {
            break;
        }
    }
}

fn reap_zombies(procs: &[ProcInfo], me: i32) {
    for p in procs {
        if p.zombie && p.ppid == me && !is_managed(p.pid) {
            // ECHILD means someone else reaped it first: nothing left to do either way.
            let _ = waitpid(Pid::from_raw(p.pid), None);
        }
    }
}

/// Kills a process group and every tagged process started since `since`, then reaps: the end
/// of a worker attempt.
pub(crate) fn kill_worker_tree(pgid: Option<u32>, tag: &str, since: u64) -> usize {
    if let Some(pgid) = pgid {
        signal_group(pgid, Signal::SIGKILL);
    }
    kill_tagged(tag, since)
}

/// Stops every process of the run a dead okstra left (for `resume` and `ctl reconcile`): each
/// attempt's process group, only when its leader is still the same process (pid and start
/// time, so a reused pid is never signalled), and every process carrying one of the run's tags.
/// Returns how many it stopped.
pub(crate) fn stop_leftovers(team: &okstra_core::team_state::TeamState) -> usize {
    let mut stopped = 0;
    for row in &team.workers {
        for attempt in &row.attempts {
            // Without its start time a pid cannot be told from a reused one, and a group id
            // of 0 or 1 is no worker's group: neither is ever signalled.
            if let (Some(pid), Some(pgid), Some(start)) =
                (attempt.pid, attempt.process_group, attempt.process_start)
                && pgid > 1
                && is_alive(pid, Some(start))
            {
                signal_group(pgid, Signal::SIGKILL);
                stopped += 1;
            }
            if let Some(tag) = &attempt.tag {
                stopped += kill_tagged(tag, 0);
            }
        }
    }
    stopped
}

/// Returns whether okstra runs as root (Claude then needs `IS_SANDBOX=1` to write).
pub(crate) fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweeps_asked_for_at_once_each_kill_and_count_their_own_tag() {
        let tags: Vec<String> = (0..6)
            .map(|i| format!("unit-sweep-{}-{i}", std::process::id()))
            .collect();
        let children: Vec<std::process::Child> = tags
            .iter()
            .map(|tag| {
                std::process::Command::new("sleep")
                    .arg("30")
                    .env(WORKER_TAG_VAR, tag)
                    .spawn()
                    .expect("spawn sleep")
            })
            .collect();
        let barrier = std::sync::Barrier::new(tags.len());
        let counts: Vec<usize> = std::thread::scope(|s| {
            let sweeps: Vec<_> = tags
                .iter()
                .map(|tag| {
                    let barrier = &barrier;
                    s.spawn(move || {
                        barrier.wait();
                        kill_tagged(tag, 0)
                    })
                })
                .collect();
            sweeps
                .into_iter()
                .map(|h| h.join().expect("sweep"))
                .collect()
        });
        assert_eq!(counts, vec![1; tags.len()]);
        for child in children {
            // Killed and reaped by the sweep (okstra's own, unmanaged child).
            assert!(!is_alive(child.id(), None), "{} survived", child.id());
        }
        // Nothing is left for a later sweep to find.
        assert_eq!(kill_tagged(&tags[0], 0), 0);
    }

    /// A team state row for one attempt of a process: its pid, group and start.
    fn team_of(pid: u32, start: Option<u64>) -> okstra_core::team_state::TeamState {
        use okstra_core::team_state::{AttemptRecord, TeamState, TeamWorker};
        let mut team = TeamState::new(
            okstra_core::RunId::generate(),
            okstra_core::TaskType::ErrorAnalysis,
            okstra_core::RunSeq::FIRST,
            jiff::Timestamp::now(),
        );
        team.upsert(TeamWorker {
            worker: "x-worker".parse().expect("name"),
            kind: okstra_core::config::AdapterKind::Command,
            role: okstra_core::worker_name::Role::Analysis,
            round: okstra_core::run_paths::RoundTag::Round(0),
            model: None,
            cli: None,
            env_set: Vec::new(),
            attempts: vec![AttemptRecord {
                attempt: 1,
                pid: Some(pid),
                process_group: Some(pid),
                process_start: start,
                status: okstra_core::status::WorkerStatus::Running,
                ..AttemptRecord::default()
            }],
            replay: false,
        });
        team
    }

    #[test]
    fn leftovers_are_stopped_only_when_the_pid_is_still_the_recorded_process() {
        use std::os::unix::process::CommandExt;
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .process_group(0)
            .spawn()
            .expect("spawn sleep");
        let pid = child.id();
        let start = process_start(pid).expect("start");
        // The pid now names a process that started at another time: a reused pid.
        assert_eq!(stop_leftovers(&team_of(pid, Some(start + 1))), 0);
        assert!(is_alive(pid, Some(start)), "a reused pid was signalled");
        assert_eq!(stop_leftovers(&team_of(pid, Some(start))), 1);
        let status = child.wait().expect("wait");
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9)
        );
    }
}
