//! Owns the tools that start runs: `start_run` (`okstra run … --detach|--background --json`)
//! and `resume_run` (`okstra resume <run> --detach|--background --json`). A run goes to its
//! tmux session when the server's environment has tmux, else it runs as a background process
//! of the server; either way the call returns the run id at once — as a task handle when the
//! client declared the Tasks extension — or, with `wait`, follows the run to its end
//! ([`crate::mcp::tasks`]).

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResponse, CallToolResult, ContentBlock};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, schemars, tool, tool_router};
use serde::Deserialize;

use crate::mcp::argv::Argv;
use crate::mcp::server::OkstraMcp;
use crate::mcp::tasks::launched;

/// The arguments of `start_run`, those of `okstra run`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StartRunArgs {
    /// The task type: requirements-discovery, error-analysis, planning, implementation,
    /// final-verification, release-handoff (those this okstra can run).
    task_type: String,
    /// The task, as `<group>/<id>` (e.g. payments/dev-9495).
    task: String,
    /// The task brief (markdown) as text; replaces a different earlier brief.
    brief_text: Option<String>,
    /// The task brief as a markdown file (relative to the server's folder), in place of
    /// brief_text.
    brief_file: Option<String>,
    /// The commit the task worktree starts from (required the first time a task runs).
    base_ref: Option<String>,
    /// The analysers to run: claude, codex, gemini or configured agent names.
    #[serde(default)]
    workers: Vec<String>,
    /// Models by agent or role, each `KEY=MODEL` (e.g. codex=gpt-5.5, report-writer=…).
    #[serde(default)]
    models: Vec<String>,
    /// Per-worker deadline, e.g. 30m (default: twice the task type's expected time).
    deadline: Option<String>,
    /// Run the coverage critic with this agent after convergence.
    critic: Option<String>,
    /// At most this many convergence rounds.
    max_rounds: Option<u32>,
    /// Start no new round or worker once this much has been spent (USD).
    max_cost_usd: Option<f64>,
    /// Language of the report: en or ko.
    language: Option<String>,
    /// A directive every worker of the run is given.
    directive: Option<String>,
    /// Tasks (`<group>/<id>`) whose latest reports go into every prompt's context.
    #[serde(default)]
    related: Vec<String>,
    /// Implementation: the stage to run, `auto` (the lowest ready one) or its number.
    stage: Option<String>,
    /// Implementation: the plan (a plan file of the task or one of its planning runs;
    /// default: the task's latest approved plan).
    plan: Option<String>,
    /// Implementation: the executor agent (default: roles.executor, else claude).
    executor: Option<String>,
    /// Implementation: run again a started stage whose last run failed or died.
    #[serde(default)]
    retry: bool,
    /// Implementation: reopen a done or stale stage and run it again from its base.
    #[serde(default)]
    redo: bool,
    /// Implementation: re-check a done or stale stage at its current head.
    #[serde(default)]
    reverify: bool,
    /// Release hand-off: push the task branch to the remote (never done without this).
    #[serde(default)]
    push: bool,
    /// Release hand-off, with push: the remote to push to (default: origin).
    remote: Option<String>,
    /// Release hand-off: open the pull request with `gh pr create` (never done without this).
    #[serde(default)]
    open_pr: bool,
    /// Release hand-off, with open_pr: open it as a draft.
    #[serde(default)]
    draft: bool,
    /// Wait for the run to end (sending progress notifications when the request has a
    /// progressToken) and return it as `show_run` does; else return its id at once.
    #[serde(default)]
    wait: bool,
}

/// The arguments of `resume_run`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResumeRunArgs {
    /// A run id, or a unique prefix of one.
    run: String,
    /// Wait for the run to end (sending progress notifications when the request has a
    /// progressToken) and return it as `show_run` does; else return its id at once.
    #[serde(default)]
    wait: bool,
}

impl StartRunArgs {
    /// Returns `okstra run …` of these arguments, started with `how` (`--detach` or
    /// `--background`).
    fn argv(&self, how: &str) -> Vec<String> {
        let workers = (!self.workers.is_empty()).then(|| self.workers.join(","));
        let max_rounds = self.max_rounds.map(|n| n.to_string());
        let max_cost = self.max_cost_usd.map(|n| n.to_string());
        Argv::new(&["run"])
            .opt("--task", Some(&self.task))
            .opt("--brief-text", self.brief_text.as_deref())
            .opt("--brief", self.brief_file.as_deref())
            .opt("--base-ref", self.base_ref.as_deref())
            .opt("--workers", workers.as_deref())
            .each("--model", &self.models)
            .opt("--deadline", self.deadline.as_deref())
            .opt("--critic", self.critic.as_deref())
            .opt("--max-rounds", max_rounds.as_deref())
            .opt("--max-cost-usd", max_cost.as_deref())
            .opt("--language", self.language.as_deref())
            .opt("--directive", self.directive.as_deref())
            .each("--related", &self.related)
            .opt("--stage", self.stage.as_deref())
            .opt("--plan", self.plan.as_deref())
            .opt("--executor", self.executor.as_deref())
            .flag("--retry", self.retry)
            .flag("--redo", self.redo)
            .flag("--reverify", self.reverify)
            .flag("--push", self.push)
            .opt("--remote", self.remote.as_deref())
            .flag("--open-pr", self.open_pr)
            .flag("--draft", self.draft)
            .word(how)
            .word("--json")
            .positional(&self.task_type)
            .into_vec()
    }
}

#[tool_router(router = start_router, vis = "pub(crate)")]
impl OkstraMcp {
    /// Starts a run, as `okstra run … --detach` (or `--background` without tmux) does.
    #[tool(
        description = "Start an okstra run of a task (as `okstra run <task_type> --task <group>/<id> … --detach --json`): prepared here (every refusal shown at once), then run in its own tmux session, or as a background process of the server where tmux is missing. Returns the run id at once (a task handle whose id is the run id, when the client supports tasks), or with `wait` follows the run to its end with progress notifications and returns it as `show_run` does.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn start_run(
        &self,
        Parameters(args): Parameters<StartRunArgs>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        if let Some(refusal) = self
            .publish_refusal(&args)
            .or_else(|| self.outside_project(&[args.brief_file.as_deref(), args.plan.as_deref()]))
        {
            return Ok(CallToolResponse::Complete(refusal));
        }
        let argv = args.argv(self.detach_flag());
        launched(&self.invoker(), argv, args.wait, context).await
    }

    /// Resumes an unfinished run, as `okstra resume <run> --detach` (or `--background`) does.
    #[tool(
        description = "Continue an okstra run that was killed or interrupted (as `okstra resume <run> --detach --json`; `--background` where tmux is missing): finished workers' results are reused, the rest re-run. Returns the run id at once (a task handle when the client supports tasks), or with `wait` follows the run to its end with progress notifications. A run that already ended is returned as it is.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn resume_run(
        &self,
        Parameters(args): Parameters<ResumeRunArgs>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let argv = Argv::new(&["resume"])
            .word(self.detach_flag())
            .word("--json")
            .positional(&args.run)
            .into_vec();
        launched(&self.invoker(), argv, args.wait, context).await
    }
}

impl OkstraMcp {
    /// Returns why `args` may not publish, as a tool error: pushing and opening a pull request
    /// need the server started with `--allow-publish`, and the remote must be one the
    /// repository already has (by name, never a URL).
    fn publish_refusal(&self, args: &StartRunArgs) -> Option<CallToolResult> {
        let wants = args.push || args.open_pr || args.draft || args.remote.is_some();
        if !wants {
            return None;
        }
        if !self.gates().publish {
            return Some(CallToolResult::error(vec![ContentBlock::text(
                "error: publishing (push, remote, open_pr, draft) is not allowed through this server\n\
                 hint: a person allows it by starting the server with `okstra mcp --allow-publish`; \
                 or run the release hand-off without them (the PR body is written, nothing is pushed)",
            )]));
        }
        let remote = args.remote.as_deref()?;
        let known = okstra_engine::remote_names(&self.invoker().cwd);
        (!known.iter().any(|r| r == remote)).then(|| {
            CallToolResult::error(vec![ContentBlock::text(format!(
                "error: remote {remote:?} is not a remote of this repository\n\
                 hint: name one of: {}",
                if known.is_empty() {
                    "(none)".to_owned()
                } else {
                    known.join(", ")
                }
            ))])
        })
    }

    /// Returns how a run is started: `--detach` (its tmux session) when the server's
    /// environment has tmux, else `--background`.
    fn detach_flag(&self) -> &'static str {
        if okstra_engine::Tmux::locate(self.invoker().env.vars()).is_ok() {
            "--detach"
        } else {
            "--background"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::StartRunArgs;

    #[test]
    fn start_run_arguments_become_the_run_command_line() {
        let args: StartRunArgs = serde_json::from_value(serde_json::json!({
            "task_type": "error-analysis",
            "task": "t/v",
            "brief_text": "- a list item",
            "workers": ["claude", "codex"],
            "max_rounds": 1,
        }))
        .unwrap();
        assert_eq!(
            args.argv("--background"),
            [
                "run",
                "--task",
                "t/v",
                "--brief-text=- a list item",
                "--workers",
                "claude,codex",
                "--max-rounds",
                "1",
                "--background",
                "--json",
                "error-analysis"
            ]
        );
        let stage: StartRunArgs = serde_json::from_value(serde_json::json!({
            "task_type": "implementation",
            "task": "t/v",
            "stage": "2",
            "executor": "codex",
            "retry": true,
        }))
        .unwrap();
        assert_eq!(
            stage.argv("--detach"),
            [
                "run",
                "--task",
                "t/v",
                "--stage",
                "2",
                "--executor",
                "codex",
                "--retry",
                "--detach",
                "--json",
                "implementation"
            ]
        );
        let handoff: StartRunArgs = serde_json::from_value(serde_json::json!({
            "task_type": "release-handoff",
            "task": "t/v",
            "push": true,
            "remote": "upstream",
            "open_pr": true,
            "draft": true,
        }))
        .unwrap();
        assert_eq!(
            handoff.argv("--detach")[3..9],
            [
                "--push",
                "--remote",
                "upstream",
                "--open-pr",
                "--draft",
                "--detach"
            ]
        );
        let unknown = serde_json::from_value::<StartRunArgs>(
            serde_json::json!({"task_type": "planning", "task": "t/v", "bogus": 1}),
        );
        assert!(unknown.is_err());
    }
}
