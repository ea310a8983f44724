//! `okstra ctl reindex`: rebuilds the central index from every registered project's run
//! manifests (stage runs included), appending only the rows it lacks; prints each root with
//! how many manifests it holds or that it no longer exists, then the rows added.

use clap::Args;
use okstra_core::index::{IndexEvent, IndexRow};
use okstra_engine::{ReindexReport, reindex};
use serde_json::json;

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;
use crate::json_out::print_json;
use crate::ui::render_table;

/// Rebuild the central index from the projects' run manifests
///
/// Reads every run manifest of every registered project (each root in
/// `$OKSTRA_HOME/projects/<id>/meta.json`), including `runs/implementation/stage-<N>/manifests`,
/// and appends the `started` and `done` rows the index lacks. Running it again adds nothing.
#[derive(Debug, Args)]
pub struct CtlReindexArgs {
    /// Only this project (its id)
    #[arg(long, value_name = "PROJECT_ID")]
    project: Option<String>,

    /// Show what would be added; write nothing
    #[arg(long)]
    dry_run: bool,

    /// Print the result as JSON on stdout
    #[arg(long)]
    json: bool,
}

/// Runs `okstra ctl reindex`.
pub fn cmd_ctl_reindex(
    ctx: &CommandContext,
    args: &CtlReindexArgs,
) -> Result<ExitStatus, CommandError> {
    let home = ctx.home()?;
    let report = reindex(&home, args.project.as_deref(), args.dry_run)?;
    for (path, warning) in &report.index.warnings {
        ctx.ui.warn(&format!("{}: {warning}", path.display()));
    }
    for (path, why) in &report.unreadable {
        ctx.ui.warn(&format!(
            "{}: skipped, cannot be read: {why}",
            path.display()
        ));
    }
    for root in report.roots.iter().filter(|r| !r.exists) {
        ctx.ui.warn(&format!(
            "project {}: root {} no longer exists (its runs keep their index rows)",
            root.project_id,
            root.root.display()
        ));
    }
    if args.json {
        print_json(&ctx.ui, &report_json(&report, args.dry_run))?;
    } else {
        ctx.ui.data(&report_text(&report, args.dry_run));
    }
    Ok(ExitStatus::Success)
}

fn count(rows: &[IndexRow], event: IndexEvent) -> usize {
    rows.iter().filter(|r| r.event == event).count()
}

fn report_json(report: &ReindexReport, dry_run: bool) -> serde_json::Value {
    json!({
        "dryRun": dry_run,
        "roots": report.roots.iter().map(|r| json!({
            "projectId": r.project_id,
            "root": r.root.display().to_string(),
            "exists": r.exists,
            "manifests": r.manifests,
        })).collect::<Vec<_>>(),
        "missingRoots": report.roots.iter().filter(|r| !r.exists)
            .map(|r| json!({"projectId": r.project_id, "root": r.root.display().to_string()}))
            .collect::<Vec<_>>(),
        "unreadable": report.unreadable.iter()
            .map(|(p, why)| json!({"path": p.display().to_string(), "error": why}))
            .collect::<Vec<_>>(),
        "added": {
            "started": count(&report.added, IndexEvent::Started),
            "done": count(&report.added, IndexEvent::Done),
        },
        "rows": report.added,
    })
}

fn report_text(report: &ReindexReport, dry_run: bool) -> String {
    let rows: Vec<Vec<String>> = report
        .roots
        .iter()
        .map(|r| {
            vec![
                r.project_id.clone(),
                r.root.display().to_string(),
                if r.exists {
                    r.manifests.to_string()
                } else {
                    "-".to_owned()
                },
                if r.exists { "ok" } else { "missing" }.to_owned(),
            ]
        })
        .collect();
    let mut out = if rows.is_empty() {
        "no projects registered\n".to_owned()
    } else {
        render_table(&["PROJECT", "ROOT", "MANIFESTS", "ROOT STATE"], &rows)
    };
    let manifests: usize = report.roots.iter().map(|r| r.manifests).sum();
    let verb = if dry_run { "would add" } else { "added" };
    out.push_str(&format!(
        "{manifests} manifests read; {verb} {} rows ({} started, {} done)\n",
        report.added.len(),
        count(&report.added, IndexEvent::Started),
        count(&report.added, IndexEvent::Done),
    ));
    out
}
