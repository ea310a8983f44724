//! Owns the last phase (SPEC §4 step 9): the run's status decided, the run validator over what
//! is on disk, the manifest's end, the timeline entry and the index `done` row, and the run's
//! temp folder (with the temp files a crash left) removed.

use jiff::Timestamp;
use okstra_core::events::{Checkpoint, RunEvent};
use okstra_core::index::{IndexEvent, IndexRow};
use okstra_core::status::RunStatus;

use super::imp::Run;
use crate::errors::RunError;
use crate::fs_atomic::stale_temp_files;
use crate::kill_hook;
use crate::lock::lock_exclusive;
use crate::prepare::upsert_timeline;
use crate::validate::validate_run_dir;

impl Run {
    /// Validates the run and records its end.
    pub(crate) fn persist(&mut self) -> Result<(), RunError> {
        // The validator reads what is on disk: team state and manifest first.
        self.save_team()?;
        self.save_manifest()?;
        let interrupted = self.interrupted();
        self.found.validation = if self.found.report.is_some() {
            let failures = validate_run_dir(&self.paths, self.manifest());
            self.emit(&RunEvent::Validated {
                failures: failures.len(),
            });
            failures
        } else {
            Vec::new()
        };
        // An implementation run completes only when okstra passed its stage (a FAIL is exit 3,
        // the stage staying started).
        // A hand-off completes only when its PR body is written and no asked push or PR
        // failed (a rejected push is exit 3, nothing lost locally).
        let answered = if let Some(handed_off) = self.handed_off() {
            handed_off
        } else if self.stage_run().is_some() {
            self.found
                .stage
                .decision
                .as_ref()
                .is_some_and(okstra_core::implementation::StageDecision::passed)
        } else {
            self.any_analyser_completed()
        };
        let mut status = RunStatus::decide(interrupted, answered, self.found.validation.is_empty());
        // A planning run whose plan is missing, breaks its rules or is blocked by its gate
        // finished but failed (SPEC §12, exit 3): its files are whole, so `okstra validate`
        // still passes on them where they are consistent.
        if status == RunStatus::Completed
            && self
                .found
                .plan
                .as_ref()
                .is_some_and(|p| p.blocker().is_some())
        {
            status = RunStatus::Failed;
        }
        // A final-verification run completes only when okstra accepted the task: a rejection
        // or an aborted non-result finished but failed (exit 3).
        if status == RunStatus::Completed
            && self.manifest().task_type == okstra_core::TaskType::FinalVerification
            && !self.found.fv.record.as_ref().is_some_and(|r| {
                r.verdict == okstra_core::final_verification::FinalVerdict::Accepted
            })
        {
            status = RunStatus::Failed;
        }
        self.found.status = Some(status);
        self.finish(status)?;
        self.remove_tmp_root()?;
        self.remove_stale_temp_files();
        Ok(())
    }

    /// Records, as far as it can, that the run failed on an error it cannot continue from: the
    /// manifest, timeline and index say `failed`, and its temp folder is removed. The error
    /// itself is what the caller reports; a failure to record here is not added to it.
    pub(crate) fn abandon(&mut self) {
        let _ = self.finish(RunStatus::Failed);
        let _ = self.remove_tmp_root();
        self.remove_stale_temp_files();
    }

    /// Removes the temp files of this run's result files that a crash (`kill -9` of an earlier
    /// okstra driving it) left in `worker-results/`: their attempts ended long ago.
    fn remove_stale_temp_files(&self) {
        let m = self.manifest();
        let infix = format!("-{}-{}", m.task_type, m.run_seq);
        let ours = |name: &str| {
            name.match_indices(&infix)
                .any(|(at, _)| matches!(name.as_bytes().get(at + infix.len()), Some(b'.' | b'-')))
        };
        for stale in stale_temp_files(&self.paths.worker_results_dir(), ours) {
            let _ = fs_err::remove_file(stale);
        }
    }

    /// Records the run's end: manifest status and checkpoint, timeline entry, index `done` row.
    fn finish(&mut self, status: RunStatus) -> Result<(), RunError> {
        let now = Timestamp::now();
        let m = self.manifest_mut();
        m.status = status;
        m.finished_at = Some(now);
        m.pid = None;
        m.pid_start = None;
        self.emit(&RunEvent::Finished { status });
        if status != RunStatus::Interrupted {
            self.manifest_mut()
                .pass_checkpoint(Checkpoint::Persist, now);
        }
        self.save_manifest()?;
        self.save_team()?;
        {
            let _lock = lock_exclusive(&self.paths.task().lock())?;
            upsert_timeline(self.paths.task(), self.manifest())?;
        }
        self.home
            .append_index(&IndexRow::of(self.manifest(), IndexEvent::Done))?;
        if status != RunStatus::Interrupted {
            kill_hook::passed(Checkpoint::Persist);
        }
        Ok(())
    }
}
