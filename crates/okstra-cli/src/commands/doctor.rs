//! `okstra doctor`: what okstra will use to run workers, and whether it can — each built-in
//! CLI's path, version, login and verdict, each configured agent's verdict, the sandbox of each
//! role — exiting 2 when no worker at all could run.

use clap::Args;
use okstra_core::adapter::sandbox_label;
use okstra_core::config::AdapterKind;
use okstra_core::worker_name::Role;
use okstra_engine::{check_agents, check_clis, find_project_root, load_project};
use serde_json::json;

use crate::command_error::{CommandError, ExitStatus, no_worker_can_run};
use crate::context::CommandContext;
use crate::ui::render_table;

/// Check the worker CLIs: path, version, login state, and the sandbox of each role
///
/// Exits 2 when no worker CLI (and no agent configured in .okstra/project.json) can run.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print the checks as JSON on stdout
    #[arg(long)]
    json: bool,
}

const ROLES: [Role; 5] = [
    Role::Analysis,
    Role::Critic,
    Role::ReportWriter,
    Role::Verifier,
    Role::Executor,
];

/// Runs `okstra doctor`.
pub fn cmd_doctor(ctx: &CommandContext, args: &DoctorArgs) -> Result<ExitStatus, CommandError> {
    let kinds = [AdapterKind::Claude, AdapterKind::Codex, AdapterKind::Gemini];
    let project = find_project_root(&ctx.cwd).and_then(|root| load_project(&root).ok());
    // Workers get project.json's workerEnv on top of okstra's environment: so do the checks.
    let mut env = ctx.env.vars().clone();
    if let Some(p) = &project {
        env.extend(p.config.worker_env.clone());
    }
    let reports = check_clis(&env, &ctx.cwd);
    let agents = project
        .as_ref()
        .map(|p| check_agents(&p.config.agents, p.root(), &env))
        .unwrap_or_default();
    let can_run =
        reports.iter().any(|r| r.verdict.can_run()) || agents.iter().any(|a| a.verdict.can_run());
    if args.json {
        let clis: Vec<_> = reports
            .iter()
            .zip(kinds)
            .map(|(r, kind)| {
                let roles: serde_json::Map<String, serde_json::Value> = ROLES
                    .iter()
                    .map(|role| (role.as_str().to_owned(), json!(sandbox_label(kind, *role))))
                    .collect();
                json!({
                    "cli": r.cli, "path": r.path, "version": r.version, "login": r.login,
                    "verdict": r.verdict, "detail": r.detail, "sandboxes": roles,
                })
            })
            .collect();
        let configured = project.as_ref().map(|p| &p.config.agents);
        let agents: Vec<_> = agents
            .iter()
            .map(|a| {
                let config = configured.and_then(|c| c.get(&a.name));
                json!({
                    "name": a.name, "adapter": a.adapter.as_str(),
                    "argv": config.map(|c| c.argv.clone()).unwrap_or_default(),
                    "fixture": config.and_then(|c| c.fixture.clone()),
                    "path": a.path, "verdict": a.verdict, "detail": a.detail,
                })
            })
            .collect();
        let out = json!({"canRun": can_run, "clis": clis, "agents": agents});
        ctx.ui
            .data_line(&serde_json::to_string_pretty(&out).map_err(CommandError::internal)?);
    } else {
        let rows: Vec<Vec<String>> = reports
            .iter()
            .map(|r| {
                vec![
                    r.cli.clone(),
                    r.path.clone().unwrap_or_else(|| "not found".to_owned()),
                    r.version.clone().unwrap_or_else(|| "-".to_owned()),
                    r.login.as_str().to_owned(),
                    r.verdict.as_str().to_owned(),
                ]
            })
            .collect();
        let mut text = render_table(&["CLI", "PATH", "VERSION", "LOGIN", "VERDICT"], &rows);
        for r in &reports {
            text.push_str(&format!("  {}: {}\n", r.cli, r.detail));
        }
        text.push_str("\nsandboxes by role:\n");
        let role_rows: Vec<Vec<String>> = ROLES
            .iter()
            .map(|role| {
                std::iter::once(role.as_str().to_owned())
                    .chain(kinds.iter().map(|k| sandbox_label(*k, *role)))
                    .collect()
            })
            .collect();
        text.push_str(&render_table(
            &["ROLE", "CLAUDE", "CODEX", "GEMINI"],
            &role_rows,
        ));
        if !agents.is_empty() {
            text.push_str("\nconfigured agents (.okstra/project.json):\n");
            for a in &agents {
                text.push_str(&format!(
                    "  {}: {}, {}",
                    a.name,
                    a.adapter.as_str(),
                    a.verdict.as_str()
                ));
                if let Some(detail) = &a.detail {
                    text.push_str(&format!(": {detail}"));
                }
                text.push('\n');
            }
        }
        ctx.ui.data(&text);
    }
    if can_run {
        return Ok(ExitStatus::Success);
    }
    Err(no_worker_can_run(
        reports
            .iter()
            .map(|r| (r.cli.as_str(), r.verdict))
            .chain(agents.iter().map(|a| (a.name.as_str(), a.verdict))),
    ))
}
