//! Owns report files (SPEC §7.1): the one writer of a report — its data validated against the
//! committed schema, `final-report-<task-type>-<seq>.data.json` written, and the markdown and
//! HTML siblings rendered from exactly those bytes with their `dataSha256` (the page also
//! draws the run's team state, when it can be read, as its worker timeline) — used by runs,
//! and the re-render of an existing data.json that `okstra render` does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use okstra_core::TaskType;
use okstra_core::document::{parse_json_bytes, typed};
use okstra_core::plan::model::Stage;
use okstra_core::report::html::{HtmlInput, render_html};
use okstra_core::report::{ReportData, render_markdown, sha256_hex, validate_report_value};
use okstra_core::team_state::TeamState;

use crate::errors::{PathError, ReportError};
use crate::fs_atomic::{write_bytes, write_text};

/// Writes a report: its data, then its markdown. Returns the markdown's path.
pub(crate) fn write_report(data_path: &Path, data: &ReportData) -> Result<PathBuf, ReportError> {
    let value = serde_json::to_value(data).map_err(|source| ReportError::Json {
        path: data_path.to_path_buf(),
        source,
    })?;
    check_schema(data_path, &value)?;
    // From the struct, not the value: the file keeps the fields in their declared order.
    let mut bytes = serde_json::to_vec_pretty(data).map_err(|source| ReportError::Json {
        path: data_path.to_path_buf(),
        source,
    })?;
    bytes.push(b'\n');
    write_bytes(data_path, &bytes)?;
    write_markdown(data_path, &bytes, data)
}

/// Re-renders the markdown sibling of an existing report data file from its bytes, which must
/// match the schema. Returns the markdown's path.
pub fn render_report(data_path: &Path) -> Result<PathBuf, ReportError> {
    let (bytes, data) = read_report(data_path)?;
    write_markdown(data_path, &bytes, &data)
}

/// Reads an existing report data file: its bytes and its data, which must be named
/// `….data.json`, match the schema and have a version okstra reads.
pub(crate) fn read_report(data_path: &Path) -> Result<(Vec<u8>, ReportData), ReportError> {
    markdown_path(data_path)?;
    let bytes = fs_err::read(data_path).map_err(|e| PathError::at(data_path)(e))?;
    let invalid = |source| ReportError::Invalid {
        path: data_path.to_path_buf(),
        source,
    };
    let value = parse_json_bytes(&bytes).map_err(invalid)?;
    check_schema(data_path, &value)?;
    let data: ReportData = typed(value).map_err(invalid)?;
    data.check_version()
        .map_err(|source| ReportError::Version {
            path: data_path.to_path_buf(),
            source,
        })?;
    Ok((bytes, data))
}

fn check_schema(data_path: &Path, value: &serde_json::Value) -> Result<(), ReportError> {
    validate_report_value(value).map_err(|violations| ReportError::Schema {
        path: data_path.to_path_buf(),
        violations,
    })
}

/// Returns `final-report-…md` beside `final-report-….data.json`.
fn markdown_path(data_path: &Path) -> Result<PathBuf, ReportError> {
    sibling(data_path, "md")
}

/// Returns `final-report-…html` beside `final-report-….data.json`.
pub fn html_path(data_path: &Path) -> Result<PathBuf, ReportError> {
    sibling(data_path, "html")
}

fn sibling(data_path: &Path, extension: &str) -> Result<PathBuf, ReportError> {
    let name = data_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name
        .strip_suffix(".data.json")
        .ok_or_else(|| ReportError::NotData {
            path: data_path.to_path_buf(),
        })?;
    Ok(data_path.with_file_name(format!("{stem}.{extension}")))
}

/// Renders the markdown of `data` (whose file holds `bytes`) and writes it beside the data.
fn write_markdown(
    data_path: &Path,
    bytes: &[u8],
    data: &ReportData,
) -> Result<PathBuf, ReportError> {
    let md_path = markdown_path(data_path)?;
    let markdown =
        render_markdown(data, &sha256_hex(bytes)).map_err(|source| ReportError::Render {
            path: data_path.to_path_buf(),
            source,
        })?;
    write_text(&md_path, &markdown)?;
    let team = team_state_of(data_path, data);
    let map = stage_map_of(data_path, data);
    let html = render_html(&HtmlInput {
        data,
        data_sha256: &sha256_hex(bytes),
        team: team.as_ref(),
        stage_map: map
            .as_ref()
            .map(|(stages, states)| (stages.as_slice(), states)),
    });
    write_text(&html_path(data_path)?, &html)?;
    Ok(md_path)
}

/// Returns the team state of the run a report belongs to — `state/team-state-<seq>.json` of
/// the run folder holding `reports/` — when it can be read (the page then has a timeline).
fn team_state_of(data_path: &Path, data: &ReportData) -> Option<TeamState> {
    let run_dir = data_path.parent()?.parent()?;
    let path = run_dir
        .join("state")
        .join(format!("team-state-{}.json", data.frontmatter.run_seq));
    let text = fs_err::read_to_string(path).ok()?;
    TeamState::parse(&text).ok()
}

/// For a final verification or a hand-off, the Stage Map of the plan it verified, each stage
/// it merged `done` — read from the planning run's report (and, for a hand-off, the final
/// verification's) beside this one, when they can be read.
fn stage_map_of(
    data_path: &Path,
    data: &ReportData,
) -> Option<(Vec<Stage>, BTreeMap<u32, String>)> {
    let runs = data_path.parent()?.parent()?.parent()?;
    let reports = |t: TaskType| runs.join(t.as_str()).join("reports");
    let record = match data.frontmatter.task_type {
        TaskType::FinalVerification => data.final_verification.clone()?,
        TaskType::ReleaseHandoff => {
            let h = data.handoff.as_ref()?;
            let name = format!(
                "final-report-final-verification-{}.data.json",
                h.final_verification_seq
            );
            read_report(&reports(TaskType::FinalVerification).join(name))
                .ok()?
                .1
                .final_verification?
        }
        _ => return None,
    };
    let plan = fs_err::read_dir(reports(TaskType::ImplementationPlanning))
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".data.json"))
        .filter_map(|p| read_report(&p).ok())
        .map(|(_, d)| d)
        .find(|d| d.frontmatter.run_id == record.plan_run_id)?;
    let stages = plan.narrative.plan?.stages;
    let states = record
        .stages
        .iter()
        .map(|m| (m.stage, "done".to_owned()))
        .collect();
    Some((stages, states))
}
