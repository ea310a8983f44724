//! Owns the central run index row (`$OKSTRA_HOME/index/runs.jsonl`, SPEC §2) with the original
//! field names and its fast line decoder; the fold into one view per run is `index_fold`'s.
//!
//! Appending, rotating and reading the files is the engine's job (`home`).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::errors::JsonlLineError;
use crate::ids::RunId;
use crate::jsonl::{Decoded, JsonlWarning, decode_jsonl};
use crate::manifest::RunManifest;
use crate::status::RunStatus;
use crate::task_type::TaskType;
use crate::version::{CURRENT_MAJOR, check_row_version};

/// The row kind of the index, for version errors.
pub const INDEX_KIND: &str = "index";

/// What an index row records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IndexEvent {
    Started,
    Done,
}

/// One row of `index/runs.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexRow {
    #[serde(default)]
    pub v: Option<u32>,
    pub event: IndexEvent,
    pub run_id: RunId,
    pub project_id: String,
    pub task_group: String,
    pub task_id: String,
    pub task_type: TaskType,
    pub run_seq: u32,
    #[serde(default)]
    pub stage: Option<u32>,
    pub status: RunStatus,
    pub at: Timestamp,
    /// The absolute path of the run manifest.
    pub manifest: String,
}

impl IndexRow {
    /// Returns the row recording `event` for the run a manifest describes, as it stands.
    pub fn of(manifest: &RunManifest, event: IndexEvent) -> Self {
        Self {
            v: Some(CURRENT_MAJOR),
            event,
            run_id: manifest.run_id,
            project_id: manifest.project_id.to_string(),
            task_group: manifest.task_group.raw().to_owned(),
            task_id: manifest.task_id.raw().to_owned(),
            task_type: manifest.task_type,
            run_seq: manifest.run_seq.get(),
            stage: manifest.stage.map(crate::ids::Stage::get),
            status: manifest.status,
            at: manifest.updated_at,
            manifest: manifest.paths().manifest().display().to_string(),
        }
    }
}

/// The latest state of one run, folded from its index rows.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexedRun {
    pub run_id: RunId,
    pub project_id: String,
    pub task_group: String,
    pub task_id: String,
    pub task_type: TaskType,
    pub run_seq: u32,
    pub stage: Option<u32>,
    pub status: RunStatus,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub manifest: String,
}

/// Decodes an index text as `jsonl::decode_jsonl` does (blank lines ignored, undecodable ones
/// warnings, a newer row version an error), but fast: each line is decoded straight into an
/// [`IndexRow`] (the generic path, through a JSON value, runs only for a line that fails), and
/// a line `keep_line` refuses is skipped undecoded (`RunFilter::may_keep_line`).
pub fn decode_index(
    text: &str,
    keep_line: impl Fn(&str) -> bool,
) -> Result<Decoded<IndexRow>, JsonlLineError> {
    let mut rows = Vec::new();
    let mut warnings = Vec::new();
    let ends_with_newline = text.ends_with('\n');
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, raw)) = lines.next() {
        let line = i + 1;
        let last = lines.peek().is_none();
        if raw.trim().is_empty() || !keep_line(raw) {
            continue;
        }
        if let Ok(row) = serde_json::from_str::<IndexRow>(raw) {
            check_row_version(INDEX_KIND, row.v).map_err(|e| JsonlLineError {
                line,
                message: e.to_string(),
            })?;
            rows.push((line, row));
            continue;
        }
        // The generic path says why the line does not decode, or that its version is newer.
        let torn = last && !ends_with_newline;
        let whole = format!("{raw}\n");
        let decoded = decode_jsonl::<IndexRow>(INDEX_KIND, &whole).map_err(|e| JsonlLineError {
            line,
            message: e.message,
        })?;
        rows.extend(decoded.rows.into_iter().map(|(_, r)| (line, r)));
        warnings.extend(decoded.warnings.into_iter().map(|w| match w {
            JsonlWarning::TornLastLine { .. } | JsonlWarning::Corrupt { .. } if torn => {
                JsonlWarning::TornLastLine { line }
            }
            // Given a whole line, the generic decoder reports no torn line.
            JsonlWarning::TornLastLine { .. } => JsonlWarning::Corrupt {
                line,
                message: "not a complete row".to_owned(),
            },
            JsonlWarning::Corrupt { message, .. } => JsonlWarning::Corrupt { line, message },
        }));
    }
    Ok(Decoded { rows, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jsonl::{decode_jsonl, encode_line};

    fn row(id: &str, event: IndexEvent, status: RunStatus, at: &str) -> IndexRow {
        IndexRow {
            v: Some(1),
            event,
            run_id: id.parse().unwrap(),
            project_id: "shop".into(),
            task_group: "payments".into(),
            task_id: "dev-1".into(),
            task_type: TaskType::ErrorAnalysis,
            run_seq: 1,
            stage: None,
            status,
            at: at.parse().unwrap(),
            manifest: "/p/m.json".into(),
        }
    }

    #[test]
    fn row_uses_original_field_names() {
        let r = row(
            "01JABCDEFGHJKMNPQRSTVWXYZ0",
            IndexEvent::Started,
            RunStatus::Running,
            "2026-11-21T10:00:00Z",
        );
        let line = encode_line(&r).unwrap();
        assert_eq!(
            line,
            "{\"v\":1,\"event\":\"started\",\"runId\":\"01JABCDEFGHJKMNPQRSTVWXYZ0\",\"projectId\":\"shop\",\"taskGroup\":\"payments\",\"taskId\":\"dev-1\",\"taskType\":\"error-analysis\",\"runSeq\":1,\"stage\":null,\"status\":\"running\",\"at\":\"2026-11-21T10:00:00Z\",\"manifest\":\"/p/m.json\"}\n"
        );
        let d = decode_jsonl::<IndexRow>(INDEX_KIND, &line).unwrap();
        assert_eq!(d.rows[0].1, r);
    }

    #[test]
    fn the_fast_decode_reads_as_the_generic_one() {
        let good = encode_line(&row(
            "01JABCDEFGHJKMNPQRSTVWXYZ0",
            IndexEvent::Started,
            RunStatus::Running,
            "2026-11-21T10:00:00Z",
        ))
        .unwrap();
        let text = format!("{good}\n{{\"v\":1,\"event\":\"bogus\"}}\n{good}{{\"v\":1,\"ev");
        let fast = decode_index(&text, |_| true).unwrap();
        let slow = decode_jsonl::<IndexRow>(INDEX_KIND, &text).unwrap();
        assert_eq!(fast.rows, slow.rows);
        assert_eq!(fast.warnings.len(), 2);
        assert!(matches!(
            fast.warnings[0],
            JsonlWarning::Corrupt { line: 3, .. }
        ));
        assert_eq!(fast.warnings[1], JsonlWarning::TornLastLine { line: 5 });
        assert_eq!(decode_index(&text, |_| false).unwrap().rows, vec![]);
        let newer = good.replace("\"v\":1", "\"v\":2");
        assert_eq!(decode_index(&newer, |_| true).unwrap_err().line, 1);
    }
}
