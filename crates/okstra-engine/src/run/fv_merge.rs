//! Owns the first phase of a final-verification run (SPEC §8, issue 12): the task read again —
//! its plan, every stage done with its head, the carries — then the stage branches merged into
//! the task branch in topological order of the Stage Map (`final_verification::merge`). A
//! conflict is recorded for the verdict (the run is rejected naming the files; nothing moved);
//! outside git, or in a nested worktree, there is nothing to merge and the stages' heads are
//! recorded as they are. The merge holds the task lock, so two final verifications of one task
//! never move its branch at once.

use std::path::{Path, PathBuf};

use okstra_core::events::RunEvent;
use okstra_core::final_verification::MergedStage;

use super::imp::Run;
use crate::errors::RunError;
use crate::executor::{head, in_git_work_tree};
use crate::final_verification::{StagesMerge, merge_stages};

impl Run {
    /// Merges the task's stages into its task branch.
    pub(crate) fn fv_merge(&mut self) -> Result<(), RunError> {
        if self.interrupted() {
            return Ok(());
        }
        let ready = self.read_ready_task()?;
        let wt = self.manifest().worktree.clone();
        if let (Some(path), Some(branch)) = (wt.path, wt.branch) {
            // Under the task lock: two final verifications of one task never move its branch
            // at once (the second finds the stages merged).
            let merged = {
                let _lock = crate::lock::lock_exclusive(&self.paths.task().lock())?;
                merge_stages(Path::new(&path), &branch, &ready.heads)?
            };
            match merged {
                StagesMerge::Merged { head, stages } => {
                    self.found.fv.head = Some(head);
                    self.found.fv.merged = stages;
                }
                StagesMerge::Conflict { head, conflict } => {
                    self.found.fv.head = Some(head);
                    self.found.fv.conflict = Some(conflict);
                }
            }
            self.found.fv.task_branch = Some(branch);
        } else {
            let workdir = PathBuf::from(&wt.workdir);
            self.found.fv.head = if in_git_work_tree(&workdir) {
                head(&workdir).ok()
            } else {
                None
            };
            self.found.fv.merged = ready
                .heads
                .iter()
                .map(|h| MergedStage {
                    stage: h.stage,
                    branch: String::new(),
                    head: h.head.clone(),
                    merge_commit: None,
                })
                .collect();
        }
        self.found.fv.ready = Some(ready);
        let fv = &self.found.fv;
        let merged = fv
            .merged
            .iter()
            .filter(|s| s.merge_commit.is_some())
            .count();
        let event = RunEvent::FvMerged {
            merged,
            already: fv.merged.len() - merged,
            conflict: fv.conflict.as_ref().map(ToString::to_string),
        };
        self.emit(&event);
        self.save_manifest()?;
        Ok(())
    }
}
