//! Owns following a run to its end for a tool call that asked to wait: the run is read with
//! `okstra ctl show --json` every half second, each of its recorded events not yet seen (the
//! manifest's events: phases, workers dispatched and collected, rounds, the report) goes to
//! the client as `notifications/progress` when the request carried a progressToken (progress
//! = events seen so far, so it only increases), and the run as `ctl show` gives it is the
//! result once it has ended — an error result when it failed or was interrupted (as `okstra
//! run` exits non-zero), or when its okstra is gone or never started.

use std::time::{Duration, Instant};

use rmcp::model::{CallToolResult, ProgressNotificationParam};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer};
use serde_json::Value;

use crate::mcp::argv::Argv;
use crate::mcp::invoker::Invoker;
use crate::mcp::outcome::tool_result;

/// How often the run is read.
const EVERY: Duration = Duration::from_millis(500);

/// How long a run may stay `prepared` (its okstra not yet started) before the wait gives up.
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// Returns `ctl show --json <run>`.
pub(crate) fn show_argv(run: &str) -> Vec<String> {
    run_argv(&["ctl", "show", "--json"], run)
}

/// Returns `okstra <words…> <run>`, a run that starts with `-` after `--` (a value, never a
/// flag).
pub(crate) fn run_argv(words: &[&str], run: &str) -> Vec<String> {
    Argv::new(words).positional(run).into_vec()
}

/// `run <id>: <status> — <latest event>`.
pub(crate) fn run_line(show: &Value) -> String {
    let id = show["runId"].as_str().unwrap_or("?");
    let status = show["status"].as_str().unwrap_or("?");
    let last = show["events"]
        .as_array()
        .and_then(|e| e.last())
        .and_then(|e| e["message"].as_str());
    match last {
        Some(event) => format!("run {id}: {status} — {event}"),
        None => format!("run {id}: {status}"),
    }
}

/// Follows run `run_id` until it ends, sending its events as progress; returns the run.
pub(crate) async fn follow(
    invoker: &Invoker,
    run_id: &str,
    context: &RequestContext<RoleServer>,
) -> Result<CallToolResult, McpError> {
    let token = context.meta.get_progress_token();
    let started = Instant::now();
    let mut sent = 0usize;
    let mut target = run_id.to_owned();
    loop {
        let invoked = invoker.invoke(show_argv(&target)).await?;
        let show: Option<Value> = serde_json::from_str(invoked.stdout.trim()).ok();
        let Some(show) = show.filter(|_| invoked.error.is_none() && invoked.code == 0) else {
            return Ok(tool_result(invoked, run_line));
        };
        target = manifest_of(&show, target);
        let events = show["events"].as_array().map_or(&[][..], Vec::as_slice);
        if let Some(token) = &token {
            for (n, event) in events.iter().enumerate().skip(sent) {
                let message = event["message"].as_str().unwrap_or_default();
                #[allow(clippy::cast_precision_loss)] // a run has far fewer events than 2^52
                let progress = ProgressNotificationParam::new(token.clone(), (n + 1) as f64)
                    .with_message(message);
                // A client gone away ends the wait below, through the request's cancellation.
                let _ = context.peer.notify_progress(progress).await;
            }
        }
        sent = sent.max(events.len());
        let status = show["status"].as_str().unwrap_or_default();
        match standing(&show, run_id) {
            Standing::Going => {}
            Standing::Completed => return Ok(tool_result(invoked, run_line)),
            // As `okstra run` exits non-zero for them.
            Standing::Failed(why) | Standing::Interrupted(why) | Standing::Gone(why) => {
                return Ok(stopped(invoked, why));
            }
        }
        if status == "prepared" && started.elapsed() > START_TIMEOUT {
            return Ok(stopped(
                invoked,
                format!(
                    "run {run_id} is still prepared after {}s: its okstra never started \
                     (its log is state/background-<seq>.log in the run folder, or its tmux \
                     session shows why)",
                    START_TIMEOUT.as_secs()
                ),
            ));
        }
        tokio::select! {
            () = context.ct.cancelled() => {
                return Err(McpError::internal_error(
                    format!("the wait for run {run_id} was cancelled; the run goes on"),
                    None,
                ));
            }
            () = okstra_engine::pause_between_reads(EVERY) => {}
        }
    }
}

/// Where a run stands, as its `ctl show --json` says: what a wait and a task both report.
pub(crate) enum Standing {
    /// Prepared, or running with its okstra alive (or not recorded yet).
    Going,
    Completed,
    /// Failed; why, for the client.
    Failed(String),
    /// Interrupted; how to continue it.
    Interrupted(String),
    /// Running, but its okstra is gone; how to continue it.
    Gone(String),
}

/// Returns where run `run_id`, shown as `show`, stands.
pub(crate) fn standing(show: &Value, run_id: &str) -> Standing {
    match show["status"].as_str().unwrap_or_default() {
        "completed" => Standing::Completed,
        "failed" => Standing::Failed(format!("run {run_id} failed")),
        "interrupted" => Standing::Interrupted(format!(
            "run {run_id} was interrupted: `okstra resume {run_id}` (the resume_run tool) \
             continues it"
        )),
        _ if show["okstraAlive"] == Value::Bool(false) => Standing::Gone(format!(
            "run {run_id}'s okstra is gone: `okstra ctl reconcile` marks it interrupted, then \
             `okstra resume {run_id}` (the resume_run tool) continues it"
        )),
        _ => Standing::Going,
    }
}

/// Returns what to show the run by from now on: its manifest's path, which `ctl show` reads
/// directly, once a show gave it — a wait then never reads the central index again, twice a
/// second, to find the run by its id.
fn manifest_of(show: &Value, target: String) -> String {
    show["manifest"].as_str().map_or(target, str::to_owned)
}

/// How long a resumed run's new okstra may take to take the run over.
const TAKEOVER_TIMEOUT: Duration = Duration::from_secs(30);

/// After a resume was launched in the background or in tmux: waits until the new okstra has
/// taken the run (the manifest says running and its okstra is alive) or the run has ended —
/// until then the run still shows the state the resume started from (interrupted, or a dead
/// okstra), which is not its outcome. Gives up after [`TAKEOVER_TIMEOUT`], leaving the run
/// as it is for the caller to report.
pub(crate) async fn await_takeover(
    invoker: &Invoker,
    run_id: &str,
    context: &RequestContext<RoleServer>,
) -> Result<(), McpError> {
    let started = Instant::now();
    let mut target = run_id.to_owned();
    while started.elapsed() < TAKEOVER_TIMEOUT {
        let invoked = invoker.invoke(show_argv(&target)).await?;
        let Ok(show) = serde_json::from_str::<Value>(invoked.stdout.trim()) else {
            return Ok(());
        };
        target = manifest_of(&show, target);
        let alive = show["okstraAlive"] == Value::Bool(true);
        match show["status"].as_str().unwrap_or_default() {
            "completed" | "failed" => return Ok(()),
            "running" if alive => return Ok(()),
            _ => {}
        }
        tokio::select! {
            () = context.ct.cancelled() => return Ok(()),
            () = okstra_engine::pause_between_reads(EVERY) => {}
        }
    }
    Ok(())
}

/// Returns the run as `ctl show` gave it, as an error saying why the wait stopped.
fn stopped(invoked: crate::cli::Invoked, why: String) -> CallToolResult {
    let mut result = tool_result(invoked, run_line);
    result.is_error = Some(true);
    result
        .content
        .insert(0, rmcp::model::ContentBlock::text(why));
    result
}
