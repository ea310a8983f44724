//! Owns a run from preparation to persistence, nextest-style: a plan of workers per round
//! (`plan`), one dispatcher that owns the run state and is the only writer of team state,
//! manifest events and sidecars (`dispatcher`), executors that supervise one attempt each
//! (`crate::worker`), and the lifecycle around them (`imp`).

pub mod analysis;
pub mod dispatcher;
pub mod imp;
pub mod plan;
pub mod report;
pub mod resume;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use okstra_core::adapter::CommandSpec;
use okstra_core::config::AdapterKind;
use okstra_core::events::RunEvent;
use okstra_core::manifest::RunManifest;
use okstra_core::redact::Redactor;
use okstra_core::replay::ReplayFixture;
use okstra_core::result_header::CliInfo;
use okstra_core::run_paths::{RoundTag, RunPaths};
use okstra_core::status::WorkerStatus;
use okstra_core::team_state::TeamState;
use okstra_core::tokens::TokenUsage;
use okstra_core::worker_name::{Role, WorkerName};
use tokio_util::sync::CancellationToken;

use crate::worker::WorkerLimits;

/// Receives every run event (the CLI's live view).
pub type EventSink = Arc<dyn Fn(&RunEvent) + Send + Sync>;

use crate::errors::StoreError;
use crate::fs_atomic::write_json_if_changed;
pub use crate::worker::result::ResultCheck;

/// The mutable state of a run, owned by its one writer.
pub struct RunContext {
    pub task_key: okstra_core::TaskKey,
    pub paths: RunPaths,
    pub manifest: RunManifest,
    pub team: TeamState,
    pub limits: WorkerLimits,
    pub redactor: Redactor,
    /// Where private worker TMPDIRs are made.
    pub tmp_root: PathBuf,
    pub cancel: CancellationToken,
    pub sink: EventSink,
    /// What the manifest and team state files hold, as okstra last wrote them.
    pub saved: SavedDigests,
}

/// Digests of the state files as okstra last wrote them, so unchanged state is not rewritten.
#[derive(Clone, Copy, Debug, Default)]
pub struct SavedDigests {
    manifest: Option<u64>,
    team: Option<u64>,
}

impl RunContext {
    /// Writes the run manifest, unless it is unchanged since okstra last wrote it.
    pub fn save_manifest(&mut self) -> Result<(), StoreError> {
        write_json_if_changed(
            &self.paths.manifest(),
            &self.manifest,
            &mut self.saved.manifest,
        )
    }

    /// Writes team state, unless it is unchanged since okstra last wrote it.
    pub fn save_team(&mut self) -> Result<(), StoreError> {
        write_json_if_changed(&self.paths.team_state(), &self.team, &mut self.saved.team)
    }
}

impl std::fmt::Debug for RunContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunContext")
            .field("run_dir", &self.paths.run_dir())
            .field("run_id", &self.manifest.run_id)
            .finish_non_exhaustive()
    }
}

/// How a planned worker is launched.
#[derive(Clone, Debug)]
pub enum PlannedLaunch {
    /// Found not runnable before spawning (binary missing, not logged in).
    NotRun(String),
    Process(Box<ProcessPlan>),
    Replay(Arc<ReplayFixture>),
}

/// A worker process, ready to spawn.
#[derive(Clone, Debug)]
pub struct ProcessPlan {
    pub spec: CommandSpec,
    /// The child's environment without the per-attempt TMPDIR and tag.
    pub env: BTreeMap<String, String>,
    /// Names of the variables okstra set (adapter, `workerEnv`, TMPDIR, tag).
    pub env_set: Vec<String>,
    /// The private TMPDIR of the worker (cleared per attempt, removed afterwards).
    pub tmpdir: PathBuf,
    /// Codex's `-o` file.
    pub last_message_file: Option<PathBuf>,
}

/// A worker of a round, fully planned.
#[derive(Clone)]
pub struct PlannedWorker {
    pub worker: WorkerName,
    pub kind: AdapterKind,
    pub role: Role,
    pub model: Option<String>,
    pub round: RoundTag,
    pub cli: Option<CliInfo>,
    pub launch: PlannedLaunch,
    pub prompt: String,
    pub check: Option<ResultCheck>,
}

impl std::fmt::Debug for PlannedWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlannedWorker")
            .field("worker", &self.worker)
            .field("kind", &self.kind)
            .field("round", &self.round)
            .finish_non_exhaustive()
    }
}

/// A worker's outcome in a round.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkerResult {
    pub worker: WorkerName,
    pub kind: AdapterKind,
    pub role: Role,
    pub model: Option<String>,
    pub round: RoundTag,
    pub status: WorkerStatus,
    pub reason: Option<String>,
    /// The final text of a completed worker.
    pub text: Option<String>,
    /// Summed over attempts.
    pub usage: TokenUsage,
    pub result_path: PathBuf,
    pub attempts: u32,
    pub duration: std::time::Duration,
    pub replay: bool,
    /// When the terminal status had been written to disk (team state and manifest).
    pub durable_at: Option<jiff::Timestamp>,
}
