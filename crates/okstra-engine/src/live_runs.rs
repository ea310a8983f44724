//! Owns what runs now, across projects (`ctl status`): the index's runs that have not ended,
//! each with its manifest, its team state and the live state of its okstra and of each worker
//! (pid checked with its start time, so a reused pid is never taken for it). A run whose
//! manifest says running while its okstra is gone is `dead`. It also answers, for `ctl
//! batches`, what one run is now, and for `ctl status <run>` one run as it is now, ended or
//! not. It never prints.

use std::path::Path;

use okstra_core::index::IndexedRun;
use okstra_core::manifest::RunManifest;
use okstra_core::run_filter::RunFilter;
use okstra_core::run_paths::RoundTag;
use okstra_core::status::{RunStatus, WorkerStatus};
use okstra_core::team_state::TeamState;

use crate::errors::StoreError;
use crate::home::{Home, IndexRead};
use crate::run_process::{OkstraProcess, okstra_process, process_alive};
use crate::runs::{list_runs_filtered, load_manifest, load_team_state};

/// A run that has not ended, as it is now.
#[derive(Clone, Debug)]
pub struct LiveRun {
    pub manifest: RunManifest,
    pub okstra: OkstraProcess,
    pub workers: Vec<LiveWorker>,
    /// Why the team state could not be read, when it could not.
    pub team_error: Option<String>,
}

impl LiveRun {
    /// Returns whether the manifest says running while its okstra is gone.
    pub fn is_dead(&self) -> bool {
        self.manifest.status == RunStatus::Running
            && !matches!(self.okstra, OkstraProcess::Alive(_))
    }
}

/// One worker of one round, with whether its process lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveWorker {
    pub worker: String,
    pub round: RoundTag,
    pub status: WorkerStatus,
    pub pid: Option<u32>,
    /// For a worker that has not ended and has a pid: whether that process is alive.
    pub alive: Option<bool>,
}

/// Returns the runs whose manifest says running, in start order, with the index's read
/// warnings and the runs whose manifest could not be read.
pub fn live_runs(home: &Home) -> Result<(Vec<LiveRun>, IndexRead, Vec<StoreError>), StoreError> {
    // Only runs the index shows as not ended are folded (the rest are skipped as they are
    // read): the manifest says whether each is running now.
    let not_ended = RunFilter {
        statuses: vec![RunStatus::Prepared, RunStatus::Running],
        ..RunFilter::default()
    };
    let (runs, read) = list_runs_filtered(home, &not_ended)?;
    let mut live = Vec::new();
    let mut unreadable = Vec::new();
    for run in &runs {
        let manifest = match load_manifest(Path::new(&run.manifest)) {
            Ok(m) => m,
            Err(e) => {
                // A prepared run whose project went away is not running; a running one is news.
                if run.status == RunStatus::Running {
                    unreadable.push(e);
                }
                continue;
            }
        };
        if manifest.status != RunStatus::Running {
            continue;
        }
        live.push(live_run(manifest));
    }
    Ok((live, read, unreadable))
}

/// Returns `manifest`'s run as it is now: any run, ended or not (`ctl status <run>`).
pub fn live_run(manifest: RunManifest) -> LiveRun {
    let okstra = okstra_process(&manifest);
    let (team, team_error) = match load_team_state(&manifest) {
        Ok(team) => (team, None),
        Err(e) => (None, Some(e.to_string())),
    };
    LiveRun {
        workers: team.as_ref().map(live_workers).unwrap_or_default(),
        manifest,
        okstra,
        team_error,
    }
}

/// Returns each worker row of `team` with its process's live state.
fn live_workers(team: &TeamState) -> Vec<LiveWorker> {
    team.workers
        .iter()
        .map(|row| {
            let status = row.status();
            let last = row.attempts.last();
            let pid = last.and_then(|a| a.pid);
            let alive = (!status.is_terminal())
                .then(|| last.and_then(|a| a.pid.map(|pid| process_alive(pid, a.process_start))))
                .flatten();
            LiveWorker {
                worker: row.worker.to_string(),
                round: row.round,
                status,
                pid,
                alive,
            }
        })
        .collect()
}

/// What a run of the index is now: its index status, or for one that has not ended its
/// manifest's, with `dead` when the manifest says running and its okstra is gone.
pub fn run_now(run: &IndexedRun) -> String {
    if !matches!(run.status, RunStatus::Running | RunStatus::Prepared) {
        return run.status.to_string();
    }
    match load_manifest(Path::new(&run.manifest)) {
        Ok(m) if m.status == RunStatus::Running => match okstra_process(&m) {
            OkstraProcess::Alive(_) => "running".to_owned(),
            OkstraProcess::Gone(_) | OkstraProcess::None => "dead".to_owned(),
        },
        Ok(m) => m.status.to_string(),
        Err(_) => "unreadable".to_owned(),
    }
}
