//! Owns the blame of a final-verification run okstra cannot start or go on with (SPEC §8,
//! §12): stages not ready (each with its fix), a plan whose stages do not count, and a task
//! worktree that cannot move to the merged head are the user's (exit 2); ledger and git
//! failures keep their own blame.

use okstra_engine::FinalVerificationError;

use super::CommandError;

impl From<FinalVerificationError> for CommandError {
    fn from(err: FinalVerificationError) -> Self {
        match err {
            FinalVerificationError::Ledger(e) => e.into(),
            FinalVerificationError::Git(e) => e.into(),
            FinalVerificationError::StagesNotReady { ref stages, .. } => {
                let hints: Vec<String> = stages
                    .iter()
                    .map(|s| format!("stage {}: {}", s.stage, s.fix))
                    .collect();
                let mut e = CommandError::user(err);
                e.hints = hints;
                e.hint(
                    "`okstra ledger show --task <group>/<id>` shows where each stage stands; \
                     run final verification again once every stage is done",
                )
            }
            FinalVerificationError::PlanConflict { .. } => CommandError::user(err).hint(
                "`okstra ledger show --task <group>/<id>` shows which plan the stages belong to",
            ),
            FinalVerificationError::OffTaskBranch {
                ref path,
                ref branch,
                ..
            } => {
                let fix = format!(
                    "`git -C {} switch {branch}`, then run final verification again",
                    path.display()
                );
                CommandError::user(err).hint(fix)
            }
            FinalVerificationError::DirtyTaskWorktree { .. } => CommandError::user(err).hint(
                "commit or stash the changes in the task worktree, then run final verification again",
            ),
            FinalVerificationError::StageMergedBefore {
                ref path,
                ref before,
                ..
            } => {
                let fix = format!(
                    "move the task branch back to before okstra's stage merges — `git -C {} reset \
                     --hard {before}` (the stages' commits stay on their own branches) — then run \
                     final verification again",
                    path.display()
                );
                CommandError::user(err).hint(fix)
            }
            FinalVerificationError::TaskWorktree { .. } => CommandError::user(err).hint(
                "commit or stash the changes in the task worktree, then run final verification \
                 again (the stages merged cleanly; nothing was lost)",
            ),
        }
    }
}
