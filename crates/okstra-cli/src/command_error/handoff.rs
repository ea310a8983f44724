//! Blame and hints for a refused release hand-off: a missing, rejected or outdated final
//! verification is the user's to fix (exit 2), each with the command that fixes it.

use okstra_engine::HandoffError;

use crate::command_error::CommandError;

impl From<HandoffError> for CommandError {
    fn from(err: HandoffError) -> Self {
        let hint = match &err {
            HandoffError::NoVerification { .. } => {
                "run `okstra run final-verification --task <group>/<id>` first; the hand-off needs its `accepted` verdict"
            }
            HandoffError::NotAccepted { .. } => {
                "fix what it found through `okstra run implementation --stage N --redo` (or a revised plan), then run final-verification again"
            }
            HandoffError::RunNotCompleted { .. } => {
                "finish it with `okstra resume <run>`, or run `okstra run final-verification --task <group>/<id>` again"
            }
            HandoffError::HeadMoved { .. } => {
                "run `okstra run final-verification --task <group>/<id>` again so it verifies the branch as it is now"
            }
            HandoffError::DbUnverified { .. } => {
                "set qaCommands.db-test in .okstra/project.json to a real or replica DB run, then `okstra run implementation --stage N --reverify`"
            }
            HandoffError::NoBranch { .. } => {
                "run okstra in a git repository: the hand-off pushes the task branch and opens its PR"
            }
            HandoffError::BranchMissing { .. } => {
                "restore the task branch, or run final-verification again"
            }
            HandoffError::Template { .. } => {
                "fix prTemplate in .okstra/project.json, or remove it to use .github/pull_request_template.md or the built-in template"
            }
            HandoffError::Store(_) => return store(err),
            HandoffError::Git(_) | HandoffError::Io(_) => return CommandError::internal(err),
        };
        CommandError::user(err).hint(hint)
    }
}

/// Returns the blame of an unreadable final-verification record.
fn store(err: HandoffError) -> CommandError {
    match err {
        HandoffError::Store(e) => e.into(),
        other => CommandError::internal(other),
    }
}
