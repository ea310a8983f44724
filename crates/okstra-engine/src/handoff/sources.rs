//! Owns reading what a PR body is made from: the carry sidecars of the task's stages, the
//! converged findings of the final verification's report, the token totals of every run of
//! the task (its timeline, each run's team state), and the project's PR template
//! (`prTemplate`, else `.github/pull_request_template.md`, else the built-in one).

use std::path::Path;

use okstra_core::Stage;
use okstra_core::carry::is_carry_file_name;
use okstra_core::carry::probe::stage_in_file_name;
use okstra_core::handoff::{HandoffStage, stage_of_carry};
use okstra_core::ids::RunSeq;
use okstra_core::report::{ReportData, ReportFinding};
use okstra_core::run_paths::{RunPaths, TaskPaths};
use okstra_core::team_state::TeamState;
use okstra_core::timeline::Timeline;
use okstra_core::tokens::TokenUsage;

use super::error::HandoffError;
use crate::errors::PathError;
use crate::fs_atomic::read_optional;

/// Where GitHub looks for a PR template, in the order okstra tries them.
const TEMPLATE_PATHS: &[&str] = &[
    ".github/pull_request_template.md",
    ".github/PULL_REQUEST_TEMPLATE.md",
];

/// Returns the stages the task's carry sidecars record, in stage order (unreadable ones are
/// skipped: the final verification already judged them).
pub(crate) fn read_stages(task: &TaskPaths) -> Result<Vec<HandoffStage>, PathError> {
    let dir = task.carry_dir();
    let entries = match fs_err::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(PathError::at(&dir)(e)),
    };
    // Only the carry files okstra reads (`stage-*.json`, never a superseded plan's folder nor
    // the probe cache), in name order, so that two files of one stage resolve the same way
    // every time.
    let mut found: Vec<(u32, String, HandoffStage)> = Vec::new();
    for entry in entries {
        let path = entry.map_err(PathError::at(&dir))?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !is_carry_file_name(&name) || !path.is_file() {
            continue;
        }
        let Some(file_stage) = stage_in_file_name(&name).and_then(|n| u32::try_from(n).ok()) else {
            continue;
        };
        if let Some(text) = read_optional(&path)?
            && let Some(stage) = stage_of_carry(&text, Some(file_stage))
        {
            found.push((stage.stage, name, stage));
        }
    }
    found.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    found.dedup_by_key(|(n, _, _)| *n);
    Ok(found.into_iter().map(|(_, _, stage)| stage).collect())
}

/// Returns the converged findings of the final verification's report, or `None` when it has
/// no readable report.
pub(crate) fn read_findings(fv: &RunPaths) -> Option<Vec<ReportFinding>> {
    let text = read_optional(&fv.report_data()).ok()??;
    let data: ReportData = serde_json::from_str(&text).ok()?;
    Some(data.findings)
}

/// Returns the tokens of every finished run of the task, labelled `<task-type> <seq>` (with
/// its stage), in timeline order.
pub(crate) fn read_tokens(task: &TaskPaths) -> Vec<(String, TokenUsage)> {
    let Ok(Some(text)) = read_optional(&task.timeline()) else {
        return Vec::new();
    };
    let Ok(timeline) = Timeline::parse(&text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in &timeline.entries {
        let (Ok(seq), stage) = (
            RunSeq::new(entry.run_seq),
            entry.stage.and_then(|s| Stage::new(s).ok()),
        ) else {
            continue;
        };
        let paths = task.run(entry.task_type, seq, stage);
        let Ok(Some(text)) = read_optional(&paths.team_state()) else {
            continue;
        };
        let Ok(team) = TeamState::parse(&text) else {
            continue;
        };
        let label = match entry.stage {
            Some(stage) => format!("{} stage {stage} #{}", entry.task_type, entry.run_seq),
            None => format!("{} #{}", entry.task_type, entry.run_seq),
        };
        out.push((label, team.total_tokens()));
    }
    out
}

/// Returns the PR template's source (`prTemplate <path>`, `<path>` or `built-in`) and text
/// (empty for the built-in one). A `prTemplate` that cannot be read is the user's to fix.
pub(crate) fn read_template(
    root: &Path,
    pr_template: Option<&str>,
    project_json: &Path,
) -> Result<(String, String), HandoffError> {
    if let Some(rel) = pr_template {
        let path = root.join(rel);
        return match fs_err::read_to_string(&path) {
            Ok(text) => Ok((format!("prTemplate {rel}"), text)),
            Err(e) => Err(HandoffError::Template {
                path,
                project_json: project_json.to_path_buf(),
                source: e,
            }),
        };
    }
    for rel in TEMPLATE_PATHS {
        if let Ok(Some(text)) = read_optional(&root.join(rel)) {
            return Ok(((*rel).to_owned(), text));
        }
    }
    Ok(("built-in".to_owned(), String::new()))
}
