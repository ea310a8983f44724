//! Owns the first phase of a new run (SPEC §4 step 1): its team planned, its prompt inputs
//! read and its workers' CLIs probed — refused, with nothing written, when its workers would
//! have no brief or no analyser could run (`preflight`) — then the run prepared on disk
//! (identity, worktree, seq, manifest, index `started` row) and its run lock taken.

use std::time::Instant;

use jiff::Timestamp;
use okstra_core::status::RunStatus;
use okstra_core::team_state::TeamState;
use tokio_util::sync::CancellationToken;

use super::imp::{Run, RunParts};
use super::preflight::{refuse_if_no_analyser_can_run, refuse_without_brief};
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
        // Every check a run makes before anything of it is written (`preflight`): the cheap
        // ones first, then the CLIs' probes, which take seconds.
        let mut roster = roster_of(&new.settings, &new.project, &new.env)?;
        let task = new
            .project
            .paths
            .task(new.group.segment(), new.id.segment());
        let shared = read_shared(&task, new.task_type, new.brief.as_deref())?;
        refuse_without_brief(&task, &new.task_key(), new.task_type, &shared.0)?;
        probe_roster(&mut roster, &new.env, &new.settings.worker_env()).await;
        refuse_if_no_analyser_can_run(&roster)?;
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
        Ok(Run::new(RunParts {
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
            stage_run: None,
        }))
    }

    /// Probes the team's CLIs (versions, logins) before any worker of a reopened run starts.
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
            stage_run: None,
        }
    }
}
