//! Owns the commands phase of a final-verification run (SPEC §3, issue 12): okstra itself runs
//! the project's `qaCommands` (`test`, `lint`, `db-test` when set) and the plan's Validation
//! Checklist on the merged task worktree, with the evidence runner (command, exit code,
//! duration, redacted output tail). Nothing runs after a merge conflict: there is no merged
//! head to run on.

use std::path::Path;

use okstra_core::events::RunEvent;
use okstra_core::final_verification::verification_commands;

use super::imp::Run;
use crate::errors::RunError;
use crate::evidence::{CommandLimits, CommandRunner};

/// The commit a command outside git is recorded on.
const NO_COMMIT: &str = "(no git)";

impl Run {
    /// Runs the verification commands on the merged task worktree.
    pub(crate) async fn fv_commands(&mut self) -> Result<(), RunError> {
        if self.interrupted() || self.found.fv.conflict.is_some() {
            return Ok(());
        }
        let checklist = self
            .found
            .fv
            .ready
            .as_ref()
            .map(|r| r.plan.body.validation_checklist.clone())
            .unwrap_or_default();
        let commands = verification_commands(&self.settings.qa_commands, &checklist);
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
        let commit = self
            .found
            .fv
            .head
            .clone()
            .unwrap_or_else(|| NO_COMMIT.to_owned());
        let workdir = self.inputs.workdir.clone();
        let mut ran = Vec::with_capacity(commands.len());
        for command in commands {
            if runner.interrupted() {
                break;
            }
            ran.push(runner.run(&command, &workdir, &commit).await);
        }
        let event = RunEvent::FvCommands {
            ran: ran.len(),
            failed: ran.iter().filter(|c| !c.passed()).count(),
        };
        self.found.fv.commands = ran;
        self.emit(&event);
        self.save_manifest()?;
        Ok(())
    }
}
