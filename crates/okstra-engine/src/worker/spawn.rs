//! Owns the process executor: spawns a worker in its own process group with the prompt on
//! stdin (then closed), reads stdout and stderr line by line into the adapter's parser and the
//! dispatcher, and ends the attempt on the child's exit — awaited, never polled — or on its
//! deadline, a retry storm or Ctrl-C (SIGTERM to the group, SIGKILL after the grace). When the
//! leader exits, the rest of its group and every tagged descendant are killed and reaped.

use std::collections::HashMap;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::Duration;

use jiff::Timestamp;
use nix::sys::signal::Signal;
use okstra_core::adapter::{
    ExitInfo, FailureKind, LineEffects, Outcome, StreamParser, retry_storm_reason,
};
use okstra_core::duration::format_duration;
use okstra_core::events::KillSignal;
use okstra_core::outcome::{AttemptResult, FailCause, INTERRUPTED};
use okstra_core::settings::WorkerLimits;
use okstra_core::tokens::TokenUsage;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::process::Command;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::attempt::{AttemptEvent, ProcessLaunch, Reporter};
use super::unix::{
    kill_worker_tree, process_start, register_managed, signal_group, unregister_managed,
};
use crate::timer::{after, fired};

/// How long okstra waits for the pipes to close after the leader exits before it kills
/// descendants that escaped the process group while holding them.
const DRAIN_GRACE: Duration = Duration::from_millis(250);
/// The longest line okstra keeps; the rest of a longer line is dropped.
const MAX_LINE: usize = 16 * 1024 * 1024;
/// Stderr lines kept for recognising a known failure.
const STDERR_TAIL: usize = 20;

enum Line {
    Out(String),
    Err(String),
}

async fn read_lines<R: AsyncRead + Unpin>(
    reader: R,
    tx: mpsc::Sender<Line>,
    make: fn(String) -> Line,
) {
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    let mut buf = Vec::with_capacity(4096);
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                if buf.last() == Some(&b'\n') {
                    buf.pop();
                }
                if buf.last() == Some(&b'\r') {
                    buf.pop();
                }
                buf.truncate(MAX_LINE);
                let line = String::from_utf8_lossy(&buf).into_owned();
                if tx.send(make(line)).await.is_err() {
                    break;
                }
            }
        }
    }
}

/// Why okstra is ending the attempt itself.
#[derive(Clone, Debug)]
enum KillReason {
    Timeout,
    RetryStorm(Option<u16>, String),
    Interrupted,
}

/// Runs a worker process attempt.
pub(crate) async fn run_process(
    launch: ProcessLaunch,
    limits: WorkerLimits,
    reporter: Reporter,
    cancel: CancellationToken,
) {
    let started_at = Timestamp::now();
    let tag = launch.tag.clone();
    let spec = &launch.spec;
    let mut cmd = Command::new(&spec.program);
    cmd.args(&spec.args)
        .current_dir(&spec.cwd)
        .env_clear()
        .envs(&launch.env)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    // Starting a process takes up to milliseconds; doing it on the blocking pool keeps the
    // async threads free to notice other workers' exits at once.
    let spawned = tokio::task::spawn_blocking(move || {
        let child = cmd.spawn();
        if let Ok(child) = &child {
            register_managed(child.id().unwrap_or(0));
        }
        child
    })
    .await
    .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())));
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => {
            let result = AttemptResult::Failed {
                cause: FailCause::SpawnFailed,
                message: format!("cannot start {}: {e}", spec.program),
                usage: TokenUsage::default(),
            };
            reporter.finished(result, None, started_at).await;
            reporter.send(AttemptEvent::Reaped { count: 0 }).await;
            return;
        }
    };
    let pid = child.id().unwrap_or(0);
    let pgid = pid;
    let leader_start = process_start(pid);
    // Descendants start after their leader; older processes are never swept.
    let since = leader_start.unwrap_or(0);
    reporter
        .send(AttemptEvent::Spawned {
            pid,
            process_group: pgid,
            process_start: leader_start,
        })
        .await;

    if let Some(mut stdin) = child.stdin.take() {
        let prompt = launch.prompt.clone();
        tokio::spawn(async move {
            // A worker that exits without reading its prompt closes the pipe; that is its
            // business, not an error here.
            let _ = stdin.write_all(prompt.as_bytes()).await;
            let _ = stdin.shutdown().await;
        });
    }
    let (line_tx, mut lines) = mpsc::channel::<Line>(256);
    if let Some(out) = child.stdout.take() {
        tokio::spawn(read_lines(out, line_tx.clone(), Line::Out));
    }
    if let Some(err) = child.stderr.take() {
        tokio::spawn(read_lines(err, line_tx.clone(), Line::Err));
    }
    drop(line_tx);

    let mut parser = StreamParser::new(launch.kind);
    let mut stderr_tail: Vec<String> = Vec::new();
    let mut retries: HashMap<Option<u16>, u32> = HashMap::new();
    let mut exit: Option<std::process::ExitStatus> = None;
    let mut lines_open = true;
    let mut kill_reason: Option<KillReason> = None;
    let mut deadline = after(limits.deadline);
    let mut grace = None;
    let mut drain = None;
    let mut stall = after(limits.stall_window);
    let mut stall_armed = true;
    let mut last_output = tokio::time::Instant::now();
    let mut reaped = 0usize;

    loop {
        let mut effects = LineEffects::default();
        tokio::select! {
            status = child.wait(), if exit.is_none() => {
                unregister_managed(pid);
                exit = Some(status.unwrap_or_else(|_| std::process::ExitStatus::from_raw(0)));
                // The worker is done: what is left of its group dies with it.
                signal_group(pgid, Signal::SIGKILL);
                if lines_open {
                    drain = Some(after(DRAIN_GRACE));
                }
            }
            line = lines.recv(), if lines_open => match line {
                Some(Line::Out(l)) => {
                    if let Some(p) = parser.as_mut() {
                        effects = p.on_stdout_line(&l);
                    }
                    reporter.send(AttemptEvent::Stdout(l)).await;
                    last_output = tokio::time::Instant::now();
                }
                Some(Line::Err(l)) => {
                    if let Some(p) = parser.as_mut() {
                        effects = p.on_stderr_line(&l);
                    }
                    if stderr_tail.len() == STDERR_TAIL {
                        stderr_tail.remove(0);
                    }
                    stderr_tail.push(l.clone());
                    reporter.send(AttemptEvent::Stderr(l)).await;
                    last_output = tokio::time::Instant::now();
                }
                None => lines_open = false,
            },
            () = &mut deadline, if kill_reason.is_none() && exit.is_none() => {
                kill_reason = Some(KillReason::Timeout);
                reporter.send(AttemptEvent::DeadlineExpired).await;
                grace = Some(terminate(pgid, limits.kill_grace, &reporter).await);
            }
            () = cancel.cancelled(), if kill_reason.is_none() && exit.is_none() => {
                kill_reason = Some(KillReason::Interrupted);
                grace = Some(terminate(pgid, limits.kill_grace, &reporter).await);
            }
            () = fired(&mut grace) => {
                grace = None;
                reporter.send(AttemptEvent::Signaled(KillSignal::Kill)).await;
                signal_group(pgid, Signal::SIGKILL);
                let t = tag.clone();
                reaped += tokio::task::spawn_blocking(move || kill_worker_tree(None, &t, since))
                    .await
                    .unwrap_or(0);
            }
            () = fired(&mut drain) => {
                // Descendants that left the group still hold the pipes: kill them so the
                // pipes close and the output can be read to its end.
                drain = None;
                let t = tag.clone();
                reaped += tokio::task::spawn_blocking(move || kill_worker_tree(None, &t, since))
                    .await
                    .unwrap_or(0);
            }
            () = &mut stall, if stall_armed && exit.is_none() => {
                stall_armed = false;
                reporter.send(AttemptEvent::Stalled { silent_for: last_output.elapsed() }).await;
            }
        }
        if effects.usage.is_some() || effects.retry.is_some() {
            if let Some(usage) = effects.usage {
                reporter.send(AttemptEvent::Usage(usage)).await;
            }
            if let Some(notice) = effects.retry {
                let count = retries.entry(notice.status).or_insert(0);
                *count += 1;
                let (count, status, message) = (*count, notice.status, notice.message.clone());
                reporter.send(AttemptEvent::Retry { notice, count }).await;
                if count >= limits.retry_limit && kill_reason.is_none() && exit.is_none() {
                    kill_reason = Some(KillReason::RetryStorm(status, message));
                    grace = Some(terminate(pgid, limits.kill_grace, &reporter).await);
                }
            }
        }
        if last_output.elapsed() < limits.stall_window && !stall_armed {
            // Output resumed after a stall: watch for the next silence.
            stall_armed = true;
        }
        if stall_armed {
            stall.as_mut().reset(last_output + limits.stall_window);
        }
        if exit.is_some() && !lines_open {
            break;
        }
    }

    let status = exit.unwrap_or_else(|| std::process::ExitStatus::from_raw(0));
    let exit_info = ExitInfo {
        code: status.code(),
        signal: status.signal(),
        stderr_tail,
    };
    let result = match kill_reason {
        Some(KillReason::Timeout) => AttemptResult::Failed {
            cause: FailCause::Timeout,
            message: format!(
                "the deadline of {} passed",
                format_duration(limits.deadline)
            ),
            usage: partial_usage(parser, &exit_info),
        },
        Some(KillReason::RetryStorm(status, notice)) => AttemptResult::Failed {
            cause: FailCause::RetryStorm,
            message: retry_storm_reason(status, &notice),
            usage: partial_usage(parser, &exit_info),
        },
        Some(KillReason::Interrupted) => AttemptResult::Failed {
            cause: FailCause::Interrupted,
            message: INTERRUPTED.to_owned(),
            usage: partial_usage(parser, &exit_info),
        },
        None => {
            let fallback = launch
                .last_message_file
                .as_ref()
                .and_then(|p| fs_err::read_to_string(p).ok());
            match parser.map(|p| p.finish(&exit_info, fallback)) {
                Some(Outcome::Completed { text, usage }) => {
                    AttemptResult::Completed { text, usage }
                }
                Some(Outcome::Failed { failure, usage }) => AttemptResult::Failed {
                    cause: match failure.kind {
                        FailureKind::Reported => FailCause::Reported,
                        FailureKind::Crash => FailCause::Crash,
                        FailureKind::Unparsable => FailCause::Unparsable,
                    },
                    message: failure.message,
                    usage,
                },
                None => AttemptResult::Failed {
                    cause: FailCause::Crash,
                    message: "no parser for this adapter".to_owned(),
                    usage: TokenUsage::default(),
                },
            }
        }
    };
    reporter.finished(result, Some(exit_info), started_at).await;
    // The status is on its way to disk; now make sure nothing the worker started survives.
    reaped += tokio::task::spawn_blocking(move || kill_worker_tree(Some(pgid), &tag, since))
        .await
        .unwrap_or(0);
    reporter.send(AttemptEvent::Reaped { count: reaped }).await;
}

fn partial_usage(parser: Option<StreamParser>, exit: &ExitInfo) -> TokenUsage {
    parser
        .map(|p| p.finish(exit, None).usage())
        .unwrap_or_default()
}

/// Sends SIGTERM to the group and returns the grace timer before SIGKILL.
async fn terminate(
    pgid: u32,
    grace: Duration,
    reporter: &Reporter,
) -> std::pin::Pin<Box<tokio::time::Sleep>> {
    reporter
        .send(AttemptEvent::Signaled(KillSignal::Term))
        .await;
    signal_group(pgid, Signal::SIGTERM);
    after(grace)
}
