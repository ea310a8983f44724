//! Owns `ctl gc` (SPEC §2, §8; issue 14): removing the worktrees of finished work — task
//! worktrees of tasks whose release-handoff completed or that had no run for the period, stage
//! worktrees whose stage is `done` and merged into the task branch — and the temp folders that
//! finished runs left in their team state, reporting the space each frees.
//!
//! Safety, checked on each worktree just before it goes: it is a registered worktree of its
//! repository, it holds no uncommitted change (untracked files count), and its checked-out
//! commits all exist in another ref. Branches are never removed, so a later run re-creates the
//! worktree from its branch; `git worktree remove` runs without `--force`, so git refuses too.

mod check;
mod select;
mod sweep;
mod temp;

pub use select::{GcTarget, GcWorktree};
pub use sweep::{GcError, GcKeep, GcKept, GcReport, GcRequest, gc};
pub use temp::GcTempFolder;
