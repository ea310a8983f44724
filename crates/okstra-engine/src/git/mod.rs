//! Owns running the `git` CLI: the `GitCommand` wrapper (in `command`), the identity okstra
//! commits with (`identity`), task worktree provisioning (`worktree`), a stage's base merged
//! from its dependencies' heads without a worktree (`merge`), and stage worktrees with their
//! attempt refs (`stage_worktree`). This file only declares and re-exports.

mod command;
mod identity;
pub(crate) mod merge;
pub(crate) mod stage_worktree;
pub(crate) mod worktree;

pub use command::GitCommand;
pub(crate) use command::SCRUBBED;
pub(crate) use identity::identity_args;
