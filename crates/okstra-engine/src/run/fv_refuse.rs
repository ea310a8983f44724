//! Owns where a final-verification run reads its task's readiness (`fv_ready`): a new run,
//! before anything of it is written, refuses when a stage is not done (each named with its
//! fix); a run's merge phase reads the task again the same way (a resumed run too).

use std::path::Path;

use okstra_core::TaskType;

use super::fv_ready::{ReadyTask, TaskAsk, read_ready_task};
use super::imp::Run;
use super::request::NewRun;
use crate::errors::RunError;

impl NewRun {
    /// Refuses a final-verification run whose stages are not all done (each named with its
    /// fix), before anything of the run is written.
    pub(crate) fn refuse_unready_stages(&self) -> Result<(), RunError> {
        if self.task_type != TaskType::FinalVerification {
            return Ok(());
        }
        read_ready_task(&TaskAsk {
            home: &self.home,
            root: self.project.root(),
            project_id: &self.project.project_id,
            group: &self.group,
            id: &self.id,
            repair: true,
        })
        .map(|_| ())
    }
}

impl Run {
    /// Returns the run's task, read again: its plan, done heads and carries (a resumed run
    /// reads them the same way).
    pub(crate) fn read_ready_task(&self) -> Result<ReadyTask, RunError> {
        let m = self.manifest();
        read_ready_task(&TaskAsk {
            home: &self.home,
            root: Path::new(&m.project_root),
            project_id: &m.project_id,
            group: &m.task_group,
            id: &m.task_id,
            repair: true,
        })
    }
}
