//! Owns `history/timeline.json`: every run of a task, in order, upserted by run id so a resumed
//! or re-persisted run never appears twice.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::document::parse_versioned;
use crate::errors::DocumentError;
use crate::ids::{RunId, Stage};
use crate::manifest::RunManifest;
use crate::run_paths::relative_to;
use crate::status::RunStatus;
use crate::task_type::TaskType;
use crate::version::schema_version;

/// The `schemaVersion` kind of a timeline.
pub const TIMELINE_KIND: &str = "timeline";

/// One run in a task's timeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    pub run_id: RunId,
    pub task_type: TaskType,
    pub run_seq: u32,
    #[serde(default)]
    pub stage: Option<u32>,
    pub status: RunStatus,
    pub started_at: Timestamp,
    #[serde(default)]
    pub finished_at: Option<Timestamp>,
    /// The manifest, relative to the project root.
    pub manifest: String,
}

impl TimelineEntry {
    /// Returns the entry of the run a manifest describes, as it stands.
    pub fn of(manifest: &RunManifest) -> Self {
        Self {
            run_id: manifest.run_id,
            task_type: manifest.task_type,
            run_seq: manifest.run_seq.get(),
            stage: manifest.stage.map(Stage::get),
            status: manifest.status,
            started_at: manifest.created_at,
            finished_at: manifest.finished_at,
            manifest: relative_to(
                &manifest.paths().manifest(),
                std::path::Path::new(&manifest.project_root),
            )
            .display()
            .to_string(),
        }
    }
}

/// A task's timeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Timeline {
    #[serde(default)]
    pub schema_version: Option<String>,
    /// The task key with its first spellings.
    #[serde(default)]
    pub task_key: Option<String>,
    #[serde(default)]
    pub task_group: Option<String>,
    #[serde(default)]
    pub task_id: Option<String>,
    #[serde(default)]
    pub entries: Vec<TimelineEntry>,
}

impl Timeline {
    /// Returns an empty timeline for a task.
    pub fn new(task_key: String, task_group: String, task_id: String) -> Self {
        Self {
            schema_version: Some(schema_version(TIMELINE_KIND)),
            task_key: Some(task_key),
            task_group: Some(task_group),
            task_id: Some(task_id),
            entries: Vec::new(),
        }
    }

    /// Parses a timeline text.
    pub fn parse(text: &str) -> Result<Self, DocumentError> {
        parse_versioned(text, TIMELINE_KIND)
    }

    /// Inserts the entry, or replaces the one with the same run id (keeping its place and its
    /// start time).
    pub fn upsert(&mut self, entry: TimelineEntry) {
        self.schema_version = Some(schema_version(TIMELINE_KIND));
        if let Some(existing) = self.entries.iter_mut().find(|e| e.run_id == entry.run_id) {
            let started_at = existing.started_at;
            *existing = entry;
            existing.started_at = started_at;
        } else {
            self.entries.push(entry);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, status: RunStatus) -> TimelineEntry {
        TimelineEntry {
            run_id: id.parse().unwrap(),
            task_type: TaskType::ErrorAnalysis,
            run_seq: 1,
            stage: None,
            status,
            started_at: "2026-11-21T10:00:00Z".parse().unwrap(),
            finished_at: None,
            manifest: "m.json".into(),
        }
    }

    #[test]
    fn upsert_never_duplicates() {
        let mut t = Timeline::new("p:g:i".into(), "g".into(), "i".into());
        t.upsert(entry("01JABCDEFGHJKMNPQRSTVWXYZ0", RunStatus::Running));
        t.upsert(entry("01JABCDEFGHJKMNPQRSTVWXYZ1", RunStatus::Running));
        let mut done = entry("01JABCDEFGHJKMNPQRSTVWXYZ0", RunStatus::Completed);
        done.started_at = "2026-11-21T11:00:00Z".parse().unwrap();
        t.upsert(done);
        assert_eq!(t.entries.len(), 2);
        assert_eq!(t.entries[0].status, RunStatus::Completed);
        assert_eq!(t.entries[0].started_at.to_string(), "2026-11-21T10:00:00Z");
        let text = serde_json::to_string(&t).unwrap();
        assert_eq!(Timeline::parse(&text).unwrap(), t);
    }
}
