//! Owns the fold behind `okstra ctl reindex` (SPEC §10): what a run manifest says its index rows
//! are, and which of them the central index lacks. Idempotent by construction: a run gets a
//! `started` row only when the index has none for it, and a `done` row only when the manifest
//! has ended with a status the index does not show yet — so a second reindex adds nothing.
//!
//! Reading the manifests and appending the rows is the engine's job; here are text and values.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::Deserialize;

use crate::document::{parse_json, strip_bom};
use crate::errors::DocumentError;
use crate::ids::RunId;
use crate::index::{IndexEvent, IndexRow};
use crate::manifest::{MANIFEST_KIND, RunKind};
use crate::status::RunStatus;
use crate::task_type::TaskType;
use crate::version::{CURRENT_MAJOR, check_schema_version};

/// What the index needs of a run manifest, read without the rest of it (its events, workers
/// and recipe are skipped unparsed: a reindex reads thousands of manifests).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestFacts {
    #[serde(default)]
    pub schema_version: Option<String>,
    pub run_id: RunId,
    pub project_id: String,
    pub task_group: String,
    pub task_id: String,
    pub task_type: TaskType,
    pub run_seq: u32,
    #[serde(default)]
    pub stage: Option<u32>,
    pub status: RunStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(default)]
    pub finished_at: Option<Timestamp>,
    /// A detached run was prepared before a session resumed it.
    #[serde(default)]
    pub tmux_session: Option<String>,
    /// `imported` for a plan brought in by `okstra plan import` (started and done at once).
    #[serde(default)]
    kind: Option<RunKind>,
    #[serde(default)]
    events: Vec<FactEvent>,
}

/// The part of a manifest event the fold reads.
#[derive(Clone, Debug, PartialEq, Deserialize)]
struct FactEvent {
    checkpoint: String,
}

impl ManifestFacts {
    /// Parses the facts of a manifest's text, refusing a newer major version.
    pub fn parse(text: &str) -> Result<Self, DocumentError> {
        let text = strip_bom(text);
        if let Ok(facts) = serde_json::from_str::<Self>(text) {
            check_schema_version(MANIFEST_KIND, facts.schema_version.as_deref())?;
            return Ok(facts);
        }
        // The slow path names the field or the version that is wrong.
        let value = parse_json(text)?;
        check_schema_version(
            MANIFEST_KIND,
            value
                .get("schemaVersion")
                .and_then(serde_json::Value::as_str),
        )?;
        crate::document::typed(value)
    }

    /// Returns the status the run's `started` row had: an imported plan's own (it is written
    /// ended); `prepared` for a run that was prepared first (`--prepare-only`, `--detach`) —
    /// still prepared, started in a tmux session, or resumed before anything else happened —
    /// else `running`.
    fn started_status(&self) -> RunStatus {
        if self.kind == Some(RunKind::Imported) {
            return self.status;
        }
        let first_after_prepare = self
            .events
            .iter()
            .map(|e| e.checkpoint.as_str())
            .find(|c| *c != "prepare" && *c != "prepared");
        if self.status == RunStatus::Prepared
            || self.tmux_session.is_some()
            || first_after_prepare == Some("resume")
        {
            RunStatus::Prepared
        } else {
            RunStatus::Running
        }
    }

    /// Returns the row of `event` for this run; `manifest` is the manifest's absolute path.
    fn row(&self, event: IndexEvent, status: RunStatus, at: Timestamp, manifest: &str) -> IndexRow {
        IndexRow {
            v: Some(CURRENT_MAJOR),
            event,
            run_id: self.run_id,
            project_id: self.project_id.clone(),
            task_group: self.task_group.clone(),
            task_id: self.task_id.clone(),
            task_type: self.task_type,
            run_seq: self.run_seq,
            stage: self.stage.filter(|_| self.task_type.is_stage_scoped()),
            status,
            at,
            manifest: manifest.to_owned(),
        }
    }
}

/// One manifest found on disk: its absolute path and its facts.
#[derive(Clone, Debug, PartialEq)]
pub struct FoundManifest {
    pub path: String,
    pub facts: ManifestFacts,
}

/// What the index already shows of one run.
#[derive(Clone, Copy, Debug, Default)]
struct Seen {
    started: bool,
    /// The status of its last `done` row.
    done: Option<RunStatus>,
}

/// Returns the rows the index lacks for `manifests`, in manifest order (started before done):
/// a `started` row for a run with none (at its creation, with the status it started with),
/// and a `done` row for an ended run whose last `done` row is missing or says otherwise (at
/// its end). Rows already present are never repeated.
pub fn missing_rows(existing: &[IndexRow], manifests: &[FoundManifest]) -> Vec<IndexRow> {
    let mut seen: HashMap<RunId, Seen> = HashMap::with_capacity(existing.len());
    for row in existing {
        let s = seen.entry(row.run_id).or_default();
        match row.event {
            IndexEvent::Started => s.started = true,
            IndexEvent::Done => s.done = Some(row.status),
        }
    }
    let mut out = Vec::new();
    for found in manifests {
        let f = &found.facts;
        let s = seen.entry(f.run_id).or_default();
        if !s.started {
            out.push(f.row(
                IndexEvent::Started,
                f.started_status(),
                f.created_at,
                &found.path,
            ));
            s.started = true;
        }
        if f.status.is_final() && s.done != Some(f.status) {
            let at = f.finished_at.unwrap_or(f.updated_at);
            out.push(f.row(IndexEvent::Done, f.status, at, &found.path));
            s.done = Some(f.status);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index_fold::fold_index;

    fn manifest(id: &str, status: &str, extra: &str) -> String {
        format!(
            r#"{{"schemaVersion":"run-manifest/v1","runId":"{id}","projectId":"shop",
            "projectRoot":"/p","taskGroup":"Pay","taskId":"dev-1","taskType":"implementation",
            "runSeq":2,"stage":3,"status":"{status}","createdAt":"2026-11-21T10:00:00Z",
            "updatedAt":"2026-11-21T10:09:00Z","workers":[{{"worker":"executor"}}],
            "events":[{{"at":"2026-11-21T10:00:00Z","checkpoint":"prepare","message":"m"}}]{extra}}}"#
        )
    }

    fn found(id: &str, status: &str, extra: &str) -> FoundManifest {
        FoundManifest {
            path: format!("/p/{id}.json"),
            facts: ManifestFacts::parse(&manifest(id, status, extra)).unwrap(),
        }
    }

    const A: &str = "01JABCDEFGHJKMNPQRSTVWXYZ0";
    const B: &str = "01JABCDEFGHJKMNPQRSTVWXYZ1";

    #[test]
    fn a_lost_index_is_rebuilt_and_a_second_pass_adds_nothing() {
        let manifests = vec![
            found(A, "completed", r#","finishedAt":"2026-11-21T10:08:00Z""#),
            found(B, "running", ""),
        ];
        let rows = missing_rows(&[], &manifests);
        let kinds: Vec<_> = rows.iter().map(|r| (r.run_id, r.event, r.status)).collect();
        assert_eq!(
            kinds,
            vec![
                (A.parse().unwrap(), IndexEvent::Started, RunStatus::Running),
                (A.parse().unwrap(), IndexEvent::Done, RunStatus::Completed),
                (B.parse().unwrap(), IndexEvent::Started, RunStatus::Running),
            ]
        );
        assert_eq!(rows[0].at.to_string(), "2026-11-21T10:00:00Z");
        assert_eq!(rows[1].at.to_string(), "2026-11-21T10:08:00Z");
        assert_eq!(rows[0].stage, Some(3));
        assert_eq!(rows[0].task_group, "Pay");
        assert_eq!(rows[0].manifest, format!("/p/{A}.json"));
        assert!(missing_rows(&rows, &manifests).is_empty());
        let runs = fold_index(rows);
        assert_eq!(runs[0].status, RunStatus::Completed);
        assert_eq!(runs[1].status, RunStatus::Running);
    }

    #[test]
    fn a_run_that_ended_after_its_last_row_gets_its_done_row_once() {
        let started = missing_rows(&[], &[found(A, "running", "")]);
        let ended = [found(A, "interrupted", "")];
        let rows = missing_rows(&started, &ended);
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].event, rows[0].status),
            (IndexEvent::Done, RunStatus::Interrupted)
        );
        // Ended without `finishedAt`: its last update is its end.
        assert_eq!(rows[0].at.to_string(), "2026-11-21T10:09:00Z");
        let all: Vec<_> = started.into_iter().chain(rows).collect();
        assert!(missing_rows(&all, &ended).is_empty());
        // Resumed and completed later: one more `done` row, with the new status.
        let later = missing_rows(&all, &[found(A, "completed", "")]);
        assert_eq!(later.len(), 1);
        assert_eq!(later[0].status, RunStatus::Completed);
    }

    #[test]
    fn a_prepared_run_started_as_prepared() {
        let rows = missing_rows(&[], &[found(A, "prepared", "")]);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].status, RunStatus::Prepared);
        let detached = found(A, "completed", r#","tmuxSession":"okstra-abc""#);
        assert_eq!(
            missing_rows(&[], &[detached])[0].status,
            RunStatus::Prepared
        );
        let imported = found(A, "completed", r#","kind":"imported""#);
        let rows = missing_rows(&[], &[imported]);
        assert_eq!(
            rows.iter().map(|r| (r.event, r.status)).collect::<Vec<_>>(),
            [
                (IndexEvent::Started, RunStatus::Completed),
                (IndexEvent::Done, RunStatus::Completed)
            ]
        );
    }

    #[test]
    fn facts_refuse_a_newer_major_and_name_a_bad_field() {
        let newer = manifest(A, "running", "").replace("run-manifest/v1", "run-manifest/v9");
        assert!(matches!(
            ManifestFacts::parse(&newer),
            Err(DocumentError::Version(_))
        ));
        let bad = manifest(A, "running", "").replace("\"runSeq\":2", "\"runSeq\":\"x\"");
        let err = ManifestFacts::parse(&bad).unwrap_err().to_string();
        assert!(err.contains("runSeq"), "{err}");
        // An original manifest (no version) is read.
        let old = manifest(A, "running", "").replace("\"schemaVersion\":\"run-manifest/v1\",", "");
        assert!(ManifestFacts::parse(&old).is_ok());
    }
}
