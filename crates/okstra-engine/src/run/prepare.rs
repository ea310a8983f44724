//! Owns the first phase of a new run (SPEC §4 step 1): its team planned, the run prepared on
//! disk (identity, worktree, seq, manifest, index `started` row), its run lock taken, its
//! workers' CLIs probed and its prompt inputs read.

use std::time::Instant;

use jiff::Timestamp;
use okstra_core::status::RunStatus;
use okstra_core::team_state::TeamState;
use tokio_util::sync::CancellationToken;

use super::imp::{Run, RunParts};
use super::prompts::read_shared;
use super::request::NewRun;
use super::roster::{RosterEntry, probe_roster, roster_of};
use crate::errors::RunError;
use crate::lock::try_lock_exclusive;
use crate::prepare::{PrepareRequest, PreparedRun, prepare_run};
use crate::worker::unix::become_subreaper;

impl Run {
    /// Prepares a new run and returns it, ready for its phases.
    pub(crate) async fn prepare(new: NewRun, cancel: CancellationToken) -> Result<Run, RunError> {
        let started = Instant::now();
        become_subreaper();
        let roster = roster_of(&new.settings, &new.project, &new.env)?;
        let task = new
            .project
            .paths
            .task(new.group.segment(), new.id.segment());
        let shared = read_shared(&task, new.task_type, new.brief.as_deref())?;
        let request = new.request(RunStatus::Running, &roster);
        let prepared = prepare_run(&new.home, &new.project, &request, &new.sink)?;
        let PreparedRun {
            paths, manifest, ..
        } = prepared;
        let lock = try_lock_exclusive(&paths.run_lock())?.ok_or_else(|| RunError::Busy {
            run_id: manifest.run_id.to_string(),
        })?;
        let team = TeamState::new(
            manifest.run_id,
            manifest.task_type,
            manifest.run_seq,
            Timestamp::now(),
        );
        let mut run = Run::new(RunParts {
            home: new.home,
            settings: new.settings,
            env: new.env,
            manifest,
            team,
            roster,
            lock,
            cancel,
            sink: new.sink,
            started,
            shared,
        });
        run.probe().await;
        Ok(run)
    }

    /// Probes the team's CLIs (versions, codex's login) before any worker starts.
    pub(crate) async fn probe(&mut self) {
        probe_roster(&mut self.roster, &self.env, &self.worker_env).await;
    }
}

impl NewRun {
    /// Returns the preparation request of this run, with `status` and its team.
    pub(crate) fn request(
        &self,
        status: RunStatus,
        roster: &super::roster::Roster,
    ) -> PrepareRequest {
        PrepareRequest {
            group: self.group.clone(),
            id: self.id.clone(),
            task_type: self.task_type,
            brief: self.brief.clone(),
            base_ref: self.base_ref.clone(),
            category: self.settings.work_category.value.clone(),
            stage: None,
            seq_override: self.settings.run_seq_override.as_ref().map(|s| s.value),
            status,
            workers: roster
                .everyone()
                .map(RosterEntry::manifest_worker)
                .collect(),
            pid: (status == RunStatus::Running).then(std::process::id),
            replay: roster.has_replay(),
            recipe: Some(self.settings.recipe()),
        }
    }
}
