//! Owns the evidence phase of an implementation run (SPEC §8): okstra takes its own evidence on
//! the stage's head in the stage worktree — the Stage Validation at the head, the TDD proof at
//! the last `RED:` commit in a scratch worktree, the DB gate, its own diff findings — and saves
//! it, or why it could not take it, as `state/evidence-<seq>.json`. Nothing a model said enters
//! here. A resumed run that passed this checkpoint reads the record back; one interrupted while
//! the commands ran takes the evidence again.

use std::path::{Path, PathBuf};

use okstra_core::events::{Checkpoint, RunEvent};
use okstra_core::evidence::StageEvidence;
use okstra_core::implementation::{EvidenceRecord, own_failures};
use okstra_core::run_paths::relative_to;

use super::imp::Run;
use super::stage::StageRun;
use crate::errors::{RunError, StoreError};
use crate::evidence::{
    CommandLimits, CommandRunner, EvidenceError, StageEvidenceRequest, collect_stage_evidence,
};
use crate::executor::{head, in_git_work_tree};
use crate::fs_atomic::{read_optional, write_json};

impl Run {
    /// Takes okstra's evidence on the stage's head and records it.
    pub(crate) async fn take_evidence(&mut self) -> Result<(), RunError> {
        if self.interrupted() {
            return Ok(());
        }
        if self.manifest().passed(Checkpoint::Evidence)
            && let Some(record) = self.read_evidence()?
        {
            self.found.stage.evidence = Some(record);
            return Ok(());
        }
        let stage = self.stage_or_error()?;
        let taken = match self.evidence_on_head(&stage).await {
            Err(EvidenceError::Interrupted) => return Ok(()),
            Ok(evidence) => Ok(evidence),
            Err(e) => Err(e.to_string()),
        };
        let record =
            EvidenceRecord::new(self.manifest().run_id.to_string(), stage.stage.get(), taken);
        write_json(&self.paths.evidence(), &record)?;
        let event = match record.taken() {
            Ok(e) => RunEvent::Evidence {
                commits: e.commits.len(),
                failures: own_failures(e),
                error: None,
            },
            Err(why) => RunEvent::Evidence {
                commits: 0,
                failures: Vec::new(),
                error: Some(why.to_owned()),
            },
        };
        self.emit(&event);
        self.found.stage.evidence = Some(record);
        self.pass(Checkpoint::Evidence)?;
        Ok(())
    }

    /// Returns the run's evidence record, when it wrote one.
    pub(crate) fn read_evidence(&self) -> Result<Option<EvidenceRecord>, RunError> {
        let path = self.paths.evidence();
        let Some(text) = read_optional(&path)? else {
            return Ok(None);
        };
        Ok(Some(
            EvidenceRecord::parse(&text).map_err(|source| StoreError::Invalid { path, source })?,
        ))
    }

    /// Takes the evidence on the stage worktree's head.
    async fn evidence_on_head(&self, stage: &StageRun) -> Result<StageEvidence, EvidenceError> {
        let (Some(base), true) = (&stage.base, in_git_work_tree(&stage.workdir)) else {
            return Err(EvidenceError::Path(crate::errors::PathError {
                path: stage.workdir.clone(),
                source: std::io::Error::other(
                    "the stage runs outside git: okstra has no commits to take evidence on",
                ),
            }));
        };
        let head = head(&stage.workdir)?;
        let runner = CommandRunner::new(
            &self.env,
            self.redactor.clone(),
            Path::new(&self.manifest().project_root),
            CommandLimits {
                deadline: self.settings.deadline.value,
                kill_grace: self.settings.kill_grace.value,
            },
            self.cancel.clone(),
        );
        let qa_dir = self.qa_dir_in_worktree(stage);
        collect_stage_evidence(
            &runner,
            &StageEvidenceRequest {
                worktree: &stage.workdir,
                base,
                head: &head,
                stage: &stage.plan_stage,
                qa_commands: &self.settings.qa_commands,
                qa_dir: &qa_dir,
                scratch: &self.settings.tmp_base,
            },
        )
        .await
    }

    /// Returns the task's qa folder as a path of the stage worktree's repository (the folder
    /// of the project root inside it, then `.okstra/tasks/<g>/<i>/qa`).
    fn qa_dir_in_worktree(&self, stage: &StageRun) -> String {
        let root = PathBuf::from(&self.manifest().project_root);
        let qa = relative_to(&self.paths.task().qa_dir(), &root);
        let prefix = stage
            .worktree
            .as_ref()
            .map(|wt| relative_to(&stage.workdir, wt))
            .unwrap_or_default();
        prefix.join(qa).display().to_string()
    }
}
