//! Owns starting an attempt: its prompt (with a rejected answer appended for the re-dispatch),
//! the files it needs before it starts, its team-state record and its executor.

use std::path::PathBuf;
use std::time::Instant;

use jiff::Timestamp;
use okstra_core::events::RunEvent;
use okstra_core::run_paths::ArtifactKind;
use okstra_core::status::WorkerStatus;
use okstra_core::team_state::AttemptRecord;
use tokio::task::JoinSet;

use super::Round;
use crate::errors::{PathError, RunError};
use crate::fs_atomic::replace_text;
use crate::runner::PlannedLaunch;
use crate::worker::unix::WORKER_TAG_VAR;
use crate::worker::{AttemptSpec, Launch, ProcessLaunch, run_attempt};

/// What an attempt needs on disk before it starts.
pub(super) struct AttemptFiles {
    prompt: (PathBuf, String),
    tmpdir: Option<PathBuf>,
}

impl AttemptFiles {
    fn create(self) -> Result<(), RunError> {
        // The prompt is regenerated on resume, so it is replaced atomically without fsync.
        replace_text(&self.prompt.0, &self.prompt.1)?;
        if let Some(dir) = &self.tmpdir {
            let _ = fs_err::remove_dir_all(dir);
            fs_err::create_dir_all(dir).map_err(PathError::at(dir))?;
        }
        Ok(())
    }
}

impl Round<'_> {
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

    pub(super) fn write_prompt(&mut self, i: usize) -> Result<PathBuf, RunError> {
        let path = self.artifact(i, ArtifactKind::Prompt, self.slots[i].attempt);
        let text = self.prompt_text(i);
        replace_text(&path, &text)?;
        Ok(path)
    }

    pub(super) fn launch(&mut self, i: usize, attempt: u32) -> Result<(), RunError> {
        let (spec, files) = self.prepare_attempt(i, attempt);
        files.create()?;
        self.spawn(spec);
        Ok(())
    }

    /// Creates what the first attempts of a round need before they start — their prompts
    /// (fsynced) and private TMPDIRs — concurrently.
    pub(super) async fn create_files_in_parallel(
        &self,
        files: Vec<AttemptFiles>,
    ) -> Result<(), RunError> {
        let mut writes = JoinSet::new();
        for f in files {
            writes.spawn_blocking(move || f.create());
        }
        while let Some(done) = writes.join_next().await {
            done.map_err(|e| RunError::ResultFile {
                message: format!("the prompt writer failed: {e}"),
            })??;
        }
        Ok(())
    }

    /// Records an attempt and returns what its executor runs, with the files it needs before
    /// it starts. No file is touched here.
    pub(super) fn prepare_attempt(
        &mut self,
        i: usize,
        attempt: u32,
    ) -> (AttemptSpec, AttemptFiles) {
        self.slots[i].attempt = attempt;
        self.slots[i].audit_started = false;
        let prompt_path = self.artifact(i, ArtifactKind::Prompt, attempt);
        let prompt = self.prompt_text(i);
        let transcript_path = self.artifact(i, ArtifactKind::Transcript, attempt);
        let p = &self.slots[i].planned;
        let tag = format!(
            "{}.{}.r{}.a{attempt}",
            self.ctx.manifest.run_id, p.worker, p.round
        );
        let mut tmpdir = None;
        let launch = match &p.launch {
            PlannedLaunch::Process(plan) => {
                tmpdir = Some(plan.tmpdir.clone());
                let mut env = plan.env.clone();
                env.insert("TMPDIR".to_owned(), plan.tmpdir.display().to_string());
                env.insert(WORKER_TAG_VAR.to_owned(), tag.clone());
                Launch::Process(ProcessLaunch {
                    kind: p.kind,
                    spec: plan.spec.clone(),
                    env,
                    prompt: prompt.clone().into(),
                    last_message_file: plan.last_message_file.clone(),
                })
            }
            PlannedLaunch::Replay(fixture) => {
                Launch::Replay(fixture.answer(p.worker.as_str(), p.round, attempt).cloned())
            }
            PlannedLaunch::NotRun(_) => unreachable!("not-run workers are never launched"),
        };
        let now = Timestamp::now();
        let record = AttemptRecord {
            attempt,
            tag: Some(tag.clone()),
            started_at: Some(now),
            status: WorkerStatus::Running,
            prompt_path: Some(self.rel(&prompt_path)),
            transcript_path: Some(self.rel(&transcript_path)),
            ..AttemptRecord::default()
        };
        let row = self.row(i);
        row.status = WorkerStatus::Running;
        if row.started_at.is_none() {
            row.started_at = Some(now);
        }
        row.attempts.push(record);
        if self.slots[i].started.is_none() {
            self.slots[i].started = Some(Instant::now());
        }
        let spec = AttemptSpec {
            slot: i,
            attempt,
            launch,
            limits: self.ctx.limits,
            tag,
            result: self.result_spec(i, attempt),
        };
        self.slots[i].reaping = true;
        (
            spec,
            AttemptFiles {
                prompt: (prompt_path, prompt),
                tmpdir,
            },
        )
    }

    /// Starts an attempt's executor; its sidecars are created as the worker runs.
    pub(super) fn spawn(&mut self, spec: AttemptSpec) {
        let i = spec.slot;
        let attempt = spec.attempt;
        self.executors
            .spawn(run_attempt(spec, self.tx.clone(), self.ctx.cancel.clone()));
        let p = &self.slots[i].planned;
        let model = p.model.clone().unwrap_or_else(|| "-".to_owned());
        let worker = p.worker.to_string();
        self.emit(&RunEvent::Dispatch {
            worker: worker.clone(),
            model: model.clone(),
        });
        self.audit(
            i,
            &format!("phase-4-dispatch worker={worker} model={model} attempt={attempt}"),
        );
    }
}
