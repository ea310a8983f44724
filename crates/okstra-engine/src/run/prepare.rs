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
use super::preflight::{
    refuse_if_no_analyser_can_run, refuse_if_stage_team_cannot_run, refuse_unknown_related,
    refuse_without_brief,
};
use super::prompts::{read_guidance, read_shared};
use super::request::{NewRun, StageAsk};
use super::roster::{RosterEntry, probe_roster, roster_for, stage_agent};
use super::stage::StageRun;
use super::stage_plan::{PlanAsk, choose_plan};
use super::stage_prepare::{StageInputs, prepare_stage};
use crate::errors::RunError;
use crate::lock::try_lock_exclusive;
use crate::prepare::{PrepareRequest, PreparedRun, StageHook, StagePick, prepare_run_with};
use crate::worker::unix::become_subreaper;
use okstra_core::worker_name::Role;

impl Run {
    /// Prepares a new run and returns it, ready for its phases.
    pub(crate) async fn prepare(new: NewRun, cancel: CancellationToken) -> Result<Run, RunError> {
        let started = Instant::now();
        become_subreaper();
        let Checked {
            roster,
            shared,
            guidance,
        } = new.check().await?;
        let request = new.request(RunStatus::Running, &roster, false);
        let (prepared, stage_run) = new.prepare_on_disk(&request, &new.sink)?;
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
            guidance,
            stage_run,
        });
        run.found.handoff.ask.clone_from(&new.handoff);
        run.found
            .handoff
            .pr_template
            .clone_from(&new.project.config.pr_template);
        Ok(run)
    }

    /// Probes the team's CLIs (versions, logins) before any worker of a reopened run starts.
    pub(crate) async fn probe(&mut self) {
        probe_roster(&mut self.roster, &self.env, &self.worker_env).await;
    }
}

/// What a new run's checks read and planned, for its phases.
pub(crate) struct Checked {
    pub(crate) roster: super::roster::Roster,
    /// The brief and the prior reports.
    pub(crate) shared: (String, Vec<okstra_core::prompt::ContextSection>),
    /// The related tasks' reports and the directive.
    pub(crate) guidance: Vec<okstra_core::prompt::ContextSection>,
}

impl NewRun {
    /// Makes every check a run makes before anything of it is written (`preflight`): the cheap
    /// ones first, then the CLIs' probes, which take seconds.
    pub(crate) async fn check(&self) -> Result<Checked, RunError> {
        let mut roster = roster_for(self.task_type, &self.settings, &self.project, &self.env)?;
        let task = self
            .project
            .paths
            .task(self.group.segment(), self.id.segment());
        let shared = read_shared(&task, self.task_type, self.brief.as_deref())?;
        refuse_without_brief(&task, &self.task_key(), self.task_type, &shared.0)?;
        refuse_unknown_related(&self.project, &self.task_key(), &self.related)?;
        let guidance = read_guidance(&self.project.paths, Some(&self.recipe()))?;
        self.refuse_unready_stages()?;
        probe_roster(&mut roster, &self.env, &self.settings.worker_env()).await;
        refuse_if_no_analyser_can_run(&roster)?;
        refuse_if_stage_team_cannot_run(&roster, self.stage.as_ref().map(|a| a.mode))?;
        Ok(Checked {
            roster,
            shared,
            guidance,
        })
    }

    /// Prepares the run on disk (SPEC §4 step 1); an implementation run takes its stage on the
    /// way (`stage_prepare`), after the task worktree and before its run paths, and returns it.
    pub(crate) fn prepare_on_disk(
        &self,
        request: &PrepareRequest,
        sink: &crate::event_sink::EventSink,
    ) -> Result<(PreparedRun, Option<StageRun>), RunError> {
        if self.task_type == okstra_core::TaskType::ReleaseHandoff {
            // Refused before anything is written (SPEC §3).
            self.refuse_unready_handoff()?;
        }
        let hook: StageHook<'_, Option<StageRun>, RunError> = if self.task_type.is_stage_scoped() {
            let ask = self.stage.clone().unwrap_or_else(|| StageAsk {
                plan: None,
                cwd: self.project.root().to_path_buf(),
                choice: okstra_core::ledger::StageChoice::Auto,
                mode: okstra_core::stage_record::StageMode::New,
            });
            // The plan is checked before anything is written: a run with no plan to implement
            // leaves no worktree, seq or row behind.
            let plan = choose_plan(&PlanAsk {
                home: &self.home,
                root: self.project.root(),
                group: &self.group,
                id: &self.id,
                plan: ask.plan.as_deref(),
                cwd: &ask.cwd,
            })?;
            Box::new(move |task_key, task_worktree, run_id| {
                let executor = stage_agent(&self.settings, Role::Executor);
                let verifier = stage_agent(&self.settings, Role::Verifier);
                let stage_run = prepare_stage(&StageInputs {
                    plan: &plan,
                    home: &self.home,
                    project: &self.project,
                    task_key,
                    task_worktree,
                    ask: &ask,
                    run_id,
                    executor: &executor,
                    verifier: Some(&verifier),
                })?;
                let pick = StagePick {
                    stage: stage_run.stage,
                    workdir: stage_run.workdir.display().to_string(),
                    record: stage_run.record(self.project.root()),
                };
                Ok((Some(pick), Some(stage_run)))
            })
        } else {
            Box::new(|_, _, _| Ok((None, None)))
        };
        prepare_run_with(&self.home, &self.project, request, sink, hook)
    }

    /// Returns the preparation request of this run, with `status` and its team; `detached`
    /// names its tmux session in the manifest.
    pub(crate) fn request(
        &self,
        status: RunStatus,
        roster: &super::roster::Roster,
        detached: bool,
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
            recipe: Some(self.recipe()),
            stage_run: None,
            detached,
            tmux_socket: self
                .env
                .get(okstra_core::env_vars::OKSTRA_TMUX_SOCKET)
                .filter(|s| !s.is_empty())
                .cloned(),
        }
    }

    /// Returns the recipe of this run: its settings, an implementation run's executor and
    /// verifier, the directive and related tasks, and what a hand-off is asked (so a run
    /// prepared now and run by `okstra resume` later does what was asked now).
    fn recipe(&self) -> okstra_core::manifest::RunRecipe {
        let mut recipe = self.settings.recipe();
        if self.task_type.is_stage_scoped() {
            recipe.executor = Some(stage_agent(&self.settings, Role::Executor));
            recipe.verifier = Some(stage_agent(&self.settings, Role::Verifier));
        }
        recipe.handoff = self
            .handoff
            .as_ref()
            .map(crate::handoff::HandoffAsk::recipe);
        recipe.directive.clone_from(&self.directive);
        recipe.related = self.related.iter().map(ToString::to_string).collect();
        recipe
    }
}
