//! Owns the run manifest model (`manifests/run-manifest-<task-type>-<seq>.json`): identity, task
//! type, seq, stage, worktree, workers and models, checkpoints, events, status and timestamps.
//!
//! The manifest is written only by the run's one writer (the engine's dispatcher or preparer)
//! through `fs_atomic`; here are the shape and its pure updates.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::errors::DocumentError;
use crate::events::{Checkpoint, ManifestEvent};
use crate::ids::{RunId, RunSeq, Stage};
use crate::segment::Segment;
use crate::status::{RunStatus, WorktreeStatus};
use crate::task_type::TaskType;
use crate::version::{check_schema_version, schema_version};

/// The `schemaVersion` kind of a run manifest.
pub const MANIFEST_KIND: &str = "run-manifest";

/// Where the run's workers work (SPEC §8 first bullet).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorktreeInfo {
    pub status: WorktreeStatus,
    /// The task worktree (absolute), when there is one.
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub branch: Option<String>,
    #[serde(default)]
    pub base_ref: Option<String>,
    #[serde(default)]
    pub anchor_base_commit: Option<String>,
    /// The folder workers run in (absolute): the worktree, its subfolder matching the project
    /// root in a monorepo, or the project root when provisioning was skipped.
    pub workdir: String,
}

/// A worker of the run as planned at preparation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestWorker {
    pub worker: String,
    pub kind: String,
    pub role: String,
    #[serde(default)]
    pub model: Option<String>,
}

/// The resolved settings a run was started with, so `okstra resume` continues it with the same
/// team, models and limits.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunRecipe {
    /// The analysers' agent names.
    pub analysers: Vec<String>,
    #[serde(default)]
    pub critic: Option<String>,
    #[serde(default)]
    pub report_writer: Option<String>,
    /// Every model key (agent or role) → model.
    #[serde(default)]
    pub models: std::collections::BTreeMap<String, String>,
    pub deadline_ms: u64,
    pub stall_window_ms: u64,
    pub kill_grace_ms: u64,
    pub retry_limit: u32,
    pub max_rounds: u32,
    #[serde(default)]
    pub max_tokens: Option<u64>,
    #[serde(default)]
    pub max_cost_usd: Option<f64>,
    pub language: crate::config::Language,
}

/// A checkpoint the run has passed, with when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckpointRecord {
    pub checkpoint: Checkpoint,
    pub at: Timestamp,
}

/// The run manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunManifest {
    #[serde(default)]
    pub schema_version: Option<String>,
    pub run_id: RunId,
    pub project_id: String,
    /// The project root (absolute).
    pub project_root: String,
    /// `<projectId>:<taskGroup>:<taskId>` with the first spellings.
    pub task_key: String,
    pub task_group: String,
    pub task_id: String,
    pub task_group_segment: Segment,
    pub task_id_segment: Segment,
    pub task_type: TaskType,
    pub run_seq: RunSeq,
    #[serde(default)]
    pub stage: Option<Stage>,
    pub status: RunStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(default)]
    pub finished_at: Option<Timestamp>,
    /// The run directory, relative to the project root.
    pub run_dir: String,
    /// The brief, relative to the project root.
    #[serde(default)]
    pub brief: Option<String>,
    pub worktree: WorktreeInfo,
    #[serde(default)]
    pub workers: Vec<ManifestWorker>,
    #[serde(default)]
    pub checkpoints: Vec<CheckpointRecord>,
    #[serde(default)]
    pub events: Vec<ManifestEvent>,
    /// The okstra version that prepared the run.
    pub okstra_version: String,
    /// The pid of the okstra process driving the run, while it runs.
    #[serde(default)]
    pub pid: Option<u32>,
    /// Whether any worker of the run answered from a replay fixture.
    #[serde(default)]
    pub replay: bool,
    /// The settings the run was started with.
    #[serde(default)]
    pub recipe: Option<RunRecipe>,
}

impl RunManifest {
    /// Returns the version mark okstra writes.
    pub fn current_schema_version() -> String {
        schema_version(MANIFEST_KIND)
    }

    /// Parses a manifest text, refusing a newer major version.
    pub fn parse(text: &str) -> Result<Self, DocumentError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| DocumentError::from_json(&e))?;
        check_schema_version(
            MANIFEST_KIND,
            value.get("schemaVersion").and_then(|v| v.as_str()),
        )?;
        serde_json::from_value(value).map_err(|e| DocumentError::Field {
            field: "(manifest)".to_owned(),
            message: e.to_string(),
        })
    }

    /// Records that the run passed `checkpoint` (once; a resumed run does not duplicate it).
    pub fn pass_checkpoint(&mut self, checkpoint: Checkpoint, at: Timestamp) {
        if !self.checkpoints.iter().any(|c| c.checkpoint == checkpoint) {
            self.checkpoints.push(CheckpointRecord { checkpoint, at });
        }
        self.updated_at = at;
    }

    /// Returns whether the run has passed `checkpoint`.
    pub fn passed(&self, checkpoint: Checkpoint) -> bool {
        self.checkpoints.iter().any(|c| c.checkpoint == checkpoint)
    }

    /// Appends an event.
    pub fn push_event(&mut self, event: ManifestEvent) {
        self.updated_at = event.at;
        self.events.push(event);
    }
}
