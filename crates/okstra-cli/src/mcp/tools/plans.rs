//! Owns the tools that read and change plans and the stage ledger: `plan_check`, `plan_show`,
//! `plan_answer` (`okstra plan check/show/answer`), `ledger_show` (`okstra ledger show`) and
//! `approve` (`okstra approve`) — the last a human gate, offered only when the server was
//! started with `--allow-approve` (`OkstraMcp::new` removes it otherwise), and recording the
//! MCP client that asked in the plan's data.json.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ProtocolVersion, RequestMetaObject};
use rmcp::{ErrorData as McpError, Peer, RoleServer, schemars, tool, tool_router};
use serde::Deserialize;
use serde_json::Value;

use crate::mcp::argv::Argv;
use crate::mcp::outcome::{plain, verdict};
use crate::mcp::server::OkstraMcp;

/// The plan a tool reads: a plan, or the latest plan of a task.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlanArgs {
    /// A plan: a run id of an implementation-planning run (or a unique prefix of one), its
    /// manifest path, a final-report-implementation-planning-<seq>.data.json or a markdown
    /// plan. Give this or `task`.
    plan: Option<String>,
    /// The task whose latest implementation plan to use, as `<group>/<id>`. Give this or
    /// `plan`.
    task: Option<String>,
}

/// The arguments of `plan_answer`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlanAnswerArgs {
    /// The plan: a run id of an implementation-planning run (or a unique prefix of one), its
    /// manifest path, its data.json or a markdown plan (`plan_show` with `task` gives it).
    plan: String,
    /// The clarification item's id, e.g. `C-1`.
    id: String,
    /// The answer.
    answer: String,
    /// The item's status once answered: `resolved` (the default), `obsolete` or `open` (an
    /// open `Blocks=approval` item keeps blocking approval).
    status: Option<String>,
}

/// The arguments of `ledger_show`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LedgerArgs {
    /// The task, as `<group>/<id>`.
    task: String,
}

/// The arguments of `approve`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApproveArgs {
    /// The plan to approve: a run id of an implementation-planning run (or a unique prefix of
    /// one), its manifest path, its data.json or a markdown plan. Give this or `task`.
    plan: Option<String>,
    /// The task whose latest implementation plan to approve, as `<group>/<id>`. Give this or
    /// `plan`.
    task: Option<String>,
    /// Switch the task to this plan even though stages of another plan are started or done.
    #[serde(default)]
    supersede: bool,
}

#[tool_router(router = plans_router, vis = "pub(crate)")]
impl OkstraMcp {
    /// Checks a plan, as `okstra plan check --json`.
    #[tool(
        description = "Check an implementation plan against the Stage Map rules S1-S10, the heading keywords and the options rule, as `okstra plan check --json` (by `plan` or by `task`). Returns each violation with its rule, position and message; `passed` is false when there is any (not a tool error: the check ran).",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn plan_check(
        &self,
        Parameters(args): Parameters<PlanArgs>,
    ) -> Result<CallToolResult, McpError> {
        if let Some(refused) = self.outside_project(&[args.plan.as_deref()]) {
            return Ok(refused);
        }
        let argv = plan_argv(&["plan", "check", "--json"], &args);
        let result = self.call_cli(argv.into_vec(), check_line).await?;
        Ok(verdict(result, check_line))
    }

    /// Shows a plan's stages, as `okstra plan show --json`.
    #[tool(
        description = "Show an implementation plan's stages, as `okstra plan show --json` (by `plan` or by `task`): what each stage depends on, whether it is not started, started or done (from the task's stage ledger), and which stages are ready.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn plan_show(
        &self,
        Parameters(args): Parameters<PlanArgs>,
    ) -> Result<CallToolResult, McpError> {
        if let Some(refused) = self.outside_project(&[args.plan.as_deref()]) {
            return Ok(refused);
        }
        let argv = plan_argv(&["plan", "show", "--json"], &args);
        self.call_cli(argv.into_vec(), |v| {
            format!("plan {}", v.get("plan").map_or_else(String::new, plain))
        })
        .await
    }

    /// Answers a clarification item, as `okstra plan answer --json`.
    #[tool(
        description = "Record the answer to a clarification item (section 1) of an implementation plan, as `okstra plan answer --json`: the plan's data.json is changed and its markdown re-rendered. Returns the item, its status and the files written.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn plan_answer(
        &self,
        Parameters(args): Parameters<PlanAnswerArgs>,
    ) -> Result<CallToolResult, McpError> {
        if let Some(refused) = self.outside_project(&[Some(&args.plan)]) {
            return Ok(refused);
        }
        let argv = Argv::new(&["plan", "answer", "--json"])
            .opt("--status", args.status.as_deref())
            .word("--")
            .word(&args.plan)
            .word(&args.id)
            .word(&args.answer);
        self.call_cli(argv.into_vec(), |v| {
            let text = |k: &str| v.get(k).map_or_else(String::new, plain);
            format!("{} is {}", text("id"), text("status"))
        })
        .await
    }

    /// Shows where each stage of a task's plan stands, as `okstra ledger show --json`.
    #[tool(
        description = "Show where each stage of a task's plan stands, as `okstra ledger show --json`: the plan in force (else the latest approved), each stage done, stale, started (by which run, and whether it is dead), reserved, ready or blocked by which stages, with its head and carry.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn ledger_show(
        &self,
        Parameters(args): Parameters<LedgerArgs>,
    ) -> Result<CallToolResult, McpError> {
        let argv = Argv::new(&["ledger", "show", "--json"]).opt("--task", Some(&args.task));
        self.call_cli(argv.into_vec(), |v| {
            let n = v
                .get("stages")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            format!("{n} stage(s)")
        })
        .await
    }

    /// Approves a plan, as `okstra approve --json`; recorded with the MCP client's name and
    /// version.
    #[tool(
        description = "Approve an implementation plan so its stages can be implemented, as `okstra approve --json` (by `plan` or by `task`). A human gate: offered only because the server was started with --allow-approve; the approval records this MCP client's name and version in the plan's data.json. Refused, with every reason, when the plan-body gate blocked the plan, a Blocks=approval clarification item is open, or the plan fails its check.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn approve(
        &self,
        meta: RequestMetaObject,
        peer: Peer<RoleServer>,
        Parameters(args): Parameters<ApproveArgs>,
    ) -> Result<CallToolResult, McpError> {
        if let Some(refused) = self.outside_project(&[args.plan.as_deref()]) {
            return Ok(refused);
        }
        let (name, version) = client_of(&meta, &peer);
        let argv = plan_argv(
            &["approve", "--json"],
            &PlanArgs {
                plan: args.plan,
                task: args.task,
            },
        )
        .flag("--supersede", args.supersede)
        .opt("--mcp-client-name", Some(&name))
        .opt("--mcp-client-version", Some(&version));
        self.call_cli(argv.into_vec(), |v| {
            let plan = v.get("plan").map_or_else(String::new, plain);
            if v.get("alreadyApproved") == Some(&Value::Bool(true)) {
                format!("already approved: {plan}")
            } else {
                format!("approved: {plan}")
            }
        })
        .await
    }
}

/// Returns the name and version of the client that asked: the one its session's `initialize`
/// gave, else — for the sessionless protocol (2026-07-28, SEP-2575), whose requests each name
/// their client in `_meta` — the one this request carries. A sessionless request gets a peer
/// rmcp made up (with rmcp's own name), so `initialize` is believed only for older protocols;
/// a client that named itself nowhere is recorded as unnamed.
fn client_of(meta: &RequestMetaObject, peer: &Peer<RoleServer>) -> (String, String) {
    peer.peer_info()
        .filter(|info| info.protocol_version < ProtocolVersion::V_2026_07_28)
        .map(|info| info.client_info.clone())
        .or_else(|| meta.client_info())
        .map_or_else(
            || ("(unnamed)".to_owned(), "(unknown)".to_owned()),
            |client| (client.name, client.version),
        )
}

/// Returns `okstra <words…> [--task T] [PLAN]`.
fn plan_argv(words: &[&str], args: &PlanArgs) -> Argv {
    let argv = Argv::new(words).opt("--task", args.task.as_deref());
    match &args.plan {
        Some(plan) => argv.positional(plan),
        None => argv,
    }
}

/// `plan check passed (N stages)`, or `N violation(s)`.
fn check_line(value: &Value) -> String {
    let stages = value.get("stages").map_or_else(String::new, plain);
    match value
        .get("violations")
        .and_then(Value::as_array)
        .map(Vec::len)
    {
        Some(0) | None => format!("plan check passed ({stages} stages)"),
        Some(n) => format!("plan check failed: {n} violation(s)"),
    }
}
