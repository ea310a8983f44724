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

/// How many runs `list_runs` gives without `limit` or `all`.
const DEFAULT_LIMIT: usize = 100;

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
    /// Only the last N runs of those kept; without it, the last 100 (an agent rarely wants a
    /// machine's whole history in its context). See `all`.
    limit: Option<usize>,
    /// Every run kept, however many (a large answer on a busy machine).
    #[serde(default)]
    all: bool,
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

impl ListRunsArgs {
    /// Returns `ctl list --json` with these filters; the last [`DEFAULT_LIMIT`] runs unless
    /// `limit` or `all` says otherwise.
    fn argv(&self) -> Vec<String> {
        let limit = match (self.limit, self.all) {
            (Some(n), _) => Some(n.to_string()),
            (None, true) => None,
            (None, false) => Some(DEFAULT_LIMIT.to_string()),
        };
        Argv::new(&["ctl", "list", "--json"])
            .each("--project", &self.project)
            .each("--task", &self.task)
            .each("--type", &self.task_type)
            .each("--status", &self.status)
            .opt("--since", self.since.as_deref())
            .opt("--limit", limit.as_deref())
            .into_vec()
    }
}

/// `doctor` takes no arguments.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoArgs {}

#[tool_router(router = runs_router, vis = "pub(crate)")]
impl OkstraMcp {
    /// Lists runs from okstra's central index, oldest first, as `okstra ctl list` does.
    #[tool(
        description = "List okstra runs from the central index, oldest first (filters as `okstra ctl list`: project, task, task_type, status, since, limit). Gives the last 100 runs kept unless `limit` or `all` says otherwise.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn list_runs(
        &self,
        Parameters(args): Parameters<ListRunsArgs>,
    ) -> Result<CallToolResult, McpError> {
        self.call_cli(args.argv(), count_of_runs).await
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

#[cfg(test)]
mod tests {
    use super::ListRunsArgs;

    #[test]
    fn list_runs_gives_the_last_hundred_unless_told_otherwise() {
        let args = |v: serde_json::Value| serde_json::from_value::<ListRunsArgs>(v).unwrap().argv();
        let limit = |argv: &[String]| {
            argv.iter()
                .position(|w| w == "--limit")
                .map(|i| argv[i + 1].clone())
        };
        assert_eq!(limit(&args(serde_json::json!({}))).as_deref(), Some("100"));
        assert_eq!(
            limit(&args(serde_json::json!({"limit": 7}))).as_deref(),
            Some("7")
        );
        assert_eq!(limit(&args(serde_json::json!({"all": true}))), None);
        assert_eq!(
            limit(&args(serde_json::json!({"all": true, "limit": 3}))).as_deref(),
            Some("3")
        );
    }
}
