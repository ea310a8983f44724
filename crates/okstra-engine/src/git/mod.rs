//! Owns running the `git` CLI: the `GitCommand` wrapper (in `command`) and task worktree
//! provisioning on top of it (in `worktree`). This file only declares and re-exports.

mod command;
pub(crate) mod worktree;

pub use command::GitCommand;
pub(crate) use command::SCRUBBED;
