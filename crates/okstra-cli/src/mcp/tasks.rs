//! Owns long runs over MCP as tasks (the Tasks extension): a started run becomes a task handle
//! whose id is the run's id, so the handle survives a disconnect and a restart of the server;
//! `tasks/get` reads the run's state from its files (`okstra ctl show --json`) — `working`
//! while prepared or running, then `completed` (the result: the run as `show_run` returns
//! it), `failed` (the run failed, or its okstra died: the error carries the run) or
//! `cancelled` (interrupted); `tasks/cancel` stops the run as `okstra ctl kill` does.

use rmcp::model::{
    CallToolResponse, CancelTaskParams, CreateTaskResult, DetailedTask, GetTaskParams,
    GetTaskResult, JsonObject, Task, TaskPayload, TaskStatus,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer};
use serde_json::{Value, json};

use crate::cli::Invoked;
use crate::mcp::follow::{follow, run_argv, run_line, show_argv};
use crate::mcp::invoker::Invoker;
use crate::mcp::outcome::tool_result;

/// How often a client should poll a run's task, in milliseconds.
const POLL_INTERVAL_MS: u64 = 2000;

/// Runs a command that starts a run (`run --detach|--background --json`, `resume …`) and
/// returns what the tool answers: the command's refusal as `isError`; with `wait`, the run
/// followed to its end; for a client with the Tasks extension, the run's task handle; else
/// the command's JSON (`{runId, …}`).
pub(crate) async fn launched(
    invoker: &Invoker,
    argv: Vec<String>,
    wait: bool,
    context: RequestContext<RoleServer>,
) -> Result<CallToolResponse, McpError> {
    let result = tool_result(invoker.invoke(argv).await?, started_line);
    let run_id = result
        .structured_content
        .as_ref()
        .and_then(|v| v.get("runId"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let Some(run_id) = run_id.filter(|_| result.is_error != Some(true)) else {
        return Ok(result.into());
    };
    if wait {
        return follow(invoker, &run_id, &context).await.map(Into::into);
    }
    let tasks = context
        .client_capabilities()
        .is_some_and(|caps| caps.supports_tasks());
    if tasks {
        // The handle's times are the run's, as `tasks/get` gives them.
        let show = shown(&invoker.invoke(show_argv(&run_id)).await?, &run_id)?;
        let task = task_of(&run_id, &show);
        return Ok(CallToolResponse::Task(CreateTaskResult::new(task)));
    }
    Ok(result.into())
}

/// `run <id> started (…)`.
fn started_line(value: &Value) -> String {
    let id = value["runId"].as_str().unwrap_or("?");
    match (value["sessionName"].as_str(), value["pid"].as_u64()) {
        (Some(session), _) => {
            format!("run {id} started in tmux session {session}; show_run or run_status follows it")
        }
        (None, Some(pid)) => format!(
            "run {id} started in the background (pid {pid}); show_run or run_status follows it"
        ),
        _ => format!(
            "run {id}: {}",
            value["status"].as_str().unwrap_or("nothing to resume")
        ),
    }
}

/// `tasks/get`: the run's state from its files.
pub(crate) async fn get(
    invoker: &Invoker,
    request: GetTaskParams,
    _context: RequestContext<RoleServer>,
) -> Result<GetTaskResult, McpError> {
    let invoked = invoker.invoke(show_argv(&request.task_id)).await?;
    let show = shown(&invoked, &request.task_id)?;
    let task = task_of(&request.task_id, &show);
    let payload = match show["status"].as_str() {
        Some("completed") => TaskPayload::Completed {
            result: object(serde_json::to_value(tool_result(invoked, run_line))),
        },
        Some("failed") => TaskPayload::Failed {
            error: object(Ok(json!({
                "code": -32603,
                "message": format!("run {} failed", request.task_id),
                "data": show,
            }))),
        },
        Some("interrupted") => TaskPayload::Cancelled,
        // Its okstra died without recording an end: the task is over, the run resumable.
        _ if show["okstraAlive"] == Value::Bool(false) => TaskPayload::Failed {
            error: object(Ok(json!({
                "code": -32603,
                "message": format!(
                    "run {id}'s okstra is gone: `okstra ctl reconcile` marks it interrupted, \
                     then resume_run (`okstra resume {id}`) continues it as a new task",
                    id = request.task_id
                ),
                "data": show,
            }))),
        },
        _ => TaskPayload::Working,
    };
    Ok(GetTaskResult::new(DetailedTask::new(task, payload)))
}

/// Returns the task of run `task_id` shown as `show` (its status set from the payload).
fn task_of(task_id: &str, show: &Value) -> Task {
    let text = |key: &str| show[key].as_str().unwrap_or_default().to_owned();
    Task::new(
        task_id.to_owned(),
        TaskStatus::Working,
        text("createdAt"),
        text("updatedAt"),
    )
    .with_poll_interval_ms(POLL_INTERVAL_MS)
    .with_status_message(run_line(show))
}

/// `tasks/cancel`: `okstra ctl kill <run>`.
pub(crate) async fn cancel(
    invoker: &Invoker,
    request: CancelTaskParams,
    _context: RequestContext<RoleServer>,
) -> Result<(), McpError> {
    shown(
        &invoker.invoke(show_argv(&request.task_id)).await?,
        &request.task_id,
    )?;
    let invoked = invoker
        .invoke(run_argv(&["ctl", "kill"], &request.task_id))
        .await?;
    if invoked.error.is_some() || invoked.code != 0 {
        return Err(McpError::invalid_params(
            failure_text(&invoked, &request.task_id),
            None,
        ));
    }
    Ok(())
}

/// Returns `ctl show --json`'s run, or the command's refusal as an invalid-params error
/// naming the task id.
fn shown(invoked: &Invoked, task_id: &str) -> Result<Value, McpError> {
    if invoked.error.is_some() || invoked.code != 0 {
        return Err(McpError::invalid_params(
            failure_text(invoked, task_id),
            None,
        ));
    }
    let show: Value = serde_json::from_str(invoked.stdout.trim())
        .map_err(|e| McpError::internal_error(format!("ctl show --json: {e}"), None))?;
    // `ctl show` also takes a prefix or a manifest path; a task is named by its whole run id.
    if show["runId"] != task_id {
        return Err(McpError::invalid_params(
            format!("no task {task_id}: a task's id is its run's whole id"),
            None,
        ));
    }
    Ok(show)
}

/// Returns the command's `error:`/`hint:` lines, naming the task.
fn failure_text(invoked: &Invoked, task_id: &str) -> String {
    let lines = invoked
        .error
        .clone()
        .unwrap_or_else(|| invoked.stderr.clone());
    format!("task {task_id}: {}", lines.join("\n"))
}

/// Returns `value` as a JSON object (an empty one when it is not).
fn object(value: Result<Value, serde_json::Error>) -> JsonObject {
    match value {
        Ok(Value::Object(map)) => map,
        _ => JsonObject::new(),
    }
}
