//! Owns the `Run`: one run's context (home, project, settings, paths, team, prompt inputs) and
//! its state files — manifest, team state, convergence state — of which it is the only writer:
//! a checkpoint is one [`Run::pass`] (record it, save the manifest, run the kill hook), and each
//! state file has one save. It also owns the run's private temp folder, which it alone makes
//! and removes. The phases are `impl Run` blocks in files of their own.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use jiff::Timestamp;
use okstra_core::events::{Checkpoint, RunEvent};
use okstra_core::findings::converge::ConvergenceState;
use okstra_core::manifest::RunManifest;
use okstra_core::prompt::ContextSection;
use okstra_core::redact::Redactor;
use okstra_core::run_paths::{RoundTag, RunPaths, relative_to};
use okstra_core::settings::RunSettings;
use okstra_core::team_state::TeamState;
use okstra_core::worker_name::WorkerName;
use tokio_util::sync::CancellationToken;

use super::found::Findings;
use super::roster::Roster;
use super::stage::StageRun;
use crate::errors::{RunError, StoreError};
use crate::event_sink::EventSink;
use crate::fs_atomic::{PendingWrite, Spares, StateDigest, commit_all, write_json_if_changed};
use crate::home::Home;
use crate::kill_hook;
use crate::lock::LockGuard;

/// What every prompt and launch of a run needs besides the run state.
#[derive(Clone, Debug)]
pub(crate) struct PromptInputs {
    pub(crate) brief: String,
    /// Where workers run: the task worktree, its monorepo subfolder, or the project root.
    pub(crate) workdir: PathBuf,
    /// The task's prior reports, as prompt context.
    pub(crate) prior: Vec<ContextSection>,
    /// What every prompt of the run ends its context with: the related tasks' latest reports
    /// and the user's directive (`prompts::read_guidance`).
    pub(crate) guidance: Vec<ContextSection>,
}

/// One run, from preparation to persistence.
pub(crate) struct Run {
    pub(crate) home: Home,
    pub(crate) settings: RunSettings,
    /// okstra's environment (workers inherit it minus `OKSTRA_*`).
    pub(crate) env: BTreeMap<String, String>,
    /// `workerEnv`.
    pub(crate) worker_env: BTreeMap<String, String>,
    pub(crate) paths: RunPaths,
    pub(crate) redactor: Redactor,
    pub(crate) cancel: CancellationToken,
    pub(crate) is_root: bool,
    pub(crate) started: Instant,
    pub(crate) roster: Roster,
    pub(crate) inputs: PromptInputs,
    pub(crate) found: Findings,
    /// The stage of an implementation run (`None` for every other task type).
    stage: Option<StageRun>,
    sink: EventSink,
    manifest: RunManifest,
    team: TeamState,
    convergence: ConvergenceState,
    saved: Saved,
    /// The next temp files of team state and the manifest.
    spares: Spares,
    /// Held while this okstra drives the run: a concurrent `okstra resume` is refused.
    _lock: LockGuard,
}

/// Digests of the state files as this run last wrote them, so unchanged state is not rewritten.
#[derive(Clone, Copy, Debug, Default)]
struct Saved {
    manifest: StateDigest,
    team: StateDigest,
    convergence: StateDigest,
}

/// The parts a run is built from.
pub(crate) struct RunParts {
    pub(crate) home: Home,
    pub(crate) settings: RunSettings,
    pub(crate) env: BTreeMap<String, String>,
    pub(crate) manifest: RunManifest,
    pub(crate) team: TeamState,
    pub(crate) roster: Roster,
    pub(crate) lock: LockGuard,
    pub(crate) cancel: CancellationToken,
    pub(crate) sink: EventSink,
    pub(crate) started: Instant,
    /// The brief and the prior reports (see `prompts::read_shared`).
    pub(crate) shared: (String, Vec<ContextSection>),
    /// The run-wide guidance (see `prompts::read_guidance`).
    pub(crate) guidance: Vec<ContextSection>,
    /// The stage of an implementation run: built by preparation, rebuilt from the manifest on
    /// resume.
    pub(crate) stage_run: Option<StageRun>,
}

impl Run {
    /// Returns a run over its parts.
    pub(crate) fn new(parts: RunParts) -> Self {
        let worker_env = parts.settings.worker_env();
        let mut all_env = parts.env.clone();
        all_env.extend(worker_env.clone());
        let convergence = ConvergenceState::new(
            parts.manifest.run_id.to_string(),
            parts.settings.max_rounds.value,
            Vec::new(),
            Vec::new(),
        );
        Self {
            paths: parts.manifest.paths(),
            redactor: Redactor::from_env(&all_env),
            inputs: PromptInputs {
                brief: parts.shared.0,
                workdir: PathBuf::from(&parts.manifest.worktree.workdir),
                prior: parts.shared.1,
                guidance: parts.guidance,
            },
            home: parts.home,
            settings: parts.settings,
            env: parts.env,
            worker_env,
            cancel: parts.cancel,
            is_root: crate::worker::unix::is_root(),
            started: parts.started,
            roster: parts.roster,
            found: Findings::default(),
            stage: parts.stage_run,
            sink: parts.sink,
            manifest: parts.manifest,
            convergence,
            team: parts.team,
            saved: Saved::default(),
            spares: Spares::default(),
            _lock: parts.lock,
        }
    }

    /// Returns the stage of an implementation run (`None` for every other task type): the
    /// plan's stage and the whole plan, the base, the stage worktree and branch, the mode, the
    /// executor and the carry-in.
    pub(crate) fn stage_run(&self) -> Option<&StageRun> {
        self.stage.as_ref()
    }

    /// Returns the manifest as the run holds it.
    pub(crate) fn manifest(&self) -> &RunManifest {
        &self.manifest
    }

    /// Returns the manifest for an update; [`Run::save_manifest`] writes it.
    pub(crate) fn manifest_mut(&mut self) -> &mut RunManifest {
        &mut self.manifest
    }

    /// Returns team state as the run holds it.
    pub(crate) fn team(&self) -> &TeamState {
        &self.team
    }

    /// Returns team state for an update (its `updatedAt` is now); [`Run::save_team`] writes
    /// it.
    pub(crate) fn team_mut(&mut self) -> &mut TeamState {
        self.team.updated_at = Timestamp::now();
        &mut self.team
    }

    /// Returns the convergence state (empty until the converge phase makes or loads it).
    pub(crate) fn convergence(&self) -> &ConvergenceState {
        &self.convergence
    }

    /// Returns the convergence state for an update; [`Run::save_convergence`] writes it.
    pub(crate) fn convergence_mut(&mut self) -> &mut ConvergenceState {
        &mut self.convergence
    }

    /// Sets the convergence state (not yet saved).
    pub(crate) fn set_convergence(&mut self, state: ConvergenceState) {
        self.convergence = state;
    }

    /// Returns whether the run is being interrupted (Ctrl-C, SIGTERM, SIGHUP).
    pub(crate) fn interrupted(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Returns `path` relative to the project root, as recorded in state files.
    pub(crate) fn rel(&self, path: &Path) -> String {
        relative_to(path, Path::new(&self.manifest.project_root))
            .display()
            .to_string()
    }

    /// Sends an event to the sink and, when the manifest keeps it, appends it there (saved
    /// with the manifest's next write).
    pub(crate) fn emit(&mut self, event: &RunEvent) {
        crate::event_sink::emit(&self.sink, &mut self.manifest, event);
    }

    /// Passes a checkpoint: records it in the manifest, saves the manifest, and runs the kill
    /// hook — so a crash right after it finds it durable.
    pub(crate) fn pass(&mut self, checkpoint: Checkpoint) -> Result<(), StoreError> {
        self.manifest.pass_checkpoint(checkpoint, Timestamp::now());
        self.save_manifest()?;
        kill_hook::passed(checkpoint);
        Ok(())
    }

    /// Writes the manifest, unless it is unchanged since this run last wrote it.
    pub(crate) fn save_manifest(&mut self) -> Result<(), StoreError> {
        write_json_if_changed(
            &self.paths.manifest(),
            &self.manifest,
            &mut self.saved.manifest,
        )
    }

    /// Writes team state, unless it is unchanged since this run last wrote it.
    pub(crate) fn save_team(&mut self) -> Result<(), StoreError> {
        write_json_if_changed(&self.paths.team_state(), &self.team, &mut self.saved.team)
    }

    /// Writes team state and the manifest at once: both reach the disk (fsynced) before it
    /// returns, their syncs overlapping. Used when a group of workers finishes: each fills a
    /// temp file made beforehand, and the next ones are made once it returns.
    pub(crate) async fn save_team_and_manifest(&mut self) -> Result<(), RunError> {
        let (team_path, manifest_path) = (self.paths.team_state(), self.paths.manifest());
        let team = PendingWrite::json(&team_path, &self.team)?;
        let manifest = PendingWrite::json(&manifest_path, &self.manifest)?;
        let (team_digest, manifest_digest) = (team.digest(), manifest.digest());
        let mut writes = Vec::with_capacity(2);
        for (write, saved, path) in [
            (team, self.saved.team, &team_path),
            (manifest, self.saved.manifest, &manifest_path),
        ] {
            if !write.is_unchanged(saved) {
                writes.push(write.with_temp(self.spares.take(path).await));
            }
        }
        commit_all(writes, false).await?;
        self.saved.team = team_digest;
        self.saved.manifest = manifest_digest;
        self.spares.refill(&team_path);
        self.spares.refill(&manifest_path);
        Ok(())
    }

    /// Writes the convergence state, unless it is unchanged since this run last wrote it.
    pub(crate) fn save_convergence(&mut self) -> Result<(), StoreError> {
        write_json_if_changed(
            &self.paths.convergence(),
            &self.convergence,
            &mut self.saved.convergence,
        )
    }

    /// Returns the private TMPDIR of a worker attempt, made now (inside the run's temp folder,
    /// which is made on first use): exclusively, mode 0700.
    pub(crate) fn make_worker_tmpdir(
        &mut self,
        worker: &WorkerName,
        round: RoundTag,
        attempt: u32,
    ) -> Result<PathBuf, RunError> {
        let run_id = self.manifest.run_id.to_string();
        let recorded = self
            .team
            .tmp_root
            .as_ref()
            .map(PathBuf::from)
            .filter(|root| crate::tmp::is_run_temp_root(root, &run_id));
        let root = if let Some(root) = recorded {
            root
        } else {
            let root = crate::tmp::make_private_dir(
                &self.settings.tmp_base,
                &format!("okstra-{}-", self.manifest.run_id),
            )?;
            self.team.tmp_root = Some(root.display().to_string());
            // Recorded before any worker uses it, so a crash never loses track of it.
            self.save_team()?;
            root
        };
        let name = if attempt <= 1 {
            format!("{worker}-r{round}")
        } else {
            format!("{worker}-r{round}-a{attempt}")
        };
        let dir = root.join(name);
        crate::tmp::make_dir(&dir)?;
        Ok(dir)
    }

    /// Removes the run's temp folder, if this run made one.
    pub(crate) fn remove_tmp_root(&mut self) -> Result<(), StoreError> {
        if let Some(root) = self.team.tmp_root.take() {
            let run_id = self.manifest.run_id.to_string();
            crate::tmp::remove_run_temp_root(Path::new(&root), &run_id);
            self.save_team()?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Run")
            .field("run_dir", &self.paths.run_dir())
            .field("run_id", &self.manifest.run_id)
            .finish_non_exhaustive()
    }
}
