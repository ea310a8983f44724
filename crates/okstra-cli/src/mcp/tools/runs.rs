//! Owns the tools that read runs from the central index and the worker check: `list_runs`
//! (`ctl list`) and `doctor`.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{ErrorData as McpError, schemars, tool, tool_router};
use serde::Deserialize;
use serde_json::Value;

use crate::mcp::server::OkstraMcp;
use crate::mcp::tools::argv::Argv;

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

/// `N runs`.
fn count_of_runs(value: &Value) -> String {
    let n = value
        .get("runs")
        .or_else(|| value.get("items"))
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    format!("{n} run(s)")
}
