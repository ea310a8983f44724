//! `okstra doctor`: what okstra will use to run workers, and whether it can.

use clap::Args;
use okstra_core::adapter::sandbox_label;
use okstra_core::config::AdapterKind;
use okstra_core::worker_name::Role;
use okstra_engine::{check_clis, find_project_root, load_project};
use serde_json::json;

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;
use crate::ui::render_table;

/// Check the worker CLIs: path, version, login state, and the sandbox of each role
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
    let reports = check_clis(ctx.env.vars(), &ctx.cwd);
    let agents = find_project_root(&ctx.cwd)
        .and_then(|root| load_project(&root).ok())
        .map(|p| p.config.agents)
        .unwrap_or_default();
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
                    "cli": r.cli, "path": r.path, "version": r.version,
                    "login": r.login, "detail": r.detail, "sandboxes": roles,
                })
            })
            .collect();
        let agents: Vec<_> = agents
            .iter()
            .map(|(name, a)| json!({"name": name, "adapter": a.adapter.as_str(), "argv": a.argv, "fixture": a.fixture}))
            .collect();
        let out = json!({"clis": clis, "agents": agents});
        ctx.ui
            .data_line(&serde_json::to_string_pretty(&out).map_err(CommandError::internal)?);
        return Ok(ExitStatus::Success);
    }
    let rows: Vec<Vec<String>> = reports
        .iter()
        .map(|r| {
            vec![
                r.cli.clone(),
                r.path.clone().unwrap_or_else(|| "not found".to_owned()),
                r.version.clone().unwrap_or_else(|| "-".to_owned()),
                serde_json::to_value(&r.login)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let mut text = render_table(&["CLI", "PATH", "VERSION", "LOGIN"], &rows);
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
        for (name, a) in &agents {
            text.push_str(&format!("  {name}: {}\n", a.adapter.as_str()));
        }
    }
    ctx.ui.data(&text);
    Ok(ExitStatus::Success)
}
