//! Blame and hints for what `okstra ctl reindex` and `ctl reconcile` refuse: a `--project` that
//! is not registered is the user's (exit 2); the index or a manifest that cannot be read or
//! written is what `StoreError` says.

use okstra_engine::ReindexError;

use crate::command_error::CommandError;

impl From<ReindexError> for CommandError {
    fn from(err: ReindexError) -> Self {
        match err {
            ReindexError::UnknownProject { .. } => CommandError::user(err).hint(
                "name a registered project id (`okstra ctl list` shows them), or omit --project",
            ),
            ReindexError::Store(e) => e.into(),
        }
    }
}
