//! Owns running one evidence command (SPEC §8): a command line from a plan or `qaCommands`,
//! given whole to `sh -c` as one argument — never pasted into another shell string — in a
//! folder, with stdin closed and okstra's environment minus `OKSTRA_*` (and minus the variables
//! that would point git elsewhere), in its own process group with the worker tag its
//! descendants inherit. Stdout and stderr share one pipe, so the kept tail interleaves them as
//! they came. At the deadline (or on Ctrl-C) the group gets SIGTERM, then SIGKILL after the
//! grace; when the command ends, whatever it left running is killed and reaped. The result is
//! a `CommandEvidence`; okstra never decides from what a command prints, only from its exit.

use std::collections::{BTreeMap, VecDeque};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use okstra_core::duration::format_duration;
use okstra_core::evidence::CommandEvidence;
use okstra_core::evidence::db_gate::runnable_command;
use okstra_core::evidence::tail::{OUTPUT_WINDOW_BYTES, output_tail};
use okstra_core::redact::Redactor;
use tokio::process::Command;
use tokio_util::sync::CancellationToken;

use crate::git::SCRUBBED;
use crate::probe::inherited_env;
use crate::timer::{after, fired};
use crate::worker::unix::{
    WORKER_TAG_VAR, kill_tagged, kill_worker_tree, process_start, register_managed, signal_group,
    unregister_managed,
};

/// How long okstra waits for the output pipe to close once the command has exited, before it
/// kills descendants that left the group while holding it — and again before it gives up on
/// the rest of the output.
const DRAIN_GRACE: Duration = Duration::from_millis(250);

/// Distinguishes the tags of the commands one okstra runs.
static NEXT_TAG: AtomicU64 = AtomicU64::new(0);

/// How long an evidence command may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommandLimits {
    /// From the start to SIGTERM.
    pub deadline: Duration,
    /// From SIGTERM to SIGKILL.
    pub kill_grace: Duration,
}

/// Runs evidence commands with one environment, redactor, deadline and interruption.
#[derive(Clone, Debug)]
pub struct CommandRunner {
    env: BTreeMap<String, String>,
    redactor: Redactor,
    project_root: PathBuf,
    limits: CommandLimits,
    cancel: CancellationToken,
}

/// Why okstra ended a command itself.
#[derive(Clone, Copy, Debug)]
enum Stop {
    Deadline,
    Interrupted,
}

/// The last bytes a command printed, and whether its pipe has closed.
#[derive(Default)]
struct Window {
    bytes: VecDeque<u8>,
}

impl Window {
    fn push(&mut self, chunk: &[u8]) {
        let chunk = &chunk[chunk.len().saturating_sub(OUTPUT_WINDOW_BYTES)..];
        self.bytes.extend(chunk);
        let excess = self.bytes.len().saturating_sub(OUTPUT_WINDOW_BYTES);
        self.bytes.drain(..excess);
    }
}

/// Kills what is left of a command when its run ends early (its future dropped).
struct Reaper {
    pgid: u32,
    tag: String,
    since: u64,
    armed: bool,
}

impl Drop for Reaper {
    fn drop(&mut self) {
        if self.armed {
            kill_worker_tree(Some(self.pgid), &self.tag, self.since);
        }
    }
}

impl CommandRunner {
    /// Returns a runner: commands get `env` (okstra's environment) minus every `OKSTRA_*`
    /// variable and the git location variables; their output is redacted with `redactor`;
    /// their folders are shown relative to `project_root` where they are inside it.
    pub fn new(
        env: &BTreeMap<String, String>,
        redactor: Redactor,
        project_root: &Path,
        limits: CommandLimits,
        cancel: CancellationToken,
    ) -> Self {
        let mut env = inherited_env(env);
        for var in SCRUBBED {
            env.remove(*var);
        }
        Self {
            env,
            redactor,
            project_root: project_root.to_owned(),
            limits,
            cancel,
        }
    }

    /// Returns whether okstra was interrupted.
    pub fn interrupted(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Runs `command` (as written in the plan or `qaCommands`; a plan's `DB:` marker is not
    /// part of what runs) with `sh -c` in `dir`, which holds `commit`, and returns what came
    /// of it.
    pub async fn run(&self, command: &str, dir: &Path, commit: &str) -> CommandEvidence {
        let tag = format!(
            "evidence-{}-{}",
            std::process::id(),
            NEXT_TAG.fetch_add(1, Ordering::Relaxed)
        );
        let mut evidence = CommandEvidence {
            command: command.to_owned(),
            cwd: self.shown_dir(dir),
            commit: commit.to_owned(),
            exit_code: None,
            duration_ms: 0,
            output_tail: String::new(),
            note: None,
        };
        let started = Instant::now();
        let window = Arc::new(Mutex::new(Window::default()));
        match self.supervise(command, dir, &tag, &window).await {
            Ok((status, stop, held_open)) => {
                let mut notes = Vec::new();
                match stop {
                    Some(Stop::Deadline) => notes.push(format!(
                        "killed at the deadline of {}",
                        format_duration(self.limits.deadline)
                    )),
                    Some(Stop::Interrupted) => {
                        notes.push("interrupted: okstra was stopped".to_owned());
                    }
                    None => {
                        evidence.exit_code = status.code();
                        if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status)
                        {
                            notes.push(format!("ended by signal {signal}"));
                        }
                    }
                }
                if held_open {
                    notes.push(
                        "a process it started kept its output open; the tail may miss the end"
                            .to_owned(),
                    );
                }
                evidence.note = (!notes.is_empty()).then(|| notes.join("; "));
            }
            Err(e) => {
                evidence.note = Some(format!("could not start `sh -c` in {}: {e}", dir.display()));
            }
        }
        evidence.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let bytes: Vec<u8> = window
            .lock()
            .map(|w| w.bytes.iter().copied().collect())
            .unwrap_or_default();
        evidence.output_tail = output_tail(&bytes, &self.redactor);
        evidence
    }

    /// Returns `dir` relative to the project root, `.` for the root itself, else as given.
    fn shown_dir(&self, dir: &Path) -> String {
        let relative = dir
            .strip_prefix(&self.project_root)
            .ok()
            .map(Path::to_owned)
            .or_else(|| {
                let root = fs_err::canonicalize(&self.project_root).ok()?;
                let dir = fs_err::canonicalize(dir).ok()?;
                dir.strip_prefix(root).ok().map(Path::to_owned)
            });
        match relative {
            Some(r) if r.as_os_str().is_empty() => ".".to_owned(),
            Some(r) => r.display().to_string(),
            None => dir.display().to_string(),
        }
    }

    /// Spawns the command and sees it to its end; returns its status, whether okstra stopped
    /// it, and whether a descendant held its output open past the end.
    async fn supervise(
        &self,
        command: &str,
        dir: &Path,
        tag: &str,
        window: &Arc<Mutex<Window>>,
    ) -> std::io::Result<(ExitStatus, Option<Stop>, bool)> {
        let (reader, writer) = std::io::pipe()?;
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(runnable_command(command))
            .current_dir(dir)
            .env_clear()
            .envs(&self.env)
            .env(WORKER_TAG_VAR, tag)
            .stdin(Stdio::null())
            .stdout(writer.try_clone()?)
            .stderr(writer)
            .process_group(0)
            .kill_on_drop(true);
        let spawned = cmd.spawn();
        // okstra's own copies of the pipe's write end go with `cmd`: the pipe closes when the
        // command and everything it started are gone.
        drop(cmd);
        let mut child = spawned?;
        let pid = child.id().unwrap_or(0);
        register_managed(pid);
        let since = process_start(pid).unwrap_or(0);
        let mut reaper = Reaper {
            pgid: pid,
            tag: tag.to_owned(),
            since,
            armed: true,
        };
        let mut output_done = read_output(reader, Arc::clone(window));

        let mut exit: Option<ExitStatus> = None;
        let mut output_open = true;
        let mut stop: Option<Stop> = None;
        let mut held_open = false;
        let mut deadline = after(self.limits.deadline);
        let (mut grace, mut drain, mut give_up) = (None, None, None);
        while exit.is_none() || output_open {
            tokio::select! {
                status = child.wait(), if exit.is_none() => {
                    unregister_managed(pid);
                    exit = Some(status?);
                    // The command is done: what is left of its group dies with it.
                    signal_group(pid, Signal::SIGKILL);
                    if output_open {
                        drain = Some(after(DRAIN_GRACE));
                    }
                }
                _ = &mut output_done, if output_open => output_open = false,
                () = &mut deadline, if stop.is_none() && exit.is_none() => {
                    stop = Some(Stop::Deadline);
                    signal_group(pid, Signal::SIGTERM);
                    grace = Some(after(self.limits.kill_grace));
                }
                () = self.cancel.cancelled(), if stop.is_none() && exit.is_none() => {
                    stop = Some(Stop::Interrupted);
                    signal_group(pid, Signal::SIGTERM);
                    grace = Some(after(self.limits.kill_grace));
                }
                () = fired(&mut grace) => {
                    grace = None;
                    signal_group(pid, Signal::SIGKILL);
                    sweep(tag, since).await;
                }
                () = fired(&mut drain) => {
                    // Descendants that left the group still hold the pipe: kill them so it
                    // closes and the output can be read to its end.
                    drain = None;
                    sweep(tag, since).await;
                    give_up = Some(after(DRAIN_GRACE));
                }
                () = fired(&mut give_up) => {
                    held_open = true;
                    break;
                }
            }
        }
        reaper.armed = false;
        let t = tag.to_owned();
        let _ = tokio::task::spawn_blocking(move || kill_worker_tree(Some(pid), &t, since)).await;
        let status = exit.unwrap_or_else(|| std::os::unix::process::ExitStatusExt::from_raw(0));
        Ok((status, stop, held_open))
    }
}

/// Kills every tagged process the command started (off the async threads).
async fn sweep(tag: &str, since: u64) {
    let tag = tag.to_owned();
    let _ = tokio::task::spawn_blocking(move || kill_tagged(&tag, since)).await;
}

/// Reads the pipe into the window on a thread of its own until it closes; the receiver fires
/// then. A plain thread, not the blocking pool: one a stuck descendant keeps open must not
/// hold up the runtime's shutdown.
fn read_output(
    mut reader: std::io::PipeReader,
    window: Arc<Mutex<Window>>,
) -> tokio::sync::oneshot::Receiver<()> {
    let (done, receiver) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if let Ok(mut w) = window.lock() {
                        w.push(&buf[..n]);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        let _ = done.send(());
    });
    receiver
}
