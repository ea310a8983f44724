//! Owns the evidence phase of an implementation run (SPEC §8): okstra takes its own evidence on
//! the stage's head in the stage worktree — the Stage Validation at the head, the TDD proof at
//! the last `RED:` commit in a scratch worktree, the DB gate, its own diff findings — and saves
//! it, or why it could not take it, as `state/evidence-<seq>.json`. Outside git only the
//! Stage Validation runs, on the project root, and the TDD order is recorded unprovable.
//! Nothing a model said enters here. A resumed run that passed this checkpoint reads the record back; one interrupted while
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
    run_stage_validation,
};
use crate::executor::{head, in_git_work_tree};
use crate::fs_atomic::{read_optional, write_json};

/// The commit a command outside git is recorded on.
const NO_COMMIT: &str = "(no git)";

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

    /// Takes the evidence on the stage worktree's head: outside git, only the Stage
    /// Validation on the project root as it is; in git with no recorded base (a nested
    /// worktree), from the head the executor started on.
    async fn evidence_on_head(&self, stage: &StageRun) -> Result<StageEvidence, EvidenceError> {
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
        if !in_git_work_tree(&stage.workdir) {
            return self.evidence_outside_git(&runner, stage).await;
        }
        let started_at = self
            .found
            .stage
            .execution
            .as_ref()
            .and_then(|r| r.invocations.first())
            .map(|i| i.head_before.clone())
            .filter(|h| !h.is_empty());
        let Some(base) = stage.base.clone().or(started_at) else {
            return Err(EvidenceError::Path(crate::errors::PathError {
                path: stage.workdir.clone(),
                source: std::io::Error::other(
                    "the stage has no recorded base to take its commits from",
                ),
            }));
        };
        if let Some(branch) = &stage.branch {
            on_stage_branch(&stage.workdir, branch)?;
        }
        let head = head(&stage.workdir)?;
        let qa_dir = self.qa_dir_in_worktree(stage);
        collect_stage_evidence(
            &runner,
            &StageEvidenceRequest {
                worktree: &stage.workdir,
                base: &base,
                head: &head,
                stage: &stage.plan_stage,
                qa_commands: &self.settings.qa_commands,
                qa_dir: &qa_dir,
                scratch: &self.settings.tmp_base,
            },
        )
        .await
    }

    /// Returns the evidence of a stage run outside git: the Stage Validation on the project
    /// root, no commits, no tree, the TDD order unprovable (the carry and report say so).
    async fn evidence_outside_git(
        &self,
        runner: &CommandRunner,
        stage: &StageRun,
    ) -> Result<StageEvidence, EvidenceError> {
        let validation =
            run_stage_validation(runner, &stage.plan_stage, &stage.workdir, NO_COMMIT).await?;
        let tdd_proof = if let Some(reason) = &stage.plan_stage.tdd_exemption {
            okstra_core::evidence::tdd::exempt(reason)
        } else {
            okstra_core::evidence::tdd::no_git(&validation)
        };
        Ok(StageEvidence {
            base: String::new(),
            head: String::new(),
            head_tree: String::new(),
            commits: Vec::new(),
            files_changed: Vec::new(),
            validation,
            tdd_proof,
            db_gate: okstra_core::evidence::db_gate::decide_db_gate(Vec::new(), None),
            findings: Vec::new(),
        })
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

/// Refuses a stage worktree the executor moved off its stage branch (another branch, or a
/// detached HEAD): the branch is what the carry, later stages and final verification use.
fn on_stage_branch(workdir: &Path, branch: &str) -> Result<(), EvidenceError> {
    let found = crate::git::GitCommand::new(workdir).current_branch()?;
    if found.as_deref() == Some(branch) {
        return Ok(());
    }
    Err(EvidenceError::OffStageBranch {
        dir: workdir.to_owned(),
        expected: branch.to_owned(),
        found: crate::git::GitCommand::describe_head(found.as_deref()),
    })
}
