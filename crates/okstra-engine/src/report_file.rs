//! Owns report files (SPEC §7.1): the one writer of a report — its data validated against the
//! committed schema, `final-report-<task-type>-<seq>.data.json` written, and the markdown
//! sibling rendered from exactly those bytes with their `dataSha256` — used by runs, and the
//! re-render of an existing data.json that `okstra render` does.

use std::path::{Path, PathBuf};

use okstra_core::document::{parse_json_bytes, typed};
use okstra_core::report::{ReportData, render_markdown, sha256_hex, validate_report_value};

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
    let name = data_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name
        .strip_suffix(".data.json")
        .ok_or_else(|| ReportError::NotData {
            path: data_path.to_path_buf(),
        })?;
    Ok(data_path.with_file_name(format!("{stem}.md")))
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
    Ok(md_path)
}
