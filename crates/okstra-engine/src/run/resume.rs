//! Owns reopening a run an okstra left unfinished (`okstra resume`, SPEC §4 last paragraph).
//! Under the run lock (a second resume is refused), it stops every process the dead okstra left
//! running — found by the worker tags team state records, so even descendants that left their
//! process group — removes the temp folder it recorded, and hands the run back to the same
//! phases: finished results are reused, unfinished workers and steps run again, nothing is
//! appended twice. A run that had already ended only gets its timeline entry and `done` row
//! checked.

use std::time::Instant;

use jiff::Timestamp;
use okstra_core::events::ManifestEvent;
use okstra_core::index::{IndexEvent, IndexRow};
use okstra_core::manifest::RunManifest;
use okstra_core::status::RunStatus;
use okstra_core::team_state::TeamState;
use tokio_util::sync::CancellationToken;

use super::imp::{Run, RunParts};
use super::prompts::{read_guidance, read_shared};
use super::request::ResumeRun;
use super::roster::roster_for;
use super::stage::StageRun;
use crate::errors::RunError;
use crate::fs_atomic::write_json;
use crate::home::Home;
use crate::lock::{lock_exclusive, try_lock_exclusive};
use crate::prepare::upsert_timeline;
use crate::runs::load_team_state;
use crate::worker::unix::{become_subreaper, stop_leftovers};

/// A reopened run.
pub(crate) enum Reopened {
    /// It is ready for its phases; the dead okstra's processes that were stopped.
    Run(Box<Run>, usize),
    /// It had already ended with this status.
    Finished(RunStatus),
}

impl Run {
    /// Reopens the run of `req.manifest`.
    pub(crate) async fn reopen(
        req: ResumeRun,
        cancel: CancellationToken,
    ) -> Result<Reopened, RunError> {
        let started = Instant::now();
        become_subreaper();
        let paths = req.manifest.paths();
        let lock = try_lock_exclusive(&paths.run_lock())?.ok_or_else(|| RunError::Busy {
            run_id: req.manifest.run_id.to_string(),
        })?;
        let team = load_team_state(&req.manifest)?;
        if matches!(
            req.manifest.status,
            RunStatus::Completed | RunStatus::Failed
        ) {
            // A run killed after its manifest was final may still lack its timeline entry or
            // `done` row, or have left its temp folder; each is idempotent to repair.
            repair_rows(&req.home, &req.manifest)?;
            if let Some(mut team) = team
                && let Some(root) = team.tmp_root.take()
            {
                let run_id = req.manifest.run_id.to_string();
                crate::tmp::remove_run_temp_root(std::path::Path::new(&root), &run_id);
                write_json(&paths.team_state(), &team)?;
            }
            return Ok(Reopened::Finished(req.manifest.status));
        }
        let mut team = team.unwrap_or_else(|| {
            TeamState::new(
                req.manifest.run_id,
                req.manifest.task_type,
                req.manifest.run_seq,
                Timestamp::now(),
            )
        });
        let stopped = {
            let team = team.clone();
            tokio::task::spawn_blocking(move || stop_leftovers(&team))
                .await
                .map_err(|source| RunError::Task {
                    what: "stopping the dead okstra's workers",
                    source,
                })?
        };
        if let Some(root) = team.tmp_root.take() {
            let run_id = req.manifest.run_id.to_string();
            crate::tmp::remove_run_temp_root(std::path::Path::new(&root), &run_id);
        }
        let roster = roster_for(
            req.manifest.task_type,
            &req.settings,
            &req.project,
            &req.env,
        )?;
        let shared = read_shared(paths.task(), req.manifest.task_type, None)?;
        let guidance = read_guidance(&req.project.paths, req.manifest.recipe.as_ref())?;
        let stage_run = StageRun::from_manifest(&req.manifest)?;
        let mut manifest = req.manifest;
        // A run only prepared (`--prepare-only`, `--detach`) has done nothing yet: it does all
        // it was asked. A run that had started does not push or open a PR on resume.
        let never_started = manifest.status == RunStatus::Prepared;
        // An interrupted run has its end in the index; a killed or prepared one does not.
        let had_ended = manifest.status == RunStatus::Interrupted;
        manifest.status = RunStatus::Running;
        manifest.pid = Some(std::process::id());
        manifest.pid_start = crate::worker::unix::process_start(std::process::id());
        manifest.finished_at = None;
        manifest.push_event(ManifestEvent {
            at: Timestamp::now(),
            checkpoint: "resume".to_owned(),
            message: format!("resume pid={} stopped={stopped}", std::process::id()),
        });
        let pr_template = req.project.config.pr_template.clone();
        let mut run = Run::new(RunParts {
            home: req.home,
            settings: req.settings,
            env: req.env,
            manifest,
            team,
            roster,
            lock,
            cancel,
            sink: req.sink,
            started,
            shared,
            guidance,
            stage_run,
        });
        // A resumed hand-off writes its PR body from the same template; it pushes and opens
        // the PR only when it had not started (see `never_started`).
        run.found.handoff.pr_template = pr_template;
        if never_started {
            run.found.handoff.ask = run
                .manifest()
                .recipe
                .as_ref()
                .and_then(|r| r.handoff.as_ref())
                .map(crate::handoff::HandoffAsk::from_recipe);
        }
        run.save_manifest()?;
        run.save_team()?;
        if had_ended {
            run.record_reopened()?;
        }
        run.probe().await;
        Ok(Reopened::Run(Box::new(run), stopped))
    }
}

impl Run {
    /// Records that a run that had ended (interrupted) is going again: its timeline entry and
    /// a `started` row of the central index after its `done` row, so `ctl status`, `ctl list`
    /// and the task's overview show it running, not as the end it was resumed from. (A killed
    /// run never recorded an end: the index still shows it started.)
    fn record_reopened(&mut self) -> Result<(), RunError> {
        {
            let _lock = lock_exclusive(&self.paths.task().lock())?;
            upsert_timeline(self.paths.task(), self.manifest())?;
        }
        self.home
            .append_index(&IndexRow::of(self.manifest(), IndexEvent::Started))?;
        Ok(())
    }
}

/// Makes sure an ended run has its timeline entry and one `done` row.
fn repair_rows(home: &Home, manifest: &RunManifest) -> Result<(), RunError> {
    let paths = manifest.paths();
    {
        let _lock = lock_exclusive(&paths.task().lock())?;
        upsert_timeline(paths.task(), manifest)?;
    }
    let read = home.read_index()?;
    let has_done = read
        .rows
        .iter()
        .any(|r| r.run_id == manifest.run_id && r.event == IndexEvent::Done);
    if !has_done {
        home.append_index(&IndexRow::of(manifest, IndexEvent::Done))?;
    }
    Ok(())
}
