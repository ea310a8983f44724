//! Owns `ctl reconcile` (SPEC §10): finding the runs whose okstra process is gone while their
//! manifest still says `running`, stopping the workers it left, and recording the run as
//! `interrupted` — manifest (status, end, event), team state (unfinished attempts end as
//! `interrupted`, so `okstra resume` runs them again), timeline, and an index `done` row.
//!
//! A run is dead only when nobody holds its run lock (the driving okstra holds it for the whole
//! run; the kernel drops it when the process dies) and its recorded pid is not an okstra that
//! started before the manifest's last write (the moment between writing a new manifest and
//! taking the lock; a reused pid is some other, later process). The reconcile itself holds the
//! run lock while it records, so a `resume` cannot start half-way through.

use std::path::PathBuf;

use jiff::Timestamp;
use okstra_core::RunId;
use okstra_core::events::ManifestEvent;
use okstra_core::index::{IndexEvent, IndexRow};
use okstra_core::manifest::RunManifest;
use okstra_core::status::RunStatus;

use crate::errors::StoreError;
use crate::fs_atomic::write_json;
use crate::home::{Home, IndexRead};
use crate::lock::{lock_exclusive, try_lock_exclusive};
use crate::prepare::upsert_timeline;
use crate::run_process::okstra_alive;
use crate::runs::{list_runs, load_manifest, load_team_state};
use crate::worker::unix::stop_leftovers;

/// What reconcile found of one run the index shows as not ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunCheck {
    /// Its okstra is gone: recorded `interrupted` (or, in a dry run, would be).
    Interrupted {
        /// The pid its manifest recorded.
        pid: Option<u32>,
        /// Worker processes stopped (process groups and tagged descendants).
        stopped: usize,
        /// Team-state attempts that ended as interrupted.
        workers: usize,
    },
    /// Its okstra still drives it.
    Alive { pid: Option<u32> },
    /// Its manifest, or a record reconcile needs (its team state), cannot be read or written
    /// (gone with its project, or broken): left alone.
    Unreadable { why: String },
}

/// One run reconcile looked at.
#[derive(Clone, Debug)]
pub struct Reconciled {
    pub run_id: RunId,
    pub project_id: String,
    pub task: String,
    pub manifest: PathBuf,
    pub check: RunCheck,
}

/// What a reconcile did.
#[derive(Debug, Default)]
pub struct ReconcileReport {
    /// The runs whose manifest says `running`, in start order.
    pub runs: Vec<Reconciled>,
    /// What reading the index skipped (torn lines).
    pub index: IndexRead,
}

/// Looks at every run the index shows as not ended (and every `interrupted` one, which a
/// resume may have restarted) whose manifest says `running`, and records as `interrupted` each
/// whose okstra is gone, after stopping its leftover workers. With `dry_run` it only reports.
pub fn reconcile(home: &Home, dry_run: bool) -> Result<ReconcileReport, StoreError> {
    let (runs, index) = list_runs(home)?;
    let mut report = ReconcileReport {
        runs: Vec::new(),
        index,
    };
    for run in runs.iter().filter(|r| {
        matches!(
            r.status,
            RunStatus::Running | RunStatus::Prepared | RunStatus::Interrupted
        )
    }) {
        let path = PathBuf::from(&run.manifest);
        let check = match load_manifest(&path) {
            Ok(m) if m.status != RunStatus::Running => continue,
            // A run whose records cannot be read or written is named, and the others are
            // still reconciled.
            Ok(m) => check_run(home, &path, &m, dry_run)
                .unwrap_or_else(|e| RunCheck::Unreadable { why: e.to_string() }),
            // An ended run whose manifest is gone has nothing left to reconcile.
            Err(_) if run.status == RunStatus::Interrupted => continue,
            Err(e) => RunCheck::Unreadable { why: e.to_string() },
        };
        report.runs.push(Reconciled {
            run_id: run.run_id,
            project_id: run.project_id.clone(),
            task: format!("{}/{}", run.task_group, run.task_id),
            manifest: path,
            check,
        });
    }
    Ok(report)
}

fn check_run(
    home: &Home,
    path: &std::path::Path,
    seen: &RunManifest,
    dry_run: bool,
) -> Result<RunCheck, StoreError> {
    let paths = seen.paths();
    let Some(_lock) = try_lock_exclusive(&paths.run_lock())? else {
        return Ok(RunCheck::Alive { pid: seen.pid });
    };
    // Under the lock, the manifest is final until we release it: read it again.
    let mut m = load_manifest(path)?;
    if m.status != RunStatus::Running || okstra_alive(&m) {
        return Ok(RunCheck::Alive { pid: m.pid });
    }
    let pid = m.pid;
    let mut team = load_team_state(&m)?;
    if dry_run {
        let workers = team
            .as_mut()
            .map_or(0, |t| t.interrupt_unfinished(Timestamp::now()));
        return Ok(RunCheck::Interrupted {
            pid,
            stopped: 0,
            workers,
        });
    }
    let stopped = team.as_ref().map_or(0, stop_leftovers);
    let now = Timestamp::now();
    let workers = match team.as_mut() {
        Some(team) => {
            let n = team.interrupt_unfinished(now);
            if n > 0 {
                write_json(&paths.team_state(), team)?;
            }
            n
        }
        None => 0,
    };
    m.status = RunStatus::Interrupted;
    m.finished_at = Some(now);
    m.updated_at = now;
    m.pid = None;
    m.push_event(ManifestEvent {
        at: now,
        checkpoint: "reconcile".to_owned(),
        message: format!(
            "okstra pid={} is gone; interrupted workers={workers} stopped={stopped}",
            pid.map_or_else(|| "-".to_owned(), |p| p.to_string())
        ),
    });
    write_json(path, &m)?;
    {
        let _task = lock_exclusive(&paths.task().lock())?;
        upsert_timeline(paths.task(), &m)?;
    }
    let mut row = IndexRow::of(&m, IndexEvent::Done);
    row.manifest = path.display().to_string();
    home.append_index(&row)?;
    Ok(RunCheck::Interrupted {
        pid,
        stopped,
        workers,
    })
}
