//! Owns the tools that read runs and the worker check: `list_runs` (`ctl list`), `show_run`
//! (`ctl show`), `run_status` (`ctl status`), `validate_run` (`validate`) and `doctor`.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{ErrorData as McpError, schemars, tool, tool_router};
use serde::Deserialize;
use serde_json::Value;

use crate::mcp::argv::Argv;
use crate::mcp::outcome::{plain, verdict};
use crate::mcp::server::OkstraMcp;

/// The filters of `list_runs`, those of `okstra ctl list`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListRunsArgs {
    /// Only runs of these project ids.
    #[serde(default)]
    project: Vec<String>,
    /// Only runs of these tasks, `<group>/<id>`, or of every task of a group, `<group>`.
    #[serde(default)]
    task: Vec<String>,
    /// Only runs of these task types (analysis, planning, implementation,
    /// final-verification, release-handoff).
    #[serde(default)]
    task_type: Vec<String>,
    /// Only runs with these statuses: prepared, running, completed, failed, interrupted.
    #[serde(default)]
    status: Vec<String>,
    /// Only runs started since then: a span back from now (90m, 24h, 7d, 2w) or a date or
    /// time (2026-11-21, 2026-11-21T10:00:00Z).
    since: Option<String>,
    /// Only the last N runs of those kept.
    limit: Option<usize>,
}

/// The run a tool reads.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RunArgs {
    /// A run id (as `list_runs` gives it), a unique prefix of one, or a manifest path.
    run: String,
}

/// The arguments of `run_status`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RunStatusArgs {
    /// Only this run (a run id, a unique prefix of one, or a manifest path), running or
    /// ended; without it, every run that is running now, across projects.
    run: Option<String>,
}

/// `doctor` takes no arguments.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoArgs {}

#[tool_router(router = runs_router, vis = "pub(crate)")]
impl OkstraMcp {
    /// Lists runs from okstra's central index, oldest first, as `okstra ctl list` does.
    #[tool(
        description = "List okstra runs from the central index, oldest first (filters as `okstra ctl list`: project, task, task_type, status, since, limit).",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn list_runs(
        &self,
        Parameters(args): Parameters<ListRunsArgs>,
    ) -> Result<CallToolResult, McpError> {
        let limit = args.limit.map(|n| n.to_string());
        let argv = Argv::new(&["ctl", "list", "--json"])
            .each("--project", &args.project)
            .each("--task", &args.task)
            .each("--type", &args.task_type)
            .each("--status", &args.status)
            .opt("--since", args.since.as_deref())
            .opt("--limit", limit.as_deref());
        self.call_cli(argv.into_vec(), count_of_runs).await
    }

    /// Shows one run, as `okstra ctl show --json` does.
    #[tool(
        description = "Show one okstra run, as `okstra ctl show --json`: task, type, seq, stage, status, project, run folder, worktree, checkpoints, each worker's status, reason, tokens and result file, total tokens, and its report's path.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn show_run(
        &self,
        Parameters(args): Parameters<RunArgs>,
    ) -> Result<CallToolResult, McpError> {
        let argv = Argv::new(&["ctl", "show", "--json"]).positional(&args.run);
        self.call_cli(argv.into_vec(), run_line).await
    }

    /// Shows the live state of running runs, or of one run, as `okstra ctl status --json`.
    #[tool(
        description = "Live state of okstra runs, as `okstra ctl status --json`: without `run`, every run running now (phase, elapsed, its okstra process alive or dead, each worker's live state); with `run`, that one run whether running or ended (`state` is running, dead, or the status it ended with: completed, failed, interrupted).",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn run_status(
        &self,
        Parameters(args): Parameters<RunStatusArgs>,
    ) -> Result<CallToolResult, McpError> {
        let mut argv = Argv::new(&["ctl", "status", "--json"]);
        if let Some(run) = &args.run {
            argv = argv.positional(run);
        }
        self.call_cli(argv.into_vec(), status_line).await
    }

    /// Validates a run, as `okstra validate --json`.
    #[tool(
        description = "Check an okstra run, as `okstra validate --json`: manifest, prompts, worker result headers, report data and markdown, consensus classes. Returns every check made with its file and failures; `passed` is false when any failed (not a tool error: the check ran).",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn validate_run(
        &self,
        Parameters(args): Parameters<RunArgs>,
    ) -> Result<CallToolResult, McpError> {
        let argv = Argv::new(&["validate", "--json"]).positional(&args.run);
        let result = self.call_cli(argv.into_vec(), checks_line).await?;
        Ok(verdict(result, checks_line))
    }

    /// Checks the worker CLIs, as `okstra doctor` does.
    #[tool(
        description = "Check the worker CLIs okstra would run (claude, codex, gemini and configured agents): path, version, login and whether each can run, as `okstra doctor`.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn doctor(&self, Parameters(_): Parameters<NoArgs>) -> Result<CallToolResult, McpError> {
        self.call_cli(Argv::new(&["doctor", "--json"]).into_vec(), |_| {
            "worker check done".to_owned()
        })
        .await
    }
}

/// `run <id>: <type> #<seq> <status>`.
fn run_line(value: &Value) -> String {
    let text = |k: &str| value.get(k).map_or_else(String::new, plain);
    format!(
        "run {}: {} #{} {}",
        text("runId"),
        text("taskType"),
        text("runSeq"),
        text("status")
    )
}

/// `run <id>: <state>, phase <phase>`, or `N run(s) running`.
fn status_line(value: &Value) -> String {
    if let Some(items) = value.get("items").and_then(Value::as_array) {
        return format!("{} run(s) running", items.len());
    }
    let text = |k: &str| value.get(k).map_or_else(String::new, plain);
    format!(
        "run {}: {}, phase {}",
        text("runId"),
        text("state"),
        text("phase")
    )
}

/// `run <id>: passed every check`, or `N check(s) failed`.
fn checks_line(value: &Value) -> String {
    let run = value.get("runId").map_or_else(String::new, plain);
    match value.get("failed").and_then(Value::as_u64) {
        Some(0) => format!("run {run}: passed every check"),
        Some(n) => format!("run {run}: {n} check(s) failed"),
        None => format!("run {run}: checked"),
    }
}

/// `N runs`.
fn count_of_runs(value: &Value) -> String {
    let n = value
        .get("runs")
        .or_else(|| value.get("items"))
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    format!("{n} run(s)")
}
