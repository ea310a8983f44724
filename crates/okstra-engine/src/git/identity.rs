//! Owns the identity okstra commits with (its own commits of an executor's work, and the merge
//! commit of a stage's base): the repository's configured `user.name` / `user.email` (git's own
//! `GIT_AUTHOR_*` / `GIT_COMMITTER_*` variables beat any configuration); each one that is not
//! configured falls back to `okstra <okstra@localhost>` through `-c` on that one command, so the
//! user's configuration is never changed.

use crate::errors::GitError;
use crate::git::GitCommand;

/// The name okstra commits with when the repository has none configured.
const FALLBACK_NAME: &str = "okstra";
/// The email okstra commits with when the repository has none configured.
const FALLBACK_EMAIL: &str = "okstra@localhost";

/// Returns the `-c user.name=… -c user.email=…` arguments for whichever of the two the
/// repository does not configure.
pub(crate) fn identity_args(git: &GitCommand) -> Result<Vec<String>, GitError> {
    let mut args = Vec::new();
    for (key, fallback) in [("user.name", FALLBACK_NAME), ("user.email", FALLBACK_EMAIL)] {
        let out = git.output(&["config", "--get", key])?;
        let configured =
            out.status.success() && !String::from_utf8_lossy(&out.stdout).trim().is_empty();
        if !configured {
            args.extend(["-c".to_owned(), format!("{key}={fallback}")]);
        }
    }
    Ok(args)
}
