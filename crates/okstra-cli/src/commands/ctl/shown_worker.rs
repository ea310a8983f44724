//! The workers `okstra ctl show` shows: every row of the run's team state (a worker in a round,
//! with its status, reason, tokens and result file), then each worker of the manifest's roster
//! that has no row yet, as `pending`. It reads nothing; the caller loads the files.

use std::path::{Path, PathBuf};

use okstra_core::manifest::RunManifest;
use okstra_core::run_paths::RoundTag;
use okstra_core::status::WorkerStatus;
use okstra_core::team_state::TeamState;
use okstra_core::tokens::TokenUsage;
use serde_json::{Value, json};

/// One worker of one round, as `ctl show` shows it.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct ShownWorker {
    pub(super) worker: String,
    pub(super) kind: &'static str,
    pub(super) role: &'static str,
    pub(super) model: Option<String>,
    /// `None` for a worker of the roster that has not been dispatched.
    pub(super) round: Option<RoundTag>,
    pub(super) status: WorkerStatus,
    pub(super) reason: Option<String>,
    pub(super) attempts: u32,
    /// The last attempt's process id, once spawned.
    pub(super) pid: Option<u32>,
    pub(super) duration_ms: Option<u64>,
    pub(super) tokens: TokenUsage,
    /// The last attempt's result file (absolute).
    pub(super) result_path: Option<PathBuf>,
}

impl ShownWorker {
    /// Returns the worker's JSON object (README, "Machine-readable output").
    pub(super) fn to_json(&self) -> Value {
        json!({
            "worker": self.worker,
            "kind": self.kind,
            "role": self.role,
            "model": self.model,
            "round": self.round,
            "status": self.status,
            "reason": self.reason,
            "attempts": self.attempts,
            "pid": self.pid,
            "durationMs": self.duration_ms,
            "tokens": self.tokens,
            "resultPath": self.result_path.as_ref().map(|p| p.display().to_string()),
        })
    }
}

/// Returns the workers of a run: its team state's rows in order, then the roster's workers
/// that have none. Result paths are joined to the project root.
pub(super) fn shown_workers(manifest: &RunManifest, team: Option<&TeamState>) -> Vec<ShownWorker> {
    let root = Path::new(&manifest.project_root);
    let rows = team.map_or(&[][..], |t| t.workers.as_slice());
    let mut shown: Vec<ShownWorker> = rows
        .iter()
        .map(|row| ShownWorker {
            worker: row.worker.to_string(),
            kind: row.kind.as_str(),
            role: row.role.as_str(),
            model: row.model.clone(),
            round: Some(row.round),
            status: row.status(),
            reason: row.reason().map(str::to_owned),
            attempts: row.attempt_count(),
            pid: row.attempts.last().and_then(|a| a.pid),
            duration_ms: row.duration_ms(),
            tokens: row.tokens(),
            result_path: row.result_path().map(|p| root.join(p)),
        })
        .collect();
    for planned in &manifest.workers {
        if rows.iter().any(|row| row.worker == planned.worker) {
            continue;
        }
        shown.push(ShownWorker {
            worker: planned.worker.to_string(),
            kind: planned.kind.as_str(),
            role: planned.role.as_str(),
            model: planned.model.clone(),
            round: None,
            status: WorkerStatus::Pending,
            reason: None,
            attempts: 0,
            pid: None,
            duration_ms: None,
            tokens: TokenUsage::default(),
            result_path: None,
        });
    }
    shown
}
