//! Owns the run manifest model (`manifests/run-manifest-<task-type>-<seq>.json`): identity, task
//! type, seq, stage, worktree, workers and models, checkpoints, events, status and timestamps.
//!
//! The manifest is written only by the run's one writer (the engine's `Run`, or the preparer)
//! through `fs_atomic`; here are the shape and its pure updates.
//!
//! One truth: the task key, the segments and the run directory are derived from the project
//! id, root, raw task names, task type, seq and stage. The file still carries them (earlier
//! okstra releases require them) as derived copies written on save and never read back.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::config::AdapterKind;
use crate::document::parse_versioned;
use crate::errors::DocumentError;
use crate::events::{Checkpoint, ManifestEvent};
use crate::ids::{RunId, RunSeq, Stage};
use crate::run_paths::{ProjectPaths, RunPaths, relative_to};
use crate::segment::{ProjectId, Segment, TaskKey, TaskName};
use crate::stage_record::StageRecord;
use crate::status::{RunStatus, WorktreeStatus};
use crate::task_type::TaskType;
use crate::version::schema_version;
use crate::worker_name::{Role, WorkerName};

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
    pub worker: WorkerName,
    pub kind: AdapterKind,
    pub role: Role,
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
    /// The executor's agent (implementation runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor: Option<String>,
    /// The verifier's agent (implementation runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verifier: Option<String>,
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
    /// The user's directive (`--directive`), given to every worker of the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directive: Option<String>,
    /// The related tasks (`--related`), as `<group>/<id>` with their first spellings; their
    /// latest reports join every prompt's context.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    /// What a release-handoff run was asked beyond the PR body (`--push`, `--open-pr`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handoff: Option<HandoffRecipe>,
}

/// What a release-handoff run was asked beyond the PR body, as its recipe records it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandoffRecipe {
    /// `--push`.
    pub push: bool,
    /// `--remote`.
    pub remote: String,
    /// `--open-pr`.
    pub open_pr: bool,
    /// `--draft`.
    pub draft: bool,
}

/// How a run came to be, when not by okstra driving its workers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunKind {
    /// A plan written elsewhere brought into the task by `okstra plan import`: no worker ran,
    /// and its report is the imported markdown (no data.json).
    Imported,
}

impl RunKind {
    /// Returns the spelling in manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::Imported => "imported",
        }
    }
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
#[serde(try_from = "ManifestFile", into = "ManifestFile")]
pub struct RunManifest {
    pub schema_version: Option<String>,
    pub run_id: RunId,
    pub project_id: ProjectId,
    /// The project root (absolute).
    pub project_root: String,
    /// The task group with its first spelling.
    pub task_group: TaskName,
    /// The task id with its first spelling.
    pub task_id: TaskName,
    pub task_type: TaskType,
    pub run_seq: RunSeq,
    pub stage: Option<Stage>,
    pub status: RunStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    /// The brief, relative to the project root.
    pub brief: Option<String>,
    pub worktree: WorktreeInfo,
    pub workers: Vec<ManifestWorker>,
    pub checkpoints: Vec<CheckpointRecord>,
    pub events: Vec<ManifestEvent>,
    /// The okstra version that prepared the run.
    pub okstra_version: String,
    /// The pid of the okstra process driving the run, while it runs.
    pub pid: Option<u32>,
    /// That process's start time (clock ticks since boot, `/proc/<pid>/stat` field 22): with
    /// the pid it identifies the okstra even after pid reuse (`ctl kill`, `ctl status`).
    pub pid_start: Option<u64>,
    /// Whether any worker of the run answered from a replay fixture.
    pub replay: bool,
    /// The settings the run was started with.
    pub recipe: Option<RunRecipe>,
    /// How the run came to be; `None` for a run okstra drove (every manifest before imports).
    pub kind: Option<RunKind>,
    /// The stage of an implementation run: what a resumed run needs to rebuild it.
    pub stage_run: Option<StageRecord>,
    /// The tmux session a detached run (`okstra run --detach`) runs in.
    pub tmux_session: Option<String>,
    /// The private tmux server (`tmux -L <socket>`, from `OKSTRA_TMUX_SOCKET`) that session is
    /// on, so `ctl attach` and `ctl kill` find it without the variable; `None` for tmux's
    /// default server.
    pub tmux_socket: Option<String>,
}

/// The manifest as the file holds it: the truth plus its derived copies.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ManifestFile {
    #[serde(default)]
    schema_version: Option<String>,
    run_id: RunId,
    project_id: ProjectId,
    project_root: String,
    /// Derived copy of [`RunManifest::task_key`].
    #[serde(default, skip_deserializing)]
    task_key: String,
    task_group: String,
    task_id: String,
    /// Derived copy of the group's segment.
    #[serde(default, skip_deserializing)]
    task_group_segment: Option<Segment>,
    /// Derived copy of the id's segment.
    #[serde(default, skip_deserializing)]
    task_id_segment: Option<Segment>,
    task_type: TaskType,
    run_seq: RunSeq,
    #[serde(default)]
    stage: Option<Stage>,
    status: RunStatus,
    created_at: Timestamp,
    updated_at: Timestamp,
    #[serde(default)]
    finished_at: Option<Timestamp>,
    /// Derived copy of [`RunManifest::run_dir`].
    #[serde(default, skip_deserializing)]
    run_dir: String,
    #[serde(default)]
    brief: Option<String>,
    worktree: WorktreeInfo,
    #[serde(default)]
    workers: Vec<ManifestWorker>,
    #[serde(default)]
    checkpoints: Vec<CheckpointRecord>,
    #[serde(default)]
    events: Vec<ManifestEvent>,
    okstra_version: String,
    #[serde(default)]
    pid: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pid_start: Option<u64>,
    #[serde(default)]
    replay: bool,
    #[serde(default)]
    recipe: Option<RunRecipe>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kind: Option<RunKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stage_run: Option<StageRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tmux_session: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tmux_socket: Option<String>,
}

impl From<RunManifest> for ManifestFile {
    fn from(m: RunManifest) -> Self {
        Self {
            task_key: m.task_key().to_string(),
            task_group_segment: Some(m.task_group.segment().clone()),
            task_id_segment: Some(m.task_id.segment().clone()),
            run_dir: m.run_dir(),
            schema_version: m.schema_version,
            run_id: m.run_id,
            project_id: m.project_id,
            project_root: m.project_root,
            task_group: m.task_group.raw().to_owned(),
            task_id: m.task_id.raw().to_owned(),
            task_type: m.task_type,
            run_seq: m.run_seq,
            stage: m.stage,
            status: m.status,
            created_at: m.created_at,
            updated_at: m.updated_at,
            finished_at: m.finished_at,
            brief: m.brief,
            worktree: m.worktree,
            workers: m.workers,
            checkpoints: m.checkpoints,
            events: m.events,
            okstra_version: m.okstra_version,
            pid: m.pid,
            pid_start: m.pid_start,
            replay: m.replay,
            recipe: m.recipe,
            kind: m.kind,
            stage_run: m.stage_run,
            tmux_session: m.tmux_session,
            tmux_socket: m.tmux_socket,
        }
    }
}

impl TryFrom<ManifestFile> for RunManifest {
    type Error = String;

    fn try_from(f: ManifestFile) -> Result<Self, String> {
        let name = |field: &str, raw: &str| {
            TaskName::parse(raw).map_err(|e| format!("{field} {raw:?} is not a task name: {e}"))
        };
        Ok(Self {
            task_group: name("taskGroup", &f.task_group)?,
            task_id: name("taskId", &f.task_id)?,
            schema_version: f.schema_version,
            run_id: f.run_id,
            project_id: f.project_id,
            project_root: f.project_root,
            task_type: f.task_type,
            run_seq: f.run_seq,
            stage: f.stage.filter(|_| f.task_type.is_stage_scoped()),
            status: f.status,
            created_at: f.created_at,
            updated_at: f.updated_at,
            finished_at: f.finished_at,
            brief: f.brief,
            worktree: f.worktree,
            workers: f.workers,
            checkpoints: f.checkpoints,
            events: f.events,
            okstra_version: f.okstra_version,
            pid: f.pid,
            pid_start: f.pid_start,
            replay: f.replay,
            recipe: f.recipe,
            kind: f.kind,
            stage_run: f.stage_run,
            tmux_session: f.tmux_session,
            tmux_socket: f.tmux_socket,
        })
    }
}

impl RunManifest {
    /// Returns whether the run is an imported plan (no worker ran, no report data).
    pub fn is_imported(&self) -> bool {
        self.kind == Some(RunKind::Imported)
    }

    /// Returns the version mark okstra writes.
    pub fn current_schema_version() -> String {
        schema_version(MANIFEST_KIND)
    }

    /// Parses a manifest text, refusing a newer major version.
    pub fn parse(text: &str) -> Result<Self, DocumentError> {
        parse_versioned(text, MANIFEST_KIND)
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

    /// Returns the task key, `<projectId>:<taskGroup>:<taskId>` with the first spellings.
    pub fn task_key(&self) -> TaskKey {
        TaskKey::new(
            self.project_id.clone(),
            self.task_group.clone(),
            self.task_id.clone(),
        )
    }

    /// Returns the paths of the run.
    pub fn paths(&self) -> RunPaths {
        ProjectPaths::new(&self.project_root)
            .task(self.task_group.segment(), self.task_id.segment())
            .run(self.task_type, self.run_seq, self.stage)
    }

    /// Returns the run directory, relative to the project root.
    pub fn run_dir(&self) -> String {
        relative_to(
            self.paths().run_dir(),
            std::path::Path::new(&self.project_root),
        )
        .display()
        .to_string()
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// Returns the manifest of a run of `shop:payments:DEV-9495` (seq 2; stage 2 for an
    /// implementation run), as the report fixtures describe it.
    pub(crate) fn sample(task_type: TaskType, replay: bool) -> RunManifest {
        let at: Timestamp = "2026-06-10T08:00:00Z".parse().expect("a fixed timestamp");
        RunManifest {
            schema_version: Some(RunManifest::current_schema_version()),
            run_id: "01JABCDEFGHJKMNPQRSTVWXYZ0".parse().expect("a run id"),
            project_id: ProjectId::parse("shop").expect("an id"),
            project_root: "/src/shop".to_owned(),
            task_group: TaskName::parse("payments").expect("a name"),
            task_id: TaskName::parse("DEV-9495").expect("a name"),
            task_type,
            run_seq: RunSeq::new(2).expect("a seq"),
            stage: (task_type == TaskType::Implementation).then(|| Stage::new(2).expect("a stage")),
            status: RunStatus::Running,
            created_at: at,
            updated_at: at,
            finished_at: None,
            brief: Some(".okstra/tasks/payments/dev-9495/brief.md".to_owned()),
            worktree: WorktreeInfo {
                status: WorktreeStatus::SkippedNonGit,
                path: None,
                branch: None,
                base_ref: None,
                anchor_base_commit: None,
                workdir: "/src/shop".to_owned(),
            },
            workers: Vec::new(),
            checkpoints: Vec::new(),
            events: Vec::new(),
            okstra_version: "0.1.0".to_owned(),
            pid: None,
            pid_start: None,
            replay,
            recipe: None,
            kind: None,
            stage_run: None,
            tmux_session: None,
            tmux_socket: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::{IndexEvent, IndexRow};
    use crate::timeline::TimelineEntry;

    #[test]
    fn derived_copies_are_written_and_never_read() {
        let m = testing::sample(TaskType::Implementation, false);
        assert_eq!(m.task_key().to_string(), "shop:payments:DEV-9495");
        assert_eq!(
            m.run_dir(),
            ".okstra/tasks/payments/dev-9495/runs/implementation/stage-2"
        );
        let mut value = serde_json::to_value(&m).unwrap();
        assert_eq!(value["taskKey"], "shop:payments:DEV-9495");
        assert_eq!(value["taskGroup"], "payments");
        assert_eq!(value["taskId"], "DEV-9495");
        assert_eq!(value["taskGroupSegment"], "payments");
        assert_eq!(value["taskIdSegment"], "dev-9495");
        assert_eq!(
            value["runDir"],
            ".okstra/tasks/payments/dev-9495/runs/implementation/stage-2"
        );
        // Hand-edited copies change nothing: the truth is re-derived.
        value["taskKey"] = "evil:x:y".into();
        value["runDir"] = "../../elsewhere".into();
        value["taskIdSegment"] = "other".into();
        let back = RunManifest::parse(&value.to_string()).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.run_dir(), m.run_dir());
        // A manifest without the copies (written by hand, or trimmed) reads the same.
        for key in ["taskKey", "runDir", "taskGroupSegment", "taskIdSegment"] {
            value.as_object_mut().unwrap().remove(key);
        }
        assert_eq!(RunManifest::parse(&value.to_string()).unwrap(), m);
    }

    #[test]
    fn the_kind_is_optional_and_kept() {
        let mut m = testing::sample(TaskType::ImplementationPlanning, false);
        let value = serde_json::to_value(&m).unwrap();
        assert!(value.get("kind").is_none(), "a driven run writes no kind");
        assert_eq!(RunManifest::parse(&value.to_string()).unwrap().kind, None);
        m.kind = Some(RunKind::Imported);
        let value = serde_json::to_value(&m).unwrap();
        assert_eq!(value["kind"], "imported");
        let back = RunManifest::parse(&value.to_string()).unwrap();
        assert!(back.is_imported());
        assert_eq!(back, m);
    }

    #[test]
    fn bad_task_names_are_refused_on_read() {
        let m = testing::sample(TaskType::ErrorAnalysis, false);
        let mut value = serde_json::to_value(&m).unwrap();
        value["taskGroup"] = "../etc".into();
        let err = RunManifest::parse(&value.to_string())
            .unwrap_err()
            .to_string();
        assert!(err.contains("taskGroup"), "{err}");
    }

    #[test]
    fn index_rows_and_timeline_entries_come_from_the_manifest() {
        let mut m = testing::sample(TaskType::ErrorAnalysis, false);
        m.status = RunStatus::Completed;
        let row = IndexRow::of(&m, IndexEvent::Done);
        assert_eq!(row.v, Some(1));
        assert_eq!(row.task_group, "payments");
        assert_eq!(row.task_id, "DEV-9495");
        assert_eq!(row.task_type, TaskType::ErrorAnalysis);
        assert_eq!(row.run_seq, 2);
        assert_eq!(row.status, RunStatus::Completed);
        assert_eq!(row.at, m.updated_at);
        assert_eq!(
            row.manifest,
            "/src/shop/.okstra/tasks/payments/dev-9495/runs/error-analysis/manifests/run-manifest-error-analysis-2.json"
        );
        let entry = TimelineEntry::of(&m);
        assert_eq!(
            entry.manifest,
            ".okstra/tasks/payments/dev-9495/runs/error-analysis/manifests/run-manifest-error-analysis-2.json"
        );
        assert_eq!(entry.started_at, m.created_at);
        assert_eq!(entry.stage, None);
    }
}
