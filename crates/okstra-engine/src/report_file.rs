//! Owns report files (SPEC §7.1): the one writer of a report — its data validated against the
//! committed schema, `final-report-<task-type>-<seq>.data.json` written, and the markdown and
//! HTML siblings rendered from exactly those bytes with their `dataSha256` (the page also
//! draws the run's team state, when it can be read, as its worker timeline) — used by runs,
//! and the re-render of an existing data.json that `okstra render` does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use okstra_core::document::{parse_json_bytes, typed};
use okstra_core::final_verification::FinalVerificationRecord;
use okstra_core::plan::model::Stage as PlanStage;
use okstra_core::report::html::{HtmlInput, render_html};
use okstra_core::report::{ReportData, render_markdown, sha256_hex, validate_report_value};
use okstra_core::run_paths::{ProjectPaths, RunPaths, TaskPaths};
use okstra_core::team_state::TeamState;
use okstra_core::{RunSeq, Segment, Stage, TaskType};

use crate::errors::{PathError, ReportError};
use crate::final_verification::parse_record;
use crate::fs_atomic::{write_bytes, write_text};
use crate::ledger::planning_manifests;
use crate::runs::load_manifest;

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

/// Renders the markdown and the page of `data` (whose file holds `bytes`) and writes them
/// beside the data. Returns the markdown's path.
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
    write_text(&html_path(data_path)?, &render_page(data_path, bytes, data))?;
    Ok(md_path)
}

/// Returns the page of the report whose data.json at `data_path` holds `bytes` (`data`): the
/// data, plus what okstra recorded beside it when it can be read — the run's team state (the
/// worker timeline) and, for a final verification or a hand-off, the verification record and
/// the verified plan's Stage Map, each stage it merged `done`. What the run validator compares
/// a page with.
pub(crate) fn render_page(data_path: &Path, bytes: &[u8], data: &ReportData) -> String {
    let run = report_run(data_path, data);
    let team = run.as_ref().and_then(|(_, paths)| {
        let text = fs_err::read_to_string(paths.team_state()).ok()?;
        TeamState::parse(&text).ok()
    });
    let verification = run
        .as_ref()
        .and_then(|(task, _)| verification_of(task, data));
    let map = run
        .as_ref()
        .zip(verification.as_ref())
        .and_then(|((task, _), record)| stage_map_of(task, record));
    render_html(&HtmlInput {
        data,
        data_sha256: &sha256_hex(bytes),
        team: team.as_ref(),
        verification: verification.as_ref(),
        stage_map: map
            .as_ref()
            .map(|(stages, states)| (stages.as_slice(), states)),
    })
}

/// Returns the task and run a report belongs to, read back from where its data.json lies —
/// `<root>/.okstra/tasks/<g>/<id>/runs/<type>[/stage-<N>]/reports/` — when the paths okstra
/// would give that run lead back to the same file; `None` for a data.json kept elsewhere.
fn report_run(data_path: &Path, data: &ReportData) -> Option<(TaskPaths, RunPaths)> {
    let data_path = fs_err::canonicalize(data_path).ok()?;
    let fm = &data.frontmatter;
    let mut type_dir = data_path.parent()?.parent()?;
    if fm.task_type.is_stage_scoped() && fm.stage.is_some() {
        type_dir = type_dir.parent()?;
    }
    let task_root = type_dir.parent()?.parent()?;
    let segment = |dir: &Path| Segment::from_slug(dir.file_name()?.to_str()?).ok();
    let (id, group) = (segment(task_root)?, segment(task_root.parent()?)?);
    let root = task_root.ancestors().nth(4)?;
    let task = ProjectPaths::new(root).task(&group, &id);
    let stage = fm.stage.and_then(|s| Stage::new(s).ok());
    let run = task.run(fm.task_type, RunSeq::new(fm.run_seq).ok()?, stage);
    (run.report_data() == data_path).then_some((task, run))
}

/// Returns the final-verification record a report shows: its own, or for a hand-off the one
/// it rests on (`state/final-verification-<seq>.json` of that run).
fn verification_of(task: &TaskPaths, data: &ReportData) -> Option<FinalVerificationRecord> {
    if let Some(record) = &data.final_verification {
        return Some(record.clone());
    }
    let handoff = data.handoff.as_ref()?;
    let seq = RunSeq::new(handoff.final_verification_seq).ok()?;
    let path = task
        .run(TaskType::FinalVerification, seq, None)
        .final_verification_record();
    parse_record(&fs_err::read_to_string(path).ok()?).ok()
}

/// Returns the Stage Map of the plan `record` verified, each stage it merged `done` (a final
/// verification runs only once every stage is done, so at the time of its report all are).
fn stage_map_of(
    task: &TaskPaths,
    record: &FinalVerificationRecord,
) -> Option<(Vec<PlanStage>, BTreeMap<u32, String>)> {
    let plan = planning_manifests(task)
        .ok()?
        .iter()
        .filter_map(|path| load_manifest(path).ok())
        .find(|m| m.run_id.to_string() == record.plan_run_id)?;
    let (_, plan) = read_report(&plan.paths().report_data()).ok()?;
    let states = record
        .stages
        .iter()
        .map(|m| (m.stage, "done".to_owned()))
        .collect();
    Some((plan.narrative.plan?.stages, states))
}
