//! Owns starting a round and its attempts: each worker's slot and team-state row (or the result
//! it already has), the prompt of an attempt (with a rejected answer appended for the
//! re-dispatch), its private TMPDIR, its record in team state, and its executor.

use std::path::PathBuf;

use jiff::Timestamp;
use okstra_core::events::RunEvent;
use okstra_core::outcome::{AttemptResult, FailCause};
use okstra_core::run_paths::ArtifactKind;
use okstra_core::status::WorkerStatus;
use okstra_core::team_state::{AttemptRecord, TeamWorker};
use okstra_core::tokens::TokenUsage;
use tokio::task::JoinSet;

use super::imp::{PlannedWorker, Round, Slot};
use super::record::reserve_result_files;

use crate::errors::RunError;
use crate::executor::executor_add_dirs;
use crate::fs_atomic::replace_text;
use crate::run::launch::{LaunchInputs, process_plan};
use crate::worker::unix::WORKER_TAG_VAR;
use crate::worker::{AttemptEnd, AttemptSpec, Launch, ProcessLaunch, ReplayLaunch, run_attempt};

/// A prompt an attempt needs on disk before it starts.
struct PromptFile {
    path: PathBuf,
    text: String,
}

impl Round<'_> {
    /// Starts the round: a slot per worker; a result from before is reused, a worker that cannot
    /// run is recorded `not-run`, and every other worker's first attempt starts — after every
    /// prompt is written, so the dispatcher is free to record completions the moment they come.
    pub(super) async fn start(&mut self, workers: Vec<PlannedWorker>) -> Result<(), RunError> {
        let mut specs = Vec::new();
        let mut prompts = Vec::new();
        for planned in workers {
            let i = self.add_slot(planned);
            if self.reuse_if_done(i)? {
                continue;
            }
            self.reset_row(i);
            if let Err(reason) = self.slots[i].planned.entry.program.clone() {
                let (prompt, _) = self.begin_attempt(i, 1);
                prompts.push(prompt);
                // Nothing runs: no process carries a tag, no transcript is written.
                if let Some(rec) = self.row_mut(i).attempts.last_mut() {
                    rec.tag = None;
                    rec.transcript_path = None;
                }
                let now = Timestamp::now();
                self.finished.push((
                    i,
                    AttemptEnd {
                        result: AttemptResult::Failed {
                            cause: FailCause::SpawnFailed,
                            message: reason.to_string(),
                            usage: TokenUsage::default(),
                        },
                        exit: None,
                        started_at: now,
                        finished_at: now,
                    },
                ));
                continue;
            }
            let (prompt, spec) = self.prepare_attempt(i, 1)?;
            prompts.push(prompt);
            specs.push(spec);
        }
        // The sidecars are created before the workers start too, so no file is created while
        // their completions are being recorded.
        let sidecars = specs
            .iter()
            .flat_map(|spec| self.sidecar_paths(spec.slot, spec.attempt))
            .collect();
        let results = specs
            .iter()
            .map(|spec| {
                let path = self.artifact(spec.slot, ArtifactKind::Result, spec.attempt);
                (spec.slot, path)
            })
            .collect();
        let (written, opened, reserved) = tokio::join!(
            write_prompts(prompts),
            crate::appender::create_all(sidecars),
            reserve_result_files(results)
        );
        written?;
        self.adopt_sidecars(opened);
        for (i, file) in reserved {
            self.slots[i].result_tmp = Some(file);
        }
        for spec in specs {
            self.spawn(spec);
        }
        // Workers found not runnable are recorded like any finished attempt.
        self.record_finished().await
    }

    /// Adds a worker's slot, pointing at its team-state row (made now when there is none).
    fn add_slot(&mut self, planned: PlannedWorker) -> usize {
        let team = self.run.team_mut();
        let existing = team
            .workers
            .iter()
            .position(|w| w.worker == planned.entry.worker && w.round == planned.round);
        let row = existing.unwrap_or_else(|| {
            team.workers.push(fresh_row(&planned));
            team.workers.len() - 1
        });
        self.team_dirty = true;
        self.slots.push(Slot {
            planned,
            row,
            attempt: 0,
            text: None,
            rejected: None,
            result_tmp: None,
            tmpdir: None,
            reaping: false,
            redispatch: None,
            audit_started: false,
            durable_at: None,
        });
        self.slots.len() - 1
    }

    /// Makes a slot's row a fresh one: same worker, no attempts.
    fn reset_row(&mut self, i: usize) {
        let row = fresh_row(&self.slots[i].planned);
        *self.row_mut(i) = row;
    }

    /// Returns the prompt of the slot's current attempt.
    fn prompt_text(&self, i: usize) -> String {
        let slot = &self.slots[i];
        match &slot.rejected {
            Some((answer, error)) => format!(
                "{}\n## Rejected answer\n\nYour previous answer was rejected: {error}\n\n\
                 Answer again and end with one valid fenced ```json block.\n\n\
                 <details><summary>previous answer</summary>\n\n{answer}\n\n</details>\n",
                slot.planned.prompt
            ),
            None => slot.planned.prompt.clone(),
        }
    }

    /// Records the start of an attempt in team state; returns its prompt file and tag.
    fn begin_attempt(&mut self, i: usize, attempt: u32) -> (PromptFile, String) {
        self.slots[i].attempt = attempt;
        self.slots[i].audit_started = false;
        let prompt_path = self.artifact(i, ArtifactKind::Prompt, attempt);
        let transcript_path = self.artifact(i, ArtifactKind::Transcript, attempt);
        let text = self.prompt_text(i);
        let p = &self.slots[i].planned;
        let tag = format!(
            "{}.{}.r{}.a{attempt}",
            self.run.manifest().run_id,
            p.entry.worker,
            p.round
        );
        let record = AttemptRecord {
            attempt,
            tag: Some(tag.clone()),
            started_at: Some(Timestamp::now()),
            status: WorkerStatus::Running,
            prompt_path: Some(self.run.rel(&prompt_path)),
            transcript_path: Some(self.run.rel(&transcript_path)),
            ..AttemptRecord::default()
        };
        let row = self.row_mut(i);
        // A re-dispatch fills the pending record its decision left.
        match row.attempts.last_mut() {
            Some(last) if last.attempt == attempt => *last = record,
            _ => row.attempts.push(record),
        }
        (
            PromptFile {
                path: prompt_path,
                text,
            },
            tag,
        )
    }

    /// Records an attempt and returns what its executor runs, with the prompt it needs on disk
    /// before it starts.
    fn prepare_attempt(
        &mut self,
        i: usize,
        attempt: u32,
    ) -> Result<(PromptFile, AttemptSpec), RunError> {
        let (prompt, tag) = self.begin_attempt(i, attempt);
        let entry = self.slots[i].planned.entry.clone();
        let round = self.slots[i].planned.round;
        let launch = match (&entry.fixture, &entry.program) {
            (Some(fixture), _) => Launch::Replay(ReplayLaunch {
                answer: fixture
                    .answer_for(
                        entry.worker.as_str(),
                        self.run.manifest().task_type,
                        round,
                        attempt,
                    )
                    .cloned(),
                workdir: self.run.inputs.workdir.clone(),
                role: entry.role,
            }),
            (None, Ok(program)) => {
                let tmpdir = self.run.make_worker_tmpdir(&entry.worker, round, attempt)?;
                // Codex as executor gets the git common dir, so commits in a linked worktree
                // can write the repository (SPEC §5.1); outside git, nothing.
                let add_dirs = if entry.role.writes() {
                    executor_add_dirs(entry.kind, &self.run.inputs.workdir).unwrap_or_default()
                } else {
                    Vec::new()
                };
                let plan = process_plan(
                    &entry,
                    program,
                    &LaunchInputs {
                        workdir: &self.run.inputs.workdir,
                        add_dirs: &add_dirs,
                        tmpdir: &tmpdir,
                        worker_env: &self.run.worker_env,
                        env: &self.run.env,
                        is_root: self.run.is_root,
                    },
                )?;
                self.slots[i].tmpdir = Some(tmpdir);
                self.row_mut(i).env_set.clone_from(&plan.env_set);
                let mut env = plan.env;
                env.insert(WORKER_TAG_VAR.to_owned(), tag.clone());
                Launch::Process(ProcessLaunch {
                    kind: entry.kind,
                    spec: plan.spec,
                    env,
                    prompt: prompt.text.clone().into(),
                    last_message_file: plan.last_message_file,
                    tag,
                })
            }
            (None, Err(_)) => unreachable!("not-run workers are recorded, never launched"),
        };
        self.slots[i].reaping = true;
        Ok((
            prompt,
            AttemptSpec {
                slot: i,
                attempt,
                launch,
                limits: self.run.settings.limits(),
            },
        ))
    }

    /// Starts attempt `attempt` of a slot now (the re-dispatch).
    pub(super) fn launch(&mut self, i: usize, attempt: u32) -> Result<(), RunError> {
        let (prompt, spec) = self.prepare_attempt(i, attempt)?;
        replace_text(&prompt.path, &prompt.text)?;
        self.spawn(spec);
        self.touch_sidecars(i, attempt);
        Ok(())
    }

    /// Starts an attempt's executor (its files are made) and records that it started now.
    fn spawn(&mut self, spec: AttemptSpec) {
        let i = spec.slot;
        let attempt = spec.attempt;
        if let Some(rec) = self.row_mut(i).attempts.last_mut() {
            rec.started_at = Some(Timestamp::now());
        }
        self.executors
            .spawn(run_attempt(spec, self.tx.clone(), self.run.cancel.clone()));
        let entry = &self.slots[i].planned.entry;
        let (worker, model) = (entry.worker.clone(), entry.model.clone());
        self.audit(
            i,
            &format!(
                "phase-4-dispatch worker={worker} model={} attempt={attempt}",
                model.as_deref().unwrap_or("-")
            ),
        );
        self.emit(&RunEvent::Dispatch { worker, model });
    }
}

/// Returns a worker's row before its first attempt.
fn fresh_row(planned: &PlannedWorker) -> TeamWorker {
    let e = &planned.entry;
    TeamWorker {
        worker: e.worker.clone(),
        kind: e.kind,
        role: e.role,
        round: planned.round,
        model: e.model.clone(),
        cli: e.cli.clone(),
        env_set: Vec::new(),
        attempts: Vec::new(),
        replay: e.fixture.is_some(),
    }
}

/// Writes the first attempts' prompts, concurrently. A prompt is regenerated on resume, so it
/// is replaced atomically without fsync.
async fn write_prompts(prompts: Vec<PromptFile>) -> Result<(), RunError> {
    let mut writes = JoinSet::new();
    for p in prompts {
        writes.spawn_blocking(move || replace_text(&p.path, &p.text));
    }
    while let Some(done) = writes.join_next().await {
        done.map_err(|source| RunError::Task {
            what: "a prompt write",
            source,
        })??;
    }
    Ok(())
}
