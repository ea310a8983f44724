//! Owns `okstra resume` (SPEC §4 last paragraph): continue a run an okstra left unfinished.
//! Under the per-run lock (a second resume is refused), it first stops every process the dead
//! okstra left running — found by the worker tags team state records, so even descendants
//! that left their process group — then enters the same steps as a run: completed workers'
//! results that pass the header check are reused, answers in saved transcripts are recovered,
//! unfinished workers and steps run again, and nothing is appended twice.

use std::time::Instant;

use jiff::Timestamp;
use okstra_core::index::IndexEvent;
use okstra_core::manifest::RunManifest;
use okstra_core::run_paths::{ProjectPaths, RunPaths};
use okstra_core::status::RunStatus;
use okstra_core::team_state::TeamState;
use okstra_core::{TaskKey, TaskName};

use super::imp::{RunRequest, RunSummary, context, drive};
use crate::errors::{RunError, StoreError};
use crate::fs_atomic::{read_optional, write_json};
use crate::lock::{lock_exclusive, try_lock_exclusive};
use crate::prepare::{index_row, upsert_timeline};
use crate::worker::unix::{become_subreaper, is_alive, kill_tagged, signal_group};

/// What `resume` did.
#[derive(Clone, Debug)]
pub enum ResumeOutcome {
    /// The run was continued to its end.
    Resumed {
        summary: Box<RunSummary>,
        stopped_leftovers: usize,
    },
    /// The run had already ended; its index and timeline rows were checked.
    AlreadyFinished { status: RunStatus },
}

/// Returns the paths of the run a manifest describes.
pub fn paths_of(manifest: &RunManifest) -> RunPaths {
    ProjectPaths::new(&manifest.project_root)
        .task(&manifest.task_group_segment, &manifest.task_id_segment)
        .run(manifest.task_type, manifest.run_seq, manifest.stage)
}

fn task_key_of(
    manifest: &RunManifest,
    project: &okstra_core::ProjectId,
) -> Result<TaskKey, RunError> {
    let bad = |e: okstra_core::errors::SegmentError| RunError::ResultFile {
        message: format!("the manifest's task names are not valid: {e}"),
    };
    Ok(TaskKey::new(
        project.clone(),
        TaskName::parse(&manifest.task_group).map_err(bad)?,
        TaskName::parse(&manifest.task_id).map_err(bad)?,
    ))
}

/// Stops every process of the run a dead okstra left: each attempt's process group (when its
/// leader is still the same process) and every process carrying one of the run's tags.
fn stop_leftovers(team: &TeamState) -> usize {
    let mut stopped = 0;
    for row in &team.workers {
        for attempt in &row.attempts {
            if let (Some(pid), Some(pgid)) = (attempt.pid, attempt.process_group)
                && is_alive(pid, attempt.process_start)
            {
                signal_group(pgid, nix::sys::signal::Signal::SIGKILL);
                stopped += 1;
            }
            if let Some(tag) = &attempt.tag {
                stopped += kill_tagged(tag, 0);
            }
        }
    }
    stopped
}

/// Continues the run of `manifest`.
pub async fn resume_run(req: RunRequest, manifest: RunManifest) -> Result<ResumeOutcome, RunError> {
    let started = Instant::now();
    become_subreaper();
    let paths = paths_of(&manifest);
    let _run_lock = try_lock_exclusive(&paths.run_lock())?.ok_or_else(|| RunError::Busy {
        run_id: manifest.run_id.to_string(),
    })?;
    let task_key = task_key_of(&manifest, &req.project.project_id)?;
    if matches!(manifest.status, RunStatus::Completed | RunStatus::Failed) {
        // A run killed after its manifest was final may still lack its timeline entry or
        // `done` row; both are idempotent to repair.
        repair_rows(&req, &paths, &task_key, &manifest)?;
        return Ok(ResumeOutcome::AlreadyFinished {
            status: manifest.status,
        });
    }
    let team = match read_optional(&paths.team_state())? {
        Some(text) => TeamState::parse(&text).map_err(|source| StoreError::Invalid {
            path: paths.team_state(),
            source,
        })?,
        None => TeamState::new(
            manifest.run_id.to_string(),
            manifest.task_type.to_string(),
            manifest.run_seq.get(),
            Timestamp::now(),
        ),
    };
    let stopped_leftovers = {
        let team = team.clone();
        tokio::task::spawn_blocking(move || stop_leftovers(&team))
            .await
            .unwrap_or(0)
    };
    let mut manifest = manifest;
    manifest.status = RunStatus::Running;
    manifest.pid = Some(std::process::id());
    manifest.finished_at = None;
    manifest.push_event(okstra_core::events::ManifestEvent {
        at: Timestamp::now(),
        checkpoint: "resume".to_owned(),
        message: format!(
            "resume pid={} stopped={stopped_leftovers}",
            std::process::id()
        ),
    });
    write_json(&paths.manifest(), &manifest)?;
    let ctx = context(&req, task_key, paths, manifest, team);
    let summary = drive(req, ctx, started).await?;
    Ok(ResumeOutcome::Resumed {
        summary: Box::new(summary),
        stopped_leftovers,
    })
}

fn repair_rows(
    req: &RunRequest,
    paths: &RunPaths,
    task_key: &TaskKey,
    manifest: &RunManifest,
) -> Result<(), RunError> {
    {
        let _lock = lock_exclusive(&paths.task().lock())?;
        upsert_timeline(paths.task(), task_key, manifest, req.project.root())?;
    }
    let read = req.home.read_index()?;
    let has_done = read
        .rows
        .iter()
        .any(|r| r.run_id == manifest.run_id && r.event == IndexEvent::Done);
    if !has_done {
        req.home
            .append_index(&index_row(manifest, IndexEvent::Done, paths))?;
    }
    Ok(())
}
