//! Owns the blame of `ctl gc`: its failures are the central home's or git's, with their own
//! blame (a worktree git refuses to remove is reported and kept, not an error).

use okstra_engine::GcError;

use super::CommandError;

impl From<GcError> for CommandError {
    fn from(err: GcError) -> Self {
        match err {
            GcError::Store(e) => e.into(),
            GcError::Git(e) => e.into(),
        }
    }
}
